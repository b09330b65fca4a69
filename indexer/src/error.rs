//! Errors of the store-and-index stage.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("page store holds a malformed record: {0}")]
    Corrupt(String),
    #[error("search index error: {0}")]
    Tantivy(tantivy::TantivyError),
    /// Writing segments failed (a full disk, a file-size limit, an I/O error). Tantivy commits
    /// atomically, so the index in service is as it was after the last successful run.
    #[error("cannot write the index ({0}): is the disk full? Nothing was committed: the index in service is unchanged, and the next run starts over from the page store")]
    Write(String),
    #[error("could not open the search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("another process is writing the index right now: {0}")]
    Locked(String),
    #[error("the index in `{0}` was built by another version of cited: delete that directory and index again from the page store")]
    SchemaChanged(String),
    #[error("embedding model: {0}")]
    Model(String),
    #[error("vector store: {0}")]
    Vector(String),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<tantivy::TantivyError> for IndexError {
    fn from(e: tantivy::TantivyError) -> Self {
        use tantivy::TantivyError as T;
        match e {
            // A writer thread that hit an I/O error surfaces as "writer killed" on the next call.
            T::IoError(_) | T::ErrorInThread(_) | T::OpenWriteError(_) => {
                IndexError::Write(e.to_string())
            }
            e => IndexError::Tantivy(e),
        }
    }
}
