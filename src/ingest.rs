//! Ingest: the crawler's pages into the page store (indexing them is [`crate::index`]).
//!
//! The crawler and the indexer do not know each other; this module is where a [`crawler::Page`]
//! becomes a [`store::PageRecord`].

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use crawler::{
    CrawlConfig, CrawlStats, Crawler, Frontier, Page, PageSink, SinkOutcome, Validators,
};
use store::{PageRecord, PageStore, Upsert};
use url::Url;

use crate::data_dir::DataDir;

/// The page store as the crawler's sink.
pub struct StoreSink {
    store: Arc<PageStore>,
}

impl StoreSink {
    pub fn new(store: Arc<PageStore>) -> Self {
        Self { store }
    }
}

impl PageSink for StoreSink {
    fn store(&self, page: Page) -> Result<SinkOutcome, String> {
        let record = to_record(page);
        match self.store.upsert(&record).map_err(|e| e.to_string())? {
            Upsert::Inserted(_) | Upsert::Updated(_) => Ok(SinkOutcome::Stored),
            Upsert::Unchanged(_) => Ok(SinkOutcome::Unchanged),
            Upsert::Duplicate { .. } => Ok(SinkOutcome::Duplicate),
        }
    }

    fn validators(&self, url: &Url) -> Option<Validators> {
        match self.store.validators(url.as_str()) {
            Ok(Some(v)) => Some(Validators {
                etag: v.etag,
                last_modified: v.last_modified,
            }),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(%url, error = %e, "cannot read validators; fetching in full");
                None
            }
        }
    }

    fn not_modified(&self, url: &Url) -> Result<(), String> {
        self.store
            .touch(url.as_str(), chrono::Utc::now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn gone(&self, url: &Url) -> Result<bool, String> {
        self.store
            .remove_url(url.as_str())
            .map_err(|e| e.to_string())
    }
}

fn to_record(page: Page) -> PageRecord {
    PageRecord {
        url: page.url.to_string(),
        requested_url: page.requested_url.to_string(),
        status: page.status,
        fetched_at: page.fetched_at,
        content_hash: page.content_hash,
        etag: page.etag,
        last_modified: page.last_modified,
        title: page.title,
        text: page.text,
        sections: page.sections,
        outlinks: page.outlinks.into_iter().map(String::from).collect(),
        canonical: page.canonical.map(String::from),
        truncated: page.truncated,
    }
}

/// Parses seed arguments into normalised URLs, with a clear error for anything that is not http(s).
pub fn parse_seeds(raw: &[String]) -> Result<Vec<Url>> {
    let mut seeds = Vec::new();
    for s in raw {
        let url = crawler::normalize(s, None)
            .with_context(|| format!("bad seed `{s}`: give a full http(s) URL"))?;
        seeds.push(url);
    }
    Ok(seeds)
}

/// Which known pages a crawl visits again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// None: only new URLs (and what a stopped crawl left queued).
    No,
    /// Every URL the frontier knows.
    All,
    /// The stored pages whose revisit interval has passed (see [`PageStore::due`]).
    Due,
}

/// Crawls from `seeds` (or resumes the frontier) into the page store. A refresh visits known pages
/// again first: stored pages conditionally (ETag/Last-Modified), so an unchanged page costs a 304;
/// pages now gone (404/410) or moved (redirect) leave the store.
pub async fn crawl(
    data: &DataDir,
    seeds: &[Url],
    config: CrawlConfig,
    refresh: Refresh,
    progress: &(dyn Fn(&CrawlStats) + Sync),
) -> Result<CrawlStats> {
    data.ensure()
        .with_context(|| format!("cannot create data directory {}", data.root().display()))?;
    let frontier =
        Arc::new(Frontier::open(&data.store_path()).context("cannot open the crawl frontier")?);
    match refresh {
        Refresh::No => {}
        Refresh::All => {
            frontier.requeue_all()?;
        }
        Refresh::Due => {
            let store =
                PageStore::open(&data.store_path()).context("cannot open the page store")?;
            frontier.requeue(&store.due(chrono::Utc::now())?)?;
        }
    }
    if seeds.is_empty() && frontier.counts()?.queued == 0 {
        if refresh == Refresh::Due {
            // Nothing is due yet: a quiet no-op for the schedule.
            return Ok(CrawlStats::default());
        }
        bail!("nothing to crawl: give a seed URL (the frontier has no queued URLs to resume)");
    }
    let store =
        Arc::new(PageStore::open(&data.store_path()).context("cannot open the page store")?);
    let sink = Arc::new(StoreSink::new(store));
    let crawler = Crawler::new(config, frontier);
    Ok(crawler.run(seeds, sink, progress).await?)
}
