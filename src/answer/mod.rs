//! The answer stage: passages → a short answer in which every sentence cites its passage.
//!
//! [`extractive`] is the default (no model): it picks the few sentences of the top passages that best
//! answer the question and keeps each exactly as it stands in the page. Every [`Source`] carries the
//! quoted words and a `#:~:text=` deep link ([`link`]) that scrolls a browser to them.

pub mod extractive;
pub mod link;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What cited says when nothing relevant was found.
pub const NO_ANSWER: &str = "No passage in the crawled pages answers this question.";

/// A finished answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub question: String,
    pub sentences: Vec<AnswerSentence>,
    pub sources: Vec<Source>,
}

/// One sentence of an answer and the sources (by id) it cites.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerSentence {
    pub text: String,
    pub citations: Vec<u32>,
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
    pub fetched_at: DateTime<Utc>,
}

impl Answer {
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
