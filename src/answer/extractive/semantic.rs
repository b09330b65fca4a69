//! The meaning of sentences, with an embedding model: each sentence of the top passages, read under
//! its definition term or heading (a table row under its header row), compared with the question by
//! cosine.

use std::collections::HashMap;

use indexer::embed::Embedder;
use indexer::{sentence_spans, SearchHit};

use super::sentences::{heading_lines, is_label, row_words, standalone_words};
use crate::retrieve::snippet::lines;

/// Passages whose sentences are compared with the question by embedding.
const SEMANTIC_PASSAGES: usize = 4;
/// Cosine at or below which a sentence says nothing about the question, and at or above which it
/// fully answers it. On the all-MiniLM-L6-v2 scale a sentence on the same topic but not answering
/// ("what do ferrets eat" against "Ferrets sleep fourteen hours a day") scores about 0.55, a
/// paraphrase that answers ("when do ferrets rest") 0.64, a near restatement 0.86, unrelated text ~0.
const COSINE_FLOOR: f32 = 0.45;
/// What a sentence's meaning counts for next to its words: a paraphrase of the question supports a
/// sentence, but less than stating the question's own terms (or their context) does. Measured on
/// both documentation sets in hybrid mode: supported answers plateau between 0.5 and 0.75 (Python
/// docs 39–40 of 60, PostgreSQL 24–25 of 40) and drop at 1.0 (39, 21).
pub(super) const MEANING_WEIGHT: f32 = 0.6;
const COSINE_FULL: f32 = 0.75;

/// Scores the sentences of the top passages by their embedding's cosine with the question's, so that
/// a sentence that paraphrases the question counts even when it shares no word with it. Keyed by
/// (hit, sentence start); values in 0..1. A model failure leaves the answer lexical.
pub(super) fn semantic_support(
    embedder: &dyn Embedder,
    question: &str,
    hits: &[SearchHit],
) -> HashMap<(usize, usize), f32> {
    let mut keys = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for (rank, hit) in hits.iter().enumerate().take(SEMANTIC_PASSAGES) {
        for (start, text, context) in readable_sentences(hit) {
            keys.push((rank, start));
            texts.push(match context {
                Some(c) => format!("{c}: {text}"),
                None => text.to_string(),
            });
        }
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let embedded = embedder
        .embed_query(question)
        .and_then(|q| Ok((q, embedder.embed_passages(&texts)?)));
    let Ok((q, vectors)) = embedded else {
        tracing::warn!("embedding answer sentences failed; answering lexically");
        return HashMap::new();
    };
    keys.into_iter()
        .zip(vectors)
        .map(|(key, v)| {
            let cosine: f32 = q.iter().zip(&v).map(|(a, b)| a * b).sum();
            (
                key,
                ((cosine - COSINE_FLOOR) / (COSINE_FULL - COSINE_FLOOR)).clamp(0.0, 1.0),
            )
        })
        .collect()
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
        if line.contains(crawler::extract::CELL_SEPARATOR) {
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
        if headings.contains(trimmed) || is_label(line) {
            term = Some(trimmed);
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
