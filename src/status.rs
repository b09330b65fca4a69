//! What the data directory holds: pages, chunks, vectors and the model, the crawl frontier, and when
//! it was last crawled and indexed. Shown by `cited stats`, `/status` and `/api/status`.

use anyhow::{Context, Result};
use indexer::LexicalIndex;
use serde::Serialize;
use store::{Frontier, PageStore};

use crate::config::Settings;
use crate::data_dir::{DataDir, GenerationDir};
use crate::index::dense::Access;

/// What the index holds, as counted by whoever has it open.
pub struct IndexCounts {
    pub chunks: u64,
    pub vectors: u64,
    pub sentence_vectors: u64,
    pub model: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub data_dir: String,
    /// The index generation in service (see `cited rebuild`).
    pub generation: u64,
    pub pages: u64,
    pub text_bytes: u64,
    pub chunks: u64,
    /// Passage vectors stored, and the model they come from.
    pub vectors: u64,
    /// Passages whose sentences have vectors made at index time (answers then embed only the
    /// question).
    pub sentence_vectors: u64,
    pub model: Option<String>,
    pub frontier_queued: u64,
    pub frontier_done: u64,
    pub frontier_failed: u64,
    /// RFC 3339 times of the newest fetch and of the newest indexing.
    pub last_fetch: Option<String>,
    pub last_index: Option<String>,
}

impl Status {
    /// Reads everything from disk (the index and the vector store opened for reading).
    pub fn gather(data: &DataDir, settings: &Settings) -> Result<Self> {
        data.ensure()
            .with_context(|| format!("cannot create data directory {}", data.root().display()))?;
        let serving = data.serving();
        let chunks = LexicalIndex::open(&serving.index_path())
            .context("cannot open the index")?
            .num_chunks();
        let store = crate::index::dense::open_vectors(&serving, settings, Access::Read)?;
        let sentences = indexer::vector::SentenceVectors::reader(&serving.sentences_path());
        let counts = IndexCounts {
            chunks,
            vectors: store.len()?,
            sentence_vectors: sentences.passages()?,
            model: store.model()?.map(|m| m.id),
        };
        Self::with_index(&serving, counts)
    }

    /// Reads the page store and the frontier; the index figures come from the caller, which has the
    /// index open already (a server).
    pub fn with_index(generation: &GenerationDir, counts: IndexCounts) -> Result<Self> {
        let IndexCounts {
            chunks,
            vectors,
            sentence_vectors,
            model,
        } = counts;
        let data = generation.data();
        let store = PageStore::open(&data.store_path())
            .context("cannot open the page store")?
            .stats()?;
        let frontier = Frontier::open(&data.store_path())
            .context("cannot open the frontier")?
            .counts()?;
        Ok(Self {
            data_dir: data.root().display().to_string(),
            generation: generation.number(),
            pages: store.pages,
            text_bytes: store.text_bytes,
            chunks,
            vectors,
            sentence_vectors,
            model,
            frontier_queued: frontier.queued,
            frontier_done: frontier.done,
            frontier_failed: frontier.failed,
            last_fetch: store.last_fetch,
            last_index: store.last_index,
        })
    }

    /// What a reader without the admin token sees: the data directory by its name only, not
    /// where it is on the server.
    pub fn for_the_public(mut self) -> Self {
        self.data_dir = std::path::Path::new(&self.data_dir)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self
    }

    pub fn text(&self) -> String {
        format!(
            "data directory  {}\nindex generation {}\npages stored    {} ({:.1} MiB of text)\nchunks indexed  {}\nvectors         {} ({})\nsentence vectors {} passages\nfrontier        {} queued, {} done, {} failed\nlast fetch      {}\nlast index      {}\n",
            self.data_dir,
            self.generation,
            self.pages,
            self.text_bytes as f64 / 1048576.0,
            self.chunks,
            self.vectors,
            self.model.as_deref().unwrap_or("no model"),
            self.sentence_vectors,
            self.frontier_queued,
            self.frontier_done,
            self.frontier_failed,
            self.last_fetch.as_deref().unwrap_or("never"),
            self.last_index.as_deref().unwrap_or("never")
        )
    }
}
