//! cited's benchmark harness: crawl, index and query speed, side by side with the tools users would
//! pick instead, in the same run (ratios hold on a noisy machine; absolute times do not).
//!
//! `cargo build --release && cargo run --release --manifest-path bench/Cargo.toml` runs it all and
//! writes `bench/results/latest.md` and SVG charts. Pages are counted on the test server's side.

mod load;
mod report;
mod site;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use report::{CrawlRow, IndexRow, QueryRow, Report};
use site::Site;

/// Crawl rounds per tool, alternating tools, for medians.
const ROUNDS: usize = 3;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spider-crawl") => spider_crawl(&args[1..]),
        Some("load") => load::main(&args[1..]),
        None | Some("all") => run_all(&args[1.min(args.len())..]),
        Some(other) => bail!("unknown command {other}: use `all` (default)"),
    }
}

/// Options of a full run (`--pages N`, `--quick`).
struct Options {
    pages: usize,
    wget_pages: usize,
    query_seconds: u64,
}

fn options(args: &[String]) -> Options {
    let quick = args.iter().any(|a| a == "--quick");
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    Options {
        pages: value("--pages").unwrap_or(if quick { 300 } else { 2000 }),
        wget_pages: value("--wget-pages").unwrap_or(if quick { 100 } else { 500 }),
        query_seconds: if quick { 3 } else { 10 },
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the repository")
        .to_path_buf()
}

fn cited_bin() -> Result<PathBuf> {
    let bin = repo_root().join("target/release/cited");
    if !bin.exists() {
        bail!(
            "{} is missing: run `cargo build --release` first",
            bin.display()
        );
    }
    Ok(bin)
}

/// Runs `command` (pinned to `core` when the machine has more than one) under `/usr/bin/time`;
/// returns wall time and peak RSS in MB.
fn measured(command: Command, core: Option<usize>) -> Result<(Duration, f64, String)> {
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
    Ok((took, rss_kb / 1024.0, stdout + &stderr))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

fn run_all(args: &[String]) -> Result<()> {
    let options = options(args);
    let cited = cited_bin()?;
    let this = std::env::current_exe()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let scratch = tempfile_dir()?;
    let mut report = Report::new(cores());

    // The site, on its own core (core 0); crawlers on core 1.
    let site = Site::new(options.pages, 7, Some(Duration::from_millis(50)));
    let addr = runtime.block_on(site.clone().serve("127.0.0.2"))?;
    let seed = format!("http://{addr}/");
    eprintln!(
        "site: {} pages at {seed}, lognormal latency (median 50 ms)",
        site.reachable()
    );

    let concurrency = 64;
    let mut samples: std::collections::BTreeMap<&str, Vec<(f64, f64, usize)>> = Default::default();
    let mut cited_data = None;
    for round in 0..ROUNDS {
        for tool in ["cited", "spider"] {
            site.reset();
            let data = scratch.join(format!("crawl-{tool}-{round}"));
            let command = match tool {
                "cited" => {
                    let mut c = Command::new(&cited);
                    c.env("CITED_OFFLINE", "1")
                        .arg("--data-dir")
                        .arg(&data)
                        .args([
                            "crawl",
                            &seed,
                            "--delay-ms",
                            "0",
                            "--no-index",
                            "--no-sitemaps",
                        ])
                        .args(["--per-host", &concurrency.to_string()])
                        .args(["--concurrency", &concurrency.to_string()])
                        .args(["--max-pages", &(options.pages + 1).to_string()]);
                    cited_data = Some(data.clone());
                    c
                }
                _ => {
                    let mut c = Command::new(&this);
                    c.args(["spider-crawl", &seed, &(options.pages + 1).to_string()])
                        .arg(concurrency.to_string());
                    c
                }
            };
            let (took, rss, output) = measured(command, Some(1))?;
            let (_, pages) = site.counts();
            eprintln!(
                "round {round}: {tool} fetched {pages} pages in {:.2} s, peak RSS {rss:.0} MB",
                took.as_secs_f64()
            );
            if pages == 0 {
                eprintln!("{output}");
            }
            samples
                .entry(tool)
                .or_default()
                .push((pages as f64 / took.as_secs_f64(), rss, pages));
        }
    }
    // wget fetches one URL at a time: a smaller site, one round.
    {
        let small = Site::new(options.wget_pages, 7, Some(Duration::from_millis(50)));
        let addr = runtime.block_on(small.clone().serve("127.0.0.3"))?;
        let dir = scratch.join("wget");
        std::fs::create_dir_all(&dir)?;
        let mut c = Command::new("wget");
        c.current_dir(&dir).args([
            "--recursive",
            "--level=inf",
            "--no-directories",
            "--delete-after",
            "--quiet",
            &format!("http://{addr}/"),
        ]);
        match measured(c, Some(1)) {
            Ok((took, rss, _)) => {
                let (_, pages) = small.counts();
                eprintln!("wget fetched {pages} pages in {:.1} s", took.as_secs_f64());
                samples.entry("wget").or_default().push((
                    pages as f64 / took.as_secs_f64(),
                    rss,
                    pages,
                ));
            }
            Err(e) => eprintln!("wget skipped: {e:#}"),
        }
    }
    for (tool, runs) in &samples {
        report.crawl.push(CrawlRow {
            tool: tool.to_string(),
            concurrency: if *tool == "wget" { 1 } else { concurrency },
            runs: runs.len(),
            pages: runs.iter().map(|r| r.2).max().unwrap_or(0),
            pages_per_s: median(runs.iter().map(|r| r.0).collect()),
            peak_rss_mb: median(runs.iter().map(|r| r.1).collect()),
        });
    }

    // Index: the pages cited crawled, lexical (chunk + tantivy).
    let data = cited_data.context("no cited crawl")?;
    let mut c = Command::new(&cited);
    c.env("CITED_OFFLINE", "1")
        .arg("--data-dir")
        .arg(&data)
        .arg("index");
    let (took, rss, output) = measured(c, None)?;
    let chunks = output
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(3)
        .find(|w| w[1] == "chunks" && w[2] == "written,")
        .and_then(|w| w[0].parse::<u64>().ok())
        .unwrap_or(0);
    report.index.push(IndexRow {
        what: "lexical (chunk + tantivy), from the page store".into(),
        pages: options.pages,
        chunks,
        seconds: took.as_secs_f64(),
        peak_rss_mb: rss,
    });
    eprintln!("indexed {chunks} chunks in {:.2} s", took.as_secs_f64());

    // Queries: the bare tantivy floor, then cited's endpoints under load from another process.
    let queries = load::queries(64);
    report.floor = Some(load::tantivy_floor(&data.join("index"), &queries)?);
    let port = free_port()?;
    let mut server = Command::new(&cited)
        .env("CITED_OFFLINE", "1")
        .arg("--data-dir")
        .arg(&data)
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--max-concurrent",
            "64",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("127.0.0.1:{port}"))?;
    for (endpoint, path) in [
        ("search", "/api/search?mode=lexical&q="),
        ("answer", "/api/answer?mode=lexical&q="),
    ] {
        for clients in [32, 128] {
            let out = Command::new(&this)
                .args([
                    "load",
                    &format!("{base}{path}"),
                    &clients.to_string(),
                    &options.query_seconds.to_string(),
                ])
                .output()?;
            let row: QueryRow = serde_json::from_slice(&out.stdout)
                .with_context(|| String::from_utf8_lossy(&out.stderr).to_string())?;
            eprintln!(
                "{endpoint} × {clients}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
                row.rps, row.p50_ms, row.p99_ms, row.errors
            );
            report.query.push(QueryRow {
                endpoint: endpoint.into(),
                ..row
            });
        }
    }
    let _ = server.kill();
    let _ = server.wait();

    let out = repo_root().join("bench/results");
    report.write(&out)?;
    println!("{}", std::fs::read_to_string(out.join("latest.md"))?);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("cited-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn wait_for(addr: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            bail!("{addr} never came up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// The spider library (crates.io) crawling `url`, for comparison: `spider-crawl URL LIMIT CONCURRENCY`.
fn spider_crawl(args: &[String]) -> Result<()> {
    let [url, limit, concurrency] = args else {
        bail!("spider-crawl URL LIMIT CONCURRENCY");
    };
    let limit: u32 = limit.parse()?;
    let concurrency: usize = concurrency.parse()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let mut website = spider::website::Website::new(url);
            website
                .with_limit(limit)
                .with_concurrency_limit(Some(concurrency))
                .with_respect_robots_txt(true)
                .with_delay(0);
            // Waits for the whole crawl (no output channel that could overflow).
            website.crawl().await;
            println!("{}", website.get_links().len());
        });
    Ok(())
}
