//! Embeddings: text → unit vectors, from a sentence-transformers model directory, in process.
//!
//! A BERT encoder (candle) followed by the model's own pooling, read from `1_Pooling/config.json`
//! (mean for all-MiniLM-L6-v2, CLS for BGE), then L2 normalisation, so a dot product is the cosine.
//! Queries and passages are embedded through separate entry points because models prefix them
//! differently (BGE's query instruction, E5's `query:` / `passage:`).

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::Deserialize;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::IndexError;

mod cache;
mod onnx;
mod spans;
pub use cache::{CachedQueries, CachedSentences, QUERY_CACHE, SENTENCE_CACHE};
pub use onnx::OnnxModel;
pub use spans::PassageVectors;

/// Turns text into vectors. Implemented by [`LocalModel`]; tests may use a fake.
pub trait Embedder: Send + Sync {
    /// A name that changes whenever the vectors would (model and pooling).
    fn model_id(&self) -> &str;
    fn dim(&self) -> usize;
    /// Embeds a search query (with the model's query prefix, if any).
    fn embed_query(&self, text: &str) -> Result<Vec<f32>, IndexError>;
    /// Embeds passages for the index (with the model's passage prefix, if any).
    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError>;
    /// Embeds passages as [`Embedder::embed_passages`] does, and gives each byte span in `spans` (one
    /// list per text: its sentences) a vector of its own, read in its passage. The models pool the
    /// span's tokens from the passage's forward pass; this default embeds each span on its own.
    fn embed_passage_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<(usize, usize)>],
    ) -> Result<Vec<PassageVectors>, IndexError> {
        let passages = self.embed_passages(texts)?;
        passages
            .into_iter()
            .zip(texts.iter().zip(spans))
            .map(|(passage, (text, spans))| {
                let pieces: Vec<&str> = spans.iter().map(|&(s, e)| &text[s..e]).collect();
                let vectors = self.embed_passages(&pieces)?;
                Ok(PassageVectors {
                    passage,
                    spans: vectors.into_iter().map(Some).collect(),
                })
            })
            .collect()
    }
}

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: usize,
}

/// Passages embedded per forward pass.
const BATCH: usize = 32;

/// What a sentence-transformers model directory says about its model, whatever runs it.
pub struct ModelSpec {
    /// A name that changes whenever the vectors would: directory name, pooling, dimension and a
    /// fingerprint of the weights.
    pub id: String,
    pub config_text: String,
    pub dim: usize,
    pub pooling: Pooling,
    /// Tokens a text is truncated to.
    pub max_len: usize,
    pub query_prefix: String,
    pub passage_prefix: String,
}

fn model_error(what: &str, e: impl std::fmt::Display) -> IndexError {
    IndexError::Model(format!("{what}: {e}"))
}

/// `dir/name`, or a clear error if it is missing.
fn model_file(dir: &Path, name: &str) -> Result<PathBuf, IndexError> {
    let path = dir.join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(IndexError::Model(format!(
            "`{}` is missing: not a sentence-transformers model directory",
            path.display()
        )))
    }
}

impl ModelSpec {
    /// Reads the model description in `dir`. The model id fingerprints model.safetensors when there
    /// is one (else model.onnx), so that both runtimes share an id.
    pub fn read(dir: &Path) -> Result<Self, IndexError> {
        let config_text = std::fs::read_to_string(model_file(dir, "config.json")?)?;
        let dim = serde_json::from_str::<serde_json::Value>(&config_text)
            .ok()
            .and_then(|v| v["hidden_size"].as_u64())
            .ok_or_else(|| IndexError::Model("config.json has no hidden_size".into()))?
            as usize;
        let pooling = match std::fs::read_to_string(dir.join("1_Pooling/config.json")) {
            Ok(text) => {
                let p: PoolingConfig = serde_json::from_str(&text)
                    .map_err(|e| model_error("1_Pooling/config.json", e))?;
                match (p.pooling_mode_mean_tokens, p.pooling_mode_cls_token) {
                    (true, _) => Pooling::Mean,
                    (false, true) => Pooling::Cls,
                    _ => {
                        return Err(IndexError::Model(
                            "1_Pooling/config.json: only mean and CLS pooling are supported".into(),
                        ))
                    }
                }
            }
            // Without a pooling config (plain BERT checkpoints, BGE exports), CLS is the convention.
            Err(_) => Pooling::Cls,
        };
        let max_len = std::fs::read_to_string(dir.join("sentence_bert_config.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<SentenceBertConfig>(&t).ok())
            .map_or(512, |c| c.max_seq_length);
        let weights = ["model.safetensors", "model.onnx"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists())
            .ok_or_else(|| {
                IndexError::Model(format!(
                    "no model.safetensors or model.onnx in {}",
                    dir.display()
                ))
            })?;
        let name = dir
            .file_name()
            .map_or("model".into(), |n| n.to_string_lossy().to_string());
        let (query_prefix, passage_prefix) = prefixes(&name);
        let pooling_name = if pooling == Pooling::Mean {
            "mean"
        } else {
            "cls"
        };
        Ok(Self {
            id: format!(
                "{name}/{pooling_name}/{dim}/{:016x}",
                fingerprint(&config_text, &weights)?
            ),
            config_text,
            dim,
            pooling,
            max_len,
            query_prefix,
            passage_prefix,
        })
    }
}

/// Embeds `texts` in batches of [`BATCH`], longest first in tokens (as `counter` counts them) so
/// that a batch pads little, and returns what `run` gives for each text in the order of `texts`.
/// `prefix` goes before every text; `run` also gets the indices of its batch's texts.
///
/// Tokens, not bytes: on the Cargo Book's 1,337 passages, batches of passages sorted by bytes hold
/// 20% more padded tokens than batches sorted by tokens (code and prose tokenize differently).
fn embed_sorted<T>(
    texts: &[&str],
    prefix: &str,
    counter: &Tokenizer,
    mut run: impl FnMut(&[usize], Vec<String>) -> Result<Vec<T>, IndexError>,
) -> Result<Vec<T>, IndexError> {
    let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
    let tokens: Vec<usize> = counter
        .encode_batch_fast(inputs.iter().map(String::as_str).collect::<Vec<_>>(), true)
        .map_err(|e| model_error("tokenizing", e))?
        .iter()
        .map(tokenizers::Encoding::len)
        .collect();
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(tokens[i]));
    let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(texts.len()).collect();
    for batch in order.chunks(BATCH) {
        let vectors = run(batch, batch.iter().map(|&i| inputs[i].clone()).collect())?;
        if vectors.len() != batch.len() {
            return Err(IndexError::Model(format!(
                "{} vectors for {} texts",
                vectors.len(),
                batch.len()
            )));
        }
        for (&i, v) in batch.iter().zip(vectors) {
            out[i] = Some(v);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// A copy of a model's tokenizer that counts tokens: truncated as the model reads, not padded.
fn token_counter(tokenizer: &Tokenizer) -> Tokenizer {
    let mut counter = tokenizer.clone();
    counter.with_padding(None);
    counter
}

/// Scales `v` to unit length, so that a dot product is the cosine.
fn normalize(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// Loads the model in `dir`: with ONNX Runtime when `ort_lib` (a `libonnxruntime` file) is given and
/// the directory has a `model.onnx`, else with candle.
pub fn load(dir: &Path, ort_lib: Option<&Path>) -> Result<Box<dyn Embedder>, IndexError> {
    let model: Box<dyn Embedder> = match ort_lib {
        Some(lib) => Box::new(OnnxModel::load(dir, lib)?),
        None => Box::new(LocalModel::load(dir)?),
    };
    Ok(Box::new(CachedQueries::new(model, QUERY_CACHE)))
}

/// A sentence-transformers model run by candle (pure Rust) from a local directory (config.json,
/// tokenizer.json, model.safetensors, and optionally 1_Pooling/config.json and
/// sentence_bert_config.json).
pub struct LocalModel {
    spec: ModelSpec,
    model: BertModel,
    tokenizer: Tokenizer,
    counter: Tokenizer,
    device: Device,
}

impl LocalModel {
    /// Loads the model in `dir`; fails with a clear error if a file is missing or malformed.
    pub fn load(dir: &Path) -> Result<Self, IndexError> {
        let spec = ModelSpec::read(dir)?;
        let config: Config =
            serde_json::from_str(&spec.config_text).map_err(|e| model_error("config.json", e))?;
        let mut tokenizer = Tokenizer::from_file(model_file(dir, "tokenizer.json")?)
            .map_err(|e| model_error("tokenizer.json", e))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: spec.max_len,
                ..TruncationParams::default()
            }))
            .map_err(|e| model_error("tokenizer truncation", e))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let device = Device::Cpu;
        let weights = model_file(dir, "model.safetensors")?;
        // SAFETY: the weights file is memory-mapped read-only and not modified while cited runs.
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(std::slice::from_ref(&weights), DType::F32, &device)
        }
        .map_err(|e| model_error("model.safetensors", e))?;
        let model =
            BertModel::load(vb, &config).map_err(|e| model_error("loading BERT weights", e))?;
        Ok(Self {
            spec,
            model,
            counter: token_counter(&tokenizer),
            tokenizer,
            device,
        })
    }

    pub fn pooling(&self) -> Pooling {
        self.spec.pooling
    }

    /// Tokenizes `texts` (padded to the longest) and runs the model: the encodings, the token
    /// vectors (rows × tokens × dim, flat) and the attention mask.
    fn hidden(
        &self,
        texts: &[String],
    ) -> Result<(Vec<tokenizers::Encoding>, Tensor, Tensor), IndexError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| model_error("tokenizing", e))?;
        let rows = encodings.len();
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let ids: Vec<u32> = encodings
            .iter()
            .flat_map(|e| e.get_ids().to_vec())
            .collect();
        let mask: Vec<u32> = encodings
            .iter()
            .flat_map(|e| e.get_attention_mask().to_vec())
            .collect();
        let run = || -> candle_core::Result<(Tensor, Tensor)> {
            let ids = Tensor::from_vec(ids, (rows, len), &self.device)?;
            let mask = Tensor::from_vec(mask, (rows, len), &self.device)?;
            let types = ids.zeros_like()?;
            Ok((self.model.forward(&ids, &types, Some(&mask))?, mask))
        };
        let (hidden, mask) = run().map_err(|e| model_error("forward pass", e))?;
        Ok((encodings, hidden, mask))
    }

    /// The token vectors of `texts`, flat, with their encodings.
    fn forward(
        &self,
        texts: &[String],
    ) -> Result<(Vec<tokenizers::Encoding>, Vec<f32>), IndexError> {
        let (encodings, hidden, _) = self.hidden(texts)?;
        let flat = hidden
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| model_error("forward pass", e))?;
        Ok((encodings, flat))
    }

    fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, IndexError> {
        let (_, hidden, mask) = self.hidden(texts)?;
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let pooled = match self.spec.pooling {
                Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
                Pooling::Mean => {
                    let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (rows, len, 1)
                    let summed = hidden.broadcast_mul(&m)?.sum(1)?;
                    let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
                    summed.broadcast_div(&counts)?
                }
            };
            let norms = pooled
                .sqr()?
                .sum_keepdim(1)?
                .sqrt()?
                .clamp(1e-12, f64::MAX)?;
            pooled.broadcast_div(&norms)?.to_vec2::<f32>()
        };
        run().map_err(|e| model_error("pooling", e))
    }
}

/// A cheap identity of the weights: FNV-1a over config.json, the weights file's length and 64 KiB
/// from its middle (past the safetensors header, inside the tensors), so that two models in
/// directories of the same name never share a model id, and their vectors are never mixed.
fn fingerprint(config: &str, weights: &Path) -> Result<u64, IndexError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(weights)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len / 2))?;
    let mut sample = vec![0u8; 64 * 1024];
    let n = file.read(&mut sample)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in config
        .bytes()
        .chain(len.to_le_bytes())
        .chain(sample[..n].iter().copied())
    {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    Ok(hash)
}

/// Query and passage prefixes by model family.
fn prefixes(name: &str) -> (String, String) {
    let name = name.to_ascii_lowercase();
    if name.contains("e5") {
        ("query: ".into(), "passage: ".into())
    } else if name.contains("bge") && name.contains("en") {
        (
            "Represent this sentence for searching relevant passages: ".into(),
            String::new(),
        )
    } else {
        (String::new(), String::new())
    }
}

impl Embedder for LocalModel {
    fn model_id(&self) -> &str {
        &self.spec.id
    }

    fn dim(&self) -> usize {
        self.spec.dim
    }

    fn embed_query(&self, text: &str) -> Result<Vec<f32>, IndexError> {
        let mut out = self.embed_batch(&[format!("{}{text}", self.spec.query_prefix)])?;
        out.pop()
            .ok_or_else(|| IndexError::Model("no embedding returned".into()))
    }

    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError> {
        embed_sorted(
            texts,
            &self.spec.passage_prefix,
            &self.counter,
            |_, batch| self.embed_batch(&batch),
        )
    }

    fn embed_passage_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<(usize, usize)>],
    ) -> Result<Vec<PassageVectors>, IndexError> {
        embed_sorted(
            texts,
            &self.spec.passage_prefix,
            &self.counter,
            |indices, batch| {
                let (encodings, hidden) = self.forward(&batch)?;
                Ok(spans::pool_batch(
                    &self.spec, &encodings, &hidden, indices, spans,
                ))
            },
        )
    }
}

/// Finds a model directory: the explicit one, else `DATA_DIR/models/all-MiniLM-L6-v2` if present.
pub fn find_model_dir(explicit: Option<&Path>, data_dir: &Path) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(dir.to_path_buf());
    }
    let default = data_dir.join("models").join(DEFAULT_MODEL);
    default.join("config.json").exists().then_some(default)
}

/// The model cited uses when none is configured.
pub const DEFAULT_MODEL: &str = "all-MiniLM-L6-v2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_the_model_family() {
        assert_eq!(prefixes("all-MiniLM-L6-v2"), (String::new(), String::new()));
        assert_eq!(prefixes("e5-small-v2").0, "query: ");
        assert!(prefixes("bge-small-en-v1.5")
            .0
            .starts_with("Represent this sentence"));
    }
}
