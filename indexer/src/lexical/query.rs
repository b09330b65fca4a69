//! What a user types, read: the words, and the operators that filter results (`site:`, `-site:`,
//! `after:`, `before:`).

use chrono::{DateTime, Utc};

/// A search request after parsing the user's text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// The words of the query with the operators removed.
    pub text: String,
    /// Hosts or domains from `site:` operators: results from one of them only.
    pub sites: Vec<String>,
    /// Hosts or domains from `-site:` operators: no results from them.
    pub exclude_sites: Vec<String>,
    /// From `after:YYYY-MM-DD`: pages fetched on or after that day.
    pub after: Option<DateTime<Utc>>,
    /// From `before:YYYY-MM-DD`: pages fetched before that day.
    pub before: Option<DateTime<Utc>>,
}

/// `site:` and `-site:` operators kept, each (more are read as text).
pub const MAX_SITES: usize = 20;

impl SearchQuery {
    /// Splits the operators from the text: `site:host`, `-site:host` (up to [`MAX_SITES`] each),
    /// `after:YYYY-MM-DD`, `before:YYYY-MM-DD`. Nothing else is syntax, and an operator that does not
    /// parse is text.
    pub fn parse(raw: &str) -> Self {
        let mut q = Self::default();
        let mut words = Vec::new();
        let host_of = |site: &str| {
            let site = site
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_ascii_lowercase();
            Some(site.split(['/', ':']).next().unwrap_or("").to_string()).filter(|h| !h.is_empty())
        };
        let day = |d: &str| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        };
        for word in raw.split_whitespace() {
            let lower = word.to_ascii_lowercase();
            let taken = if let Some(site) = lower.strip_prefix("-site:") {
                host_of(site)
                    .filter(|_| q.exclude_sites.len() < MAX_SITES)
                    .map(|h| q.exclude_sites.push(h))
            } else if let Some(site) = lower.strip_prefix("site:") {
                host_of(site)
                    .filter(|_| q.sites.len() < MAX_SITES)
                    .map(|h| q.sites.push(h))
            } else if let Some(d) = lower.strip_prefix("after:") {
                day(d).map(|t| q.after = Some(t))
            } else if let Some(d) = lower.strip_prefix("before:") {
                day(d).map(|t| q.before = Some(t))
            } else {
                None
            };
            if taken.is_none() {
                words.push(word);
            }
        }
        q.text = words.join(" ");
        q
    }

    /// Whether a page fetched at `fetched_at` from `url` passes the `-site:`, `after:` and `before:`
    /// filters (`site:` is applied by the indexes themselves).
    pub fn admits(&self, url: &str, fetched_at: DateTime<Utc>) -> bool {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let under = |site: &String| host == *site || host.ends_with(&format!(".{site}"));
        !self.exclude_sites.iter().any(under)
            && self.after.is_none_or(|a| fetched_at >= a)
            && self.before.is_none_or(|b| fetched_at < b)
    }

    /// Whether any filter needs checking hit by hit.
    pub fn filters_hits(&self) -> bool {
        !self.exclude_sites.is_empty() || self.after.is_some() || self.before.is_some()
    }
}
