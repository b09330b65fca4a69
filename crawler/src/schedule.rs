//! The host queues of one crawl run: which queued URL may be fetched now without breaking per-host
//! politeness (requests in flight per host, the wait between two requests, `Retry-After`) or the
//! per-host budget of a run. Hosts take turns, round robin.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use store::frontier::Entry;
use url::Url;

use crate::url_norm::host_key;

struct Host {
    queue: VecDeque<Entry>,
    /// Requests started this run.
    started: u64,
    in_flight: usize,
    /// Not asked again before this.
    next_at: Instant,
    /// Out of this run (its budget is spent, or its robots.txt cannot be read): its URLs stay queued
    /// in the frontier for a later run.
    blocked: bool,
}

/// The queues of every host of a run.
pub(crate) struct Schedule {
    hosts: HashMap<String, Host>,
    /// Hosts in the order they were first seen, for the round robin.
    order: Vec<String>,
    cursor: usize,
    per_host: usize,
    /// Requests one host gets in this run (0: no limit).
    host_budget: u64,
}

/// A URL to fetch now.
pub(crate) struct Next {
    pub entry: Entry,
    /// URLs of the same host left queued because this request used up the host's budget.
    pub over_budget: u64,
}

impl Schedule {
    pub fn new(per_host: usize, host_budget: u64) -> Self {
        Self {
            hosts: HashMap::new(),
            order: Vec::new(),
            cursor: 0,
            per_host,
            host_budget,
        }
    }

    /// Queues `entry` behind its host's other URLs (unless the host is out of this run).
    pub fn push(&mut self, entry: Entry) {
        let key = host_key(&entry.url);
        let order = &mut self.order;
        let host = self.hosts.entry(key.clone()).or_insert_with(|| {
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

    /// The next URL that may be fetched at `now`, from the next host in turn; counts it as in flight.
    pub fn take_next(&mut self, now: Instant) -> Option<Next> {
        let n = self.order.len();
        let idx = (0..n).map(|i| (self.cursor + i) % n).find(|&idx| {
            let host = &self.hosts[&self.order[idx]];
            !host.blocked
                && !host.queue.is_empty()
                && host.in_flight < self.per_host
                && host.next_at <= now
        })?;
        self.cursor = idx + 1;
        let key = &self.order[idx];
        let host = self
            .hosts
            .get_mut(key)
            .expect("every host in order is known");
        let entry = host.queue.pop_front().expect("the host has work");
        host.in_flight += 1;
        host.started += 1;
        let mut over_budget = 0;
        if self.host_budget > 0 && host.started >= self.host_budget {
            over_budget = host.queue.len() as u64;
            host.queue.clear();
            host.blocked = true;
            tracing::info!(host = %key, budget = self.host_budget, "per-host page budget used up");
        }
        Some(Next { entry, over_budget })
    }

    /// A request to `url`'s host ended; the host is not asked again for `wait`.
    pub fn finished(&mut self, url: &Url, wait: Duration) {
        if let Some(host) = self.hosts.get_mut(&host_key(url)) {
            host.in_flight -= 1;
            host.next_at = host.next_at.max(Instant::now() + wait);
        }
    }

    /// Takes `url`'s host out of this run; returns how many of its URLs were still queued.
    pub fn block_host(&mut self, url: &Url) -> u64 {
        let Some(host) = self.hosts.get_mut(&host_key(url)) else {
            return 0;
        };
        let dropped = host.queue.len() as u64;
        host.queue.clear();
        host.blocked = true;
        dropped
    }

    /// Queues `entry` again at the head of its host, which is not asked before `after` has passed.
    pub fn retry(&mut self, entry: Entry, after: Duration) {
        if let Some(host) = self.hosts.get_mut(&host_key(&entry.url)) {
            host.next_at = Instant::now() + after;
            host.queue.push_front(entry);
        }
    }

    /// When the next host with queued URLs may be asked, whatever is in flight.
    pub fn earliest(&self) -> Option<Instant> {
        self.hosts
            .values()
            .filter(|h| !h.blocked && !h.queue.is_empty())
            .map(|h| h.next_at)
            .min()
    }

    /// When a host with room for another request becomes free, if that is still to come.
    pub fn next_wake(&self) -> Option<Instant> {
        self.hosts
            .values()
            .filter(|h| !h.blocked && !h.queue.is_empty() && h.in_flight < self.per_host)
            .map(|h| h.next_at)
            .min()
            .filter(|at| *at > Instant::now())
    }

    /// URLs still queued in this run.
    pub fn queued(&self) -> u64 {
        self.hosts.values().map(|h| h.queue.len() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str) -> Entry {
        Entry {
            url: Url::parse(url).expect("url"),
            depth: 0,
            attempts: 0,
        }
    }

    #[test]
    fn hosts_take_turns_and_keep_their_limits() {
        let mut s = Schedule::new(1, 0);
        for u in ["http://a/1", "http://a/2", "http://b/1"] {
            s.push(entry(u));
        }
        let now = Instant::now();
        let first = s.take_next(now).expect("a");
        let second = s.take_next(now).expect("b");
        assert_eq!(
            (first.entry.url.as_str(), second.entry.url.as_str()),
            ("http://a/1", "http://b/1")
        );
        assert!(s.take_next(now).is_none(), "one request per host in flight");
        s.finished(&first.entry.url, Duration::from_secs(60));
        assert!(
            s.take_next(Instant::now()).is_none(),
            "the host waits its delay"
        );
        assert!(s.earliest().expect("a/2 waits") > Instant::now());
        assert_eq!(s.queued(), 1);
    }

    #[test]
    fn a_spent_budget_or_a_blocked_host_leaves_its_urls_queued() {
        let mut s = Schedule::new(4, 2);
        for u in ["http://a/1", "http://a/2", "http://a/3", "http://a/4"] {
            s.push(entry(u));
        }
        let now = Instant::now();
        assert_eq!(s.take_next(now).expect("1").over_budget, 0);
        assert_eq!(s.take_next(now).expect("2").over_budget, 2);
        assert!(s.take_next(now).is_none());
        s.push(entry("http://a/5"));
        assert_eq!(s.queued(), 0, "a blocked host takes no more");

        s.push(entry("http://b/1"));
        s.push(entry("http://b/2"));
        assert_eq!(s.block_host(&Url::parse("http://b/").expect("url")), 2);
        assert!(s.take_next(now).is_none());
    }
}
