//! One HTTP request at a time: timeouts, a body cap, content-type filtering and charset decoding.
//!
//! Redirects are not followed here: the crawler follows them hop by hop so that scope and robots.txt
//! are checked again on every target.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION};
use url::Url;

use crate::CrawlError;

/// Settings of the HTTP client.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Bodies longer than this are cut and flagged as truncated.
    pub max_body: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: default_user_agent(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
        }
    }
}

/// The user agent sent when none is configured.
pub fn default_user_agent() -> String {
    format!(
        "cited/{} (+https://github.com/cited/cited)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The validators of a stored copy of a page, sent on a revisit (conditional GET).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to one request.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the stored copy is current (only asked with validators).
    NotModified,
    /// A 3xx with a usable `Location`.
    Redirect { status: u16, location: Url },
    /// A response whose content type cited does not index; its body was not read.
    Unsupported { status: u16, content_type: String },
    /// A response with a body (any status).
    Body(Body),
}

/// A response body, cut at the cap.
#[derive(Debug)]
pub struct Body {
    pub status: u16,
    pub headers: HeaderMap,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub truncated: bool,
    /// This body's place among the bodies held in memory at once (see [`Fetcher`]); freed with it.
    _held: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Body {
    /// Returns a header as a string, if present and valid.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn is_html(&self) -> bool {
        self.content_type.contains("html")
    }
}

/// The HTTP client of a crawl.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    /// Bodies read or held at once. Requests wait for headers concurrently, but a body is read
    /// only with a place here and keeps it until it is dropped (after parsing): memory stays
    /// bounded by a few bodies, not by the number of requests in flight.
    bodies: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Bodies held at once, per core.
const BODIES_PER_CORE: usize = 4;

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self, CrawlError> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            client,
            config,
            bodies: std::sync::Arc::new(tokio::sync::Semaphore::new(BODIES_PER_CORE * cores)),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Sends one GET (conditional when `validators` are given) and reads at most `max_body` bytes of
    /// the body.
    pub async fn get(
        &self,
        url: &Url,
        accept_any: bool,
        validators: Option<&Validators>,
    ) -> Result<Fetched, CrawlError> {
        let mut request = self.client.get(url.clone()).header(
            "Accept",
            "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
        );
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &v.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
        let resp = request.send().await?;
        let status = resp.status().as_u16();
        if status == 304 && validators.is_some() {
            return Ok(Fetched::NotModified);
        }
        if resp.status().is_redirection() {
            let location = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| crate::normalize(l, Some(url)).ok())
                .ok_or(CrawlError::BadRedirect)?;
            return Ok(Fetched::Redirect { status, location });
        }
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let supported = content_type.is_empty()
            || content_type.starts_with("text/html")
            || content_type.starts_with("application/xhtml+xml")
            || content_type.starts_with("text/plain");
        if !accept_any && resp.status().is_success() && !supported {
            return Ok(Fetched::Unsupported {
                status,
                content_type,
            });
        }
        let headers = resp.headers().clone();
        let held = self.bodies.clone().acquire_owned().await.ok();
        let (bytes, truncated) = read_capped(resp, self.config.max_body).await?;
        Ok(Fetched::Body(Body {
            status,
            headers,
            content_type,
            bytes,
            truncated,
            _held: held,
        }))
    }
}

async fn read_capped(resp: reqwest::Response, cap: usize) -> Result<(Vec<u8>, bool), CrawlError> {
    let mut bytes = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let room = cap - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok((bytes, true));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, false))
}

/// Decodes a body to text: charset from the `Content-Type` header, else a BOM, else `<meta charset>`
/// or `http-equiv` in the first 1024 bytes, else UTF-8. Invalid bytes become U+FFFD.
pub fn decode(bytes: &[u8], content_type: &str) -> String {
    let from_header =
        charset_param(content_type).and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()));
    let encoding = from_header
        .or_else(|| encoding_rs::Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| sniff_meta_charset(&bytes[..bytes.len().min(1024)]))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

fn sniff_meta_charset(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let rest = head[at..].trim_start_matches(['"', '\'', ' ']);
    let label: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_by_header_meta_and_default() {
        let latin1 = b"caf\xe9";
        assert_eq!(decode(latin1, "text/html; charset=ISO-8859-1"), "café");
        let meta = b"<html><head><meta charset=\"windows-1252\"></head>caf\xe9";
        assert!(decode(meta, "text/html").ends_with("café"));
        let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">\xc1";
        assert!(decode(equiv, "text/html").ends_with('а'));
        assert_eq!(decode("é".as_bytes(), "text/html"), "é");
        // A lying or unknown label falls back without failing; invalid bytes become U+FFFD.
        assert_eq!(
            decode(b"ok\xff", "text/html; charset=no-such-charset"),
            "ok\u{fffd}"
        );
    }
}
