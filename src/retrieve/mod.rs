//! The retrieval stage: the user's query → ranked passages.
//!
//! Three modes: `lexical` (BM25 over the tantivy passage index), `dense` (cosine between the query's
//! embedding and the passages' vectors) and `hybrid`, which fuses the two rankings ([`fusion`]). Hands [`SearchHit`]s to the answer stage.
//! A query's weighted terms ([`terms::QueryTerms`]) measure sentences for answers and snippets
//! ([`snippet`]) for search results.

pub mod english;
pub mod followup;
pub mod fusion;
pub mod snippet;
pub mod terms;

use std::collections::HashSet;
use std::sync::Arc;

use indexer::embed::Embedder;
use indexer::lexical::PageShares;
use indexer::vector::{SentenceVectors, VectorHit, VectorStore};
use indexer::{Distinct, IndexError, LexicalIndex, Ranked, SearchHit, SearchQuery, Snapshot};

/// Pages, the first an answer reads, whose sentence nearest the query by meaning the answer also
/// reads ([`Retriever::read`]). Measured, hybrid, with the nearest passage of 3 and of 5 pages, the
/// two nearest of 3 pages and the three nearest of the first page: the Python, PostgreSQL and
/// Cargo sets grade the same with each (their answers do not change); git's manual 16 of 26
/// supported with 3 or 5 pages, 14 (as without) with the first page only.
const NEAREST_SENTENCE_PAGES: usize = 3;

/// How much deeper a filtered search looks, so that enough passages pass the filters.
const FILTER_DEPTH: usize = 4;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1000;

/// How passages are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Lexical,
    Dense,
    Hybrid,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lexical" => Ok(Mode::Lexical),
            "dense" => Ok(Mode::Dense),
            "hybrid" => Ok(Mode::Hybrid),
            other => Err(format!(
                "unknown mode `{other}` (expected lexical, dense or hybrid)"
            )),
        }
    }
}

/// How hybrid retrieval combines its two rankings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fusion {
    /// Reciprocal rank fusion, k = 60.
    Rrf,
    /// Min-max normalised score fusion: the default, because it measured better (see [`fusion`]).
    #[default]
    MinMax,
}

impl std::str::FromStr for Fusion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rrf" => Ok(Fusion::Rrf),
            "minmax" => Ok(Fusion::MinMax),
            other => Err(format!("unknown fusion `{other}` (expected rrf or minmax)")),
        }
    }
}

/// A model and its vectors.
#[derive(Clone)]
pub struct DenseIndex {
    pub embedder: Arc<dyn Embedder>,
    pub vectors: Arc<dyn VectorStore>,
    /// The sentences' vectors, made at index time, that answers read.
    pub sentences: Arc<SentenceVectors>,
}

/// What an answer reads (see [`Retriever::read`]).
pub struct Reading {
    /// The passages retrieved, best first, then more of the first one's page, then (with a model)
    /// those of the first pages holding their sentence nearest the query.
    pub hits: Vec<SearchHit>,
    /// How many of `hits` retrieval ranked (the rest are more of the first pages).
    pub retrieved: usize,
    /// The cosine of the passage nearest the query by vector search (`None` without a model).
    pub nearest: Option<f32>,
}

impl Reading {
    fn new(mut hits: Vec<SearchHit>, more: Vec<SearchHit>, nearest: Option<f32>) -> Self {
        let retrieved = hits.len();
        // Read after the passages retrieval ranked, and scored as the last of them.
        let last = hits.last().map_or(0.0, |h| h.score);
        hits.extend(more.into_iter().map(|h| SearchHit { score: last, ..h }));
        Self {
            hits,
            retrieved,
            nearest,
        }
    }
}

/// The opening passage of the first page read, when neither `hits` nor `more` holds it: a page's
/// first lines say what it is (an API reference's `Vec` page opens with "A contiguous growable
/// array type …", which no ranking puts near the passages that repeat `Vec` in every signature).
fn opening(
    snapshot: &Snapshot<'_>,
    hits: &[SearchHit],
    more: &[SearchHit],
) -> Result<Option<SearchHit>, IndexError> {
    let Some(page) = hits.first().map(|h| h.doc_id) else {
        return Ok(None);
    };
    if hits
        .iter()
        .chain(more)
        .any(|h| h.doc_id == page && h.ordinal == 0)
    {
        return Ok(None);
    }
    snapshot
        .locate(page, 0, 0.0)?
        .map(|ranked| snapshot.read(&ranked))
        .transpose()
}

/// Of `deeper` (passages at `at`: page and place), those `taken` lacks on the first pages of
/// `taken`, in order, each once: up to `more[i]` on the `i`th page in ranking order.
fn of_first_pages<T, K: std::hash::Hash + Eq>(
    taken: Vec<(u64, K)>,
    deeper: impl IntoIterator<Item = T>,
    more: &[usize],
    at: impl Fn(&T) -> (u64, K),
) -> Vec<T> {
    let mut shares = PageShares::new(taken.iter().map(|(doc, _)| *doc), more);
    let mut seen: HashSet<(u64, K)> = taken.into_iter().collect();
    deeper
        .into_iter()
        .filter(|p| {
            let (doc, place) = at(p);
            let read = shares.left(doc) && seen.insert((doc, place));
            if read {
                shares.take(doc);
            }
            read
        })
        .collect()
}

/// Finds passages for queries.
#[derive(Clone)]
pub struct Retriever {
    index: Arc<LexicalIndex>,
    dense: Option<DenseIndex>,
    fusion: Fusion,
}

impl Retriever {
    pub fn new(index: Arc<LexicalIndex>, dense: Option<DenseIndex>) -> Self {
        Self {
            index,
            dense,
            fusion: Fusion::default(),
        }
    }

    /// Returns this retriever with another fusion method (for measurement).
    pub fn with_fusion(mut self, fusion: Fusion) -> Self {
        self.fusion = fusion;
        self
    }

    pub fn index(&self) -> &LexicalIndex {
        &self.index
    }

    pub fn dense(&self) -> Option<&DenseIndex> {
        self.dense.as_ref()
    }

    /// The mode used when none is asked for: hybrid when a model is present.
    pub fn default_mode(&self) -> Mode {
        if self.dense.is_some() {
            Mode::Hybrid
        } else {
            Mode::Lexical
        }
    }

    /// Returns the top `limit` passages for the raw user query (with `site:`, `-site:`, `after:` and
    /// `before:` operators; see [`SearchQuery::parse`]).
    pub fn search(
        &self,
        raw: &str,
        limit: usize,
        mode: Mode,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let query = SearchQuery::parse(raw);
        if !query.filters_hits() {
            return self.search_query(&query, limit, mode);
        }
        // Dates (and exclusions, for vectors) are checked hit by hit: look deeper, keep what passes.
        let depth = (limit * FILTER_DEPTH).max(100);
        Ok(self
            .search_query(&query, depth, mode)?
            .into_iter()
            .filter(|hit| query.admits(&hit.url, hit.fetched_at))
            .take(limit)
            .collect())
    }

    fn search_query(
        &self,
        query: &SearchQuery,
        limit: usize,
        mode: Mode,
    ) -> Result<Vec<SearchHit>, IndexError> {
        match mode {
            Mode::Lexical => self.index.search(query, limit),
            Mode::Dense => self.dense_search(query, limit),
            Mode::Hybrid => {
                // Only the passages kept are read.
                let snapshot = self.index.snapshot();
                read_all(&snapshot, &self.hybrid_ranking(&snapshot, query, limit)?)
            }
        }
    }

    fn fuse(&self, rankings: &[Vec<Ranked>], limit: usize) -> Vec<Ranked> {
        match self.fusion {
            Fusion::Rrf => fusion::reciprocal_rank(rankings, limit),
            Fusion::MinMax => fusion::normalized_score(rankings, limit),
        }
    }

    /// Returns the best passage of each of the top `pages` pages, from the top `depth` passages.
    pub fn search_pages(
        &self,
        raw: &str,
        pages: usize,
        depth: usize,
        mode: Mode,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let query = SearchQuery::parse(raw);
        if mode == Mode::Lexical && !query.filters_hits() {
            // Only the passages shown are read from the document store.
            return self.index.search_pages(&query, pages, depth);
        }
        let mut seen = std::collections::HashSet::new();
        if mode == Mode::Hybrid && !query.filters_hits() {
            // Only the first passage of each page shown is read from the document store.
            let snapshot = self.index.snapshot();
            let ranked = self.hybrid_ranking(&snapshot, &query, depth)?;
            let firsts = ranked.into_iter().filter(|r| seen.insert(r.doc_id));
            let (hits, _) = read_distinct(&snapshot, firsts, pages, &mut Distinct::default())?;
            return Ok(hits);
        }
        let mut distinct = Distinct::default();
        Ok(self
            .search(raw, depth, mode)?
            .into_iter()
            .filter(|hit| seen.insert(hit.doc_id) && distinct.first(&hit.text))
            .take(pages)
            .collect())
    }

    /// The top `limit` passages of the lexical and the dense ranking fused, not yet read.
    fn hybrid_ranking(
        &self,
        snapshot: &Snapshot<'_>,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<Ranked>, IndexError> {
        Ok(self.fuse(&self.hybrid_lists(snapshot, query, limit)?, limit))
    }

    /// The lexical and the dense ranking for a fusion of `limit` passages, not yet read. Each side
    /// contributes a deeper list than asked for, so fusion can promote a passage that one side
    /// ranks low.
    fn hybrid_lists(
        &self,
        snapshot: &Snapshot<'_>,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<[Vec<Ranked>; 2], IndexError> {
        let depth = (limit * 2).max(50);
        let lexical = snapshot.top(query, depth)?;
        let dense = located(snapshot, &self.dense_vectors(query, depth)?)?;
        Ok([lexical, dense])
    }

    /// The passages an answer to the raw query reads: the top `limit` passages, then further
    /// passages of the first pages among them from deeper in the same rankings, up to `more[i]` of
    /// the `i`th (the pages ranked first most often hold the answer, in a passage worded unlike the
    /// question). With a model,
    /// also the passages of the first pages that hold their sentence nearest the query
    /// ([`NEAREST_SENTENCE_PAGES`]), and the cosine of the passage nearest the query, from the same
    /// vector search.
    pub fn read(
        &self,
        raw: &str,
        limit: usize,
        more: &[usize],
        mode: Mode,
    ) -> Result<Reading, IndexError> {
        let query = SearchQuery::parse(raw);
        if query.filters_hits() {
            let hits = self.search(raw, limit, mode)?;
            let nearest = match mode {
                Mode::Lexical => None,
                _ => self.nearest(raw)?,
            };
            return Ok(Reading::new(hits, Vec::new(), nearest));
        }
        let depth = (limit * 2).max(50);
        match mode {
            Mode::Lexical => {
                let mut hits = self
                    .index
                    .search_with_first_pages(&query, limit, more, depth)?;
                let mut more = hits.split_off(limit.min(hits.len()));
                more.extend(opening(&self.index.snapshot(), &hits, &more)?);
                Ok(Reading::new(hits, more, None))
            }
            Mode::Dense => {
                // Only the passages read are loaded from the lexical index.
                let vectors = self.dense_vectors(&query, depth)?;
                let nearest = vectors.first().map(|v| v.score);
                let snapshot = self.index.snapshot();
                let mut distinct = Distinct::default();
                let top = &vectors[..(limit * 2).min(vectors.len())];
                let (hits, _) =
                    read_distinct(&snapshot, located(&snapshot, top)?, limit, &mut distinct)?;
                let taken = hits.iter().map(|h| (h.doc_id, h.ordinal)).collect();
                // Passed over or not reached, the rest of the ranking may hold the first page's.
                let of_page = of_first_pages(taken, vectors.iter().cloned(), more, |v| {
                    (v.doc_id, v.ordinal)
                });
                let mut more = self.load_vectors(&of_page)?;
                let nearer = self.nearest_sentences(&query, &hits, &more);
                more.extend(self.load_vectors(&nearer)?);
                more.extend(opening(&snapshot, &hits, &more)?);
                more.retain(|h| distinct.first(&h.text));
                Ok(Reading::new(hits, more, nearest))
            }
            Mode::Hybrid => {
                let snapshot = self.index.snapshot();
                let lists = self.hybrid_lists(&snapshot, &query, limit)?;
                let nearest = lists[1].first().map(|h| h.score);
                let fused = self.fuse(&lists, depth);
                let mut distinct = Distinct::default();
                let (hits, top) = read_distinct(&snapshot, fused, limit, &mut distinct)?;
                let [lexical, dense] = lists;
                let taken = top.iter().map(|r| (r.doc_id, r.address)).collect();
                let more = of_first_pages(taken, lexical.into_iter().chain(dense), more, |r| {
                    (r.doc_id, r.address)
                });
                let mut more = read_all(&snapshot, &more)?;
                let nearer = self.nearest_sentences(&query, &hits, &more);
                more.extend(read_all(&snapshot, &located(&snapshot, &nearer)?)?);
                more.extend(opening(&snapshot, &hits, &more)?);
                more.retain(|h| distinct.first(&h.text));
                Ok(Reading::new(hits, more, nearest))
            }
        }
    }

    /// For each of the first [`NEAREST_SENTENCE_PAGES`] pages read, the passage holding the page's
    /// sentence nearest the query by meaning, when the reading lacks it: a long page's answer is
    /// often one sentence in a passage whose other words are about something else (`--follow`
    /// among forty options of git-log), which neither ranking puts near the top. Scored by that
    /// sentence's cosine; none without sentence vectors, nor when they cannot be read (the answer
    /// reads what retrieval ranked, as it did before).
    fn nearest_sentences(
        &self,
        query: &SearchQuery,
        hits: &[SearchHit],
        more: &[SearchHit],
    ) -> Vec<VectorHit> {
        let Some(dense) = &self.dense else {
            return Vec::new();
        };
        if query.text.trim().is_empty() {
            return Vec::new();
        }
        let read: HashSet<(u64, u32)> = hits
            .iter()
            .chain(more)
            .map(|h| (h.doc_id, h.ordinal))
            .collect();
        let mut pages: Vec<u64> = Vec::new();
        for hit in hits {
            if pages.len() < NEAREST_SENTENCE_PAGES && !pages.contains(&hit.doc_id) {
                pages.push(hit.doc_id);
            }
        }
        // The query's vector is cached: vector search embedded it already.
        let q = match dense.embedder.embed_query(&query.text) {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(error = %e, "embedding the query failed");
                return Vec::new();
            }
        };
        let model = dense.embedder.model_id();
        let mut out = Vec::new();
        for doc_id in pages {
            let page = match dense.sentences.nearest_in_page(doc_id, model, &q) {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "reading sentence vectors failed");
                    return out;
                }
            };
            let nearest = page
                .into_iter()
                .filter(|(ordinal, _)| !read.contains(&(doc_id, *ordinal)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            out.extend(nearest.map(|(ordinal, score)| VectorHit {
                doc_id,
                ordinal,
                score,
            }));
        }
        out
    }

    /// The cosine between the query and the passage nearest it by meaning (`None` without a model
    /// or vectors): how close vector search came to the question at all.
    pub fn nearest(&self, raw: &str) -> Result<Option<f32>, IndexError> {
        if self.dense.is_none() {
            return Ok(None);
        }
        Ok(self
            .dense_vectors(&SearchQuery::parse(raw), 1)?
            .first()
            .map(|v| v.score))
    }

    fn dense_search(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let vectors = self.dense_vectors(query, limit)?;
        self.load_vectors(&vectors)
    }

    /// The `limit` passages nearest the query by vector search, not yet loaded.
    fn dense_vectors(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<VectorHit>, IndexError> {
        let Some(dense) = &self.dense else {
            return Err(IndexError::Model(
                "dense retrieval needs an embedding model (--model-dir)".into(),
            ));
        };
        if query.text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let vector = dense.embedder.embed_query(&query.text)?;
        dense.vectors.search(&vector, limit, &query.sites)
    }

    /// The passages of vector hits, scored by their cosine, read from one snapshot.
    fn load_vectors(&self, vectors: &[VectorHit]) -> Result<Vec<SearchHit>, IndexError> {
        let snapshot = self.index.snapshot();
        read_all(&snapshot, &located(&snapshot, vectors)?)
    }
}

/// Vector hits located in `snapshot`, scored by their cosine, unread. A vector whose passage is not
/// in the lexical index yet (an index run in progress) is skipped rather than shown without text.
fn located(snapshot: &Snapshot<'_>, vectors: &[VectorHit]) -> Result<Vec<Ranked>, IndexError> {
    let mut out = Vec::with_capacity(vectors.len());
    for v in vectors {
        out.extend(snapshot.locate(v.doc_id, v.ordinal, v.score)?);
    }
    Ok(out)
}

/// Reads `ranked` in order until `limit` passages are kept, skipping a passage whose text one kept
/// before repeats ([`Distinct`]): the passages kept, and the ranked entries they were read from.
fn read_distinct(
    snapshot: &Snapshot<'_>,
    ranked: impl IntoIterator<Item = Ranked>,
    limit: usize,
    distinct: &mut Distinct,
) -> Result<(Vec<SearchHit>, Vec<Ranked>), IndexError> {
    let (mut hits, mut kept) = (Vec::with_capacity(limit), Vec::with_capacity(limit));
    for r in ranked {
        if hits.len() == limit {
            break;
        }
        let hit = snapshot.read(&r)?;
        if distinct.first(&hit.text) {
            hits.push(hit);
            kept.push(r);
        }
    }
    Ok((hits, kept))
}

/// Reads ranked passages, scored as ranked.
fn read_all(snapshot: &Snapshot<'_>, ranked: &[Ranked]) -> Result<Vec<SearchHit>, IndexError> {
    ranked.iter().map(|r| snapshot.read(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long page on lighthouses (`parts` passages, each naming them, part `i` holding the words
    /// `word{i}x0` to `word{i}x149`) and a short one.
    fn lighthouses(parts: usize) -> (tempfile::TempDir, LexicalIndex) {
        let paragraph = |i: usize| {
            let filler: Vec<String> = (0..150).map(|w| format!("word{i}x{w}")).collect();
            format!("The lighthouse part {i}. {}.\n\n", filler.join(" "))
        };
        let long: String = (0..parts).map(paragraph).collect();
        crate::test_support::index_of(&[
            ("Lighthouse keeping", &long),
            ("Harbours", "A harbour may have a lighthouse."),
        ])
    }

    /// A page that repeats another's passage word for word (the Node.js docs' `all.html` holds
    /// every other page) takes no place of its own: the results list shows the passage once, and
    /// an answer reads the next passage instead of the copy.
    #[test]
    fn a_passage_repeated_word_for_word_is_taken_once() {
        let lamp = "The lighthouse lamp turns once every ten seconds.";
        let (_dir, index) = crate::test_support::index_of(&[
            ("Lighthouse lamps", lamp),
            ("Lighthouse lamps", lamp),
            ("Harbours", "A harbour may have a lighthouse."),
        ]);
        let retriever = Retriever::new(Arc::new(index), None);
        let pages = retriever
            .search_pages("lighthouse lamp", 3, 50, Mode::Lexical)
            .expect("search");
        let titles: Vec<&str> = pages.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(titles, ["Lighthouse lamps", "Harbours"]);
        let reading = retriever
            .read("lighthouse lamp", 2, &[2], Mode::Lexical)
            .expect("read");
        let texts: HashSet<&str> = reading.hits.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(
            (reading.hits.len(), texts.len()),
            (2, 2),
            "{:?}",
            reading.hits
        );
    }

    #[test]
    fn an_answer_reads_more_of_the_first_page() {
        let (_dir, index) = lighthouses(5);
        let retriever = Retriever::new(Arc::new(index), None);
        let reading = retriever
            .read("lighthouse", 1, &[2], Mode::Lexical)
            .expect("read");
        assert_eq!(reading.retrieved, 1);
        assert_eq!(
            reading.hits.len(),
            3,
            "the first passage and two more of its page"
        );
        let first = &reading.hits[0];
        assert_eq!(first.title, "Lighthouse keeping");
        let mut ordinals = HashSet::new();
        for hit in &reading.hits {
            assert_eq!(hit.doc_id, first.doc_id);
            assert!(ordinals.insert(hit.ordinal), "each passage once");
        }
        assert!(reading.hits[1..].iter().all(|h| h.score == first.score));
        assert_eq!(reading.nearest, None, "no model");
        // Nothing more when the first page has nothing more on the question.
        let only = retriever
            .read("harbour", 1, &[2], Mode::Lexical)
            .expect("read");
        assert_eq!((only.hits.len(), only.retrieved), (1, 1));
    }

    /// The page's opening passage is read with its first page even when no ranking reaches it: it
    /// says what the page is about without repeating the page's name (an API type's summary).
    #[test]
    fn an_answer_reads_the_opening_passage_of_the_first_page() {
        let filler = |p: &str| {
            (0..150)
                .map(|w| format!("{p}x{w}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let page = format!(
            "A guide to the care of coastal towers. {}.\n\n{}",
            filler("intro"),
            (0..4)
                .map(|i| format!("The lighthouse part {i}. {}.\n\n", filler(&format!("p{i}"))))
                .collect::<String>()
        );
        let (_dir, index) = crate::test_support::index_of(&[("Towers", &page)]);
        let retriever = Retriever::new(Arc::new(index), None);
        let reading = retriever
            .read("lighthouse", 1, &[1], Mode::Lexical)
            .expect("read");
        let first = &reading.hits[0];
        assert_eq!(first.title, "Towers");
        assert_ne!(first.ordinal, 0);
        let opening = reading.hits.last().expect("hits");
        assert_eq!((opening.doc_id, opening.ordinal), (first.doc_id, 0));
        assert!(
            opening.text.contains("A guide to the care"),
            "{}",
            opening.text
        );
        assert_eq!(
            reading.hits.len(),
            3,
            "the first passage, one more, the opening"
        );
        assert_eq!(reading.retrieved, 1);
    }

    /// A lexical answer also reads further passages of the second page ranked.
    #[test]
    fn an_answer_reads_more_of_the_second_page() {
        let parts = |words: &str, page: &str| -> String {
            (0..5)
                .map(|i| {
                    let filler: Vec<String> = (0..150).map(|w| format!("{page}{i}x{w}")).collect();
                    format!("The {words} part {i}. {}.\n\n", filler.join(" "))
                })
                .collect()
        };
        let (_dir, index) = crate::test_support::index_of(&[
            ("Lamps", &parts("lighthouse lamp", "a")),
            ("Keepers", &parts("lighthouse", "b")),
        ]);
        let retriever = Retriever::new(Arc::new(index), None);
        let reading = retriever
            .read("lighthouse lamp", 6, &[0, 2], Mode::Lexical)
            .expect("read");
        assert_eq!(reading.retrieved, 6);
        let titles: Vec<&str> = reading.hits.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Lamps", "Lamps", "Lamps", "Lamps", "Lamps", "Keepers", "Keepers", "Keepers"]
        );
        let ordinals: HashSet<u32> = reading.hits[5..].iter().map(|h| h.ordinal).collect();
        assert_eq!(ordinals.len(), 3, "each passage once");
    }

    #[test]
    fn further_passages_come_from_each_first_page_up_to_its_share() {
        let taken = vec![(1, 'a'), (2, 'b')];
        let deeper = [(1, 'c'), (2, 'd'), (2, 'e'), (3, 'f'), (1, 'g'), (1, 'a')];
        let more = |shares: &[usize]| of_first_pages(taken.clone(), deeper, shares, |p| *p);
        assert_eq!(more(&[1, 1]), [(1, 'c'), (2, 'd')]);
        assert_eq!(more(&[2, 1]), [(1, 'c'), (2, 'd'), (1, 'g')]);
        assert_eq!(more(&[0, 5]), [(2, 'd'), (2, 'e')]);
        assert_eq!(
            more(&[3]),
            [(1, 'c'), (1, 'g')],
            "a taken passage is not read twice"
        );
    }

    /// A model whose every query lies along the first axis.
    struct AlongFirstAxis;

    impl Embedder for AlongFirstAxis {
        fn model_id(&self) -> &str {
            "along-first-axis"
        }
        fn dim(&self) -> usize {
            4
        }
        fn embed_query(&self, _: &str) -> Result<Vec<f32>, IndexError> {
            Ok(vec![1.0, 0.0, 0.0, 0.0])
        }
        fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError> {
            texts.iter().map(|t| self.embed_query(t)).collect()
        }
    }

    #[test]
    fn an_answer_reads_the_passage_of_a_first_page_holding_its_sentence_nearest_the_query() {
        let (dir, index) = lighthouses(5);
        let index = Arc::new(index);
        let lexical_only = Retriever::new(index.clone(), None);
        let reading = lexical_only
            .read("lighthouse", 1, &[0], Mode::Lexical)
            .expect("read");
        let first = &reading.hits[0];
        let page = first.doc_id;
        // One sentence a passage; passage 3's is nearest the query, passage 4's next.
        let sentences = SentenceVectors::writer(&dir.path().join("s.sqlite")).expect("open");
        let direction = |o: u32| match o {
            3 => vec![0.9, 0.1, 0.0, 0.0],
            4 => vec![0.6, 0.4, 0.0, 0.0],
            _ => vec![0.0, 0.0, 1.0, 0.0],
        };
        let passages: Vec<(&str, Vec<indexer::vector::SentenceVector>)> = (0..5)
            .map(|o| {
                let v = direction(o);
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                let vector = v.iter().map(|x| x / norm).collect();
                let sentence = indexer::vector::SentenceVector {
                    start: 0,
                    end: 1,
                    vector,
                };
                ("x", vec![sentence])
            })
            .collect();
        sentences
            .put_pages("along-first-axis", &[(page, passages)])
            .expect("put");
        let retriever = Retriever::new(
            index,
            Some(DenseIndex {
                embedder: Arc::new(AlongFirstAxis),
                vectors: Arc::new(indexer::vector::EdgeStore::reader(&dir.path().join("v"))),
                sentences: Arc::new(sentences),
            }),
        );
        let query = SearchQuery::parse("lighthouse");
        let nearest = |read: &[SearchHit]| -> Vec<(u64, u32)> {
            retriever
                .nearest_sentences(&query, &read[..1], &read[1..])
                .iter()
                .map(|v| (v.doc_id, v.ordinal))
                .collect()
        };
        assert_ne!(first.ordinal, 3, "{first:?}");
        assert_eq!(nearest(&reading.hits), vec![(page, 3)]);
        // A passage already read is not read twice: the next nearest is.
        let mut read = reading.hits.clone();
        read.push(SearchHit {
            ordinal: 3,
            ..first.clone()
        });
        assert_eq!(nearest(&read), vec![(page, 4)]);
        // Without a model, nothing.
        assert!(lexical_only
            .nearest_sentences(&query, &reading.hits[..1], &[])
            .is_empty());
    }

    /// Hybrid ranks passages unread and reads those it keeps: a passage located from its page and
    /// ordinal is the one BM25 ranked, and reads as the passage the index holds there.
    #[test]
    fn ranked_passages_are_located_and_read_from_one_snapshot() {
        let (_dir, index) = lighthouses(3);
        let snapshot = index.snapshot();
        let top = snapshot
            .top(&SearchQuery::parse("word1x3"), 5)
            .expect("top");
        assert_eq!(top.len(), 1, "{top:?}");
        let hit = snapshot.read(&top[0]).expect("read");
        assert!(hit.text.contains("word1x3"));
        assert_eq!(hit.doc_id, top[0].doc_id);
        let located = snapshot
            .locate(hit.doc_id, hit.ordinal, 0.5)
            .expect("locate")
            .expect("indexed");
        assert_eq!(located.address, top[0].address);
        assert_eq!(snapshot.read(&located).expect("read").score, 0.5);
        assert_eq!(snapshot.locate(hit.doc_id, 99, 0.5).expect("locate"), None);
        let fused = fusion::normalized_score(&[top.clone(), vec![located]], 5);
        assert_eq!(fused.len(), 1, "one passage however many rankings hold it");
    }
}
