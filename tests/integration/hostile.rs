//! The hostile web, end to end: each case is a loopback server built to hurt a crawler, crawled by
//! the real `cited crawl` (fetch, extract, store, index). Every crawl must end on its own with a
//! counted outcome and bounded memory; the test prints each case's outcome and peak RSS.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::StreamExt;
use serde_json::Value;

use crate::common::{cited_command, cited_json, proc_mb, serve_router};

/// Peak RSS allowed for any case (debug build: the text of a 10 MiB page, its DOM and its
/// passages while they are indexed).
const MAX_RSS_MB: f64 = 768.0;

fn html(body: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>t</title></head><body><main>{body}</main></body></html>"),
    )
        .into_response()
}

/// Serves `handler(path and query, Host header)`.
fn serve(handler: impl Fn(&str, &str) -> Response + Clone + Send + Sync + 'static) -> SocketAddr {
    serve_router(Router::new().fallback(move |req: Request| {
        let handler = handler.clone();
        async move {
            let path = req
                .uri()
                .path_and_query()
                .map_or("/".to_string(), |p| p.to_string());
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            handler(&path, host)
        }
    }))
}

/// A raw TCP server: robots.txt and sitemaps get a 404; any other request gets `reply` (possibly
/// nothing), then the connection is held open without another byte.
fn serve_silence(reply: &'static [u8]) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                if request.starts_with("GET /robots.txt") || request.starts_with("GET /sitemap") {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return;
                }
                let _ = stream.write_all(reply);
                std::thread::sleep(Duration::from_secs(600));
            });
        }
    });
    addr
}

/// A body of `len` bytes of HTML paragraphs, produced as it is sent.
fn streamed_html(len: u64) -> Response {
    const CHUNK: usize = 64 * 1024;
    let paragraph = "<p>The river keeps its own calendar and floods every spring. </p>\n";
    let block: Arc<Vec<u8>> =
        Arc::new(paragraph.repeat(CHUNK / paragraph.len() + 1).into_bytes()[..CHUNK].to_vec());
    let chunks = len / CHUNK as u64;
    let stream = futures_util::stream::iter(0..chunks)
        .map(move |_| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(&block)));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html")
        .header(header::CONTENT_LENGTH, chunks * CHUNK as u64)
        .body(Body::from_stream(stream))
        .expect("response")
}

/// One byte a second, forever.
fn trickle() -> Response {
    let stream = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Some((
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<")),
            (),
        ))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from_stream(stream))
        .expect("response")
}

/// 64 MiB of HTML in a gzip body of about 64 KiB.
fn gzip_bomb() -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(b"<html><body><p>").expect("gzip");
    let letters = vec![b'a'; 1024 * 1024];
    for _ in 0..64 {
        e.write_all(&letters).expect("gzip");
    }
    e.finish().expect("gzip")
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// The number in `/prefix/N…`.
fn number_after(path: &str, prefix: &str) -> u64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split(['?', '.', '/']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct Case {
    name: &'static str,
    addr: SocketAddr,
    flags: &'static [&'static str],
    /// Checks the crawl's stats (the crawl job's result).
    check: fn(&Value) -> Result<(), String>,
}

#[allow(
    clippy::too_many_lines,
    reason = "a table of hostile inputs, one entry per case"
)]
fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "2 GiB body",
            addr: serve(|p, _| match p {
                "/" => streamed_html(2 << 30),
                _ => not_found(),
            }),
            flags: &[],
            check: |s| expect(s["truncated"] == 1 && s["stored"] == 1, "cut and stored"),
        },
        Case {
            name: "gzip bomb (64 MiB in 64 KiB)",
            addr: {
                let bomb = Arc::new(gzip_bomb());
                serve(move |p, _| match p {
                    "/" => (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        bomb.as_ref().clone(),
                    )
                        .into_response(),
                    _ => not_found(),
                })
            },
            flags: &[],
            check: |s| expect(s["truncated"] == 1, "cut at the cap"),
        },
        Case {
            name: "slowloris body (1 byte/s)",
            addr: serve(|p, _| match p {
                "/" => html(r#"<p>home</p><a href="/slow">slow</a><a href="/ok">ok</a>"#),
                "/slow" => trickle(),
                "/ok" => html("<p>fine</p>"),
                _ => not_found(),
            }),
            flags: &[],
            check: |s| expect(s["errors"] == 1 && s["stored"] == 2, "timed out, rest stored"),
        },
        Case {
            name: "accepts, never answers",
            addr: serve_silence(b""),
            flags: &[],
            check: |s| expect(s["errors"] == 1, "timed out"),
        },
        Case {
            name: "headers, then never closes",
            addr: serve_silence(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<p>hel",
            ),
            flags: &[],
            check: |s| expect(s["errors"] == 1, "timed out"),
        },
        Case {
            name: "endless redirect chain",
            addr: serve(|p, _| match p {
                "/" => html(r#"<p>home</p><a href="/r/1">r</a>"#),
                p if p.starts_with("/r/") => redirect(format!("/r/{}", number_after(p, "/r/") + 1)),
                _ => not_found(),
            }),
            flags: &[],
            check: |s| expect(s["errors"] == 1 && s["stored"] == 1, "ended after 10 hops"),
        },
        Case {
            name: "100,000 links on one page",
            addr: serve(|p, _| match p {
                "/" => html(&(0..100_000).map(|i| format!("<a href=\"/p{i}.html\">{i}</a> ")).collect::<String>()),
                p => html(&format!("<p>the linked page {p}</p>")),
            }),
            flags: &["--max-pages", "200"],
            check: |s| expect(s["fetched"] == 200, "--max-pages holds"),
        },
        Case {
            name: "10,000-deep nesting",
            addr: serve(|p, _| match p {
                "/" => html(&format!("{}<p>deep</p>{}", "<div>".repeat(10_000), "</div>".repeat(10_000))),
                _ => not_found(),
            }),
            flags: &[],
            check: |s| expect(s["fetched"] == 1, "parsed"),
        },
        Case {
            name: "invalid UTF-8, lying charset",
            addr: serve(|p, _| match p {
                "/" => (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    b"<html><body><p>caf\xe9 \xff\xfe ok</p><a href=\"/b\">b</a></body></html>".to_vec(),
                )
                    .into_response(),
                "/b" => (
                    [(header::CONTENT_TYPE, "text/html; charset=klingon")],
                    b"<p>unknown label \x80</p>".to_vec(),
                )
                    .into_response(),
                _ => not_found(),
            }),
            flags: &[],
            check: |s| expect(s["stored"] == 2, "both stored"),
        },
        Case {
            name: "endless calendar (?month=N&view=…)",
            addr: serve(|p, _| {
                let n = p
                    .split("month=")
                    .nth(1)
                    .and_then(|m| m.split('&').next())
                    .and_then(|m| m.parse::<u64>().ok())
                    .unwrap_or(0);
                html(&format!(
                    "<p>month {n}</p><a href=\"/cal?month={}&amp;view=month\">next</a><a href=\"/cal?month={n}&amp;view=week\">week</a>",
                    n + 1
                ))
            }),
            flags: &["--max-depth", "100000", "--max-urls-per-pattern", "100"],
            check: |s| expect(s["traps"].as_u64() > Some(0) && s["queued"] == 0, "pattern budget"),
        },
        Case {
            name: "50 MiB garbage robots.txt",
            addr: {
                let garbage: Arc<Vec<u8>> = Arc::new(
                    (0..50 * 1024 * 1024u32)
                        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                        .collect(),
                );
                serve(move |p, _| match p {
                    "/robots.txt" => ([(header::CONTENT_TYPE, "text/plain")], garbage.as_ref().clone()).into_response(),
                    "/" => html(r#"<p>home</p><a href="/x">x</a>"#),
                    _ => html("<p>x</p>"),
                })
            },
            flags: &[],
            check: |s| expect(s["stored"] == 2, "no rules, crawled"),
        },
        Case {
            name: "sitemaps that reference each other",
            addr: serve(|p, host| match p {
                "/robots.txt" => format!("Sitemap: http://{host}/sm/0.xml\n").into_response(),
                p if p.starts_with("/sm/") => {
                    let n = number_after(p, "/sm/");
                    format!(
                        "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                         <sitemap><loc>http://{host}/sm/{}.xml</loc></sitemap><sitemap><loc>http://{host}/sm/0.xml</loc></sitemap>\
                         <sitemap><loc>http://{host}/sitemap.xml</loc></sitemap></sitemapindex>",
                        n + 1
                    )
                    .into_response()
                }
                "/sitemap.xml" => format!("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                    <url><loc>http://{host}/listed</loc></url></urlset>")
                    .into_response(),
                "/" => html("<p>the home page</p>"),
                "/listed" => html("<p>the page only the sitemap lists</p>"),
                _ => not_found(),
            }),
            flags: &[],
            check: |s| expect(s["stored"] == 2, "both pages, finite"),
        },
        Case {
            name: "one page under 200 session ids / tracking tags",
            addr: serve(|p, _| match p {
                "/" => html(
                    &(0..200)
                        .map(|i| format!("<a href=\"/a?PHPSESSID={i:032x}&amp;utm_source=x{i}&amp;fbclid={i}\">a</a>"))
                        .collect::<String>(),
                ),
                _ => html("<p>the one page</p>"),
            }),
            flags: &[],
            check: |s| expect(s["fetched"] == 2, "one fetch of /a"),
        },
    ];
    cases.sort_by_key(|c| c.name);
    cases
}

fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected: {what}"))
    }
}

/// Runs a command to its end, sampling its peak RSS (VmHWM) as it goes; kills it after `limit`.
/// Returns the exit success, stderr, peak RSS in MB and seconds.
fn run_measured(mut command: Command, limit: Duration) -> (bool, String, f64, f64) {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut peak_mb = 0f64;
    let status = loop {
        peak_mb = peak_mb.max(proc_mb(child.id(), "VmHWM"));
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    (
        status.success(),
        stderr,
        peak_mb,
        started.elapsed().as_secs_f64(),
    )
}

fn crawl_case(data: &Path, case: &Case) -> (Value, f64, f64) {
    let mut command = cited_command(data);
    command.args([
        "crawl",
        &format!("http://{}/", case.addr),
        "--delay-ms",
        "0",
        "--timeout-secs",
        "3",
    ]);
    command.args(case.flags);
    let (ok, stderr, rss, secs) = run_measured(command, Duration::from_secs(240));
    assert!(ok, "{}: crawl failed: {stderr}", case.name);
    let jobs: Vec<Value> = cited_json(data, &["jobs", "--json"]);
    let crawl = jobs
        .iter()
        .find(|j| j["kind"] == "crawl")
        .unwrap_or_else(|| panic!("{}: no crawl job in {jobs:?}", case.name));
    assert_eq!(crawl["state"], "done", "{}: {crawl}", case.name);
    let index = jobs.iter().find(|j| j["kind"] == "index");
    assert!(
        index.is_some_and(|j| j["state"] == "done"),
        "{}: index did not finish: {jobs:?}",
        case.name
    );
    (crawl["result"].clone(), rss, secs)
}

/// Every hostile case ends on its own, with the expected counted outcome, within the memory bound.
#[test]
fn hostile_sites_end_with_bounded_outcomes_and_memory() {
    let mut table = vec![
        "| case | outcome | peak RSS | time |".to_string(),
        "|---|---|---|---|".to_string(),
    ];
    let mut failures = Vec::new();
    for case in cases() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (stats, rss, secs) = crawl_case(dir.path(), &case);
        // The stats that are not zero, in the crawl summary's words.
        let outcome = stats
            .as_object()
            .expect("stats")
            .iter()
            .filter(|(k, v)| {
                !matches!(k.as_str(), "elapsed_ms" | "in_flight") && v.as_u64() > Some(0)
            })
            .map(|(k, v)| format!("{v} {}", k.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", ");
        table.push(format!(
            "| {} | {outcome} | {rss:.0} MB | {secs:.1} s |",
            case.name
        ));
        if let Err(e) = (case.check)(&stats) {
            failures.push(format!("{}: {e}; {stats}", case.name));
        }
        if rss > MAX_RSS_MB {
            failures.push(format!("{}: peak RSS {rss:.0} MB", case.name));
        }
    }
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}\n{}", table.join("\n"));
}
