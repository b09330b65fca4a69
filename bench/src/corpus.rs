//! Generated corpora for the scaling runs: pages of the generated web's kind written straight into a
//! page store (as a crawl would leave them), until they make the asked number of passages; then
//! `cited index` indexes them the way it indexes a crawl.

use std::path::Path;

use anyhow::Result;
use indexer::{chunk_page, PageRecord, PageStore, Section};

use crate::site::generate;

/// Writes pages into the page store of data directory `data` until they hold `chunks` passages;
/// returns the number of pages.
pub fn write(data: &Path, chunks: usize) -> Result<usize> {
    std::fs::create_dir_all(data)?;
    let store = PageStore::open(&data.join("store.sqlite"))?;
    let now = chrono::Utc::now();
    let mut total = 0;
    let mut n = 0;
    while total < chunks {
        let page = generate(1000, n);
        let mut text = format!("{}\n", page.title);
        let mut sections = Vec::new();
        for (heading, paragraphs) in &page.sections {
            let start = text.len();
            text.push_str(heading);
            text.push('\n');
            for p in paragraphs {
                text.push_str(p);
                text.push('\n');
            }
            sections.push(Section {
                heading_path: vec![page.title.clone(), heading.clone()],
                level: 2,
                start,
                end: text.len(),
            });
        }
        total += chunk_page(n as u64, &text, &sections).len();
        let url = format!("http://corpus.test/p/{n}.html");
        store.upsert(&PageRecord {
            url: url.clone(),
            requested_url: url,
            status: 200,
            fetched_at: now,
            content_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
            etag: None,
            last_modified: None,
            title: page.title,
            text,
            sections,
            outlinks: Vec::new(),
            canonical: None,
            truncated: false,
        })?;
        n += 1;
    }
    Ok(n)
}
