//! robots.txt per RFC 9309, cached per host.
//!
//! Parsing and matching are done by the `texting_robots` crate. The status rules are RFC 9309's:
//! a 4xx robots.txt means everything may be crawled; a 5xx (and 429) or an unreachable host means
//! nothing may be crawled for now, so those URLs stay in the frontier for a later run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

use crate::fetch::{Fetched, Fetcher};

/// robots.txt larger than this is cut (Google reads 500 KiB).
const MAX_ROBOTS: usize = 512 * 1024;
/// RFC 9309 asks crawlers to follow at least five redirects for robots.txt.
const MAX_ROBOTS_REDIRECTS: usize = 5;

/// What a host's robots.txt allows.
pub enum Rules {
    AllowAll,
    /// 5xx, 429 or unreachable: assume complete disallow for now.
    Unreachable(String),
    Parsed(Box<Robot>),
}

impl Rules {
    pub fn allowed(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Unreachable(_) => false,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    /// Returns the `Crawl-delay` in seconds, if the rules give one.
    pub fn crawl_delay(&self) -> Option<f32> {
        match self {
            Rules::Parsed(robot) => robot.delay,
            _ => None,
        }
    }

    pub fn sitemaps(&self) -> &[String] {
        match self {
            Rules::Parsed(robot) => &robot.sitemaps,
            _ => &[],
        }
    }
}

/// A per-host cache of robots.txt rules; each host's file is fetched once per crawl.
pub struct RobotsCache {
    fetcher: Fetcher,
    user_agent: String,
    hosts: Mutex<HashMap<String, Arc<OnceCell<Arc<Rules>>>>>,
}

impl RobotsCache {
    pub fn new(fetcher: Fetcher, user_agent: &str) -> Self {
        // Rules are matched on the product token: the user agent up to the first `/` or space.
        let token = user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or(user_agent)
            .to_string();
        Self {
            fetcher,
            user_agent: token,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the rules for `url`'s host, fetching its robots.txt on first use.
    pub async fn rules(&self, url: &Url) -> Arc<Rules> {
        let key = crate::url_norm::host_key(url);
        let cell = {
            let mut hosts = self
                .hosts
                .lock()
                .expect("robots cache lock is never poisoned");
            hosts.entry(key).or_default().clone()
        };
        cell.get_or_init(|| self.fetch(url)).await.clone()
    }

    /// Returns the rules if this host's robots.txt was already fetched.
    pub fn cached(&self, url: &Url) -> Option<Arc<Rules>> {
        let key = crate::url_norm::host_key(url);
        let hosts = self
            .hosts
            .lock()
            .expect("robots cache lock is never poisoned");
        hosts.get(&key).and_then(|c| c.get().cloned())
    }

    async fn fetch(&self, url: &Url) -> Arc<Rules> {
        let mut target = url
            .join("/robots.txt")
            .expect("/robots.txt joins any http url");
        for _ in 0..=MAX_ROBOTS_REDIRECTS {
            let rules = match self.fetcher.get(&target, true, None).await {
                Ok(Fetched::Redirect { location, .. }) => {
                    target = location;
                    continue;
                }
                // Never asked conditionally, so never 304 here.
                Ok(Fetched::Unsupported { .. } | Fetched::NotModified) => Rules::AllowAll,
                Ok(Fetched::Body(body)) => match body.status {
                    200..=299 => {
                        let bytes = &body.bytes[..body.bytes.len().min(MAX_ROBOTS)];
                        match Robot::new(&self.user_agent, bytes) {
                            Ok(robot) => Rules::Parsed(Box::new(robot)),
                            Err(e) => {
                                tracing::warn!(url = %target, error = %e, "unparsable robots.txt, allowing all");
                                Rules::AllowAll
                            }
                        }
                    }
                    429 => Rules::Unreachable(format!("robots.txt answered {}", body.status)),
                    400..=499 => Rules::AllowAll,
                    status => Rules::Unreachable(format!("robots.txt answered {status}")),
                },
                Err(e) => Rules::Unreachable(format!("robots.txt unreachable: {e}")),
            };
            return Arc::new(rules);
        }
        Arc::new(Rules::Unreachable("robots.txt redirects too often".into()))
    }
}
