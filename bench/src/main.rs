//! cited's benchmark harness: crawl, index and query speed, side by side with the tools users would
//! pick instead, in the same run (ratios hold on a noisy machine; absolute times do not).
//!
//! `cargo build --release && cargo run --release --manifest-path bench/Cargo.toml` runs it all and
//! writes `bench/results/latest.md` and SVG charts. Pages are counted on the test server's side.

mod corpus;
mod crawl;
mod embed;
mod load;
mod queries;
mod report;
mod site;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indexer::PageStore;

use report::{IndexRow, Report};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spider-crawl") => crawl::spider_main(&args[1..]),
        Some("load") => load::main(&args[1..]),
        None => run_all(&[]),
        Some(a) if a.starts_with("--") => run_all(&args),
        Some("all") => run_all(&args[1..]),
        Some("crawl") => run_crawls(&args[1..]),
        Some("embed") => run_embed(&args[1..]),
        Some("hybrid-scale") => queries::run_hybrid_scale(&args[1..]),
        Some(other) => {
            bail!("unknown command {other}: use `all` (default), `crawl`, `embed DATA_DIR` or `hybrid-scale [CHUNKS] [--keep DIR]`")
        }
    }
}

/// Options of a full run (`--quick`, `--pages N`, `--sizes 10000,100000`).
pub struct Options {
    pub quick: bool,
    /// Pages per host of the generated web.
    pub pages: usize,
    pub hosts: usize,
    pub rounds: usize,
    pub wget_pages: usize,
    /// Pages of the Rust documentation crawled (a cap: the tree has ~49k).
    pub docs_pages: usize,
    pub query_seconds: u64,
    /// Corpus sizes in chunks for the scaling run; the query suite runs on the one nearest 100k.
    pub sizes: Vec<usize>,
}

fn options(args: &[String]) -> Options {
    let quick = args.iter().any(|a| a == "--quick");
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str| value(name).and_then(|v| v.parse().ok());
    Options {
        quick,
        pages: num("--pages").unwrap_or(if quick { 100 } else { 700 }),
        hosts: 3,
        rounds: num("--rounds").unwrap_or(if quick { 1 } else { 3 }),
        wget_pages: num("--wget-pages").unwrap_or(if quick { 50 } else { 300 }),
        docs_pages: num("--docs-pages").unwrap_or(if quick { 200 } else { 1500 }),
        query_seconds: if quick { 3 } else { 8 },
        sizes: value("--sizes")
            .map(|v| v.split(',').filter_map(|s| s.parse().ok()).collect())
            .unwrap_or(if quick {
                vec![2_000, 10_000]
            } else {
                vec![10_000, 100_000, 1_000_000]
            }),
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the repository")
        .to_path_buf()
}

pub fn cited_bin() -> Result<PathBuf> {
    let bin = repo_root().join("target/release/cited");
    if !bin.exists() {
        bail!(
            "{} is missing: run `cargo build --release` first",
            bin.display()
        );
    }
    Ok(bin)
}

/// The all-MiniLM-L6-v2 weights (`scripts/fetch-model`), if fetched.
fn model_dir() -> Option<PathBuf> {
    let dir = repo_root().join("target/models/all-MiniLM-L6-v2");
    dir.join("model.safetensors").exists().then_some(dir)
}

/// Runs `command` (pinned to `core` when the machine has more than one) under `/usr/bin/time`;
/// returns wall time, peak RSS in MB and what it printed.
pub fn measured(command: Command, core: Option<usize>) -> Result<(Duration, f64, String)> {
    let mut argv: Vec<String> = vec![command.get_program().to_string_lossy().into_owned()];
    argv.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    let mut full = Command::new("/usr/bin/time");
    full.arg("-f").arg("__RSS_KB=%M");
    if let Some(core) = core.filter(|_| cores() > 1) {
        full.args(["taskset", "-c", &core.to_string()]);
    }
    full.args(&argv);
    for (k, v) in command.get_envs() {
        if let Some(v) = v {
            full.env(k, v);
        }
    }
    if let Some(dir) = command.get_current_dir() {
        full.current_dir(dir);
    }
    let started = Instant::now();
    let out = full
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {argv:?} (is /usr/bin/time installed?)"))?;
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let rss_kb: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("__RSS_KB="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() && !stderr.contains("Command terminated by signal") {
        eprintln!("warning: {argv:?} exited with {}: {stderr}", out.status);
    }
    Ok((took, rss_kb / 1024.0, stdout + &stderr))
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

/// Only the crawl benchmarks, their table printed (`results/` is left as it is): for checking a crawler
/// change without the hour a full run takes.
fn run_crawls(args: &[String]) -> Result<()> {
    let options = options(args);
    let cited = cited_bin()?;
    let runtime = bench_runtime()?;
    let report =
        part(|scratch, report| crawl::run(&runtime, &options, &cited, scratch, report).map(drop))?;
    print!("{}", report.crawl_markdown());
    Ok(())
}

/// Only the embedding rows, on the pages of a data directory (`embed DATA_DIR`), their table printed.
fn run_embed(args: &[String]) -> Result<()> {
    let [data] = args else {
        bail!("embed DATA_DIR: a data directory whose pages to embed");
    };
    let cited = cited_bin()?;
    let report = part(|scratch, report| embed::run(&cited, Path::new(data), scratch, report))?;
    print!("{}", report.embed_markdown());
    Ok(())
}

/// Runs one part of the benchmarks in a scratch directory of its own, removed afterwards (kept when
/// `CITED_BENCH_KEEP` is set, to look at what it wrote); returns the rows it measured.
fn part(run: impl FnOnce(&Path, &mut Report) -> Result<()>) -> Result<Report> {
    let scratch = scratch_dir()?;
    let mut report = Report::new(cores());
    let ran = run(&scratch, &mut report);
    if std::env::var_os("CITED_BENCH_KEEP").is_some() {
        eprintln!("scratch kept in {}", scratch.display());
    } else {
        std::fs::remove_dir_all(&scratch)?;
    }
    ran.map(|()| report)
}

/// The harness's own runtime: one worker, so that the servers it runs take little of the cores.
fn bench_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

/// A new scratch directory for this run.
fn scratch_dir() -> Result<PathBuf> {
    let scratch = std::env::temp_dir().join(format!("cited-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    Ok(scratch)
}

fn run_all(args: &[String]) -> Result<()> {
    let options = options(args);
    let cited = cited_bin()?;
    let runtime = bench_runtime()?;
    let scratch = scratch_dir()?;
    let mut report = Report::new(cores());
    let started = Instant::now();

    // Crawls: the generated web (politeness off, then on), a real documentation tree, wget.
    let (crawled, small) = crawl::run(&runtime, &options, &cited, &scratch, &mut report)?;
    eprintln!("[{:.0}s] crawls done", started.elapsed().as_secs_f64());

    // Index the crawled web: lexical, then with embeddings (a copy of the same store).
    index_crawled(&cited, &crawled, &small, &scratch, &options, &mut report)?;
    eprintln!("[{:.0}s] index done", started.elapsed().as_secs_f64());

    // Hybrid queries on the embedded crawl.
    queries::on_crawl(&cited, &scratch.join("embedded"), &options, &mut report)?;

    // Scaling: generated corpora of growing size, indexed by `cited index`, queried under load.
    for &size in &options.sizes {
        queries::scale(&cited, &scratch, size, &options, &mut report)?;
        eprintln!(
            "[{:.0}s] corpus {size} done",
            started.elapsed().as_secs_f64()
        );
    }
    eprintln!("[{:.0}s] queries done", started.elapsed().as_secs_f64());

    let out = repo_root().join("bench/results");
    report.write(&out)?;
    println!("{}", std::fs::read_to_string(out.join("latest.md"))?);
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("[{:.0}s] all done", started.elapsed().as_secs_f64());
    Ok(())
}

/// Indexes the crawled web lexically, then the smaller crawl with embeddings (when the model has
/// been fetched: embedding on a CPU is slow, so it gets the smaller site).
fn index_crawled(
    cited: &Path,
    crawled: &Path,
    small: &Path,
    scratch: &Path,
    options: &Options,
    report: &mut Report,
) -> Result<()> {
    let mut c = Command::new(cited);
    c.env("CITED_OFFLINE", "1")
        .arg("--data-dir")
        .arg(crawled)
        .arg("index");
    let (took, rss, output) = measured(c, None)?;
    let chunks = chunks_written(&output);
    eprintln!("indexed {chunks} chunks in {:.2} s", took.as_secs_f64());
    report.index.push(IndexRow {
        what: "lexical (chunk + tantivy), crawled web".into(),
        pages: options.pages * options.hosts,
        chunks,
        seconds: took.as_secs_f64(),
        peak_rss_mb: rss,
    });
    let Some(model) = model_dir() else {
        eprintln!("no model in target/models (scripts/fetch-model): embedding figures skipped");
        return Ok(());
    };
    let embedded = scratch.join("embedded");
    copy_dir(small, &embedded)?;
    let pages = PageStore::open(&embedded.join("store.sqlite"))?
        .stats()?
        .pages as usize;
    let mut c = Command::new(cited);
    c.env("CITED_OFFLINE", "1")
        .arg("--data-dir")
        .arg(&embedded)
        .arg("--model-dir")
        .arg(&model)
        .arg("index");
    let (took, rss, output) = measured(c, None)?;
    let embedded_chunks = output
        .lines()
        .find_map(|l| l.strip_prefix("embedded "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    eprintln!(
        "indexed and embedded {embedded_chunks} chunks in {:.2} s",
        took.as_secs_f64()
    );
    report.index.push(IndexRow {
        what: format!(
            "lexical + embeddings (all-MiniLM-L6-v2, candle, {} cores), small crawl",
            cores()
        ),
        pages,
        chunks: embedded_chunks,
        seconds: took.as_secs_f64(),
        peak_rss_mb: rss,
    });
    embed::run(cited, small, scratch, report)
}

fn chunks_written(output: &str) -> u64 {
    output
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(3)
        .find(|w| w[1] == "chunks" && w[2] == "written,")
        .and_then(|w| w[0].parse::<u64>().ok())
        .unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    let status = Command::new("cp").arg("-a").arg(from).arg(to).status()?;
    anyhow::ensure!(status.success(), "cp -a {} failed", from.display());
    Ok(())
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Which embedding runtime a server loads, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Runtime {
    None,
    Candle,
    Onnx,
}

/// ONNX Runtime's library (`scripts/fetch-model --onnx`), if fetched, with the model's model.onnx.
fn ort_lib() -> Option<PathBuf> {
    let lib = repo_root().join("target/onnxruntime/libonnxruntime.so");
    (lib.exists() && model_dir()?.join("model.onnx").exists()).then_some(lib)
}

/// `cited serve` on a free loopback port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    fn start(cited: &Path, data: &Path, runtime: Runtime) -> Result<Self> {
        let model = model_dir().filter(|_| runtime != Runtime::None);
        let lib = ort_lib().filter(|_| runtime == Runtime::Onnx);
        Self::start_with(
            cited,
            data,
            model.as_deref().map(|m| (m, lib.as_deref())),
            Some(64),
        )
    }

    /// `cited serve` with a model directory, run by ONNX Runtime when its library is given,
    /// admitting `max_concurrent` requests at once (its default when `None`).
    fn start_with(
        cited: &Path,
        data: &Path,
        model: Option<(&Path, Option<&Path>)>,
        max_concurrent: Option<usize>,
    ) -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut c = Command::new(cited);
        c.env("CITED_OFFLINE", "1").arg("--data-dir").arg(data);
        if let Some((model, lib)) = model {
            c.arg("--model-dir").arg(model);
            if let Some(lib) = lib {
                c.arg("--ort-lib").arg(lib);
            }
        }
        c.args(["serve", "--addr", &format!("127.0.0.1:{port}")]);
        if let Some(n) = max_concurrent {
            c.args(["--max-concurrent", &n.to_string()]);
        }
        let child = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(&addr).is_err() {
            if Instant::now() > deadline {
                bail!("{addr} never came up");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Self {
            child,
            base: format!("http://{addr}"),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
