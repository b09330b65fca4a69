//! cited on a Qdrant server (`--qdrant-url`). No server can be installed on the build machines, so
//! these run against an address where nothing listens — which is enough to show that commands fail
//! cleanly and keep standard output for JSON — and, when `QDRANT_URL` is set and `--ignored` asked
//! for, against a real server.

use cited::config::{QdrantSettings, Settings};
use cited::data_dir::DataDir;

use crate::common::{cited, cited_ok, crawl_fast, free_port, model_dir, python_docs, serve_dir};

/// A small crawl of the Python docs, indexed lexically (no model, so no vectors yet).
fn crawled() -> tempfile::TempDir {
    let addr = serve_dir(&python_docs());
    let data = tempfile::tempdir().expect("data");
    crawl_fast(
        data.path(),
        &format!("http://{addr}/glossary.html"),
        "5",
        &[],
    );
    data
}

#[test]
fn json_commands_fail_cleanly_without_the_qdrant_server() {
    let data = crawled();
    let url = format!("http://127.0.0.1:{}", free_port());
    let model = model_dir().to_string_lossy().into_owned();
    for args in [
        vec!["stats", "--json"],
        vec!["ask", "What is a decorator?", "--json"],
        vec!["search", "decorator", "--json"],
        vec!["rebuild", "--json"],
    ] {
        let mut full = vec!["--qdrant-url", url.as_str(), "--model-dir", model.as_str()];
        full.extend(&args);
        let out = cited(data.path(), &full);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A clean error (exit 1), never a panic (101), and nothing on stdout that is not JSON: the
        // Qdrant client's own version notice went there.
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot reach the Qdrant server"),
            "{args:?}: {stderr}"
        );
        assert!(
            stdout.trim().is_empty() || serde_json::from_str::<serde_json::Value>(&stdout).is_ok(),
            "{args:?} printed what is not JSON: {stdout}"
        );
    }
    // The lexical index is untouched and still answers without the server.
    let out = cited_ok(
        data.path(),
        &["search", "decorator", "--json", "--mode", "lexical"],
    );
    serde_json::from_str::<serde_json::Value>(&out).expect("JSON");
}

#[test]
fn an_old_generation_stays_while_its_collection_cannot_be_deleted() {
    let data = tempfile::tempdir().expect("data");
    for g in [1, 2] {
        std::fs::create_dir_all(data.path().join(format!("gen-{g}/index"))).expect("mkdir");
    }
    std::fs::write(data.path().join("generation"), "2\n").expect("pointer");
    let dir = DataDir::new(data.path());
    let unreachable = Settings {
        qdrant: Some(QdrantSettings {
            url: format!("http://127.0.0.1:{}", free_port()),
            api_key: None,
            collection: "cited".to_string(),
        }),
        ..Settings::default()
    };
    assert!(cited::index::generation::collect(&dir, &unreachable).is_empty());
    assert!(
        data.path().join("gen-1").exists(),
        "kept, so that a later collection deletes its collection"
    );
    assert_eq!(
        cited::index::generation::collect(&dir, &Settings::default()),
        vec![1]
    );
    assert!(!data.path().join("gen-1").exists());
    assert!(data.path().join("gen-2").exists(), "in service");
}

/// Rebuilds on a real server leave exactly one generation's collection, and every read command
/// exits 0 with valid JSON.
#[test]
#[ignore = "needs a Qdrant server: QDRANT_URL=http://HOST:6334 cargo test --test integration qdrant -- --ignored"]
fn rebuilds_on_a_qdrant_server_keep_one_collection() {
    let url = std::env::var("QDRANT_URL").expect("QDRANT_URL");
    let key = std::env::var("QDRANT_API_KEY").ok();
    let collection = format!("cited-test-{}", std::process::id());
    let data = crawled();
    let model = model_dir().to_string_lossy().into_owned();
    let mut base = vec![
        "--qdrant-url",
        url.as_str(),
        "--qdrant-collection",
        collection.as_str(),
        "--model-dir",
        model.as_str(),
    ];
    if let Some(k) = &key {
        base.extend(["--qdrant-api-key", k.as_str()]);
    }
    let run = |args: &[&str]| -> serde_json::Value {
        let mut full = base.clone();
        full.extend(args);
        let out = cited_ok(data.path(), &full);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    };
    let mut index = base.clone();
    index.push("index");
    cited_ok(data.path(), &index);
    for _ in 0..3 {
        run(&["rebuild", "--json"]);
    }
    run(&["ask", "What is a decorator?", "--json"]);
    run(&["search", "decorator", "--json"]);
    let stats = run(&["stats", "--json"]);
    let store =
        indexer::vector::QdrantServer::connect(&url, key.as_deref(), &collection).expect("connect");
    let left = store.collections(&collection).expect("list");
    assert_eq!(
        left,
        vec![format!("{collection}-g{}", stats["generation"])],
        "one generation's collection"
    );
    let store =
        indexer::vector::QdrantServer::connect(&url, key.as_deref(), &left[0]).expect("connect");
    indexer::vector::VectorStore::destroy(&store).expect("clean up");
}
