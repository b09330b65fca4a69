//! Helpers for unit tests.

use chrono::Utc;
use indexer::sync::sync;
use indexer::LexicalIndex;
use store::{PageRecord, PageStore, Section};

/// A search index of pages given as (title, body), one section each, built through the page store
/// and the indexer as `cited index` builds one.
pub fn index_of(pages: &[(&str, &str)]) -> (tempfile::TempDir, LexicalIndex) {
    let dir = tempfile::tempdir().expect("dir");
    let store = PageStore::open(&dir.path().join("s.sqlite")).expect("store");
    for (i, (title, body)) in pages.iter().enumerate() {
        let text = format!("{title}\n{body}");
        store
            .upsert(&PageRecord {
                url: format!("http://h.example/{i}"),
                requested_url: format!("http://h.example/{i}"),
                status: 200,
                fetched_at: Utc::now(),
                content_hash: format!("{i:032x}"),
                etag: None,
                last_modified: None,
                title: title.to_string(),
                sections: vec![Section {
                    heading_path: vec![title.to_string()],
                    level: 1,
                    start: 0,
                    end: text.len(),
                }],
                text,
                outlinks: vec![],
                canonical: None,
                truncated: false,
            })
            .expect("upsert");
    }
    let index = LexicalIndex::open(&dir.path().join("index")).expect("index");
    sync(&store, &index, None, &|_, _, _| {}).expect("sync");
    (dir, index)
}
