//! The HTTP endpoint: JSON API and a plain search page.
//!
//! Searches run on the blocking pool, at most [`CPU_PERMITS`] at a time, so the async workers never
//! block. The tantivy reader reloads when another process (`cited index`) commits, so the server sees a
//! new index without a restart.

pub mod dto;
pub mod error;
mod page;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use tokio::sync::Semaphore;

use crate::engine::{Engine, QueryError};
use crate::retrieve::Mode;
use dto::{AnswerResponse, SearchResponse};
use error::ApiError;

/// Queries evaluated at once; more wait for a permit.
pub const CPU_PERMITS: usize = 8;
const DEFAULT_LIMIT: usize = 10;

#[derive(Clone)]
struct AppState {
    engine: Engine,
    cpu: Arc<Semaphore>,
}

/// Returns the application's routes.
pub fn router(engine: Engine) -> Router {
    let state = AppState {
        engine,
        cpu: Arc::new(Semaphore::new(CPU_PERMITS)),
    };
    Router::new()
        .route("/", get(search_page))
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/api/answer", get(api_answer))
        .route("/api/answer/stream", get(api_answer_stream))
        .route("/api/search", get(api_search))
        .fallback(|| async { ApiError::not_found() })
        .with_state(state)
}

/// Serves until ctrl-c.
pub async fn serve(engine: Engine, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, "serving");
    eprintln!("cited is serving on http://{local}");
    axum::serve(listener, router(engine))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Waits for a turn under the concurrency cap.
async fn cpu_permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    state
        .cpu
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::bad_request("server shutting down"))
}

/// Runs CPU-bound query work on the blocking pool under the concurrency cap.
async fn run_cpu<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Engine) -> Result<T, QueryError> + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = cpu_permit(state).await?;
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .map_err(|e| {
            ApiError::from(QueryError::Internal(anyhow::anyhow!(
                "query task failed: {e}"
            )))
        })?
        .map_err(ApiError::from)
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

fn param(params: &Params, name: &str) -> Result<Option<String>, ApiError> {
    match params {
        Ok(Query(map)) => Ok(map.get(name).cloned()),
        Err(e) => Err(ApiError::bad_request(format!("bad query string: {e}"))),
    }
}

fn mode(params: &Params) -> Result<Option<Mode>, ApiError> {
    param(params, "mode")?
        .map(|m| m.parse::<Mode>().map_err(ApiError::bad_request))
        .transpose()
}

fn required_q(params: &Params) -> Result<String, ApiError> {
    param(params, "q")?.ok_or_else(|| ApiError::bad_request("missing query parameter `q`"))
}

async fn api_answer(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<AnswerResponse>, ApiError> {
    let q = required_q(&params)?;
    let mode = mode(&params)?;
    let answer = run_cpu(&state, move |engine| engine.answer(&q, mode)).await?;
    Ok(Json(answer.into()))
}

/// `GET /api/answer/stream`: the answer as Server-Sent Events — `sources` (the list, as in
/// `/api/answer`), then one `sentence` event per sentence (`{"text", "citations"}`), then `done`
/// (`{"retrieve_ms", "answer_ms", "total_ms"}`). A bad request is a plain JSON 400, before any
/// event; a failure after the stream started is an `error` event. A client that disconnects stops
/// the work at the next stage.
async fn api_answer_stream(
    State(state): State<AppState>,
    params: Params,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let q = required_q(&params)?;
    let mode = mode(&params)?;
    let permit = cpu_permit(&state).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Event, ApiError>>(32);
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let outcome = engine.answer_unless(&q, mode, &|| tx.is_closed());
        let events: Vec<Result<Event, ApiError>> = match outcome {
            Ok(None) => return,
            Ok(Some((answer, timings))) => {
                let dto = AnswerResponse::from(crate::engine::Timed {
                    value: answer,
                    took_ms: timings.total_ms,
                });
                let mut events = vec![json_event("sources", &dto.sources)];
                events.extend(dto.sentences.iter().map(|s| json_event("sentence", s)));
                events.push(json_event("done", &timings));
                events.into_iter().map(Ok).collect()
            }
            Err(e) => vec![Err(ApiError::from(e))],
        };
        for event in events {
            if tx.blocking_send(event).is_err() {
                return;
            }
        }
    });
    // The first message decides between an error response and a stream.
    let first = match rx.recv().await {
        Some(Ok(event)) => event,
        Some(Err(e)) => return Err(e),
        None => {
            return Err(ApiError::from(QueryError::Internal(anyhow::anyhow!(
                "answer task ended without a result"
            ))))
        }
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await? {
            Ok(event) => event,
            Err(e) => json_event("error", &dto::ErrorResponse { error: e.message }),
        };
        Some((Ok(event), rx))
    });
    let stream = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(value)
        .expect("wire types serialize")
}

async fn api_search(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<SearchResponse>, ApiError> {
    let q = required_q(&params)?;
    let limit = match param(&params, "limit")? {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse()
            .map_err(|_| ApiError::bad_request(format!("limit `{l}` is not a number")))?,
    };
    let mode = mode(&params)?;
    let results = run_cpu(&state, move |engine| engine.search(&q, limit, mode)).await?;
    Ok(Json(results.value.into()))
}

async fn search_page(State(state): State<AppState>, params: Params) -> Response {
    let q = param(&params, "q").ok().flatten().unwrap_or_default();
    if q.trim().is_empty() {
        return Html(page::render(&q, None, None)).into_response();
    }
    let q2 = q.clone();
    let outcome = run_cpu(&state, move |engine| {
        let answer = engine.answer(&q2, None)?;
        let results = engine.search(&q2, DEFAULT_LIMIT, None)?;
        Ok((answer, results))
    })
    .await;
    match outcome {
        Ok((answer, results)) => Html(page::render(
            &q,
            Some(&answer.into()),
            Some(&results.value.into()),
        ))
        .into_response(),
        Err(e) => (e.status, Html(page::render_error(&q, &e.message))).into_response(),
    }
}
