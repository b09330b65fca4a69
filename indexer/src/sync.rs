//! Keeps the index in step with the page store.
//!
//! Compares the content hash of every stored page with the hash recorded in the index, re-chunks and
//! re-indexes only new or changed pages, deletes pages that left the store, and commits once, so a
//! reader sees the old index or the new one and never a half-written state.

use std::time::Instant;

use serde::Serialize;

use crate::chunk::chunk_page;
use crate::lexical::{hash64, LexicalIndex, PageInfo};
use crate::store::PageStore;
use crate::IndexError;

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStats {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    pub chunks_written: u64,
    pub chunks_total: u64,
    pub elapsed_ms: u64,
}

/// Brings `index` up to date with `store`, calling `progress(done, total)` as pages are indexed.
pub fn sync(
    store: &PageStore,
    index: &LexicalIndex,
    progress: &dyn Fn(u64, u64),
) -> Result<SyncStats, IndexError> {
    let started = Instant::now();
    let mut stats = SyncStats::default();
    let mut indexed = index.indexed_pages()?;
    let stored = store.hashes()?;
    let mut writer = index.writer()?;
    let total = stored.len() as u64;
    for (i, (id, hash)) in stored.into_iter().enumerate() {
        let previous = indexed.remove(&id);
        if previous == Some(hash64(&hash)) {
            stats.unchanged += 1;
            continue;
        }
        let Some(page) = store.get(id)? else { continue };
        let page = page.page;
        if previous.is_some() {
            index.delete_page(&writer, id);
            stats.updated += 1;
        } else {
            stats.added += 1;
        }
        let chunks = chunk_page(id, &page.text, &page.sections);
        stats.chunks_written += chunks.len() as u64;
        let info = PageInfo {
            doc_id: id,
            url: &page.url,
            title: &page.title,
            content_hash: &page.content_hash,
            fetched_at: page.fetched_at,
        };
        index.add_chunks(&writer, &info, &chunks)?;
        if i % 50 == 0 {
            progress(i as u64, total);
        }
    }
    for gone in indexed.into_keys() {
        index.delete_page(&writer, gone);
        stats.removed += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    index.reload()?;
    progress(total, total);
    store.set_meta("last_index", &chrono::Utc::now().to_rfc3339())?;
    stats.chunks_total = index.num_chunks();
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(stats)
}
