//! The local web the benchmarks crawl: generated, interlinked pages with realistic text, a robots.txt
//! and a sitemap, served on 127.0.0.x with a lognormal per-request latency (median 50 ms) so that
//! concurrency matters as it does on the real web. Every request is counted here, on the server's
//! side: crawlers are compared on what they fetched, not on what they report.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

const WORDS: &[&str] = &[
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

/// One generated site: `pages` pages on one host.
#[derive(Clone)]
pub struct Site {
    pages: usize,
    seed: u64,
    latency: Option<LogNormal<f64>>,
    /// Paths requested, all and distinct.
    pub log: Arc<Mutex<(u64, HashSet<String>)>>,
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
            log: Arc::default(),
        }
    }

    /// Requests served, and distinct HTML pages among them, since the last reset.
    pub fn counts(&self) -> (u64, usize) {
        let log = self.log.lock().expect("log");
        let pages = log
            .1
            .iter()
            .filter(|p| *p == "/" || p.starts_with("/p/"))
            .count();
        (log.0, pages)
    }

    pub fn reset(&self) {
        *self.log.lock().expect("log") = (0, HashSet::new());
    }

    /// The HTML pages a crawler can reach from `/` (all of them: page i links to i+1).
    pub fn reachable(&self) -> usize {
        self.pages
    }

    fn page(&self, n: usize) -> String {
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed ^ n as u64);
        let sentence = |rng: &mut rand::rngs::StdRng| {
            let len = rng.random_range(8..20);
            let mut words: Vec<&str> = (0..len)
                .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                .collect();
            let first = words[0];
            let capital = first[..1].to_uppercase() + &first[1..];
            words[0] = "";
            format!("{capital}{}.", words.join(" "))
        };
        let mut html = format!(
            "<!doctype html><html><head><title>Page {n} — {}</title></head><body><nav><a href=\"/\">Home</a></nav><main><h1>Page {n}</h1>",
            WORDS[n % WORDS.len()]
        );
        for section in 0..rng.random_range(2..5) {
            html.push_str(&format!("<h2>Section {section}</h2>"));
            for _ in 0..rng.random_range(2..5) {
                let text: Vec<String> = (0..rng.random_range(3..7))
                    .map(|_| sentence(&mut rng))
                    .collect();
                html.push_str(&format!("<p>{}</p>", text.join(" ")));
            }
        }
        // A chain that reaches every page, and random links like a real site's.
        html.push_str("<ul>");
        let mut links = vec![(n + 1) % self.pages];
        links.extend((0..8).map(|_| rng.random_range(0..self.pages)));
        for l in links {
            html.push_str(&format!("<li><a href=\"/p/{l}.html\">Page {l}</a></li>"));
        }
        html.push_str("</ul></main></body></html>");
        html
    }

    /// Serves the site on `ip` (any free port); returns the address.
    pub async fn serve(self, ip: &str) -> anyhow::Result<SocketAddr> {
        let router = Router::new()
            .route("/", get(home))
            .route("/robots.txt", get(robots))
            .route("/sitemap.xml", get(sitemap))
            .route("/p/{file}", get(page))
            .with_state(self);
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
            log.0 += 1;
            log.1.insert(path.to_string());
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

async fn sitemap(State(site): State<Site>) -> Response {
    site.delay_and_count("/sitemap.xml").await;
    StatusCode::NOT_FOUND.into_response()
}

async fn page(State(site): State<Site>, Path(file): Path<String>) -> Response {
    site.delay_and_count(&format!("/p/{file}")).await;
    match file
        .strip_suffix(".html")
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(n) if n < site.pages => html(site.page(n)),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
