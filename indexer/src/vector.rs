//! The vector store: one unit vector per passage, searched by dot product (cosine).
//!
//! [`VectorStore`] is the seam for a Qdrant server or an embedded Qdrant; [`FlatStore`] is the
//! embedded implementation: vectors live in SQLite (`vectors.sqlite`, durable, written in one
//! transaction per page) and are searched exhaustively from an in-memory copy, which is reloaded
//! when another process (`cited index`) has written. Exhaustive search is exact and takes about a
//! millisecond per 10k passages of 384 dimensions.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, RwLock};

use rusqlite::{params, Connection, OptionalExtension};

use crate::store::DocId;
use crate::IndexError;

/// A passage found by vector search.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    pub doc_id: DocId,
    pub ordinal: u32,
    pub score: f32,
}

/// Where passage vectors are kept and searched.
pub trait VectorStore: Send + Sync {
    /// The model the stored vectors come from, if any are stored.
    fn model(&self) -> Result<Option<String>, IndexError>;
    /// Forgets every vector and records `model` as the store's model.
    fn reset(&self, model: &str) -> Result<(), IndexError>;
    /// Replaces the vectors of page `doc_id` (content hash `page_hash`, for incremental indexing).
    fn upsert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError>;
    fn delete_page(&self, doc_id: DocId) -> Result<(), IndexError>;
    /// Returns the `page_hash` of every page with vectors.
    fn page_hashes(&self) -> Result<HashMap<DocId, u64>, IndexError>;
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

struct Loaded {
    generation: i64,
    dim: usize,
    /// Row-major, `dim` floats a passage.
    matrix: Vec<f32>,
    keys: Vec<(DocId, u32, String)>,
}

/// The embedded vector store.
pub struct FlatStore {
    conn: Mutex<Connection>,
    loaded: RwLock<Option<Loaded>>,
}

impl FlatStore {
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let conn = crate::store::open_sqlite(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS vectors (
                doc_id INTEGER NOT NULL,
                ordinal INTEGER NOT NULL,
                page_hash INTEGER NOT NULL,
                url TEXT NOT NULL,
                vector BLOB NOT NULL,
                PRIMARY KEY (doc_id, ordinal)
            );
            CREATE TABLE IF NOT EXISTS vector_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT OR IGNORE INTO vector_meta (key, value) VALUES ('generation', '0');",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
            loaded: RwLock::new(None),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .expect("vector store lock is never poisoned")
    }

    fn generation(conn: &Connection) -> Result<i64, IndexError> {
        let g: String = conn.query_row(
            "SELECT value FROM vector_meta WHERE key = 'generation'",
            [],
            |r| r.get(0),
        )?;
        Ok(g.parse().unwrap_or(0))
    }

    fn bump(tx: &rusqlite::Transaction<'_>) -> Result<(), IndexError> {
        tx.execute(
            "UPDATE vector_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'",
            [],
        )?;
        Ok(())
    }

    /// Loads the vectors into memory if the store changed since the last load.
    fn refresh(&self) -> Result<(), IndexError> {
        let conn = self.conn();
        let generation = Self::generation(&conn)?;
        if self
            .loaded
            .read()
            .expect("not poisoned")
            .as_ref()
            .is_some_and(|l| l.generation == generation)
        {
            return Ok(());
        }
        let mut stmt = conn
            .prepare("SELECT doc_id, ordinal, url, vector FROM vectors ORDER BY doc_id, ordinal")?;
        let mut rows = stmt.query([])?;
        let mut matrix = Vec::new();
        let mut keys = Vec::new();
        let mut dim = 0;
        while let Some(row) = rows.next()? {
            let blob: Vec<u8> = row.get(3)?;
            let v = from_blob(&blob);
            if dim == 0 {
                dim = v.len();
            }
            if v.len() != dim {
                return Err(IndexError::Corrupt(format!(
                    "vector of {} dimensions among {dim}",
                    v.len()
                )));
            }
            matrix.extend_from_slice(&v);
            keys.push((
                row.get::<_, i64>(0)? as DocId,
                row.get::<_, u32>(1)?,
                row.get::<_, String>(2)?,
            ));
        }
        *self.loaded.write().expect("not poisoned") = Some(Loaded {
            generation,
            dim,
            matrix,
            keys,
        });
        Ok(())
    }
}

fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn host_matches(url: &str, sites: &[String]) -> bool {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    sites
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")))
}

impl VectorStore for FlatStore {
    fn model(&self) -> Result<Option<String>, IndexError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM vector_meta WHERE key = 'model'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn reset(&self, model: &str) -> Result<(), IndexError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM vectors", [])?;
        tx.execute(
            "INSERT INTO vector_meta (key, value) VALUES ('model', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
            [model],
        )?;
        Self::bump(&tx)?;
        tx.commit()?;
        Ok(())
    }

    fn upsert_page(
        &self,
        doc_id: DocId,
        page_hash: u64,
        url: &str,
        vectors: &[Vec<f32>],
    ) -> Result<(), IndexError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM vectors WHERE doc_id = ?1", [doc_id as i64])?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO vectors (doc_id, ordinal, page_hash, url, vector) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (ordinal, v) in vectors.iter().enumerate() {
                stmt.execute(params![
                    doc_id as i64,
                    ordinal as u32,
                    page_hash as i64,
                    url,
                    to_blob(v)
                ])?;
            }
        }
        Self::bump(&tx)?;
        tx.commit()?;
        Ok(())
    }

    fn delete_page(&self, doc_id: DocId) -> Result<(), IndexError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM vectors WHERE doc_id = ?1", [doc_id as i64])?;
        Self::bump(&tx)?;
        tx.commit()?;
        Ok(())
    }

    fn page_hashes(&self) -> Result<HashMap<DocId, u64>, IndexError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT DISTINCT doc_id, page_hash FROM vectors")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as DocId, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn search(
        &self,
        query: &[f32],
        limit: usize,
        sites: &[String],
    ) -> Result<Vec<VectorHit>, IndexError> {
        self.refresh()?;
        let loaded = self.loaded.read().expect("not poisoned");
        let Some(loaded) = loaded.as_ref() else {
            return Ok(Vec::new());
        };
        if loaded.keys.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        if query.len() != loaded.dim {
            return Err(IndexError::Model(format!(
                "query has {} dimensions, stored vectors {}: the index was built with another model",
                query.len(),
                loaded.dim
            )));
        }
        let mut scored: Vec<(f32, usize)> = Vec::with_capacity(loaded.keys.len());
        for (i, row) in loaded.matrix.chunks_exact(loaded.dim).enumerate() {
            if !sites.is_empty() && !host_matches(&loaded.keys[i].2, sites) {
                continue;
            }
            let dot: f32 = row.iter().zip(query).map(|(a, b)| a * b).sum();
            scored.push((dot, i));
        }
        let k = limit.min(scored.len());
        if k == 0 {
            return Ok(Vec::new());
        }
        scored.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(scored
            .into_iter()
            .map(|(score, i)| VectorHit {
                doc_id: loaded.keys[i].0,
                ordinal: loaded.keys[i].1,
                score,
            })
            .collect())
    }

    fn len(&self) -> Result<u64, IndexError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM vectors", [], |r| r.get::<_, i64>(0))?
            as u64)
    }
}
