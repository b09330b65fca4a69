//! Jobs over HTTP: `GET /api/jobs` for everyone; `POST /api/rebuild` and `POST /api/crawl` for the
//! operator, with `Authorization: Bearer $CITED_ADMIN_TOKEN` (without a token configured those two
//! routes do not exist). URLs submitted for crawling must not make cited fetch loopback,
//! link-local or private addresses unless the operator allows it (`--allow-private-crawl`).

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use url::Url;

use super::error::ApiError;
use super::AppState;
use crate::jobs::{self, JobRecord};

/// Most URLs one crawl request may seed.
const MAX_SEEDS: usize = 100;

/// `POST /api/crawl` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CrawlRequest {
    /// Seed URLs (http or https). Empty with `refresh`: revisit what is known.
    #[serde(default)]
    pub urls: Vec<String>,
    /// Revisit every known page (conditional GET) before following new links.
    #[serde(default)]
    pub refresh: bool,
    /// Pages to fetch at most (default 1000).
    pub max_pages: Option<u64>,
}

/// The answer to a job request: it was started and can be followed at `/api/jobs`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobStarted {
    pub job: String,
    pub state: String,
}

/// `GET /api/jobs`: each kind of job's current or last run (process ids and error text only with
/// the admin token).
#[utoipa::path(get, path = "/api/jobs", responses((status = 200, description = "The last record of each kind of job", body = [JobRecord])))]
pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Json<Vec<JobRecord>> {
    let records = state.data.as_ref().map(jobs::list).unwrap_or_default();
    if is_admin(&state, &headers) {
        Json(records)
    } else {
        Json(records.into_iter().map(JobRecord::for_the_public).collect())
    }
}

/// Whether the request carries the admin token (and the server has one).
pub(super) fn is_admin(state: &AppState, headers: &HeaderMap) -> bool {
    authorize(state, headers).is_ok()
}

/// Compares two secrets in time that depends on their lengths only.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Middleware: with API keys configured, `/api/*`, `/v1/*` and `/mcp` need one (`Authorization: Bearer KEY`
/// or `X-API-Key: KEY`; the admin token counts as one), else 401. Each key's requests are counted in
/// `/metrics` by the key's number (`key="1"`, …; the admin token as `key="admin"`), never by the key.
pub(super) async fn require_api_key(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let keys = &state.admin.api_keys;
    let path = request.uri().path();
    let guarded = path.starts_with("/api/")
        || path.starts_with("/v1/")
        || path == "/mcp"
        || path.starts_with("/mcp/");
    if keys.is_empty() || !guarded {
        return next.run(request).await;
    }
    let headers = request.headers();
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .unwrap_or_default();
    // Every key is compared, so the time taken does not say which one matched.
    let mut matched = None;
    for (i, key) in keys.iter().enumerate() {
        if same_secret(given, key) && matched.is_none() {
            matched = Some((i + 1).to_string());
        }
    }
    if let Some(token) = state.admin.token.as_deref() {
        if same_secret(given, token) && matched.is_none() {
            matched = Some("admin".to_string());
        }
    }
    match matched {
        Some(key) => {
            metrics::counter!("cited_api_key_requests_total", "key" => key).increment(1);
            next.run(request).await
        }
        None => {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                Json(crate::dto::ErrorResponse {
                    error: "an API key is needed: `Authorization: Bearer KEY` or `X-API-Key: KEY`"
                        .into(),
                }),
            )
                .into_response();
            response.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

/// Checks the bearer token in constant time.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.admin.token.as_deref() else {
        return Err(ApiError::not_found());
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if same_secret(given, expected) {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

fn started(kind: &str) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(JobStarted {
            job: kind.into(),
            state: "running".into(),
        }),
    )
        .into_response()
}

/// `POST /api/rebuild`: starts a rebuild (see `cited rebuild`); 409 if one is running.
#[utoipa::path(post, path = "/api/rebuild", security(("bearer" = [])), responses(
    (status = 202, description = "Started; follow it at /api/jobs", body = JobStarted),
    (status = 401, description = "Missing or wrong token", body = crate::dto::ErrorResponse),
    (status = 409, description = "A rebuild or index is running", body = crate::dto::ErrorResponse)
))]
pub(super) async fn rebuild(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&state, &headers) {
        return e.into_response();
    }
    let Some(data) = state.data.clone() else {
        return ApiError::not_found().into_response();
    };
    let Ok(admitted) = jobs::admit(&data, "rebuild", &["rebuild", "index"]) else {
        return ApiError::conflict("a rebuild or index is already running").into_response();
    };
    let settings = state.admin.settings.clone();
    // Recorded before the 202: a client that follows /api/jobs sees this job, not the last one.
    let job = jobs::Job::start(&data, "rebuild");
    tokio::task::spawn_blocking(move || {
        let _admitted = admitted;
        let _ = jobs::run_started(job, |progress| {
            crate::index::generation::rebuild(&data, &settings, &|stage, done, total| {
                progress(stage.label(), done, total)
            })
        });
    });
    started("rebuild")
}

/// `POST /api/crawl`: crawls the given URLs (politely, with the default settings) and indexes what
/// it fetched; 409 if a crawl is running.
#[utoipa::path(post, path = "/api/crawl", security(("bearer" = [])), request_body = CrawlRequest, responses(
    (status = 202, description = "Started; follow it at /api/jobs", body = JobStarted),
    (status = 400, description = "A bad or forbidden URL", body = crate::dto::ErrorResponse),
    (status = 413, description = "The body is larger than 64 KiB", body = crate::dto::ErrorResponse),
    (status = 401, description = "Missing or wrong token", body = crate::dto::ErrorResponse),
    (status = 409, description = "A crawl is running", body = crate::dto::ErrorResponse)
))]
pub(super) async fn crawl(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CrawlRequest>, JsonRejection>,
) -> Response {
    if let Err(e) = authorize(&state, &headers) {
        return e.into_response();
    }
    let Some(data) = state.data.clone() else {
        return ApiError::not_found().into_response();
    };
    let request = match body {
        Ok(Json(r)) => r,
        Err(e) => return ApiError::bad_body(&e).into_response(),
    };
    if request.urls.is_empty() && !request.refresh {
        return ApiError::bad_request("give `urls`, or `refresh: true`").into_response();
    }
    if request.urls.len() > MAX_SEEDS {
        return ApiError::bad_request(format!("at most {MAX_SEEDS} URLs")).into_response();
    }
    let seeds = match crate::ingest::parse_seeds(&request.urls) {
        Ok(s) => s,
        Err(e) => return ApiError::bad_request(format!("{e:#}")).into_response(),
    };
    for seed in &seeds {
        if let Err(why) = check_target(seed, &state.admin.reach).await {
            return ApiError::bad_request(why).into_response();
        }
    }
    let Ok(admitted) = jobs::admit(&data, "crawl", &["crawl"]) else {
        return ApiError::conflict("a crawl is already running").into_response();
    };
    let config = crawler::CrawlConfig {
        max_pages: request
            .max_pages
            .unwrap_or(crawler::config::defaults::API_MAX_PAGES),
        // The budget is this crawl's own: a store larger than it is no reason to fetch nothing.
        earlier_runs_count: false,
        fetch: crawler::fetch::FetchConfig {
            reach: state.admin.reach.clone(),
            ..Default::default()
        },
        ..crawler::CrawlConfig::default()
    };
    let settings = state.admin.settings.clone();
    // Recorded before the 202: a client that follows /api/jobs sees this crawl, not the last one.
    let job = jobs::Job::start(&data, "crawl");
    tokio::spawn(crawl_and_index(
        admitted,
        job,
        data,
        settings,
        seeds,
        config,
        if request.refresh {
            crate::ingest::Refresh::All
        } else {
            crate::ingest::Refresh::No
        },
    ));
    started("crawl")
}

/// A crawl, then an index of what it fetched; both recorded as jobs. Also the `--recrawl-every`
/// schedule's work. `admitted` is the crawl's admission, held until the crawl ends; `job` its record,
/// started by the caller.
pub async fn crawl_and_index(
    admitted: jobs::Admitted,
    job: jobs::Job,
    data: crate::data_dir::DataDir,
    settings: crate::config::Settings,
    seeds: Vec<Url>,
    config: crawler::CrawlConfig,
    refresh: crate::ingest::Refresh,
) {
    let stats = crate::ingest::crawl(&data, &seeds, config, refresh, &|s| {
        job.progress("crawling", s.fetched, s.fetched + s.queued)
    })
    .await;
    let ok = stats.is_ok();
    job.finish(&stats);
    drop(admitted);
    if !ok {
        return;
    }
    // A rebuild or index already running takes in what the crawl stored.
    let Ok(admitted) = jobs::admit(&data, "index", &["rebuild", "index"]) else {
        return;
    };
    let _ = tokio::task::spawn_blocking(move || {
        let _admitted = admitted;
        jobs::run(&data, "index", |progress| {
            crate::index::update(&data, &settings, &|stage, done, total| {
                progress(stage.label(), done, total)
            })
        })
    })
    .await;
}

/// Refuses URLs whose host is, or resolves only to, addresses the server's crawls may not reach
/// (loopback, private, link-local, … unless the operator allowed them). The crawl checks again on
/// every redirect and when connecting; this check gives the caller a clear 400 up front.
pub async fn check_target(url: &Url, reach: &crawler::fetch::Reach) -> Result<(), String> {
    reach.check(url).await.map_err(|e| match e {
        crawler::CrawlError::Refused(_) => format!(
            "{e}: crawling it over HTTP needs `serve --allow-private-crawl` or `--allow-crawl-address`"
        ),
        // Not a question of which addresses the operator allows.
        e => e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crawler::fetch::{is_public, Reach};

    #[tokio::test]
    async fn private_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/",
            "http://localhost:8080/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://172.16.5.5/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
        ] {
            let url = Url::parse(url).expect("url");
            let public = Reach::Public { also: Vec::new() };
            assert!(check_target(&url, &public).await.is_err(), "{url} allowed");
            assert!(check_target(&url, &Reach::Any).await.is_ok());
        }
        for ip in [
            "93.184.216.34",
            "2606:4700::1111",
            "8.8.8.8",
            "192.0.1.1",
            "223.255.255.1",
            // 6to4 and Teredo of a public address, NAT64 of one.
            "2002:5db8:d822::1",
            "2001:0:4136:e378:8000:63bf:a247:27dd",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "fe80::1",
            "224.0.0.1",
            "198.18.0.1",
            // The review's findings: special-purpose blocks that passed, and IPv4 carried in IPv6.
            "192.0.0.192",
            "192.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "192.88.99.1",
            "::ffff:127.0.0.1",
            "::ffff:0:7f00:1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
            "2001:0:0:0:0:0:0:1",
            "64:ff9b:1::1",
            "100::1",
            "2001:db8::1",
            "2001:2::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        let nowhere = Url::parse("http://cited-test.invalid/").expect("url");
        let err = check_target(&nowhere, &Reach::Public { also: Vec::new() })
            .await
            .expect_err("does not resolve");
        assert!(err.contains("cannot resolve"), "{err}");
        assert!(
            !err.contains("--allow"),
            "a DNS failure is not a reach question: {err}"
        );
        let trusted = Reach::Public {
            also: vec!["10.1.2.3".parse().expect("ip")],
        };
        let intranet = Url::parse("http://10.1.2.3/").expect("url");
        assert!(check_target(&intranet, &trusted).await.is_ok());
    }
}
