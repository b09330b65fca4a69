//! Recrawl: a loopback site whose pages change between crawls (one edited, one deleted, one moved
//! by a redirect, one unchanged with an ETag, one unchanged without validators), then
//! `cited crawl --refresh`, and what the answers say afterwards.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cited::dto::{AnswerResponse, SearchResponse};

use crate::common::{cited_json, cited_ok, serve_router};

#[derive(Default)]
struct Site {
    /// path → (body, send an ETag)
    pages: HashMap<String, (String, bool)>,
    /// path → where it redirects
    moved: HashMap<String, String>,
    /// path → (requests, 304 answers)
    hits: HashMap<String, (u32, u32)>,
}

type Shared = Arc<Mutex<Site>>;

fn html(title: &str, body: &str) -> String {
    format!("<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>")
}

async fn page(
    State(site): State<Shared>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut site = site.lock().expect("site");
    let hit = site.hits.entry(path.clone()).or_default();
    hit.0 += 1;
    if let Some(to) = site.moved.get(&path) {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [("location", format!("/{to}"))],
        )
            .into_response();
    }
    let Some((body, with_etag)) = site.pages.get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !with_etag {
        return ([("content-type", "text/html")], body).into_response();
    }
    let etag = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        format!("\"{:x}\"", h.finish())
    };
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        site.hits.entry(path).or_default().1 += 1;
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    (
        [("content-type", "text/html".to_string()), ("etag", etag)],
        body,
    )
        .into_response()
}

fn ask(data: &std::path::Path, question: &str) -> AnswerResponse {
    cited_json(data, &["ask", question, "--json"])
}

fn search(data: &std::path::Path, query: &str) -> SearchResponse {
    cited_json(data, &["search", query, "--json"])
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session end to end, step by step in the order a person acts"
)]
fn a_refresh_picks_up_edits_deletions_and_moves_and_skips_the_unchanged() {
    let site: Shared = Arc::default();
    {
        let mut s = site.lock().expect("site");
        let mut add = |path: &str, body: String, etag: bool| {
            s.pages.insert(path.to_string(), (body, etag));
        };
        add(
            "index.html",
            html(
                "Station manual",
                "<p><a href=/stable.html>Stable</a> <a href=/codes.html>Codes</a> \
                 <a href=/retired.html>Retired</a> <a href=/old.html>Old</a> <a href=/plain.html>Plain</a></p>",
            ),
            true,
        );
        add(
            "stable.html",
            html("Airlock", "<p>The airlock cycles in ninety seconds.</p>"),
            true,
        );
        add(
            "codes.html",
            html(
                "Launch codes",
                "<p>The launch code for the shuttle is 1234.</p>",
            ),
            true,
        );
        add(
            "retired.html",
            html(
                "Hydroponics",
                "<p>The hydroponics bay grows zucchini under violet lamps.</p>",
            ),
            true,
        );
        add(
            "old.html",
            html(
                "Observatory",
                "<p>The observatory telescope points at Vega every night.</p>",
            ),
            true,
        );
        add(
            "plain.html",
            html("Galley", "<p>The galley serves porridge at dawn.</p>"),
            false,
        );
    }
    let router = Router::new()
        .route("/{*path}", get(page))
        .with_state(site.clone());
    let base = format!("http://{}", serve_router(router));
    let data = tempfile::tempdir().expect("data");
    let data = data.path();
    cited_ok(
        data,
        &["crawl", &format!("{base}/index.html"), "--delay-ms", "0"],
    );
    let before = ask(data, "What is the launch code for the shuttle?");
    assert!(before.answer.contains("1234"), "{}", before.answer);
    let stable_before = ask(data, "In how many seconds does the airlock cycle?");
    assert!(!search(data, "zucchini hydroponics").hits.is_empty());

    // The site changes: an edit, a deletion, a move; two pages stay as they were.
    {
        let mut s = site.lock().expect("site");
        s.pages.insert(
            "codes.html".into(),
            (
                html(
                    "Launch codes",
                    "<p>The launch code for the shuttle is 5678.</p>",
                ),
                true,
            ),
        );
        s.pages.remove("retired.html");
        let observatory = s.pages.remove("old.html").expect("old");
        s.pages.insert("new.html".into(), observatory);
        s.moved.insert("old.html".into(), "new.html".into());
        s.hits.clear();
    }
    let out = cited_ok(data, &["crawl", "--refresh", "--delay-ms", "0"]);
    assert!(out.contains("not modified (304)"), "{out}");

    // Unchanged pages with an ETag cost a 304 and nothing more.
    {
        let s = site.lock().expect("site");
        assert_eq!(s.hits.get("stable.html"), Some(&(1, 1)), "{:?}", s.hits);
        assert_eq!(s.hits.get("index.html"), Some(&(1, 1)), "{:?}", s.hits);
    }
    // The edit is in the answer, the old fact is not.
    let after = ask(data, "What is the launch code for the shuttle?");
    assert!(after.answer.contains("5678"), "{}", after.answer);
    assert!(!after.answer.contains("1234"), "{}", after.answer);
    let codes = &after.sources[0];
    assert!(
        codes.changed_at >= before.sources[0].fetched_at,
        "{codes:?}"
    );
    // The deleted page is gone from search and answers.
    assert!(
        search(data, "zucchini hydroponics").hits.is_empty(),
        "deleted page still found"
    );
    let gone = ask(data, "What does the hydroponics bay grow?");
    assert!(
        gone.sources
            .iter()
            .all(|s| !s.url.ends_with("/retired.html")),
        "{gone:?}"
    );
    // The moved page is found under its new URL only.
    let moved = search(data, "observatory telescope Vega");
    let urls: Vec<&str> = moved.hits.iter().map(|h| h.url.as_str()).collect();
    assert!(urls.iter().any(|u| u.ends_with("/new.html")), "{urls:?}");
    assert!(!urls.iter().any(|u| u.ends_with("/old.html")), "{urls:?}");
    // The unchanged page was checked again but did not change.
    let stable = ask(data, "In how many seconds does the airlock cycle?");
    let (was, now) = (&stable_before.sources[0], &stable.sources[0]);
    assert_eq!(now.changed_at, was.changed_at, "content did not change");
    assert!(now.fetched_at >= was.fetched_at, "the revisit is recorded");
}
