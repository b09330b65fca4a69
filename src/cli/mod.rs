//! The command line: argument types and one function per command.

mod args;
pub mod config_file;
pub(crate) mod output;

pub use args::{Cli, Command, CrawlArgs, EvalCommand, ServeArgs};

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::answer::openai::LlmSettings;
use crate::config::{QdrantSettings, Settings};
use crate::data_dir::DataDir;
use crate::dto::{AnswerResponse, SearchResponse};
use crate::engine::Engine;
use crate::ingest;
use crate::retrieve::Mode;

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

/// Fails with what to do when `data` holds no index to query: a mistyped `--data-dir` would
/// otherwise be created empty and answer every question with "No passage … answers this question",
/// as if the site said nothing about it.
fn require_index(data: &DataDir) -> Result<()> {
    require_data_dir(data)?;
    let dir = data.root().display();
    if !data.serving().index_path().is_dir() {
        anyhow::bail!(
            "`{dir}` holds no index: crawl a site into it (`cited --data-dir {dir} crawl URL`), or index the pages it holds (`cited --data-dir {dir} index`)"
        );
    }
    Ok(())
}

/// Fails with what to do when `data` does not exist, for commands that work on what is in it
/// (`rebuild`): a mistyped `--data-dir` is not created. (`stats` reports on any directory, an empty
/// one with zeros: it says which data directory the settings pick.)
fn require_data_dir(data: &DataDir) -> Result<()> {
    let dir = data.root().display();
    if !data.root().is_dir() {
        anyhow::bail!(
            "no data directory at `{dir}`: crawl a site into it first (`cited --data-dir {dir} crawl URL`)"
        );
    }
    Ok(())
}

/// Where first-use downloads come from.
struct Endpoints<'a> {
    model: &'a str,
    runtime: &'a str,
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<()> {
    let data = DataDir::new(&cli.data_dir);
    let endpoints = Endpoints {
        model: &cli.model_endpoint,
        runtime: &cli.runtime_endpoint,
    };
    let download = (!cli.offline).then_some(&endpoints);
    let settings = settings(&cli);
    match cli.command {
        Command::Crawl(args) => crawl(&data, &settings, download, args).await,
        Command::Index => index(&data, &settings, download).await,
        Command::Chat { mode } => {
            require_index(&data)?;
            chat(&data, &settings, mode).await
        }
        Command::Mcp => {
            require_index(&data)?;
            let engine = Engine::open(&data, &settings)?;
            let store =
                store::PageStore::open(&data.store_path()).context("cannot open the page store")?;
            crate::mcp::CitedMcp::new(std::sync::Arc::new(move || engine.clone()), store)
                .serve_stdio()
                .await
        }
        Command::Ask {
            question,
            json,
            mode,
            min_support,
        } => {
            require_index(&data)?;
            let response = ask(&data, &settings, &question.join(" "), json, mode).await?;
            if let Some(min) = min_support {
                exit_if_weak(&response, min);
            }
            Ok(())
        }
        Command::Search {
            query,
            json,
            limit,
            mode,
        } => {
            require_index(&data)?;
            search(&data, &settings, &query.join(" "), json, limit, mode).await
        }
        Command::Serve(args) => serve(data, settings, args).await,
        Command::Stats { json } => stats(&data, &settings, json),
        Command::Rebuild { json } => {
            require_data_dir(&data)?;
            rebuild(&data, &settings, download, json).await
        }
        Command::Jobs { json } => {
            let jobs = crate::jobs::list(&data);
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                print!("{}", output::jobs_text(&jobs));
            }
            Ok(())
        }
        Command::Eval(command) => eval(data, settings, command).await,
    }
}

/// What the engine is built from, as the command line (and its environment) sets it.
fn settings(cli: &Cli) -> Settings {
    Settings {
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
    }
}

/// `ask --min-support`: exits with status 3 when some sentence of the answer has less support.
fn exit_if_weak(response: &AnswerResponse, min: f32) {
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

async fn serve(data: DataDir, settings: Settings, args: ServeArgs) -> Result<()> {
    let engine = Engine::open(&data, &settings)?;
    let options = crate::serve::ServeOptions {
        data: Some(data.clone()),
        settings: settings.clone(),
        // From the environment only, like every secret.
        admin_token: std::env::var("CITED_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
        mcp_allowed_hosts: args.mcp_allowed_hosts,
        api_keys: std::env::var("CITED_API_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(String::from)
            .collect(),
        crawl_reach: if args.allow_private_crawl {
            crawler::fetch::Reach::Any
        } else {
            crawler::fetch::Reach::Public {
                also: args.allow_crawl_addresses,
            }
        },
        recrawl_every: args.recrawl_every,
        max_concurrent: args
            .max_concurrent
            .unwrap_or_else(crate::serve::default_max_concurrent),
        timeout: Duration::from_secs(args.timeout_secs),
        header_timeout: Duration::from_secs(args.header_timeout_secs.max(1)),
        write_timeout: Duration::from_secs(args.write_timeout_secs.max(1)),
        max_connections_per_ip: args.max_connections_per_ip,
        cors_origins: args.cors_origins,
    };
    let listener = crate::serve::bind(args.addr).await?;
    eprintln!("cited is serving on http://{}", listener.local_addr()?);
    crate::serve::serve(engine, listener, options).await
}

async fn eval(data: DataDir, settings: Settings, command: EvalCommand) -> Result<()> {
    match command {
        EvalCommand::Beir {
            dir,
            split,
            run_out,
            scratch,
            json,
            mode,
            fusion,
        } => {
            let (scratch, _temp) = scratch_dir(scratch)?;
            let options = crate::eval::EvalOptions {
                dataset: dir,
                split,
                scratch,
                run_out,
                mode,
                settings,
                fusion,
            };
            run_eval(
                json,
                move || crate::eval::run_beir(&options),
                output::beir_text,
            )
            .await
        }
        EvalCommand::Answers {
            file,
            mode,
            rows,
            json,
        } => {
            require_index(&data)?;
            let work = move || {
                crate::eval::answers::run_docs_qa(&file, &data, &settings, mode, rows.as_deref())
            };
            run_eval(json, work, output::docs_qa_text).await
        }
        EvalCommand::Squad {
            file,
            questions,
            articles,
            scratch,
            mode,
            rows,
            json,
        } => {
            let (scratch, _temp) = scratch_dir(scratch)?;
            let options = crate::eval::answers::SquadOptions {
                file,
                questions,
                articles,
                scratch,
                mode,
                settings,
                rows_out: rows,
            };
            let work = move || crate::eval::answers::run_squad(&options);
            run_eval(json, work, output::squad_text).await
        }
        EvalCommand::Verify { dir } => {
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
    download: Option<&Endpoints<'_>>,
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
    download: Option<&Endpoints<'_>>,
    kind: &'static str,
    job: impl FnOnce(&DataDir, &Settings, &dyn Fn(indexer::sync::Stage, u64, u64)) -> Result<T>
        + Send
        + 'static,
) -> Result<T> {
    if let Some(endpoints) = download {
        if settings.model_dir.is_none() {
            if let Err(e) =
                crate::models::ensure_default(data, endpoints.model, &output::bytes).await
            {
                eprintln!("note: could not download the embedding model: {e:#}");
            }
        }
        if settings.ort_lib.is_none() && crate::models::find_runtime(data).is_none() {
            if let Err(e) =
                crate::models::ensure_runtime(data, endpoints.runtime, &output::bytes).await
            {
                eprintln!("note: could not download ONNX Runtime, embeddings run on the built-in runtime (about 5× slower): {e:#}");
            }
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
    download: Option<&Endpoints<'_>>,
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

async fn index(
    data: &DataDir,
    settings: &Settings,
    download: Option<&Endpoints<'_>>,
) -> Result<()> {
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
    if stats.without_text > 0 {
        println!(
            "{} pages hold no text to index (links or a code listing only)",
            stats.without_text
        );
    }
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

/// `cited chat`: a question per line of standard input, each answered with the ones before it as
/// context (a follow-up is asked in its standalone form, shown before the answer).
async fn chat(data: &DataDir, settings: &Settings, mode: Option<Mode>) -> Result<()> {
    use std::io::{BufRead, IsTerminal, Write};
    let engine = Engine::open(data, settings)?;
    let interactive = std::io::stdin().is_terminal();
    let mut history: Vec<String> = Vec::new();
    let prompt = || {
        if interactive {
            print!("? ");
            let _ = std::io::stdout().flush();
        }
    };
    prompt();
    for line in std::io::stdin().lock().lines() {
        let question = line?.trim().to_string();
        if question.is_empty() {
            prompt();
            continue;
        }
        let asked = engine.standalone(&question, &history);
        if let Some(asked) = &asked {
            println!("(asked as: {asked})");
        }
        let q = asked.as_deref().unwrap_or(&question);
        match engine.answer(q, mode) {
            Ok(answer) => print!("{}", output::answer_text(&AnswerResponse::from(answer))),
            Err(e) => eprintln!("error: {e}"),
        }
        println!();
        history.push(question);
        prompt();
    }
    Ok(())
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
