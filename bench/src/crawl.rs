//! Crawl benchmarks: `cited crawl` against the `spider` crate (driven as a library from this
//! harness, in a child process that waits for the crawl to end) and `wget --recursive`, on the same
//! sites with the same page caps, alternating, counted on the servers' side.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::report::{CrawlRow, Report};
use crate::site::Site;
use crate::{measured, median, Options};

/// Concurrency per host for every crawler in the politeness-off runs.
const PER_HOST: usize = 64;
/// Politeness-on runs: one request at a time per host, this long between two.
const POLITE_DELAY_MS: u64 = 100;

/// A web of generated sites on 127.0.0.{first}, {first+1}, …, linking to each other.
struct Web {
    sites: Vec<Site>,
    seeds: Vec<String>,
}

impl Web {
    fn start(
        runtime: &tokio::runtime::Runtime,
        hosts: usize,
        pages: usize,
        first_ip: u8,
    ) -> Result<Self> {
        let mut sites = Vec::new();
        let mut seeds = Vec::new();
        for h in 0..hosts {
            let site = Site::new(pages, 7 + h as u64, Some(Duration::from_millis(50)));
            let addr = runtime.block_on(
                site.clone()
                    .serve(&format!("127.0.0.{}", first_ip + h as u8)),
            )?;
            seeds.push(format!("http://{addr}/"));
            sites.push(site);
        }
        for (h, site) in sites.iter().enumerate() {
            let peers = seeds
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != h)
                .map(|(_, s)| s.clone())
                .collect();
            *site.peers.lock().expect("peers") = peers;
        }
        Ok(Self { sites, seeds })
    }

    fn reset(&self) {
        self.sites.iter().for_each(Site::reset);
    }

    /// Every HTML page fetched (host-qualified), and how many were disallowed by robots.txt.
    fn fetched(&self) -> (BTreeSet<String>, usize) {
        let mut all = BTreeSet::new();
        let mut private = 0;
        for (seed, site) in self.seeds.iter().zip(&self.sites) {
            let (pages, p) = site.pages_fetched();
            private += p;
            all.extend(
                pages
                    .into_iter()
                    .map(|path| format!("{seed}{}", &path[1..])),
            );
        }
        (all, private)
    }

    fn reachable(&self) -> usize {
        self.sites.iter().map(Site::reachable).sum()
    }

    fn min_gap_ms(&self) -> f64 {
        self.sites
            .iter()
            .map(Site::min_gap_ms)
            .fold(f64::INFINITY, f64::min)
    }
}

/// One crawler's run.
struct Sample {
    pages_per_s: f64,
    rss: f64,
    pages: BTreeSet<String>,
    private: usize,
    min_gap_ms: f64,
}

/// A crawler invocation: cited or spider, with politeness on or off.
fn command(
    tool: &str,
    cited: &Path,
    data: &Path,
    seeds: &[String],
    cap: usize,
    polite: bool,
) -> Command {
    match tool {
        "cited" => {
            let mut c = Command::new(cited);
            c.env("CITED_OFFLINE", "1")
                .arg("--data-dir")
                .arg(data)
                .arg("crawl")
                .args(seeds)
                .args(["--no-index", "--no-sitemaps", "--max-depth", "100000"])
                .args(["--max-pages", &cap.to_string()]);
            if polite {
                c.args([
                    "--delay-ms",
                    &POLITE_DELAY_MS.to_string(),
                    "--per-host",
                    "1",
                ])
                .args(["--concurrency", &seeds.len().to_string()]);
            } else {
                c.args(["--delay-ms", "0", "--per-host", &PER_HOST.to_string()])
                    .args(["--concurrency", &(PER_HOST * seeds.len()).to_string()]);
            }
            c
        }
        _ => {
            let mut c = Command::new(std::env::current_exe().expect("own path"));
            let per_site_cap = cap.div_ceil(seeds.len());
            let (concurrency, delay) = if polite {
                (1, POLITE_DELAY_MS)
            } else {
                (PER_HOST, 0)
            };
            c.arg("spider-crawl")
                .args([per_site_cap, concurrency, delay as usize].map(|n| n.to_string()))
                .args(seeds);
            c
        }
    }
}

/// Alternates `cited` and `spider` on `sites` for `rounds` rounds; returns the samples per tool.
#[allow(clippy::too_many_arguments)]
fn alternate(
    cited: &Path,
    scratch: &Path,
    name: &str,
    seeds: &[String],
    cap: usize,
    polite: bool,
    rounds: usize,
    reset: &dyn Fn(),
    fetched: &dyn Fn() -> (BTreeSet<String>, usize, f64),
) -> Result<Vec<(&'static str, Vec<Sample>)>> {
    let mut out: Vec<(&'static str, Vec<Sample>)> = vec![("cited", vec![]), ("spider", vec![])];
    for round in 0..rounds {
        for (tool, samples) in out.iter_mut() {
            reset();
            let data = scratch.join(format!("crawl-{name}-{tool}-{round}"));
            let (took, rss, output) =
                measured(command(tool, cited, &data, seeds, cap, polite), Some(1))?;
            let (pages, private, min_gap_ms) = fetched();
            eprintln!(
                "{name} round {round}: {tool} fetched {} pages ({private} disallowed) in {:.2} s, peak RSS {rss:.0} MB",
                pages.len(),
                took.as_secs_f64()
            );
            if pages.is_empty() {
                eprintln!("{output}");
            }
            samples.push(Sample {
                pages_per_s: pages.len() as f64 / took.as_secs_f64(),
                rss,
                pages,
                private,
                min_gap_ms,
            });
            if *tool != "cited" || round > 0 {
                let _ = std::fs::remove_dir_all(&data);
            }
        }
    }
    Ok(out)
}

/// What each tool's pages weigh, when the site can say (the files of a documentation tree): the
/// tools may fetch different pages under the same cap, and a page of the Rust docs weighs from a
/// few kilobytes to megabytes.
type Weigh<'a> = Option<&'a dyn Fn(&BTreeSet<String>) -> u64>;

fn rows(
    site: &str,
    concurrency: &str,
    runs: Vec<(&'static str, Vec<Sample>)>,
    weigh: Weigh<'_>,
    report: &mut Report,
) {
    let reference: Option<BTreeSet<String>> = runs
        .iter()
        .find(|(t, _)| *t == "cited")
        .and_then(|(_, s)| s.first().map(|s| s.pages.clone()));
    for (tool, samples) in runs {
        let pages = samples.iter().map(|s| s.pages.len()).max().unwrap_or(0);
        // Pages this tool fetched in its first run that cited's first run did not, and the reverse.
        let differ = match (&reference, samples.first()) {
            (Some(r), Some(s)) => r.symmetric_difference(&s.pages).count(),
            _ => 0,
        };
        report.crawl.push(CrawlRow {
            site: site.into(),
            tool: tool.into(),
            concurrency: concurrency.into(),
            runs: samples.len(),
            pages,
            differ_from_cited: differ,
            disallowed: samples.iter().map(|s| s.private).max().unwrap_or(0),
            min_gap_ms: samples
                .iter()
                .map(|s| s.min_gap_ms)
                .fold(f64::INFINITY, f64::min),
            pages_per_s: median(samples.iter().map(|s| s.pages_per_s).collect()),
            // HTML megabytes per second: each run's pages weighed, over the time it took.
            html_mb_per_s: weigh.map(|weigh| {
                median(
                    samples
                        .iter()
                        .map(|s| {
                            let seconds = s.pages.len() as f64 / s.pages_per_s.max(1e-9);
                            weigh(&s.pages) as f64 / 1e6 / seconds.max(1e-9)
                        })
                        .collect(),
                )
            }),
            peak_rss_mb: median(samples.iter().map(|s| s.rss).collect()),
        });
    }
}

/// Runs every crawl benchmark; returns the data directories of cited's first crawl of the generated
/// web and of the smaller (politeness-on) web, for the index benchmarks.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    options: &Options,
    cited: &Path,
    scratch: &Path,
    report: &mut Report,
) -> Result<(PathBuf, PathBuf)> {
    // 1. The generated web, politeness off.
    let web = Web::start(runtime, options.hosts, options.pages, 2)?;
    eprintln!(
        "web: {} hosts, {} pages, lognormal latency (median 50 ms): {:?}",
        options.hosts,
        web.reachable(),
        web.seeds
    );
    let runs = alternate(
        cited,
        scratch,
        "web",
        &web.seeds,
        web.reachable(),
        false,
        options.rounds,
        &|| web.reset(),
        &|| {
            let (p, d) = web.fetched();
            (p, d, web.min_gap_ms())
        },
    )?;
    let label = format!(
        "generated web, {} hosts, {} pages",
        options.hosts,
        web.reachable()
    );
    rows(&label, &format!("{PER_HOST}/host"), runs, None, report);

    // 2. Politeness on: a smaller web (one request at a time per host, a pause between two).
    let polite_pages = (options.pages / 10).max(10);
    let small = Web::start(
        runtime,
        options.hosts,
        polite_pages,
        2 + options.hosts as u8,
    )?;
    let runs = alternate(
        cited,
        scratch,
        "polite",
        &small.seeds,
        small.reachable(),
        true,
        options.rounds.min(2),
        &|| small.reset(),
        &|| {
            let (p, d) = small.fetched();
            (p, d, small.min_gap_ms())
        },
    )?;
    let label = format!(
        "generated web, politeness on ({POLITE_DELAY_MS} ms, 1/host), {} pages",
        small.reachable()
    );
    rows(&label, "1/host", runs, None, report);

    // 3. A real documentation tree: the Rust docs that ship with the toolchain, capped.
    if let Some(root) = rust_docs() {
        let docs = Site::files(root, Some(Duration::from_millis(50)));
        let addr = runtime.block_on(
            docs.clone()
                .serve(&format!("127.0.0.{}", 2 + 2 * options.hosts)),
        )?;
        let seeds = vec![format!("http://{addr}/std/index.html")];
        let runs = alternate(
            cited,
            scratch,
            "docs",
            &seeds,
            options.docs_pages,
            false,
            options.rounds,
            &|| docs.reset(),
            &|| {
                let (p, d) = docs.pages_fetched();
                (p, d, docs.min_gap_ms())
            },
        )?;
        let label = format!(
            "Rust std docs (toolchain), cap {} pages",
            options.docs_pages
        );
        rows(
            &label,
            &format!("{PER_HOST}/host"),
            runs,
            Some(&|pages| docs.html_bytes(pages)),
            report,
        );
    } else {
        eprintln!("no Rust docs under ~/.rustup/toolchains/*/share/doc/rust/html: skipped");
    }

    // 4. wget fetches one URL at a time: a smaller single-host site, one round.
    let one = Web::start(runtime, 1, options.wget_pages, 3 + 2 * options.hosts as u8)?;
    let dir = scratch.join("wget");
    std::fs::create_dir_all(&dir)?;
    let mut c = Command::new("wget");
    c.current_dir(&dir).args([
        "--recursive",
        "--level=inf",
        "--no-directories",
        "--delete-after",
        "--quiet",
        &one.seeds[0],
    ]);
    match measured(c, Some(1)) {
        Ok((took, rss, _)) => {
            let (pages, private) = one.fetched();
            eprintln!(
                "wget fetched {} pages in {:.1} s",
                pages.len(),
                took.as_secs_f64()
            );
            report.crawl.push(CrawlRow {
                site: format!("generated site, 1 host, {} pages", one.reachable()),
                tool: "wget".into(),
                concurrency: "1".into(),
                runs: 1,
                pages: pages.len(),
                differ_from_cited: 0,
                disallowed: private,
                min_gap_ms: one.min_gap_ms(),
                pages_per_s: pages.len() as f64 / took.as_secs_f64(),
                html_mb_per_s: None,
                peak_rss_mb: rss,
            });
        }
        Err(e) => eprintln!("wget skipped: {e:#}"),
    }
    Ok((
        scratch.join("crawl-web-cited-0"),
        scratch.join("crawl-polite-cited-0"),
    ))
}

fn rust_docs() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let toolchains = Path::new(&home).join(".rustup/toolchains");
    std::fs::read_dir(toolchains)
        .ok()?
        .flatten()
        .map(|t| t.path().join("share/doc/rust/html"))
        .find(|p| p.join("std/index.html").exists())
}

/// The spider library (crates.io) crawling each seed's site at once:
/// `spider-crawl LIMIT_PER_SITE CONCURRENCY DELAY_MS URL...`.
pub fn spider_main(args: &[String]) -> Result<()> {
    let [limit, concurrency, delay, urls @ ..] = args else {
        bail!("spider-crawl LIMIT_PER_SITE CONCURRENCY DELAY_MS URL...");
    };
    let limit: u32 = limit.parse().context("limit")?;
    let concurrency: usize = concurrency.parse().context("concurrency")?;
    let delay: u64 = delay.parse().context("delay")?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let crawls = urls.iter().map(|url| async move {
                let mut website = spider::website::Website::new(url);
                website
                    .with_limit(limit)
                    .with_concurrency_limit(Some(concurrency))
                    .with_respect_robots_txt(true)
                    .with_delay(delay);
                // Waits for the whole crawl (no output channel that could overflow).
                website.crawl().await;
                website.get_links().len()
            });
            let counts = futures_util::future::join_all(crawls).await;
            println!("{}", counts.iter().sum::<usize>());
        });
    Ok(())
}
