//! Crawler tests against real HTTP servers on 127.0.0.1.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use crawler::fetch::{FetchConfig, Fetcher, Reach};
use crawler::{CrawlConfig, CrawlStats, Crawler, Frontier, Page, PageSink, SinkOutcome};
use url::Url;

/// A page store fake: keeps pages in memory, dedupes by URL.
#[derive(Default)]
struct MemorySink {
    pages: Mutex<HashMap<String, Page>>,
    /// URLs the crawl said are gone or moved, whose stored copy must go.
    gone: Mutex<Vec<String>>,
}

impl PageSink for MemorySink {
    fn store(&self, page: Page) -> Result<SinkOutcome, String> {
        let mut pages = self.pages.lock().expect("lock");
        let outcome = match pages.get(page.url.as_str()) {
            Some(old) if old.content_hash == page.content_hash => SinkOutcome::Unchanged,
            _ => SinkOutcome::Stored,
        };
        pages.insert(page.url.to_string(), page);
        Ok(outcome)
    }

    fn gone(&self, url: &Url) -> Result<bool, String> {
        self.gone.lock().expect("lock").push(url.to_string());
        Ok(self
            .pages
            .lock()
            .expect("lock")
            .remove(url.as_str())
            .is_some())
    }
}

impl MemorySink {
    fn urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = self.pages.lock().expect("lock").keys().cloned().collect();
        urls.sort();
        urls
    }

    fn page(&self, path: &str) -> Option<Page> {
        self.pages
            .lock()
            .expect("lock")
            .iter()
            .find(|(u, _)| u.ends_with(path))
            .map(|(_, p)| p.clone())
    }
}

type Handler = Arc<dyn Fn(&str, usize) -> Response + Send + Sync>;

/// A test site: `handler(path, nth request for that path)` answers; every request is logged.
#[derive(Clone)]
struct Site {
    log: Arc<Mutex<Vec<(String, Instant)>>>,
    handler: Handler,
}

impl Site {
    fn requests(&self, path: &str) -> Vec<Instant> {
        self.log
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| *t)
            .collect()
    }

    fn count(&self) -> usize {
        self.log.lock().expect("lock").len()
    }
}

async fn route(State(site): State<Site>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    let nth = {
        let mut log = site.log.lock().expect("lock");
        log.push((path.clone(), Instant::now()));
        log.iter().filter(|(p, _)| *p == path).count()
    };
    (site.handler)(&path, nth)
}

async fn serve(handler: impl Fn(&str, usize) -> Response + Send + Sync + 'static) -> (Url, Site) {
    serve_at("127.0.0.1", handler).await
}

async fn serve_at(
    ip: &str,
    handler: impl Fn(&str, usize) -> Response + Send + Sync + 'static,
) -> (Url, Site) {
    let site = Site {
        log: Arc::default(),
        handler: Arc::new(handler),
    };
    let app = Router::new().fallback(route).with_state(site.clone());
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (Url::parse(&format!("http://{addr}/")).expect("url"), site)
}

fn html(body: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>t</title></head><body><main>{body}</main></body></html>"),
    )
        .into_response()
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn config() -> CrawlConfig {
    CrawlConfig {
        delay: Duration::ZERO,
        fetch: FetchConfig {
            timeout: Duration::from_secs(5),
            ..FetchConfig::default()
        },
        ..CrawlConfig::default()
    }
}

async fn crawl(
    seed: &Url,
    config: CrawlConfig,
) -> (CrawlStats, Arc<MemorySink>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stats, sink) = crawl_in(&dir, std::slice::from_ref(seed), config).await;
    (stats, sink, dir)
}

async fn crawl_in(
    dir: &tempfile::TempDir,
    seeds: &[Url],
    config: CrawlConfig,
) -> (CrawlStats, Arc<MemorySink>) {
    let frontier = Arc::new(Frontier::open(&dir.path().join("f.sqlite")).expect("frontier"));
    let sink = Arc::new(MemorySink::default());
    let stats = Crawler::new(config, frontier)
        .run(seeds, sink.clone(), &|_| {})
        .await
        .expect("crawl");
    (stats, sink)
}

#[tokio::test]
async fn robots_disallow_is_honoured_and_links_followed() {
    let (base, site) = serve(|path, _| match path {
        "/robots.txt" => "User-agent: *\nDisallow: /private\n".into_response(),
        "/" => html(r#"<p>Home page.</p><a href="/a">a</a><a href="/private/x">p</a><a href="/b" rel="nofollow">b</a>"#),
        "/a" => html(r#"<p>Page a.</p><a href="/">home</a>"#),
        _ => html("<p>should not be fetched</p>"),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!(
        sink.urls(),
        vec![base.to_string(), base.join("/a").expect("url").to_string()]
    );
    assert_eq!(stats.robots_disallowed, 1);
    assert!(
        site.requests("/private/x").is_empty(),
        "a disallowed URL was fetched"
    );
    assert!(
        site.requests("/b").is_empty(),
        "a rel=nofollow link was followed"
    );
    assert_eq!(
        site.requests("/robots.txt").len(),
        1,
        "robots.txt is fetched once per host"
    );
}

#[tokio::test]
async fn robots_404_allows_and_5xx_disallows_for_now() {
    let (base, _) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        _ => html("<p>open</p>"),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!((stats.stored, sink.urls().len()), (1, 1));

    let (base, site) = serve(|path, _| match path {
        "/robots.txt" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        _ => html("<p>closed</p>"),
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (stats, sink) = crawl_in(&dir, std::slice::from_ref(&base), config()).await;
    assert!(sink.urls().is_empty());
    assert_eq!(stats.robots_unavailable, 1);
    assert_eq!(site.requests("/").len(), 0);
    // The URL stays queued, so a later run retries it.
    let frontier = Frontier::open(&dir.path().join("f.sqlite")).expect("frontier");
    assert_eq!(frontier.counts().expect("counts").queued, 1);
}

#[tokio::test]
async fn crawl_delay_spaces_requests_to_one_host() {
    let (base, site) = serve(|path, _| match path {
        "/robots.txt" => "User-agent: *\nCrawl-delay: 1\n".into_response(),
        "/" => html(r#"<p>home</p><a href="/1">1</a><a href="/2">2</a>"#),
        _ => html("<p>leaf</p>"),
    })
    .await;
    let (stats, _, _dir) = crawl(
        &base,
        CrawlConfig {
            per_host: 1,
            ..config()
        },
    )
    .await;
    assert_eq!(stats.stored, 3);
    let mut times: Vec<Instant> = ["/", "/1", "/2"]
        .iter()
        .flat_map(|p| site.requests(p))
        .collect();
    times.sort();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(950),
            "requests {:?} apart",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test]
async fn too_many_requests_backs_off_by_retry_after() {
    let (base, site) = serve(|path, nth| match (path, nth) {
        ("/robots.txt", _) => not_found(),
        ("/", 1) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "slow down",
        )
            .into_response(),
        _ => html("<p>finally</p>"),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!((stats.retried, stats.stored, sink.urls().len()), (1, 1, 1));
    let times = site.requests("/");
    assert_eq!(times.len(), 2);
    assert!(times[1] - times[0] >= Duration::from_millis(950));
}

#[tokio::test]
async fn redirect_loop_ends_with_an_error_and_redirects_are_followed() {
    let (base, _) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(r#"<a href="/loop1">l</a><a href="/moved">m</a>"#),
        "/loop1" => (StatusCode::FOUND, [(header::LOCATION, "/loop2")]).into_response(),
        "/loop2" => (StatusCode::FOUND, [(header::LOCATION, "/loop1")]).into_response(),
        "/moved" => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, "/target")],
        )
            .into_response(),
        "/target" => html("<p>the target</p>"),
        "/elsewhere" => (
            StatusCode::FOUND,
            [(header::LOCATION, "http://example.invalid/")],
        )
            .into_response(),
        _ => not_found(),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!(stats.errors, 1, "the loop is one error");
    let target = sink.page("/target").expect("redirect target stored");
    assert!(target.requested_url.as_str().ends_with("/moved"));
}

/// A page whose meta refresh sends the reader on at once (GNU Texinfo's stub for every node:
/// "The node you are looking for is at …") is a redirect: the stub is not stored, its target is,
/// under the target's URL. A page that reloads itself or moves on after minutes is content.
#[tokio::test]
async fn a_meta_refresh_stub_is_a_redirect_not_a_page() {
    let page = |head: &str, body: &str| {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!("<html><head><title>t</title>{head}</head><body>{body}</body></html>"),
        )
            .into_response()
    };
    let stub = move |to: &str| {
        page(
            &format!(r#"<meta http-equiv="Refresh" content="0; url={to}">"#),
            &format!(r#"<p>The node you are looking for is at <a href="{to}">there</a>.</p>"#),
        )
    };
    let (base, site) = serve(move |path, _| match path {
        "/robots.txt" => not_found(),
        "/" => {
            html(r#"<a href="/Aliasing.html">a</a><a href="/Alias.html">b</a><a href="/clock">c</a><a href="/later">l</a>"#)
        }
        "/Aliasing.html" => stub("Shell-Grammar.html#Aliasing"),
        "/Alias.html" => stub("/Shell-Grammar.html"),
        "/Shell-Grammar.html" => html(
            "<h2 id=\"Aliasing\">Aliasing</h2><p>Every eligible word is checked for an alias.</p>",
        ),
        "/clock" => page(
            r#"<meta http-equiv="refresh" content="30">"#,
            "<p>The time is now.</p>",
        ),
        "/later" => page(
            r#"<meta http-equiv="refresh" content="600; URL='/elsewhere'">"#,
            "<p>Read this first.</p>",
        ),
        _ => not_found(),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!((stats.errors, stats.refreshes), (0, 2), "{stats:?}");
    assert!(sink.page("/Aliasing.html").is_none(), "{:?}", sink.urls());
    // A copy stored before the page became a stub is dropped.
    let gone = sink.gone.lock().expect("lock").clone();
    assert!(
        gone.iter().any(|u| u.ends_with("/Aliasing.html")),
        "{gone:?}"
    );
    let target = sink
        .page("/Shell-Grammar.html")
        .expect("the stub's target is stored");
    assert_eq!(target.requested_url, target.url);
    assert_eq!(
        site.requests("/Shell-Grammar.html").len(),
        1,
        "two stubs, one fetch"
    );
    assert!(target.text.contains("checked for an alias"));
    assert!(sink
        .page("/clock")
        .is_some_and(|p| p.text.contains("The time is now")));
    assert!(sink
        .page("/later")
        .is_some_and(|p| p.text.contains("Read this first")));
    assert!(
        site.requests("/elsewhere").is_empty(),
        "a late refresh is no link to follow"
    );
}

/// A site whose menus a script builds (Doxygen: an empty main page, `menudata.js` and
/// `navtreedata.js` naming every page) is crawled through its scripts: each same-origin script is
/// read once for the pages it names, and stored as nothing; another site's script is not fetched.
#[tokio::test]
async fn pages_named_only_by_a_script_are_crawled() {
    let script =
        |body: &'static str| ([(header::CONTENT_TYPE, "text/javascript")], body).into_response();
    let (base, site) = serve(move |path, _| match path {
        "/robots.txt" => not_found(),
        "/" | "/index.html" => html(
            r#"<script src="menudata.js"></script><script src="/navtreedata.js"></script>
            <script src="https://cdn.example.com/jquery.js"></script><div class="contents"></div>"#,
        ),
        "/menudata.js" => script(
            r#"var menudata={children:[{text:"Main Page",url:"index.html"},{text:"Files",url:"files.html"},{text:"Modules",url:"modules.html#top"}]};"#,
        ),
        "/navtreedata.js" => script(
            r#"var NAVTREE = [ [ "SDL", "index.html", [ [ "Structs", "annotated.html", null ] ] ] ]; var s = "<a href='x.html'>x</a>"; if (a < 2) { f("no spaces.html"); }"#,
        ),
        "/files.html" => html("<p>SDL_video.h is the header for windows.</p><script src=\"menudata.js\"></script>"),
        "/modules.html" => html("<p>The video module creates windows.</p>"),
        "/annotated.html" => html("<p>SDL_Rect is a rectangle.</p>"),
        _ => not_found(),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!((stats.errors, stats.scripts), (0, 2), "{stats:?}");
    for path in ["/files.html", "/modules.html", "/annotated.html"] {
        assert!(sink.page(path).is_some(), "{path}: {:?}", sink.urls());
    }
    assert!(sink.page(".js").is_none(), "{:?}", sink.urls());
    assert_eq!(site.requests("/menudata.js").len(), 1, "read once");
    // Literals that are markup or code name no page.
    assert!(site.requests("/x.html").is_empty());
    assert_eq!(stats.not_found, 0, "{stats:?}");
    // Scripts are no pages: four pages fit a budget of four, and the frontier counts four fetched
    // (what a resumed crawl counts against its budget).
    let (stats, sink, dir) = crawl(
        &base,
        CrawlConfig {
            max_pages: 4,
            ..config()
        },
    )
    .await;
    assert_eq!((stats.fetched, sink.urls().len()), (4, 4), "{stats:?}");
    let frontier = Frontier::open(&dir.path().join("f.sqlite")).expect("frontier");
    assert_eq!(frontier.counts().expect("counts").fetched, 4);
}

/// A broken link (404) is the site's own answer, counted as not found, not as a crawl error.
#[tokio::test]
async fn a_broken_link_is_not_found_not_an_error() {
    let (base, _) = serve(|path, _| match path {
        "/" => html(r#"<p>home</p><a href="/missing">m</a><a href="/there">t</a>"#),
        "/there" => html("<p>there</p>"),
        _ => not_found(),
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert_eq!(stats.not_found, 1, "{stats:?}");
    assert_eq!(stats.errors, 0, "{stats:?}");
    assert!(sink.page("/there").is_some());
}

#[tokio::test]
async fn oversized_bodies_are_cut_and_flagged() {
    let (base, _) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        _ => html(&format!("<p>{}</p>", "big text ".repeat(300_000))),
    })
    .await;
    let mut cfg = config();
    cfg.fetch.max_body = 64 * 1024;
    let (stats, sink, _dir) = crawl(&base, cfg).await;
    assert_eq!(stats.truncated, 1);
    let page = sink.page("/").expect("stored");
    assert!(page.truncated);
    assert!(page.text.len() <= 64 * 1024);
}

#[tokio::test]
async fn slow_bodies_time_out_without_stopping_the_crawl() {
    let (base, _) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(r#"<p>home</p><a href="/slow">s</a><a href="/fast">f</a>"#),
        "/slow" => {
            let stream = futures_stream();
            Response::builder()
                .header(header::CONTENT_TYPE, "text/html")
                .body(Body::from_stream(stream))
                .expect("response")
        }
        _ => html("<p>fast</p>"),
    })
    .await;
    let mut cfg = config();
    cfg.fetch.timeout = Duration::from_secs(1);
    cfg.per_host = 2;
    let started = Instant::now();
    let (stats, sink, _dir) = crawl(&base, cfg).await;
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(stats.errors, 1);
    assert!(sink.page("/fast").is_some());
    assert!(sink.page("/slow").is_none());
}

/// One byte a second, for a minute.
fn futures_stream() -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    futures_util::stream::unfold(0, |n| async move {
        if n >= 60 {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        Some((Ok(b"x".to_vec()), n + 1))
    })
}

#[tokio::test]
async fn charsets_from_header_and_meta_and_bad_labels() {
    let (base, _) = serve(|path, _| {
        let mut headers = HeaderMap::new();
        let body: Vec<u8> = match path {
            "/robots.txt" => return not_found(),
            "/" => {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=iso-8859-1"));
                b"<main><p>caf\xe9 latin</p><a href=\"/meta\">m</a><a href=\"/bogus\">b</a><a href=\"/doc.pdf\">p</a></main>".to_vec()
            }
            "/meta" => {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                b"<html><head><meta charset=\"windows-1252\"></head><main><p>na\xefve meta</p></main></html>".to_vec()
            }
            "/bogus" => {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=x-no-such"));
                b"<main><p>ok \xff\xfe bytes</p></main>".to_vec()
            }
            _ => {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
                b"%PDF-1.4".to_vec()
            }
        };
        (headers, body).into_response()
    })
    .await;
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert!(sink
        .page("/")
        .expect("root")
        .text
        .starts_with("café latin\n"));
    assert_eq!(sink.page("/meta").expect("meta").text, "naïve meta");
    assert_eq!(
        sink.page("/bogus").expect("bogus").text,
        "ok \u{fffd}\u{fffd} bytes"
    );
    assert_eq!(stats.unsupported, 1);
}

#[tokio::test]
async fn caps_noindex_and_duplicates() {
    let (base, _) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(r#"<a href="/d1">1</a><a href="/hidden">h</a><a href="/copy">c</a>"#),
        "/hidden" => ([(header::CONTENT_TYPE, "text/html")], r#"<head><meta name="robots" content="noindex"></head><body><a href="/d2">2</a></body>"#).into_response(),
        "/copy" => html(r#"<a href="/d1">1</a><a href="/hidden">h</a><a href="/copy">c</a>"#),
        p if p.starts_with("/d") => {
            let n: u32 = p[2..].parse().unwrap_or(0);
            html(&format!(r#"<p>depth {n}</p><a href="/d{}">next</a>"#, n + 1))
        }
        _ => not_found(),
    })
    .await;
    let (stats, sink, _dir) = crawl(
        &base,
        CrawlConfig {
            max_depth: 3,
            ..config()
        },
    )
    .await;
    // depth 0: /, depth 1: /d1 /hidden /copy, depth 2: /d2, depth 3: /d3; /d4 is too deep.
    assert_eq!(stats.noindex, 1);
    assert!(sink.page("/hidden").is_none());
    assert!(sink.page("/d3").is_some() && sink.page("/d4").is_none());
    assert_eq!(stats.fetched, 6);

    let (stats, _, _dir) = crawl(
        &base,
        CrawlConfig {
            max_pages: 2,
            ..config()
        },
    )
    .await;
    assert_eq!(stats.fetched, 2);
}

#[tokio::test]
async fn resume_continues_a_stopped_crawl_without_refetching() {
    let (base, site) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        p => {
            let n: u32 = p.trim_start_matches('/').parse().unwrap_or(0);
            let links: String = (1..=3)
                .map(|k| format!(r#"<a href="/{}">x</a>"#, (n * 3 + k) % 40))
                .collect();
            html(&format!("<p>page {n}</p>{links}"))
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, _) = crawl_in(
        &dir,
        std::slice::from_ref(&base),
        CrawlConfig {
            max_pages: 15,
            ..config()
        },
    )
    .await;
    assert_eq!(first.fetched, 15);
    let (second, _) = crawl_in(
        &dir,
        &[],
        CrawlConfig {
            max_pages: 1000,
            ..config()
        },
    )
    .await;
    // `/` and `/0` through `/39`.
    assert_eq!(
        first.fetched + second.fetched,
        41,
        "41 distinct pages in all"
    );
    let page_requests =
        site.count() - site.requests("/robots.txt").len() - site.requests("/sitemap.xml").len();
    assert_eq!(page_requests, 41, "no page fetched twice");
}

/// What a public-only crawl (one asked for over HTTP) queued and did not reach does not stay in the
/// frontier for a later crawl that may reach any address; a command-line crawl's does (to resume).
#[tokio::test]
async fn a_public_only_crawl_leaves_nothing_queued_behind() {
    let (site, _) = serve_at("127.0.0.2", |path, _| match path {
        "/robots.txt" => not_found(),
        _ => html(r#"<p>x</p><a href="/a">a</a><a href="/b">b</a><a href="/c">c</a>"#),
    })
    .await;
    for (reach, left) in [
        (
            Reach::Public {
                also: vec!["127.0.0.2".parse().expect("ip")],
            },
            0,
        ),
        (Reach::Any, 3),
    ] {
        let mut cfg = CrawlConfig {
            max_pages: 1,
            sitemaps: false,
            ..config()
        };
        cfg.fetch.reach = reach.clone();
        let dir = tempfile::tempdir().expect("tempdir");
        let (stats, _) = crawl_in(&dir, std::slice::from_ref(&site), cfg).await;
        assert_eq!(stats.fetched, 1);
        let frontier = Frontier::open(&dir.path().join("f.sqlite")).expect("frontier");
        assert_eq!(frontier.counts().expect("counts").queued, left, "{reach:?}");
    }
}

/// A crawl of one host leaves the other hosts' queued URLs alone: not requested, not marked, not
/// waited for one host delay each; a later crawl of their own fetches them.
#[tokio::test]
async fn a_crawl_leaves_other_hosts_queued_urls_alone() {
    let (a, a_site) = serve(|path, _| match path {
        "/robots.txt" => not_found(),
        _ => html("<p>a</p>"),
    })
    .await;
    let (b, b_site) = serve_at("127.0.0.2", |path, _| match path {
        "/robots.txt" => not_found(),
        _ => html("<p>b</p>"),
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let frontier = Frontier::open(&dir.path().join("f.sqlite")).expect("frontier");
    let others: Vec<(Url, u32)> = (0..20)
        .map(|i| (b.join(&format!("/p{i}")).expect("url"), 0))
        .collect();
    frontier.add(&others).expect("add");
    drop(frontier);
    let slow = CrawlConfig {
        delay: Duration::from_secs(1),
        sitemaps: false,
        ..config()
    };
    let started = Instant::now();
    let (stats, _) = crawl_in(&dir, std::slice::from_ref(&a), slow.clone()).await;
    assert_eq!(stats.fetched, 1, "{stats:?}");
    assert_eq!(b_site.count(), 0, "the other host was not asked");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "walked the other host's URLs: {:?}",
        started.elapsed()
    );
    let frontier = Frontier::open(&dir.path().join("f.sqlite")).expect("frontier");
    assert_eq!(
        frontier.counts().expect("counts").queued,
        20,
        "still queued"
    );
    assert!(a_site.count() >= 1);
}

/// Sitemaps from robots.txt: an index pointing at a gzipped sitemap and at one that points back at
/// the index (a loop); pages linked from nowhere are crawled, newest `lastmod` first, out-of-scope
/// entries left alone.
#[tokio::test]
async fn sitemaps_seed_the_crawl_newest_first() {
    let origin: Arc<std::sync::OnceLock<String>> = Arc::default();
    let o = origin.clone();
    let (base, site) = serve(move |path, _| {
        let host = o.get().expect("origin set before the crawl").clone();
        let xml = |body: &str| {
            (
                [(header::CONTENT_TYPE, "application/xml")],
                body.replace("HOST", &host),
            )
                .into_response()
        };
        match path {
            "/robots.txt" => "User-agent: *\nAllow: /\nSitemap: /maps/index.xml\n".into_response(),
            "/maps/index.xml" => xml(
                "<sitemapindex><sitemap><loc>HOST/maps/a.xml.gz</loc></sitemap>\
                 <sitemap><loc>HOST/maps/b.xml</loc></sitemap></sitemapindex>",
            ),
            "/maps/a.xml.gz" => {
                let body = "<urlset><url><loc>HOST/old</loc><lastmod>2020-01-01</lastmod></url>\
                     <url><loc>HOST/newest</loc><lastmod>2026-11-01</lastmod></url>\
                     <url><loc>http://elsewhere.example/x</loc></url></urlset>"
                    .replace("HOST", &host);
                let mut gz = Vec::new();
                {
                    use std::io::Write;
                    let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
                    e.write_all(body.as_bytes()).expect("gzip");
                }
                ([(header::CONTENT_TYPE, "application/gzip")], gz).into_response()
            }
            "/maps/b.xml" => xml(
                "<sitemapindex><sitemap><loc>HOST/maps/index.xml</loc></sitemap>\
                 <sitemap><loc>HOST/maps/c.xml</loc></sitemap></sitemapindex>",
            ),
            "/maps/c.xml" => xml(
                "<urlset><url><loc>HOST/middle</loc><lastmod>2024-06-01</lastmod></url></urlset>",
            ),
            "/" => html("<p>Home page with no links.</p>"),
            "/old" | "/newest" | "/middle" => html(&format!("<p>Page {path}.</p>")),
            _ => not_found(),
        }
    })
    .await;
    origin
        .set(base.as_str().trim_end_matches('/').to_string())
        .expect("set once");
    let config = CrawlConfig {
        concurrency: 1,
        ..config()
    };
    let (stats, sink, _dir) = crawl(&base, config).await;
    assert_eq!(stats.sitemap_urls, 3, "{stats:?}");
    let urls = sink.urls();
    for page in ["/old", "/newest", "/middle"] {
        assert!(
            urls.iter().any(|u| u.ends_with(page)),
            "{page} not crawled: {urls:?}"
        );
    }
    assert!(!urls.iter().any(|u| u.contains("elsewhere")));
    // Each sitemap fetched once, despite the loop.
    assert_eq!(site.requests("/maps/index.xml").len(), 1);
    // Newest first.
    let at = |p: &str| site.requests(p)[0];
    assert!(at("/newest") < at("/middle") && at("/middle") < at("/old"));
}

// The hostile web: each case ends in a bounded outcome and the crawl goes on.

#[tokio::test]
async fn gzip_bomb_is_cut_at_the_body_cap() {
    use std::io::Write;
    // 64 MiB of spaces inside a paragraph, gzip-compressed to well under 1 MiB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"<html><body><main><p>bomb").expect("gzip");
    let block = vec![b' '; 1024 * 1024];
    for _ in 0..64 {
        gz.write_all(&block).expect("gzip");
    }
    let bomb = Arc::new(gz.finish().expect("gzip"));
    assert!(bomb.len() < 1024 * 1024);
    let (base, _) = serve(move |path, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(r#"<p>home page text</p><a href="/bomb">b</a><a href="/after">a</a>"#),
        "/bomb" => Response::builder()
            .header(header::CONTENT_TYPE, "text/html")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(bomb.as_ref().clone()))
            .expect("response"),
        _ => html("<p>the page after the bomb</p>"),
    })
    .await;
    let mut cfg = config();
    cfg.fetch.max_body = 1024 * 1024;
    let (stats, sink, _dir) = crawl(&base, cfg).await;
    assert_eq!(stats.truncated, 1, "{stats:?}");
    let bomb = sink.page("/bomb").expect("stored, cut");
    assert!(bomb.truncated && bomb.text.len() <= 1024 * 1024);
    assert!(sink.page("/after").is_some());
}

#[tokio::test]
async fn hundred_thousand_links_deep_nesting_and_bad_bytes_are_bounded() {
    let many: String = (0..100_000)
        .map(|i| format!("<a href=\"/l/{i}\">{i}</a>"))
        .collect();
    let deep = format!(
        "<html><body>{}<p>deep text</p>{}</body></html>",
        "<div>".repeat(10_000),
        "</div>".repeat(10_000)
    );
    let (base, site) = serve(move |path, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(r#"<p>home</p><a href="/many">m</a><a href="/deep">d</a><a href="/latin">l</a>"#),
        "/many" => html(&many),
        "/deep" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            deep.clone(),
        )
            .into_response(),
        // Says UTF-8, sends Latin-1 bytes and a stray continuation byte.
        "/latin" => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(
                b"<html><body><p>Caf\xe9 cr\xe8me \x80 br\xfbl\xe9e is served here.</p></body></html>"
                    .to_vec(),
            ))
            .expect("response"),
        _ => html("<p>a linked page</p>"),
    })
    .await;
    let mut cfg = config();
    cfg.max_pages = 30;
    cfg.per_host = 4;
    let started = Instant::now();
    let (stats, sink, _dir) = crawl(&base, cfg).await;
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(stats.fetched <= 30, "{stats:?}");
    // The page with 100k links was stored and its links queued, but the cap held.
    assert!(sink.page("/many").is_some());
    assert!(site.count() <= 32, "{} requests", site.count());
    // Deep nesting: no stack overflow; the page is stored (text past 512 levels is dropped).
    assert!(sink.page("/deep").is_some());
    let latin = sink.page("/latin").expect("stored");
    assert!(
        latin.text.contains("Caf\u{FFFD} cr\u{FFFD}me"),
        "{}",
        latin.text
    );
}

#[tokio::test]
async fn calendar_traps_stop_at_the_depth_limit_and_session_ids_are_one_page() {
    let (base, site) = serve(|path, _| {
        if path == "/robots.txt" {
            return not_found();
        }
        if path == "/" {
            // The same page linked under 50 session ids and tracking tags.
            let links: String = (0..50)
                .map(|i| format!("<a href=\"/a?PHPSESSID={i:032x}&utm_source=x{i}\">a</a>"))
                .collect();
            return html(&format!(
                "<p>home</p>{links}<a href=\"/a;jsessionid=XYZ\">a</a><a href=\"/cal/0\">calendar</a>"
            ));
        }
        if let Some(n) = path.strip_prefix("/cal/").and_then(|n| n.parse::<u64>().ok()) {
            return html(&format!(
                "<p>month {n}</p><a href=\"/cal/{}\">next month</a>",
                n + 1
            ));
        }
        html("<p>the one page a</p>")
    })
    .await;
    let mut cfg = config();
    cfg.max_depth = 12;
    let (_stats, sink, _dir) = crawl(&base, cfg).await;
    assert_eq!(site.requests("/a").len(), 1);
    assert!(sink.page("/a").is_some());
    // Home is depth 0, /cal/0 depth 1, … /cal/11 depth 12: nothing past the limit.
    assert!(site.requests("/cal/11").len() == 1);
    assert!(site.requests("/cal/12").is_empty());
}

#[tokio::test]
async fn a_huge_garbage_robots_txt_is_read_up_to_its_cap() {
    let garbage: Arc<Vec<u8>> = Arc::new(
        (0..50 * 1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect(),
    );
    let (base, _) = serve(move |path, _| match path {
        "/robots.txt" => Response::builder()
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(garbage.as_ref().clone()))
            .expect("response"),
        "/" => html(r#"<p>home</p><a href="/x">x</a>"#),
        _ => html("<p>x page</p>"),
    })
    .await;
    let started = Instant::now();
    let (stats, sink, _dir) = crawl(&base, config()).await;
    assert!(started.elapsed() < Duration::from_secs(60));
    // Garbage holds no rules: everything is allowed.
    assert!(sink.page("/x").is_some(), "{stats:?}");
}

/// `/day/N…` → N (0 for any other path): the endless calendars below.
fn day_number(path: &str) -> u64 {
    path.trim_start_matches("/day/")
        .split('?')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_per_host_budget_bounds_an_endless_url_space() {
    let (base, site) = serve(|path, _| {
        if path == "/robots.txt" {
            return not_found();
        }
        // Every day links to the next day and to two "filtered" views of itself: no end.
        let n = day_number(path);
        html(&format!(
            "<p>day {n}</p><a href=\"/day/{}\">next</a><a href=\"/day/{n}?view=week\">week</a><a href=\"/day/{n}?view=list\">list</a>",
            n + 1
        ))
    })
    .await;
    let mut cfg = config();
    cfg.max_depth = 10_000;
    cfg.max_pages = 10_000;
    cfg.max_pages_per_host = 25;
    let (stats, _sink, _dir) = crawl(&base, cfg).await;
    let pages =
        site.count() - site.requests("/robots.txt").len() - site.requests("/sitemap.xml").len();
    assert_eq!(pages, 25, "{stats:?}");
    assert_eq!(stats.fetched, 25);
    assert!(stats.over_host_budget > 0, "{stats:?}");
}

/// URL-pattern detection ends an endless URL space by itself (no depth, page or host limit): each
/// pattern (`/day/0`, `/day/0?view`) gets its budget of new URLs; a relative link that keeps
/// nesting (`/x/y/x/y/…`) is not queued past a few repeats. Both crawls end on their own.
#[tokio::test]
async fn url_patterns_and_repeating_paths_end_an_endless_space() {
    let (base, site) = serve(|path, _| {
        if path == "/robots.txt" {
            return not_found();
        }
        if path.starts_with("/x/") || path.starts_with("/y/") {
            // Relative links resolved against a path that keeps growing.
            return html(r#"<p>nest</p><a href="x/">x</a><a href="y/">y</a>"#);
        }
        let n = day_number(path);
        html(&format!(
            "<p>day {n}</p><a href=\"/day/{}\">next</a><a href=\"/day/{n}?view=week\">week</a><a href=\"/x/\">x</a>",
            n + 1
        ))
    })
    .await;
    let mut cfg = config();
    cfg.max_depth = 100_000;
    cfg.max_pages = 100_000;
    cfg.max_urls_per_pattern = 20;
    let (stats, _sink, _dir) = crawl(&base, cfg).await;
    let days = site
        .log
        .lock()
        .expect("lock")
        .iter()
        .filter(|(p, _)| p.starts_with("/day/"))
        .count();
    // 20 new /day/N and 20 new /day/N?view=week (the seed "/" is its own pattern).
    assert_eq!(days, 40, "{stats:?}");
    let deepest = site
        .log
        .lock()
        .expect("lock")
        .iter()
        .map(|(p, _)| p.matches('/').count())
        .max()
        .unwrap_or(0);
    assert!(deepest <= 9, "a repeating path went {deepest} deep");
    assert!(stats.traps > 0, "{stats:?}");
    assert_eq!(stats.queued, 0, "the crawl ended on its own: {stats:?}");
}

/// A crawl limited to public addresses (what `serve` runs for `POST /api/crawl`) connects to no
/// private one: not as a seed given by address or by a name resolving to loopback, not through a
/// redirect (same host by name) or a sitemap listed in robots.txt. Only the trusted site is fetched.
#[tokio::test]
async fn a_public_only_crawl_never_connects_to_private_addresses() {
    let (inside, secret) = serve(|_, _| html("<p>secret</p>")).await;
    let port = inside.port().expect("port");
    let (outside, _) = serve_at("127.0.0.2", move |path, _| match path {
        "/robots.txt" => format!("Sitemap: http://127.0.0.1:{port}/sitemap.xml\n").into_response(),
        "/" => html(r#"<p>Outside.</p><a href="/hop">hop</a><a href="/ok">ok</a>"#),
        "/ok" => html("<p>fine</p>"),
        "/hop" => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("http://localhost:{port}/"))],
        )
            .into_response(),
        _ => not_found(),
    })
    .await;
    let seeds: Vec<Url> = [
        outside.to_string(),
        inside.to_string(),
        format!("http://localhost:{port}/"),
        format!("http://[::1]:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/".to_string(),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
    ]
    .iter()
    .map(|u| Url::parse(u).expect("url"))
    .collect();
    let mut cfg = config();
    cfg.fetch.reach = Reach::Public {
        also: vec!["127.0.0.2".parse().expect("ip")],
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let (stats, sink) = crawl_in(&dir, &seeds, cfg.clone()).await;
    assert_eq!(secret.count(), 0, "a private address was reached");
    // Six private seeds, /hop's redirect to localhost (in scope: localhost is a seed host), and
    // the sitemap robots.txt lists on 127.0.0.1.
    assert_eq!(stats.refused, 8, "{stats:?}");
    assert_eq!(sink.urls().len(), 2, "{:?}", sink.urls());
    // Refused before connecting: the unroutable 10.0.0.1 would have waited for the timeout.
    assert!(started.elapsed() < Duration::from_secs(4));

    // A name that resolves to loopback is refused when connecting too (as after a DNS change
    // between the check and the request).
    let fetcher = Fetcher::new(cfg.fetch).expect("fetcher");
    let named = Url::parse(&format!("http://localhost:{port}/")).expect("url");
    let err = fetcher.get(&named, false, None).await.expect_err("refused");
    assert!(err.to_string().contains("non-public"), "{err}");
    let direct = fetcher
        .get(&inside, false, None)
        .await
        .expect_err("refused");
    assert!(direct.to_string().contains("non-public"), "{direct}");
    assert_eq!(secret.count(), 0);
}
