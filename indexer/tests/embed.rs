//! The embedding model with real weights (all-MiniLM-L6-v2), checked against reference vectors
//! computed independently by `tests/reference/minilm_reference.py` (a numpy forward pass).
//!
//! The model comes from `CITED_TEST_MODEL_DIR`, else `target/models/all-MiniLM-L6-v2`
//! (`scripts/fetch-model` puts it there; `.ci/run` runs it).

use std::path::PathBuf;

use indexer::embed::{Embedder, LocalModel, OnnxModel, Pooling};

fn model_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var_os("CITED_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/models/all-MiniLM-L6-v2"));
    assert!(
        dir.join("model.safetensors").exists(),
        "no model in {}: run scripts/fetch-model (or set CITED_TEST_MODEL_DIR)",
        dir.display()
    );
    dir
}

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<RefSentence>,
}

#[derive(serde::Deserialize)]
struct RefSentence {
    text: String,
    embedding: Vec<f32>,
}

fn reference() -> Reference {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/reference/minilm.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference file"))
        .expect("reference JSON")
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Checks `model` (all-MiniLM-L6-v2, whatever runs it) against the reference vectors.
fn matches_reference(model: &dyn Embedder) {
    assert_eq!(model.dim(), 384);
    let reference = reference();
    let texts: Vec<&str> = reference
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    // Batched (padded) and one at a time must agree with the reference alike.
    let batched = model.embed_passages(&texts).expect("embed");
    for (r, b) in reference.sentences.iter().zip(&batched) {
        let single = model.embed_query(&r.text).expect("embed");
        for v in [b, &single] {
            assert_eq!(v.len(), 384);
            let max_diff = v
                .iter()
                .zip(&r.embedding)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            assert!(max_diff < 1e-4, "`{}`: max difference {max_diff}", r.text);
            assert!((dot(v, v) - 1.0).abs() < 1e-4, "not unit length");
            assert!(dot(v, &r.embedding) > 0.9999);
        }
    }
    // A paraphrase is closer than an unrelated sentence.
    let q = model
        .embed_query("Which statement has no effect?")
        .expect("embed");
    assert!(dot(&q, &batched[0]) > dot(&q, &batched[2]));
}

#[test]
fn minilm_matches_the_independent_reference() {
    let model = LocalModel::load(&model_dir()).expect("load model");
    assert_eq!(
        model.pooling(),
        Pooling::Mean,
        "all-MiniLM-L6-v2 pools by mean (1_Pooling/config.json)"
    );
    matches_reference(&model);
}

/// The ONNX Runtime path (fastembed), with the `libonnxruntime` file in `CITED_TEST_ORT_LIB` or
/// target/onnxruntime, and the model directory's `model.onnx` (`scripts/fetch-model --onnx` sets both
/// up from PyPI; `.ci/run` runs it).
fn ort_lib() -> PathBuf {
    let lib = std::env::var_os("CITED_TEST_ORT_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/onnxruntime/libonnxruntime.so")
        });
    assert!(
        lib.exists(),
        "no ONNX Runtime in {}: run scripts/fetch-model --onnx (.ci/run does)",
        lib.display()
    );
    lib
}

#[test]
fn onnx_runtime_matches_the_reference_and_the_built_in_runtime() {
    let dir = model_dir();
    let onnx = OnnxModel::load(&dir, &ort_lib()).expect("load model.onnx");
    matches_reference(&onnx);
    let candle = LocalModel::load(&dir).expect("load model");
    assert_eq!(
        onnx.model_id(),
        candle.model_id(),
        "one model, one id, whichever runtime: switching needs no re-embedding"
    );
    // Concurrent queries run on a pool of sessions and get the vectors a lone query gets.
    let questions: Vec<String> = (0..8).map(|i| format!("question number {i}")).collect();
    let alone: Vec<Vec<f32>> = questions
        .iter()
        .map(|q| onnx.embed_query(q).expect("embed"))
        .collect();
    let together: Vec<Vec<f32>> = std::thread::scope(|s| {
        let handles: Vec<_> = questions
            .iter()
            .map(|q| s.spawn(|| onnx.embed_query(q).expect("embed")))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    for (a, b) in alone.iter().zip(&together) {
        assert!(dot(a, b) > 0.9999, "same vector from any session");
    }
}

/// A burst of queries on a fresh model adds sessions one at a time, up to one per core: it used to
/// start one per waiting query (32 at once on two cores on a cold server, p99 of seconds) and keep
/// one of them.
#[test]
fn a_burst_of_queries_adds_sessions_one_at_a_time() {
    let onnx = OnnxModel::load(&model_dir(), &ort_lib()).expect("load model.onnx");
    let burst = 16;
    let start = std::sync::Barrier::new(burst);
    std::thread::scope(|s| {
        for i in 0..burst {
            let (onnx, start) = (&onnx, &start);
            s.spawn(move || {
                start.wait();
                onnx.embed_query(&format!("question number {i}"))
                    .expect("embed")
            });
        }
    });
    assert!(
        (1..=onnx.max_sessions()).contains(&onnx.sessions_made()),
        "{} sessions made for {burst} queries, pool of {}",
        onnx.sessions_made(),
        onnx.max_sessions()
    );
}

#[test]
fn a_directory_without_a_model_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = LocalModel::load(dir.path())
        .err()
        .expect("must fail")
        .to_string();
    assert!(
        err.contains("config.json") && err.contains("missing"),
        "{err}"
    );
}

/// Sentence vectors pooled from the passage's forward pass: the passage vector is the usual one,
/// each sentence is nearest the question it answers, both runtimes agree, and a sentence past the
/// model's 256 tokens gets no vector.
#[test]
fn sentences_get_vectors_from_their_passage_pass() {
    let dir = model_dir();
    let candle = LocalModel::load(&dir).expect("load model");
    let onnx = OnnxModel::load(&dir, &ort_lib()).expect("load model.onnx");
    let text = "The pass statement is a null operation: nothing happens when it is executed.\n\
                The tomllib module parses TOML documents into dictionaries.";
    let second = text.find("The tomllib").expect("second sentence");
    let spans = vec![(0, second - 1), (second, text.len())];
    let long = "word ".repeat(300) + "The last sentence.";
    let long_spans = vec![(0, 4), (long.len() - 18, long.len())];
    let mut by_runtime = Vec::new();
    for model in [&candle as &dyn Embedder, &onnx] {
        let out = model
            .embed_passage_spans(&[text, &long], &[spans.clone(), long_spans.clone()])
            .expect("embed");
        let plain = model.embed_passages(&[text]).expect("embed");
        assert!(
            dot(&out[0].passage, &plain[0]) > 0.9999,
            "the usual passage vector"
        );
        let sentences: Vec<Vec<f32>> = out[0]
            .spans
            .iter()
            .map(|s| s.clone().expect("read"))
            .collect();
        let null = model
            .embed_query("Which statement does nothing?")
            .expect("embed");
        let toml = model
            .embed_query("How do I parse a TOML file?")
            .expect("embed");
        assert!(dot(&null, &sentences[0]) > dot(&null, &sentences[1]));
        assert!(dot(&toml, &sentences[1]) > dot(&toml, &sentences[0]));
        assert!(
            out[1].spans[0].is_some(),
            "the start of a long passage is read"
        );
        assert_eq!(out[1].spans[1], None, "past the model's token limit");
        by_runtime.push(sentences);
    }
    for (a, b) in by_runtime[0].iter().zip(&by_runtime[1]) {
        assert!(dot(a, b) > 0.9999, "candle and ONNX Runtime agree");
    }
}
