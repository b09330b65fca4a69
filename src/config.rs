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
    generation: &GenerationDir,
    settings: &Settings,
    access: Access,
) -> anyhow::Result<Arc<dyn VectorStore>> {
    if let Some(q) = &settings.qdrant {
        return Ok(Arc::new(
            QdrantServer::connect(
                &q.url,
                q.api_key.as_deref(),
                &q.collection_of(generation.number()),
            )
            .context("cannot open the vector store")?,
        ));
    }
    let path = generation.vectors_path();
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
    generation: &GenerationDir,
    settings: &Settings,
    access: Access,
) -> anyhow::Result<Option<DenseIndex>> {
    let data = generation.data();
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
        vectors: open_vectors(generation, settings, access)?,
    }))
}

/// The data directory and the files inside it. Its getters only join paths; reading which index
/// generation is in service is [`DataDir::serving`], a file read.
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

    /// The index generation `number` (see [`crate::index::generation`]).
    pub fn generation(&self, number: u64) -> GenerationDir {
        GenerationDir {
            data: self.clone(),
            number,
        }
    }

    /// The index generation in service now: reads `DATA/generation`.
    pub fn serving(&self) -> GenerationDir {
        self.generation(crate::index::generation::current(self))
    }
}

/// The files of one index generation: its tantivy index and its embedded vector store.
#[derive(Debug, Clone)]
pub struct GenerationDir {
    data: DataDir,
    number: u64,
}

impl GenerationDir {
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The data directory it belongs to.
    pub fn data(&self) -> &DataDir {
        &self.data
    }

    /// The embedded vector store (Qdrant Edge).
    pub fn vectors_path(&self) -> PathBuf {
        crate::index::generation::dir(&self.data, self.number).join("vectors")
    }

    /// The tantivy index directory.
    pub fn index_path(&self) -> PathBuf {
        crate::index::generation::dir(&self.data, self.number).join("index")
    }
}
