//! Where cited keeps its data.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use indexer::embed::find_model_dir;
use indexer::vector::{EdgeStore, QdrantServer, VectorStore};

use crate::retrieve::DenseIndex;

/// Whether a command writes the vector store (indexing) or only searches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// How to reach the model and the vector store; from flags and environment variables.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// A sentence-transformers model directory (else `DATA/models/all-MiniLM-L6-v2`).
    pub model_dir: Option<PathBuf>,
    /// A `libonnxruntime` file: run the model's `model.onnx` with ONNX Runtime instead of candle.
    pub ort_lib: Option<PathBuf>,
    /// A Qdrant server instead of the embedded store.
    pub qdrant: Option<QdrantSettings>,
    /// A language model that writes the answers (else they are extractive).
    pub llm: Option<crate::answer::openai::LlmSettings>,
}

#[derive(Debug, Clone)]
pub struct QdrantSettings {
    /// gRPC address, e.g. `http://127.0.0.1:6334`.
    pub url: String,
    pub api_key: Option<String>,
    pub collection: String,
}

impl QdrantSettings {
    /// The collection of index generation `g`: each generation has its own.
    pub fn collection_of(&self, g: u64) -> String {
        match g {
            0 => self.collection.clone(),
            g => format!("{}-g{g}", self.collection),
        }
    }
}

/// Opens the vector store: the Qdrant server of `settings`, else the embedded store of `data`.
pub fn open_vectors(
    data: &DataDir,
    settings: &Settings,
    access: Access,
) -> anyhow::Result<Arc<dyn VectorStore>> {
    if let Some(q) = &settings.qdrant {
        return Ok(Arc::new(
            QdrantServer::connect(
                &q.url,
                q.api_key.as_deref(),
                &q.collection_of(data.generation()),
            )
            .context("cannot open the vector store")?,
        ));
    }
    let path = data.vectors_path();
    Ok(match access {
        Access::Read => Arc::new(EdgeStore::reader(&path)),
        Access::Write => {
            Arc::new(EdgeStore::writer(&path).context("cannot open the vector store")?)
        }
    })
}

/// Loads the embedding model (the explicit directory, else `DATA/models/all-MiniLM-L6-v2`) and opens
/// the vector store. Returns `None`, with a warning in the log, when there is no model: cited then
/// works lexically.
pub fn load_dense(
    data: &DataDir,
    settings: &Settings,
    access: Access,
) -> anyhow::Result<Option<DenseIndex>> {
    let Some(dir) = find_model_dir(settings.model_dir.as_deref(), data.root()) else {
        tracing::warn!(
            "no embedding model found (--model-dir or CITED_MODEL_DIR, or {}): lexical retrieval only",
            data.root().join("models").join(indexer::embed::DEFAULT_MODEL).display()
        );
        return Ok(None);
    };
    let model = indexer::embed::load(&dir, settings.ort_lib.as_deref())
        .with_context(|| format!("cannot load the embedding model in {}", dir.display()))?;
    Ok(Some(DenseIndex {
        embedder: Arc::from(model),
        vectors: open_vectors(data, settings, access)?,
    }))
}

/// The data directory and the files inside it.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    /// The index generation to use; `None`: the one in service when asked.
    generation: Option<u64>,
}

impl DataDir {
    /// The default data directory, `./cited-data`.
    pub const DEFAULT: &'static str = "cited-data";

    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            generation: None,
        }
    }

    /// This data directory with its index paths fixed to generation `g`.
    pub fn pinned(&self, g: u64) -> Self {
        Self {
            root: self.root.clone(),
            generation: Some(g),
        }
    }

    /// The index generation these paths point into (see [`crate::generation`]).
    pub fn generation(&self) -> u64 {
        self.generation
            .unwrap_or_else(|| crate::generation::current(self))
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

    /// The embedded vector store (Qdrant Edge).
    pub fn vectors_path(&self) -> PathBuf {
        crate::generation::dir(self, self.generation()).join("vectors")
    }

    /// The tantivy index directory.
    pub fn index_path(&self) -> PathBuf {
        crate::generation::dir(self, self.generation()).join("index")
    }
}
