//! cited's benchmark harness: crawl, index and query speed, side by side with the tools users would
//! pick instead, in the same run (ratios hold on a noisy machine; absolute times do not).
//!
//! `cargo build --release && cargo run --release --manifest-path bench/Cargo.toml` runs it all and
//! writes `bench/results/latest.md` and SVG charts. Pages are counted on the test server's side.

mod corpus;
mod crawl;
mod embed;
mod load;
mod report;
mod site;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indexer::PageStore;

use report::{IndexRow, Report, ScaleRow};

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
        Some("hybrid-scale") => run_hybrid_scale(&args[1..]),
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

/// Hybrid queries at scale (`hybrid-scale [CHUNKS] [--keep DIR]`, default 100,000): the generated corpus indexed
/// with embeddings by ONNX Runtime (the int8 model when `scripts/quantize-model` made one: fp32 takes
/// about twice as long to embed), then hybrid search and hybrid answers under 32 clients, next to
/// lexical search on the same index. Writes `bench/results/hybrid-scale.md`. With `--keep DIR` the
/// corpus and its index stay in DIR, and a later run with the same DIR measures the queries again
/// without indexing.
fn run_hybrid_scale(args: &[String]) -> Result<()> {
    let (mut chunks, mut keep) = (100_000, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--keep" {
            keep = Some(PathBuf::from(
                args.next()
                    .context("hybrid-scale --keep DIR: a directory")?,
            ));
        } else {
            chunks = arg
                .parse()
                .context("hybrid-scale CHUNKS: a number of chunks")?;
        }
    }
    let (Some(fp32), Some(lib)) = (model_dir(), ort_lib()) else {
        bail!("hybrid-scale needs the model and ONNX Runtime: scripts/fetch-model --onnx");
    };
    let int8 = fp32.with_file_name("all-MiniLM-L6-v2-int8");
    let (model, precision) = if int8.join("model.onnx").exists() {
        (int8, "int8")
    } else {
        (fp32, "fp32")
    };
    let cited = cited_bin()?;
    let scratch = match &keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => scratch_dir()?,
    };
    let data = scratch.join("corpus");
    // What indexing measured, kept beside a kept index: a later run with the same `--keep DIR`
    // loads that index again instead of spending ~40 minutes embedding it.
    let indexed = scratch.join(format!("indexed-{chunks}-{precision}.txt"));
    let summary = match std::fs::read_to_string(&indexed) {
        Ok(summary) => {
            let summary = summary.trim().to_string();
            eprintln!("reusing the index in {} ({summary})", data.display());
            summary
        }
        _ => {
            let pages = corpus::write(&data, chunks)?;
            let mut c = Command::new(&cited);
            c.env("CITED_OFFLINE", "1")
                .arg("--data-dir")
                .arg(&data)
                .arg("--model-dir")
                .arg(&model)
                .arg("--ort-lib")
                .arg(&lib)
                .arg("index");
            let (took, rss, output) = measured(c, None)?;
            let written = chunks_written(&output);
            let embedded = output
                .lines()
                .find(|l| l.starts_with("embedded "))
                .unwrap_or("embedded: no figures")
                .to_string();
            let summary = format!(
                "{pages} pages, {written} chunks, indexed with all-MiniLM-L6-v2 {precision} on ONNX \
                 Runtime in {:.0} s (peak RSS {rss:.0} MB; {embedded})",
                took.as_secs_f64()
            );
            std::fs::write(&indexed, &summary)?;
            eprintln!("{summary}");
            summary
        }
    };
    // The server admits what `cited serve` admits by default (4 per core): admitting all 32
    // clients at once makes each request share the cores with all the others (on the Python docs,
    // 2 cores, hybrid search p99 235-246 ms admitting 64 against 91-98 ms at the default 8, at the
    // same req/s).
    let server = Server::start_with(&cited, &data, Some((&model, Some(&lib))), None)?;
    let seconds = options(&[]).query_seconds;
    let mut rows = Vec::new();
    for (endpoint, path) in [
        ("search hybrid", "/api/search?mode=hybrid&q="),
        ("answer hybrid", "/api/answer?mode=hybrid&q="),
        ("search lexical", "/api/search?mode=lexical&q="),
    ] {
        rows.push((endpoint, load::closed(&server.url(path), 32, seconds)?));
    }
    drop(server);
    let mut md = format!(
        "# Hybrid queries at scale ({} cores)\n\nGenerated corpus: {summary}. Queries: 256 \
         generated ones, repeated (recent query vectors are cached). The server runs the same \
         model, admitting as many requests at once as `cited serve` does by default (4 per \
         core).\n\n\
         | endpoint | clients | requests | errors | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n",
        cores(),
    );
    for (endpoint, row) in &rows {
        md.push_str(&format!(
            "| {endpoint} | {} | {} | {} | {:.0} | {:.2} | {:.2} |\n",
            row.clients, row.requests, row.errors, row.rps, row.p50_ms, row.p99_ms
        ));
    }
    let out = repo_root().join("bench/results/hybrid-scale.md");
    std::fs::write(&out, &md)?;
    print!("{md}");
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
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
    let embedded = scratch.join("embedded");
    if embedded.exists() && ort_lib().is_some() {
        // The same vectors, the query embedded by ONNX Runtime instead of candle.
        let server = Server::start(&cited, &embedded, Runtime::Onnx)?;
        // An answer reads its sentences' vectors from the index and embeds only the question: the
        // same load as a search.
        for (endpoint, path) in [
            ("search hybrid (ONNX Runtime)", "/api/search?mode=hybrid&q="),
            ("answer hybrid (ONNX Runtime)", "/api/answer?mode=hybrid&q="),
        ] {
            let row = load::closed(&server.url(path), 32, options.query_seconds)?;
            report.push_query(endpoint, "small crawl, embedded", row);
        }
    }
    if embedded.exists() {
        let server = Server::start(&cited, &embedded, Runtime::Candle)?;
        for (endpoint, path, clients, seconds) in [
            (
                "search hybrid",
                "/api/search?mode=hybrid&q=",
                32,
                options.query_seconds,
            ),
            (
                "search lexical",
                "/api/search?mode=lexical&q=",
                32,
                options.query_seconds,
            ),
            (
                "answer hybrid",
                "/api/answer?mode=hybrid&q=",
                32,
                options.query_seconds,
            ),
        ] {
            let row = load::closed(&server.url(path), clients, seconds)?;
            report.push_query(endpoint, "small crawl, embedded", row);
        }
    }

    // Scaling: generated corpora of growing size, indexed by `cited index`, queried under load.
    let target = options
        .sizes
        .iter()
        .copied()
        .min_by_key(|s| s.abs_diff(100_000))
        .unwrap_or(0);
    for &size in &options.sizes {
        let data = scratch.join(format!("corpus-{size}"));
        let pages = corpus::write(&data, size)?;
        let mut c = Command::new(&cited);
        c.env("CITED_OFFLINE", "1")
            .arg("--data-dir")
            .arg(&data)
            .arg("index");
        let (took, rss, output) = measured(c, None)?;
        let chunks = chunks_written(&output);
        eprintln!(
            "[{:.0}s] corpus {size}: {pages} pages, {chunks} chunks indexed in {:.1}s",
            started.elapsed().as_secs_f64(),
            took.as_secs_f64()
        );
        report.index.push(IndexRow {
            what: format!("lexical, generated corpus ({size} chunks)"),
            pages,
            chunks,
            seconds: took.as_secs_f64(),
            peak_rss_mb: rss,
        });
        let floor = load::tantivy_floor(&data.join("index"), &load::queries(256))?;
        let server = Server::start(&cited, &data, Runtime::None)?;
        let label = format!("{}k chunks", chunks / 1000);
        let search = load::closed(
            &server.url("/api/search?mode=lexical&q="),
            32,
            options.query_seconds,
        )?;
        if size == target {
            report.floor = Some(floor.clone());
            report.push_query("search", &label, search.clone());
            for clients in [128, 256] {
                let row = load::closed(
                    &server.url("/api/search?mode=lexical&q="),
                    clients,
                    options.query_seconds,
                )?;
                report.push_query("search", &label, row);
            }
            for clients in [32, 128] {
                let row = load::closed(
                    &server.url("/api/answer?mode=lexical&q="),
                    clients,
                    options.query_seconds,
                )?;
                report.push_query("answer", &label, row);
            }
            // Open loop: requests sent on a fixed schedule whatever the server does, latency from the
            // scheduled time (queueing included).
            for rate in [search.rps * 0.5, search.rps * 0.8] {
                let rate = (rate / 50.0).round() * 50.0;
                let row = load::open(
                    &server.url("/api/search?mode=lexical&q="),
                    rate,
                    options.query_seconds,
                )?;
                report.push_query("search (fixed rate)", &label, row);
            }
        }
        report.scale.push(ScaleRow {
            chunks,
            pages,
            index_seconds: took.as_secs_f64(),
            index_mb: dir_size(&data.join("index")) as f64 / 1e6,
            floor_p50_ms: floor.p50_ms,
            floor_p99_ms: floor.p99_ms,
            search_rps: search.rps,
            search_p50_ms: search.p50_ms,
            search_p99_ms: search.p99_ms,
        });
        drop(server);
        let _ = std::fs::remove_dir_all(&data);
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
