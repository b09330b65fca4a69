//! What the commands print: progress, summaries, answers for a terminal.

use std::time::Duration;

use anyhow::{Context, Result};
use crawler::{CrawlStats, Frontier};
use indexer::{LexicalIndex, PageStore};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::config::DataDir;
use crate::serve::dto::{AnswerResponse, SearchResponse};

pub fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .expect("static template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub fn counter(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A byte-count bar for a download of `len` bytes (a spinner when the length is unknown).
pub fn bytes(what: &str, len: Option<u64>) -> ProgressBar {
    let bar = match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("static template is valid")
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.set_message(what.to_string());
    bar
}

pub fn crawl_progress(s: &CrawlStats) -> String {
    format!(
        "fetched {} (stored {}) · queued {} · in flight {} · robots skipped {} · errors {} · {:.1} pages/s",
        s.fetched,
        s.stored,
        s.queued,
        s.in_flight,
        s.robots_disallowed + s.robots_unavailable,
        s.errors,
        s.rate()
    )
}

pub fn crawl_summary(s: &CrawlStats) -> String {
    format!(
        "crawled {} pages in {:.1}s ({:.1} pages/s): {} stored, {} unchanged, {} duplicates, {} noindex\n\
         skipped: {} disallowed by robots.txt, {} waiting on an unavailable robots.txt, {} unsupported type, \
         {} redirected out of scope; {} truncated, {} retried after 429/503, {} errors; {} still queued",
        s.fetched,
        s.elapsed_ms as f64 / 1000.0,
        s.rate(),
        s.stored,
        s.unchanged,
        s.duplicates,
        s.noindex,
        s.robots_disallowed,
        s.robots_unavailable,
        s.unsupported,
        s.out_of_scope,
        s.truncated,
        s.retried,
        s.errors,
        s.queued
    )
}

pub fn answer_text(a: &AnswerResponse) -> String {
    let mut out = format!("{}\n", a.answer);
    if !a.sources.is_empty() {
        out.push_str("\nSources:\n");
        for s in &a.sources {
            out.push_str(&format!(
                "[{}] {}\n    {}\n    \"{}\"\n",
                s.id, s.title, s.link, s.quote
            ));
        }
    }
    out
}

pub fn search_text(r: &SearchResponse) -> String {
    if r.hits.is_empty() {
        return "no results\n".into();
    }
    let mut out = String::new();
    for (i, h) in r.hits.iter().enumerate() {
        out.push_str(&format!(
            "{}. {}\n   {}\n   {}\n\n",
            i + 1,
            h.title,
            h.url,
            h.snippet
        ));
    }
    out
}

/// What `cited stats` reports.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub data_dir: String,
    pub pages: u64,
    pub text_bytes: u64,
    pub chunks: u64,
    /// Passage vectors stored, and the model they come from.
    pub vectors: u64,
    pub model: Option<String>,
    pub frontier_queued: u64,
    pub frontier_done: u64,
    pub frontier_failed: u64,
    pub last_fetch: Option<String>,
    pub last_index: Option<String>,
}

impl Stats {
    pub fn gather(data: &DataDir, settings: &crate::config::Settings) -> Result<Self> {
        data.ensure()
            .with_context(|| format!("cannot create data directory {}", data.root().display()))?;
        let store = PageStore::open(&data.store_path())
            .context("cannot open the page store")?
            .stats()?;
        let frontier = Frontier::open(&data.store_path())
            .context("cannot open the frontier")?
            .counts()?;
        let chunks = LexicalIndex::open(&data.index_path())
            .context("cannot open the index")?
            .num_chunks();
        let (vectors, model) = {
            let store = crate::config::open_vectors(data, settings, crate::config::Access::Read)?;
            (store.len()?, store.model()?.map(|m| m.id))
        };
        Ok(Self {
            vectors,
            model,
            data_dir: data.root().display().to_string(),
            pages: store.pages,
            text_bytes: store.text_bytes,
            chunks,
            frontier_queued: frontier.queued,
            frontier_done: frontier.done,
            frontier_failed: frontier.failed,
            last_fetch: store.last_fetch,
            last_index: store.last_index,
        })
    }

    pub fn text(&self) -> String {
        format!(
            "data directory  {}\npages stored    {} ({:.1} MiB of text)\nchunks indexed  {}\nvectors         {} ({})\nfrontier        {} queued, {} done, {} failed\nlast fetch      {}\nlast index      {}\n",
            self.data_dir,
            self.pages,
            self.text_bytes as f64 / 1048576.0,
            self.chunks,
            self.vectors,
            self.model.as_deref().unwrap_or("no model"),
            self.frontier_queued,
            self.frontier_done,
            self.frontier_failed,
            self.last_fetch.as_deref().unwrap_or("never"),
            self.last_index.as_deref().unwrap_or("never")
        )
    }
}
