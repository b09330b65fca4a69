//! Writing the index: a batch of page additions and deletions that readers see all at once, when
//! it commits (tantivy's writer stays inside).

use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Term};

use super::{hash64, site_terms, LexicalIndex, PageInfo, HEADING_SEPARATOR};
use crate::chunk::Chunk;
use crate::IndexError;
use store::DocId;

/// Writes to a [`LexicalIndex`], from [`LexicalIndex::batch`].
pub struct IndexBatch<'a> {
    pub(super) index: &'a LexicalIndex,
    pub(super) writer: IndexWriter,
}

impl IndexBatch<'_> {
    /// Adds a page's chunks (delete its older version first, with [`Self::delete_page`]).
    pub fn add_page(&mut self, page: &PageInfo<'_>, chunks: &[Chunk]) -> Result<(), IndexError> {
        let f = self.index.fields;
        let sites = site_terms(page.url);
        let fetched = tantivy::DateTime::from_timestamp_secs(page.fetched_at.timestamp());
        for chunk in chunks {
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.doc_id, page.doc_id);
            doc.add_u64(f.hash, hash64(page.content_hash));
            doc.add_u64(f.ordinal, u64::from(chunk.ordinal));
            doc.add_text(f.url, page.url);
            for site in &sites {
                doc.add_text(f.site, site);
            }
            doc.add_text(f.title, page.title);
            let mut headings = chunk.heading_path.clone();
            headings.extend(chunk.merged_headings.iter().cloned());
            doc.add_text(f.headings, headings.join(HEADING_SEPARATOR));
            doc.add_text(f.heading_path, chunk.heading_path.join(HEADING_SEPARATOR));
            doc.add_text(f.body, &chunk.text);
            doc.add_u64(f.start, chunk.start as u64);
            doc.add_u64(f.end, chunk.end as u64);
            doc.add_date(f.fetched_at, fetched);
            self.writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Deletes every chunk of page `doc_id`.
    pub fn delete_page(&mut self, doc_id: DocId) {
        self.writer
            .delete_term(Term::from_field_u64(self.index.fields.doc_id, doc_id));
    }

    /// Makes the batch durable and visible: commits, waits for merges, reloads the reader. Dropped
    /// without a commit, the batch leaves the index as it was.
    pub fn commit(mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        self.index.reload()
    }
}
