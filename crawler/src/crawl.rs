//! The crawl loop: a scheduler that keeps per-host politeness and hands fetched pages to a sink.
//!
//! One task per request, at most `concurrency` in all and `per_host` per host; a host is not asked
//! again until `max(delay, Crawl-delay)` has passed since its last answer, and 429/503 push the host
//! back by `Retry-After`. Results come back to the one scheduler loop, which alone writes the frontier.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::task::JoinSet;
use url::Url;

use crate::extract::{extract_html, extract_plain, Section};
use crate::fetch::{decode, Body, FetchConfig, Fetched, Fetcher, Validators};
use crate::robots::{RobotsCache, Rules};
use crate::traps::Traps;
use crate::url_norm::{host_key, Scope, ScopeRules};
use crate::CrawlError;
use store::frontier::{Entry, Finish, Frontier};

/// At most this many redirects are followed for one URL.
pub const MAX_REDIRECTS: usize = 10;
/// Attempts at a URL answered 429/503 before it is given up.
const MAX_ATTEMPTS: u32 = 4;
/// The longest `Retry-After` honoured; longer ones are cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

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
    pub max_pages: u64,
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

/// A fetched page, ready for the page store.
#[derive(Debug, Clone)]
pub struct Page {
    pub requested_url: Url,
    /// The URL after redirects: the page's identity in the store.
    pub url: Url,
    pub status: u16,
    pub fetched_at: DateTime<Utc>,
    /// blake3 of the clean text, hex.
    pub content_hash: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: String,
    pub title: String,
    pub text: String,
    pub sections: Vec<Section>,
    pub outlinks: Vec<Url>,
    pub canonical: Option<Url>,
    /// The body was longer than the cap and was cut.
    pub truncated: bool,
}

/// What the sink did with a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkOutcome {
    Stored,
    /// Same URL, same content as already stored.
    Unchanged,
    /// Same content as another URL already stored.
    Duplicate,
}

/// Where fetched pages go (the page store, in cited). Called from a blocking thread.
pub trait PageSink: Send + Sync {
    fn store(&self, page: Page) -> Result<SinkOutcome, String>;

    /// The validators of the stored copy of `url`, if one is stored: a revisit asks conditionally.
    fn validators(&self, _url: &Url) -> Option<Validators> {
        None
    }

    /// The stored copy of `url` is current (the server answered 304).
    fn not_modified(&self, _url: &Url) -> Result<(), String> {
        Ok(())
    }

    /// `url` is gone (404/410) or moved elsewhere: drop its stored copy. Returns true if one was
    /// stored.
    fn gone(&self, _url: &Url) -> Result<bool, String> {
        Ok(false)
    }
}

/// Counters of one crawl run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlStats {
    pub fetched: u64,
    pub stored: u64,
    pub unchanged: u64,
    pub duplicates: u64,
    /// Revisits answered 304 Not Modified.
    pub not_modified: u64,
    /// Stored pages dropped because they are gone (404/410) or moved (redirect).
    pub removed: u64,
    pub noindex: u64,
    /// URLs new to the frontier that came from sitemaps.
    pub sitemap_urls: u64,
    pub queued: u64,
    pub in_flight: u64,
    pub robots_disallowed: u64,
    pub robots_unavailable: u64,
    /// Queued URLs left for a later run because their host used up its per-run budget.
    pub over_host_budget: u64,
    /// Links not queued as crawler traps (repeating paths, URL patterns over their budget).
    pub traps: u64,
    /// URLs (or redirect targets) on addresses this crawl may not reach (see [`crate::fetch::Reach`]).
    pub refused: u64,
    pub out_of_scope: u64,
    pub unsupported: u64,
    pub truncated: u64,
    pub retried: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
}

impl CrawlStats {
    /// Pages fetched per second so far.
    pub fn rate(&self) -> f64 {
        self.fetched as f64 / (self.elapsed_ms.max(1) as f64 / 1000.0)
    }
}

enum Outcome {
    Page {
        page: Box<Page>,
        noindex: bool,
        redirects: Vec<Url>,
    },
    NotModified,
    Gone(u16),
    Skipped(Skip),
    RobotsUnavailable(String),
    RetryLater(Duration),
    Failed(String),
}

enum Skip {
    Robots,
    OutOfScope,
    Unsupported(String),
    Refused(String),
}

struct Host {
    queue: VecDeque<Entry>,
    /// Requests started this run.
    started: u64,
    in_flight: usize,
    next_at: Instant,
    blocked: bool,
}

struct Shared {
    sink: Arc<dyn PageSink>,
    fetcher: Fetcher,
    robots: RobotsCache,
    scope: ScopeRules,
    /// Pages parsed at once: one per core. Parsing is CPU work, and a parsed page's tree is many
    /// times its size, so more at once only costs memory (and blocking threads).
    parsing: Arc<tokio::sync::Semaphore>,
}

/// A crawl over a durable frontier.
pub struct Crawler {
    config: CrawlConfig,
    frontier: Arc<Frontier>,
}

impl Crawler {
    pub fn new(config: CrawlConfig, frontier: Arc<Frontier>) -> Self {
        Self { config, frontier }
    }

    /// Crawls from `seeds` (and whatever the frontier still holds) until the frontier is empty or
    /// `max_pages` pages have been fetched, calling `progress` after every finished URL.
    pub async fn run(
        &self,
        seeds: &[Url],
        sink: Arc<dyn PageSink>,
        progress: &(dyn Fn(&CrawlStats) + Sync),
    ) -> Result<CrawlStats, CrawlError> {
        let started = Instant::now();
        let fetcher = Fetcher::new(self.config.fetch.clone())?;
        let robots = RobotsCache::new(fetcher.clone(), &self.config.fetch.user_agent);
        let mut scope_seeds = seeds.to_vec();
        let frontier = self.frontier.clone();
        let seed_entries: Vec<(Url, u32)> = seeds.iter().map(|s| (s.clone(), 0)).collect();
        let queued = blocking(move || {
            frontier.add(&seed_entries)?;
            frontier.queued()
        })
        .await?;
        // On resume, the queued URLs' own hosts stay in scope even when no seed is given again.
        if scope_seeds.is_empty() {
            scope_seeds = queued.iter().map(|e| e.url.clone()).collect();
        }
        let shared = Arc::new(Shared {
            sink: sink.clone(),
            fetcher,
            robots,
            scope: ScopeRules::new(self.config.scope, &scope_seeds),
            parsing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
        });

        let mut queued = queued;
        let mut sitemap_urls = 0;
        if self.config.sitemaps {
            let (added, newest) = self.seed_from_sitemaps(&shared, &scope_seeds).await?;
            sitemap_urls = added.len() as u64;
            queued.extend(added.into_iter().map(|(url, depth)| Entry {
                url,
                depth,
                attempts: 0,
            }));
            // Pages the sitemaps say changed most recently go first; the rest keep their order.
            queued.sort_by_key(|e| std::cmp::Reverse(newest.get(&e.url).copied()));
        }
        let mut hosts: HashMap<String, Host> = HashMap::new();
        let mut traps = Traps::new(self.config.max_urls_per_pattern);
        let mut order: Vec<String> = Vec::new();
        for entry in queued {
            push_entry(&mut hosts, &mut order, entry);
        }
        let counts = {
            let frontier = self.frontier.clone();
            blocking(move || frontier.counts()).await?
        };
        let mut fetched_total = counts.fetched;
        let mut stats = CrawlStats {
            queued: counts.queued,
            sitemap_urls,
            ..CrawlStats::default()
        };
        let mut tasks: JoinSet<(Entry, Outcome)> = JoinSet::new();
        let mut cursor = 0usize;

        loop {
            // Start as many requests as politeness and the caps allow.
            while tasks.len() < self.config.concurrency
                && fetched_total + (tasks.len() as u64) < self.config.max_pages
            {
                let now = Instant::now();
                let Some(key) = next_host(&hosts, &order, &mut cursor, now, self.config.per_host)
                else {
                    break;
                };
                let host = hosts.get_mut(&key).expect("next_host returns a known host");
                let entry = host
                    .queue
                    .pop_front()
                    .expect("next_host returns a host with work");
                host.in_flight += 1;
                host.started += 1;
                let budget = self.config.max_pages_per_host;
                if budget > 0 && host.started >= budget {
                    // The rest of this host stays queued in the frontier for a later run.
                    stats.over_host_budget += host.queue.len() as u64;
                    stats.queued = stats.queued.saturating_sub(host.queue.len() as u64);
                    host.queue.clear();
                    host.blocked = true;
                    tracing::info!(host = %key, budget, "per-host page budget used up");
                }
                let shared = shared.clone();
                tasks.spawn(async move {
                    let outcome = crawl_one(&shared, &entry.url).await;
                    (entry, outcome)
                });
            }
            stats.in_flight = tasks.len() as u64;
            if tasks.is_empty() {
                let waiting = hosts
                    .values()
                    .filter(|h| !h.blocked && !h.queue.is_empty())
                    .map(|h| h.next_at)
                    .min();
                match waiting {
                    Some(at) if fetched_total < self.config.max_pages => {
                        tokio::time::sleep_until(at.into()).await;
                        continue;
                    }
                    _ => break,
                }
            }
            let wake = hosts
                .values()
                .filter(|h| !h.blocked && !h.queue.is_empty() && h.in_flight < self.config.per_host)
                .map(|h| h.next_at)
                .min()
                .filter(|at| *at > Instant::now());
            let joined = match wake {
                Some(at) if tasks.len() < self.config.concurrency => tokio::select! {
                    joined = tasks.join_next() => joined,
                    () = tokio::time::sleep_until(at.into()) => continue,
                },
                _ => tasks.join_next().await,
            };
            let Some(joined) = joined else { continue };
            let (entry, outcome) =
                joined.map_err(|e| CrawlError::Other(format!("crawl task failed: {e}")))?;
            let key = host_key(&entry.url);
            let delay = self.host_delay(&shared, &entry.url);
            if let Some(host) = hosts.get_mut(&key) {
                host.in_flight -= 1;
                host.next_at = host.next_at.max(Instant::now() + delay);
            }
            let fetched_before = stats.fetched;
            let added = self
                .settle(entry, outcome, &sink, &shared.scope, &mut hosts, &mut stats)
                .await?;
            let added = self.skip_traps(added, &mut traps, &mut stats).await?;
            fetched_total += stats.fetched - fetched_before;
            stats.queued = stats.queued.saturating_sub(1) + added.len() as u64;
            for (url, depth) in added {
                push_entry(
                    &mut hosts,
                    &mut order,
                    Entry {
                        url,
                        depth,
                        attempts: 0,
                    },
                );
            }
            stats.elapsed_ms = started.elapsed().as_millis() as u64;
            progress(&stats);
        }
        stats.in_flight = 0;
        stats.queued = hosts.values().map(|h| h.queue.len() as u64).sum();
        stats.elapsed_ms = started.elapsed().as_millis() as u64;
        progress(&stats);
        Ok(stats)
    }

    /// Reads the sitemaps of the seeds' hosts; adds their in-scope URLs to the frontier. Returns
    /// the URLs that were new, and the `lastmod` of every listed URL that has one.
    async fn seed_from_sitemaps(
        &self,
        shared: &Shared,
        seeds: &[Url],
    ) -> Result<(Vec<(Url, u32)>, HashMap<Url, DateTime<Utc>>), CrawlError> {
        let mut roots = Vec::new();
        let mut origins = std::collections::HashSet::new();
        for seed in seeds {
            if !origins.insert(seed.origin().ascii_serialization()) || origins.len() > 20 {
                continue;
            }
            let rules = shared.robots.rules(seed).await;
            let listed: Vec<Url> = rules
                .sitemaps()
                .iter()
                .filter_map(|s| crate::normalize(s, Some(seed)).ok())
                .collect();
            if listed.is_empty() {
                roots.extend(seed.join("/sitemap.xml").ok());
            } else {
                roots.extend(listed);
            }
        }
        let listed: Vec<crate::sitemap::SitemapUrl> =
            crate::sitemap::discover(&shared.fetcher, roots)
                .await
                .into_iter()
                .filter(|u| shared.scope.allows(&u.url))
                .collect();
        let newest = listed
            .iter()
            .filter_map(|u| Some((u.url.clone(), u.lastmod?)))
            .collect();
        let entries: Vec<(Url, u32)> = listed.into_iter().map(|u| (u.url, 1)).collect();
        let frontier = self.frontier.clone();
        let added = blocking(move || frontier.add(&entries)).await?;
        Ok((added, newest))
    }

    fn host_delay(&self, shared: &Shared, url: &Url) -> Duration {
        let robots = shared
            .robots
            .cached(url)
            .and_then(|r| r.crawl_delay())
            .map(|s| Duration::from_secs_f32(s.clamp(0.0, 60.0)))
            .unwrap_or_default();
        self.config.delay.max(robots)
    }

    /// Takes URLs new to the frontier; marks the crawler traps among them done (skipped, with the
    /// reason) and returns the rest.
    async fn skip_traps(
        &self,
        added: Vec<(Url, u32)>,
        traps: &mut Traps,
        stats: &mut CrawlStats,
    ) -> Result<Vec<(Url, u32)>, CrawlError> {
        let mut kept = Vec::with_capacity(added.len());
        let mut trapped = Vec::new();
        for (url, depth) in added {
            match traps.admit(&url) {
                None => kept.push((url, depth)),
                Some(trap) => trapped.push((url, trap.to_string())),
            }
        }
        if !trapped.is_empty() {
            stats.traps += trapped.len() as u64;
            let frontier = self.frontier.clone();
            blocking(move || frontier.skip(&trapped)).await?;
        }
        Ok(kept)
    }

    /// Records one finished URL; returns the outlinks that were new to the frontier.
    async fn settle(
        &self,
        entry: Entry,
        outcome: Outcome,
        sink: &Arc<dyn PageSink>,
        scope: &ScopeRules,
        hosts: &mut HashMap<String, Host>,
        stats: &mut CrawlStats,
    ) -> Result<Vec<(Url, u32)>, CrawlError> {
        let frontier = self.frontier.clone();
        let url = entry.url.clone();
        match outcome {
            Outcome::Page {
                page,
                noindex,
                redirects,
            } => {
                stats.fetched += 1;
                stats.truncated += u64::from(page.truncated);
                let links: Vec<(Url, u32)> = if entry.depth < self.config.max_depth {
                    page.outlinks
                        .iter()
                        .chain(page.canonical.iter())
                        .filter(|l| scope.allows(l))
                        .map(|l| (l.clone(), entry.depth + 1))
                        .collect()
                } else {
                    Vec::new()
                };
                let sink = sink.clone();
                let result = blocking(move || {
                    // A stored page that now redirects has moved: its copy under the old URL goes.
                    let moved = page.requested_url != page.url
                        && sink.gone(&page.requested_url).map_err(CrawlError::Sink)?;
                    let label = if noindex {
                        "noindex".to_string()
                    } else {
                        match sink.store(*page) {
                            Ok(SinkOutcome::Stored) => "stored".to_string(),
                            Ok(SinkOutcome::Unchanged) => "unchanged".to_string(),
                            Ok(SinkOutcome::Duplicate) => "duplicate".to_string(),
                            Err(e) => return Err(CrawlError::Sink(e)),
                        }
                    };
                    let added =
                        frontier.finish(&url, Finish::Fetched, &label, &links, &redirects)?;
                    Ok((label, added, moved))
                })
                .await?;
                let (label, added, moved) = result;
                stats.removed += u64::from(moved);
                match label.as_str() {
                    "stored" => stats.stored += 1,
                    "unchanged" => stats.unchanged += 1,
                    "duplicate" => stats.duplicates += 1,
                    _ => stats.noindex += 1,
                }
                Ok(added)
            }
            Outcome::NotModified => {
                stats.fetched += 1;
                stats.not_modified += 1;
                let sink = sink.clone();
                blocking(move || {
                    sink.not_modified(&url).map_err(CrawlError::Sink)?;
                    Ok::<_, CrawlError>(frontier.finish(
                        &url,
                        Finish::Fetched,
                        "not modified",
                        &[],
                        &[],
                    )?)
                })
                .await
            }
            Outcome::Gone(status) => {
                stats.errors += 1;
                let sink = sink.clone();
                let (removed, added) = blocking(move || {
                    let removed = sink.gone(&url).map_err(CrawlError::Sink)?;
                    let label = format!("gone (http status {status})");
                    Ok::<_, CrawlError>((
                        removed,
                        frontier.finish(&url, Finish::Failed, &label, &[], &[])?,
                    ))
                })
                .await?;
                stats.removed += u64::from(removed);
                Ok(added)
            }
            Outcome::Skipped(skip) => {
                let label = match skip {
                    Skip::Robots => {
                        stats.robots_disallowed += 1;
                        "robots disallowed".to_string()
                    }
                    Skip::OutOfScope => {
                        stats.out_of_scope += 1;
                        "redirected out of scope".to_string()
                    }
                    Skip::Unsupported(ct) => {
                        stats.unsupported += 1;
                        format!("unsupported content type {ct}")
                    }
                    Skip::Refused(why) => {
                        stats.refused += 1;
                        tracing::warn!(url = %url, %why, "not fetched");
                        why
                    }
                };
                blocking(move || frontier.finish(&url, Finish::Skipped, &label, &[], &[])).await
            }
            Outcome::RobotsUnavailable(reason) => {
                // The URL stays queued for a later run, and so does the rest of its host.
                let key = host_key(&entry.url);
                if let Some(host) = hosts.get_mut(&key) {
                    stats.robots_unavailable += 1 + host.queue.len() as u64;
                    stats.queued = stats.queued.saturating_sub(host.queue.len() as u64);
                    host.queue.clear();
                    host.blocked = true;
                }
                tracing::warn!(host = %key, %reason, "robots.txt unavailable, host skipped for now");
                Ok(Vec::new())
            }
            Outcome::RetryLater(after) => {
                stats.retried += 1;
                let key = host_key(&entry.url);
                if entry.attempts + 1 >= MAX_ATTEMPTS {
                    stats.errors += 1;
                    return blocking(move || {
                        frontier.finish(
                            &url,
                            Finish::Failed,
                            "gave up after repeated 429/503",
                            &[],
                            &[],
                        )
                    })
                    .await;
                }
                if let Some(host) = hosts.get_mut(&key) {
                    host.next_at = Instant::now() + after;
                    host.queue.push_front(Entry {
                        attempts: entry.attempts + 1,
                        ..entry
                    });
                }
                stats.queued += 1;
                blocking(move || frontier.bump_attempts(&url).map(|()| Vec::new())).await
            }
            Outcome::Failed(reason) => {
                stats.errors += 1;
                tracing::debug!(url = %url, %reason, "fetch failed");
                blocking(move || frontier.finish(&url, Finish::Failed, &reason, &[], &[])).await
            }
        }
    }
}

fn push_entry(hosts: &mut HashMap<String, Host>, order: &mut Vec<String>, entry: Entry) {
    let key = host_key(&entry.url);
    let host = hosts.entry(key.clone()).or_insert_with(|| {
        order.push(key);
        Host {
            queue: VecDeque::new(),
            started: 0,
            in_flight: 0,
            next_at: Instant::now(),
            blocked: false,
        }
    });
    if !host.blocked {
        host.queue.push_back(entry);
    }
}

/// Returns the next host that may be asked now, round robin.
fn next_host(
    hosts: &HashMap<String, Host>,
    order: &[String],
    cursor: &mut usize,
    now: Instant,
    per_host: usize,
) -> Option<String> {
    for i in 0..order.len() {
        let idx = (*cursor + i) % order.len();
        let host = &hosts[&order[idx]];
        if !host.blocked
            && !host.queue.is_empty()
            && host.in_flight < per_host
            && host.next_at <= now
        {
            *cursor = idx + 1;
            return Some(order[idx].clone());
        }
    }
    None
}

async fn blocking<T: Send + 'static, E: Into<CrawlError> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, CrawlError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CrawlError::Other(format!("blocking task failed: {e}")))?
        .map_err(Into::into)
}

/// Fetches one URL, following redirects hop by hop with scope and robots checked on each.
async fn crawl_one(shared: &Shared, start: &Url) -> Outcome {
    let mut url = start.clone();
    let mut redirects = Vec::new();
    for hop in 0..=MAX_REDIRECTS {
        if !shared.scope.allows(&url) {
            return Outcome::Skipped(Skip::OutOfScope);
        }
        // Before robots.txt, which would be fetched from the same address.
        if let Err(e) = shared.fetcher.config().reach.check(&url).await {
            return Outcome::Skipped(Skip::Refused(e.to_string()));
        }
        let rules = shared.robots.rules(&url).await;
        if let Rules::Unreachable(reason) = rules.as_ref() {
            return if hop == 0 {
                Outcome::RobotsUnavailable(reason.clone())
            } else {
                Outcome::Skipped(Skip::Robots)
            };
        }
        if !rules.allowed(&url) {
            return Outcome::Skipped(Skip::Robots);
        }
        // A page stored before is asked for conditionally (only on the first hop: a redirect
        // target has validators of its own).
        let validators = if hop == 0 {
            let sink = shared.sink.clone();
            let asked = url.clone();
            tokio::task::spawn_blocking(move || sink.validators(&asked))
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        let fetched = match shared.fetcher.get(&url, false, validators.as_ref()).await {
            Ok(f) => f,
            Err(e @ CrawlError::Refused(_)) => {
                return Outcome::Skipped(Skip::Refused(e.to_string()))
            }
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        match fetched {
            Fetched::NotModified => return Outcome::NotModified,
            Fetched::Redirect { location, .. } => {
                redirects.push(location.clone());
                url = location;
            }
            Fetched::Unsupported { content_type, .. } => {
                return Outcome::Skipped(Skip::Unsupported(content_type))
            }
            Fetched::Body(body) => {
                return settle_body(&shared.parsing, start, url, body, redirects).await
            }
        }
    }
    Outcome::Failed(CrawlError::TooManyRedirects(MAX_REDIRECTS).to_string())
}

async fn settle_body(
    parsing: &Arc<tokio::sync::Semaphore>,
    start: &Url,
    url: Url,
    body: Body,
    redirects: Vec<Url>,
) -> Outcome {
    match body.status {
        429 | 503 => return Outcome::RetryLater(retry_after(&body)),
        // Gone from the site: a stored copy must leave the store and the indexes.
        404 | 410 => return Outcome::Gone(body.status),
        200..=299 => {}
        status => return Outcome::Failed(format!("http status {status}")),
    }
    let requested = start.clone();
    let Ok(permit) = parsing.clone().acquire_owned().await else {
        return Outcome::Failed("crawl stopped".into());
    };
    let extracted = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let text = decode(&body.bytes, &body.content_type);
        let robots_header = body
            .header("x-robots-tag")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut extracted =
            if body.is_html() || body.content_type.is_empty() && looks_like_html(&text) {
                extract_html(&text, &url)
            } else {
                extract_plain(&text)
            };
        extracted.noindex |= robots_header.contains("noindex") || robots_header.contains("none");
        if robots_header.contains("nofollow") || robots_header.contains("none") {
            extracted.links.clear();
        }
        let page = Page {
            requested_url: requested,
            url,
            status: body.status,
            fetched_at: Utc::now(),
            content_hash: blake3::hash(extracted.text.as_bytes()).to_hex().to_string(),
            etag: body.header("etag"),
            last_modified: body.header("last-modified"),
            content_type: body.content_type.clone(),
            title: extracted.title,
            text: extracted.text,
            sections: extracted.sections,
            outlinks: extracted.links,
            canonical: extracted.canonical,
            truncated: body.truncated,
        };
        (page, extracted.noindex)
    })
    .await;
    match extracted {
        Ok((page, noindex)) => Outcome::Page {
            page: Box::new(page),
            noindex,
            redirects,
        },
        Err(e) => Outcome::Failed(format!("extraction failed: {e}")),
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html") || head.contains("<body")
}

/// Parses `Retry-After` (seconds or an HTTP date); defaults to 5 s, capped at five minutes.
fn retry_after(body: &Body) -> Duration {
    let Some(value) = body.header("retry-after") else {
        return Duration::from_secs(5);
    };
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else if let Ok(at) = httpdate::parse_http_date(value) {
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
    } else {
        Duration::from_secs(5)
    };
    wait.min(MAX_RETRY_AFTER)
}
