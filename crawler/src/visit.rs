//! Visiting one URL: scope and reach checks, robots.txt, the fetch (conditional on a stored copy),
//! redirects hop by hop, and extraction on the blocking pool; the result is an [`Outcome`] for the
//! scheduler loop, which alone writes the frontier.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use url::Url;

use crate::crawl::{Page, PageSink};
use crate::extract::{extract_html, extract_plain};
use crate::fetch::{decode, Body, Fetched, Fetcher};
use crate::robots::{RobotsCache, Rules};
use crate::url_norm::ScopeRules;
use crate::CrawlError;

/// At most this many redirects are followed for one URL.
pub const MAX_REDIRECTS: usize = 10;
/// The longest `Retry-After` honoured; longer ones are cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// What every visit shares: where pages go, the fetcher, robots.txt, the scope, the parsing cap.
pub(crate) struct Shared {
    pub(crate) sink: Arc<dyn PageSink>,
    pub(crate) fetcher: Fetcher,
    pub(crate) robots: RobotsCache,
    pub(crate) scope: ScopeRules,
    /// Pages parsed at once: one per core. Parsing is CPU work, and a parsed page's tree is many
    /// times its size, so more at once only costs memory (and blocking threads).
    pub(crate) parsing: Arc<tokio::sync::Semaphore>,
}

/// How one visit ended.
pub(crate) enum Outcome {
    Page {
        page: Box<Page>,
        noindex: bool,
        redirects: Vec<Url>,
        /// The page's own scripts, to read for links (see [`crate::extract::script_links`]).
        scripts: Vec<Url>,
    },
    /// A script: the pages it links to are links to follow, the script itself no content.
    Script(Vec<Url>),
    NotModified,
    /// The page only sends its reader on at once (a meta refresh): its target is a link to
    /// follow, the page itself no content.
    Refresh(Url),
    Gone(u16),
    Skipped(Skip),
    RobotsUnavailable(String),
    RetryLater(Duration),
    Failed(String),
}

/// Why a URL was not fetched.
pub(crate) enum Skip {
    Robots,
    OutOfScope,
    Unsupported(String),
    Refused(String),
}

/// Fetches one URL, following redirects hop by hop with scope and robots checked on each.
pub(crate) async fn crawl_one(shared: &Shared, start: &Url) -> Outcome {
    let mut url = start.clone();
    let mut redirects = Vec::new();
    for hop in 0..=MAX_REDIRECTS {
        if !shared.scope.allows(&url) {
            return Outcome::Skipped(Skip::OutOfScope);
        }
        // Before robots.txt, which would be fetched from the same address.
        match shared.fetcher.config().reach.check(&url).await {
            Ok(()) => {}
            Err(e @ CrawlError::Refused(_)) => {
                return Outcome::Skipped(Skip::Refused(e.to_string()))
            }
            // A name that does not resolve is an error like any failed fetch.
            Err(e) => return Outcome::Failed(e.to_string()),
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
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let text = decode(&body.bytes, &body.content_type);
        if body.is_script() {
            return Outcome::Script(crate::extract::script_links(&text, &url));
        }
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
        if let Some(to) = extracted.refresh.take() {
            return Outcome::Refresh(to);
        }
        extracted.noindex |= robots_header.contains("noindex") || robots_header.contains("none");
        if robots_header.contains("nofollow") || robots_header.contains("none") {
            extracted.links.clear();
            extracted.scripts.clear();
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
        Outcome::Page {
            page: Box::new(page),
            noindex: extracted.noindex,
            redirects,
            scripts: extracted.scripts,
        }
    })
    .await;
    outcome.unwrap_or_else(|e| Outcome::Failed(format!("extraction failed: {e}")))
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
