//! cited's durable state: one SQLite database (`DATA/store.sqlite`) holding what the crawler found
//! and what the indexer reads.
//!
//! - [`frontier`] — every URL the crawl has seen and its state (written by the crawler);
//! - [`pages`] — every fetched page, its clean text and sections (written by the crawler's sink,
//!   read by the indexer, the answers' source times and `cited stats`).
//!
//! Both open the database through [`open_sqlite`], so every process sees it set up the same way.

pub mod frontier;
pub mod pages;

use std::path::Path;

use rusqlite::Connection;

pub use frontier::{Frontier, FrontierCounts};
pub use pages::{DocId, PageRecord, PageStore, Section, StoredPage, Upsert};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("page store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("page store holds a malformed record: {0}")]
    Corrupt(String),
}

/// Opens the SQLite database at `path` for cited: WAL (readers in other processes never block the
/// writer), `synchronous=NORMAL` (durable across a killed process; the last commits may be lost on
/// power loss), and a busy timeout so two processes writing at once wait instead of failing.
pub fn open_sqlite(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}
