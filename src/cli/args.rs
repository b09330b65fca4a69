//! The command line's arguments: every command and flag, with its default and its environment
//! variable. `cited.toml` ([`super::config_file`]) sets the same flags by name.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use crawler::config::defaults;
use crawler::{fetch::FetchConfig, CrawlConfig, Scope};

use crate::data_dir::DataDir;
use crate::retrieve::Mode;

#[derive(Debug, Parser)]
#[command(
    name = "cited",
    version,
    about = "Crawl sites, index them, and answer questions with cited sentences"
)]
pub struct Cli {
    /// A settings file (TOML): its keys are these flags' names, `[crawl]`, `[serve]`… tables hold a
    /// command's flags; flags and environment variables win over it. Default: ./cited.toml if there
    /// is one.
    #[arg(long, global = true, env = "CITED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where pages, the frontier and the index are kept.
    #[arg(long, global = true, env = "CITED_DATA_DIR", default_value = DataDir::DEFAULT)]
    pub data_dir: PathBuf,
    /// A sentence-transformers model directory for dense retrieval (default:
    /// DATA_DIR/models/all-MiniLM-L6-v2 if present; without a model cited is lexical only).
    #[arg(long, global = true, env = "CITED_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Run the model with ONNX Runtime from this `libonnxruntime` file and the model directory's
    /// `model.onnx` (about 5× faster than the built-in runtime). Default: the one `cited index`
    /// fetched into DATA_DIR/runtime, or one installed in /usr/lib or /usr/local/lib.
    #[arg(long, global = true, env = "CITED_ORT_LIB")]
    pub ort_lib: Option<PathBuf>,
    /// Where `cited index` downloads the default model from when there is none (a Hugging Face
    /// hub or mirror).
    #[arg(long, global = true, env = "CITED_MODEL_ENDPOINT", default_value = crate::models::DEFAULT_ENDPOINT)]
    pub model_endpoint: String,
    /// Where `cited index` downloads ONNX Runtime from (PyPI's file host or a mirror; the wheel is
    /// pinned by version and SHA-256).
    #[arg(long, global = true, env = "CITED_RUNTIME_ENDPOINT", default_value = crate::models::RUNTIME_ENDPOINT)]
    pub runtime_endpoint: String,
    /// Never download a model or a runtime; without a model cited is lexical only.
    #[arg(long, global = true, env = "CITED_OFFLINE", value_parser = clap::builder::FalseyValueParser::new())]
    pub offline: bool,
    /// Keep vectors in this Qdrant server or cluster (gRPC, e.g. http://127.0.0.1:6334) instead of
    /// the embedded store in the data directory.
    #[arg(long, global = true, env = "CITED_QDRANT_URL")]
    pub qdrant_url: Option<String>,
    /// The Qdrant collection cited uses.
    #[arg(
        long,
        global = true,
        env = "CITED_QDRANT_COLLECTION",
        default_value = "cited"
    )]
    pub qdrant_collection: String,
    /// The Qdrant API key, if the server wants one.
    #[arg(
        long,
        global = true,
        env = "CITED_QDRANT_API_KEY",
        hide_env_values = true
    )]
    pub qdrant_api_key: Option<String>,
    /// Write answers with a language model at this OpenAI-compatible endpoint (e.g.
    /// `http://127.0.0.1:11434/v1` for Ollama) instead of quoting sentences. Every sentence is still
    /// checked against the passage it cites; if the model fails, the extractive answer is given.
    #[arg(long, global = true, env = "CITED_LLM_URL", requires = "llm_model")]
    pub llm_url: Option<String>,
    /// The model name the endpoint knows (e.g. `llama3.1:8b`, `gpt-4o-mini`).
    #[arg(long, global = true, env = "CITED_LLM_MODEL")]
    pub llm_model: Option<String>,
    /// The API key for the endpoint, from the environment only (never a flag, never logged).
    #[arg(skip = std::env::var("CITED_LLM_API_KEY").ok().filter(|k| !k.is_empty()))]
    pub llm_api_key: Option<String>,
    /// Longest wait for the model's whole answer, in seconds.
    #[arg(
        long,
        global = true,
        env = "CITED_LLM_TIMEOUT_SECS",
        default_value_t = 60
    )]
    pub llm_timeout_secs: u64,
    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl from seed URLs into the page store (resumes an interrupted crawl), then index.
    Crawl(CrawlArgs),
    /// Bring the search index up to date with the page store (only new or changed pages).
    Index,
    /// Answer a question with cited sentences.
    Ask {
        /// The question (several words may be given without quotes).
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
        /// lexical, dense or hybrid (default: hybrid with a model, else lexical).
        #[arg(long)]
        mode: Option<Mode>,
        /// Exit with status 3 if any sentence's support (0 to 1) is below this.
        #[arg(long, value_parser = support_value)]
        min_support: Option<f32>,
    },
    /// Ask questions one after another on standard input (a line each), follow-ups included:
    /// "and its maximum?" after a question about work_mem is answered about work_mem.
    Chat {
        /// lexical, dense or hybrid (default: hybrid with a model, else lexical).
        #[arg(long)]
        mode: Option<Mode>,
    },
    /// Serve MCP on standard input and output: tools `search`, `ask` and `read_page`, for agents.
    Mcp,
    /// Search the index: one result per page, with a snippet.
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        mode: Option<Mode>,
    },
    /// Serve the JSON API and the search page.
    Serve(ServeArgs),
    /// Re-chunk and re-index every stored page into a new index generation, verify it, and switch
    /// to it atomically; a running `serve` picks it up with no restart. The old generation is removed
    /// once no reader uses it.
    Rebuild {
        #[arg(long)]
        json: bool,
    },
    /// Show what each kind of job (crawl, index, rebuild) is doing, or how its last run ended.
    Jobs {
        #[arg(long)]
        json: bool,
    },
    /// Show what the data directory holds.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Measure retrieval quality on a benchmark.
    #[command(subcommand)]
    Eval(EvalCommand),
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Index a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv) and print nDCG@10,
    /// Recall@100, MRR@10 and query latency.
    Beir {
        /// The dataset directory.
        dir: PathBuf,
        #[arg(long, default_value = "test")]
        split: String,
        /// Write a TREC run file (`qid Q0 docid rank score tag`).
        #[arg(long)]
        run_out: Option<PathBuf>,
        /// Scratch data directory to index into (kept, and reused incrementally by later runs);
        /// default: a temporary directory removed afterwards.
        #[arg(long)]
        scratch: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        mode: Option<Mode>,
        /// How hybrid mode fuses its rankings: minmax (the product's) or rrf, to compare.
        #[arg(long, default_value = "minmax")]
        fusion: crate::retrieve::Fusion,
    },
    /// Ask every question of a docs-qa file (JSONL: question, answer_patterns, gold_pages) of the
    /// already indexed data directory and grade the answers: supported, answered, cited,
    /// abstained, next to how often the first result and the top 3 results hold a gold page.
    Answers {
        /// The questions (e.g. ../shared/data/docs-qa/python-3.11.jsonl).
        file: PathBuf,
        #[arg(long)]
        mode: Option<Mode>,
        /// Write one graded row per question (JSONL).
        #[arg(long)]
        rows: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Index the paragraphs of a SQuAD v1.1 file as pages and grade answers to a sample of its
    /// questions: how often a sentence holds a gold span and cites its paragraph, next to how
    /// often the first retrieved passage does.
    Squad {
        /// The SQuAD JSON file (e.g. ../shared/data/squad-v1.1/dev-v1.1.json).
        file: PathBuf,
        /// Questions asked, spread evenly over the file.
        #[arg(long, default_value_t = 1000)]
        questions: usize,
        /// Only the first N articles, their paragraphs and questions (0: all): a short run.
        #[arg(long, default_value_t = 0)]
        articles: usize,
        /// Scratch data directory to index into (kept and reused); default: a temporary one.
        #[arg(long)]
        scratch: Option<PathBuf>,
        #[arg(long)]
        mode: Option<Mode>,
        #[arg(long)]
        rows: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Measure the citation verifier on SciFact's rationales (claim vs. supporting, contradicting
    /// and unrelated sentences): precision and recall of `supported`. Uses the embedding model when
    /// --model-dir is given.
    Verify {
        /// The SciFact directory (queries.jsonl with rationales, extra/corpus_sentences.jsonl).
        dir: PathBuf,
    },
}

/// How `cited serve` listens and whom it lets in.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: SocketAddr,
    /// Questions evaluated at once (default: 4 per CPU core, 8 on two cores); beyond it a
    /// request waits up to 2 s, then gets 503.
    #[arg(long)]
    pub max_concurrent: Option<usize>,
    /// Longest time to answer one request, in seconds (503 beyond it).
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
    /// Allow cross-origin requests from this origin (repeatable; `*` for any). Off by default.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Revisit every known page this often (e.g. `6h`, `30m`) and index what changed, while
    /// serving. Off by default.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub recrawl_every: Option<Duration>,
    /// Let `POST /api/crawl` fetch loopback, private and link-local addresses (refused by
    /// default: a caller must not make cited reach your internal network).
    #[arg(long, env = "CITED_ALLOW_PRIVATE_CRAWL")]
    pub allow_private_crawl: bool,
    /// Let server-started crawls reach this one address although it is private (repeatable;
    /// e.g. an intranet site you trust), while every other private address stays refused.
    #[arg(long = "allow-crawl-address")]
    pub allow_crawl_addresses: Vec<std::net::IpAddr>,
    /// Seconds a client may take to send a request's headers; slower connections (and idle
    /// keep-alive ones) are closed.
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds writing a reply may make no progress (a client that does not read) before the
    /// connection is closed.
    #[arg(long, default_value_t = 60)]
    pub write_timeout_secs: u64,
    /// Host names `/mcp` answers to (repeatable; a guard against DNS rebinding). Default: localhost,
    /// 127.0.0.1 and ::1; add the name clients use to reach this server.
    #[arg(long = "mcp-allowed-host")]
    pub mcp_allowed_hosts: Vec<String>,
    /// Connections one client address may hold open at once; more are closed on accept.
    #[arg(long, default_value_t = 512)]
    pub max_connections_per_ip: usize,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Seed URLs (http or https). None: resume the queued frontier.
    pub urls: Vec<String>,
    /// Stop after this many pages have been fetched (counting earlier runs on this frontier).
    #[arg(long, default_value_t = defaults::MAX_PAGES)]
    pub max_pages: u64,
    /// Follow links at most this many hops from a seed.
    #[arg(long, default_value_t = defaults::MAX_DEPTH)]
    pub max_depth: u32,
    /// Requests one host gets in one run (0: no limit); bounds endless URL spaces such as
    /// calendars. The host's other URLs stay queued for the next run.
    #[arg(long, default_value_t = defaults::MAX_PAGES_PER_HOST)]
    pub max_pages_per_host: u64,
    /// New URLs one URL pattern may add in one run (digits and query values folded:
    /// `/cal/2024/05?view=day` is `/cal/0/0?view`); bounds calendars and endless listings
    /// (0: no limit). Repeating paths (`/a/b/a/b/a/b/a/b`) are never queued.
    #[arg(long, default_value_t = defaults::MAX_URLS_PER_PATTERN)]
    pub max_urls_per_pattern: u64,
    /// Wait between two requests to one host, in milliseconds (robots.txt Crawl-delay can raise it).
    #[arg(long, default_value_t = defaults::DELAY_MS)]
    pub delay_ms: u64,
    /// Requests in flight per host.
    #[arg(long, default_value_t = defaults::PER_HOST)]
    pub per_host: usize,
    /// Requests in flight in all.
    #[arg(long, default_value_t = defaults::CONCURRENCY)]
    pub concurrency: usize,
    /// Which links to follow: host (same host as a seed), domain (same registrable domain), prefix.
    #[arg(long, default_value = "host")]
    pub scope: Scope,
    /// User agent sent with every request and matched against robots.txt.
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Total time allowed for one request, in seconds.
    #[arg(long, default_value_t = defaults::TIMEOUT_SECS)]
    pub timeout_secs: u64,
    /// Largest body read, in bytes; longer bodies are cut and flagged.
    #[arg(long, default_value_t = defaults::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Do not update the index after crawling.
    #[arg(long)]
    pub no_index: bool,
    /// Do not read the seed hosts' sitemaps (robots.txt `Sitemap:` lines, else `/sitemap.xml`).
    #[arg(long)]
    pub no_sitemaps: bool,
    /// Revisit every known page (conditional GET: unchanged pages cost a 304), drop pages that are
    /// gone (404/410) or moved, re-index what changed, and follow new links.
    #[arg(long)]
    pub refresh: bool,
    /// Revisit only the pages that are due: each page's interval starts at a day, doubles while
    /// it does not change (up to 30 days) and halves when it does (down to an hour).
    #[arg(long, conflicts_with = "refresh")]
    pub refresh_due: bool,
}

impl CrawlArgs {
    pub(super) fn config(&self) -> Result<CrawlConfig> {
        anyhow::ensure!(self.per_host >= 1, "--per-host must be at least 1");
        anyhow::ensure!(self.concurrency >= 1, "--concurrency must be at least 1");
        let mut fetch = FetchConfig {
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            max_body: self.max_body_bytes,
            ..FetchConfig::default()
        };
        if let Some(ua) = &self.user_agent {
            fetch.user_agent = ua.clone();
        }
        Ok(CrawlConfig {
            scope: self.scope,
            max_pages: self.max_pages,
            earlier_runs_count: true,
            max_depth: self.max_depth,
            delay: Duration::from_millis(self.delay_ms),
            per_host: self.per_host,
            concurrency: self.concurrency,
            fetch,
            sitemaps: !self.no_sitemaps,
            max_pages_per_host: self.max_pages_per_host,
            max_urls_per_pattern: self.max_urls_per_pattern,
        })
    }
}

/// A `--min-support` value: a number from 0 to 1.
fn support_value(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number from 0 to 1")),
    }
}
