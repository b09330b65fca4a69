//! Crawler traps that URLs give away: paths that repeat themselves (relative links resolved
//! against the wrong base: `/a/b/a/b/a/b/`), absurdly long URLs, and URL patterns with no end (a
//! calendar's `?month=2024-05`, a listing's `/page/731`, faceted filters) that depth alone bounds
//! too late.
//!
//! A URL's pattern is its host and path with every run of digits made `0`, and its query keys
//! without their values; each pattern gets a budget of new URLs per crawl run.

use std::collections::HashMap;

use url::Url;

/// A path segment seen this many times marks a repeating path.
const MAX_SEGMENT_REPEATS: usize = 3;
/// Longer URLs are not queued.
const MAX_URL_LEN: usize = 2048;
/// Deeper paths are not queued.
const MAX_SEGMENTS: usize = 64;

/// Why a URL is not queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trap {
    /// Repeating path segments, too many segments, or too long.
    Pathological,
    /// Its pattern already had its budget of new URLs this run.
    OverPattern(String),
}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trap::Pathological => f.write_str("crawler trap: repeating or overlong path"),
            Trap::OverPattern(p) => write!(f, "crawler trap: URL pattern {p} over its budget"),
        }
    }
}

/// Counts new URLs per pattern during one crawl run.
#[derive(Debug, Default)]
pub struct Traps {
    max_per_pattern: u64,
    seen: HashMap<String, u64>,
}

impl Traps {
    /// `max_per_pattern`: new URLs one pattern may add in a run (0: no pattern budget).
    pub fn new(max_per_pattern: u64) -> Self {
        Self {
            max_per_pattern,
            seen: HashMap::new(),
        }
    }

    /// Takes a URL new to the frontier: `None` if it may be queued, else the trap it falls into.
    pub fn admit(&mut self, url: &Url) -> Option<Trap> {
        if pathological(url) {
            return Some(Trap::Pathological);
        }
        if self.max_per_pattern == 0 {
            return None;
        }
        let pattern = pattern(url);
        let n = self.seen.entry(pattern.clone()).or_default();
        *n += 1;
        if *n == self.max_per_pattern + 1 {
            tracing::info!(%pattern, budget = self.max_per_pattern, "URL pattern over its budget");
        }
        (*n > self.max_per_pattern).then_some(Trap::OverPattern(pattern))
    }
}

/// Repeating path segments, too many of them, or an overlong URL.
pub fn pathological(url: &Url) -> bool {
    if url.as_str().len() > MAX_URL_LEN {
        return true;
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if segments.len() > MAX_SEGMENTS {
        return true;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    segments.iter().any(|s| {
        let n = counts.entry(s).or_default();
        *n += 1;
        *n > MAX_SEGMENT_REPEATS
    })
}

/// `host/path` with digit runs as `0`, then the query's keys without values:
/// `http://x/cal/2024/05?view=day&d=3` → `x/cal/0/0?view&d`.
pub fn pattern(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.host_str().unwrap_or(""));
    let mut in_digits = false;
    for c in url.path().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn patterns_fold_digits_and_query_values() {
        assert_eq!(
            pattern(&url("http://x/cal/2024/05?view=day&d=3")),
            "x/cal/0/0?view&d"
        );
        assert_eq!(
            pattern(&url("http://x/cal/1999/12?view=week&d=31")),
            "x/cal/0/0?view&d"
        );
        assert_ne!(
            pattern(&url("http://x/library/os.html")),
            pattern(&url("http://x/library/re.html"))
        );
    }

    #[test]
    fn repeating_and_overlong_paths_are_traps() {
        assert!(pathological(&url("http://x/a/b/a/b/a/b/a/b/")));
        assert!(!pathological(&url("http://x/a/b/a/b/c")));
        assert!(pathological(&url(&format!(
            "http://x/{}",
            "q".repeat(3000)
        ))));
        let deep: String = (0..100).map(|i| format!("/s{i}")).collect();
        assert!(pathological(&url(&format!("http://x{deep}"))));
        // Real documentation paths are not.
        assert!(!pathological(&url(
            "http://x/std/collections/hash_map/struct.HashMap.html"
        )));
    }

    #[test]
    fn a_pattern_gets_its_budget_and_no_more() {
        let mut traps = Traps::new(5);
        let admitted = (0..20)
            .filter(|i| {
                traps
                    .admit(&url(&format!("http://x/day?date=2024-01-{i}")))
                    .is_none()
            })
            .count();
        assert_eq!(admitted, 5);
        // Other patterns are not affected.
        assert_eq!(traps.admit(&url("http://x/about")), None);
        // Without a budget only pathological URLs are refused.
        let mut open = Traps::new(0);
        assert!((0..20).all(|i| open.admit(&url(&format!("http://x/p/{i}"))).is_none()));
    }
}
