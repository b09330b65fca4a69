//! A Qdrant server or cluster, reached with qdrant-client over gRPC (port 6334 by default).
//!
//! One collection holds cited's passages: created with the model's dimension and cosine distance,
//! with payload indexes on the page id, the ordinal and the domains, and the model recorded in the
//! collection's metadata (which needs Qdrant 1.16 or newer). Writes wait for the server to apply them,
//! so [`VectorStore::commit`] has nothing left to do.
//!
//! The store runs qdrant-client on a runtime of its own, so that it can be used from plain threads and
//! from async code alike; dropping it never blocks (the runtime is shut down in the background), so a
//! store may be dropped anywhere, also inside another runtime.

use std::collections::HashMap;
use std::future::Future;

use qdrant_client::qdrant::{
    point_id::PointIdOptions, Condition, CountPointsBuilder, CreateCollectionBuilder,
    CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance, FieldType, Filter, PointId,
    PointStruct, Query, QueryPointsBuilder, ScrollPointsBuilder, UpsertPointsBuilder,
    VectorParamsBuilder,
};
use qdrant_client::{Payload, Qdrant};
use serde_json::json;

use super::{
    check_dim, check_vectors, domains, hash_from_payload, payload, point_id, split_point_id,
    StoredModel, VectorHit, VectorStore, DOC_ID, DOMAINS, ORDINAL, PAGE_HASH,
};
use crate::IndexError;
use store::DocId;

/// Metadata keys of the collection.
const META_MODEL: &str = "cited_model";
const META_DIM: &str = "cited_dim";
/// Points an upsert request, and a scroll page.
const BATCH: usize = 256;

/// Vectors in a Qdrant server's collection.
pub struct QdrantServer {
    client: Qdrant,
    collection: String,
    /// Always `Some` until the store is dropped.
    runtime: Option<tokio::runtime::Runtime>,
    /// The collection's model as last read or written, so that writes and searches do not ask the
    /// server for it each time; dropped when a search fails (another process may have reset it).
    known: std::sync::Mutex<Option<StoredModel>>,
}

fn server_err(e: impl std::fmt::Display) -> IndexError {
    IndexError::Vector(format!("qdrant server: {e}"))
}

fn page_filter(doc_id: DocId) -> Filter {
    Filter::must([Condition::matches(DOC_ID, doc_id as i64)])
}

impl QdrantServer {
    /// Connects to the server at `url` (gRPC, e.g. `http://127.0.0.1:6334`) and uses `collection`;
    /// refuses a server that cannot be reached or whose version cited does not support.
    pub fn connect(url: &str, api_key: Option<&str>, collection: &str) -> Result<Self, IndexError> {
        let store = Self::open(url, api_key, collection)?;
        let health = store.run(store.client.health_check()).map_err(|e| {
            IndexError::Vector(format!("cannot reach the Qdrant server at {url}: {e}"))
        })?;
        check_version(url, &health.version)?;
        Ok(store)
    }

    /// The store, without a request to the server yet.
    fn open(url: &str, api_key: Option<&str>, collection: &str) -> Result<Self, IndexError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        // cited checks the server's version itself (`check_version`); qdrant-client's own check
        // prints to standard output, which is where `--json` output goes.
        let mut builder = Qdrant::from_url(url).skip_compatibility_check();
        if let Some(key) = api_key {
            builder = builder.api_key(key);
        }
        Ok(Self {
            client: builder.build().map_err(server_err)?,
            collection: collection.to_string(),
            runtime: Some(runtime),
            known: std::sync::Mutex::new(None),
        })
    }

    /// The collections on the server whose names start with `prefix`.
    pub fn collections(&self, prefix: &str) -> Result<Vec<String>, IndexError> {
        let response = self
            .run(self.client.list_collections())
            .map_err(server_err)?;
        let mut names: Vec<String> = response
            .collections
            .into_iter()
            .map(|c| c.name)
            .filter(|n| n.starts_with(prefix))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Runs `fut` to completion on the store's runtime, from any thread, async context or not.
    fn run<F: Future + Send>(&self, fut: F) -> F::Output
    where
        F::Output: Send,
    {
        let runtime = self
            .runtime
            .as_ref()
            .expect("the runtime lives as long as the store");
        std::thread::scope(|s| {
            s.spawn(|| runtime.block_on(fut))
                .join()
                .expect("qdrant request thread does not panic")
        })
    }

    /// The collection's model, from the cache or else the server.
    fn known_model(&self) -> Result<Option<StoredModel>, IndexError> {
        if let Some(model) = self.cache().clone() {
            return Ok(Some(model));
        }
        let model = self.model()?;
        *self.cache() = model.clone();
        Ok(model)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Option<StoredModel>> {
        self.known
            .lock()
            .expect("model cache lock is never poisoned")
    }

    fn delete_points(&self, doc_id: DocId) -> Result<(), IndexError> {
        self.run(
            self.client.delete_points(
                DeletePointsBuilder::new(&self.collection)
                    .points(page_filter(doc_id))
                    .wait(true),
            ),
        )
        .map_err(server_err)?;
        Ok(())
    }

    /// The model writes must match; an error if the store was never reset.
    fn write_model(&self) -> Result<StoredModel, IndexError> {
        self.known_model()?.ok_or_else(|| {
            IndexError::Vector("no model recorded: reset the store before writing".to_string())
        })
    }

    /// Writes the points of one page (the caller has removed its old ones, if any).
    fn write_points(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError> {
        let domains = domains(url);
        let points = vectors
            .iter()
            .enumerate()
            .map(|(ordinal, v)| {
                let payload = Payload::try_from(payload(doc_id, ordinal, page_hash, &domains))
                    .map_err(server_err)?;
                Ok(PointStruct::new(
                    point_id(doc_id, ordinal)?,
                    v.clone(),
                    payload,
                ))
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        for batch in points.chunks(BATCH) {
            self.run(self.client.upsert_points(
                UpsertPointsBuilder::new(&self.collection, batch.to_vec()).wait(true),
            ))
            .map_err(server_err)?;
        }
        Ok(())
    }

    fn exists(&self) -> Result<bool, IndexError> {
        self.run(self.client.collection_exists(&self.collection))
            .map_err(server_err)
    }
}

impl Drop for QdrantServer {
    fn drop(&mut self) {
        // A runtime dropped the plain way blocks until its tasks end, which panics inside another
        // runtime (the CLI's, the server's).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Qdrant versions cited works with: 1.16 (collection metadata) or newer, within major version 1.
const MIN_MINOR: u64 = 16;

/// Refuses a server older than cited supports; warns (in the log) about a newer major version.
fn check_version(url: &str, version: &str) -> Result<(), IndexError> {
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(1), Some(minor)) if minor >= MIN_MINOR => Ok(()),
        (Some(major), Some(_)) if major > 1 => {
            tracing::warn!(
                server = version,
                "the Qdrant server at {url} is newer than the 1.x versions cited was tested with"
            );
            Ok(())
        }
        (Some(_), Some(_)) => Err(IndexError::Vector(format!(
            "the Qdrant server at {url} is version {version}; cited needs Qdrant 1.{MIN_MINOR} or newer"
        ))),
        _ => {
            tracing::warn!(
                server = version,
                "cannot read the version of the Qdrant server at {url}"
            );
            Ok(())
        }
    }
}

impl VectorStore for QdrantServer {
    fn model(&self) -> Result<Option<StoredModel>, IndexError> {
        if !self.exists()? {
            return Ok(None);
        }
        let info = self
            .run(self.client.collection_info(&self.collection))
            .map_err(server_err)?;
        let metadata = info
            .result
            .and_then(|r| r.config)
            .map(|c| c.metadata)
            .unwrap_or_default();
        let value = |key: &str| metadata.get(key).cloned().map(serde_json::Value::from);
        match (value(META_MODEL), value(META_DIM)) {
            (Some(serde_json::Value::String(id)), Some(dim)) => Ok(Some(StoredModel {
                id,
                dim: dim.as_u64().unwrap_or(0) as usize,
            })),
            _ => Err(IndexError::Vector(format!(
                "collection {} has no cited model in its metadata: it is not cited's, or the server is older than Qdrant 1.16",
                self.collection
            ))),
        }
    }

    fn reset(&self, model: &StoredModel) -> Result<(), IndexError> {
        self.destroy()?;
        let metadata: HashMap<String, serde_json::Value> = [
            (META_MODEL.to_string(), json!(model.id)),
            (META_DIM.to_string(), json!(model.dim)),
        ]
        .into();
        self.run(
            self.client.create_collection(
                CreateCollectionBuilder::new(&self.collection)
                    .vectors_config(VectorParamsBuilder::new(model.dim as u64, Distance::Cosine))
                    .metadata(metadata),
            ),
        )
        .map_err(server_err)?;
        for (field, kind) in [
            (DOC_ID, FieldType::Integer),
            (ORDINAL, FieldType::Integer),
            (DOMAINS, FieldType::Keyword),
        ] {
            self.run(self.client.create_field_index(
                CreateFieldIndexCollectionBuilder::new(&self.collection, field, kind).wait(true),
            ))
            .map_err(server_err)?;
        }
        *self.cache() = Some(model.clone());
        Ok(())
    }

    fn upsert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError> {
        let model = self.write_model()?;
        check_vectors(vectors, &model)?;
        self.delete_points(doc_id)?;
        self.write_points(doc_id, page_hash, url, vectors)
    }

    fn insert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError> {
        check_vectors(vectors, &self.write_model()?)?;
        self.write_points(doc_id, page_hash, url, vectors)
    }

    fn delete_page(&self, doc_id: DocId) -> Result<(), IndexError> {
        if self.known_model()?.is_none() {
            return Ok(());
        }
        self.delete_points(doc_id)
    }

    fn destroy(&self) -> Result<(), IndexError> {
        *self.cache() = None;
        if self.exists()? {
            self.run(self.client.delete_collection(&self.collection))
                .map_err(server_err)?;
        }
        Ok(())
    }

    fn page_hashes(&self) -> Result<HashMap<DocId, u64>, IndexError> {
        let mut out = HashMap::new();
        if !self.exists()? {
            return Ok(out);
        }
        let mut offset: Option<PointId> = None;
        loop {
            let mut request = ScrollPointsBuilder::new(&self.collection)
                .filter(Filter::must([Condition::matches(ORDINAL, 0i64)]))
                .limit(BATCH as u32)
                .with_payload(true)
                .with_vectors(false);
            if let Some(o) = offset.take() {
                request = request.offset(o);
            }
            let page = self.run(self.client.scroll(request)).map_err(server_err)?;
            for point in page.result {
                let get = |key: &str| {
                    point
                        .payload
                        .get(key)
                        .cloned()
                        .and_then(|v| serde_json::Value::from(v).as_i64())
                };
                match (get(DOC_ID), get(PAGE_HASH)) {
                    (Some(d), Some(h)) => {
                        out.insert(d as DocId, hash_from_payload(h));
                    }
                    _ => {
                        return Err(IndexError::Corrupt(format!(
                            "point {:?} lacks its page payload",
                            point.id
                        )))
                    }
                }
            }
            match page.next_page_offset {
                Some(next) => offset = Some(next),
                None => return Ok(out),
            }
        }
    }

    fn commit(&self) -> Result<(), IndexError> {
        Ok(())
    }

    fn search(
        &self,
        query: &[f32],
        limit: usize,
        sites: &[String],
    ) -> Result<Vec<VectorHit>, IndexError> {
        let model = self.known_model()?;
        check_dim(query, model.as_ref())?;
        if model.is_none() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut request = QueryPointsBuilder::new(&self.collection)
            .query(Query::new_nearest(query.to_vec()))
            .limit(limit as u64)
            .with_payload(false);
        if !sites.is_empty() {
            request = request.filter(Filter::should(
                sites
                    .iter()
                    .map(|s| Condition::matches(DOMAINS, s.to_ascii_lowercase())),
            ));
        }
        let response = self.run(self.client.query(request)).map_err(|e| {
            *self.cache() = None;
            server_err(e)
        })?;
        response
            .result
            .into_iter()
            .map(|p| match p.id.and_then(|id| id.point_id_options) {
                Some(PointIdOptions::Num(id)) => {
                    let (doc_id, ordinal) = split_point_id(id);
                    Ok(VectorHit {
                        doc_id,
                        ordinal,
                        score: p.score,
                    })
                }
                other => Err(IndexError::Corrupt(format!(
                    "unexpected point id {other:?}"
                ))),
            })
            .collect()
    }

    fn len(&self) -> Result<u64, IndexError> {
        if !self.exists()? {
            return Ok(0);
        }
        let response = self
            .run(
                self.client
                    .count(CountPointsBuilder::new(&self.collection).exact(true)),
            )
            .map_err(server_err)?;
        Ok(response.result.map_or(0, |r| r.count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_older_than_supported_are_refused() {
        for ok in ["1.16.0", "1.16.3", "v1.17.1", "1.20.0"] {
            assert!(check_version("u", ok).is_ok(), "{ok}");
        }
        for old in ["1.15.9", "1.9.0", "0.11.7"] {
            let err = check_version("http://q:6334", old)
                .expect_err(old)
                .to_string();
            assert!(err.contains("needs Qdrant 1.16 or newer"), "{err}");
            assert!(err.contains(old), "{err}");
        }
        // Newer majors and unreadable versions are let through (with a warning in the log).
        assert!(check_version("u", "2.0.0").is_ok());
        assert!(check_version("u", "dev").is_ok());
    }

    #[test]
    fn a_store_dropped_inside_a_runtime_does_not_panic() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            // Nothing is asked of the server: building and dropping the store is the point.
            let store = QdrantServer::open("http://127.0.0.1:9", None, "cited").expect("open");
            drop(store);
        });
    }
}
