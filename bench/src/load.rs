//! Query load from a separate process (`load URL CLIENTS SECONDS`): closed-loop clients asking
//! without pause, latencies recorded client-side; and the floor: the bare tantivy top-10 query on the
//! same index, in this process.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use rand::{Rng, SeedableRng};

use crate::report::{FloorRow, QueryRow};

/// Two- and three-word queries over the generated site's vocabulary.
pub fn queries(n: usize) -> Vec<String> {
    let words = [
        "crawler index",
        "answer passage citation",
        "server request latency",
        "thread memory",
        "vector query",
        "search page link",
        "robots sitemap",
        "storage engine token",
        "model embedding",
        "cluster shard replica",
        "network protocol cache",
        "buffer socket",
        "compiler runtime library",
        "function module package",
        "version release config",
        "timeout retry error",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    (0..n)
        .map(|_| words[rng.random_range(0..words.len())].to_string())
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The child process: `load URL_PREFIX CLIENTS SECONDS`; prints a [`QueryRow`] as JSON.
pub fn main(args: &[String]) -> Result<()> {
    let [prefix, clients, seconds] = args else {
        bail!("load URL_PREFIX CLIENTS SECONDS");
    };
    let clients: usize = clients.parse()?;
    let seconds: u64 = seconds.parse()?;
    let queries = queries(256);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let row = runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .expect("client");
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (client, prefix, queries) = (client.clone(), prefix.clone(), queries.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let mut i = c;
                while Instant::now() < deadline {
                    i += 1;
                    let q = queries[i % queries.len()].replace(' ', "+");
                    let t = Instant::now();
                    match client.get(format!("{prefix}{q}")).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (l, e) = t.await.expect("client task");
            all.extend(l);
            errors += e;
        }
        let took = started.elapsed().as_secs_f64();
        all.sort_by(|a, b| a.total_cmp(b));
        QueryRow {
            endpoint: String::new(),
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
