//! Dense and hybrid retrieval end to end, with the real all-MiniLM-L6-v2 weights.

use std::path::PathBuf;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use cited::dto::{AnswerResponse, SearchResponse};

use crate::common::{cited, cited_json, cited_ok, model_dir, serve_router};

fn site() -> String {
    let page = |title: &'static str, body: &'static str| {
        let html = format!("<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>{body}</p></main></body></html>");
        get(move || {
            let html = html.clone();
            async move { Html(html) }
        })
    };
    let addr = serve_router(
        Router::new()
            .route("/", get(|| async { Html(r#"<main><h1>Pets</h1><p>Notes about pets.</p><a href="/sleep">a</a> <a href="/food">b</a> <a href="/cars">c</a></main>"#) }))
            .route("/sleep", page("Ferret habits", "Ferrets sleep about fourteen hours a day, mostly in dark burrows."))
            .route("/food", page("Ferret diet", "Ferrets are obligate carnivores and must eat meat."))
            .route("/cars", page("Engines", "A diesel engine ignites its fuel by compression rather than with a spark plug.")),
    );
    format!("http://{addr}/")
}

fn search(data: &std::path::Path, model: &str, mode: &str, q: &str) -> SearchResponse {
    cited_json(
        data,
        &["--model-dir", model, "search", "--json", "--mode", mode, q],
    )
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session end to end, step by step in the order a person acts"
)]
fn dense_retrieval_finds_paraphrases_that_bm25_cannot() {
    let model = model_dir().to_string_lossy().into_owned();
    let data = tempfile::tempdir().expect("tempdir");
    let d = data.path();
    let out = cited_ok(
        d,
        &["--model-dir", &model, "crawl", &site(), "--delay-ms", "0"],
    );
    assert!(out.contains("indexed in"), "{out}");

    // No word of this query is on the sleep page; only the meaning matches.
    let q = "which animal naps through the daytime";
    let dense: SearchResponse = search(d, &model, "dense", q);
    assert!(
        dense.hits[0].url.ends_with("/sleep"),
        "dense ranked {:?}",
        dense.hits.iter().map(|h| &h.url).collect::<Vec<_>>()
    );
    let hybrid: SearchResponse = cited_json(d, &["--model-dir", &model, "search", "--json", q]);
    assert!(hybrid.hits[0].url.ends_with("/sleep"));
    let lexical: SearchResponse = search(d, &model, "lexical", q);
    assert!(lexical.hits.iter().all(|h| !h.url.ends_with("/sleep")));

    let site_filtered: SearchResponse = search(d, &model, "dense", "diesel site:example.com");
    assert!(
        site_filtered.hits.is_empty(),
        "site: filters dense results too"
    );

    // Answers: a paraphrase counts as relevant by meaning; a question on the same topic that no page
    // answers gets no answer rather than a wrong one.
    let answer: AnswerResponse = cited_json(
        d,
        &[
            "--model-dir",
            &model,
            "ask",
            "--json",
            "when do ferrets rest",
        ],
    );
    assert_eq!(
        answer.sentences.first().map(|s| s.text.as_str()),
        Some("Ferrets sleep about fourteen hours a day, mostly in dark burrows.")
    );
    assert!(answer.sources[0].url.ends_with("/sleep"));
    let lexical: AnswerResponse = cited_json(
        d,
        &[
            "--model-dir",
            &model,
            "ask",
            "--json",
            "--mode",
            "lexical",
            "when do ferrets rest",
        ],
    );
    assert!(
        lexical.sentences.is_empty(),
        "BM25 alone has no answer: {}",
        lexical.answer
    );
    let answer: AnswerResponse = cited_json(
        d,
        &[
            "--model-dir",
            &model,
            "ask",
            "--json",
            "what do ferrets eat",
        ],
    );
    assert!(
        answer.sources[0].url.ends_with("/food"),
        "{}",
        answer.answer
    );
    let answer: AnswerResponse = cited_json(
        d,
        &[
            "--model-dir",
            &model,
            "ask",
            "--json",
            "how fast can a ferret run",
        ],
    );
    assert!(
        answer.sentences.is_empty(),
        "answered an unanswerable question: {}",
        answer.answer
    );

    // Without a model, dense is refused clearly and lexical still works.
    let out = cited(d, &["search", "--mode", "dense", q]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("embedding model"));

    // Vectors from another model are never used with this one: cited stays lexical and says so,
    // and `cited index` re-embeds everything.
    {
        use indexer::vector::{EdgeStore, StoredModel, VectorStore};
        let vectors = EdgeStore::writer(&d.join("vectors")).expect("vector store");
        vectors
            .reset(&StoredModel {
                id: "some-other-model".to_string(),
                dim: 384,
            })
            .expect("reset");
        vectors.commit().expect("commit");
    }
    let out = cited(d, &["--model-dir", &model, "search", "--mode", "dense", q]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("re-embed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cited_ok(d, &["--model-dir", &model, "index"]);
    assert!(out.contains("embedded 4 passages"), "{out}");
    let dense: SearchResponse = search(d, &model, "dense", q);
    assert!(dense.hits[0].url.ends_with("/sleep"));
}

/// First use with no model: `cited crawl` downloads the default model from the hub (here a loopback
/// mirror holding the real files, as huggingface.co lays them out), then embeds with it; `ask` needs
/// no `--model-dir`. A failed download leaves no half model behind and cited stays lexical.
#[test]
fn the_default_model_is_downloaded_on_first_use() {
    let model = model_dir();
    let hub = crate::common::serve_router(Router::new().nest_service(
        "/sentence-transformers/all-MiniLM-L6-v2/resolve/main",
        tower_http::services::ServeDir::new(&model),
    ));
    let data = tempfile::tempdir().expect("tempdir");
    let d = data.path();

    // A hub that does not have the model: a clear note, lexical indexing, nothing left behind.
    let broken = crate::common::serve_router(Router::new());
    let out = crate::common::cited_command(d)
        .env("CITED_OFFLINE", "0")
        .env("CITED_MODEL_ENDPOINT", format!("http://{broken}"))
        .env("CITED_RUNTIME_ENDPOINT", format!("http://{broken}"))
        .args(["crawl", &site(), "--delay-ms", "0"])
        .output()
        .expect("run cited");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("could not download the embedding model"),
        "{stderr}"
    );
    assert!(stderr.contains("lexical retrieval only"), "{stderr}");
    assert!(
        stderr.contains("could not download ONNX Runtime"),
        "{stderr}"
    );
    assert!(!d.join("runtime/libonnxruntime.so.1.32.0").exists());
    assert!(!d.join("models/all-MiniLM-L6-v2").exists());

    let out = crate::common::cited_command(d)
        .env("CITED_OFFLINE", "0")
        .env("CITED_MODEL_ENDPOINT", format!("http://{hub}"))
        .env("CITED_RUNTIME_ENDPOINT", format!("http://{broken}"))
        .args(["index"])
        .output()
        .expect("run cited");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("embedded 4 passages"), "{stdout}");
    assert!(d.join("models/all-MiniLM-L6-v2/model.safetensors").exists());
    assert!(!d.join("models/all-MiniLM-L6-v2.part").exists());

    // Found by itself from now on.
    let hits: SearchResponse = cited_json(
        d,
        &[
            "search",
            "--json",
            "--mode",
            "dense",
            "how long do ferrets rest",
        ],
    );
    assert!(hits.hits[0].url.ends_with("/sleep"), "{:?}", hits.hits);
}

/// The pinned ONNX Runtime wheel (`scripts/fetch-model --onnx` keeps a copy in target/wheels).
fn runtime_wheel() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/wheels");
    let wheel = dir.join("onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl");
    assert!(
        wheel.exists(),
        "no ONNX Runtime wheel in {}: run scripts/fetch-model --onnx",
        dir.display()
    );
    wheel
}

/// Where PyPI keeps the pinned wheel (cited's `models::WHEELS`).
const WHEEL_DIR: &str =
    "/packages/1d/46/e6f356c9539d2eed44126de3421a81e217da2ad91b22dc11b379cb1e384f";

#[test]
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn onnx_runtime_is_fetched_on_first_use_checked_and_used() {
    let model = model_dir();
    // A hub with the model and its ONNX export (at the hub's path, onnx/model.onnx).
    let hub = serve_router(
        Router::new()
            .route_service(
                "/sentence-transformers/all-MiniLM-L6-v2/resolve/main/onnx/model.onnx",
                tower_http::services::ServeFile::new(model.join("model.onnx")),
            )
            .nest_service(
                "/sentence-transformers/all-MiniLM-L6-v2/resolve/main",
                tower_http::services::ServeDir::new(&model),
            ),
    );
    let wheel = runtime_wheel();
    let pypi = serve_router(Router::new().route_service(
        &format!(
            "{WHEEL_DIR}/{}",
            wheel.file_name().and_then(|n| n.to_str()).expect("name")
        ),
        tower_http::services::ServeFile::new(&wheel),
    ));
    // A mirror that serves something else under the wheel's name: refused by its checksum.
    let tampered = tempfile::tempdir().expect("dir");
    let fake = tampered.path().join("fake.whl");
    std::fs::write(&fake, b"PK not the wheel").expect("write");
    let evil = serve_router(Router::new().route_service(
        &format!(
            "{WHEEL_DIR}/{}",
            wheel.file_name().and_then(|n| n.to_str()).expect("name")
        ),
        tower_http::services::ServeFile::new(&fake),
    ));
    let data = tempfile::tempdir().expect("tempdir");
    let d = data.path();
    crate::common::crawl_fast(d, &site(), "10", &["--no-index"]);
    let index = |runtime: &str| {
        crate::common::cited_command(d)
            .env("CITED_OFFLINE", "0")
            .env("CITED_MODEL_ENDPOINT", format!("http://{hub}"))
            .env("CITED_RUNTIME_ENDPOINT", format!("http://{runtime}"))
            .args(["index"])
            .output()
            .expect("run cited")
    };
    let out = index(&evil.to_string());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("SHA-256"), "{stderr}");
    assert!(stderr.contains("built-in runtime"), "{stderr}");
    assert!(!d.join("runtime/libonnxruntime.so.1.32.0").exists());
    assert!(d.join("models/all-MiniLM-L6-v2/model.onnx").exists());

    let out = index(&pypi.to_string());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        d.join("runtime/libonnxruntime.so.1.32.0").exists(),
        "{stderr}"
    );
    assert!(!stderr.contains("built-in runtime"), "{stderr}");

    // Found by itself from now on: no notice, and the same answers as candle's vectors give.
    let out = cited(
        d,
        &[
            "search",
            "--json",
            "--mode",
            "dense",
            "how long do ferrets rest",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("built-in runtime"), "{stderr}");
    let hits: SearchResponse = serde_json::from_slice(&out.stdout).expect("json");
    assert!(hits.hits[0].url.ends_with("/sleep"), "{:?}", hits.hits);
}
