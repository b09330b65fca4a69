//! cited as an MCP server (the official Rust SDK, rmcp) for agents — on standard input and output
//! (`cited mcp`) or over streamable HTTP at `/mcp` under `cited serve` ([`http_service`]): `search` (ranked pages with snippets), `ask` (the answer, every sentence with its
//! verdict, and the sources) and `read_page` (the stored text of a crawled page; only pages in the
//! store, never a fetch).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock as Content};
use rmcp::{schemars, tool, tool_router, ErrorData, ServiceExt};
use serde::Deserialize;

use crate::dto::{AnswerResponse, SearchResponse};
use crate::engine::Engine;

/// The engine to use for a call: the one in service now (a server switches engines when a rebuild
/// switches index generations).
pub type EngineSource = std::sync::Arc<dyn Fn() -> Engine + Send + Sync>;

/// The server: where to get the engine, and the page store for `read_page`.
#[derive(Clone)]
pub struct CitedMcp {
    engine: EngineSource,
    store: std::sync::Arc<store::PageStore>,
    /// The server's concurrency cap, shared with the HTTP API (none for stdio: one client).
    cpu: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

/// How long a call waits for a turn under the cap before it is refused, as the HTTP API does.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SearchArgs {
    /// What to look for; `site:host` keeps results to that host.
    pub query: String,
    /// Hosts to keep results to (like `site:`), if any.
    #[serde(default)]
    pub sites: Vec<String>,
    /// Results wanted, 1 to 100 (default 10).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AskArgs {
    /// The question.
    pub question: String,
    /// The question asked before it, when this one is a follow-up ("and its maximum?").
    #[serde(default)]
    pub previous: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ReadPageArgs {
    /// The URL of a crawled page, as search and ask give it.
    pub url: String,
}

fn failed(message: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(message.to_string(), None)
}

/// Runs CPU-bound engine work off the async workers, under the cap when there is one.
async fn blocking<T: Send + 'static>(
    cpu: Option<&std::sync::Arc<tokio::sync::Semaphore>>,
    f: impl FnOnce() -> Result<T, ErrorData> + Send + 'static,
) -> Result<T, ErrorData> {
    let permit = match cpu {
        Some(cpu) => Some(
            tokio::time::timeout(QUEUE_WAIT, cpu.clone().acquire_owned())
                .await
                .map_err(|_| failed("too many questions at once; retry in a second"))?
                .map_err(failed)?,
        ),
        None => None,
    };
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(failed)?
}

fn json_result(value: &impl serde::Serialize) -> Result<CallToolResult, ErrorData> {
    let text = serde_json::to_string_pretty(value).map_err(failed)?;
    Ok(CallToolResult::success(vec![Content::text(text)]))
}

#[tool_router(server_handler)]
impl CitedMcp {
    #[tool(
        description = "Search the crawled pages: one result per page (url, title, snippet, score), best first."
    )]
    async fn search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let engine = (self.engine)();
        let query = args
            .sites
            .iter()
            .fold(args.query, |q, site| format!("{q} site:{site}"));
        let limit = args.limit.unwrap_or(10);
        let results = blocking(self.cpu.as_ref(), move || {
            engine.search(&query, limit, None).map_err(failed)
        })
        .await?;
        json_result(&SearchResponse::from(results.value))
    }

    #[tool(
        description = "Answer a question from the crawled pages: a short answer in which every sentence cites its source and carries a verdict (supported, weak, unsupported), with the sources (url, title, the quoted words, a deep link)."
    )]
    async fn ask(
        &self,
        Parameters(args): Parameters<AskArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let engine = (self.engine)();
        let answer = blocking(self.cpu.as_ref(), move || {
            let question = match args.previous {
                Some(p) => engine
                    .standalone(&args.question, &[p])
                    .unwrap_or(args.question),
                None => args.question,
            };
            engine.answer(&question, None).map_err(failed)
        })
        .await?;
        json_result(&AnswerResponse::from(answer))
    }

    #[tool(
        description = "Read the stored text of a crawled page by its URL (only pages cited has crawled; nothing is fetched)."
    )]
    async fn read_page(
        &self,
        Parameters(args): Parameters<ReadPageArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let store = self.store.clone();
        let url = args.url.split('#').next().unwrap_or_default().to_string();
        let page = blocking(None, move || store.get_by_url(&url).map_err(failed)).await?;
        match page {
            Some(stored) => json_result(&serde_json::json!({
                "url": stored.page.url,
                "title": stored.page.title,
                "fetched_at": stored.page.fetched_at.to_rfc3339(),
                "text": stored.page.text,
            })),
            None => Ok(CallToolResult::error(vec![Content::text(format!(
                "{} is not a crawled page",
                args.url
            ))])),
        }
    }
}

impl CitedMcp {
    pub fn new(engine: EngineSource, store: store::PageStore) -> Self {
        Self {
            engine,
            store: std::sync::Arc::new(store),
            cpu: None,
        }
    }

    /// The same, with its search and answer calls under `cpu` (the HTTP server's cap).
    pub fn capped(self, cpu: std::sync::Arc<tokio::sync::Semaphore>) -> Self {
        Self {
            cpu: Some(cpu),
            ..self
        }
    }

    /// The MCP endpoint as a tower service, for `/mcp` under `cited serve`: streamable HTTP, one
    /// session per client. Requests must name one of `allowed_hosts` in their `Host` header (a guard
    /// against DNS rebinding; empty: the loopback names).
    pub fn http_service(
        self,
        allowed_hosts: &[String],
    ) -> rmcp::transport::streamable_http_server::StreamableHttpService<
        Self,
        rmcp::transport::streamable_http_server::session::local::LocalSessionManager,
    > {
        let mut config =
            rmcp::transport::streamable_http_server::StreamableHttpServerConfig::default();
        if !allowed_hosts.is_empty() {
            config = config.with_allowed_hosts(allowed_hosts.iter().cloned());
        }
        rmcp::transport::streamable_http_server::StreamableHttpService::new(
            move || Ok(self.clone()),
            Default::default(),
            config,
        )
    }

    /// Serves MCP on standard input and output until the client closes them.
    pub async fn serve_stdio(self) -> anyhow::Result<()> {
        let service = self
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| anyhow::anyhow!("MCP: {e}"))?;
        service
            .waiting()
            .await
            .map_err(|e| anyhow::anyhow!("MCP: {e}"))?;
        Ok(())
    }
}
