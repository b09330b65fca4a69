//! The retrieval-quality harness: a BEIR dataset in, nDCG@10 / Recall@100 / MRR@10 out.
//!
//! Every corpus document becomes a page (title as its heading) in a scratch data directory and goes
//! through the product's own path — page store, chunker, index — so the figures measure what users get.
//! A document's score for a query is its best passage's; metrics follow trec_eval (linear gain, queries
//! without judgments excluded).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use store::{PageRecord, PageStore, Section};

use crate::config::Settings;
use crate::data_dir::DataDir;
use crate::engine::Engine;
use crate::retrieve::Mode;

pub mod answers;
pub mod verify;

/// Documents retrieved per query (Recall@100 needs 100).
const DEPTH: usize = 100;
/// URL scheme of corpus documents in the scratch store.
const DOC_PREFIX: &str = "beir://doc/";

#[derive(Deserialize)]
struct CorpusDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    text: String,
}

#[derive(Deserialize)]
struct QueryLine {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// The figures of one run.
#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub mode: String,
    pub queries: usize,
    pub documents: usize,
    pub ndcg_at_10: f64,
    pub recall_at_100: f64,
    pub mrr_at_10: f64,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub index_seconds: f64,
}

/// Relevance judgments: query id → (doc id → grade).
pub type Qrels = HashMap<String, HashMap<String, u32>>;

/// Reads a BEIR qrels TSV (header line, CRLF tolerated).
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut qrels: Qrels = HashMap::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        let fields: Vec<&str> = line.trim_end().split('\t').collect();
        if i == 0 && fields.first() == Some(&"query-id") {
            continue;
        }
        let [qid, did, grade] = fields[..] else {
            bail!(
                "{}:{}: expected 3 tab-separated fields",
                path.display(),
                i + 1
            )
        };
        let grade: u32 = grade
            .trim()
            .parse()
            .with_context(|| format!("{}:{}: bad grade", path.display(), i + 1))?;
        qrels
            .entry(qid.to_string())
            .or_default()
            .insert(did.to_string(), grade);
    }
    Ok(qrels)
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: bad JSON", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

/// nDCG@k with linear gain (trec_eval's `ndcg_cut`).
pub fn ndcg_at(ranked: &[String], judged: &HashMap<String, u32>, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, d)| f64::from(judged.get(d).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u32> = judged.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| f64::from(*g) / (i as f64 + 2.0).log2())
        .sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

fn recall_at(ranked: &[String], judged: &HashMap<String, u32>, k: usize) -> f64 {
    let relevant: HashSet<&String> = judged
        .iter()
        .filter(|(_, g)| **g > 0)
        .map(|(d, _)| d)
        .collect();
    if relevant.is_empty() {
        return 0.0;
    }
    ranked
        .iter()
        .take(k)
        .filter(|d| relevant.contains(d))
        .count() as f64
        / relevant.len() as f64
}

fn mrr_at(ranked: &[String], judged: &HashMap<String, u32>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| judged.get(d).is_some_and(|g| *g > 0))
        .map_or(0.0, |i| 1.0 / (i as f64 + 1.0))
}

/// p50 and p95 of `values` (0 when empty).
pub(crate) fn percentiles(mut values: Vec<f64>) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    values.sort_by(f64::total_cmp);
    let pct = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
    (pct(0.5), pct(0.95))
}

/// A page of a scratch corpus (a BEIR document, a SQuAD paragraph).
pub(crate) struct ScratchPage {
    pub url: String,
    pub title: String,
    pub text: String,
}

/// Loads the corpus into the scratch store and brings its index up to date.
fn load_corpus(dataset: &Path, data: &DataDir, settings: &Settings) -> Result<(usize, f64)> {
    let docs: Vec<CorpusDoc> = read_jsonl(&dataset.join("corpus.jsonl"))?;
    let count = docs.len();
    let pages = docs.into_iter().map(|doc| {
        let title = doc.title.trim().to_string();
        // An abstract has no headings: its title is the page title and the first line of its text.
        let text = if title.is_empty() {
            doc.text
        } else {
            format!("{title}\n{}", doc.text)
        };
        ScratchPage {
            url: format!("{DOC_PREFIX}{}", doc.id),
            title,
            text,
        }
    });
    Ok((count, load_pages(data, settings, pages)?))
}

/// Writes `pages` (one section each) to the scratch store in `data` and brings its index up to date;
/// returns the seconds indexing took (nothing to do when a kept scratch directory is current).
pub(crate) fn load_pages(
    data: &DataDir,
    settings: &Settings,
    pages: impl IntoIterator<Item = ScratchPage>,
) -> Result<f64> {
    data.ensure()?;
    let store = PageStore::open(&data.store_path())?;
    let now = chrono::Utc::now();
    for page in pages {
        let record = PageRecord {
            requested_url: page.url.clone(),
            status: 200,
            fetched_at: now,
            // The URL keeps identical texts apart: benchmarks judge them as different documents.
            content_hash: blake3_hex(&format!("{}\n{}", page.url, page.text)),
            etag: None,
            last_modified: None,
            sections: vec![Section {
                heading_path: Vec::new(),
                level: 0,
                start: 0,
                end: page.text.len(),
            }],
            url: page.url,
            title: page.title,
            text: page.text,
            outlinks: Vec::new(),
            canonical: None,
            truncated: false,
        };
        store.upsert(&record)?;
    }
    let started = Instant::now();
    crate::index::update(data, settings, &|_, _, _| {})?;
    Ok(started.elapsed().as_secs_f64())
}

fn blake3_hex(text: &str) -> String {
    // A 128-bit FNV-style hash is plenty to tell documents apart in a scratch store.
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in text.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(5);
    }
    format!("{a:016x}{b:016x}")
}

/// Options of `cited eval beir`.
pub struct EvalOptions {
    pub dataset: PathBuf,
    pub split: String,
    pub scratch: PathBuf,
    pub run_out: Option<PathBuf>,
    pub mode: Option<Mode>,
    pub settings: Settings,
    pub fusion: crate::retrieve::Fusion,
}

/// Runs the harness.
pub fn run_beir(options: &EvalOptions) -> Result<EvalReport> {
    let qrels = read_qrels(
        &options
            .dataset
            .join("qrels")
            .join(format!("{}.tsv", options.split)),
    )?;
    let queries: Vec<QueryLine> = read_jsonl(&options.dataset.join("queries.jsonl"))?;
    let data = DataDir::new(&options.scratch);
    let (documents, index_seconds) = load_corpus(&options.dataset, &data, &options.settings)?;
    let engine = Engine::open(&data, &options.settings)?.with_fusion(options.fusion);
    let mode = options.mode.unwrap_or(engine.retriever().default_mode());

    let mut run_file = match &options.run_out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => None,
    };
    let (mut ndcg, mut recall, mut mrr) = (0.0, 0.0, 0.0);
    let mut latencies = Vec::new();
    let mut evaluated = 0;
    for query in &queries {
        let Some(judged) = qrels.get(&query.id) else {
            continue;
        };
        let started = Instant::now();
        let ranked = engine.rank_documents(&query.text, DEPTH, mode)?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let ids: Vec<String> = ranked
            .iter()
            .map(|(url, _)| url.strip_prefix(DOC_PREFIX).unwrap_or(url).to_string())
            .collect();
        ndcg += ndcg_at(&ids, judged, 10);
        recall += recall_at(&ids, judged, 100);
        mrr += mrr_at(&ids, judged, 10);
        evaluated += 1;
        if let Some(out) = run_file.as_mut() {
            for (rank, (id, (_, score))) in ids.iter().zip(&ranked).enumerate() {
                writeln!(out, "{} Q0 {id} {} {score} cited", query.id, rank + 1)?;
            }
        }
    }
    if evaluated == 0 {
        bail!(
            "no query of {} has judgments in the {} split",
            options.dataset.display(),
            options.split
        );
    }
    let (latency_p50_ms, latency_p95_ms) = percentiles(latencies);
    let n = evaluated as f64;
    Ok(EvalReport {
        mode: format!("{mode:?}").to_lowercase(),
        queries: evaluated,
        documents,
        ndcg_at_10: ndcg / n,
        recall_at_100: recall / n,
        mrr_at_10: mrr / n,
        latency_p50_ms,
        latency_p95_ms,
        index_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    #[test]
    fn metrics_match_hand_computed_values() {
        let ranked: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let j = judged(&[("b", 1), ("z", 1)]);
        // DCG = 1/log2(3); IDCG = 1 + 1/log2(3).
        let expected = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&ranked, &j, 10) - expected).abs() < 1e-12);
        assert_eq!(recall_at(&ranked, &j, 100), 0.5);
        assert_eq!(mrr_at(&ranked, &j, 10), 0.5);
        assert_eq!(ndcg_at(&ranked, &judged(&[("a", 1)]), 10), 1.0);
        assert_eq!(ndcg_at(&ranked, &judged(&[("q", 0)]), 10), 0.0);
    }
}
