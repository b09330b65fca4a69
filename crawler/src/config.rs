//! What a crawl is told: its settings, and the default of each.

use std::time::Duration;

use crate::fetch::FetchConfig;
use crate::url_norm::Scope;

/// The default of every crawl setting, in one place: [`CrawlConfig::default`] and
/// [`FetchConfig::default`](crate::fetch::FetchConfig) use them, and so do the command line's flags
/// and the HTTP API.
pub mod defaults {
    /// Pages one crawl fetches at most (counting earlier runs on the frontier).
    pub const MAX_PAGES: u64 = 5000;
    /// Pages a crawl asked for over HTTP (`POST /api/crawl`) fetches unless it says otherwise.
    pub const API_MAX_PAGES: u64 = 1000;
    /// Link hops from a seed.
    pub const MAX_DEPTH: u32 = 20;
    /// Wait between two requests to one host.
    pub const DELAY_MS: u64 = 1000;
    /// Requests in flight per host, and in all.
    pub const PER_HOST: usize = 1;
    pub const CONCURRENCY: usize = 16;
    /// Requests one host gets in one run (0: no limit).
    pub const MAX_PAGES_PER_HOST: u64 = 0;
    /// New URLs one URL pattern may add in one run.
    pub const MAX_URLS_PER_PATTERN: u64 = 1000;
    /// Total time for one request, and for connecting.
    pub const TIMEOUT_SECS: u64 = 30;
    pub const CONNECT_TIMEOUT_SECS: u64 = 10;
    /// Largest body read; longer ones are cut and flagged.
    pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
}

/// Settings of one crawl.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    pub scope: Scope,
    /// Pages fetched at most: by this run alone, or with [`Self::earlier_runs_count`] by every run
    /// on this frontier (how `cited crawl` resumes up to its total).
    pub max_pages: u64,
    /// Whether pages fetched by earlier runs count against `max_pages` (the command line: a resumed
    /// crawl stops at the same total) or only this run's (crawls started over HTTP and scheduled
    /// recrawls, which visit a store larger than their budget).
    pub earlier_runs_count: bool,
    pub max_depth: u32,
    pub delay: Duration,
    pub per_host: usize,
    pub concurrency: usize,
    pub fetch: FetchConfig,
    /// Seed from the seed hosts' sitemaps (robots.txt `Sitemap:` lines, else `/sitemap.xml`).
    pub sitemaps: bool,
    /// Requests one host gets in one run (0: no limit). Bounds what an endless URL space on one
    /// host (a calendar, faceted search) can take; its other URLs stay queued for a later run.
    pub max_pages_per_host: u64,
    /// New URLs one URL pattern (digits and query values folded, see [`crate::traps`]) may add
    /// in one run (0: no limit); repeating and overlong paths are never queued.
    pub max_urls_per_pattern: u64,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            scope: Scope::Host,
            max_pages: defaults::MAX_PAGES,
            earlier_runs_count: true,
            max_depth: defaults::MAX_DEPTH,
            delay: Duration::from_millis(defaults::DELAY_MS),
            per_host: defaults::PER_HOST,
            concurrency: defaults::CONCURRENCY,
            fetch: FetchConfig::default(),
            sitemaps: true,
            max_pages_per_host: defaults::MAX_PAGES_PER_HOST,
            max_urls_per_pattern: defaults::MAX_URLS_PER_PATTERN,
        }
    }
}
