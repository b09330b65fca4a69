//! The `VectorStore` contract, as one suite every implementation must pass: the embedded Qdrant
//! (always) and a Qdrant server (when `QDRANT_URL` is set, e.g. `http://127.0.0.1:6334`).

use indexer::vector::{EdgeStore, QdrantServer, StoredModel, VectorStore};
use indexer::IndexError;

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn model(id: &str, dim: usize) -> StoredModel {
    StoredModel {
        id: id.to_string(),
        dim,
    }
}

/// The conformance suite. `writer` writes; `reader` searches what `writer` committed (the same
/// store for a server, a second handle for the embedded one).
fn conformance(writer: &dyn VectorStore, reader: &dyn VectorStore) {
    assert!(writer.is_empty().expect("len"));
    assert_eq!(writer.model().expect("model"), None);
    writer.reset(&model("model-a", 3)).expect("reset");
    assert_eq!(writer.model().expect("model"), Some(model("model-a", 3)));

    writer
        .upsert_page(
            1,
            11,
            "http://docs.example.com/a",
            &[unit(&[1.0, 0.0, 0.0]), unit(&[0.7, 0.7, 0.0])],
        )
        .expect("upsert");
    writer
        .insert_page(
            2,
            u64::MAX - 5,
            "http://other.org/b",
            &[unit(&[0.0, 1.0, 0.0])],
        )
        .expect("upsert");
    writer.commit().expect("commit");
    assert_eq!(writer.len().expect("len"), 3);
    assert_eq!(reader.len().expect("len"), 3);
    assert_eq!(reader.model().expect("model"), Some(model("model-a", 3)));

    let hits = reader
        .search(&unit(&[1.0, 0.1, 0.0]), 10, &[])
        .expect("search");
    let keys: Vec<(u64, u32)> = hits.iter().map(|h| (h.doc_id, h.ordinal)).collect();
    assert_eq!(keys, vec![(1, 0), (1, 1), (2, 0)], "nearest first");
    assert!(hits[0].score > hits[1].score && hits[1].score > hits[2].score);
    assert!(
        (hits[0].score - unit(&[1.0, 0.1, 0.0])[0]).abs() < 1e-5,
        "score is the cosine"
    );

    assert_eq!(
        reader
            .search(&unit(&[1.0, 0.0, 0.0]), 1, &[])
            .expect("search")
            .len(),
        1
    );
    site_filters(reader);
    updates(writer, reader);
    model_changes(writer, reader);
}

/// A search restricted to sites finds only their pages, a domain covering its hosts.
fn site_filters(reader: &dyn VectorStore) {
    let filtered = reader
        .search(&unit(&[1.0, 0.0, 0.0]), 10, &["other.org".to_string()])
        .expect("search");
    assert_eq!(
        filtered.iter().map(|h| h.doc_id).collect::<Vec<_>>(),
        vec![2],
        "site filter"
    );
    let by_domain = reader
        .search(&unit(&[1.0, 0.0, 0.0]), 10, &["Example.com".to_string()])
        .expect("search");
    assert_eq!(by_domain.len(), 2, "a domain covers its hosts");
    let nowhere = reader
        .search(&unit(&[1.0, 0.0, 0.0]), 10, &["ample.com".to_string()])
        .expect("search");
    assert!(nowhere.is_empty(), "a site is a whole domain, not a suffix");
}

/// Upserting a page replaces all its vectors; deleting it removes them; vectors of the wrong size
/// are refused.
fn updates(writer: &dyn VectorStore, reader: &dyn VectorStore) {
    writer
        .upsert_page(
            1,
            12,
            "http://docs.example.com/a",
            &[unit(&[0.0, 0.0, 1.0])],
        )
        .expect("upsert");
    writer.commit().expect("commit");
    assert_eq!(reader.len().expect("len"), 2);
    let hashes = writer.page_hashes().expect("hashes");
    assert_eq!(hashes.len(), 2);
    assert_eq!((hashes[&1], hashes[&2]), (12, u64::MAX - 5));

    writer.delete_page(2).expect("delete");
    writer.commit().expect("commit");
    let hits = reader
        .search(&unit(&[0.0, 1.0, 0.0]), 10, &[])
        .expect("search");
    assert_eq!(hits.iter().map(|h| h.doc_id).collect::<Vec<_>>(), vec![1]);

    // A query or a vector of the wrong size is an error, not a wrong answer.
    assert!(reader.search(&[1.0, 0.0], 10, &[]).is_err());
    assert!(writer.upsert_page(3, 1, "http://h/", &[vec![1.0]]).is_err());
}

/// Switching models forgets every vector; destroying the store leaves nothing, not even the
/// model, and it can be written again after a reset.
fn model_changes(writer: &dyn VectorStore, reader: &dyn VectorStore) {
    writer.reset(&model("model-b", 2)).expect("reset");
    writer.commit().expect("commit");
    assert!(reader.is_empty().expect("len"));
    assert_eq!(reader.model().expect("model"), Some(model("model-b", 2)));

    writer
        .insert_page(4, 1, "http://h/", &[unit(&[1.0, 0.0])])
        .expect("insert");
    writer.commit().expect("commit");
    writer.destroy().expect("destroy");
    writer.commit().expect("commit");
    assert_eq!(reader.model().expect("model"), None);
    assert!(reader.is_empty().expect("len"));
    assert!(writer.page_hashes().expect("hashes").is_empty());
    assert!(
        writer
            .insert_page(5, 1, "http://h/", &[unit(&[1.0, 0.0])])
            .is_err(),
        "no model after destroy"
    );
    writer.reset(&model("model-c", 2)).expect("reset");
    writer
        .insert_page(5, 1, "http://h/", &[unit(&[1.0, 0.0])])
        .expect("insert");
    writer.commit().expect("commit");
    assert_eq!(reader.len().expect("len"), 1);
    writer.destroy().expect("destroy");
    writer.commit().expect("commit");
}

#[test]
fn edge_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let writer = EdgeStore::writer(dir.path()).expect("open");
    let reader = EdgeStore::reader(dir.path());
    conformance(&writer, &reader);
}

#[test]
fn edge_readers_see_commits_only() {
    // As `cited serve` sees what `cited index` writes from another process, once it commits.
    let dir = tempfile::tempdir().expect("tempdir");
    let reader = EdgeStore::reader(dir.path());
    assert!(reader
        .search(&unit(&[1.0, 0.0]), 5, &[])
        .expect("search")
        .is_empty());
    let writer = EdgeStore::writer(dir.path()).expect("open");
    writer.reset(&model("m", 2)).expect("reset");
    writer
        .upsert_page(7, 1, "http://h/", &[unit(&[1.0, 0.0])])
        .expect("upsert");
    assert!(
        reader
            .search(&unit(&[1.0, 0.0]), 5, &[])
            .expect("search")
            .is_empty(),
        "not committed yet"
    );
    assert!(reader
        .upsert_page(8, 1, "http://h/", &[unit(&[1.0, 0.0])])
        .is_err());
    writer.commit().expect("commit");
    let hits = reader.search(&unit(&[1.0, 0.0]), 5, &[]).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].doc_id, 7);
}

#[test]
fn edge_store_has_one_writer_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let writer = EdgeStore::writer(dir.path()).expect("open");
        assert!(matches!(
            EdgeStore::writer(dir.path()),
            Err(IndexError::Locked(_))
        ));
        writer.reset(&model("m", 2)).expect("reset");
        writer
            .upsert_page(7, 99, "http://h/", &[unit(&[1.0, 0.0]), unit(&[0.0, 1.0])])
            .expect("upsert");
        // Not committed: the writer's own data survives a restart all the same.
    }
    let writer = EdgeStore::writer(dir.path()).expect("reopen");
    assert_eq!(writer.model().expect("model"), Some(model("m", 2)));
    assert_eq!(writer.len().expect("len"), 2);
    assert_eq!(writer.page_hashes().expect("hashes")[&7], 99);
}

/// Against a real Qdrant server at `QDRANT_URL` (gRPC, e.g. `http://127.0.0.1:6334`); none can be
/// installed on the build machines, so it runs only when asked for with `--ignored`.
#[test]
#[ignore = "needs a Qdrant server: QDRANT_URL=http://HOST:6334 cargo test -p indexer --test vector -- --ignored"]
fn qdrant_server_conforms() {
    let url = std::env::var("QDRANT_URL")
        .expect("QDRANT_URL must point at a Qdrant server (gRPC, e.g. http://127.0.0.1:6334)");
    let collection = format!("cited-conformance-{}", std::process::id());
    let store = QdrantServer::connect(
        &url,
        std::env::var("QDRANT_API_KEY").ok().as_deref(),
        &collection,
    )
    .expect("connect to QDRANT_URL");
    conformance(&store, &store);
}

#[test]
fn unreachable_qdrant_server_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    // Nothing listens there once the listener above is dropped.
    let err = QdrantServer::connect(&format!("http://127.0.0.1:{port}"), None, "cited")
        .err()
        .expect("no server");
    assert!(
        err.to_string().contains("cannot reach the Qdrant server"),
        "{err}"
    );
}

#[test]
fn a_server_store_dropped_inside_async_code_does_not_panic() {
    // `cited ask` and `cited serve` drop their stores inside a tokio runtime: a store that owned a
    // runtime dropped the plain way panicked there ("Cannot drop a runtime in a context where
    // blocking is not allowed"). Connecting to nothing builds the store and drops it on the error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result = runtime.block_on(async {
        QdrantServer::connect(&format!("http://127.0.0.1:{port}"), None, "cited").err()
    });
    assert!(result.is_some(), "nothing listens there");
}

#[test]
fn a_killed_readers_copy_is_removed_by_the_next_reader() {
    // No process can have this id (above Linux's pid_max).
    let orphan = std::env::temp_dir().join("cited-vectors-999999999-test");
    std::fs::create_dir_all(orphan.join("shard")).expect("mkdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let _reader = EdgeStore::reader(dir.path());
    assert!(!orphan.exists());
}
