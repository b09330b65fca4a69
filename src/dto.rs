//! Wire types: the JSON contract of `ask --json`, `search --json` and the HTTP API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::answer::verify::Verdict;
use crate::answer::{Answer, AnswerSentence, Source};
use crate::engine::{SearchResult, Timed};

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct AnswerResponse {
    pub question: String,
    /// Sentences joined, each followed by its `[n]` markers.
    pub answer: String,
    pub sentences: Vec<SentenceDto>,
    pub sources: Vec<SourceDto>,
    /// `extractive`, or `openai:MODEL` for an answer written by a language model.
    pub generator: String,
    /// Set when the reader should know something, e.g. that the language model failed and this is
    /// the extractive answer instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The index generation the answer was served from (see `cited rebuild`).
    pub generation: u64,
    pub took_ms: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct SentenceDto {
    pub text: String,
    /// Ids of the sources it cites (citations of passages never given are removed).
    pub citations: Vec<u32>,
    /// How well the cited passages support the sentence, 0 to 1.
    pub support: f32,
    pub verdict: Verdict,
    /// Why the sentence is not supported (absent when it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A piece of a generated answer as the model writes it (`token` event).
#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct TokenDto {
    pub text: String,
}

/// `notice` event: the language model failed; the extractive answer follows.
#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct NoticeDto {
    pub notice: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct SourceDto {
    pub id: u32,
    pub url: String,
    pub title: String,
    pub quote: String,
    pub link: String,
    /// When cited last fetched (or checked) the page, RFC 3339.
    pub fetched_at: String,
    /// When the page's content last changed, as far as cited has seen, RFC 3339.
    pub changed_at: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct SearchResponse {
    pub hits: Vec<HitDto>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct HitDto {
    pub url: String,
    pub title: String,
    pub snippet: String,
    /// `url#:~:text=…`: opens the page scrolled to the snippet's first sentence.
    pub link: String,
    pub score: f32,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct ErrorResponse {
    pub error: String,
}

impl From<Timed<Answer>> for AnswerResponse {
    fn from(t: Timed<Answer>) -> Self {
        let answer = t.value;
        Self {
            answer: answer.text(),
            question: answer.question,
            sentences: answer
                .sentences
                .into_iter()
                .map(
                    |AnswerSentence {
                         text,
                         citations,
                         check,
                     }| SentenceDto {
                        text,
                        citations,
                        support: (check.support * 1000.0).round() / 1000.0,
                        verdict: check.verdict,
                        reason: check.reason,
                    },
                )
                .collect(),
            sources: answer.sources.iter().map(SourceDto::from).collect(),
            generator: answer.writer.to_string(),
            notice: answer.notice,
            generation: answer.generation,
            took_ms: t.took_ms,
        }
    }
}

impl From<&Source> for SourceDto {
    fn from(s: &Source) -> Self {
        Self {
            id: s.id,
            url: s.url.clone(),
            title: s.title.clone(),
            quote: s.quote.clone(),
            link: s.link.clone(),
            fetched_at: s
                .fetched_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            changed_at: s
                .changed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

impl From<Vec<SearchResult>> for SearchResponse {
    fn from(results: Vec<SearchResult>) -> Self {
        Self {
            hits: results
                .into_iter()
                .map(|r| HitDto {
                    url: r.url,
                    title: r.title,
                    snippet: r.snippet,
                    link: r.link,
                    score: r.score,
                })
                .collect(),
        }
    }
}
