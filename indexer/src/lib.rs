//! The store-and-index stage of cited.
//!
//! Takes the pages the crawler fetched into the [`PageStore`] (crate `store`), splits each into passages
//! ([`chunk`]) along its sections at sentence boundaries, and keeps a tantivy index of those passages
//! ([`LexicalIndex`]) in step with the store: [`sync::sync`] re-indexes only new or changed pages and
//! deletes the removed ones. Hands [`SearchHit`]s to the retrieval stage.

pub mod chunk;
pub mod embed;
pub mod error;
pub mod lexical;
pub mod sync;
pub mod vector;

pub use chunk::{chunk_page, sentence_spans, word_count, Chunk};
pub use error::IndexError;
pub use lexical::{Distinct, LexicalIndex, Ranked, SearchHit, SearchQuery, Snapshot};
pub use store::{DocId, PageRecord, PageStore, Section, StoredPage, Upsert};
