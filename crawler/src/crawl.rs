//! The crawl loop: a scheduler that keeps per-host politeness and hands fetched pages to a sink.
//!
//! One task per request, at most `concurrency` in all and `per_host` per host; a host is not asked
//! again until `max(delay, Crawl-delay)` has passed since its last answer, and 429/503 push the host
//! back by `Retry-After`. Results come back to the one scheduler loop, which alone writes the frontier.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::task::JoinSet;
use url::Url;

use crate::config::CrawlConfig;
use crate::extract::Section;
use crate::fetch::{Fetcher, Validators};
use crate::robots::RobotsCache;
use crate::schedule::Schedule;
use crate::traps::Traps;
use crate::url_norm::{host_key, ScopeRules};
use crate::visit::{crawl_one, Outcome, Shared, Skip};
use crate::CrawlError;
use store::frontier::{Entry, Finish, Frontier};

/// Attempts at a URL answered 429/503 before it is given up.
const MAX_ATTEMPTS: u32 = 4;

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
    /// Pages that only send their reader on (a meta refresh at once): not stored, their target
    /// followed as a link.
    pub refreshes: u64,
    /// Scripts read for the pages they link to (a menu or navigation tree a script builds).
    pub scripts: u64,
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
    /// URLs that answered 404 Not Found or 410 Gone: a broken link or a page taken down, which the
    /// site says itself, not a failure of the crawl.
    pub not_found: u64,
    /// Fetches that failed: connection errors, timeouts, redirect loops, giving up after 429/503.
    pub errors: u64,
    pub elapsed_ms: u64,
}

impl CrawlStats {
    /// Pages fetched per second so far.
    pub fn rate(&self) -> f64 {
        self.fetched as f64 / (self.elapsed_ms.max(1) as f64 / 1000.0)
    }
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
    #[tracing::instrument(name = "crawl", skip_all, fields(seeds = seeds.len()))]
    pub async fn run(
        &self,
        seeds: &[Url],
        sink: Arc<dyn PageSink>,
        progress: &(dyn Fn(&CrawlStats) + Sync),
    ) -> Result<CrawlStats, CrawlError> {
        let started = Instant::now();
        let (shared, mut run) = self.prepare(seeds, sink).await?;
        let mut tasks: JoinSet<(Entry, Outcome)> = JoinSet::new();
        loop {
            // Start as many requests as politeness and the caps allow.
            while tasks.len() < self.config.concurrency
                && run.fetched_total + (tasks.len() as u64) < self.config.max_pages
            {
                let Some(next) = run.schedule.take_next(Instant::now()) else {
                    break;
                };
                run.stats.over_host_budget += next.over_budget;
                run.stats.queued = run.stats.queued.saturating_sub(next.over_budget);
                let shared = shared.clone();
                let entry = next.entry;
                tasks.spawn(async move {
                    let outcome = crawl_one(&shared, &entry.url).await;
                    (entry, outcome)
                });
            }
            run.stats.in_flight = tasks.len() as u64;
            if tasks.is_empty() {
                match run.schedule.earliest() {
                    Some(at) if run.fetched_total < self.config.max_pages => {
                        tokio::time::sleep_until(at.into()).await;
                        continue;
                    }
                    _ => break,
                }
            }
            let joined = match run.schedule.next_wake() {
                Some(at) if tasks.len() < self.config.concurrency => tokio::select! {
                    joined = tasks.join_next() => joined,
                    () = tokio::time::sleep_until(at.into()) => continue,
                },
                _ => tasks.join_next().await,
            };
            let Some(joined) = joined else { continue };
            let (entry, outcome) =
                joined.map_err(|e| CrawlError::Other(format!("crawl task failed: {e}")))?;
            self.record(entry, outcome, &shared, &mut run).await?;
            run.stats.elapsed_ms = started.elapsed().as_millis() as u64;
            progress(&run.stats);
        }
        // A crawl limited to public addresses (one asked for over HTTP) takes what it queued and did
        // not reach with it: left in the shared frontier, a later `cited crawl`, which may reach
        // any address, would fetch URLs that a caller of the API chose.
        if self.public_only() && !run.added.is_empty() {
            let frontier = self.frontier.clone();
            let added = std::mem::take(&mut run.added);
            let forgotten = blocking(move || frontier.forget_queued(&added)).await?;
            tracing::info!(forgotten, "queued URLs of a public-only crawl forgotten");
        }
        let mut stats = run.stats;
        stats.in_flight = 0;
        stats.queued = run.schedule.queued();
        stats.elapsed_ms = started.elapsed().as_millis() as u64;
        progress(&stats);
        Ok(stats)
    }

    /// Whether the crawl may reach public addresses only (one asked for over HTTP).
    fn public_only(&self) -> bool {
        matches!(self.config.fetch.reach, crate::fetch::Reach::Public { .. })
    }

    /// Sets a run up: adds the seeds to the frontier, reads the sitemaps, and schedules what the
    /// frontier holds in this run's scope.
    async fn prepare(
        &self,
        seeds: &[Url],
        sink: Arc<dyn PageSink>,
    ) -> Result<(Arc<Shared>, Run), CrawlError> {
        let fetcher = Fetcher::new(self.config.fetch.clone())?;
        let robots = RobotsCache::new(fetcher.clone(), &self.config.fetch.user_agent);
        let mut scope_seeds = seeds.to_vec();
        let frontier = self.frontier.clone();
        let seed_entries: Vec<(Url, u32)> = seeds.iter().map(|s| (s.clone(), 0)).collect();
        let (seeds_added, mut queued) = blocking(move || {
            let added = frontier.add(&seed_entries)?;
            Ok::<_, CrawlError>((added, frontier.queued()?))
        })
        .await?;
        // On resume, the queued URLs' own hosts stay in scope even when no seed is given again.
        if scope_seeds.is_empty() {
            scope_seeds = queued.iter().map(|e| e.url.clone()).collect();
        }
        let shared = Arc::new(Shared {
            sink,
            fetcher,
            robots,
            scope: ScopeRules::new(self.config.scope, &scope_seeds),
            parsing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
        });

        let mut sitemap_urls = 0;
        let mut sitemaps_refused = 0;
        // URLs this run put in the frontier, kept for a public-only crawl (see `Run::added`).
        let public_only = self.public_only();
        let mut added_here: Vec<Url> = Vec::new();
        if public_only {
            added_here.extend(seeds_added.into_iter().map(|(url, _)| url));
        }
        if self.config.sitemaps {
            let (added, newest, refused) = self.seed_from_sitemaps(&shared, &scope_seeds).await?;
            sitemaps_refused = refused;
            sitemap_urls = added.len() as u64;
            if public_only {
                added_here.extend(added.iter().map(|(url, _)| url.clone()));
            }
            queued.extend(added.into_iter().map(|(url, depth)| Entry {
                url,
                depth,
                attempts: 0,
            }));
            // Pages the sitemaps say changed most recently go first; the rest keep their order.
            queued.sort_by_key(|e| std::cmp::Reverse(newest.get(&e.url).copied()));
        }
        let mut run = Run {
            schedule: Schedule::new(self.config.per_host, self.config.max_pages_per_host),
            traps: Traps::new(self.config.max_urls_per_pattern),
            stats: CrawlStats::default(),
            fetched_total: 0,
            added: added_here,
        };
        // Queued URLs out of this run's scope (another host's, when seeds are given) stay queued
        // for a crawl of their own, untouched: not walked one per host delay and labelled.
        for entry in queued {
            if shared.scope.allows(&entry.url) {
                run.schedule.push(entry);
            }
        }
        let counts = {
            let frontier = self.frontier.clone();
            blocking(move || frontier.counts()).await?
        };
        if self.config.earlier_runs_count {
            run.fetched_total = counts.fetched;
        }
        run.stats.queued = run.schedule.queued();
        run.stats.sitemap_urls = sitemap_urls;
        run.stats.refused = sitemaps_refused;
        Ok((shared, run))
    }

    /// Records one finished request: settles its URL, then schedules the new links it found.
    async fn record(
        &self,
        entry: Entry,
        outcome: Outcome,
        shared: &Shared,
        run: &mut Run,
    ) -> Result<(), CrawlError> {
        run.schedule
            .finished(&entry.url, self.host_delay(shared, &entry.url));
        let fetched_before = run.stats.fetched;
        let added = self
            .settle(entry, outcome, &shared.sink, &shared.scope, run)
            .await?;
        let added = self.skip_traps(added, run).await?;
        run.fetched_total += run.stats.fetched - fetched_before;
        run.stats.queued = run.stats.queued.saturating_sub(1) + added.len() as u64;
        if self.public_only() {
            run.added.extend(added.iter().map(|(url, _)| url.clone()));
        }
        for (url, depth) in added {
            run.schedule.push(Entry {
                url,
                depth,
                attempts: 0,
            });
        }
        Ok(())
    }

    /// Reads the sitemaps of the seeds' hosts; adds their in-scope URLs to the frontier. Returns
    /// the URLs that were new, the `lastmod` of every listed URL that has one, and how many
    /// sitemaps were on addresses the crawl may not reach.
    async fn seed_from_sitemaps(
        &self,
        shared: &Shared,
        seeds: &[Url],
    ) -> Result<(Vec<(Url, u32)>, HashMap<Url, DateTime<Utc>>, u64), CrawlError> {
        let mut roots = Vec::new();
        let mut origins = std::collections::HashSet::new();
        for seed in seeds {
            if !origins.insert(seed.origin().ascii_serialization()) || origins.len() > 20 {
                continue;
            }
            // A seed the crawl may not reach is refused as a page; its host's sitemaps are not
            // looked for.
            if shared.fetcher.config().reach.check(seed).await.is_err() {
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
        let discovered = crate::sitemap::discover(&shared.fetcher, roots).await;
        let listed: Vec<crate::sitemap::SitemapUrl> = discovered
            .urls
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
        Ok((added, newest, discovered.refused))
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
        run: &mut Run,
    ) -> Result<Vec<(Url, u32)>, CrawlError> {
        let mut kept = Vec::with_capacity(added.len());
        let mut trapped = Vec::new();
        for (url, depth) in added {
            match run.traps.admit(&url) {
                None => kept.push((url, depth)),
                Some(trap) => trapped.push((url, trap.to_string())),
            }
        }
        if !trapped.is_empty() {
            run.stats.traps += trapped.len() as u64;
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
        run: &mut Run,
    ) -> Result<Vec<(Url, u32)>, CrawlError> {
        let frontier = self.frontier.clone();
        let stats = &mut run.stats;
        let url = entry.url.clone();
        match outcome {
            Outcome::Page {
                page,
                noindex,
                redirects,
                scripts,
            } => {
                stats.fetched += 1;
                stats.truncated += u64::from(page.truncated);
                let mut links =
                    self.links_below(&entry, page.outlinks.iter().chain(&page.canonical), scope);
                if entry.depth < self.config.max_depth {
                    // A script is part of its page: read at the page's depth, the pages it links
                    // to one deeper.
                    let scripts = scripts.into_iter().filter(|s| scope.allows(s));
                    links.extend(scripts.map(|s| (s, entry.depth)));
                }
                let stored = Stored {
                    page,
                    noindex,
                    redirects,
                    links,
                };
                store_page(sink.clone(), frontier, url, stored, stats).await
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
            Outcome::Refresh(to) => {
                stats.fetched += 1;
                stats.refreshes += 1;
                // The target is the stub's own content: followed at the stub's depth.
                let links: Vec<(Url, u32)> = if scope.allows(&to) {
                    vec![(to.clone(), entry.depth)]
                } else {
                    Vec::new()
                };
                // A stored page that now only redirects has moved: its copy goes.
                let label = format!("meta refresh to {to}");
                drop_stored(sink, frontier, url, Finish::Fetched, label, links, stats).await
            }
            Outcome::Script(found) => {
                stats.scripts += 1;
                let links = self.links_below(&entry, found.iter(), scope);
                let label = format!("script naming {} pages", links.len());
                // No page: it does not count against `max_pages`, in this run or the next.
                drop_stored(sink, frontier, url, Finish::Skipped, label, links, stats).await
            }
            Outcome::Gone(status) => {
                stats.not_found += 1;
                let label = format!("gone (http status {status})");
                drop_stored(
                    sink,
                    frontier,
                    url,
                    Finish::Failed,
                    label,
                    Vec::new(),
                    stats,
                )
                .await
            }
            Outcome::Skipped(skip) => {
                let label = skip_label(skip, &url, stats);
                blocking(move || frontier.finish(&url, Finish::Skipped, &label, &[], &[])).await
            }
            Outcome::RobotsUnavailable(reason) => {
                // The URL stays queued for a later run, and so does the rest of its host.
                let dropped = run.schedule.block_host(&entry.url);
                stats.robots_unavailable += 1 + dropped;
                stats.queued = stats.queued.saturating_sub(dropped);
                tracing::warn!(host = %host_key(&entry.url), %reason, "robots.txt unavailable, host skipped for now");
                Ok(Vec::new())
            }
            Outcome::RetryLater(after) => retry_later(entry, after, frontier, run).await,
            Outcome::Failed(reason) => {
                stats.errors += 1;
                tracing::debug!(url = %url, %reason, "fetch failed");
                blocking(move || frontier.finish(&url, Finish::Failed, &reason, &[], &[])).await
            }
        }
    }

    /// The links of `entry`'s page that the scope allows, one level deeper; none at the depth limit.
    fn links_below<'l>(
        &self,
        entry: &Entry,
        links: impl Iterator<Item = &'l Url>,
        scope: &ScopeRules,
    ) -> Vec<(Url, u32)> {
        if entry.depth >= self.config.max_depth {
            return Vec::new();
        }
        links
            .filter(|l| scope.allows(l))
            .map(|l| (l.clone(), entry.depth + 1))
            .collect()
    }
}

/// A fetched page on its way to the sink, with what the frontier records of it.
struct Stored {
    page: Box<Page>,
    noindex: bool,
    redirects: Vec<Url>,
    links: Vec<(Url, u32)>,
}

/// Stores a fetched page (or notes that it asked not to be), finishes its URL in the frontier
/// queueing its links, and counts it in `stats`; returns the links new to the frontier.
async fn store_page(
    sink: Arc<dyn PageSink>,
    frontier: Arc<Frontier>,
    url: Url,
    stored: Stored,
    stats: &mut CrawlStats,
) -> Result<Vec<(Url, u32)>, CrawlError> {
    let Stored {
        page,
        noindex,
        redirects,
        links,
    } = stored;
    let (kept, added, moved) = blocking(move || {
        // A stored page that now redirects has moved: its copy under the old URL goes.
        let moved = page.requested_url != page.url
            && sink.gone(&page.requested_url).map_err(CrawlError::Sink)?;
        let kept = if noindex {
            Kept::Noindex
        } else {
            Kept::Sink(sink.store(*page).map_err(CrawlError::Sink)?)
        };
        let added = frontier.finish(&url, Finish::Fetched, kept.label(), &links, &redirects)?;
        Ok::<_, CrawlError>((kept, added, moved))
    })
    .await?;
    stats.removed += u64::from(moved);
    match kept {
        Kept::Sink(SinkOutcome::Stored) => stats.stored += 1,
        Kept::Sink(SinkOutcome::Unchanged) => stats.unchanged += 1,
        Kept::Sink(SinkOutcome::Duplicate) => stats.duplicates += 1,
        Kept::Noindex => stats.noindex += 1,
    }
    Ok(added)
}

/// Counts a skipped URL in `stats`; returns how the frontier records it.
fn skip_label(skip: Skip, url: &Url, stats: &mut CrawlStats) -> String {
    match skip {
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
    }
}

/// A URL the server asked to come back to later (429, 503): queued again after `after`, or given up
/// after [`MAX_ATTEMPTS`].
async fn retry_later(
    entry: Entry,
    after: Duration,
    frontier: Arc<Frontier>,
    run: &mut Run,
) -> Result<Vec<(Url, u32)>, CrawlError> {
    let stats = &mut run.stats;
    let url = entry.url.clone();
    stats.retried += 1;
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
    stats.queued += 1;
    run.schedule.retry(
        Entry {
            attempts: entry.attempts + 1,
            ..entry
        },
        after,
    );
    blocking(move || frontier.bump_attempts(&url).map(|()| Vec::new())).await
}

/// The state of one run of the scheduler loop.
struct Run {
    schedule: Schedule,
    traps: Traps,
    stats: CrawlStats,
    /// Pages fetched that count against `max_pages`: this run's, and earlier runs' when they count.
    fetched_total: u64,
    /// URLs this run added to the frontier (seeds, sitemaps, links), when it is public-only.
    added: Vec<Url>,
}

/// What became of a fetched page.
enum Kept {
    /// What the sink did with it.
    Sink(SinkOutcome),
    /// Not stored: the page asked not to be indexed.
    Noindex,
}

impl Kept {
    /// How the frontier records it.
    fn label(&self) -> &'static str {
        match self {
            Self::Sink(SinkOutcome::Stored) => "stored",
            Self::Sink(SinkOutcome::Unchanged) => "unchanged",
            Self::Sink(SinkOutcome::Duplicate) => "duplicate",
            Self::Noindex => "noindex",
        }
    }
}

/// Drops the stored copy of `url` (gone from the site, or no page: a redirect, a script), counting
/// it in `stats`, and finishes it in the frontier as `how` with `label`, queueing `links`: the links
/// new to the frontier.
async fn drop_stored(
    sink: &Arc<dyn PageSink>,
    frontier: Arc<Frontier>,
    url: Url,
    how: Finish,
    label: String,
    links: Vec<(Url, u32)>,
    stats: &mut CrawlStats,
) -> Result<Vec<(Url, u32)>, CrawlError> {
    let sink = sink.clone();
    let (removed, added) = blocking(move || {
        let removed = sink.gone(&url).map_err(CrawlError::Sink)?;
        Ok::<_, CrawlError>((removed, frontier.finish(&url, how, &label, &links, &[])?))
    })
    .await?;
    stats.removed += u64::from(removed);
    Ok(added)
}

async fn blocking<T: Send + 'static, E: Into<CrawlError> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, CrawlError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CrawlError::Other(format!("blocking task failed: {e}")))?
        .map_err(Into::into)
}
