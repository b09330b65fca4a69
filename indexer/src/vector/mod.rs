//! The vector store: one unit vector per passage, searched by cosine similarity.
//!
//! [`VectorStore`] is one contract with two implementations, both Qdrant: [`EdgeStore`], an
//! embedded Qdrant (qdrant-edge) on disk in the data directory, the default; and [`QdrantServer`], a
//! Qdrant server or cluster reached with qdrant-client, for when one machine is not enough. Both keep
//! the same points: id = page and passage ordinal, payload = page id, ordinal, page content hash and
//! the page's host with every parent domain (for `site:` filters).

mod edge;
pub mod sentences;
mod server;

use std::collections::HashMap;

pub use edge::EdgeStore;
pub use sentences::{sentence_units, SentenceCosine, SentenceVector, SentenceVectors};
pub use server::QdrantServer;

use crate::IndexError;
use store::DocId;

/// A passage found by vector search.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    pub doc_id: DocId,
    pub ordinal: u32,
    pub score: f32,
}

/// The model whose vectors a store holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredModel {
    pub id: String,
    pub dim: usize,
}

/// Where passage vectors are kept and searched.
pub trait VectorStore: Send + Sync {
    /// The model the stored vectors come from, if any are stored.
    fn model(&self) -> Result<Option<StoredModel>, IndexError>;
    /// Forgets every vector and records `model` as the store's model.
    fn reset(&self, model: &StoredModel) -> Result<(), IndexError>;
    /// Replaces the vectors of page `doc_id` (content hash `page_hash`, for incremental indexing).
    fn upsert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError>;
    /// Stores the vectors of page `doc_id`, which has none in the store yet: like
    /// [`upsert_page`](Self::upsert_page) without first deleting the page's old vectors.
    fn insert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError>;
    fn delete_page(&self, doc_id: DocId) -> Result<(), IndexError>;
    /// Removes the store itself: every vector and the model (a server's collection is deleted).
    /// Afterwards [`model`](Self::model) is `None`, as in a store never written.
    fn destroy(&self) -> Result<(), IndexError>;
    /// Returns the `page_hash` of every page with vectors.
    fn page_hashes(&self) -> Result<HashMap<DocId, u64>, IndexError>;
    /// Makes the writes so far durable and visible to searches from other processes.
    fn commit(&self) -> Result<(), IndexError>;
    /// Returns the `limit` passages closest to `query`, optionally only from pages whose host is one
    /// of `sites` or under one of them.
    fn search(
        &self,
        query: &[f32],
        limit: usize,
        sites: &[String],
    ) -> Result<Vec<VectorHit>, IndexError>;
    fn len(&self) -> Result<u64, IndexError>;
    fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }
}

/// Payload keys, shared by both stores.
const DOC_ID: &str = "doc_id";
const ORDINAL: &str = "ordinal";
const PAGE_HASH: &str = "page_hash";
const DOMAINS: &str = "domains";

/// Bits of a point id that hold the passage ordinal; the page id takes the rest.
const ORDINAL_BITS: u32 = 24;

fn point_id(doc_id: DocId, ordinal: usize) -> Result<u64, IndexError> {
    if ordinal >= 1 << ORDINAL_BITS || doc_id >= 1 << (64 - ORDINAL_BITS) {
        return Err(IndexError::Corrupt(format!(
            "page {doc_id} passage {ordinal} does not fit a point id"
        )));
    }
    Ok(doc_id << ORDINAL_BITS | ordinal as u64)
}

fn split_point_id(id: u64) -> (DocId, u32) {
    (id >> ORDINAL_BITS, (id & ((1 << ORDINAL_BITS) - 1)) as u32)
}

/// The host of `url` and every domain above it: `docs.example.com`, `example.com`, `com`. A `site:`
/// filter for any of them matches the page.
fn domains(url: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(url) else {
        return Vec::new();
    };
    match url.host() {
        Some(url::Host::Domain(host)) => {
            let mut out = Vec::new();
            let mut rest = host;
            while !rest.is_empty() {
                out.push(rest.to_ascii_lowercase());
                rest = rest.split_once('.').map_or("", |(_, tail)| tail);
            }
            out
        }
        Some(ip) => vec![ip.to_string()],
        None => Vec::new(),
    }
}

/// Page hashes are u64; payloads hold i64.
fn hash_from_payload(value: i64) -> u64 {
    value as u64
}

/// Refuses vectors whose size is not the store's.
fn check_vectors(vectors: &[Vec<f32>], model: &StoredModel) -> Result<(), IndexError> {
    match vectors.iter().find(|v| v.len() != model.dim) {
        Some(v) => Err(IndexError::Model(format!(
            "vector of {} dimensions for a store of {}",
            v.len(),
            model.dim
        ))),
        None => Ok(()),
    }
}

/// The payload of passage `ordinal` of a page.
fn payload(doc_id: DocId, ordinal: usize, page_hash: u64, domains: &[String]) -> serde_json::Value {
    serde_json::json!({
        DOC_ID: doc_id as i64,
        ORDINAL: ordinal as i64,
        PAGE_HASH: page_hash as i64,
        DOMAINS: domains,
    })
}

fn check_dim(query: &[f32], model: Option<&StoredModel>) -> Result<(), IndexError> {
    match model {
        Some(m) if m.dim != query.len() => Err(IndexError::Model(format!(
            "query has {} dimensions, stored vectors {}: the index was built with another model",
            query.len(),
            m.dim
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_ids_round_trip() {
        for (doc, ord) in [(0, 0), (1, 0), (7, 12), ((1 << 40) - 1, (1 << 24) - 1)] {
            let id = point_id(doc, ord as usize).expect("fits");
            assert_eq!(split_point_id(id), (doc, ord));
        }
        assert!(point_id(1 << 40, 0).is_err());
        assert!(point_id(1, 1 << 24).is_err());
    }

    #[test]
    fn domains_cover_every_parent() {
        assert_eq!(
            domains("https://Docs.Example.com/a?b"),
            vec!["docs.example.com", "example.com", "com"]
        );
        assert_eq!(domains("http://127.0.0.1:8000/"), vec!["127.0.0.1"]);
        assert!(domains("not a url").is_empty());
    }
}
