//! The faster runtime: the model's `model.onnx` run by ONNX Runtime through fastembed, with ONNX
//! Runtime loaded at run time from a `libonnxruntime` file (fastembed's `ort-load-dynamic`: nothing
//! is downloaded at build time). The PyPI `onnxruntime` wheel ships one, in
//! `onnxruntime/capi/libonnxruntime.so.*`.
//!
//! fastembed tokenizes, batches and pools (with the pooling read from the model directory, as for
//! candle); cited normalises and adds the query and passage prefixes, so both runtimes give the same
//! vectors (to about 1e-6) under the same model id.
//!
//! A session runs one call at a time, so concurrent queries get sessions of their own: a pool that
//! starts with one and grows, when every session is busy, up to one per core (each costs about the
//! model's size in memory). Indexing (passages with their sentences' spans) embeds on a session of its
//! own, made on first use, whose worker threads spin while they wait between operators (see
//! [`SPINNING`]).

use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock};

use fastembed::{
    InitOptionsUserDefined, OutputKey, Pooling as FastPooling, TextEmbedding, TokenizerFiles,
    UserDefinedEmbeddingModel,
};

use tokenizers::Encoding;

use super::{
    embed_sorted, model_error, model_file, normalize, spans, Embedder, ModelSpec, PassageVectors,
    Pooling,
};
use crate::IndexError;

/// The model outputs that hold one vector per token, by the names exports give them.
const TOKEN_OUTPUTS: &[OutputKey] = &[
    OutputKey::ByName("last_hidden_state"),
    OutputKey::ByName("token_embeddings"),
    OutputKey::OnlyOne,
];

/// ONNX Runtime's worker threads spin while they wait for work by default. Under concurrent queries
/// that burns the cores the rest of the query needs (hybrid search over a Python-docs index: 268 →
/// 301 req/s at 32 clients without it), so query sessions do not spin. Indexing does: embedding 561
/// SciFact passages took 15.6 s instead of 17.0 s.
const SPINNING: &str = "session.intra_op.allow_spinning";

/// A sentence-transformers model run by ONNX Runtime.
pub struct OnnxModel {
    spec: ModelSpec,
    /// What a new session is made from.
    model: UserDefinedEmbeddingModel,
    options: InitOptionsUserDefined,
    sessions: RwLock<Vec<std::sync::Arc<Mutex<TextEmbedding>>>>,
    max_sessions: usize,
    /// Held while a session is added to the pool.
    growing: Mutex<()>,
    /// Query sessions made so far, the first included.
    made: std::sync::atomic::AtomicUsize,
    /// The session indexing embeds passages on, made on first use.
    bulk: Mutex<Option<TextEmbedding>>,
    /// The model's tokenizer, to order passages by length.
    counter: tokenizers::Tokenizer,
}

/// ONNX Runtime can be loaded once per process.
static RUNTIME: OnceLock<Result<(), String>> = OnceLock::new();

fn load_runtime(lib: &Path) -> Result<(), IndexError> {
    RUNTIME
        .get_or_init(|| {
            if !lib.exists() {
                return Err(format!("{} does not exist", lib.display()));
            }
            ort::init_from(lib)
                .map(drop)
                .map_err(|e| format!("cannot load {}: {e}", lib.display()))
        })
        .clone()
        .map_err(|e| IndexError::Model(format!("ONNX Runtime: {e}")))
}

impl OnnxModel {
    /// Loads `dir/model.onnx` with the ONNX Runtime library `lib`.
    pub fn load(dir: &Path, lib: &Path) -> Result<Self, IndexError> {
        load_runtime(lib)?;
        let spec = ModelSpec::read(dir)?;
        let read = |name: &str| -> Result<Vec<u8>, IndexError> {
            Ok(std::fs::read(model_file(dir, name)?)?)
        };
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: spec.config_text.as_bytes().to_vec(),
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        let onnx = model_file(dir, "model.onnx").map_err(|_| {
            IndexError::Model(format!(
                "{} has no model.onnx for ONNX Runtime (scripts/export-onnx.py writes one)",
                dir.display()
            ))
        })?;
        let pooling = match spec.pooling {
            Pooling::Mean => FastPooling::Mean,
            Pooling::Cls => FastPooling::Cls,
        };
        let model = UserDefinedEmbeddingModel::new(std::fs::read(onnx)?, tokenizer_files)
            .with_pooling(pooling);
        let mut options = InitOptionsUserDefined::new().with_max_length(spec.max_len);
        options.session_config.push((SPINNING.into(), "0".into()));
        let first = TextEmbedding::try_new_from_user_defined(model.clone(), options.clone())
            .map_err(|e| model_error("model.onnx", e))?;
        Ok(Self {
            counter: super::token_counter(&first.tokenizer),
            spec,
            model,
            options,
            sessions: RwLock::new(vec![std::sync::Arc::new(Mutex::new(first))]),
            max_sessions: std::thread::available_parallelism().map_or(1, |n| n.get()),
            growing: Mutex::new(()),
            made: std::sync::atomic::AtomicUsize::new(1),
            bulk: Mutex::new(None),
        })
    }

    /// How many query sessions have been made, the first included: never more than the pool holds
    /// (one per core), however many queries arrive at once.
    pub fn sessions_made(&self) -> usize {
        self.made.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The most query sessions the pool holds.
    pub fn max_sessions(&self) -> usize {
        self.max_sessions
    }

    /// The indexing session, made (spinning) on first use.
    fn bulk(&self) -> Result<MutexGuard<'_, Option<TextEmbedding>>, IndexError> {
        let mut bulk = self
            .bulk
            .lock()
            .expect("bulk session lock is never poisoned");
        if bulk.is_none() {
            let mut options = self.options.clone();
            options.session_config.retain(|(key, _)| key != SPINNING);
            options.session_config.push((SPINNING.into(), "1".into()));
            *bulk = Some(
                TextEmbedding::try_new_from_user_defined(self.model.clone(), options)
                    .map_err(|e| model_error("model.onnx", e))?,
            );
        }
        Ok(bulk)
    }

    /// A free session: an idle one, else a new one while the pool is under its size, else the
    /// first to come free.
    fn session(&self) -> Result<std::sync::Arc<Mutex<TextEmbedding>>, IndexError> {
        let sessions = self.sessions.read().expect("session pool lock");
        if let Some(idle) = sessions.iter().find(|s| !is_busy(s)) {
            return Ok(idle.clone());
        }
        let full = sessions.len() >= self.max_sessions;
        let first = sessions[0].clone();
        drop(sessions);
        if full {
            return Ok(first);
        }
        // One session is added at a time: a burst of queries on a cold server used to start one
        // each (32 at once on two cores, p99 of seconds), to keep one and drop the rest.
        let Ok(_growing) = self.growing.try_lock() else {
            return Ok(first);
        };
        // Another query may have filled the pool since it was looked at.
        if self.sessions.read().expect("session pool lock").len() >= self.max_sessions {
            return Ok(first);
        }
        self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = std::sync::Arc::new(Mutex::new(
            TextEmbedding::try_new_from_user_defined(self.model.clone(), self.options.clone())
                .map_err(|e| model_error("model.onnx", e))?,
        ));
        let mut sessions = self.sessions.write().expect("session pool lock");
        if sessions.len() < self.max_sessions {
            sessions.push(session.clone());
            tracing::debug!(sessions = sessions.len(), "ONNX Runtime session added");
        }
        Ok(session)
    }

    fn run(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, IndexError> {
        let session = self.session()?;
        let mut model = session
            .lock()
            .expect("embedding model lock is never poisoned");
        let batch = texts.len().max(1);
        let vectors = model
            .embed(texts, Some(batch))
            .map_err(|e| model_error("ONNX Runtime", e))?;
        Ok(vectors.into_iter().map(normalize).collect())
    }
}

/// Runs `texts` (padded to the longest) through the model as one batch: their encodings and the
/// token vectors (rows × tokens × dim, flat).
fn forward(
    model: &mut TextEmbedding,
    texts: Vec<String>,
) -> Result<(Vec<Encoding>, Vec<f32>), IndexError> {
    let encodings = model
        .tokenizer
        .encode_batch(texts.clone(), true)
        .map_err(|e| model_error("tokenizing", e))?;
    let rows = texts.len().max(1);
    let outputs = model
        .transform(texts, Some(rows))
        .map_err(|e| model_error("ONNX Runtime", e))?
        .into_raw();
    let mut flat = Vec::new();
    for output in &outputs {
        let hidden = output
            .select_output(&TOKEN_OUTPUTS)
            .map_err(|e| model_error("ONNX Runtime", e))?;
        if hidden.ndim() != 3 {
            return Err(IndexError::Model(format!(
                "model.onnx gives no token vectors (output shape {:?})",
                hidden.shape()
            )));
        }
        flat.extend(hidden.iter().copied());
    }
    Ok((encodings, flat))
}

/// Returns true if another call holds `session` now.
fn is_busy(session: &Mutex<TextEmbedding>) -> bool {
    matches!(session.try_lock(), Err(std::sync::TryLockError::WouldBlock))
}

impl Embedder for OnnxModel {
    fn model_id(&self) -> &str {
        &self.spec.id
    }

    fn dim(&self) -> usize {
        self.spec.dim
    }

    fn embed_query(&self, text: &str) -> Result<Vec<f32>, IndexError> {
        self.run(vec![format!("{}{text}", self.spec.query_prefix)])?
            .pop()
            .ok_or_else(|| IndexError::Model("no embedding returned".into()))
    }

    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError> {
        // Answers embed sentences the index has no vectors for: on the query sessions.
        embed_sorted(
            texts,
            &self.spec.passage_prefix,
            &self.counter,
            |_, batch| self.run(batch),
        )
    }

    fn embed_passage_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<(usize, usize)>],
    ) -> Result<Vec<PassageVectors>, IndexError> {
        let mut bulk = self.bulk()?;
        let model = bulk.as_mut().expect("made by bulk()");
        embed_sorted(
            texts,
            &self.spec.passage_prefix,
            &self.counter,
            |indices, batch| {
                let (encodings, hidden) = forward(model, batch)?;
                Ok(spans::pool_batch(
                    &self.spec, &encodings, &hidden, indices, spans,
                ))
            },
        )
    }
}
