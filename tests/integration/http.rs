//! `cited serve`: the JSON API over HTTP, as a separate process.

use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use cited::dto::{AnswerResponse, ErrorResponse, SearchResponse};

use crate::common::{cited_json, cited_ok, serve_router, Server};
use crate::python_docs::{assert_citations_hold, crawled};

/// The body of a page that must answer.
async fn get_text(url: &str) -> String {
    reqwest::get(url)
        .await
        .expect("page")
        .text()
        .await
        .expect("body")
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> (u16, T) {
    let resp = reqwest::get(url).await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: invalid JSON ({e}): {text}")),
    )
}

#[tokio::test]
async fn api_answer_and_search_match_the_cli() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let q = "What is the global interpreter lock?";
    let (status, http): (u16, AnswerResponse) =
        get_json(&format!("{}/api/answer?q={}", server.base, urlencode(q))).await;
    assert_eq!(status, 200);
    let cli: AnswerResponse = cited_json(data, &["ask", "--json", q]);
    assert_eq!(
        AnswerResponse { took_ms: 0, ..http },
        AnswerResponse { took_ms: 0, ..cli }
    );

    let (status, hits): (u16, SearchResponse) =
        get_json(&format!("{}/api/search?q=json+dumps&limit=5", server.base)).await;
    assert_eq!(status, 200);
    let cli: SearchResponse = cited_json(data, &["search", "--json", "--limit", "5", "json dumps"]);
    assert_eq!(hits, cli);
    // Each result links to its page scrolled to the sentence its snippet starts with.
    for hit in &hits.hits {
        let words: Vec<&str> = hit.snippet.split_whitespace().take(2).collect();
        let fragment = hit
            .link
            .strip_prefix(&format!("{}#:~:text=", hit.url))
            .unwrap_or_else(|| panic!("{hit:?}"));
        let start = percent_encoding::percent_decode_str(
            fragment.split([',', '-']).next().unwrap_or_default(),
        )
        .decode_utf8_lossy()
        .into_owned();
        assert!(start.starts_with(&words.join(" ")), "{hit:?}: {start}");
    }
    let page = get_text(&format!("{}/?q=json+dumps", server.base)).await;
    let first = &hits.hits[0].link;
    assert!(
        page.contains(&format!("<a href=\"{}\"", first.replace('&', "&amp;"))),
        "the results list links to the passage: {first}"
    );

    let (status, health): (u16, serde_json::Value) =
        get_json(&format!("{}/healthz", server.base)).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
}

#[tokio::test]
async fn bad_requests_get_json_errors_never_500() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let long = "a".repeat(5000);
    let cases = [
        ("/api/answer", 400),
        ("/api/answer?q=", 400),
        ("/api/answer?q=%20%20", 400),
        (&*format!("/api/answer?q={long}"), 400),
        ("/api/search?q=json&limit=abc", 400),
        ("/api/search?q=json&limit=0", 400),
        ("/api/search?q=json&limit=100000", 400),
        ("/api/answer?q=json&mode=dense", 400),
        ("/api/search?q=json&mode=bogus", 400),
        ("/no/such/route", 404),
    ];
    for (path, expected) in cases {
        let (status, body): (u16, ErrorResponse) =
            get_json(&format!("{}{path}", server.base)).await;
        assert_eq!(status, expected, "{path}: {}", body.error);
        assert!(!body.error.is_empty());
    }
    for q in [
        "%22unbalanced",
        "-json",
        "a%3Ab",
        "%28%28%28",
        "site%3A",
        "%3Cscript%3E",
    ] {
        let (status, answer): (u16, AnswerResponse) =
            get_json(&format!("{}/api/answer?q={q}", server.base)).await;
        assert_eq!(status, 200, "q={q}");
        assert_citations_hold(data, &answer);
    }
}

#[tokio::test]
async fn search_page_shows_the_answer_and_escapes_everything() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let get = |q: &'static str| {
        let base = server.base.clone();
        async move { get_text(&format!("{base}/?q={q}")).await }
    };
    // Without JavaScript (static=1) the answer is rendered on the server.
    let page = get("What+is+the+global+interpreter+lock%3F&static=1").await;
    assert!(page.contains("only one thread executes Python bytecode at a time"));
    assert!(
        page.contains("glossary.html#:~:text="),
        "the answer links its source"
    );
    // By default the results come at once and the answer streams in through the page's own script.
    let page = get("What+is+the+global+interpreter+lock%3F").await;
    assert!(
        page.contains("/api/answer/stream?q="),
        "the page streams its answer"
    );
    assert!(page.contains("class=hit"), "results at once");
    assert!(page.contains("<mark>"), "query terms highlighted");
    assert!(!page.contains("src=\"http"), "no asset from elsewhere");
    for suffix in ["", "&static=1"] {
        let page = get(if suffix.is_empty() {
            "%3Cscript%3Ealert(1)%3C/script%3E%22%3E%3Cimg+src%3Dx%3E"
        } else {
            "%3Cscript%3Ealert(1)%3C/script%3E%22%3E%3Cimg+src%3Dx%3E&static=1"
        })
        .await;
        assert!(
            !page.contains("<script>alert(1)") && !page.contains("<img src=x>"),
            "query echoed unescaped{suffix}"
        );
        assert!(page.contains("&lt;script&gt;"));
    }
}

/// A server started on an empty data directory answers throughout a crawl run by another process
/// and answers from the new index once it is written, with no restart.
#[tokio::test]
async fn serve_sees_a_new_index_without_restart() {
    let site = serve_router(
        Router::new()
            .route("/", get(|| async { Html(r#"<main><h1>Ferrets</h1><p>Ferrets sleep about fourteen hours a day in dark burrows.</p><a href="/food">food</a></main>"#) }))
            .route("/food", get(|| async { Html("<main><h1>Food</h1><p>Ferrets are obligate carnivores and eat meat only.</p></main>") })),
    );
    let data = tempfile::tempdir().expect("tempdir");
    let server = Server::start(data.path());
    let url = format!("{}/api/answer?q=How+long+do+ferrets+sleep", server.base);
    let (status, before): (u16, AnswerResponse) = get_json(&url).await;
    assert_eq!(status, 200);
    assert!(before.sentences.is_empty());

    let seed = format!("http://{site}/");
    let crawl = tokio::task::spawn_blocking({
        let data = data.path().to_path_buf();
        move || cited_ok(&data, &["crawl", &seed, "--delay-ms", "0"])
    });
    // Keep asking while the crawl and index run: every answer is a 200.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = None;
    while Instant::now() < deadline {
        let (status, answer): (u16, AnswerResponse) = get_json(&url).await;
        assert_eq!(status, 200);
        if !answer.sentences.is_empty() {
            answered = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    crawl.await.expect("crawl task");
    let answer = answered.expect("the server never saw the new index");
    assert_eq!(
        answer.sentences[0].text,
        "Ferrets sleep about fourteen hours a day in dark burrows."
    );
    assert_eq!(answer.sources[0].url, format!("http://{site}/"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Parses a Server-Sent Events body into (event, data) pairs.
pub fn sse_events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event:") {
                    event = Some(e.trim().to_string());
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push(d.trim_start().to_string());
                }
            }
            event.map(|e| (e, data.join("\n")))
        })
        .collect()
}

#[tokio::test]
async fn streamed_answer_is_the_answer_in_events() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let q = "What does the pass statement do?";
    let resp = reqwest::get(format!(
        "{}/api/answer/stream?q={}",
        server.base,
        urlencode(q)
    ))
    .await
    .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream")));
    let events = sse_events(&resp.text().await.expect("body"));
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names.first(), Some(&"sources"), "{names:?}");
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    assert!(names[1..names.len() - 1].iter().all(|n| *n == "sentence"));

    // The same answer as the JSON endpoint, piece by piece.
    let (_, whole): (u16, AnswerResponse) =
        get_json(&format!("{}/api/answer?q={}", server.base, urlencode(q))).await;
    let sources: Vec<cited::dto::SourceDto> =
        serde_json::from_str(&events[0].1).expect("sources JSON");
    assert_eq!(sources, whole.sources);
    let sentences: Vec<cited::dto::SentenceDto> = events[1..events.len() - 1]
        .iter()
        .map(|(_, d)| serde_json::from_str(d).expect("sentence JSON"))
        .collect();
    assert_eq!(sentences, whole.sentences);
    assert!(!sentences.is_empty());
    let done: serde_json::Value =
        serde_json::from_str(&events.last().expect("done").1).expect("done");
    assert!(done["total_ms"].as_u64().is_some() && done["retrieve_ms"].as_u64().is_some());

    // A bad request is a JSON 400, not a stream.
    let (status, err): (u16, ErrorResponse) =
        get_json(&format!("{}/api/answer/stream?q=", server.base)).await;
    assert_eq!(status, 400);
    assert!(err.error.contains("empty"), "{}", err.error);
}

#[tokio::test]
async fn metrics_count_requests_and_report_the_index() {
    let (data, _) = crawled();
    let server = Server::start(data);
    for q in ["What is the global interpreter lock?", "json dumps"] {
        let resp = reqwest::get(format!("{}/api/answer?q={}", server.base, urlencode(q)))
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 200);
    }
    let resp = reqwest::get(format!("{}/api/answer?q=", server.base))
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 400);
    let text = reqwest::get(format!("{}/metrics", server.base))
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    for expected in [
        r#"cited_http_requests_total{route="/api/answer",status="200"} 2"#,
        r#"cited_http_requests_total{route="/api/answer",status="400"} 1"#,
        r#"cited_http_request_duration_seconds_bucket{route="/api/answer",le="0.005"}"#,
        r#"cited_http_request_duration_seconds_count{route="/api/answer"} 3"#,
        r#"cited_answers_total{found="true"}"#,
        "cited_index_chunks ",
        "cited_pages_stored ",
        r#"cited_frontier_urls{state="done"}"#,
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[tokio::test]
async fn cors_is_off_unless_an_origin_is_allowed() {
    let (data, _) = crawled();
    let ask = |base: String| async move {
        reqwest::Client::new()
            .get(format!("{base}/api/search?q=json"))
            .header("origin", "http://app.example")
            .send()
            .await
            .expect("request")
    };
    let closed = Server::start(data);
    let resp = ask(closed.base.clone()).await;
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let open = Server::start_with(data, &["--cors-origin", "http://app.example"]);
    let resp = ask(open.base.clone()).await;
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://app.example")
    );
    // A web app may call the OpenAI endpoint: the preflight for a JSON POST with a key passes.
    let preflight = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/chat/completions", open.base),
        )
        .header("origin", "http://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .expect("preflight");
    let allowed = |name: &str| {
        preflight
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    assert!(allowed("access-control-allow-methods").contains("post"));
    assert!(allowed("access-control-allow-headers").contains("authorization"));
}

#[tokio::test]
async fn api_keys_guard_the_api_and_are_counted_by_number() {
    let (data, _) = crawled();
    let server = Server::start_with_env(
        data,
        &[],
        &[
            ("CITED_API_KEYS", "key-one, key-two"),
            ("CITED_ADMIN_TOKEN", "admin-t"),
        ],
    );
    let client = reqwest::Client::new();
    let get = |path: &str, header: Option<(&str, &str)>| {
        let mut request = client.get(format!("{}{path}", server.base));
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        request.send()
    };
    for path in ["/api/search?q=json", "/v1/models", "/api/jobs", "/mcp"] {
        let r = get(path, None).await.expect("request");
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let r = get(path, Some(("authorization", "Bearer key-three")))
            .await
            .expect("request");
        assert_eq!(r.status(), 401, "{path}: a wrong key");
    }
    let r = get(
        "/api/search?q=json",
        Some(("authorization", "Bearer key-two")),
    )
    .await
    .expect("request");
    assert_eq!(r.status(), 200);
    let r = get("/v1/models", Some(("x-api-key", "key-one")))
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let r = get("/api/jobs", Some(("authorization", "Bearer admin-t")))
        .await
        .expect("request");
    assert_eq!(r.status(), 200, "the admin token is a key too");
    // The page and the probes stay open; the page renders its answer itself (no key in it).
    assert_eq!(get("/healthz", None).await.expect("health").status(), 200);
    let page = get("/?q=What+is+JSON%3F", None).await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("<section class=answer aria-label=Answer><h2>Answer</h2>"),
        "the answer is rendered in the page, not streamed"
    );
    let metrics = get("/metrics", None)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("cited_api_key_requests_total{key=\"2\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("key-two"), "keys never appear in metrics");
}

#[tokio::test]
async fn date_and_site_filters_narrow_search_and_answers() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let search = |q: &'static str| {
        let base = server.base.clone();
        async move {
            let r: SearchResponse = reqwest::Client::new()
                .get(format!("{base}/api/search"))
                .query(&[("q", q), ("mode", "lexical")])
                .send()
                .await
                .expect("search")
                .json()
                .await
                .expect("json");
            r.hits.len()
        }
    };
    // Every page was fetched today.
    assert!(search("json after:2020-01-01").await > 0);
    assert_eq!(search("json before:2020-01-01").await, 0);
    assert_eq!(search("json after:2999-01-01").await, 0);
    // All pages are on 127.0.0.1.
    assert_eq!(search("json -site:127.0.0.1").await, 0);
    assert!(search("json -site:example.org").await > 0);
    let answer: AnswerResponse = reqwest::Client::new()
        .get(format!("{}/api/answer", server.base))
        .query(&[
            ("q", "What is JSON? before:2020-01-01"),
            ("mode", "lexical"),
        ])
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert!(
        answer.sentences.is_empty(),
        "nothing was fetched before 2020"
    );
}

/// A browser can add the search page as a search engine: the page names its OpenSearch description,
/// whose template asks the page on the host the browser used; a `Host` that is no host name gets a
/// 400, not a document that would carry it.
#[tokio::test]
async fn browsers_can_add_the_search_page_as_a_search_engine() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let page = get_text(&format!("{}/", server.base)).await;
    assert!(
        page.contains("<link rel=search type=application/opensearchdescription+xml title=cited href=/opensearch.xml>"),
        "{page}"
    );
    let client = reqwest::Client::new();
    let description = |proto: Option<&'static str>, host: Option<&'static str>| {
        let mut req = client.get(format!("{}/opensearch.xml", server.base));
        if let Some(p) = proto {
            req = req.header("x-forwarded-proto", p);
        }
        if let Some(h) = host {
            req = req.header(reqwest::header::HOST, h);
        }
        async move {
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            let kind = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            (status, kind, resp.text().await.expect("body"))
        }
    };
    let (status, kind, xml) = description(None, None).await;
    assert_eq!(status, 200);
    assert!(
        kind.starts_with("application/opensearchdescription+xml"),
        "{kind}"
    );
    let template = format!("template=\"{}/?q={{searchTerms}}\"", server.base);
    assert!(xml.contains(&template), "{xml}");
    assert!(xml.contains("<ShortName>cited</ShortName>"), "{xml}");
    let (_, _, xml) = description(Some("https"), None).await;
    let https = server.base.replacen("http://", "https://", 1);
    assert!(xml.contains(&format!("template=\"{https}/?q=")), "{xml}");
    let (status, _, body) = description(None, Some("evil\"><x")).await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("evil"));
    // The template's address answers.
    let q = template
        .trim_start_matches("template=\"")
        .trim_end_matches('"')
        .replace("{searchTerms}", "global+interpreter+lock");
    let page = get_text(&q).await;
    assert!(page.contains("class=hit"), "results");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (data, _) = crawled();
    let server = Server::start(data);
    for path in ["/", "/?q=json", "/api/search?q=json", "/status", "/nowhere"] {
        let resp = reqwest::get(format!("{}{path}", server.base))
            .await
            .expect("request");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = header("content-security-policy");
        // The page's one inline script by hash, nothing else runs; never framed.
        assert!(csp.contains("script-src 'sha256-"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
    }
}

/// Validates `instance` against `#/components/schemas/NAME` of the served OpenAPI document.
fn assert_matches_schema(doc: &serde_json::Value, name: &str, instance: &serde_json::Value) {
    let schema = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{instance}");
}

#[tokio::test]
async fn openapi_document_describes_real_responses() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let (status, doc): (u16, serde_json::Value) =
        get_json(&format!("{}/api/openapi.json", server.base)).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/answer",
        "/api/answer/stream",
        "/api/search",
        "/api/status",
        "/healthz",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    let cases = [
        (
            "/api/answer?q=What+does+the+pass+statement+do%3F",
            "AnswerResponse",
        ),
        ("/api/answer?q=zzqxv+wobble+frobnicate", "AnswerResponse"),
        ("/api/search?q=json+dumps&limit=3", "SearchResponse"),
        ("/api/answer?q=", "ErrorResponse"),
        ("/api/search?q=json&limit=0", "ErrorResponse"),
        ("/api/status", "Status"),
    ];
    for (path, schema) in cases {
        let (_, body): (u16, serde_json::Value) = get_json(&format!("{}{path}", server.base)).await;
        assert_matches_schema(&doc, schema, &body);
    }
    // The status says what is served: the crawled pages and their chunks, and the page shows them.
    let (_, status): (u16, serde_json::Value) =
        get_json(&format!("{}/api/status", server.base)).await;
    assert!(
        status["pages"].as_u64().is_some_and(|p| p > 500),
        "{status}"
    );
    assert!(
        status["chunks"].as_u64().is_some_and(|c| c > 10_000),
        "{status}"
    );
    assert!(status["last_index"].is_string(), "{status}");
    let page = reqwest::get(format!("{}/status", server.base))
        .await
        .expect("status page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Pages in the store</th><td>5"), "{page}");
    // And the schema is not vacuous: a wrong shape fails it.
    let validator = jsonschema::validator_for(&serde_json::json!({
        "$ref": "#/components/schemas/AnswerResponse",
        "components": doc["components"],
    }))
    .expect("schema compiles");
    assert!(!validator.is_valid(&serde_json::json!({"answer": 3})));
}
