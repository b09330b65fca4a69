//! The HTTP endpoint: JSON API and a plain search page.
//!
//! Here: the server's options and shared state, and the routes. By role, in the modules below:
//! `connections` (the accept loop and connection limits), `background` (following index
//! generations, the recrawl schedule), `api` (the JSON handlers and the concurrency cap: queries run on
//! the blocking pool, at most `max_concurrent` at a time, so the async workers never block), `admin`
//! (jobs behind the admin token), `page` (the search page for people), `openai_compat` (cited as a
//! model for OpenAI clients: `/v1/models`, `/v1/chat/completions`), `openapi`, `telemetry`
//! (`/metrics`). Wire types are [`crate::dto`], shared with the CLI's `--json`. The tantivy reader
//! reloads when another process (`cited index`) commits, so the server sees a new index without a
//! restart.

pub mod admin;
mod api;
mod background;
mod connections;
pub mod error;
mod openai_compat;
mod openapi;
mod page;
mod telemetry;

pub use api::json_event;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::cors::CorsLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::data_dir::DataDir;
use crate::engine::Engine;
use error::ApiError;

/// Requests carry no body worth more than this.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Requests worked on at once per CPU core unless `--max-concurrent` says otherwise. Query work is
/// CPU-bound: admitting many more than the cores run makes every request share the CPU with all the
/// others, so the slowest take several times the median (hybrid search on the Python docs, 2 cores,
/// 32 clients: p99 235-246 ms admitting 64 against 91-98 ms admitting 8, at the same req/s), and
/// admitting fewer leaves cores idle while requests parse and wait on I/O (400 req/s admitting 2).
const ADMITTED_PER_CORE: usize = 4;

/// How many requests the server works on at once by default: [`ADMITTED_PER_CORE`] per core.
pub fn default_max_concurrent() -> usize {
    ADMITTED_PER_CORE * std::thread::available_parallelism().map_or(2, usize::from)
}

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
    /// Host names `/mcp` answers to (a guard against DNS rebinding); empty: the loopback names.
    pub mcp_allowed_hosts: Vec<String>,
    /// When not empty, `/api/*`, `/v1/*` and `/mcp` answer only requests that present one of these keys
    /// (`Authorization: Bearer KEY` or `X-API-Key: KEY`); the admin token counts as one.
    pub api_keys: Vec<String>,
    /// Which addresses crawls started by the server (`POST /api/crawl`, the recrawl schedule) may
    /// reach: public ones only unless the operator allows more.
    pub crawl_reach: crawler::fetch::Reach,
    /// Revisit every known page this often while serving.
    pub recrawl_every: Option<Duration>,
    /// How long a connection may take to send a request's headers; idle keep-alive connections
    /// are closed after it too.
    pub header_timeout: Duration,
    /// How long writing a reply may make no progress (the client is not reading) before the
    /// connection is closed.
    pub write_timeout: Duration,
    /// Connections one client address may hold open at once; more are closed on accept.
    pub max_connections_per_ip: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            data: None,
            max_concurrent: default_max_concurrent(),
            timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            settings: crate::config::Settings::default(),
            admin_token: None,
            api_keys: Vec::new(),
            mcp_allowed_hosts: Vec::new(),
            crawl_reach: crawler::fetch::Reach::Public { also: Vec::new() },
            recrawl_every: None,
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(60),
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
    /// See [`ServeOptions::api_keys`].
    api_keys: Vec<String>,
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
            api_keys: options.api_keys.clone(),
            reach: options.crawl_reach.clone(),
            settings: options.settings.clone(),
        }),
        cpu: Arc::new(Semaphore::new(options.max_concurrent.max(1))),
        data: options.data.clone(),
    };
    let router = with_mcp(endpoints(options.admin_token.is_some()), &state, options)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin::require_api_key,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(page::content_security_policy()),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Links to sources do not tell them what was asked (the query is in this page's URL).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.timeout,
        ));
    if options.cors_origins.is_empty() {
        router
    } else {
        router.layer(cors(&options.cors_origins))
    }
}

/// The pages and API endpoints; the admin ones (rebuild, crawl) only with an admin token.
fn endpoints(admin: bool) -> Router<AppState> {
    Router::new()
        .route("/", get(page::search_page))
        .route("/opensearch.xml", get(page::opensearch))
        .route("/healthz", get(api::healthz))
        .route("/api/openapi.json", get(openapi::document))
        .route("/metrics", get(telemetry::render))
        .route("/api/answer", get(api::api_answer))
        .route("/api/answer/stream", get(api::api_answer_stream))
        .route("/api/search", get(api::api_search))
        .route("/api/status", get(api::api_status))
        .route("/api/jobs", get(admin::list))
        .route("/status", get(page::status_page))
        .route("/v1/models", get(openai_compat::models))
        .route(
            "/v1/chat/completions",
            axum::routing::post(openai_compat::chat_completions),
        )
        .merge(if admin {
            Router::new()
                .route("/api/rebuild", axum::routing::post(admin::rebuild))
                .route("/api/crawl", axum::routing::post(admin::crawl))
        } else {
            Router::new()
        })
        .fallback(|| async { ApiError::not_found() })
}

/// `router` with MCP for agents under `/mcp`, over streamable HTTP, when the server has its page
/// store.
fn with_mcp(
    router: Router<AppState>,
    state: &AppState,
    options: &ServeOptions,
) -> Router<AppState> {
    let Some(pages) = options
        .data
        .as_ref()
        .and_then(|d| store::PageStore::open(&d.store_path()).ok())
    else {
        return router;
    };
    let engines = state.live.clone();
    let source: crate::mcp::EngineSource = Arc::new(move || {
        engines
            .read()
            .expect("engine lock is never poisoned")
            .clone()
    });
    router.nest_service(
        "/mcp",
        crate::mcp::CitedMcp::new(source, pages)
            .capped(state.cpu.clone())
            .http_service(&options.mcp_allowed_hosts),
    )
}

/// Cross-origin access for `origins` (`*`: any): GET for the API; POST and the headers OpenAI
/// clients send, for `/v1/chat/completions` and `/mcp` from web apps.
fn cors(origins: &[String]) -> CorsLayer {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-api-key"),
            header::HeaderName::from_static("mcp-session-id"),
            header::HeaderName::from_static("mcp-protocol-version"),
        ]);
    if origins.iter().any(|o| o == "*") {
        cors.allow_origin(tower_http::cors::Any)
    } else {
        cors.allow_origin(
            origins
                .iter()
                .filter_map(|o| o.parse::<HeaderValue>().ok())
                .collect::<Vec<_>>(),
        )
    }
}

/// Listens on `addr` (port 0: any free port; the listener knows which).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}

/// Serves on `listener` until ctrl-c.
pub async fn serve(
    engine: Engine,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let live: LiveEngine = Arc::new(std::sync::RwLock::new(engine));
    if let Some(data) = options.data.clone() {
        tokio::spawn(background::follow_generations(
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
                // Each recrawl has the whole budget (the store is likely larger than it).
                earlier_runs_count: false,
                ..Default::default()
            };
            tokio::spawn(background::recrawl(
                data,
                options.settings.clone(),
                config,
                every,
            ));
        }
    }
    connections::serve_http(listener, routes(live, &options), &options).await;
    Ok(())
}
