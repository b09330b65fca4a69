//! Query load: hybrid queries on the embedded crawl, lexical queries on generated corpora of
//! growing size, and hybrid queries at scale (`hybrid-scale`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::report::{IndexRow, Report, ScaleRow};
use crate::{
    chunks_written, cited_bin, cores, corpus, dir_size, load, measured, model_dir, options,
    ort_lib, repo_root, scratch_dir, Options, Runtime, Server,
};

/// Hybrid search and answers under load on the embedded crawl (`embedded`, when indexing made it):
/// with the query embedded by ONNX Runtime when it is installed, then by candle, next to lexical
/// search on the same index.
pub fn on_crawl(
    cited: &Path,
    embedded: &Path,
    options: &Options,
    report: &mut Report,
) -> Result<()> {
    if embedded.exists() && ort_lib().is_some() {
        // The same vectors, the query embedded by ONNX Runtime instead of candle.
        let server = Server::start(cited, embedded, Runtime::Onnx)?;
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
        let server = Server::start(cited, embedded, Runtime::Candle)?;
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
    Ok(())
}

/// One generated corpus of `size` chunks, indexed by `cited index` and searched under load; on the
/// size nearest 100k, the whole query suite (more clients, answers, open-loop rates).
pub fn scale(
    cited: &Path,
    scratch: &Path,
    size: usize,
    options: &Options,
    report: &mut Report,
) -> Result<()> {
    let target = options
        .sizes
        .iter()
        .copied()
        .min_by_key(|s| s.abs_diff(100_000))
        .unwrap_or(0);
    let data = scratch.join(format!("corpus-{size}"));
    let pages = corpus::write(&data, size)?;
    let mut c = Command::new(cited);
    c.env("CITED_OFFLINE", "1")
        .arg("--data-dir")
        .arg(&data)
        .arg("index");
    let (took, rss, output) = measured(c, None)?;
    let chunks = chunks_written(&output);
    eprintln!(
        "corpus {size}: {pages} pages, {chunks} chunks indexed in {:.1}s",
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
    let server = Server::start(cited, &data, Runtime::None)?;
    let label = format!("{}k chunks", chunks / 1000);
    let search = load::closed(
        &server.url("/api/search?mode=lexical&q="),
        32,
        options.query_seconds,
    )?;
    if size == target {
        report.floor = Some(floor.clone());
        report.push_query("search", &label, search.clone());
        for (endpoint, clients) in [
            ("search", 128),
            ("search", 256),
            ("answer", 32),
            ("answer", 128),
        ] {
            let path = format!("/api/{endpoint}?mode=lexical&q=");
            let row = load::closed(&server.url(&path), clients, options.query_seconds)?;
            report.push_query(endpoint, &label, row);
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
    Ok(())
}

/// Hybrid queries at scale (`hybrid-scale [CHUNKS] [--keep DIR]`, default 100,000): the generated corpus indexed
/// with embeddings by ONNX Runtime (the int8 model when `scripts/quantize-model` made one: fp32 takes
/// about twice as long to embed), then hybrid search and hybrid answers under 32 clients, next to
/// lexical search on the same index. Writes `bench/results/hybrid-scale.md`. With `--keep DIR` the
/// corpus and its index stay in DIR, and a later run with the same DIR measures the queries again
/// without indexing.
pub fn run_hybrid_scale(args: &[String]) -> Result<()> {
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
