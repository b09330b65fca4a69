//! Indexing: the page store into the full-text index and the vector store, and the index
//! generations that let a rebuild happen beside the index in service.
//!
//! [`update`] brings the generation in service up to date (incrementally, through
//! [`indexer::sync`]); [`generation::rebuild`] builds a whole new generation and switches to it.

pub mod dense;
pub mod generation;

use anyhow::{Context, Result};
use indexer::sync::SyncStats;
use indexer::LexicalIndex;
use store::PageStore;

use crate::data_dir::DataDir;

/// Brings the index generation in service up to date with the page store. If the embedding model
/// is not the one the stored vectors came from, builds a new generation instead (see
/// [`generation::rebuild`]): vectors of two models are never mixed, and the old generation
/// serves until the new one is complete.
#[tracing::instrument(name = "index", skip_all)]
pub fn update(
    data: &DataDir,
    settings: &crate::config::Settings,
    progress: &dyn Fn(indexer::sync::Stage, u64, u64),
) -> Result<SyncStats> {
    data.ensure()
        .with_context(|| format!("cannot create data directory {}", data.root().display()))?;
    let write = generation::WriteLock::take(data)?;
    let serving = data.serving();
    let store = PageStore::open(&data.store_path()).context("cannot open the page store")?;
    let index =
        LexicalIndex::open(&serving.index_path()).context("cannot open the search index")?;
    let dense =
        crate::index::dense::load_dense(&serving, settings, crate::index::dense::Access::Write)?;
    if let Some(d) = &dense {
        if let Some(stored) = d.vectors.model()? {
            if stored.id != d.embedder.model_id() || stored.dim != d.embedder.dim() {
                tracing::warn!(
                    "the embedding model changed ({} → {}): building a new index generation; the current one serves until it is ready",
                    stored.id,
                    d.embedder.model_id()
                );
                drop((dense, index, store, write));
                let report = generation::rebuild(data, settings, progress)?;
                return Ok(report.sync);
            }
        }
    }
    let dense = dense.as_ref().map(|d| indexer::sync::Dense {
        embedder: d.embedder.as_ref(),
        vectors: d.vectors.as_ref(),
        sentences: Some(d.sentences.as_ref()),
    });
    Ok(indexer::sync::sync(&store, &index, dense, progress)?)
}
