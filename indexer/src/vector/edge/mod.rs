//! The embedded vector store: Qdrant Edge (qdrant-edge), in-process, on disk in the data directory.
//!
//! An edge shard is owned by one process at a time (its write-ahead log is `flock`ed), while cited
//! runs a writer (`cited index`) beside readers (`cited serve`, `cited ask`). So the store is a
//! directory of three parts:
//!
//! - `live/`: the writer's shard and `model.json`, locked by `writer.lock` while a writer is open;
//! - `snapshots/N/`: copies of `live/` published by [`VectorStore::commit`], immutable once written;
//! - `CURRENT`: the number of the newest snapshot, replaced atomically.
//!
//! A reader loads a private copy of the newest snapshot (in a temporary directory, since loading a
//! shard takes its lock) and loads again when `CURRENT` changes. Readers therefore never see a
//! half-written index and never block the writer; a published snapshot costs one copy of the
//! vectors on disk (about 1.6 KB a passage at 384 dimensions).

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

use qdrant_edge::{
    Condition, CountRequest, CreateIndex, Distance, EdgeConfigBuilder, EdgeShard,
    EdgeVectorParamsBuilder, FieldCondition, FieldIndexOperations, Filter, JsonPath, Match,
    MatchValue, NamedQuery, PayloadFieldSchema, PayloadSchemaType, PointId, PointInsertOperations,
    PointOperations, PointStruct, QueryEnum, ScrollRequest, SearchRequest, UpdateOperation,
    ValueVariants, VectorInternal, WithPayloadInterface, WithVector,
};

use super::{
    check_dim, check_vectors, domains, hash_from_payload, payload, point_id, split_point_id,
    StoredModel, VectorHit, VectorStore, DOC_ID, DOMAINS, ORDINAL, PAGE_HASH,
};
use crate::IndexError;
use store::DocId;

mod files;
use files::{
    copy_dir, current_snapshot, read_model, remove_orphan_copies, write_atomic, READER_PREFIX,
};

const LIVE: &str = "live";
const SHARD: &str = "shard";
const MODEL_FILE: &str = "model.json";
const SNAPSHOTS: &str = "snapshots";
const CURRENT: &str = "CURRENT";
const WRITER_LOCK: &str = "writer.lock";
/// Points a scroll page.
const SCROLL_PAGE: usize = 1000;

/// The embedded Qdrant vector store. Open it as a [`writer`](Self::writer) to index, or as a
/// [`reader`](Self::reader) to search what the last commit published.
pub struct EdgeStore {
    root: PathBuf,
    role: Role,
}

enum Role {
    Writer(Mutex<Writer>),
    Reader(RwLock<Option<Snapshot>>),
}

struct Writer {
    /// Held for as long as the writer is open.
    _lock: File,
    shard: Option<EdgeShard>,
    model: Option<StoredModel>,
    dirty: bool,
}

/// A reader's private copy of one published snapshot. Field order matters: the shard is dropped
/// (and flushed) before its directory is removed.
struct Snapshot {
    /// The number of the snapshot this copy was loaded from.
    number: u64,
    shard: Option<EdgeShard>,
    model: Option<StoredModel>,
    _dir: tempfile::TempDir,
}

fn edge_err(e: impl std::fmt::Display) -> IndexError {
    IndexError::Vector(e.to_string())
}

fn key_path(key: &str) -> JsonPath {
    JsonPath::try_from(key).expect("cited's payload keys are plain names")
}

fn match_integer(key: &str, value: i64) -> Condition {
    Condition::Field(FieldCondition::new_match(
        key_path(key),
        Match::Value(MatchValue {
            value: ValueVariants::Integer(value),
        }),
    ))
}

fn page_filter(doc_id: DocId) -> Filter {
    Filter::new_must(match_integer(DOC_ID, doc_id as i64))
}

fn sites_filter(sites: &[String]) -> Option<Filter> {
    if sites.is_empty() {
        return None;
    }
    let conditions = sites
        .iter()
        .map(|s| {
            Condition::Field(FieldCondition::new_match(
                key_path(DOMAINS),
                Match::Value(MatchValue {
                    value: ValueVariants::String(s.to_ascii_lowercase()),
                }),
            ))
        })
        .collect();
    Some(Filter {
        should: Some(conditions),
        min_should: None,
        must: None,
        must_not: None,
    })
}

fn create_shard(path: &Path, model: &StoredModel) -> Result<EdgeShard, IndexError> {
    if path.exists() {
        fs::remove_dir_all(path)?;
    }
    fs::create_dir_all(path)?;
    let config = EdgeConfigBuilder::new()
        .vector(
            "",
            EdgeVectorParamsBuilder::new(model.dim, Distance::Cosine).build(),
        )
        .build();
    let shard = EdgeShard::new(path, config).map_err(edge_err)?;
    for (field, schema) in [
        (DOC_ID, PayloadSchemaType::Integer),
        (ORDINAL, PayloadSchemaType::Integer),
        (DOMAINS, PayloadSchemaType::Keyword),
    ] {
        shard
            .update(UpdateOperation::FieldIndexOperation(
                FieldIndexOperations::CreateIndex(CreateIndex {
                    field_name: key_path(field),
                    field_schema: Some(PayloadFieldSchema::FieldType(schema)),
                }),
            ))
            .map_err(edge_err)?;
    }
    Ok(shard)
}

fn search_shard(
    shard: &EdgeShard,
    query: &[f32],
    limit: usize,
    sites: &[String],
) -> Result<Vec<VectorHit>, IndexError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let points = shard
        .search(SearchRequest {
            query: QueryEnum::Nearest(NamedQuery {
                query: VectorInternal::from(query.to_vec()),
                using: None,
            }),
            filter: sites_filter(sites),
            params: None,
            limit,
            offset: 0,
            with_payload: Some(WithPayloadInterface::Bool(false)),
            with_vector: Some(WithVector::Bool(false)),
            score_threshold: None,
        })
        .map_err(edge_err)?;
    points
        .into_iter()
        .map(|p| match p.id {
            PointId::NumId(id) => {
                let (doc_id, ordinal) = split_point_id(id);
                Ok(VectorHit {
                    doc_id,
                    ordinal,
                    score: p.score,
                })
            }
            other => Err(IndexError::Corrupt(format!("unexpected point id {other}"))),
        })
        .collect()
}

fn page_hashes_of(shard: &EdgeShard) -> Result<HashMap<DocId, u64>, IndexError> {
    let mut out = HashMap::new();
    let mut offset = None;
    loop {
        let (records, next) = shard
            .scroll(ScrollRequest {
                offset,
                limit: Some(SCROLL_PAGE),
                // One point a page: its first passage.
                filter: Some(Filter::new_must(match_integer(ORDINAL, 0))),
                with_payload: Some(WithPayloadInterface::Fields(vec![
                    key_path(DOC_ID),
                    key_path(PAGE_HASH),
                ])),
                with_vector: WithVector::Bool(false),
                order_by: None,
            })
            .map_err(edge_err)?;
        for r in records {
            let payload = r.payload.map(|p| p.0).unwrap_or_default();
            let doc_id = payload.get(DOC_ID).and_then(|v| v.as_i64());
            let hash = payload.get(PAGE_HASH).and_then(|v| v.as_i64());
            match (doc_id, hash) {
                (Some(d), Some(h)) => {
                    out.insert(d as DocId, hash_from_payload(h));
                }
                _ => {
                    return Err(IndexError::Corrupt(format!(
                        "point {} lacks its page payload",
                        r.id
                    )))
                }
            }
        }
        match next {
            Some(n) => offset = Some(n),
            None => return Ok(out),
        }
    }
}

fn count(shard: &EdgeShard) -> Result<u64, IndexError> {
    shard
        .count(CountRequest {
            filter: None,
            exact: true,
        })
        .map(|n| n as u64)
        .map_err(edge_err)
}

impl EdgeStore {
    /// Opens the store at `root` for writing. One writer at a time: a second gets
    /// [`IndexError::Locked`].
    pub fn writer(root: &Path) -> Result<Self, IndexError> {
        let live = root.join(LIVE);
        fs::create_dir_all(&live)?;
        let lock = File::create(root.join(WRITER_LOCK))?;
        if lock.try_lock().is_err() {
            return Err(IndexError::Locked(format!(
                "the vector store {} is open for writing in another process",
                root.display()
            )));
        }
        let model = read_model(&live)?;
        let shard_path = live.join(SHARD);
        let shard = match &model {
            Some(_) if shard_path.exists() => {
                Some(EdgeShard::load(&shard_path, None).map_err(edge_err)?)
            }
            _ => None,
        };
        let model = model.filter(|_| shard.is_some());
        Ok(Self {
            root: root.to_path_buf(),
            role: Role::Writer(Mutex::new(Writer {
                _lock: lock,
                shard,
                model,
                dirty: false,
            })),
        })
    }

    /// Opens the store at `root` for searching what was last committed. Never blocks a writer.
    pub fn reader(root: &Path) -> Self {
        remove_orphan_copies();
        Self {
            root: root.to_path_buf(),
            role: Role::Reader(RwLock::new(None)),
        }
    }

    fn writer_state(&self) -> Result<MutexGuard<'_, Writer>, IndexError> {
        match &self.role {
            Role::Writer(w) => Ok(w.lock().expect("vector writer lock is never poisoned")),
            Role::Reader(_) => Err(IndexError::Vector(format!(
                "the vector store {} was opened for reading",
                self.root.display()
            ))),
        }
    }

    /// Loads the newest published snapshot if it is not the one loaded.
    fn refresh(&self, slot: &RwLock<Option<Snapshot>>) -> Result<(), IndexError> {
        // A snapshot can be removed between reading CURRENT and copying it, when a writer publishes
        // twice meanwhile; read CURRENT again then.
        for _ in 0..3 {
            let Some(number) = current_snapshot(&self.root)? else {
                *slot.write().expect("not poisoned") = None;
                return Ok(());
            };
            if slot
                .read()
                .expect("not poisoned")
                .as_ref()
                .is_some_and(|s| s.number == number)
            {
                return Ok(());
            }
            let source = self.root.join(SNAPSHOTS).join(number.to_string());
            let dir = tempfile::Builder::new()
                .prefix(&format!("{READER_PREFIX}{}-", std::process::id()))
                .tempdir()?;
            match copy_dir(&source, dir.path()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
            let model = read_model(dir.path())?;
            let shard_path = dir.path().join(SHARD);
            let shard = if shard_path.exists() {
                Some(EdgeShard::load(&shard_path, None).map_err(edge_err)?)
            } else {
                None
            };
            *slot.write().expect("not poisoned") = Some(Snapshot {
                number,
                shard,
                model,
                _dir: dir,
            });
            return Ok(());
        }
        Err(IndexError::Vector(
            "the vector store kept changing while loading it".to_string(),
        ))
    }

    /// Runs `f` on the shard a search should see (the writer's own, or the newest snapshot).
    fn with_view<T>(
        &self,
        f: impl FnOnce(Option<&EdgeShard>, Option<&StoredModel>) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        match &self.role {
            Role::Writer(w) => {
                let w = w.lock().expect("vector writer lock is never poisoned");
                f(w.shard.as_ref(), w.model.as_ref())
            }
            Role::Reader(slot) => {
                self.refresh(slot)?;
                let snap = slot.read().expect("not poisoned");
                match snap.as_ref() {
                    Some(s) => f(s.shard.as_ref(), s.model.as_ref()),
                    None => f(None, None),
                }
            }
        }
    }

    /// Writes the vectors of one page, deleting its old ones first when `replace`.
    fn write_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
        replace: bool,
    ) -> Result<(), IndexError> {
        let mut w = self.writer_state()?;
        let Writer { shard, model, .. } = &*w;
        let (Some(shard), Some(model)) = (shard, model) else {
            return Err(IndexError::Vector(
                "no model recorded: reset the store before writing".to_string(),
            ));
        };
        check_vectors(vectors, model)?;
        let domains = domains(url);
        let points = vectors
            .iter()
            .enumerate()
            .map(|(ordinal, v)| {
                Ok(PointStruct::new(
                    point_id(doc_id, ordinal)?,
                    v.clone(),
                    payload(doc_id, ordinal, page_hash, &domains),
                )
                .into())
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        if replace {
            shard
                .update(UpdateOperation::PointOperation(
                    PointOperations::DeletePointsByFilter(page_filter(doc_id)),
                ))
                .map_err(edge_err)?;
        }
        if !points.is_empty() {
            shard
                .update(UpdateOperation::PointOperation(
                    PointOperations::UpsertPoints(PointInsertOperations::PointsList(points)),
                ))
                .map_err(edge_err)?;
        }
        w.dirty = true;
        Ok(())
    }

    /// Publishes the writer's shard as the newest snapshot and drops snapshots no reader needs.
    fn publish(&self, w: &Writer) -> Result<(), IndexError> {
        let live = self.root.join(LIVE);
        if let Some(shard) = &w.shard {
            shard.optimize().map_err(edge_err)?;
            shard.flush();
        }
        let snapshots = self.root.join(SNAPSHOTS);
        fs::create_dir_all(&snapshots)?;
        let number = current_snapshot(&self.root)?.unwrap_or(0) + 1;
        let target = snapshots.join(number.to_string());
        let staging = snapshots.join(format!("{number}.tmp"));
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        copy_dir(&live, &staging)?;
        if target.exists() {
            fs::remove_dir_all(&target)?;
        }
        fs::rename(&staging, &target)?;
        write_atomic(&self.root.join(CURRENT), number.to_string().as_bytes())?;
        // Keep the previous snapshot: a reader may be copying it right now.
        for entry in fs::read_dir(&snapshots)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let keep = name.parse::<u64>().is_ok_and(|g| g + 1 >= number);
            if !keep {
                fs::remove_dir_all(entry.path())?;
            }
        }
        Ok(())
    }
}

impl VectorStore for EdgeStore {
    fn model(&self) -> Result<Option<StoredModel>, IndexError> {
        self.with_view(|_, model| Ok(model.cloned()))
    }

    fn reset(&self, model: &StoredModel) -> Result<(), IndexError> {
        // Forget the old model first: a crash in between leaves an empty store, not a mixed one.
        self.destroy()?;
        let mut w = self.writer_state()?;
        let live = self.root.join(LIVE);
        w.shard = Some(create_shard(&live.join(SHARD), model)?);
        let json = serde_json::to_vec(model).map_err(|e| IndexError::Vector(e.to_string()))?;
        write_atomic(&live.join(MODEL_FILE), &json)?;
        w.model = Some(model.clone());
        w.dirty = true;
        Ok(())
    }

    fn upsert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError> {
        self.write_page(doc_id, page_hash, url, vectors, true)
    }

    fn insert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError> {
        self.write_page(doc_id, page_hash, url, vectors, false)
    }

    fn destroy(&self) -> Result<(), IndexError> {
        let mut w = self.writer_state()?;
        let live = self.root.join(LIVE);
        w.shard = None;
        w.model = None;
        match fs::remove_file(live.join(MODEL_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        if live.join(SHARD).exists() {
            fs::remove_dir_all(live.join(SHARD))?;
        }
        w.dirty = true;
        Ok(())
    }

    fn delete_page(&self, doc_id: DocId) -> Result<(), IndexError> {
        let mut w = self.writer_state()?;
        if let Some(shard) = &w.shard {
            shard
                .update(UpdateOperation::PointOperation(
                    PointOperations::DeletePointsByFilter(page_filter(doc_id)),
                ))
                .map_err(edge_err)?;
            w.dirty = true;
        }
        Ok(())
    }

    fn page_hashes(&self) -> Result<HashMap<DocId, u64>, IndexError> {
        self.with_view(|shard, _| shard.map_or(Ok(HashMap::new()), page_hashes_of))
    }

    fn commit(&self) -> Result<(), IndexError> {
        let mut w = self.writer_state()?;
        if w.dirty || current_snapshot(&self.root)?.is_none() {
            self.publish(&w)?;
            w.dirty = false;
        }
        Ok(())
    }

    fn search(
        &self,
        query: &[f32],
        limit: usize,
        sites: &[String],
    ) -> Result<Vec<VectorHit>, IndexError> {
        self.with_view(|shard, model| {
            check_dim(query, model)?;
            shard.map_or(Ok(Vec::new()), |s| search_shard(s, query, limit, sites))
        })
    }

    fn len(&self) -> Result<u64, IndexError> {
        self.with_view(|shard, _| shard.map_or(Ok(0), count))
    }
}
