//! The dense half of the index: the embedding model and the vector store its vectors live in,
//! opened together for one index generation.

use std::sync::Arc;

use anyhow::Context;
use indexer::embed::find_model_dir;
use indexer::vector::{EdgeStore, QdrantServer, VectorStore};

use crate::config::Settings;
use crate::data_dir::GenerationDir;
use crate::retrieve::DenseIndex;

/// Whether a command writes the vector store (indexing) or only searches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
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
