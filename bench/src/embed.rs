//! Embedding speed: `cited index` embedding a crawl's passages with ONNX Runtime, fp32 and int8, next
//! to Python's `onnxruntime` running the same `model.onnx` files on the same passages in the same run
//! (the speed this CPU reaches for the model: the yardstick of issue 17).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use indexer::PageStore;

use crate::report::{EmbedRow, Report};
use crate::{cores, measured, model_dir, ort_lib, repo_root};

/// The model variants measured: fp32 `model.onnx`, and the int8 one `scripts/quantize-model` makes.
fn variants() -> Vec<(&'static str, PathBuf)> {
    let Some(fp32) = model_dir() else {
        return Vec::new();
    };
    let int8 = fp32.with_file_name("all-MiniLM-L6-v2-int8");
    let mut out = vec![("fp32", fp32)];
    if int8.join("model.onnx").exists() {
        out.push(("int8", int8));
    } else {
        eprintln!(
            "no {} (scripts/quantize-model): int8 rows skipped",
            int8.display()
        );
    }
    out
}

/// Measures every variant on the pages of the data directory `data` (left as it is).
pub fn run(cited: &Path, data: &Path, scratch: &Path, report: &mut Report) -> Result<()> {
    let Some(lib) = ort_lib() else {
        eprintln!("no ONNX Runtime (scripts/fetch-model --onnx): embedding rows skipped");
        return Ok(());
    };
    let passages = scratch.join("passages.jsonl");
    write_passages(data, &passages)?;
    let python = repo_root().join("target/pyenv/bin/python");
    for (precision, model) in variants() {
        // Only the page store: `cited index` then chunks and embeds every page.
        let copy = scratch.join(format!("embed-{precision}"));
        std::fs::create_dir_all(&copy)?;
        std::fs::copy(data.join("store.sqlite"), copy.join("store.sqlite"))?;
        let mut c = Command::new(cited);
        c.env("CITED_OFFLINE", "1")
            .arg("--data-dir")
            .arg(&copy)
            .arg("--model-dir")
            .arg(&model)
            .arg("--ort-lib")
            .arg(&lib)
            .arg("index");
        let (_, rss, output) = measured(c, None)?;
        let (count, seconds) = embedded(&output)
            .with_context(|| format!("cited printed no embedding figures:\n{output}"))?;
        eprintln!("cited {precision}: {count} passages in {seconds:.1} s");
        report.embed.push(EmbedRow {
            runtime: "cited (ONNX Runtime via fastembed)".into(),
            precision: precision.into(),
            passages: count,
            seconds,
            peak_rss_mb: rss,
        });
        std::fs::remove_dir_all(&copy)?;
        if !python.exists() {
            eprintln!("no target/pyenv (scripts/fetch-model --onnx): Python rows skipped");
            continue;
        }
        let out = Command::new(&python)
            .arg(repo_root().join("bench/scripts/embed-baseline.py"))
            .arg(&model)
            .arg(&passages)
            .arg(cores().to_string())
            .output()?;
        if !out.status.success() {
            bail!(
                "embed-baseline.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let line: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let seconds = line["seconds"].as_f64().unwrap_or(0.0);
        eprintln!("python {precision}: {seconds:.1} s");
        report.embed.push(EmbedRow {
            runtime: "Python onnxruntime, same model.onnx and passages".into(),
            precision: precision.into(),
            passages: line["passages"].as_u64().unwrap_or(0),
            seconds,
            peak_rss_mb: 0.0,
        });
    }
    Ok(())
}

/// The passages `cited index` embeds: every stored page's chunks, one JSON string a line.
fn write_passages(data: &Path, to: &Path) -> Result<()> {
    let store = PageStore::open(&data.join("store.sqlite"))?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(to)?);
    for (id, _) in store.hashes()? {
        let Some(stored) = store.get(id)? else {
            continue;
        };
        for chunk in indexer::chunk_page(id, &stored.page.text, &stored.page.sections) {
            writeln!(out, "{}", serde_json::to_string(&chunk.text)?)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// "embedded N passages in S s (…)" from cited's output.
fn embedded(output: &str) -> Option<(u64, f64)> {
    let line = output.lines().find_map(|l| l.strip_prefix("embedded "))?;
    let mut words = line.split_whitespace();
    let count = words.next()?.parse().ok()?;
    let seconds = words.nth(2)?.trim_end_matches('s').parse().ok()?;
    Some((count, seconds))
}
