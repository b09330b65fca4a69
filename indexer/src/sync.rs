//! Keeps the index in step with the page store.
//!
//! Compares the content hash of every stored page with the hash recorded in the index, re-chunks and
//! re-indexes only new or changed pages, deletes pages that left the store, and commits once, so a
//! reader sees the old index or the new one and never a half-written state. The same goes for the
//! vectors, in a second pass.

use std::time::Instant;

use serde::Serialize;

use crate::chunk::chunk_page;
use crate::embed::Embedder;
use crate::lexical::{hash64, LexicalIndex, PageInfo};
use crate::vector::{StoredModel, VectorStore};
use crate::IndexError;
use store::PageStore;

/// The dense half of the index: a model and the store its vectors go to.
#[derive(Clone, Copy)]
pub struct Dense<'a> {
    pub embedder: &'a dyn Embedder,
    pub vectors: &'a dyn VectorStore,
}

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStats {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    pub chunks_written: u64,
    pub chunks_total: u64,
    /// Passages embedded by this sync, and the time that took.
    pub chunks_embedded: u64,
    pub embed_ms: u64,
    pub elapsed_ms: u64,
}

/// Passages embedded together: pages are batched so that the model sees full batches even when
/// pages are short.
const EMBED_BATCH: usize = 64;

struct PendingPage {
    id: store::DocId,
    hash: u64,
    url: String,
    texts: Vec<String>,
    /// Whether the store holds older vectors of the page, to be replaced.
    replaces: bool,
}

/// Embeds the passages of the pending pages in one call and stores each page's vectors.
fn embed_pending(
    d: Dense<'_>,
    pending: &mut Vec<PendingPage>,
    stats: &mut SyncStats,
) -> Result<(), IndexError> {
    if pending.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let texts: Vec<&str> = pending
        .iter()
        .flat_map(|p| p.texts.iter().map(String::as_str))
        .collect();
    let mut vectors = d.embedder.embed_passages(&texts)?.into_iter();
    for page in pending.drain(..) {
        let page_vectors: Vec<Vec<f32>> = vectors.by_ref().take(page.texts.len()).collect();
        if page.replaces {
            d.vectors
                .upsert_page(page.id, page.hash, &page.url, &page_vectors)?;
        } else {
            d.vectors
                .insert_page(page.id, page.hash, &page.url, &page_vectors)?;
        }
        stats.chunks_embedded += page_vectors.len() as u64;
    }
    stats.embed_ms += started.elapsed().as_millis() as u64;
    Ok(())
}

/// What a sync is doing, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Chunking and indexing pages in tantivy.
    Lexical,
    /// Embedding the passages of new and changed pages.
    Embedding,
}

impl Stage {
    /// What it is doing, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lexical => "indexing pages",
            Self::Embedding => "embedding pages",
        }
    }
}

/// Brings `index` (and the vector store, with `dense`) up to date with `store`, calling
/// `progress(stage, done, total)` as pages are done. The full-text index is committed first, so that
/// new pages are searchable while their passages are still being embedded (which is much slower);
/// the vectors are committed at the end. Vectors from another model are never mixed in: if the
/// vector store holds another model's vectors, they are all dropped and re-embedded.
#[tracing::instrument(name = "sync", skip_all, fields(dense = dense.is_some()))]
pub fn sync(
    store: &PageStore,
    index: &LexicalIndex,
    dense: Option<Dense<'_>>,
    progress: &dyn Fn(Stage, u64, u64),
) -> Result<SyncStats, IndexError> {
    let started = Instant::now();
    let mut stats = SyncStats::default();
    let mut indexed = index.indexed_pages()?;
    let mut embedded = match dense {
        Some(d) => {
            let model = StoredModel {
                id: d.embedder.model_id().to_string(),
                dim: d.embedder.dim(),
            };
            if d.vectors.model()?.as_ref() != Some(&model) {
                d.vectors.reset(&model)?;
            }
            d.vectors.page_hashes()?
        }
        None => Default::default(),
    };
    let stored = store.hashes()?;
    let mut batch = index.batch()?;
    let mut to_embed = Vec::new();
    let total = stored.len() as u64;
    for (i, (id, hash)) in stored.into_iter().enumerate() {
        let current = hash64(&hash);
        let previous = indexed.remove(&id);
        let lexical_fresh = previous == Some(current);
        let embedded_hash = embedded.remove(&id);
        let vectors_fresh = dense.is_none() || embedded_hash == Some(current);
        if !vectors_fresh {
            to_embed.push((id, current, embedded_hash.is_some()));
        }
        if lexical_fresh {
            if vectors_fresh {
                stats.unchanged += 1;
            }
            continue;
        }
        let Some(page) = store.get(id)? else { continue };
        let page = page.page;
        let chunks = chunk_page(id, &page.text, &page.sections);
        if previous.is_some() {
            batch.delete_page(id);
            stats.updated += 1;
        } else {
            stats.added += 1;
        }
        stats.chunks_written += chunks.len() as u64;
        let info = PageInfo {
            doc_id: id,
            url: &page.url,
            title: &page.title,
            content_hash: &page.content_hash,
            fetched_at: page.fetched_at,
        };
        batch.add_page(&info, &chunks)?;
        if i % 20 == 0 {
            progress(Stage::Lexical, i as u64, total);
        }
    }
    for gone in indexed.into_keys() {
        batch.delete_page(gone);
        stats.removed += 1;
    }
    batch.commit()?;
    progress(Stage::Lexical, total, total);
    stats.chunks_total = index.num_chunks();

    if let Some(d) = dense {
        let total = to_embed.len() as u64;
        let mut pending: Vec<PendingPage> = Vec::new();
        for (i, (id, hash, replaces)) in to_embed.into_iter().enumerate() {
            let Some(page) = store.get(id)? else { continue };
            let page = page.page;
            pending.push(PendingPage {
                id,
                hash,
                url: page.url.clone(),
                texts: chunk_page(id, &page.text, &page.sections)
                    .into_iter()
                    .map(|c| c.text)
                    .collect(),
                replaces,
            });
            if pending.iter().map(|p| p.texts.len()).sum::<usize>() >= EMBED_BATCH {
                embed_pending(d, &mut pending, &mut stats)?;
                progress(Stage::Embedding, i as u64 + 1, total);
            }
        }
        embed_pending(d, &mut pending, &mut stats)?;
        for gone in embedded.into_keys() {
            d.vectors.delete_page(gone)?;
        }
        d.vectors.commit()?;
        progress(Stage::Embedding, total, total);
    }
    store.set_meta("last_index", &chrono::Utc::now().to_rfc3339())?;
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(stats)
}
