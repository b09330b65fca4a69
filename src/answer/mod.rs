//! The answer stage: passages → a short answer in which every sentence cites its passage.
//!
//! [`extractive`] is the default (no model): it picks the few sentences of the top passages that best
//! answer the question and keeps each exactly as it stands in the page. Every [`Source`] carries the
//! quoted words and a `#:~:text=` deep link ([`link`]) that scrolls a browser to them.

pub mod extractive;
pub mod generate;
pub mod link;
pub mod openai;
pub mod verify;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The default generator: sentences quoted from the passages.
pub const EXTRACTIVE: &str = "extractive";

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

/// A finished answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub question: String,
    pub sentences: Vec<AnswerSentence>,
    pub sources: Vec<Source>,
    /// What wrote it: `extractive`, or `openai:MODEL`.
    pub generator: String,
    /// Something the reader should know, e.g. that the language model failed and this is the
    /// extractive answer instead.
    pub notice: Option<String>,
    /// The index generation it was served from.
    pub generation: u64,
}

/// One sentence of an answer, the sources (by id) it cites, and how well they support it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSentence {
    pub text: String,
    pub citations: Vec<u32>,
    pub check: verify::Check,
}

impl AnswerSentence {
    /// A sentence not yet verified (see [`verify::verify_answer`]).
    pub fn new(text: String, citations: Vec<u32>) -> Self {
        Self {
            text,
            citations,
            check: verify::Check::unsupported("not verified"),
        }
    }
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
    /// An answer that says nothing was found (extractive until a generator says otherwise).
    pub fn empty(question: &str) -> Self {
        Self {
            question: question.to_string(),
            sentences: Vec::new(),
            sources: Vec::new(),
            generator: EXTRACTIVE.to_string(),
            notice: None,
            generation: 0,
        }
    }

    /// Returns true if the answer says something (rather than [`NO_ANSWER`]).
    pub fn found(&self) -> bool {
        !self.sentences.is_empty()
    }

    /// Returns the sentences joined, each followed by its `[n]` markers.
    pub fn text(&self) -> String {
        if self.sentences.is_empty() {
            return NO_ANSWER.to_string();
        }
        let mut out = String::new();
        for s in &self.sentences {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&s.text);
            for c in &s.citations {
                out.push_str(&format!(" [{c}]"));
            }
        }
        out
    }
}
