//! Wire types: the JSON contract of `ask --json`, `search --json` and the HTTP API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::answer::{Answer, AnswerSentence};
use crate::engine::{SearchResult, Timed};

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct AnswerResponse {
    pub question: String,
    /// Sentences joined, each followed by its `[n]` markers.
    pub answer: String,
    pub sentences: Vec<SentenceDto>,
    pub sources: Vec<SourceDto>,
    pub took_ms: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct SentenceDto {
    pub text: String,
    pub citations: Vec<u32>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct SourceDto {
    pub id: u32,
    pub url: String,
    pub title: String,
    pub quote: String,
    pub link: String,
    /// RFC 3339.
    pub fetched_at: String,
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
                .map(|AnswerSentence { text, citations }| SentenceDto { text, citations })
                .collect(),
            sources: answer
                .sources
                .into_iter()
                .map(|s| SourceDto {
                    id: s.id,
                    url: s.url,
                    title: s.title,
                    quote: s.quote,
                    link: s.link,
                    fetched_at: s
                        .fetched_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                })
                .collect(),
            took_ms: t.took_ms,
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
                    score: r.score,
                })
                .collect(),
        }
    }
}
