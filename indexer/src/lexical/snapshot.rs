//! A consistent view of the index in which passages are ranked first and read only when kept.

pub use tantivy::DocAddress;

use super::{LexicalIndex, PageIds, SearchHit, SearchQuery};
use crate::IndexError;
use store::DocId;

/// A passage ranked for a query and not yet read from the document store: its page, and where the
/// [`Snapshot`] that ranked it holds it. Within a page, addresses follow passage order (a page's
/// passages are always written together).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    pub score: f32,
    pub doc_id: DocId,
    pub address: DocAddress,
}

/// One consistent view of the index: passages are ranked and located in it, and only those a query
/// keeps are read (hybrid search keeps 10 of the 100 its two rankings hold, and reading a passage,
/// which decompresses a block of the document store, is what costs).
pub struct Snapshot<'a> {
    pub(super) index: &'a LexicalIndex,
    pub(super) searcher: tantivy::Searcher,
}

impl Snapshot<'_> {
    /// The top `limit` passages for `query` by BM25, unread.
    pub fn top(&self, query: &SearchQuery, limit: usize) -> Result<Vec<Ranked>, IndexError> {
        let mut ids = PageIds::new(&self.searcher);
        self.index
            .top(&self.searcher, query, limit)?
            .into_iter()
            .map(|(score, address)| {
                Ok(Ranked {
                    score,
                    doc_id: ids.of(address)?.unwrap_or(0),
                    address,
                })
            })
            .collect()
    }

    /// Passage `ordinal` of page `doc_id`, scored `score`, unread; `None` when it is not indexed.
    pub fn locate(
        &self,
        doc_id: DocId,
        ordinal: u32,
        score: f32,
    ) -> Result<Option<Ranked>, IndexError> {
        Ok(self
            .index
            .locate(&self.searcher, doc_id, ordinal)?
            .map(|address| Ranked {
                score,
                doc_id,
                address,
            }))
    }

    /// Reads a ranked passage.
    pub fn read(&self, ranked: &Ranked) -> Result<SearchHit, IndexError> {
        self.index
            .load(&self.searcher, ranked.score, ranked.address)
    }
}
