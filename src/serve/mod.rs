//! The HTTP endpoint: JSON API and a plain search page.
//!
//! Searches run on the blocking pool, at most [`CPU_PERMITS`] at a time, so the async workers never
//! block. The tantivy reader reloads when another process (`cited index`) commits, so the server sees a
//! new index without a restart.

pub mod admin;
pub mod dto;
pub mod error;
mod openapi;
mod page;
mod telemetry;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use tokio::sync::Semaphore;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

use crate::config::DataDir;
use crate::engine::{Engine, Progress, QueryError};
use crate::retrieve::Mode;
use crate::status::Status;
use dto::{AnswerResponse, ErrorResponse, SearchResponse, SourceDto};
use error::ApiError;

/// How long a request waits for a turn before it is answered 503.
const QUEUE_WAIT: Duration = Duration::from_secs(2);
const DEFAULT_LIMIT: usize = 10;
/// Requests carry no body worth more than this.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Limits and switches of the server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The data directory, for `/metrics` (store and frontier counts).
    pub data: Option<DataDir>,
    /// Queries evaluated at once; more wait up to 2 s, then get 503 with `Retry-After`.
    pub max_concurrent: usize,
    /// Longest time to produce a response (503 beyond it).
    pub timeout: Duration,
    /// Origins allowed by CORS; none (the default) sends no CORS headers. `*` allows any.
    pub cors_origins: Vec<String>,
    /// How to open the engine again when a rebuild switches the index generation (and to run
    /// jobs).
    pub settings: crate::config::Settings,
    /// Enables `POST /api/rebuild` and `POST /api/crawl` for callers that present it.
    pub admin_token: Option<String>,
    /// Which addresses crawls started by the server (`POST /api/crawl`, the recrawl schedule) may
    /// reach: public ones only unless the operator allows more.
    pub crawl_reach: crawler::fetch::Reach,
    /// Revisit every known page this often while serving.
    pub recrawl_every: Option<Duration>,
    /// How long a connection may take to send a request's headers; idle keep-alive connections
    /// are closed after it too.
    pub header_timeout: Duration,
    /// Connections one client address may hold open at once; more are closed on accept.
    pub max_connections_per_ip: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            data: None,
            max_concurrent: 8,
            timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            settings: crate::config::Settings::default(),
            admin_token: None,
            crawl_reach: crawler::fetch::Reach::Public { also: Vec::new() },
            recrawl_every: None,
            header_timeout: Duration::from_secs(10),
            max_connections_per_ip: 512,
        }
    }
}

/// The engine in service, replaced when a rebuild switches the index generation. Requests take a
/// clone (cheap: shared handles) and finish on the generation they started on.
type LiveEngine = Arc<std::sync::RwLock<Engine>>;

/// What the admin routes need.
struct Admin {
    token: Option<String>,
    reach: crawler::fetch::Reach,
    settings: crate::config::Settings,
}

#[derive(Clone)]
struct AppState {
    live: LiveEngine,
    admin: Arc<Admin>,
    cpu: Arc<Semaphore>,
    data: Option<DataDir>,
}

impl AppState {
    fn engine(&self) -> Engine {
        self.live
            .read()
            .expect("engine lock is never poisoned")
            .clone()
    }
}

/// Returns the application's routes.
pub fn router(engine: Engine, options: &ServeOptions) -> Router {
    routes(Arc::new(std::sync::RwLock::new(engine)), options)
}

fn routes(live: LiveEngine, options: &ServeOptions) -> Router {
    telemetry::handle();
    let state = AppState {
        live,
        admin: Arc::new(Admin {
            token: options.admin_token.clone(),
            reach: options.crawl_reach.clone(),
            settings: options.settings.clone(),
        }),
        cpu: Arc::new(Semaphore::new(options.max_concurrent.max(1))),
        data: options.data.clone(),
    };
    let mut router = Router::new()
        .route("/", get(search_page))
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::document))
        .route("/metrics", get(telemetry::render))
        .route("/api/answer", get(api_answer))
        .route("/api/answer/stream", get(api_answer_stream))
        .route("/api/search", get(api_search))
        .route("/api/status", get(api_status))
        .route("/api/jobs", get(admin::list))
        .route("/status", get(status_page))
        .merge(if options.admin_token.is_some() {
            Router::new()
                .route("/api/rebuild", axum::routing::post(admin::rebuild))
                .route("/api/crawl", axum::routing::post(admin::crawl))
        } else {
            Router::new()
        })
        .fallback(|| async { ApiError::not_found() })
        .with_state(state)
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.timeout,
        ));
    if !options.cors_origins.is_empty() {
        let cors = CorsLayer::new().allow_methods([Method::GET]);
        let cors = if options.cors_origins.iter().any(|o| o == "*") {
            cors.allow_origin(tower_http::cors::Any)
        } else {
            cors.allow_origin(
                options
                    .cors_origins
                    .iter()
                    .filter_map(|o| o.parse::<HeaderValue>().ok())
                    .collect::<Vec<_>>(),
            )
        };
        router = router.layer(cors);
    }
    router
}

/// Serves until ctrl-c.
pub async fn serve(engine: Engine, addr: SocketAddr, options: ServeOptions) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, "serving");
    eprintln!("cited is serving on http://{local}");
    let live: LiveEngine = Arc::new(std::sync::RwLock::new(engine));
    if let Some(data) = options.data.clone() {
        tokio::spawn(follow_generations(
            live.clone(),
            data.clone(),
            options.settings.clone(),
        ));
        if let Some(every) = options.recrawl_every {
            let config = crawler::CrawlConfig {
                fetch: crawler::fetch::FetchConfig {
                    reach: options.crawl_reach.clone(),
                    ..Default::default()
                },
                ..Default::default()
            };
            tokio::spawn(recrawl(data, options.settings.clone(), config, every));
        }
    }
    serve_http(listener, routes(live, &options), &options).await;
    Ok(())
}

/// Open connections per client address.
struct Clients {
    max: usize,
    open: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>,
}

/// One open connection of a client; leaves its count when dropped.
struct ClientSlot {
    clients: Arc<Clients>,
    ip: std::net::IpAddr,
}

impl Clients {
    fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            open: Default::default(),
        }
    }

    /// A slot for one more connection from `ip`, unless it holds `max` already.
    fn enter(clients: &Arc<Self>, ip: std::net::IpAddr) -> Option<ClientSlot> {
        let mut open = clients.open.lock().expect("client table lock");
        let n = open.entry(ip).or_default();
        if *n >= clients.max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            clients: clients.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.clients.open.lock().expect("client table lock");
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves HTTP/1.1 connections until ctrl-c, as `axum::serve` does, plus two limits it cannot
/// set: a connection that has not delivered a request's headers `header_timeout` after it started
/// reading them (a slowloris client, or a keep-alive connection left idle) is closed, and one client
/// address holds at most `max_connections_per_ip` connections (more are closed on accept), so one
/// client cannot use up the server's file descriptors. On ctrl-c, requests in flight get up to 10 s
/// to finish.
async fn serve_http(listener: tokio::net::TcpListener, router: Router, options: &ServeOptions) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let clients = Arc::new(Clients::new(options.max_connections_per_ip));
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for connections to close.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        let Some(slot) = Clients::enter(&clients, peer.ip()) else {
            tracing::debug!(client = %peer.ip(), "too many connections from one address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(options.header_timeout)
            .serve_connection(
                hyper_util::rt::TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {}
    }
}

/// Switches to a new index generation when `cited rebuild` publishes one: the new engine is opened
/// beside the old, then swapped in; requests in flight finish on the old one, whose generation is
/// removed once no reader holds it. If the new one cannot be opened, the old one keeps serving.
async fn follow_generations(live: LiveEngine, data: DataDir, settings: crate::config::Settings) {
    let mut failed_at: Option<u64> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let serving = live
            .read()
            .expect("engine lock is never poisoned")
            .generation();
        let current = crate::generation::current(&data);
        if current == serving || failed_at == Some(current) {
            continue;
        }
        let (d, s) = (data.clone(), settings.clone());
        match tokio::task::spawn_blocking(move || Engine::open(&d, &s)).await {
            Ok(Ok(engine)) => {
                let generation = engine.generation();
                let old = std::mem::replace(
                    &mut *live.write().expect("engine lock is never poisoned"),
                    engine,
                );
                drop(old);
                tracing::info!(
                    from = serving,
                    to = generation,
                    "serving a new index generation"
                );
                failed_at = None;
                let (d, s) = (data.clone(), settings.clone());
                // Requests still on the old generation hold it; it goes when they are done (or at
                // the next switch or rebuild).
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    let _ = tokio::task::spawn_blocking(move || crate::generation::collect(&d, &s))
                        .await;
                });
            }
            Ok(Err(e)) => {
                tracing::error!(generation = current, error = %format!("{e:#}"), "cannot open the new index generation; still serving the old one");
                failed_at = Some(current);
            }
            Err(e) => tracing::error!(error = %e, "opening the new generation failed"),
        }
    }
}

/// `--recrawl-every`: revisits every known page on a schedule (conditional GET, so unchanged pages
/// cost a 304) and indexes what changed; skipped while another crawl runs.
async fn recrawl(
    data: DataDir,
    settings: crate::config::Settings,
    config: crawler::CrawlConfig,
    every: Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        if crate::jobs::running(&data, "crawl") {
            continue;
        }
        tracing::info!("scheduled recrawl");
        admin::crawl_and_index(
            data.clone(),
            settings.clone(),
            Vec::new(),
            config.clone(),
            crate::ingest::Refresh::Due,
        )
        .await;
    }
}

/// Waits (up to [`QUEUE_WAIT`]) for a turn under the concurrency cap; a busy server answers 503.
async fn cpu_permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    match tokio::time::timeout(QUEUE_WAIT, state.cpu.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(ApiError::busy("server shutting down")),
        Err(_) => Err(ApiError::busy(
            "too many questions at once; retry in a second",
        )),
    }
}

/// Runs CPU-bound query work on the blocking pool under the concurrency cap.
async fn run_cpu<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Engine) -> Result<T, QueryError> + Send + 'static,
) -> Result<T, ApiError> {
    // The permit goes with the work: a request that timed out still holds it until its work ends.
    let permit = cpu_permit(state).await?;
    let engine = state.engine();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f(&engine)
    })
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

/// `GET /healthz`.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server is up", body = Object, example = json!({"status": "ok"}))))]
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// `GET /api/answer`: the answer with cited sentences.
#[utoipa::path(
    get,
    path = "/api/answer",
    params(
        ("q" = String, Query, description = "The question (1 to 1000 bytes)"),
        ("mode" = Option<String>, Query, description = "lexical, dense or hybrid (default: hybrid with a model, else lexical)")
    ),
    responses(
        (status = 200, description = "The answer; `sentences` is empty when nothing answers", body = AnswerResponse),
        (status = 400, description = "Bad request", body = ErrorResponse),
        (status = 503, description = "Too busy; see Retry-After", body = ErrorResponse)
    )
)]
async fn api_answer(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<AnswerResponse>, ApiError> {
    let q = required_q(&params)?;
    let mode = mode(&params)?;
    let answer = run_cpu(&state, move |engine| engine.answer(&q, mode)).await?;
    telemetry::answered(!answer.value.sentences.is_empty());
    Ok(Json(answer.into()))
}

/// `GET /api/answer/stream`: the answer as Server-Sent Events — `sources` (the list, as in
/// `/api/answer`), then one `sentence` event per sentence (text, citations, support, verdict), then
/// `done` (`{"retrieve_ms", "answer_ms", "total_ms"}`). With a language model, `sources` first lists
/// the passages given to it and `token` events carry its reply as it is written; a final `sources`
/// (the cited ones) replaces the first before the verified sentences. If the model fails, a `notice`
/// comes and the extractive answer follows. A bad request is a plain JSON 400, before any event; a
/// failure after the stream started is an `error` event. A client that disconnects stops the work
/// (the model's stream too).
#[utoipa::path(
    get,
    path = "/api/answer/stream",
    params(
        ("q" = String, Query, description = "The question (1 to 1000 bytes)"),
        ("mode" = Option<String>, Query, description = "lexical, dense or hybrid")
    ),
    responses(
        (status = 200, description = "Server-Sent Events: `sources` (array of SourceDto; a later one replaces an earlier), `token` (TokenDto, generated answers), `notice` (NoticeDto), one `sentence` (SentenceDto) per sentence, then `done` (Timings); `error` (ErrorResponse) if it fails midway", content_type = "text/event-stream", body = String),
        (status = 400, description = "Bad request", body = ErrorResponse),
        (status = 503, description = "Too busy; see Retry-After", body = ErrorResponse)
    )
)]
async fn api_answer_stream(
    State(state): State<AppState>,
    params: Params,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let q = required_q(&params)?;
    let mode = mode(&params)?;
    let permit = cpu_permit(&state).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Event, ApiError>>(32);
    let engine = state.engine();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let progress_tx = tx.clone();
        let outcome = engine.answer_unless(&q, mode, &|| tx.is_closed(), &mut |progress| {
            let event = match progress {
                Progress::Sources(sources) => json_event(
                    "sources",
                    &sources.iter().map(SourceDto::from).collect::<Vec<_>>(),
                ),
                Progress::Token(text) => json_event(
                    "token",
                    &dto::TokenDto {
                        text: text.to_string(),
                    },
                ),
                Progress::Notice(notice) => json_event(
                    "notice",
                    &dto::NoticeDto {
                        notice: notice.to_string(),
                    },
                ),
            };
            let _ = progress_tx.blocking_send(Ok(event));
        });
        let events: Vec<Result<Event, ApiError>> = match outcome {
            Ok(None) => return,
            Ok(Some((answer, timings))) => {
                telemetry::answered(!answer.sentences.is_empty());
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

/// An SSE event named `name` whose data is `value` as JSON: the answer stream's encoder.
pub fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(value)
        .expect("wire types serialize")
}

/// `GET /api/search`: one result per page.
#[utoipa::path(
    get,
    path = "/api/search",
    params(
        ("q" = String, Query, description = "The query; `site:host` filters, everything else is plain text"),
        ("limit" = Option<usize>, Query, description = "1 to 100, default 10"),
        ("mode" = Option<String>, Query, description = "lexical, dense or hybrid")
    ),
    responses(
        (status = 200, description = "Ranked pages", body = SearchResponse),
        (status = 400, description = "Bad request", body = ErrorResponse),
        (status = 503, description = "Too busy; see Retry-After", body = ErrorResponse)
    )
)]
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

/// What the server is serving from: the store and frontier read now, the index and vectors this
/// server has open. `None` when the server was started without a data directory (tests).
async fn status(state: &AppState) -> Result<Option<Status>, ApiError> {
    let Some(data) = state.data.clone() else {
        return Ok(None);
    };
    let engine = state.engine();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Status> {
        let chunks = engine.index().num_chunks();
        let (vectors, model) = match engine.retriever().dense() {
            Some(d) => (d.vectors.len()?, Some(d.embedder.model_id().to_string())),
            None => (0, None),
        };
        Status::with_index(&data.pinned(engine.generation()), chunks, vectors, model)
    })
    .await
    .map_err(|e| anyhow::anyhow!("status task failed: {e}"))
    .and_then(|r| r)
    .map(Some)
    .map_err(|e| ApiError::from(QueryError::Internal(e)))
}

/// `GET /api/status`: pages stored, chunks indexed, vectors and model, crawl frontier, last crawl
/// and index times.
#[utoipa::path(
    get,
    path = "/api/status",
    responses(
        (status = 200, description = "What the server is serving from", body = Status),
        (status = 404, description = "The server has no data directory", body = ErrorResponse)
    )
)]
async fn api_status(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    status(&state)
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

/// `GET /status`: the same, for people.
async fn status_page(State(state): State<AppState>) -> Response {
    match status(&state).await {
        Ok(Some(status)) => Html(page::render_status(&status)).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Html(page::render_error("", "no data directory")),
        )
            .into_response(),
        Err(e) => (e.status, Html(page::render_error("", &e.message))).into_response(),
    }
}

async fn search_page(State(state): State<AppState>, params: Params) -> Response {
    let q = param(&params, "q").ok().flatten().unwrap_or_default();
    if q.trim().is_empty() {
        return Html(page::render(&q, None, None)).into_response();
    }
    let mode_param = param(&params, "mode").ok().flatten();
    let mode = match mode(&params) {
        Ok(m) => m,
        Err(e) => return (e.status, Html(page::render_error(&q, &e.message))).into_response(),
    };
    let whole = param(&params, "static").ok().flatten().is_some();
    let q2 = q.clone();
    let outcome = run_cpu(&state, move |engine| {
        let answer = if whole {
            Some(engine.answer(&q2, mode)?)
        } else {
            None
        };
        let results = engine.search(&q2, DEFAULT_LIMIT, mode)?;
        Ok((answer, results))
    })
    .await;
    match outcome {
        Ok((Some(answer), results)) => Html(page::render(
            &q,
            Some(&answer.into()),
            Some(&results.value.into()),
        ))
        .into_response(),
        Ok((None, results)) => Html(page::render_streaming(
            &q,
            mode_param.as_deref(),
            &results.value.into(),
        ))
        .into_response(),
        Err(e) => (e.status, Html(page::render_error(&q, &e.message))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_address_gets_its_connection_cap_and_no_more() {
        let clients = Arc::new(Clients::new(2));
        let (a, b): (std::net::IpAddr, std::net::IpAddr) = (
            "10.0.0.1".parse().expect("ip"),
            "10.0.0.2".parse().expect("ip"),
        );
        let first = Clients::enter(&clients, a).expect("first");
        let _second = Clients::enter(&clients, a).expect("second");
        assert!(Clients::enter(&clients, a).is_none(), "over the cap");
        assert!(Clients::enter(&clients, b).is_some(), "another address");
        drop(first);
        assert!(Clients::enter(&clients, a).is_some(), "a slot freed");
    }

    #[tokio::test]
    async fn a_full_server_answers_503_with_retry_after() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let engine = Engine::open(&data, &crate::config::Settings::default()).expect("engine");
        let state = AppState {
            live: Arc::new(std::sync::RwLock::new(engine)),
            admin: Arc::new(Admin {
                token: None,
                reach: crawler::fetch::Reach::Public { also: Vec::new() },
                settings: crate::config::Settings::default(),
            }),
            // Every permit taken.
            cpu: Arc::new(Semaphore::new(0)),
            data: None,
        };
        let err = cpu_permit(&state).await.expect_err("busy");
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
}

#[cfg(test)]
mod encoding_proptests {
    use proptest::prelude::*;

    use super::*;

    /// Reads an SSE body as a browser's EventSource does: (event name, data) per event.
    fn parse_sse(body: &str) -> Vec<(String, String)> {
        let mut events = Vec::new();
        let (mut name, mut data) = (String::new(), Vec::<String>::new());
        for line in body.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
            if line.is_empty() {
                if !data.is_empty() {
                    events.push((std::mem::take(&mut name), data.join("\n")));
                }
                data.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line
                .split_once(':')
                .map_or((line, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
            match field {
                "event" => name = value.to_string(),
                "data" => data.push(value.to_string()),
                _ => {}
            }
        }
        events
    }

    /// Text with what breaks naive encoders: newlines, carriage returns, NUL, `data:` lookalikes,
    /// quotes, U+2028, any Unicode.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "(data: |event: |\\r|\\n|\\r\\n|\\x00|\"|\\\\|\u{2028}|</script>|[a-z ]{1,8}){0,20}",
        ]
    }

    fn answer(question: String, text: String, quote: String, url: String) -> dto::AnswerResponse {
        dto::AnswerResponse {
            question,
            answer: format!("{text} [1]"),
            sentences: vec![dto::SentenceDto {
                text: text.clone(),
                citations: vec![1],
                support: 0.5,
                verdict: dto::Verdict::Supported,
                reason: Some(text),
            }],
            sources: vec![dto::SourceDto {
                id: 1,
                url: url.clone(),
                title: quote.clone(),
                quote,
                link: url,
                fetched_at: "2026-11-30T00:00:00Z".into(),
                changed_at: "2026-11-30T00:00:00Z".into(),
            }],
            generator: "extractive".into(),
            notice: None,
            generation: 0,
            took_ms: 1,
        }
    }

    proptest! {
        /// Whatever the crawled text holds, the answer stream decodes to exactly the events sent,
        /// and the JSON API's body to exactly the answer.
        #[test]
        fn answer_streams_and_json_round_trip(
            question in text(), sentence in text(), quote in text(), url in text(), token in text(),
        ) {
            let answer = answer(question, sentence, quote, url);
            let token_dto = dto::TokenDto { text: token };
            let events = vec![
                json_event("sources", &answer.sources),
                json_event("token", &token_dto),
                json_event("answer", &answer),
            ];
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            let sse = Sse::new(futures_util::stream::iter(events.into_iter().map(Ok::<_, Infallible>)))
                .into_response();
            let body = runtime
                .block_on(axum::body::to_bytes(sse.into_body(), usize::MAX))
                .expect("body");
            let decoded = parse_sse(std::str::from_utf8(&body).expect("utf-8"));
            prop_assert_eq!(decoded.len(), 3);
            prop_assert_eq!(&decoded[0].0, "sources");
            let sources: Vec<dto::SourceDto> = serde_json::from_str(&decoded[0].1).expect("sources");
            prop_assert_eq!(&sources, &answer.sources);
            let token: dto::TokenDto = serde_json::from_str(&decoded[1].1).expect("token");
            prop_assert_eq!(&token, &token_dto);
            prop_assert_eq!(&decoded[2].0, "answer");
            let streamed: dto::AnswerResponse = serde_json::from_str(&decoded[2].1).expect("answer");
            prop_assert_eq!(&streamed, &answer);

            let json = Json(&answer).into_response();
            let body = runtime
                .block_on(axum::body::to_bytes(json.into_body(), usize::MAX))
                .expect("body");
            let back: dto::AnswerResponse = serde_json::from_slice(&body).expect("json");
            prop_assert_eq!(back, answer);
        }
    }
}
