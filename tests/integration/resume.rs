//! `cited crawl` killed with SIGKILL and run again resumes, losing and duplicating nothing.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::common::{cited_command, cited_json, cited_ok, serve_router};

const PAGES: u32 = 300;

#[derive(serde::Deserialize)]
struct Stats {
    pages: u64,
    frontier_queued: u64,
    frontier_done: u64,
}

async fn page(
    State(hits): State<Arc<Mutex<HashMap<u32, u32>>>>,
    Path(n): Path<u32>,
) -> Html<String> {
    *hits.lock().expect("lock").entry(n).or_default() += 1;
    tokio::time::sleep(Duration::from_millis(30)).await;
    let links: String = [n * 2 + 1, n * 2 + 2]
        .iter()
        .filter(|k| **k < PAGES)
        .map(|k| format!(r#"<a href="/p/{k}">page {k}</a> "#))
        .collect();
    Html(format!("<main><h1>Page {n}</h1><p>This is page number {n} of the resume test site.</p>{links}</main>"))
}

#[test]
fn killed_crawl_resumes_without_loss_or_duplicates() {
    let hits: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
    let addr = serve_router(
        Router::new()
            .route("/p/{n}", get(page))
            .with_state(hits.clone()),
    );
    let data = tempfile::tempdir().expect("tempdir");
    let seed = format!("http://{addr}/p/0");

    // Kill the crawl three times at different moments, then let it finish.
    for wait_ms in [600, 400, 700] {
        let mut child = cited_command(data.path())
            .args([
                "crawl",
                &seed,
                "--delay-ms",
                "0",
                "--per-host",
                "2",
                "--no-index",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start crawl");
        std::thread::sleep(Duration::from_millis(wait_ms));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }
    let partial: Stats = cited_json(data.path(), &["stats", "--json"]);
    assert!(
        partial.pages < u64::from(PAGES),
        "the kills came too late to test anything"
    );

    cited_ok(
        data.path(),
        &["crawl", "--delay-ms", "0", "--per-host", "2"],
    );
    let stats: Stats = cited_json(data.path(), &["stats", "--json"]);
    assert_eq!(
        stats.pages,
        u64::from(PAGES),
        "every page stored exactly once"
    );
    assert_eq!(stats.frontier_queued, 0);
    assert_eq!(stats.frontier_done, u64::from(PAGES));
    let hits = hits.lock().expect("lock");
    assert_eq!(hits.len() as u32, PAGES, "every page fetched");
    // A page is fetched again only if a kill landed between its fetch and its frontier update:
    // at most the requests in flight (2) per kill.
    let refetched: u32 = hits.values().map(|n| n - 1).sum();
    assert!(refetched <= 3 * 2, "{refetched} pages fetched twice");
}
