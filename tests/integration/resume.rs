//! `cited crawl` killed with SIGKILL and run again resumes, losing and duplicating nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::common::{cited_json, cited_ok, kill_moments, kills, run_and_kill, serve_router};

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

/// Asserts that the crawl in `data` ended with every page stored exactly once and nothing queued.
fn assert_complete(data: &std::path::Path) {
    let stats: Stats = cited_json(data, &["stats", "--json"]);
    assert_eq!(
        stats.pages,
        u64::from(PAGES),
        "every page stored exactly once"
    );
    assert_eq!(stats.frontier_queued, 0);
    assert_eq!(stats.frontier_done, u64::from(PAGES));
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
        run_and_kill(
            data.path(),
            &[
                "crawl",
                &seed,
                "--delay-ms",
                "0",
                "--per-host",
                "2",
                "--no-index",
            ],
            wait_ms,
        );
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
    assert_complete(data.path());
    let hits = hits.lock().expect("lock");
    assert_eq!(hits.len() as u32, PAGES, "every page fetched");
    // A page is fetched again only if a kill landed between its fetch and its frontier update:
    // at most the requests in flight (2) per kill.
    let refetched: u32 = hits.values().map(|n| n - 1).sum();
    assert!(refetched <= 3 * 2, "{refetched} pages fetched twice");
}

/// Kills `cited crawl` (which indexes when it has fetched) with SIGKILL at pseudo-random moments,
/// `CITED_KILLS` times (8 by default; the long run in README uses 50), checking after every kill that
/// the store and the index open; then lets it finish and compares with a crawl that was never killed:
/// the same pages, stored once each, and the same search results.
#[test]
fn crawl_and_index_survive_repeated_kills() {
    let kills = kills();
    let hits: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
    let addr = serve_router(
        Router::new()
            .route("/p/{n}", get(page))
            .with_state(hits.clone()),
    );
    let seed = format!("http://{addr}/p/0");
    // The seed is given every time: a known URL is not queued again, so a run after the crawl
    // ended goes straight to indexing, where later kills land.
    let crawl = [
        "crawl",
        seed.as_str(),
        "--delay-ms",
        "0",
        "--per-host",
        "2",
        "--concurrency",
        "2",
    ];
    let killed = tempfile::tempdir().expect("tempdir");
    let mut moments = kill_moments(100, 700);
    let mut first = true;
    for _ in 0..kills {
        let wait_ms = moments();
        run_and_kill(killed.path(), &crawl, wait_ms);
        // Whatever the moment, the store, the frontier and the index open.
        let partial: Stats = cited_json(killed.path(), &["stats", "--json"]);
        if first {
            assert!(
                partial.pages < u64::from(PAGES),
                "the first kill came too late to test anything"
            );
            first = false;
        }
    }
    cited_ok(killed.path(), &crawl);
    let clean = tempfile::tempdir().expect("tempdir");
    cited_ok(clean.path(), &crawl);

    assert_complete(killed.path());
    assert_complete(clean.path());
    // The same best page, and the same answer, as a crawl that was never killed.
    for n in [3, 17, 250] {
        let query = format!("page number {n}");
        let top = |data: &std::path::Path| -> String {
            let out: serde_json::Value =
                cited_json(data, &["search", &query, "--json", "--mode", "lexical"]);
            out["hits"][0]["url"].as_str().expect("a hit").to_string()
        };
        let (after_kills, never_killed) = (top(killed.path()), top(clean.path()));
        assert!(never_killed.ends_with(&format!("/p/{n}")), "{never_killed}");
        assert_eq!(after_kills, never_killed);
        let answer = |data: &std::path::Path| -> serde_json::Value {
            let out: serde_json::Value =
                cited_json(data, &["ask", &format!("What is page {n}?"), "--json"]);
            out["sentences"].clone()
        };
        assert_eq!(answer(killed.path()), answer(clean.path()));
    }
}
