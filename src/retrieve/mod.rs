//! The retrieval stage: the user's query → ranked passages.
//!
//! Lexical only for now (BM25 over the tantivy passage index). Hands [`SearchHit`]s to the answer stage.

use std::sync::Arc;

use indexer::{IndexError, LexicalIndex, SearchHit, SearchQuery};

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1000;

/// Finds passages for queries.
#[derive(Clone)]
pub struct Retriever {
    index: Arc<LexicalIndex>,
}

impl Retriever {
    pub fn new(index: Arc<LexicalIndex>) -> Self {
        Self { index }
    }

    pub fn index(&self) -> &LexicalIndex {
        &self.index
    }

    /// Returns the top `limit` passages for the raw user query (with `site:` operators).
    pub fn search(&self, raw: &str, limit: usize) -> Result<Vec<SearchHit>, IndexError> {
        self.index.search(&SearchQuery::parse(raw), limit)
    }
}
