//! The `VectorStore` contract, as one suite any implementation must pass. It runs against the
//! embedded store always; a Qdrant-server store is the next implementation to run it against.

use indexer::vector::{FlatStore, VectorStore};

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

/// The conformance suite.
fn conformance(store: &dyn VectorStore) {
    assert!(store.is_empty().expect("len"));
    store.reset("model-a").expect("reset");
    assert_eq!(store.model().expect("model").as_deref(), Some("model-a"));

    store
        .upsert_page(
            1,
            11,
            "http://docs.example.com/a",
            &[unit(&[1.0, 0.0, 0.0]), unit(&[0.7, 0.7, 0.0])],
        )
        .expect("upsert");
    store
        .upsert_page(2, 22, "http://other.org/b", &[unit(&[0.0, 1.0, 0.0])])
        .expect("upsert");
    assert_eq!(store.len().expect("len"), 3);

    let hits = store
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
        store
            .search(&unit(&[1.0, 0.0, 0.0]), 1, &[])
            .expect("search")
            .len(),
        1
    );
    let filtered = store
        .search(&unit(&[1.0, 0.0, 0.0]), 10, &["other.org".to_string()])
        .expect("search");
    assert_eq!(
        filtered.iter().map(|h| h.doc_id).collect::<Vec<_>>(),
        vec![2],
        "site filter"
    );
    let by_domain = store
        .search(&unit(&[1.0, 0.0, 0.0]), 10, &["example.com".to_string()])
        .expect("search");
    assert_eq!(by_domain.len(), 2, "a domain covers its hosts");

    // Upserting a page replaces all its vectors.
    store
        .upsert_page(
            1,
            12,
            "http://docs.example.com/a",
            &[unit(&[0.0, 0.0, 1.0])],
        )
        .expect("upsert");
    assert_eq!(store.len().expect("len"), 2);
    let hashes = store.page_hashes().expect("hashes");
    assert_eq!((hashes[&1], hashes[&2]), (12, 22));

    store.delete_page(2).expect("delete");
    let hits = store
        .search(&unit(&[0.0, 1.0, 0.0]), 10, &[])
        .expect("search");
    assert_eq!(hits.iter().map(|h| h.doc_id).collect::<Vec<_>>(), vec![1]);

    // A query of the wrong size is an error, not a wrong answer.
    assert!(store.search(&[1.0, 0.0], 10, &[]).is_err());

    // Switching models forgets every vector.
    store.reset("model-b").expect("reset");
    assert!(store.is_empty().expect("len"));
    assert_eq!(store.model().expect("model").as_deref(), Some("model-b"));
}

#[test]
fn flat_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    conformance(&FlatStore::open(&dir.path().join("v.sqlite")).expect("open"));
}

#[test]
fn flat_store_sees_writes_from_another_handle() {
    // As `cited serve` sees what `cited index` writes from another process.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v.sqlite");
    let reader = FlatStore::open(&path).expect("open");
    assert!(reader
        .search(&unit(&[1.0, 0.0]), 5, &[])
        .expect("search")
        .is_empty());
    let writer = FlatStore::open(&path).expect("open");
    writer.reset("m").expect("reset");
    writer
        .upsert_page(7, 1, "http://h/", &[unit(&[1.0, 0.0])])
        .expect("upsert");
    let hits = reader.search(&unit(&[1.0, 0.0]), 5, &[]).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].doc_id, 7);
}
