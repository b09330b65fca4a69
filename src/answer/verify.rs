//! Citation verification: does the passage a sentence cites say what the sentence says?
//!
//! Every answer, extractive or generated, goes through here. Each sentence is scored against the
//! text of the passages it cites (their union, so a sentence may combine two):
//!
//! - a sentence found word for word in a cited passage is supported outright;
//! - otherwise the support is the idf-weighted share of the sentence's content words found in the
//!   passages, blended with the cosine of sentence and passage embeddings when a model is loaded;
//! - names (capitalised words past the first, acronyms) missing from the passages scale it down;
//! - a number in the sentence that the passages do not contain makes it unsupported, whatever the
//!   rest says: "the default port is 5433" against a passage saying 5432 is the classic wrong answer
//!   with a confident citation.
//!
//! A sentence that cites nothing is unsupported; citations of passages that were never given are
//! removed first (and said so).

use std::collections::HashSet;

use indexer::embed::Embedder;
use indexer::LexicalIndex;
use serde::{Deserialize, Serialize};

use super::{Answer, AnswerSentence, Draft, DraftSentence};
use crate::retrieve::terms::QueryTerms;

/// At or above this support a sentence is `supported`.
pub const SUPPORTED: f32 = 0.6;
/// At or above this (and below [`SUPPORTED`]) it is `weak`; below, `unsupported`.
pub const WEAK: f32 = 0.35;
/// The support left to a sentence with a number its passages do not contain.
const NUMBER_MISMATCH: f32 = 0.1;
/// How much of the support names missing from the passage take away (all of them missing: this
/// share). A name is often spelled out in the passage ("CKD", "chronic kidney disease").
const NAME_PENALTY: f32 = 0.5;
/// Share of the support that comes from the embedding cosine, when there is a model.
const SEMANTIC_SHARE: f32 = 0.4;
/// Cosine (all-MiniLM-L6-v2 scale) at or below which sentence and passage are unrelated, and at or
/// above which the passage says the same.
const COSINE_FLOOR: f32 = 0.3;
const COSINE_FULL: f32 = 0.75;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Supported,
    Weak,
    Unsupported,
}

impl Verdict {
    pub fn of(support: f32) -> Self {
        if support >= SUPPORTED {
            Self::Supported
        } else if support >= WEAK {
            Self::Weak
        } else {
            Self::Unsupported
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::Weak => "weak",
            Self::Unsupported => "unsupported",
        }
    }
}

/// How well a sentence's cited passages support it.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// 0..1.
    pub support: f32,
    pub verdict: Verdict,
    /// Why it is not supported (or which passage quotes it), for people.
    pub reason: Option<String>,
}

impl Check {
    fn new(support: f32, reason: Option<String>) -> Self {
        let support = support.clamp(0.0, 1.0);
        Self {
            support,
            verdict: Verdict::of(support),
            reason,
        }
    }

    pub fn unsupported(reason: impl Into<String>) -> Self {
        Self::new(0.0, Some(reason.into()))
    }
}

/// Scores sentences against passages. `embedder` adds the cosine; without it the check is lexical.
pub struct Verifier<'a> {
    index: &'a LexicalIndex,
    embedder: Option<&'a dyn Embedder>,
}

impl<'a> Verifier<'a> {
    pub fn new(index: &'a LexicalIndex, embedder: Option<&'a dyn Embedder>) -> Self {
        Self { index, embedder }
    }

    /// Checks each `(sentence, cited passages)` pair. The embeddings of the sentences that are not
    /// quoted word for word, and of their passages, are computed in one batch.
    pub fn check_all(&self, claims: &[(&str, Vec<&str>)]) -> Vec<Check> {
        let needs_model: Vec<bool> = claims
            .iter()
            .map(|(sentence, passages)| !passages.is_empty() && !quoted(sentence, passages))
            .collect();
        let cosines = self.cosines(claims, &needs_model);
        claims
            .iter()
            .enumerate()
            .map(|(i, (sentence, passages))| {
                self.check(sentence, passages, cosines.as_ref().map(|c| c[i]))
            })
            .collect()
    }

    /// The best cosine of each sentence with one of its passages (0 where not `wanted`); `None`
    /// without a model (or if the model fails: the check is then lexical).
    fn cosines(&self, claims: &[(&str, Vec<&str>)], wanted: &[bool]) -> Option<Vec<f32>> {
        let embedder = self.embedder?;
        if !wanted.contains(&true) {
            return None;
        }
        let mut texts: Vec<&str> = Vec::new();
        for ((sentence, passages), _) in claims.iter().zip(wanted).filter(|(_, w)| **w) {
            texts.push(sentence);
            texts.extend(passages.iter().copied());
        }
        let vectors = match embedder.embed_passages(&texts) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "embedding for verification failed; checking lexically");
                return None;
            }
        };
        let mut at = 0;
        let mut out = Vec::with_capacity(claims.len());
        for ((_, passages), wanted) in claims.iter().zip(wanted) {
            if !wanted {
                out.push(0.0);
                continue;
            }
            let s = &vectors[at];
            let best = vectors[at + 1..at + 1 + passages.len()]
                .iter()
                .map(|p| s.iter().zip(p).map(|(a, b)| a * b).sum::<f32>())
                .fold(f32::MIN, f32::max);
            out.push(best);
            at += 1 + passages.len();
        }
        Some(out)
    }

    fn check(&self, sentence: &str, passages: &[&str], cosine: Option<f32>) -> Check {
        if passages.is_empty() {
            return Check::unsupported("cites no passage");
        }
        if quoted(sentence, passages) {
            return Check::new(1.0, None);
        }
        let joined = passages.join("\n");
        let passage_numbers = numbers(&joined);
        if let Some(n) = numbers(sentence)
            .into_iter()
            .find(|n| !passage_numbers.contains(n))
        {
            return Check::new(
                NUMBER_MISMATCH,
                Some(format!("the cited passage does not contain the number {n}")),
            );
        }
        let terms = QueryTerms::new(self.index, sentence);
        let passage_terms: HashSet<String> = self.index.analyze(&joined).into_iter().collect();
        let lexical = if terms.is_empty() {
            0.0
        } else {
            terms.coverage(&passage_terms)
        };
        let mut support = match cosine {
            Some(c) => {
                let semantic = ((c - COSINE_FLOOR) / (COSINE_FULL - COSINE_FLOOR)).clamp(0.0, 1.0);
                (1.0 - SEMANTIC_SHARE) * lexical + SEMANTIC_SHARE * semantic
            }
            None => lexical,
        };
        let passage_words = words_lower(&joined);
        let names = names(sentence);
        let missing: Vec<&String> = names
            .iter()
            .filter(|n| !passage_words.contains(&n.to_lowercase()))
            .collect();
        let mut reason = None;
        if !missing.is_empty() {
            support *= 1.0 - NAME_PENALTY * missing.len() as f32 / names.len() as f32;
            reason = Some(format!(
                "the cited passage does not mention {}",
                missing
                    .iter()
                    .map(|n| format!("“{n}”"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let check = Check::new(support, reason);
        if check.verdict != Verdict::Supported && check.reason.is_none() {
            return Check {
                reason: Some(format!(
                    "the cited passage shares {:.0}% of the sentence's content",
                    lexical * 100.0
                )),
                ..check
            };
        }
        check
    }
}

/// Checks every sentence of `draft` against the passages of the sources it cites, making the
/// [`Answer`]. Citations of sources that are not in the draft (never given) are dropped first, and
/// said so; then sources no sentence cites are dropped. `generation` is the index generation the
/// passages came from.
pub fn verify(draft: Draft, verifier: &Verifier, generation: u64) -> Answer {
    let Draft {
        question,
        sentences,
        mut sources,
        writer,
        notice,
    } = draft;
    let known: HashSet<u32> = sources.iter().map(|s| s.id).collect();
    let sentences: Vec<(DraftSentence, Vec<u32>)> = sentences
        .into_iter()
        .map(|s| {
            let (keep, never_given): (Vec<u32>, Vec<u32>) =
                s.citations.iter().partition(|c| known.contains(c));
            (
                DraftSentence {
                    citations: keep,
                    ..s
                },
                never_given,
            )
        })
        .collect();
    let checks = {
        let claims: Vec<(&str, Vec<&str>)> = sentences
            .iter()
            .map(|(s, _)| {
                let passages = s
                    .citations
                    .iter()
                    .filter_map(|c| sources.iter().find(|src| src.id == *c))
                    .map(|src| src.passage.as_str())
                    .collect();
                (s.text.as_str(), passages)
            })
            .collect();
        verifier.check_all(&claims)
    };
    let sentences: Vec<AnswerSentence> = sentences
        .into_iter()
        .zip(checks)
        .map(|((s, never_given), mut check)| {
            if !never_given.is_empty() {
                let markers: Vec<String> = never_given.iter().map(|c| format!("[{c}]")).collect();
                let note = format!("cited {}, which was never given", markers.join(" "));
                check.reason = Some(match check.reason.take() {
                    Some(r) => format!("{note}; {r}"),
                    None => note,
                });
            }
            AnswerSentence {
                text: s.text,
                citations: s.citations,
                check,
            }
        })
        .collect();
    let cited: HashSet<u32> = sentences
        .iter()
        .flat_map(|s| s.citations.iter().copied())
        .collect();
    sources.retain(|s| cited.contains(&s.id));
    Answer {
        question,
        sentences,
        sources,
        writer,
        notice,
        generation,
        checked: (),
    }
}

/// Returns true if `sentence` stands word for word in one of `passages`.
fn quoted(sentence: &str, passages: &[&str]) -> bool {
    // An extractive sentence is a slice of its passage, or slices of one passage joined by an
    // ellipsis (the term it stands under … the sentence): no need to normalise anything.
    if sentence.len() >= 12
        && passages.iter().any(|p| {
            sentence
                .split(super::extractive::QUOTE_GAP)
                .all(|piece| p.contains(piece.trim()))
        })
    {
        return true;
    }
    let flat = normalize(sentence);
    flat.len() >= 12 && passages.iter().any(|p| normalize(p).contains(&flat))
}

/// Lowercase, whitespace collapsed, for verbatim matching.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['.', '!', '?'])
        .to_string()
}

/// The numbers in `text`, as written without thousands separators: "5,432" → "5432", "3.5" → "3.5".
pub fn numbers(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphabetic()) {
            i += 1;
            continue;
        }
        let mut n = String::new();
        while i < chars.len() {
            let c = chars[i];
            let inner = matches!(c, '.' | ',')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                && !n.is_empty();
            if c.is_ascii_digit() {
                n.push(c);
            } else if inner {
                if c == '.' {
                    n.push('.');
                }
            } else {
                break;
            }
            i += 1;
        }
        out.insert(n);
    }
    out
}

fn words_lower(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Names in a sentence: capitalised words other than the first, and words with a capital inside
/// (acronyms, "PrP", "JavaScript").
fn names(sentence: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, word) in sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        let first_upper = chars.next().is_some_and(char::is_uppercase);
        let inner_upper = chars.any(char::is_uppercase);
        let is_name = (first_upper && i > 0 && word.chars().count() > 1) || inner_upper;
        if is_name && !out.iter().any(|w| w == word) {
            out.push(word.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> (tempfile::TempDir, LexicalIndex) {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = LexicalIndex::open(dir.path()).expect("index");
        (dir, index)
    }

    /// An extractive quote joins pieces of one passage with an ellipsis: it is a quote, checked
    /// without the model (embedding its passages cost an answer 100–180 ms).
    #[test]
    fn pieces_of_one_passage_joined_by_an_ellipsis_are_a_quote() {
        let passage =
            "work_mem (integer)\nSets the base maximum. The default value is four megabytes (4MB).";
        let other = "Something else entirely, about vacuum.";
        let quote = "work_mem (integer) … The default value is four megabytes (4MB).";
        assert!(quoted(quote, &[other, passage]));
        assert!(!quoted(
            "work_mem (integer) … The default value is eight megabytes (8MB).",
            &[passage]
        ));
        assert!(
            !quoted(
                "work_mem (integer) … Something else entirely",
                &[passage, other]
            ),
            "pieces of two passages"
        );
    }

    #[test]
    fn numbers_are_read_as_written() {
        let n = numbers("Port 5432, or 5,432 users; version 3.11. Item 7.");
        for want in ["5432", "3.11", "7"] {
            assert!(n.contains(want), "{want} in {n:?}");
        }
        assert!(
            !numbers("utf8 and x86").contains("8"),
            "digits inside words"
        );
    }

    #[test]
    fn a_changed_number_is_unsupported() {
        let (_d, index) = index();
        let v = Verifier::new(&index, None);
        let passage = "PostgreSQL listens on TCP port 5432 by default.";
        let checks = v.check_all(&[
            ("The default port is 5433.", vec![passage]),
            ("By default PostgreSQL listens on port 5432.", vec![passage]),
            (
                "PostgreSQL listens on TCP port 5432 by default.",
                vec![passage],
            ),
        ]);
        assert_eq!(checks[0].verdict, Verdict::Unsupported, "{:?}", checks[0]);
        assert!(checks[0]
            .reason
            .as_deref()
            .expect("reason")
            .contains("5433"));
        assert_eq!(checks[1].verdict, Verdict::Supported, "{:?}", checks[1]);
        assert_eq!(checks[2].support, 1.0, "verbatim");
    }

    #[test]
    fn unrelated_or_uncited_claims_are_not_supported() {
        let (_d, index) = index();
        let v = Verifier::new(&index, None);
        let passage = "The global interpreter lock lets only one thread execute Python bytecode.";
        let checks = v.check_all(&[
            ("Visit the discount shop for cheap watches.", vec![passage]),
            ("Only one thread executes bytecode.", vec![]),
            (
                "The lock lets only one Java thread execute bytecode.",
                vec![passage],
            ),
        ]);
        assert_eq!(checks[0].verdict, Verdict::Unsupported, "{:?}", checks[0]);
        assert_eq!(checks[1].verdict, Verdict::Unsupported);
        assert_eq!(checks[1].reason.as_deref(), Some("cites no passage"));
        assert_ne!(checks[2].verdict, Verdict::Supported, "{:?}", checks[2]);
        assert!(checks[2]
            .reason
            .as_deref()
            .expect("reason")
            .contains("Java"));
    }
}
