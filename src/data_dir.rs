//! The data directory: where cited keeps its pages, indexes and vectors. Its getters only join
//! paths; [`DataDir::serving`] is the one that reads a file.

use std::path::{Path, PathBuf};

/// The data directory and the files inside it. Its getters only join paths; reading which index
/// generation is in service is [`DataDir::serving`], a file read.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The default data directory, `./cited-data`.
    pub const DEFAULT: &'static str = "cited-data";

    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the directory if needed.
    pub fn ensure(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database holding the page store and the crawl frontier.
    pub fn store_path(&self) -> PathBuf {
        self.root.join("store.sqlite")
    }

    /// The index generation `number` (see [`crate::index::generation`]).
    pub fn generation(&self, number: u64) -> GenerationDir {
        GenerationDir {
            data: self.clone(),
            number,
        }
    }

    /// The index generation in service now: reads `DATA/generation` (no file: generation 0).
    pub fn serving(&self) -> GenerationDir {
        let number = std::fs::read_to_string(self.generation_pointer())
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        self.generation(number)
    }

    /// The file that names the generation in service (replaced by rename on a switch).
    pub fn generation_pointer(&self) -> PathBuf {
        self.root.join("generation")
    }
}

/// The files of one index generation: its tantivy index and its embedded vector store.
#[derive(Debug, Clone)]
pub struct GenerationDir {
    data: DataDir,
    number: u64,
}

impl GenerationDir {
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The data directory it belongs to.
    pub fn data(&self) -> &DataDir {
        &self.data
    }

    /// Its directory: `DATA/gen-N`, or the data directory itself for generation 0 (the original
    /// layout).
    pub fn root(&self) -> PathBuf {
        if self.number == 0 {
            self.data.root.clone()
        } else {
            self.data.root.join(format!("gen-{}", self.number))
        }
    }

    /// The embedded vector store (Qdrant Edge).
    pub fn vectors_path(&self) -> PathBuf {
        self.root().join("vectors")
    }

    /// The sentence vectors made with the passage vectors (see [`indexer::vector::SentenceVectors`]).
    pub fn sentences_path(&self) -> PathBuf {
        self.root().join("sentences.sqlite")
    }

    /// The tantivy index directory.
    pub fn index_path(&self) -> PathBuf {
        self.root().join("index")
    }
}
