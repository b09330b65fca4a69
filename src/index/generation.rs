//! Index generations: a rebuild writes a whole new index (tantivy directory and vector store) next to
//! the one being served, verifies it, and switches to it atomically.
//!
//! `DATA/generation` holds the number of the generation in service (no file: generation 0, the
//! original layout `DATA/index` + `DATA/vectors`); generation N ≥ 1 lives in `DATA/gen-N/`. The file is
//! replaced by rename, so a reader sees the old number or the new one, and a rebuild killed at any
//! point leaves the old generation in service and a half-built directory that the next rebuild
//! removes first.
//!
//! Readers hold a shared lock on their generation's `readers.lock` for as long as they use it; an old
//! generation is removed only when that lock can be taken exclusively, i.e. when no reader is left.
//! One writer at a time (`cited index` or `cited rebuild`) holds `DATA/write.lock`.

use std::fs::File;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indexer::LexicalIndex;
use serde::Serialize;
use store::PageStore;

use crate::config::Settings;
use crate::data_dir::DataDir;

const READERS_LOCK: &str = "readers.lock";
const WRITE_LOCK: &str = "write.lock";

/// The generation `data` serves now.
pub fn current(data: &DataDir) -> u64 {
    data.serving().number()
}

/// The directory of generation `g` (the data directory itself for generation 0).
fn dir(data: &DataDir, g: u64) -> PathBuf {
    data.generation(g).root()
}

/// A reader's hold on a generation: while it lives, the generation is not removed.
#[derive(Debug)]
pub struct Lease {
    _file: File,
}

impl Lease {
    pub fn take(data: &DataDir, g: u64) -> Result<Self> {
        let path = dir(data, g).join(READERS_LOCK);
        std::fs::create_dir_all(dir(data, g))?;
        let file =
            File::create(&path).with_context(|| format!("cannot open {}", path.display()))?;
        file.lock_shared()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(Self { _file: file })
    }
}

/// The one writer of the indexes (`cited index`, `cited rebuild`), for as long as it lives.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

impl WriteLock {
    pub fn take(data: &DataDir) -> Result<Self> {
        data.ensure()?;
        let file = File::create(data.root().join(WRITE_LOCK))?;
        if file.try_lock().is_err() {
            bail!(
                "another `cited index` or `cited rebuild` is writing to {}; wait for it to finish",
                data.root().display()
            );
        }
        Ok(Self { _file: file })
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Serialize)]
pub struct RebuildReport {
    pub from: u64,
    pub to: u64,
    pub pages: u64,
    pub chunks: u64,
    pub vectors: u64,
    pub model: Option<String>,
    pub removed_generations: Vec<u64>,
    pub took_ms: u64,
    /// The indexing itself.
    pub sync: indexer::sync::SyncStats,
}

/// Re-chunks and re-indexes every stored page into a new generation, verifies it and switches to
/// it. The generation in service keeps serving throughout.
#[tracing::instrument(name = "rebuild", skip_all)]
pub fn rebuild(
    data: &DataDir,
    settings: &Settings,
    progress: &dyn Fn(indexer::sync::Stage, u64, u64),
) -> Result<RebuildReport> {
    let started = Instant::now();
    let _write = WriteLock::take(data)?;
    let from = current(data);
    // Leftovers of killed rebuilds, and old generations no reader holds any more.
    let mut removed = collect(data, settings);
    let to = generations(data).into_iter().max().unwrap_or(0).max(from) + 1;
    let target = dir(data, to);
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot clear {}", target.display()))?;
    }
    // Held while building, so that a server collecting old generations leaves this one alone.
    let _building = Lease::take(data, to)?;
    let pinned = data.generation(to);
    let store = PageStore::open(&data.store_path()).context("cannot open the page store")?;
    let index =
        LexicalIndex::open(&pinned.index_path()).context("cannot create the new search index")?;
    let dense =
        crate::index::dense::load_dense(&pinned, settings, crate::index::dense::Access::Write)?;
    let stats = indexer::sync::sync(
        &store,
        &index,
        dense.as_ref().map(|d| indexer::sync::Dense {
            embedder: d.embedder.as_ref(),
            vectors: d.vectors.as_ref(),
            sentences: Some(d.sentences.as_ref()),
        }),
        progress,
    )?;
    // Verify before switching: every stored page with text indexed, and every passage embedded.
    let pages = store.stats()?.pages.saturating_sub(stats.without_text);
    let indexed = index.indexed_pages()?.len() as u64;
    let chunks = index.num_chunks();
    if indexed != pages {
        bail!("verification failed: {indexed} of {pages} pages in the new index; generation {from} stays in service");
    }
    let (vectors, model) = match &dense {
        Some(d) => {
            let n = d.vectors.len()?;
            if n != chunks {
                bail!("verification failed: {n} vectors for {chunks} passages; generation {from} stays in service");
            }
            (n, Some(d.embedder.model_id().to_string()))
        }
        None => (0, None),
    };
    drop(dense);
    drop(index);
    tracing::info!(?stats, "generation {to} built");
    let sync = stats;
    switch(data, to)?;
    removed.extend(collect(data, settings));
    Ok(RebuildReport {
        from,
        to,
        pages,
        chunks,
        vectors,
        model,
        removed_generations: removed,
        took_ms: started.elapsed().as_millis() as u64,
        sync,
    })
}

/// Points `DATA/generation` at `g`, atomically and durably.
fn switch(data: &DataDir, g: u64) -> Result<()> {
    let pointer = data.generation_pointer();
    let tmp = pointer.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = File::create(&tmp)?;
        writeln!(f, "{g}")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &pointer)?;
    File::open(data.root())?.sync_all()?;
    Ok(())
}

/// Generations present on disk (0 if the original layout is there).
fn generations(data: &DataDir) -> Vec<u64> {
    let mut out = Vec::new();
    if data.root().join("index").exists() || data.root().join("vectors").exists() {
        out.push(0);
    }
    if let Ok(entries) = std::fs::read_dir(data.root()) {
        for entry in entries.flatten() {
            if let Some(g) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("gen-"))
                .and_then(|n| n.parse().ok())
            {
                out.push(g);
            }
        }
    }
    out
}

/// Removes every generation that is not in service and that no reader holds; returns their numbers.
/// With a Qdrant server, a generation's collection goes first; if it cannot be deleted, the
/// generation's directory stays, so that a later collection tries again.
pub fn collect(data: &DataDir, settings: &Settings) -> Vec<u64> {
    let serving = current(data);
    let mut removed = Vec::new();
    for g in generations(data) {
        if g == serving {
            continue;
        }
        let lock = dir(data, g).join(READERS_LOCK);
        let free = match File::create(&lock) {
            Ok(f) => f.try_lock().is_ok(),
            Err(_) => true,
        };
        if !free {
            continue;
        }
        if let Err(e) = remove_remote_vectors(data, settings, g) {
            tracing::warn!(generation = g, error = %format!("{e:#}"), "cannot remove an old generation's vectors");
            continue;
        }
        let result = if g == 0 {
            remove_all(&[data.root().join("index"), data.root().join("vectors")])
        } else {
            std::fs::remove_dir_all(dir(data, g))
        };
        match result {
            Ok(()) => removed.push(g),
            Err(e) => tracing::warn!(generation = g, error = %e, "cannot remove an old generation"),
        }
    }
    removed
}

/// Deletes the vectors that generation `g` keeps outside the data directory (a Qdrant server's
/// collection); the embedded store's go with the directory.
fn remove_remote_vectors(data: &DataDir, settings: &Settings, g: u64) -> Result<()> {
    if settings.qdrant.is_none() {
        return Ok(());
    }
    crate::index::dense::open_vectors(
        &data.generation(g),
        settings,
        crate::index::dense::Access::Write,
    )?
    .destroy()
    .context("cannot delete the collection")
}

fn remove_all(paths: &[PathBuf]) -> std::io::Result<()> {
    for p in paths {
        if p.exists() {
            std::fs::remove_dir_all(p)?;
        }
    }
    Ok(())
}
