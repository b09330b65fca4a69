//! `cited eval beir`: the retrieval-quality harness on BEIR SciFact (../shared/data/scifact).

use std::path::PathBuf;

use crate::common::{cited_json, present};

fn scifact() -> PathBuf {
    present(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/scifact"),
        "corpus.jsonl",
        "the shared evaluation data",
    )
}

#[derive(serde::Deserialize)]
struct Report {
    queries: usize,
    documents: usize,
    ndcg_at_10: f64,
    recall_at_100: f64,
    mrr_at_10: f64,
}

/// Lexical retrieval must stay above Anserini's BM25 multifield (nDCG@10 0.6647) on the test split.
#[test]
fn lexical_scifact_beats_the_published_bm25_baseline() {
    let dir = scifact();
    let scratch = tempfile::tempdir().expect("tempdir");
    let run = scratch.path().join("run.trec");
    let report: Report = cited_json(
        scratch.path(),
        &[
            "eval",
            "beir",
            dir.to_str().expect("utf-8 path"),
            "--scratch",
            scratch.path().join("data").to_str().expect("utf-8 path"),
            "--run-out",
            run.to_str().expect("utf-8 path"),
            "--json",
        ],
    );
    assert_eq!((report.queries, report.documents), (300, 5183));
    assert!(
        report.ndcg_at_10 >= 0.665,
        "nDCG@10 {:.4}",
        report.ndcg_at_10
    );
    assert!(
        report.recall_at_100 >= 0.90,
        "Recall@100 {:.4}",
        report.recall_at_100
    );
    assert!(report.mrr_at_10 > 0.6);

    // The run file is valid TREC: `qid Q0 docid rank score tag`, ranks from 1, at most 100 a query.
    let text = std::fs::read_to_string(&run).expect("run file");
    let mut per_query = std::collections::HashMap::<&str, usize>::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 6, "bad line {line}");
        assert_eq!(f[1], "Q0");
        let n = per_query.entry(f[0]).or_default();
        *n += 1;
        assert_eq!(f[3].parse::<usize>().expect("rank"), *n);
        f[4].parse::<f32>().expect("score");
    }
    assert_eq!(per_query.len(), 300);
    assert!(per_query.values().all(|n| *n <= 100));
}
