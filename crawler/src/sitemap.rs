//! Sitemaps: the `Sitemap:` lines of robots.txt, else `/sitemap.xml`; sitemap indexes followed (each
//! sitemap fetched once, so indexes that reference each other end); gzip and plain-text sitemaps
//! read. The URLs seed the crawl, newest `<lastmod>` first.

use std::collections::HashSet;
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::Event;
use url::Url;

use crate::fetch::{Fetched, Fetcher};

/// Sitemap files fetched per crawl at most.
const MAX_SITEMAPS: usize = 50;
/// URLs taken from sitemaps per crawl at most.
const MAX_URLS: usize = 50_000;
/// A decompressed sitemap is read up to this size (the protocol's own limit is 50 MB).
const MAX_BYTES: u64 = 50 * 1024 * 1024;

/// A URL listed in a sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapUrl {
    pub url: Url,
    pub lastmod: Option<DateTime<Utc>>,
}

/// One parsed sitemap file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub urls: Vec<SitemapUrl>,
    /// Child sitemaps of a sitemap index.
    pub sitemaps: Vec<Url>,
}

/// Parses a sitemap (`<urlset>`, `<sitemapindex>`, gzip of either, or one URL per line). Locations
/// that are not absolute http(s) URLs are skipped.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let mut text = Vec::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_BYTES)
            .read_to_end(&mut text)
            .map_err(|e| format!("bad gzip: {e}"))?;
    } else {
        text.extend_from_slice(&bytes[..bytes.len().min(MAX_BYTES as usize)]);
    }
    let head = String::from_utf8_lossy(&text[..text.len().min(512)]).to_string();
    if !head.trim_start().starts_with('<') {
        let urls = String::from_utf8_lossy(&text)
            .lines()
            .filter_map(|l| crate::normalize(l.trim(), None).ok())
            .map(|url| SitemapUrl { url, lastmod: None })
            .collect();
        return Ok(Parsed {
            urls,
            sitemaps: Vec::new(),
        });
    }
    let mut reader = quick_xml::Reader::from_reader(text.as_slice());
    reader.config_mut().trim_text(true);
    let mut parsed = Parsed::default();
    let mut field: Option<&'static str> = None;
    let mut value = String::new();
    let (mut loc, mut lastmod) = (None::<String>, None::<String>);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                value.clear();
                match e.local_name().as_ref() {
                    b"loc" => field = Some("loc"),
                    b"lastmod" => field = Some("lastmod"),
                    b"url" | b"sitemap" => (loc, lastmod) = (None, None),
                    _ => field = None,
                }
            }
            Ok(Event::Text(t)) if field.is_some() => {
                value.push_str(&t.decode().unwrap_or_default());
            }
            Ok(Event::CData(t)) if field.is_some() => {
                value.push_str(&String::from_utf8_lossy(&t));
            }
            // Entities come as their own events (`&amp;` inside a URL).
            Ok(Event::GeneralRef(r)) if field.is_some() => {
                let name = String::from_utf8_lossy(&r).to_string();
                let resolved = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                value.extend(resolved);
            }
            Ok(Event::End(e)) => {
                match field.take() {
                    Some("loc") => loc = Some(value.trim().to_string()),
                    Some("lastmod") => lastmod = Some(value.trim().to_string()),
                    _ => {}
                }
                value.clear();
                let kind = e.local_name();
                if kind.as_ref() == b"url" || kind.as_ref() == b"sitemap" {
                    let Some(url) = loc.take().and_then(|l| crate::normalize(&l, None).ok()) else {
                        continue;
                    };
                    if kind.as_ref() == b"url" {
                        parsed.urls.push(SitemapUrl {
                            url,
                            lastmod: lastmod.take().as_deref().and_then(parse_lastmod),
                        });
                    } else {
                        parsed.sitemaps.push(url);
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                // Keep what was read before the error.
                tracing::debug!(error = %e, "sitemap XML error");
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(parsed)
}

/// W3C datetime: a date, or a date and time with an offset.
fn parse_lastmod(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc())
        })
}

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Newest `lastmod` first (URLs without one after, in sitemap order).
    pub urls: Vec<SitemapUrl>,
    /// Sitemaps on addresses the crawl may not reach, not requested.
    pub refused: u64,
}

/// Fetches the sitemaps starting at `roots` (following indexes), and returns their URLs.
pub async fn discover(fetcher: &Fetcher, roots: Vec<Url>) -> Discovered {
    let mut refused = 0;
    let mut queue = roots;
    let mut seen: HashSet<Url> = HashSet::new();
    let mut urls: Vec<SitemapUrl> = Vec::new();
    let mut listed: HashSet<Url> = HashSet::new();
    while let Some(sitemap) = queue.pop() {
        if seen.len() >= MAX_SITEMAPS || urls.len() >= MAX_URLS {
            break;
        }
        if !seen.insert(sitemap.clone()) {
            continue;
        }
        match fetcher.config().reach.check(&sitemap).await {
            Err(crate::CrawlError::Refused(why)) => {
                tracing::warn!(url = %sitemap, %why, "sitemap not fetched");
                refused += 1;
                continue;
            }
            Err(e) => {
                tracing::debug!(url = %sitemap, error = %e, "sitemap unavailable");
                continue;
            }
            Ok(()) => {}
        }
        let body = match fetcher.get(&sitemap, true, None).await {
            Ok(Fetched::Body(body)) if (200..300).contains(&body.status) => body,
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(url = %sitemap, error = %e, "sitemap unavailable");
                continue;
            }
        };
        match tokio::task::spawn_blocking(move || parse(&body.bytes)).await {
            Ok(Ok(parsed)) => {
                queue.extend(parsed.sitemaps.into_iter().filter(|s| !seen.contains(s)));
                for u in parsed.urls {
                    if urls.len() < MAX_URLS && listed.insert(u.url.clone()) {
                        urls.push(u);
                    }
                }
            }
            Ok(Err(e)) => tracing::debug!(url = %sitemap, error = %e, "unreadable sitemap"),
            Err(e) => tracing::debug!(error = %e, "sitemap parse task failed"),
        }
    }
    // Newest first; stable, so undated URLs keep their order at the end.
    urls.sort_by_key(|u| std::cmp::Reverse(u.lastmod));
    Discovered { urls, refused }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urlsets_indexes_gzip_and_text() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://a.example/x?p=1&amp;q=2</loc><lastmod>2026-01-02</lastmod></url>
  <url><loc> https://a.example/y </loc><lastmod>2026-03-04T05:06:07+01:00</lastmod></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><loc>https://a.example/z</loc></url>
</urlset>"#;
        let parsed = parse(xml).expect("parse");
        let urls: Vec<&str> = parsed.urls.iter().map(|u| u.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://a.example/x?p=1&q=2",
                "https://a.example/y",
                "https://a.example/z"
            ]
        );
        assert_eq!(
            parsed.urls[1].lastmod.map(|t| t.to_rfc3339()),
            Some("2026-03-04T04:06:07+00:00".into())
        );
        let index = br#"<sitemapindex><sitemap><loc>https://a.example/s1.xml.gz</loc></sitemap></sitemapindex>"#;
        assert_eq!(parse(index).expect("index").sitemaps.len(), 1);
        let mut gz = Vec::new();
        {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
            e.write_all(xml).expect("gzip");
        }
        assert_eq!(parse(&gz).expect("gz").urls.len(), 3);
        let text = parse(b"https://a.example/1\nnot a url\nhttps://a.example/2\n").expect("text");
        assert_eq!(text.urls.len(), 2);
        assert!(parse(b"<urlset><url><loc>https://a.example/ok</loc></url><url><loc>").is_ok());
    }
}
