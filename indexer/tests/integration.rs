//! The page store and the tantivy index together, on disk.

use chrono::Utc;
use indexer::sync::sync;
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
