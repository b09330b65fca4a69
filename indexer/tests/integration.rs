//! The page store and the tantivy index together, on disk.

use chrono::Utc;
use indexer::sync::sync;
use indexer::vector::VectorStore;
use indexer::{LexicalIndex, PageRecord, PageStore, SearchQuery, Section, Upsert};

fn page(url: &str, title: &str, body: &str) -> PageRecord {
    let text = format!("{title}\n{body}");
    PageRecord {
        url: url.into(),
        requested_url: url.into(),
        status: 200,
        fetched_at: Utc::now(),
        content_hash: blake3_like(&text),
        etag: None,
        last_modified: None,
        title: title.into(),
        sections: vec![Section {
            heading_path: vec![title.into()],
            level: 1,
            start: 0,
            end: text.len(),
        }],
        text,
        outlinks: vec![],
        canonical: None,
        truncated: false,
    }
}

/// A stand-in content hash (hex, so the index can read its first 16 digits).
fn blake3_like(text: &str) -> String {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}{h:016x}")
}

fn urls(index: &LexicalIndex, q: &str) -> Vec<String> {
    index
        .search(&SearchQuery::parse(q), 10)
        .expect("search")
        .into_iter()
        .map(|h| h.url)
        .collect()
}

#[test]
fn sync_indexes_only_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = PageStore::open(&dir.path().join("store.sqlite")).expect("store");
    let index = LexicalIndex::open(&dir.path().join("index")).expect("index");
    store
        .upsert(&page(
            "http://a.example/otters",
            "Otters",
            "Otters hold hands while they sleep.",
        ))
        .expect("upsert");
    store
        .upsert(&page(
            "http://a.example/badgers",
            "Badgers",
            "Badgers dig setts underground.",
        ))
        .expect("upsert");
    let Upsert::Inserted(hares) = store
        .upsert(&page(
            "http://b.example/hares",
            "Hares",
            "Hares outrun foxes.",
        ))
        .expect("upsert")
    else {
        panic!("inserted")
    };

    let first = sync(&store, &index, None, &|_, _, _| {}).expect("sync");
    assert_eq!(
        (first.added, first.updated, first.removed, first.unchanged),
        (3, 0, 0, 0)
    );
    assert_eq!(
        urls(&index, "sleeping otters"),
        vec!["http://a.example/otters"]
    );

    store
        .upsert(&page(
            "http://a.example/otters",
            "Otters",
            "Otters eat sea urchins.",
        ))
        .expect("upsert");
    store.remove(hares).expect("remove");
    let second = sync(&store, &index, None, &|_, _, _| {}).expect("sync");
    assert_eq!(
        (
            second.added,
            second.updated,
            second.removed,
            second.unchanged
        ),
        (0, 1, 1, 1)
    );
    assert!(
        urls(&index, "sleep").is_empty(),
        "the old text of a changed page is gone"
    );
    assert_eq!(urls(&index, "urchins"), vec!["http://a.example/otters"]);
    assert!(
        urls(&index, "hares foxes").is_empty(),
        "a removed page is gone"
    );

    let third = sync(&store, &index, None, &|_, _, _| {}).expect("sync");
    assert_eq!(
        (
            third.added,
            third.updated,
            third.removed,
            third.chunks_written
        ),
        (0, 0, 0, 0)
    );
}

/// A model whose vectors depend only on the text's length.
struct LengthEmbedder;

impl indexer::embed::Embedder for LengthEmbedder {
    fn model_id(&self) -> &str {
        "length"
    }
    fn dim(&self) -> usize {
        2
    }
    fn embed_query(&self, text: &str) -> Result<Vec<f32>, indexer::IndexError> {
        Ok(vec![text.len() as f32, 1.0])
    }
    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, indexer::IndexError> {
        texts.iter().map(|t| self.embed_query(t)).collect()
    }
}

/// An embedded store that records which writes the sync asked of it.
struct Recording {
    inner: indexer::vector::EdgeStore,
    calls: std::sync::Mutex<Vec<(&'static str, u64)>>,
}

impl Recording {
    fn take(&self) -> Vec<(&'static str, u64)> {
        std::mem::take(&mut *self.calls.lock().expect("lock"))
    }
    fn record(&self, what: &'static str, doc_id: u64) {
        self.calls.lock().expect("lock").push((what, doc_id));
    }
}

impl indexer::vector::VectorStore for Recording {
    fn model(&self) -> Result<Option<indexer::vector::StoredModel>, indexer::IndexError> {
        self.inner.model()
    }
    fn reset(&self, model: &indexer::vector::StoredModel) -> Result<(), indexer::IndexError> {
        self.inner.reset(model)
    }
    fn upsert_page(
        &self,
        doc_id: u64,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), indexer::IndexError> {
        self.record("upsert", doc_id);
        self.inner.upsert_page(doc_id, page_hash, url, vectors)
    }
    fn insert_page(
        &self,
        doc_id: u64,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), indexer::IndexError> {
        self.record("insert", doc_id);
        self.inner.insert_page(doc_id, page_hash, url, vectors)
    }
    fn delete_page(&self, doc_id: u64) -> Result<(), indexer::IndexError> {
        self.record("delete", doc_id);
        self.inner.delete_page(doc_id)
    }
    fn destroy(&self) -> Result<(), indexer::IndexError> {
        self.inner.destroy()
    }
    fn page_hashes(&self) -> Result<std::collections::HashMap<u64, u64>, indexer::IndexError> {
        self.inner.page_hashes()
    }
    fn commit(&self) -> Result<(), indexer::IndexError> {
        self.inner.commit()
    }
    fn search(
        &self,
        query: &[f32],
        limit: usize,
        sites: &[String],
    ) -> Result<Vec<indexer::vector::VectorHit>, indexer::IndexError> {
        self.inner.search(query, limit, sites)
    }
    fn len(&self) -> Result<u64, indexer::IndexError> {
        self.inner.len()
    }
}

#[test]
fn sync_deletes_old_vectors_only_for_pages_that_have_them() {
    // On a Qdrant server every delete is a request: a new page has nothing to delete.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = PageStore::open(&dir.path().join("store.sqlite")).expect("store");
    let index = LexicalIndex::open(&dir.path().join("index")).expect("index");
    let vectors = Recording {
        inner: indexer::vector::EdgeStore::writer(&dir.path().join("vectors")).expect("vectors"),
        calls: Default::default(),
    };
    let dense = || indexer::sync::Dense {
        embedder: &LengthEmbedder,
        vectors: &vectors,
        sentences: None,
    };
    let mut ids = Vec::new();
    for (url, body) in [
        ("/a", "Alpha text."),
        ("/b", "Beta text."),
        ("/c", "Gamma."),
    ] {
        let Upsert::Inserted(id) = store
            .upsert(&page(&format!("http://h.example{url}"), url, body))
            .expect("upsert")
        else {
            panic!("inserted")
        };
        ids.push(id);
    }
    sync(&store, &index, Some(dense()), &|_, _, _| {}).expect("sync");
    let mut first = vectors.take();
    first.sort();
    assert_eq!(
        first,
        ids.iter().map(|&id| ("insert", id)).collect::<Vec<_>>()
    );
    assert_eq!(vectors.len().expect("len"), 3);

    store
        .upsert(&page("http://h.example/a", "/a", "Alpha, changed."))
        .expect("upsert");
    store.remove(ids[2]).expect("remove");
    sync(&store, &index, Some(dense()), &|_, _, _| {}).expect("sync");
    assert_eq!(vectors.take(), vec![("upsert", ids[0]), ("delete", ids[2])]);
    assert_eq!(vectors.len().expect("len"), 2);
}

#[test]
fn sync_stores_sentence_vectors_and_fills_them_in_for_pages_embedded_without() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = PageStore::open(&dir.path().join("store.sqlite")).expect("store");
    let index = LexicalIndex::open(&dir.path().join("index")).expect("index");
    let vectors = indexer::vector::EdgeStore::writer(&dir.path().join("vectors")).expect("vectors");
    let sentences = indexer::vector::SentenceVectors::writer(&dir.path().join("sentences.sqlite"))
        .expect("open");
    let dense = |with_sentences: bool| indexer::sync::Dense {
        embedder: &LengthEmbedder,
        vectors: &vectors,
        sentences: with_sentences.then_some(&sentences),
    };
    let Upsert::Inserted(a) = store
        .upsert(&page(
            "http://h.example/a",
            "Alpha",
            "First sentence here. Second one.",
        ))
        .expect("upsert")
    else {
        panic!("inserted")
    };
    // Embedded before sentence vectors existed: the next sync embeds the page again to get them.
    let stats = sync(&store, &index, Some(dense(false)), &|_, _, _| {}).expect("sync");
    assert_eq!(stats.chunks_embedded, 1);
    let stats = sync(&store, &index, Some(dense(true)), &|_, _, _| {}).expect("sync");
    assert_eq!(stats.chunks_embedded, 1, "filled in");
    let stats = sync(&store, &index, Some(dense(true)), &|_, _, _| {}).expect("sync");
    assert_eq!(stats.chunks_embedded, 0, "nothing to do");

    let hit = index
        .search(&SearchQuery::parse("second"), 1)
        .expect("search")
        .remove(0);
    // Each sentence's own vector: a query along it finds that sentence at a cosine of 1.
    let cosines = |query: &[f32]| {
        sentences
            .cosines(a, hit.ordinal, &hit.text, "length", query)
            .expect("read")
    };
    let got = cosines(&[1.0, 0.0]).expect("stored for the passage's text");
    let texts: Vec<&str> = got.iter().map(|s| &hit.text[s.start..s.end]).collect();
    assert!(texts.contains(&"Second one."), "{texts:?}");
    for (i, s) in got.iter().enumerate() {
        let own = [(s.end - s.start) as f32, 1.0];
        let norm = own.iter().map(|x| x * x).sum::<f32>().sqrt();
        let along = cosines(&[own[0] / norm, own[1] / norm]).expect("stored");
        assert!(along[i].cosine > 0.999, "{along:?}");
    }

    store.remove(a).expect("remove");
    sync(&store, &index, Some(dense(true)), &|_, _, _| {}).expect("sync");
    assert_eq!(cosines(&[1.0, 0.0]), None);
}

#[test]
fn search_boosts_titles_filters_sites_and_never_fails_to_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = PageStore::open(&dir.path().join("store.sqlite")).expect("store");
    let index = LexicalIndex::open(&dir.path().join("index")).expect("index");
    store
        .upsert(&page(
            "http://docs.example.com/a",
            "Logging",
            "How output is written to files.",
        ))
        .expect("upsert");
    store
        .upsert(&page(
            "http://www.example.com/b",
            "Files",
            "Logging is mentioned here once.",
        ))
        .expect("upsert");
    store
        .upsert(&page("http://other.org/c", "Other", "Nothing about it."))
        .expect("upsert");
    sync(&store, &index, None, &|_, _, _| {}).expect("sync");

    assert_eq!(
        urls(&index, "logging")[0],
        "http://docs.example.com/a",
        "title match ranks first"
    );
    assert_eq!(
        urls(&index, "logging site:www.example.com"),
        vec!["http://www.example.com/b"]
    );
    assert_eq!(
        urls(&index, "logging site:example.com").len(),
        2,
        "a domain matches its hosts"
    );
    assert!(urls(&index, "logging site:other.org").is_empty());
    for q in [
        "\"logging",
        "logging -files",
        "title:logging",
        "((logging",
        "logging)",
        "AND",
        "*",
        "~",
        "^2",
        "",
    ] {
        index
            .search(&SearchQuery::parse(q), 10)
            .unwrap_or_else(|e| panic!("`{q}` failed: {e}"));
    }
    assert_eq!(
        urls(&index, "title:logging")[0],
        "http://docs.example.com/a",
        "`:` is text"
    );
}

/// Any query, however malformed, searches the index without an error and honours its limits and
/// `site:` filters.
mod any_query {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    fn index() -> &'static LexicalIndex {
        static INDEX: OnceLock<(tempfile::TempDir, LexicalIndex)> = OnceLock::new();
        &INDEX
            .get_or_init(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = PageStore::open(&dir.path().join("store.sqlite")).expect("store");
                let index = LexicalIndex::open(&dir.path().join("index")).expect("index");
                for (url, title, body) in [
                    (
                        "http://a.example/otters",
                        "Otters",
                        "Otters hold hands while they sleep.",
                    ),
                    (
                        "http://b.example/rivers",
                        "Rivers",
                        "A river floods every spring; otters swim in it.",
                    ),
                    (
                        "http://docs.b.example/x",
                        "Syntax",
                        "Quotes \" ( ) - : site: and AND OR NOT are text.",
                    ),
                ] {
                    store.upsert(&page(url, title, body)).expect("upsert");
                }
                sync(&store, &index, None, &|_, _, _| {}).expect("sync");
                (dir, index)
            })
            .1
    }

    proptest! {
        #[test]
        fn any_query_searches_without_error(
            raw in prop_oneof![
                any::<String>(),
                "((site:|-|\"|\\(|\\)|otters|river|[a-z]{1,6}|AND|OR|NOT|\\*|~|\\^2|[.:/])[ ]?){0,20}",
            ],
            limit in 0usize..20,
        ) {
            let query = SearchQuery::parse(&raw);
            let hits = index().search(&query, limit).expect("search");
            prop_assert!(hits.len() <= limit);
            let pages = index().search_pages(&query, limit, limit * 4).expect("search pages");
            prop_assert!(pages.len() <= limit);
            for hit in hits.iter().chain(&pages) {
                if !query.sites.is_empty() {
                    let host = url::Url::parse(&hit.url).expect("url").host_str().unwrap_or("").to_string();
                    let allowed = query
                        .sites
                        .iter()
                        .any(|site| host == *site || host.ends_with(&format!(".{site}")));
                    prop_assert!(allowed, "{} outside {:?}", host, query.sites);
                }
            }
        }
    }
}
