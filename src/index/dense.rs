//! The dense half of the index: the embedding model and the vector store its vectors live in,
//! opened together for one index generation.

use std::sync::Arc;

use anyhow::Context;
use indexer::embed::find_model_dir;
use indexer::vector::{EdgeStore, QdrantServer, SentenceVectors, VectorStore};

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
    let model = match (&settings.ort_lib, crate::models::find_runtime(data)) {
        // Asked for by name: its errors are the user's to see.
        (Some(lib), _) => indexer::embed::load(&dir, Some(lib)),
        (None, Some(lib)) if dir.join("model.onnx").exists() => {
            indexer::embed::load(&dir, Some(&lib)).or_else(|e| {
                notice_once(&format!(
                    "ONNX Runtime ({}) did not load ({e}): embeddings run on the built-in runtime, about 5× slower",
                    lib.display()
                ));
                indexer::embed::load(&dir, None)
            })
        }
        (None, found) => {
            notice_once(&if found.is_some() {
                format!("{} has no model.onnx: embeddings run on the built-in runtime (candle), about 5× slower than ONNX Runtime", dir.display())
            } else {
                "no ONNX Runtime (`cited index` fetches it when online; or --ort-lib): embeddings run on the built-in runtime (candle), about 5× slower".to_string()
            });
            indexer::embed::load(&dir, None)
        }
    }
    .with_context(|| format!("cannot load the embedding model in {}", dir.display()))?;
    let sentences_path = generation.sentences_path();
    let sentences = match access {
        Access::Read => SentenceVectors::reader(&sentences_path),
        Access::Write => {
            SentenceVectors::writer(&sentences_path).context("cannot open the sentence vectors")?
        }
    };
    Ok(Some(DenseIndex {
        embedder: Arc::from(model),
        vectors: open_vectors(generation, settings, access)?,
        sentences: Arc::new(sentences),
    }))
}

/// Says `message` once per process: which runtime embeds is worth a line, not one per request.
fn notice_once(message: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| tracing::warn!("{message}"));
}
