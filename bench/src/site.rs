//! The local web the benchmarks crawl: generated, interlinked pages with realistic text (a Zipf
//! vocabulary), a robots.txt that disallows `/private/` (every page links there: a crawler that
//! fetches one breaks robots.txt) and a sitemap, served on several hosts (127.0.0.2, 127.0.0.3, …)
//! with a lognormal per-request latency (median 50 ms) so that concurrency matters as it does on the
//! real web; and a real documentation tree from disk, served the same way. Every request is counted
//! here, on the server's side: crawlers are compared on what they fetched, not on what they report.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Zipf};

/// The most frequent words: real ones, so that the text reads like technical prose.
const COMMON: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "for",
    "that",
    "with",
    "on",
    "as",
    "by",
    "it",
    "be",
    "from",
    "this",
    "an",
    "are",
    "or",
    "crawler",
    "index",
    "answer",
    "passage",
    "citation",
    "server",
    "request",
    "latency",
    "thread",
    "memory",
    "vector",
    "query",
    "search",
    "page",
    "link",
    "robots",
    "sitemap",
    "storage",
    "engine",
    "token",
    "model",
    "embedding",
    "cluster",
    "shard",
    "replica",
    "network",
    "protocol",
    "cache",
    "buffer",
    "socket",
    "compiler",
    "runtime",
    "library",
    "function",
    "module",
    "package",
    "version",
    "release",
    "config",
    "option",
    "default",
    "timeout",
    "retry",
    "error",
    "result",
    "value",
    "type",
    "struct",
    "trait",
    "method",
    "field",
    "record",
    "table",
    "column",
    "row",
    "schema",
    "migration",
    "backup",
    "restore",
    "deploy",
    "container",
    "process",
    "signal",
    "kernel",
    "driver",
    "device",
    "sensor",
    "volume",
    "window",
    "button",
    "screen",
    "layout",
    "style",
    "color",
    "font",
    "image",
    "audio",
    "video",
    "stream",
    "codec",
    "frame",
    "packet",
    "header",
    "payload",
    "checksum",
    "hash",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "qui", "pa", "ne", "rho", "zan", "ti", "fu",
    "gal", "mor", "bi", "sen", "xo", "lu", "har", "pim", "do", "wes",
];
/// Vocabulary size: the common words, then made-up ones (`kalo`, `mirentu`, …) down a Zipf tail.
const VOCABULARY: usize = 20_000;

/// The vocabulary, most frequent first.
pub fn vocabulary() -> &'static [String] {
    static WORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<String> = COMMON.iter().map(|w| w.to_string()).collect();
        let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
        let mut i = 0usize;
        while words.len() < VOCABULARY {
            // Mixed-radix spelling of i: 2 to 4 syllables.
            let mut n = i;
            let mut w = String::new();
            for _ in 0..(2 + i % 3) {
                w.push_str(SYLLABLES[n % SYLLABLES.len()]);
                n = n / SYLLABLES.len() + 7;
            }
            if seen.insert(w.clone()) {
                words.push(w);
            }
            i += 1;
        }
        words
    })
}

/// One generated page, before it is rendered as HTML or stored directly.
pub struct GeneratedPage {
    pub title: String,
    /// Sections: heading and paragraphs.
    pub sections: Vec<(String, Vec<String>)>,
}

/// Generates page `n` of the site seeded `seed`: deterministic.
pub fn generate(seed: u64, n: usize) -> GeneratedPage {
    let words = vocabulary();
    let zipf = Zipf::new(words.len() as f64, 1.05).expect("valid Zipf parameters");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9) ^ n as u64);
    let word = |rng: &mut rand::rngs::StdRng| words[zipf.sample(rng) as usize - 1].as_str();
    let sentence = |rng: &mut rand::rngs::StdRng| {
        let len = rng.random_range(8..22);
        let mut s = String::new();
        for i in 0..len {
            let w = word(rng);
            if i == 0 {
                s.push_str(&(w[..1].to_uppercase() + &w[1..]));
            } else {
                s.push(' ');
                s.push_str(w);
            }
        }
        s.push('.');
        s
    };
    let topic = words[20 + n % 80].clone();
    let title = format!("Page {n}: the {topic} {}", words[100 + (n * 7) % 400]);
    let sections = (0..rng.random_range(2..5))
        .map(|s| {
            let heading = format!(
                "{} {}",
                words[20 + (n + s) % 90],
                words[200 + (n * 3 + s) % 900]
            );
            let paragraphs = (0..rng.random_range(2..5))
                .map(|_| {
                    let k = rng.random_range(3..7);
                    (0..k)
                        .map(|_| sentence(&mut rng))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            (heading, paragraphs)
        })
        .collect();
    GeneratedPage { title, sections }
}

/// Requests seen by one server since the last reset.
#[derive(Default)]
pub struct Log {
    pub requests: u64,
    /// Distinct paths requested.
    pub paths: BTreeSet<String>,
    /// When each page request arrived, for the politeness check.
    pub arrivals: Vec<std::time::Instant>,
}

/// One generated site: `pages` pages on one host, linking to `/private/` (disallowed) and to the
/// other hosts of the same web.
#[derive(Clone)]
pub struct Site {
    pages: usize,
    seed: u64,
    latency: Option<LogNormal<f64>>,
    /// The other hosts' base URLs, for cross-host links.
    pub peers: Arc<Mutex<Vec<String>>>,
    pub log: Arc<Mutex<Log>>,
    /// A documentation tree on disk served instead of generated pages.
    root: Option<PathBuf>,
}

impl Site {
    pub fn new(pages: usize, seed: u64, median_latency: Option<Duration>) -> Self {
        let latency = median_latency.map(|m| {
            LogNormal::new(m.as_secs_f64().ln(), 0.5).expect("valid lognormal parameters")
        });
        Self {
            pages,
            seed,
            latency,
            peers: Arc::default(),
            log: Arc::default(),
            root: None,
        }
    }

    /// A real documentation tree from disk (HTML, CSS, JS, images), with the same latency.
    pub fn files(root: PathBuf, median_latency: Option<Duration>) -> Self {
        Self {
            root: Some(root),
            ..Self::new(0, 0, median_latency)
        }
    }

    /// The HTML pages fetched since the last reset (paths), and disallowed ones among them.
    pub fn pages_fetched(&self) -> (BTreeSet<String>, usize) {
        let log = self.log.lock().expect("log");
        let pages: BTreeSet<String> = log
            .paths
            .iter()
            .filter(|p| p.as_str() == "/" || p.ends_with(".html") || p.ends_with('/'))
            .cloned()
            .collect();
        let private = pages.iter().filter(|p| p.starts_with("/private/")).count();
        (pages, private)
    }

    /// What the files of `pages` (paths this site served) weigh in bytes; 0 for a generated site.
    pub fn html_bytes(&self, pages: &BTreeSet<String>) -> u64 {
        let Some(root) = &self.root else { return 0 };
        pages
            .iter()
            .filter_map(|path| file_of(root, path))
            .map(|file| std::fs::metadata(&file).map_or(0, |m| m.len()))
            .sum()
    }

    /// The shortest gap between two page requests to this host, in milliseconds.
    pub fn min_gap_ms(&self) -> f64 {
        let log = self.log.lock().expect("log");
        log.arrivals
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
            .fold(f64::INFINITY, f64::min)
    }

    pub fn reset(&self) {
        *self.log.lock().expect("log") = Log::default();
    }

    /// The HTML pages a crawler can reach from `/` and may fetch (page i links to i+1).
    pub fn reachable(&self) -> usize {
        self.pages + 1
    }

    fn html(&self, n: usize) -> String {
        let page = generate(self.seed, n);
        let mut html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><nav><a href=\"/\">Home</a> <a href=\"/private/{n}.html\">Account</a></nav><main><h1>{}</h1>",
            page.title, page.title
        );
        for (heading, paragraphs) in &page.sections {
            html.push_str(&format!("<h2>{heading}</h2>"));
            for p in paragraphs {
                html.push_str(&format!("<p>{p}</p>"));
            }
        }
        // A chain that reaches every page, random links like a real site's, one to another host.
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed ^ (n as u64) << 20);
        html.push_str("<ul>");
        let mut links = vec![(n + 1) % self.pages];
        links.extend((0..8).map(|_| rng.random_range(0..self.pages)));
        for l in links {
            html.push_str(&format!("<li><a href=\"/p/{l}.html\">Page {l}</a></li>"));
        }
        let peers = self.peers.lock().expect("peers");
        if !peers.is_empty() {
            let peer = &peers[n % peers.len()];
            let l = rng.random_range(0..self.pages);
            html.push_str(&format!(
                "<li><a href=\"{peer}p/{l}.html\">Elsewhere {l}</a></li>"
            ));
        }
        html.push_str("</ul></main></body></html>");
        html
    }

    /// Serves the site on `ip` (any free port); returns the address.
    pub async fn serve(self, ip: &str) -> anyhow::Result<SocketAddr> {
        let router = if self.root.is_some() {
            Router::new().fallback(get(file)).with_state(self)
        } else {
            Router::new()
                .route("/", get(home))
                .route("/robots.txt", get(robots))
                .route("/sitemap.xml", get(sitemap))
                .route("/p/{file}", get(page))
                .route("/private/{file}", get(private))
                .with_state(self)
        };
        let listener = tokio::net::TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(addr)
    }

    async fn delay_and_count(&self, path: &str) {
        {
            let mut log = self.log.lock().expect("log");
            log.requests += 1;
            log.paths.insert(path.to_string());
            if path != "/robots.txt" && path != "/sitemap.xml" {
                log.arrivals.push(std::time::Instant::now());
            }
        }
        if let Some(latency) = &self.latency {
            let wait = latency.sample(&mut rand::rng()).min(2.0);
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn home(State(site): State<Site>) -> Response {
    site.delay_and_count("/").await;
    html("<!doctype html><html><head><title>Home</title></head><body><main><h1>Home</h1><p><a href=\"/p/0.html\">Start</a></p></main></body></html>".into())
}

async fn robots(State(site): State<Site>) -> Response {
    site.delay_and_count("/robots.txt").await;
    "User-agent: *\nDisallow: /private/\n".into_response()
}

async fn sitemap(State(site): State<Site>, headers: axum::http::HeaderMap) -> Response {
    site.delay_and_count("/sitemap.xml").await;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    for n in 0..site.pages {
        xml.push_str(&format!("<url><loc>http://{host}/p/{n}.html</loc></url>"));
    }
    xml.push_str("</urlset>");
    ([(header::CONTENT_TYPE, "application/xml")], xml).into_response()
}

async fn page(State(site): State<Site>, Path(file): Path<String>) -> Response {
    site.delay_and_count(&format!("/p/{file}")).await;
    match file
        .strip_suffix(".html")
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(n) if n < site.pages => html(site.html(n)),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn private(State(site): State<Site>, Path(file): Path<String>) -> Response {
    site.delay_and_count(&format!("/private/{file}")).await;
    html("<!doctype html><html><head><title>Account</title></head><body><p>Private.</p></body></html>".into())
}

/// A file of the documentation tree (directories serve their index.html).
async fn file(State(site): State<Site>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    site.delay_and_count(&path).await;
    let root = site.root.as_ref().expect("a file site has a root");
    let Some(file) = file_of(root, &path) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(body) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("css") => "text/css",
                Some("js") => "text/javascript",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                Some("txt") => "text/plain",
                _ => "application/octet-stream",
            };
            ([(header::CONTENT_TYPE, kind)], body).into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The file under `root` that serves the URL path `path` (a directory serves its index.html), or
/// `None` for a path that climbs out of `root`.
fn file_of(root: &std::path::Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path);
    if decoded.split('/').any(|part| part == "..") {
        return None;
    }
    let file = root.join(decoded.trim_start_matches('/'));
    Some(if file.is_dir() {
        file.join("index.html")
    } else {
        file
    })
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
