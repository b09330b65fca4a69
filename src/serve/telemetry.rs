//! `/metrics` in the Prometheus text format: requests and latency per route, answers served, and the
//! size of the store, the index and the crawl frontier (read at scrape time).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// Latency histogram buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process-wide recorder (once; later calls return the same handle).
pub fn handle() -> PrometheusHandle {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("cited_http_request_duration_seconds".into()),
                    BUCKETS,
                )
                .expect("static buckets are valid")
                .install_recorder()
                .expect("the metrics recorder is installed once")
        })
        .clone()
}

/// Middleware: counts each request by route and status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("cited_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("cited_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Counts an answer served, and whether it found something.
pub fn answered(found: bool) {
    metrics::counter!("cited_answers_total", "found" => found.to_string()).increment(1);
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    // Figures that cannot be read are left out of this scrape rather than failing it.
    match super::api::status(&state).await {
        Ok(Some(status)) => {
            metrics::gauge!("cited_index_chunks").set(status.chunks as f64);
            metrics::gauge!("cited_index_vectors").set(status.vectors as f64);
            metrics::gauge!("cited_pages_stored").set(status.pages as f64);
            for (state, n) in [
                ("queued", status.frontier_queued),
                ("done", status.frontier_done),
                ("failed", status.frontier_failed),
            ] {
                metrics::gauge!("cited_frontier_urls", "state" => state).set(n as f64);
            }
        }
        Ok(None) => {
            metrics::gauge!("cited_index_chunks").set(state.engine().index().num_chunks() as f64)
        }
        Err(_) => {}
    }
    (
        [("content-type", "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}
