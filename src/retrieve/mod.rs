//! The retrieval stage: the user's query → ranked passages.
//!
//! Three modes: `lexical` (BM25 over the tantivy passage index), `dense` (cosine between the query's
//! embedding and the passages' vectors) and `hybrid`, which fuses the two rankings ([`fusion`]). Hands [`SearchHit`]s to the answer stage.
//! A query's weighted terms ([`terms::QueryTerms`]) measure sentences for answers and snippets
//! ([`snippet`]) for search results.

pub mod followup;
pub mod fusion;
pub mod snippet;
pub mod terms;

use std::sync::Arc;

use indexer::embed::Embedder;
use indexer::vector::{SentenceVectors, VectorStore};
use indexer::{IndexError, LexicalIndex, SearchHit, SearchQuery};

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
                // Each side contributes a deeper list than asked for, so fusion can promote a
                // passage that one side ranks low.
                let depth = (limit * 2).max(50);
                let lexical = self.index.search(query, depth)?;
                let dense = self.dense_search(query, depth)?;
                Ok(match self.fusion {
                    Fusion::Rrf => fusion::reciprocal_rank(&[lexical, dense], limit),
                    Fusion::MinMax => fusion::normalized_score(&[lexical, dense], limit),
                })
            }
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
        Ok(self
            .search(raw, depth, mode)?
            .into_iter()
            .filter(|hit| seen.insert(hit.doc_id))
            .take(pages)
            .collect())
    }

    /// The cosine between the query and the passage nearest it by meaning (`None` without a model
    /// or vectors): how close vector search came to the question at all.
    pub fn nearest(&self, raw: &str) -> Result<Option<f32>, IndexError> {
        let query = SearchQuery::parse(raw);
        let Some(dense) = &self.dense else {
            return Ok(None);
        };
        if query.text.trim().is_empty() {
            return Ok(None);
        }
        let vector = dense.embedder.embed_query(&query.text)?;
        Ok(dense
            .vectors
            .search(&vector, 1, &query.sites)?
            .first()
            .map(|v| v.score))
    }

    fn dense_search(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let Some(dense) = &self.dense else {
            return Err(IndexError::Model(
                "dense retrieval needs an embedding model (--model-dir)".into(),
            ));
        };
        if query.text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let vector = dense.embedder.embed_query(&query.text)?;
        let mut hits = Vec::new();
        for v in dense.vectors.search(&vector, limit, &query.sites)? {
            // A vector whose passage is not in the lexical index yet (an index run in progress) is
            // skipped rather than shown without text.
            if let Some(mut hit) = self.index.chunk(v.doc_id, v.ordinal)? {
                hit.score = v.score;
                hits.push(hit);
            }
        }
        Ok(hits)
    }
}
