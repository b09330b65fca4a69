//! The command line: argument types and one function per command.

pub mod config_file;
pub(crate) mod output;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use crawler::crawl::defaults;
use crawler::{fetch::FetchConfig, CrawlConfig, Scope};

use crate::answer::openai::LlmSettings;
use crate::config::{DataDir, QdrantSettings, Settings};
use crate::engine::Engine;
use crate::ingest;
use crate::retrieve::Mode;
use crate::serve::dto::{AnswerResponse, SearchResponse};

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
    /// Run the model with ONNX Runtime from this `libonnxruntime` file (the PyPI `onnxruntime`
    /// wheel has one) and the model directory's `model.onnx`; about twice as fast as the built-in
    /// runtime.
    #[arg(long, global = true, env = "CITED_ORT_LIB")]
    pub ort_lib: Option<PathBuf>,
    /// Where `cited index` downloads the default model from when there is none (a Hugging Face
    /// hub or mirror).
    #[arg(long, global = true, env = "CITED_MODEL_ENDPOINT", default_value = crate::models::DEFAULT_ENDPOINT)]
    pub model_endpoint: String,
    /// Never download a model; without one cited is lexical only.
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
    Serve {
        #[arg(long, default_value = "127.0.0.1:7878")]
        addr: SocketAddr,
        /// Questions evaluated at once; beyond it a request waits up to 2 s, then gets 503.
        #[arg(long, default_value_t = 8)]
        max_concurrent: usize,
        /// Longest time to answer one request, in seconds (503 beyond it).
        #[arg(long, default_value_t = 30)]
        timeout_secs: u64,
        /// Allow cross-origin requests from this origin (repeatable; `*` for any). Off by default.
        #[arg(long = "cors-origin")]
        cors_origins: Vec<String>,
        /// Revisit every known page this often (e.g. `6h`, `30m`) and index what changed, while
        /// serving. Off by default.
        #[arg(long, value_parser = humantime::parse_duration)]
        recrawl_every: Option<Duration>,
        /// Let `POST /api/crawl` fetch loopback, private and link-local addresses (refused by
        /// default: a caller must not make cited reach your internal network).
        #[arg(long, env = "CITED_ALLOW_PRIVATE_CRAWL")]
        allow_private_crawl: bool,
        /// Let server-started crawls reach this one address although it is private (repeatable;
        /// e.g. an intranet site you trust), while every other private address stays refused.
        #[arg(long = "allow-crawl-address")]
        allow_crawl_addresses: Vec<std::net::IpAddr>,
        /// Seconds a client may take to send a request's headers; slower connections (and idle
        /// keep-alive ones) are closed.
        #[arg(long, default_value_t = 10)]
        header_timeout_secs: u64,
        /// Connections one client address may hold open at once; more are closed on accept.
        #[arg(long, default_value_t = 512)]
        max_connections_per_ip: usize,
    },
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
    fn config(&self) -> Result<CrawlConfig> {
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

/// Runs one command.
/// Parses the process's arguments over the settings of the config file ([`config_file`]). Errors are
/// clap's (print with `exit`) or the file's.
pub fn parse_args() -> Result<Cli> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = Cli::command();
    if let Some(path) = config_file::locate(&args) {
        command = config_file::apply_file(command, &path)?;
    }
    let matches = command.try_get_matches_from(args)?;
    Ok(Cli::from_arg_matches(&matches)?)
}

/// What to do about a failed command, in the binary's words (the libraries do not know its
/// commands).
pub fn hint(error: &anyhow::Error) -> Option<&'static str> {
    error
        .chain()
        .find_map(|e| match e.downcast_ref::<indexer::IndexError>()? {
            indexer::IndexError::Locked(_) => {
                Some("wait for the running `cited index` or `cited rebuild` to finish")
            }
            indexer::IndexError::SchemaChanged(_) => {
                Some("run `cited rebuild` to build the index again from the page store")
            }
            _ => None,
        })
}

pub async fn run(cli: Cli) -> Result<()> {
    let data = DataDir::new(&cli.data_dir);
    let download = (!cli.offline).then_some(cli.model_endpoint.as_str());
    let settings = Settings {
        model_dir: cli.model_dir.clone(),
        ort_lib: cli.ort_lib.clone(),
        qdrant: cli.qdrant_url.clone().map(|url| QdrantSettings {
            url,
            api_key: cli.qdrant_api_key.clone(),
            collection: cli.qdrant_collection.clone(),
        }),
        llm: match (&cli.llm_url, &cli.llm_model) {
            (Some(url), Some(model)) => Some(LlmSettings {
                url: url.clone(),
                model: model.clone(),
                api_key: cli.llm_api_key.clone(),
                timeout: std::time::Duration::from_secs(cli.llm_timeout_secs.max(1)),
            }),
            _ => None,
        },
    };
    match cli.command {
        Command::Crawl(args) => crawl(&data, &settings, download, args).await,
        Command::Index => index(&data, &settings, download).await,
        Command::Ask {
            question,
            json,
            mode,
            min_support,
        } => {
            let response = ask(&data, &settings, &question.join(" "), json, mode).await?;
            if let Some(min) = min_support {
                let weak = response
                    .sentences
                    .iter()
                    .filter(|s| s.support < min)
                    .count();
                if weak > 0 {
                    eprintln!(
                        "{weak} of {} sentences have support below {min}",
                        response.sentences.len()
                    );
                    std::process::exit(3);
                }
            }
            Ok(())
        }
        Command::Search {
            query,
            json,
            limit,
            mode,
        } => search(&data, &settings, &query.join(" "), json, limit, mode).await,
        Command::Serve {
            addr,
            max_concurrent,
            timeout_secs,
            cors_origins,
            recrawl_every,
            allow_private_crawl,
            allow_crawl_addresses,
            header_timeout_secs,
            max_connections_per_ip,
        } => {
            let engine = Engine::open(&data, &settings)?;
            let options = crate::serve::ServeOptions {
                data: Some(data.clone()),
                settings: settings.clone(),
                // From the environment only, like every secret.
                admin_token: std::env::var("CITED_ADMIN_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty()),
                crawl_reach: if allow_private_crawl {
                    crawler::fetch::Reach::Any
                } else {
                    crawler::fetch::Reach::Public {
                        also: allow_crawl_addresses,
                    }
                },
                recrawl_every,
                max_concurrent,
                timeout: Duration::from_secs(timeout_secs),
                header_timeout: Duration::from_secs(header_timeout_secs.max(1)),
                max_connections_per_ip,
                cors_origins,
            };
            let listener = crate::serve::bind(addr).await?;
            eprintln!("cited is serving on http://{}", listener.local_addr()?);
            crate::serve::serve(engine, listener, options).await
        }
        Command::Stats { json } => stats(&data, &settings, json),
        Command::Rebuild { json } => rebuild(&data, &settings, download, json).await,
        Command::Jobs { json } => {
            let jobs = crate::jobs::list(&data);
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                print!("{}", output::jobs_text(&jobs));
            }
            Ok(())
        }
        Command::Eval(EvalCommand::Beir {
            dir,
            split,
            run_out,
            scratch,
            json,
            mode,
            fusion,
        }) => {
            let (scratch, _temp) = scratch_dir(scratch)?;
            let options = crate::eval::EvalOptions {
                dataset: dir,
                split,
                scratch,
                run_out,
                mode,
                settings: settings.clone(),
                fusion,
            };
            run_eval(
                json,
                move || crate::eval::run_beir(&options),
                output::beir_text,
            )
            .await
        }
        Command::Eval(EvalCommand::Answers {
            file,
            mode,
            rows,
            json,
        }) => {
            let work = move || {
                crate::eval::answers::run_docs_qa(&file, &data, &settings, mode, rows.as_deref())
            };
            run_eval(json, work, output::docs_qa_text).await
        }
        Command::Eval(EvalCommand::Squad {
            file,
            questions,
            articles,
            scratch,
            mode,
            rows,
            json,
        }) => {
            let (scratch, _temp) = scratch_dir(scratch)?;
            let options = crate::eval::answers::SquadOptions {
                file,
                questions,
                articles,
                scratch,
                mode,
                settings: settings.clone(),
                rows_out: rows,
            };
            let work = move || crate::eval::answers::run_squad(&options);
            run_eval(json, work, output::squad_text).await
        }
        Command::Eval(EvalCommand::Verify { dir }) => {
            let report =
                tokio::task::spawn_blocking(move || crate::eval::verify::run(&dir, &settings))
                    .await
                    .context("eval task failed")??;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}

async fn crawl(
    data: &DataDir,
    settings: &Settings,
    download: Option<&str>,
    args: CrawlArgs,
) -> Result<()> {
    let seeds = ingest::parse_seeds(&args.urls)?;
    let config = args.config()?;
    let bar = output::spinner();
    let job = crate::jobs::Job::start(data, "crawl");
    let refresh = match (args.refresh, args.refresh_due) {
        (true, _) => ingest::Refresh::All,
        (false, true) => ingest::Refresh::Due,
        _ => ingest::Refresh::No,
    };
    let stats = ingest::crawl(data, &seeds, config, refresh, &|s| {
        bar.set_message(output::crawl_progress(s));
        job.progress("crawling", s.fetched, s.fetched + s.queued);
    })
    .await;
    job.finish(&stats);
    bar.finish_and_clear();
    let stats = stats?;
    println!("{}", output::crawl_summary(&stats));
    if !args.no_index {
        index(data, settings, download).await?;
    }
    Ok(())
}

/// Downloads the default model if it is missing (unless offline or a model directory is given),
/// then runs `job` (an index or a rebuild) on the blocking pool with a progress bar.
async fn with_index_progress<T: Send + serde::Serialize + 'static>(
    data: &DataDir,
    settings: &Settings,
    download: Option<&str>,
    kind: &'static str,
    job: impl FnOnce(&DataDir, &Settings, &dyn Fn(indexer::sync::Stage, u64, u64)) -> Result<T>
        + Send
        + 'static,
) -> Result<T> {
    if let (None, Some(endpoint)) = (&settings.model_dir, download) {
        if let Err(e) = crate::models::ensure_default(data, endpoint).await {
            eprintln!("note: could not download the embedding model: {e:#}");
        }
    }
    let (data, settings) = (data.clone(), settings.clone());
    let bar = output::counter("indexing pages");
    let bar2 = bar.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        crate::jobs::run(&data, kind, |record| {
            job(&data, &settings, &|stage, done, total| {
                let stage = stage.label();
                bar2.set_message(stage);
                bar2.set_length(total);
                bar2.set_position(done);
                record(stage, done, total);
            })
        })
    })
    .await
    .context("index task failed")?;
    bar.finish_and_clear();
    outcome
}

async fn rebuild(
    data: &DataDir,
    settings: &Settings,
    download: Option<&str>,
    json: bool,
) -> Result<()> {
    let report = with_index_progress(data, settings, download, "rebuild", |d, s, p| {
        crate::index::generation::rebuild(d, s, p)
    })
    .await;
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "rebuilt in {:.1}s: generation {} → {} ({} pages, {} chunks, {} vectors{}); removed old generations: {:?}",
            report.took_ms as f64 / 1000.0,
            report.from,
            report.to,
            report.pages,
            report.chunks,
            report.vectors,
            report.model.as_deref().map(|m| format!(" from {m}")).unwrap_or_default(),
            report.removed_generations
        );
    }
    Ok(())
}

async fn index(data: &DataDir, settings: &Settings, download: Option<&str>) -> Result<()> {
    let stats = with_index_progress(data, settings, download, "index", |d, s, p| {
        crate::index::update(d, s, p)
    })
    .await;
    let stats = stats?;
    println!(
        "indexed in {:.1}s: {} pages added, {} updated, {} removed, {} unchanged; {} chunks written, {} in the index",
        stats.elapsed_ms as f64 / 1000.0,
        stats.added,
        stats.updated,
        stats.removed,
        stats.unchanged,
        stats.chunks_written,
        stats.chunks_total
    );
    if stats.chunks_embedded > 0 {
        println!(
            "embedded {} passages in {:.1}s ({:.1} passages/s)",
            stats.chunks_embedded,
            stats.embed_ms as f64 / 1000.0,
            stats.chunks_embedded as f64 / (stats.embed_ms.max(1) as f64 / 1000.0)
        );
    }
    Ok(())
}

async fn ask(
    data: &DataDir,
    settings: &Settings,
    question: &str,
    json: bool,
    mode: Option<Mode>,
) -> Result<AnswerResponse> {
    use std::io::{IsTerminal, Write};
    let engine = Engine::open(data, settings)?;
    // A generated answer streams to a terminal's stderr as the model writes it; the checked answer
    // then goes to stdout.
    let live = !json && std::io::stderr().is_terminal();
    let mut wrote = false;
    let (answer, timings) = engine
        .answer_unless(question, mode, &|| false, &mut |progress| {
            let mut err = std::io::stderr();
            match progress {
                crate::engine::Progress::Token(token) if live => {
                    wrote = true;
                    let _ = write!(err, "{token}");
                    let _ = err.flush();
                }
                crate::engine::Progress::Notice(notice) if live && wrote => {
                    let _ = writeln!(err, "\n({notice})");
                }
                _ => {}
            }
        })
        .map_err(anyhow::Error::from)?
        .context("the answer was cancelled")?;
    if wrote {
        eprintln!("\n\n— checked against the sources:\n");
    }
    let response = AnswerResponse::from(crate::engine::Timed {
        value: answer,
        took_ms: timings.total_ms,
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        print!("{}", output::answer_text(&response));
    }
    Ok(response)
}

fn support_value(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number from 0 to 1")),
    }
}

async fn search(
    data: &DataDir,
    settings: &Settings,
    query: &str,
    json: bool,
    limit: usize,
    mode: Option<Mode>,
) -> Result<()> {
    let engine = Engine::open(data, settings)?;
    let results = engine
        .search(query, limit, mode)
        .map_err(anyhow::Error::from)?;
    let response = SearchResponse::from(results.value);
    if json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        print!("{}", output::search_text(&response));
    }
    Ok(())
}

/// The scratch data directory of an evaluation: the one given (kept), or a temporary one removed
/// when the returned guard drops.
fn scratch_dir(given: Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    match given {
        Some(dir) => Ok((dir, None)),
        None => {
            let temp = tempfile::tempdir().context("cannot create a scratch directory")?;
            Ok((temp.path().to_path_buf(), Some(temp)))
        }
    }
}

/// Runs an evaluation off the async runtime and prints its report as JSON or as `text` says.
async fn run_eval<R: serde::Serialize + Send + 'static>(
    json: bool,
    work: impl FnOnce() -> Result<R> + Send + 'static,
    text: fn(&R) -> String,
) -> Result<()> {
    let report = tokio::task::spawn_blocking(work)
        .await
        .context("eval task failed")??;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(())
}

fn stats(data: &DataDir, settings: &Settings, json: bool) -> Result<()> {
    let report = crate::status::Status::gather(data, settings)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_errors_get_the_command_that_fixes_them() {
        let schema: Result<()> =
            Err(indexer::IndexError::SchemaChanged("DATA/index".into()).into());
        let schema = schema
            .context("cannot open the search index")
            .expect_err("an error");
        assert_eq!(
            hint(&schema),
            Some("run `cited rebuild` to build the index again from the page store")
        );
        assert!(
            !format!("{schema:#}").contains("`cited"),
            "the library names no command: {schema:#}"
        );
        let other = anyhow::anyhow!("cannot listen on 127.0.0.1:1");
        assert_eq!(hint(&other), None);
    }
}
