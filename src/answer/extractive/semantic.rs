//! The meaning of sentences, with an embedding model: each sentence of the top passages, read under
//! its definition term or heading (a table row under its header row), compared with the question by
//! cosine.

use indexer::embed::Embedder;
use indexer::vector::{SentenceCosine, SentenceVectors};
use indexer::{sentence_spans, SearchHit};

use super::lines::{heading_lines, is_field, is_label};
use super::words::{row_words, standalone_words};
use crate::retrieve::snippet::lines;

/// Passages whose sentences are embedded at answer time when the index holds no vectors for them.
const SEMANTIC_PASSAGES: usize = 4;
/// Cosine at or below which a sentence embedded on its own (under its term) says nothing about the
/// question, and at or above which it fully answers it. On the all-MiniLM-L6-v2 scale a sentence on
/// the same topic but not answering ("what do ferrets eat" against "Ferrets sleep fourteen hours a
/// day") scores about 0.55, a paraphrase that answers ("when do ferrets rest") 0.64, a near
/// restatement 0.86, unrelated text ~0.
const COSINE_FLOOR: f32 = 0.45;
const COSINE_FULL: f32 = 0.75;
/// The floor for sentence vectors pooled from their passage at index time, whose cosines with a
/// question run lower than those of the sentence embedded alone. Measured against 0.45 with
/// everything else equal, hybrid: Python docs 46 against 44 of 60, PostgreSQL 32 against 30 of 40,
/// SQuAD 877 against 873 of 1,000; off-topic questions declined 96 of 100 either way.
const INDEXED_COSINE_FLOOR: f32 = 0.40;
/// What a sentence's meaning adds to its words: support is the probabilistic OR of the two,
/// `lexical + (1 − lexical) × MEANING_WEIGHT × meaning`, so evidence from meaning adds to evidence
/// from words instead of only standing in when it is larger. Against the larger of the two
/// (hybrid, vectors from the index, floor 0.45): Python docs 44 = 44, PostgreSQL 30 against 27,
/// SQuAD 873 against 855.
pub(super) const MEANING_WEIGHT: f32 = 0.6;
/// The most support a sentence's words give it when the answer has sentence meanings: a sentence
/// holding every word of the question keeps `1 − MAX_WORDS_SUPPORT` for its meaning to decide
/// (`git gc` appears in forty sentences of git-gc's page). Measured, hybrid, against no cap: git
/// manual 16 → 17 supported, 11 → 12 first; Python, PostgreSQL, Cargo and SQuAD (877) grades
/// unchanged, off-topic declines unchanged. A first version capped only sentences with a meaning
/// above the floor: 0.95 and 0.9 gained alike there, 0.85 and 0.8 lost a first sentence on
/// PostgreSQL.
pub(super) const MAX_WORDS_SUPPORT: f32 = 0.95;

/// The embedding model as an answer uses it, with the sentence vectors made at index time.
#[derive(Clone, Copy)]
pub struct Meaning<'a> {
    pub embedder: &'a dyn Embedder,
    pub sentences: Option<&'a SentenceVectors>,
    /// The cosine of the passage nearest the question by vector search, when known.
    pub nearest: Option<f32>,
}

/// What the sentences of the passages mean for the question: by (passage, sentence start), the
/// sentence's end and its meaning on the 0..1 scale.
#[derive(Default)]
pub(super) struct Meanings {
    of: rustc_hash::FxHashMap<(usize, usize), (usize, f32)>,
    /// The passages with at least one sentence scored.
    passages: rustc_hash::FxHashSet<usize>,
}

impl Meanings {
    pub(super) fn insert(&mut self, passage: usize, (start, end): (usize, usize), meaning: f32) {
        self.of.insert((passage, start), (end, meaning));
        self.passages.insert(passage);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.of.is_empty()
    }

    /// Whether any sentence of `passage` was scored.
    pub(super) fn has(&self, passage: usize) -> bool {
        self.passages.contains(&passage)
    }

    /// The meaning of the sentence at `span` of `passage`, if it was scored.
    pub(super) fn get(&self, passage: usize, (start, end): (usize, usize)) -> Option<f32> {
        self.of
            .get(&(passage, start))
            .filter(|(e, _)| *e == end)
            .map(|(_, m)| *m)
    }
}

/// Scores the sentences of the passages by their embedding's cosine with the question's, so that a
/// sentence that paraphrases the question counts even when it shares no word with it. A passage's
/// sentences are compared with the vectors made for them at index time when it has them (every
/// passage's, then); else the sentences of the first [`SEMANTIC_PASSAGES`] passages are embedded
/// now. A model failure leaves the answer lexical.
pub(super) fn semantic_support(
    meaning: Meaning<'_>,
    question: &str,
    hits: &[SearchHit],
) -> Meanings {
    let mut meanings = Meanings::default();
    let Ok(q) = meaning.embedder.embed_query(question) else {
        tracing::warn!("embedding the question failed; answering lexically");
        return meanings;
    };
    let mut spans = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for (rank, hit) in hits.iter().enumerate() {
        let stored = stored_cosines(meaning, hit, &q);
        if !stored.is_empty() {
            for s in stored {
                meanings.insert(
                    rank,
                    (s.start, s.end),
                    scale(s.cosine, INDEXED_COSINE_FLOOR),
                );
            }
            continue;
        }
        if rank >= SEMANTIC_PASSAGES {
            continue;
        }
        for (start, text, context) in readable_sentences(hit) {
            spans.push((rank, (start, start + text.len())));
            texts.push(match context {
                Some(c) => format!("{c}: {text}"),
                None => text.to_string(),
            });
        }
    }
    tracing::debug!(
        from_index = meanings.of.len(),
        embedded_now = texts.len(),
        "sentence vectors"
    );
    if !texts.is_empty() {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        match meaning.embedder.embed_passages(&texts) {
            Ok(vectors) => {
                for ((rank, span), v) in spans.into_iter().zip(vectors) {
                    let cosine = q.iter().zip(&v).map(|(a, b)| a * b).sum();
                    meanings.insert(rank, span, scale(cosine, COSINE_FLOOR));
                }
            }
            Err(e) => tracing::warn!(error = %e, "embedding answer sentences failed"),
        }
    }
    meanings
}

/// A cosine on the 0..1 scale of meaning: 0 at `floor` and under, 1 at [`COSINE_FULL`] and over.
fn scale(cosine: f32, floor: f32) -> f32 {
    ((cosine - floor) / (COSINE_FULL - floor)).clamp(0.0, 1.0)
}

/// The cosines of `query` with the sentence vectors made for `hit` at index time, if any (a lookup
/// failure counts as none).
fn stored_cosines(meaning: Meaning<'_>, hit: &SearchHit, query: &[f32]) -> Vec<SentenceCosine> {
    let Some(store) = meaning.sentences else {
        return Vec::new();
    };
    store
        .cosines(
            hit.doc_id,
            hit.ordinal,
            &hit.text,
            meaning.embedder.model_id(),
            query,
        )
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "reading sentence vectors failed");
            None
        })
        .unwrap_or_default()
}

/// The sentences of a passage that can stand in an answer, each with its start and what it stands
/// under: the term of its definition-list entry or its heading (a table row: the table's header
/// row). A sentence is embedded in that context, as it is read: "Increment the reference count for
/// object o." means something only under `void Py_INCREF(PyObject *o)`.
pub(super) fn readable_sentences(hit: &SearchHit) -> Vec<(usize, &str, Option<&str>)> {
    let headings = heading_lines(hit);
    let mut term = hit.heading_path.last().map(String::as_str);
    let mut header: Option<&str> = None;
    let mut out = Vec::new();
    for (line_start, line) in lines(&hit.text) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if indexer::vector::sentences::is_table_row(line) {
            // The first row of a table names its columns; the rows under it are read whole.
            match header {
                None => header = Some(trimmed),
                Some(h) => {
                    if row_words(trimmed).is_some() {
                        out.push((line_start, line.trim_end(), Some(h)));
                    }
                }
            }
            continue;
        }
        header = None;
        if headings.continues(trimmed) {
            continue;
        }
        if headings.opens(trimmed) || is_label(line) {
            // A field line (`Default: 30`) is a property of the entry, not a term of its own.
            if !is_field(line) {
                term = Some(trimmed);
            }
            continue;
        }
        for (start, end) in sentence_spans(line) {
            let text = &line[start..end];
            if standalone_words(text).is_some() {
                out.push((line_start + start, text, term.filter(|t| !t.is_empty())));
            }
        }
    }
    out
}
