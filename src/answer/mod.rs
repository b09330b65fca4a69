//! The answer stage: passages → a short answer in which every sentence cites its passage.
//!
//! A [`Writer`] writes a [`Draft`]: [`extractive`] by default (no model: it picks the few sentences of
//! the top passages that best answer the question and keeps each exactly as it stands in the page), or
//! a language model through [`llm`]. [`verify::verify`] turns the draft into an [`Answer`], whose
//! every sentence carries its check: an `Answer` cannot be had any other way. Every [`Source`] carries
//! the quoted words and a `#:~:text=` deep link ([`link`]) that scrolls a browser to them.

pub mod extractive;
pub mod link;
pub mod llm;
pub mod openai;
pub mod verify;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What cited says when nothing relevant was found.
pub const NO_ANSWER: &str = "No passage in the crawled pages answers this question.";

/// What an answer in progress reports before it is done (to a stream).
#[derive(Debug)]
pub enum Progress<'a> {
    /// The sources so far: for a generated answer, first the passages given to the model (numbered
    /// as it cites them), then the cited ones with their quotes. A later list replaces an earlier.
    Sources(&'a [Source]),
    /// A piece of the model's reply, as it arrives.
    Token(&'a str),
    /// The model failed; the extractive answer follows.
    Notice(&'a str),
}

/// Who wrote an answer's sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// Sentences quoted from the passages.
    Extractive,
    /// A language model, by its id (`openai:MODEL`).
    Model(String),
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Extractive => f.write_str("extractive"),
            Self::Model(id) => f.write_str(id),
        }
    }
}

/// An answer as written, before its sentences are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub question: String,
    pub sentences: Vec<DraftSentence>,
    pub sources: Vec<Source>,
    pub writer: Writer,
    /// Something the reader should know, e.g. that the language model failed and this is the
    /// extractive answer instead.
    pub notice: Option<String>,
}

/// A sentence as written, with the sources (by id) it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftSentence {
    pub text: String,
    pub citations: Vec<u32>,
}

impl Draft {
    /// A draft that says nothing was found.
    pub fn empty(question: &str, writer: Writer) -> Self {
        Self {
            question: question.to_string(),
            sentences: Vec::new(),
            sources: Vec::new(),
            writer,
            notice: None,
        }
    }

    /// Returns true if the draft says something (rather than [`NO_ANSWER`]).
    pub fn found(&self) -> bool {
        !self.sentences.is_empty()
    }

    /// Returns the sentences joined, each followed by its `[n]` markers.
    pub fn text(&self) -> String {
        joined(self.sentences.iter().map(|s| (&s.text, &s.citations)))
    }
}

/// A checked answer: made only by [`verify::verify`], so every sentence has been checked against the
/// passages it cites.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::manual_non_exhaustive,
    reason = "non_exhaustive stops other crates only; the private field stops other modules"
)]
pub struct Answer {
    pub question: String,
    pub sentences: Vec<AnswerSentence>,
    /// The cited sources only.
    pub sources: Vec<Source>,
    pub writer: Writer,
    pub notice: Option<String>,
    /// The index generation it was served from.
    pub generation: u64,
    /// Private: no code outside this module can make an `Answer` (and here only `verify` does).
    checked: (),
}

/// One sentence of an answer, the sources (by id) it cites, and how well they support it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSentence {
    pub text: String,
    pub citations: Vec<u32>,
    pub check: verify::Check,
}

/// A cited passage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Numbered from 1 by first use in the answer.
    pub id: u32,
    pub url: String,
    pub title: String,
    /// The exact words of the page that the answer cites.
    pub quote: String,
    /// `url#:~:text=…`: opens the page scrolled to the quote.
    pub link: String,
    /// When cited last fetched (or checked) the page.
    pub fetched_at: DateTime<Utc>,
    /// When the page's content last changed, as far as cited has seen.
    pub changed_at: DateTime<Utc>,
    /// The passage text the answer was checked against.
    #[serde(skip)]
    pub passage: String,
}

impl Answer {
    /// Returns true if the answer says something (rather than [`NO_ANSWER`]).
    pub fn found(&self) -> bool {
        !self.sentences.is_empty()
    }

    /// Returns the sentences joined, each followed by its `[n]` markers.
    pub fn text(&self) -> String {
        joined(self.sentences.iter().map(|s| (&s.text, &s.citations)))
    }
}

/// Sentences joined, each followed by its `[n]` markers; [`NO_ANSWER`] when there are none.
fn joined<'a>(sentences: impl Iterator<Item = (&'a String, &'a Vec<u32>)>) -> String {
    let mut out = String::new();
    for (text, citations) in sentences {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(text);
        for c in citations {
            out.push_str(&format!(" [{c}]"));
        }
    }
    if out.is_empty() {
        NO_ANSWER.to_string()
    } else {
        out
    }
}
