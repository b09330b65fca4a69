//! Errors of the store-and-index stage.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum IndexError {
    #[error("page store error: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("page store holds a malformed record: {0}")]
    Corrupt(String),
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("could not open the search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("another `cited index` is writing the index right now: {0}")]
    Locked(String),
    #[error("the index in `{0}` was built by another version of cited: delete that directory and run `cited index` to rebuild it from the page store")]
    SchemaChanged(String),
    #[error("embedding model: {0}")]
    Model(String),
    #[error("vector store: {0}")]
    Vector(String),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}
