//! How well the citation verifier tells a supported claim from an unsupported one, measured on
//! SciFact's rationales: each claim against the abstract sentences annotated as supporting it
//! (should be `supported`), against the sentences annotated as contradicting it, and against the
//! sentence of the same abstract that shares most words with it but is no rationale (both should
//! not be). Reports precision and recall of the `supported` verdict.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use indexer::LexicalIndex;
use serde::{Deserialize, Serialize};

use super::read_jsonl;
use crate::answer::verify::{Check, Verdict, Verifier};
use crate::config::Settings;

#[derive(Deserialize)]
struct Claim {
    text: String,
    #[serde(default)]
    metadata: HashMap<String, Vec<Evidence>>,
}

#[derive(Deserialize)]
struct Evidence {
    sentences: Vec<usize>,
    label: String,
}

#[derive(Deserialize)]
struct Abstract {
    #[serde(rename = "_id")]
    id: String,
    sentences: Vec<String>,
}

/// Counts for one kind of pair.
#[derive(Debug, Default, Serialize)]
pub struct PairCounts {
    pub pairs: usize,
    pub supported: usize,
    pub weak: usize,
    pub unsupported: usize,
    /// Of the pairs not supported: a number missing from the passage, a name missing, or too
    /// little shared content.
    pub not_supported_because: HashMap<&'static str, usize>,
}

impl PairCounts {
    fn add(&mut self, check: &Check) {
        self.pairs += 1;
        match check.verdict {
            Verdict::Supported => self.supported += 1,
            Verdict::Weak => self.weak += 1,
            Verdict::Unsupported => self.unsupported += 1,
        }
        if check.verdict != Verdict::Supported {
            let reason = check.reason.as_deref().unwrap_or_default();
            let cause = if reason.contains("number") {
                "number"
            } else if reason.contains("mention") {
                "name"
            } else {
                "overlap"
            };
            *self.not_supported_because.entry(cause).or_default() += 1;
        }
    }
}

#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub model: Option<String>,
    /// Claim vs. its SUPPORT rationale.
    pub support: PairCounts,
    /// Claim vs. its CONTRADICT rationale.
    pub contradict: PairCounts,
    /// Claim vs. the most similar non-rationale sentence of the same abstract.
    pub other_sentence: PairCounts,
    /// Of the pairs judged `supported`, the share that are SUPPORT rationales.
    pub precision: f64,
    /// Of the SUPPORT pairs, the share judged `supported`.
    pub recall: f64,
    /// The same with `weak` counted as supported.
    pub precision_weak_or_better: f64,
    pub recall_weak_or_better: f64,
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
        .map(str::to_lowercase)
        .collect()
}

/// Runs the measurement on a SciFact directory (`queries.jsonl` with rationale metadata and
/// `extra/corpus_sentences.jsonl`).
pub fn run(dir: &Path, settings: &Settings) -> Result<VerifyReport> {
    let claims: Vec<Claim> = read_jsonl(&dir.join("queries.jsonl"))?;
    let abstracts: HashMap<String, Vec<String>> =
        read_jsonl::<Abstract>(&dir.join("extra/corpus_sentences.jsonl"))?
            .into_iter()
            .map(|a| (a.id, a.sentences))
            .collect();
    // The verifier's tokenizer and stemmer; an empty index weighs every word alike.
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let index = LexicalIndex::open(scratch.path())?;
    let embedder = match &settings.model_dir {
        Some(model) => Some(indexer::embed::load(model, settings.ort_lib.as_deref())?),
        None => None,
    };
    let verifier = Verifier::new(&index, embedder.as_deref());

    let mut pairs: Vec<(usize, String, String)> = Vec::new(); // (kind, claim, passage)
    for claim in &claims {
        for (doc, evidence) in &claim.metadata {
            let Some(sentences) = abstracts.get(doc) else {
                continue;
            };
            let mut rationale = HashSet::new();
            for e in evidence {
                let text: Vec<&str> = e
                    .sentences
                    .iter()
                    .filter_map(|i| sentences.get(*i).map(String::as_str))
                    .collect();
                rationale.extend(e.sentences.iter().copied());
                let kind = if e.label == "SUPPORT" { 0 } else { 1 };
                pairs.push((kind, claim.text.clone(), text.join(" ")));
            }
            let claim_words = words(&claim.text);
            let other = sentences
                .iter()
                .enumerate()
                .filter(|(i, _)| !rationale.contains(i))
                .max_by_key(|(_, s)| words(s).intersection(&claim_words).count());
            if let Some((_, other)) = other {
                pairs.push((2, claim.text.clone(), other.clone()));
            }
        }
    }
    let mut counts = [
        PairCounts::default(),
        PairCounts::default(),
        PairCounts::default(),
    ];
    for batch in pairs.chunks(64) {
        let claims: Vec<(&str, Vec<&str>)> = batch
            .iter()
            .map(|(_, claim, passage)| (claim.as_str(), vec![passage.as_str()]))
            .collect();
        for ((kind, _, _), check) in batch.iter().zip(verifier.check_all(&claims)) {
            counts[*kind].add(&check);
        }
    }
    let [support, contradict, other_sentence] = counts;
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let false_supported = contradict.supported + other_sentence.supported;
    let false_weak = contradict.weak + other_sentence.weak;
    Ok(VerifyReport {
        model: embedder.as_ref().map(|e| e.model_id().to_string()),
        precision: ratio(support.supported, support.supported + false_supported),
        recall: ratio(support.supported, support.pairs),
        precision_weak_or_better: ratio(
            support.supported + support.weak,
            support.supported + support.weak + false_supported + false_weak,
        ),
        recall_weak_or_better: ratio(support.supported + support.weak, support.pairs),
        support,
        contradict,
        other_sentence,
    })
}
