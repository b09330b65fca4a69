//! Where cited keeps its data.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use indexer::embed::{find_model_dir, LocalModel};
use indexer::vector::FlatStore;

use crate::retrieve::DenseIndex;

/// Loads the embedding model (the explicit directory, else `DATA/models/all-MiniLM-L6-v2`) and opens
/// the vector store. Returns `None`, with a one-line notice on stderr, when there is no model: cited
/// then works lexically.
pub fn load_dense(data: &DataDir, model_dir: Option<&Path>) -> anyhow::Result<Option<DenseIndex>> {
    let Some(dir) = find_model_dir(model_dir, data.root()) else {
        eprintln!(
            "note: no embedding model found (--model-dir or CITED_MODEL_DIR, or {}): lexical retrieval only",
            data.root().join("models").join(indexer::embed::DEFAULT_MODEL).display()
        );
        return Ok(None);
    };
    let model = LocalModel::load(&dir)
        .with_context(|| format!("cannot load the embedding model in {}", dir.display()))?;
    let vectors = FlatStore::open(&data.vectors_path()).context("cannot open the vector store")?;
    Ok(Some(DenseIndex {
        embedder: Arc::new(model),
        vectors: Arc::new(vectors),
    }))
}

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

    /// The SQLite database of passage vectors.
    pub fn vectors_path(&self) -> PathBuf {
        self.root.join("vectors.sqlite")
    }

    /// The tantivy index directory.
    pub fn index_path(&self) -> PathBuf {
        self.root.join("index")
    }
}
