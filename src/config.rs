//! Where cited keeps its data.

use std::path::{Path, PathBuf};

/// The data directory and the files inside it.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The default data directory, `./cited-data`.
    pub const DEFAULT: &'static str = "cited-data";

    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the directory if needed.
    pub fn ensure(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database holding the page store and the crawl frontier.
    pub fn store_path(&self) -> PathBuf {
        self.root.join("store.sqlite")
    }

    /// The tantivy index directory.
    pub fn index_path(&self) -> PathBuf {
        self.root.join("index")
    }
}
