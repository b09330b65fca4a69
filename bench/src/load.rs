//! Query load from a separate process. Closed loop: `wrk` (clients asking without pause; our own
//! generator where wrk is not installed). Open loop: our generator sending on a fixed schedule,
//! latency counted from the scheduled time so that queueing delay is not hidden. The floor: the bare
//! tantivy top-10 query on the same index, in this process.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rand::{Rng, SeedableRng};

use crate::report::{FloorRow, QueryRow};

/// Two- and three-word queries over the generated web's vocabulary (mid-frequency words, as people
/// type), distinct enough that no cache answers them.
pub fn queries(n: usize) -> Vec<String> {
    let words = crate::site::vocabulary();
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    (0..n)
        .map(|_| {
            let k = rng.random_range(2..4);
            (0..k)
                .map(|_| words[rng.random_range(20..2000)].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Closed-loop load on `prefix` + query with `clients` connections for `seconds`.
pub fn closed(prefix: &str, clients: usize, seconds: u64) -> Result<QueryRow> {
    let row = if Command::new("wrk").arg("--version").output().is_ok() {
        wrk(prefix, clients, seconds)?
    } else {
        child(&[prefix, &clients.to_string(), &seconds.to_string()])?
    };
    eprintln!(
        "  {prefix} × {clients}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors ({})",
        row.rps, row.p50_ms, row.p99_ms, row.errors, row.generator
    );
    Ok(row)
}

/// Open-loop load: `rate` requests per second on a fixed schedule for `seconds`.
pub fn open(prefix: &str, rate: f64, seconds: u64) -> Result<QueryRow> {
    let row = child(&[prefix, "0", &seconds.to_string(), &rate.to_string()])?;
    eprintln!(
        "  {prefix} at {rate:.0}/s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
        row.rps, row.p50_ms, row.p99_ms, row.errors
    );
    Ok(row)
}

fn child(args: &[&str]) -> Result<QueryRow> {
    let out = Command::new(std::env::current_exe()?)
        .arg("load")
        .args(args)
        .output()?;
    serde_json::from_slice(&out.stdout)
        .with_context(|| String::from_utf8_lossy(&out.stderr).to_string())
}

fn wrk(prefix: &str, clients: usize, seconds: u64) -> Result<QueryRow> {
    let (base, path) = split_url(prefix)?;
    let script = std::env::temp_dir().join(format!("cited-bench-{}.lua", std::process::id()));
    let list: Vec<String> = queries(512)
        .iter()
        .map(|q| format!("\"{path}{}\"", q.replace(' ', "+")))
        .collect();
    std::fs::write(
        &script,
        format!(
            "local paths = {{{}}}\nlocal i = math.random(#paths)\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
            list.join(",")
        ),
    )?;
    let out = Command::new("wrk")
        .args([
            "-t",
            "2",
            "-c",
            &clients.to_string(),
            "-d",
            &format!("{seconds}s"),
        ])
        .args(["--timeout", "10s", "--latency", "-s"])
        .arg(&script)
        .arg(&base)
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let ms = |s: &str| -> f64 {
        let (n, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
        let n: f64 = n.parse().unwrap_or(f64::NAN);
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            "m" => n * 60_000.0,
            _ => f64::NAN,
        }
    };
    let requests: u64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let non_2xx: u64 = field("Non-2xx or 3xx responses:")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let socket: u64 = field("Socket errors:")
        .map(|s| {
            s.split(',')
                .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let rps: f64 = field("Requests/sec:")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    if requests == 0 {
        eprintln!(
            "wrk measured nothing: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(QueryRow {
        endpoint: String::new(),
        corpus: String::new(),
        generator: "wrk, closed loop".into(),
        clients,
        requests,
        errors: non_2xx + socket,
        rps,
        p50_ms: field("50%").map_or(f64::NAN, ms),
        p99_ms: field("99%").map_or(f64::NAN, ms),
    })
}

/// `http://host:port/path?x=` → (`http://host:port`, `/path?x=`).
fn split_url(url: &str) -> Result<(String, String)> {
    let after = url.find("://").map(|i| i + 3).context("not a URL")?;
    let slash = url[after..]
        .find('/')
        .map(|i| after + i)
        .context("no path")?;
    Ok((url[..slash].to_string(), url[slash..].to_string()))
}

/// The child process: `load URL_PREFIX CLIENTS SECONDS [RATE]`; prints a [`QueryRow`] as JSON.
/// Without RATE, CLIENTS clients ask without pause (closed loop); with RATE, requests start on a
/// fixed schedule, each on its own task, whatever the server does (open loop).
pub fn main(args: &[String]) -> Result<()> {
    let (prefix, clients, seconds, rate) = match args {
        [p, c, s] => (p, c.parse::<usize>()?, s.parse::<u64>()?, None),
        [p, c, s, r] => (p, c.parse()?, s.parse()?, Some(r.parse::<f64>()?)),
        _ => bail!("load URL_PREFIX CLIENTS SECONDS [RATE]"),
    };
    let queries = queries(512);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let row = runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        let (prefix, queries) = (
            std::sync::Arc::new(prefix.clone()),
            std::sync::Arc::new(queries),
        );
        let url =
            move |i: usize| format!("{prefix}{}", queries[i % queries.len()].replace(' ', "+"));
        let ask = |client: reqwest::Client, url: String, since: Instant| async move {
            match client.get(url).send().await {
                Ok(r) if r.status().is_success() => {
                    let _ = r.bytes().await;
                    Ok(since.elapsed().as_secs_f64() * 1000.0)
                }
                _ => Err(()),
            }
        };
        match rate {
            None => {
                for c in 0..clients {
                    let (client, url) = (client.clone(), url.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut out = Vec::new();
                        let mut i = c * 7;
                        while Instant::now() < deadline {
                            i += 1;
                            out.push(ask(client.clone(), url(i), Instant::now()).await);
                        }
                        out
                    }));
                }
            }
            Some(rate) => {
                let total = (rate * seconds as f64) as usize;
                for i in 0..total {
                    let at = started + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(at.into()).await;
                    let fut = ask(client.clone(), url(i), at);
                    tasks.push(tokio::spawn(async move { vec![fut.await] }));
                }
            }
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            for r in t.await.expect("client task") {
                match r {
                    Ok(ms) => all.push(ms),
                    Err(()) => errors += 1,
                }
            }
        }
        let took = started.elapsed().as_secs_f64();
        all.sort_by(|a, b| a.total_cmp(b));
        QueryRow {
            endpoint: String::new(),
            corpus: String::new(),
            generator: match rate {
                None => "cited-bench, closed loop".into(),
                Some(r) => format!("cited-bench, open loop at {r:.0}/s"),
            },
            clients,
            requests: all.len() as u64,
            errors,
            rps: all.len() as f64 / took,
            p50_ms: percentile(&all, 0.5),
            p99_ms: percentile(&all, 0.99),
        }
    });
    println!("{}", serde_json::to_string(&row)?);
    Ok(())
}

/// The bare engine: tantivy's own query parser over the same fields, top 10 by BM25, no documents
/// loaded, one thread.
pub fn tantivy_floor(index_dir: &Path, queries: &[String]) -> Result<FloorRow> {
    let index = indexer::LexicalIndex::open(index_dir)?;
    let tantivy_index = index.tantivy();
    let schema = tantivy_index.schema();
    let fields = ["title", "headings", "body"]
        .iter()
        .filter_map(|f| schema.get_field(f).ok())
        .collect();
    let parser = tantivy::query::QueryParser::for_index(tantivy_index, fields);
    let searcher = tantivy_index.reader()?.searcher();
    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed() < Duration::from_secs(3) || rounds == 0 {
        for q in queries {
            let t = Instant::now();
            let query = parser.parse_query(q)?;
            let top = searcher.search(&query, &tantivy::collector::TopDocs::with_limit(10))?;
            std::hint::black_box(top);
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        rounds += 1;
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    Ok(FloorRow {
        queries: latencies.len() as u64,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        qps_one_thread: latencies.len() as f64 / started.elapsed().as_secs_f64(),
    })
}
