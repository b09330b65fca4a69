//! Jobs made visible (`cited jobs`, `GET /api/jobs`) and the admin routes: off without a token,
//! 401 with a wrong one, and a crawl request that cannot reach private addresses unless allowed.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{cited_json, cited_ok, serve_dir, serve_router_at, Server};

fn site() -> (tempfile::TempDir, String) {
    let site = tempfile::tempdir().expect("site");
    std::fs::write(
        site.path().join("index.html"),
        "<html><head><title>Lighthouse</title></head><body><h1>Lighthouse</h1>\
         <p>The lighthouse lamp turns once every twelve seconds.</p><a href=keeper.html>Keeper</a></body></html>",
    )
    .expect("index");
    std::fs::write(
        site.path().join("keeper.html"),
        "<html><head><title>Keeper</title></head><body><h1>Keeper</h1>\
         <p>The keeper winds the clockwork at dusk.</p></body></html>",
    )
    .expect("keeper");
    let addr = serve_dir(site.path());
    (site, format!("http://{addr}"))
}

/// The site, crawled and indexed into a fresh data directory: (site dir, base URL, data dir).
fn crawled_site() -> (tempfile::TempDir, String, tempfile::TempDir) {
    let (site, base) = site();
    let data = tempfile::tempdir().expect("data");
    cited_ok(
        data.path(),
        &["crawl", &format!("{base}/index.html"), "--delay-ms", "0"],
    );
    (site, base, data)
}

fn job<'a>(jobs: &'a [Value], kind: &str) -> Option<&'a Value> {
    jobs.iter().find(|j| j["kind"] == kind)
}

/// `GET /api/jobs`, without the admin token.
async fn list_jobs(base: &str) -> Vec<Value> {
    reqwest::get(format!("{base}/api/jobs"))
        .await
        .expect("jobs")
        .json()
        .await
        .expect("json")
}

async fn wait_for_job(base: &str, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = list_jobs(base).await;
        if let Some(j) = job(&jobs, kind).filter(|j| j["state"] != "running") {
            return j.clone();
        }
        assert!(Instant::now() < deadline, "{kind} never finished: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session end to end, step by step in the order a person acts"
)]
async fn jobs_are_visible_and_admin_routes_need_the_token() {
    let (_site, base, data) = crawled_site();
    let data = data.path();
    let jobs: Vec<Value> = cited_json(data, &["jobs", "--json"]);
    for kind in ["crawl", "index"] {
        let j = job(&jobs, kind).unwrap_or_else(|| panic!("no {kind} job: {jobs:?}"));
        assert_eq!(j["state"], "done", "{j}");
    }
    assert_eq!(job(&jobs, "crawl").expect("crawl")["result"]["fetched"], 2);

    // Without a token the admin routes do not exist.
    let client = reqwest::Client::new();
    {
        let server = Server::start(data);
        let r = client
            .post(format!("{}/api/rebuild", server.base))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 404);
        let r = client
            .get(format!("{}/api/jobs", server.base))
            .send()
            .await
            .expect("jobs");
        assert_eq!(r.status(), 200);
    }
    let token = "s3cret-token-for-tests";
    let server = Server::start_with_env(data, &[], &[("CITED_ADMIN_TOKEN", token)]);
    let url = format!("{}/api/rebuild", server.base);
    for auth in [None, Some("Bearer wrong"), Some("s3cret-token-for-tests")] {
        let mut request = client.post(&url);
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        let r = request.send().await.expect("post");
        assert_eq!(r.status(), 401, "{auth:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    let r = client
        .post(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    let rebuild = wait_for_job(&server.base, "rebuild").await;
    assert_eq!(rebuild["state"], "done", "{rebuild}");
    assert_eq!(rebuild["result"]["to"], 1, "{rebuild}");
    // The server moves to the new generation by itself.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status: Value = reqwest::get(format!("{}/api/status", server.base))
            .await
            .expect("status")
            .json()
            .await
            .expect("json");
        if status["generation"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "still on {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A crawl request for a loopback site is refused: callers must not reach private addresses.
    let crawl = format!("{}/api/crawl", server.base);
    let r = client
        .post(&crawl)
        .bearer_auth(token)
        .json(&serde_json::json!({"urls": [format!("{base}/index.html")]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("--allow-private-crawl"),
        "{body}"
    );
    for bad in [
        serde_json::json!({"urls": ["file:///etc/passwd"]}),
        serde_json::json!({"urls": ["http://169.254.169.254/latest/meta-data/"]}),
        serde_json::json!({}),
    ] {
        let r = client
            .post(&crawl)
            .bearer_auth(token)
            .json(&bad)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 400, "{bad}");
    }
    // A body over the 64 KiB limit is 413, not 400 (twice the limit: small enough for the socket
    // buffers to take it whole before the server answers and closes).
    let r = client
        .post(&crawl)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(vec![b' '; 128 * 1024])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.expect("a JSON error");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn an_allowed_crawl_request_runs_and_its_pages_are_answered() {
    let (site, base, data) = crawled_site();
    let data = data.path();
    std::fs::write(
        site.path().join("fog.html"),
        "<html><head><title>Fog</title></head><body><h1>Fog</h1>\
         <p>In fog the foghorn sounds twice a minute.</p></body></html>",
    )
    .expect("fog");
    let token = "another-token";
    let server = Server::start_with_env(
        data,
        &["--allow-private-crawl"],
        &[("CITED_ADMIN_TOKEN", token)],
    );
    let asked = chrono::Utc::now();
    let r = reqwest::Client::new()
        .post(format!("{}/api/crawl", server.base))
        .bearer_auth(token)
        // A budget smaller than the store (2 pages already fetched) is this crawl's own.
        .json(&serde_json::json!({"urls": [format!("{base}/fog.html")], "max_pages": 1}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    // From the 202 on, the jobs list shows this crawl, not the one that filled the store.
    let jobs = list_jobs(&server.base).await;
    let listed = job(&jobs, "crawl").expect("a crawl job");
    let started: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(listed["started_at"].clone()).expect("started_at");
    assert!(
        started >= asked,
        "the crawl listed is an earlier one: {listed}"
    );
    let crawl = wait_for_job(&server.base, "crawl").await;
    assert_eq!(crawl["state"], "done", "{crawl}");
    assert_eq!(crawl["result"]["fetched"], 1, "{crawl}");
    let index = wait_for_job(&server.base, "index").await;
    assert_eq!(index["state"], "done", "{index}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer: Value = reqwest::get(format!(
            "{}/api/answer?q=How+often+does+the+foghorn+sound%3F",
            server.base
        ))
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
        if answer["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("twice a minute")
        {
            break;
        }
        assert!(Instant::now() < deadline, "{answer}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `serve --recrawl-every` revisits what is due on a schedule, recorded as a crawl job; right after a
/// crawl nothing is due, so it fetches nothing (`crawl --refresh-due` alike).
#[tokio::test]
async fn the_recrawl_schedule_runs_and_revisits_only_what_is_due() {
    let (_site, _base, data) = crawled_site();
    let data = data.path();
    let out = cited_ok(data, &["crawl", "--refresh-due", "--no-index"]);
    assert!(out.starts_with("crawled 0 pages"), "{out}");
    let first: Vec<Value> = cited_json(data, &["jobs", "--json"]);
    let first_started = job(&first, "crawl").expect("crawl")["started_at"].clone();
    let server = Server::start_with(data, &["--recrawl-every", "1s"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = list_jobs(&server.base).await;
        let crawl = job(&jobs, "crawl").expect("crawl").clone();
        if crawl["started_at"] != first_started && crawl["state"] == "done" {
            assert_eq!(crawl["result"]["fetched"], 0, "{crawl}");
            break;
        }
        assert!(Instant::now() < deadline, "no scheduled crawl: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `serve --allow-crawl-address 127.0.0.2`: a crawl asked for over HTTP reaches that one private
/// address and no other. The trusted site's redirect to `localhost`, its sitemap on 127.0.0.1 and a
/// second seed on 127.0.0.1 are all refused; the server on 127.0.0.1 sees no request.
#[tokio::test]
async fn one_allowed_private_address_is_crawled_and_no_other() {
    use axum::extract::Request;
    use axum::response::IntoResponse;
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = hits.clone();
    let secret = serve_router_at(
        "127.0.0.1",
        axum::Router::new().fallback(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { "secret" }
        }),
    );
    let trusted = serve_router_at(
        "127.0.0.2",
        axum::Router::new().fallback(move |req: Request| async move {
            match req.uri().path() {
                "/robots.txt" => format!("Sitemap: http://{secret}/sitemap.xml\n").into_response(),
                "/hop" => axum::response::Redirect::temporary(&format!(
                    "http://localhost:{}/",
                    secret.port()
                ))
                .into_response(),
                _ => axum::response::Html(
                    "<html><head><title>Buoy</title></head><body><h1>Buoy</h1>\
                     <p>The bell buoy rings with every wave.</p><a href=/hop>hop</a></body></html>",
                )
                .into_response(),
            }
        }),
    );
    let data = tempfile::tempdir().expect("data");
    let token = "allow-one";
    let server = Server::start_with_env(
        data.path(),
        &["--allow-crawl-address", "127.0.0.2"],
        &[("CITED_ADMIN_TOKEN", token)],
    );
    let client = reqwest::Client::new();
    let crawl = format!("{}/api/crawl", server.base);
    // A seed on 127.0.0.1 is refused up front.
    let r = client
        .post(&crawl)
        .bearer_auth(token)
        .json(&serde_json::json!({"urls": [format!("http://{trusted}/"), format!("http://{secret}/")]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let r = client
        .post(&crawl)
        .bearer_auth(token)
        .json(&serde_json::json!({"urls": [format!("http://{trusted}/"), format!("http://localhost:{}/", secret.port())]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400, "a name resolving to loopback");
    let r = client
        .post(&crawl)
        .bearer_auth(token)
        .json(&serde_json::json!({"urls": [format!("http://{trusted}/")]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    let job = wait_for_job(&server.base, "crawl").await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["result"]["stored"], 1, "{job}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "{job}");
}

/// Many job requests at once: exactly one starts, the others get 409 (the check and the start are
/// one step), and no second crawl runs on the same frontier.
#[tokio::test]
async fn concurrent_job_requests_start_exactly_one_job() {
    let (site, base, data) = crawled_site();
    let _site = site;
    let token = "race-token";
    let server = Server::start_with_env(
        data.path(),
        &["--allow-private-crawl"],
        &[("CITED_ADMIN_TOKEN", token)],
    );
    let client = reqwest::Client::new();
    for (path, body) in [
        ("/api/rebuild", None),
        (
            "/api/crawl",
            Some(serde_json::json!({"urls": [format!("{base}/index.html")], "refresh": true})),
        ),
    ] {
        let requests = (0..16).map(|_| {
            let mut request = client
                .post(format!("{}{path}", server.base))
                .bearer_auth(token);
            if let Some(b) = &body {
                request = request.json(b);
            }
            request.send()
        });
        let statuses: Vec<u16> = futures_util::future::join_all(requests)
            .await
            .into_iter()
            .map(|r| r.expect("post").status().as_u16())
            .collect();
        let started = statuses.iter().filter(|s| **s == 202).count();
        let refused = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((started, refused), (1, 15), "{path}: {statuses:?}");
        let kind = path.trim_start_matches("/api/");
        let job = wait_for_job(&server.base, kind).await;
        assert_eq!(job["state"], "done", "{job}");
    }
}

/// Without the admin token, status and jobs show what a reader needs: not where the data lives on
/// the server, not process ids, not raw error text. The operator, with the token, sees it all.
#[tokio::test]
async fn the_public_sees_no_paths_pids_or_error_text() {
    let (_site, _base, data) = crawled_site();
    // A failed job with an error that names a path.
    std::fs::write(
        data.path().join("jobs/rebuild.json"),
        serde_json::to_vec(&serde_json::json!({
            "kind": "rebuild", "state": "failed", "pid": 4242,
            "started_at": "2026-12-01T00:00:00Z", "finished_at": "2026-12-01T00:00:01Z",
            "stage": "failed", "done": 0, "total": 0, "result": null,
            "error": "cannot open /srv/secret/index: permission denied"
        }))
        .expect("json"),
    )
    .expect("write");
    let token = "operator-token";
    let server = Server::start_with_env(data.path(), &[], &[("CITED_ADMIN_TOKEN", token)]);
    let client = reqwest::Client::new();
    let get = |path: &str, auth: bool| {
        let mut request = client.get(format!("{}{path}", server.base));
        if auth {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let full_path = data.path().display().to_string();
    let public: Value = get("/api/status", false)
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    let name = data
        .path()
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name");
    assert_eq!(public["data_dir"], name, "{public}");
    let page = get("/status", false)
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        !page.contains(&full_path),
        "the status page shows {full_path}"
    );
    let jobs = get("/api/jobs", false)
        .await
        .expect("jobs")
        .text()
        .await
        .expect("text");
    assert!(!jobs.contains("\"pid\""), "{jobs}");
    assert!(!jobs.contains("/srv/secret"), "{jobs}");
    assert!(jobs.contains("failed"), "{jobs}");

    let operator: Value = get("/api/status", true)
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(operator["data_dir"], full_path.as_str());
    let jobs = get("/api/jobs", true)
        .await
        .expect("jobs")
        .text()
        .await
        .expect("text");
    assert!(
        jobs.contains("/srv/secret") && jobs.contains("4242"),
        "{jobs}"
    );
}
