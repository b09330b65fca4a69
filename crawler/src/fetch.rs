//! One HTTP request at a time: timeouts, a body cap, content-type filtering, charset decoding, and
//! which addresses a crawl may reach.
//!
//! Redirects are not followed here: the crawler follows them hop by hop so that scope, robots.txt and
//! the address check apply again on every target.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
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
    /// Which addresses requests may connect to.
    pub reach: Reach,
}

/// Which addresses a crawl may connect to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reach {
    /// Any address: the command line, where operators crawl their own loopback and intranet sites.
    #[default]
    Any,
    /// Public addresses only, plus the listed ones: crawls asked for over HTTP. Checked on every
    /// hop of a redirect and again when connecting (names are resolved by a resolver that drops
    /// non-public addresses), so neither a redirect nor a name resolving to 127.0.0.1, 10/8 or
    /// 169.254.169.254 reaches them.
    Public { also: Vec<IpAddr> },
}

impl Reach {
    /// Whether a connection to `ip` is allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        match self {
            Reach::Any => true,
            Reach::Public { also } => is_public(ip) || also.contains(&ip),
        }
    }

    /// Checks a URL's host: an address directly, a name after resolving it (at least one
    /// permitted address). Errors say which address was refused.
    pub async fn check(&self, url: &Url) -> Result<(), CrawlError> {
        if *self == Reach::Any {
            return Ok(());
        }
        let host = url
            .host_str()
            .ok_or_else(|| CrawlError::InvalidUrl(url.to_string(), "no host".into()))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let addrs: Vec<IpAddr> = match literal_ip(url) {
            Some(ip) => vec![ip],
            None => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| CrawlError::Unresolvable(format!("cannot resolve {host}: {e}")))?
                .map(|a| a.ip())
                .collect(),
        };
        match addrs.iter().find(|ip| !self.permits(**ip)) {
            None if !addrs.is_empty() => Ok(()),
            None => Err(CrawlError::Unresolvable(format!(
                "{host} resolves to no address"
            ))),
            Some(ip) if addrs.iter().all(|ip| !self.permits(*ip)) => Err(CrawlError::Refused(
                format!("{host} is {ip}, a loopback, private, link-local or otherwise non-public address"),
            )),
            // Some addresses are public: the resolver connects only to those.
            Some(_) => Ok(()),
        }
    }
}

/// IPv4 blocks of the IANA special-purpose address registry that are not globally reachable (as of
/// 2024): `(first address, prefix length)`.
const V4_SPECIAL: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (CGNAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, cloud metadata
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments (192.0.0.192 is a cloud metadata address)
    ([192, 0, 2, 0], 24),    // documentation
    ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation
    ([203, 0, 113, 0], 24),  // documentation
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 broadcast
];

/// IPv6 blocks that are not globally reachable, beyond those that embed an IPv4 address (decoded
/// and judged as IPv4 in [`is_public`]): `(first address, prefix length)`.
const V6_SPECIAL: &[([u16; 8], u8)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 128),         // unspecified
    ([0, 0, 0, 0, 0, 0, 0, 1], 128),         // loopback
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),  // local-use IPv4/IPv6 translation
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64),      // discard-only
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),     // IETF protocol assignments (Teredo decoded first)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),     // documentation
    ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16),     // segment routing
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),      // unique local
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),     // link-local
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),     // deprecated site-local
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),      // multicast
];

fn in_block(address: u128, first: u128, prefix: u8, bits: u32) -> bool {
    let shift = bits - u32::from(prefix);
    prefix == 0 || (address >> shift) == (first >> shift)
}

/// Whether an address is on the public internet: in none of the IANA special-purpose blocks that
/// are not globally reachable (loopback, private, link-local and cloud metadata, CGNAT, documentation,
/// benchmarking, multicast, reserved, …). An IPv6 address that embeds an IPv4 one (IPv4-mapped and
/// -compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`) is judged by the IPv4
/// address it reaches.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let address = u32::from(v4);
            !V4_SPECIAL.iter().any(|(first, prefix)| {
                in_block(
                    address.into(),
                    u32::from_be_bytes(*first).into(),
                    *prefix,
                    32,
                )
            })
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public(IpAddr::V4(v4));
            }
            let address = u128::from(v6);
            !V6_SPECIAL.iter().any(|(first, prefix)| {
                in_block(
                    address,
                    u128::from(std::net::Ipv6Addr::from(*first)),
                    *prefix,
                    128,
                )
            })
        }
    }
}

/// The IPv4 address an IPv6 address carries, if it is of a kind that reaches one.
fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = v6.segments();
    let low = |hi: u16, lo: u16| std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // IPv4-mapped ::ffff:a.b.c.d, and IPv4-translated ::ffff:0:a.b.c.d.
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0xffff, 0, hi, lo] => Some(low(hi, lo)),
        // Deprecated IPv4-compatible ::a.b.c.d (not :: and ::1 themselves).
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(low(hi, lo)),
        // NAT64, well-known prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        // 6to4: 2002:AABB:CCDD::/48 is the network of a.b.c.d.
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        // Teredo: the client's address, bits inverted, in the last 32 bits.
        [0x2001, 0, _, _, _, _, hi, lo] => Some(low(!hi, !lo)),
        _ => None,
    }
}

/// Resolves names as the system does, then keeps only the addresses the crawl may reach: the
/// check made at connection time, after any redirect and any DNS answer.
struct ReachResolver(Reach);

impl reqwest::dns::Resolve for ReachResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let reach = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| reach.permits(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!("{host} resolves only to non-public addresses").into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: default_user_agent(),
            connect_timeout: Duration::from_secs(crate::config::defaults::CONNECT_TIMEOUT_SECS),
            timeout: Duration::from_secs(crate::config::defaults::TIMEOUT_SECS),
            max_body: crate::config::defaults::MAX_BODY_BYTES,
            reach: Reach::Any,
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

    /// A script, read for the pages it links to (see [`crate::extract::script_links`]).
    pub fn is_script(&self) -> bool {
        is_script(&self.content_type)
    }
}

/// Returns true if `content_type` (lower case) is JavaScript's.
fn is_script(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    matches!(
        essence,
        "application/javascript"
            | "text/javascript"
            | "application/x-javascript"
            | "application/ecmascript"
            | "text/ecmascript"
    )
}

/// The HTTP client of a crawl.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    /// Bodies read or held at once. Requests wait for headers concurrently, but a body is read
    /// only with a place here and keeps it until it is dropped (after parsing): memory stays
    /// bounded by a few bodies, not by the number of requests in flight.
    bodies: Arc<tokio::sync::Semaphore>,
}

/// Bodies held at once, per core.
const BODIES_PER_CORE: usize = 4;

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self, CrawlError> {
        let mut client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none());
        if config.reach != Reach::Any {
            // A proxy would connect on our behalf, past the address check.
            client = client
                .no_proxy()
                .dns_resolver(Arc::new(ReachResolver(config.reach.clone())));
        }
        let client = client.build()?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            client,
            config,
            bodies: Arc::new(tokio::sync::Semaphore::new(BODIES_PER_CORE * cores)),
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
        // Names are checked by the resolver when connecting; addresses are never resolved.
        if let Some(ip) = literal_ip(url) {
            if !self.config.reach.permits(ip) {
                return Err(CrawlError::Refused(format!(
                    "{ip} is a loopback, private, link-local or otherwise non-public address"
                )));
            }
        }
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
            || content_type.starts_with("text/plain")
            || is_script(&content_type);
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

fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
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
