//! Settings: how to reach the embedding model, the vector store and a language model; from the
//! flags, the environment and `cited.toml` (see [`crate::cli::config_file`]).

use std::path::PathBuf;

/// How to reach the model and the vector store; from flags and environment variables.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// A sentence-transformers model directory (else `DATA/models/all-MiniLM-L6-v2`).
    pub model_dir: Option<PathBuf>,
    /// A `libonnxruntime` file: run the model's `model.onnx` with ONNX Runtime instead of candle.
    pub ort_lib: Option<PathBuf>,
    /// A Qdrant server instead of the embedded store.
    pub qdrant: Option<QdrantSettings>,
    /// A language model that writes the answers (else they are extractive).
    pub llm: Option<crate::answer::openai::LlmSettings>,
}

#[derive(Debug, Clone)]
pub struct QdrantSettings {
    /// gRPC address, e.g. `http://127.0.0.1:6334`.
    pub url: String,
    pub api_key: Option<String>,
    pub collection: String,
}

impl QdrantSettings {
    /// The collection of index generation `g`: each generation has its own.
    pub fn collection_of(&self, g: u64) -> String {
        match g {
            0 => self.collection.clone(),
            g => format!("{}-g{g}", self.collection),
        }
    }
}
