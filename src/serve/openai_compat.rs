//! cited as a model for clients that speak the OpenAI API: `GET /v1/models` lists one model,
//! `cited`, and `POST /v1/chat/completions` answers the last user message, streamed or not.
//!
//! Earlier user turns make a follow-up standalone ("and its maximum?" after "default value of
//! work_mem"); the question actually answered is in `cited.question`. The content is the answer with
//! its `[n]` markers; each citation is an OpenAI `url_citation`
//! annotation (url, title, and the start and end of the sentence it backs, as character indices into
//! the content). cited's own per-sentence fields (support, verdict, reason) and sources (quote, deep
//! link, fetch and change dates) travel in the extension field `cited`, which standard clients
//! ignore. Errors have OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.

use std::convert::Infallible;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::api::run_cpu;
use super::error::ApiError;
use super::AppState;
use crate::dto::AnswerResponse;

/// The one model cited offers.
pub const MODEL: &str = "cited";

/// `POST /v1/chat/completions`' body; fields cited does not use (temperature, …) are accepted and
/// ignored, as a model server would.
#[derive(Debug, Deserialize)]
pub(super) struct ChatRequest {
    #[serde(default)]
    model: Option<String>,
    messages: Vec<ChatMessage>,
    #[serde(default)]
    stream: bool,
}

#[derive(Debug, Deserialize)]
struct ChatMessage {
    role: String,
    #[serde(default)]
    content: Content,
}

/// A message's content: a string, or a list of parts of which the text ones count.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
    #[default]
    Null,
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
}

impl Content {
    fn text(&self) -> String {
        match self {
            Content::Text(t) => t.clone(),
            Content::Parts(parts) => parts
                .iter()
                .filter_map(|p| p.text.as_deref())
                .collect::<Vec<_>>()
                .join("\n"),
            Content::Null => String::new(),
        }
    }
}

/// An error in OpenAI's shape.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let kind = match status {
        StatusCode::BAD_REQUEST
        | StatusCode::PAYLOAD_TOO_LARGE
        | StatusCode::UNPROCESSABLE_ENTITY => "invalid_request_error",
        StatusCode::NOT_FOUND => "not_found_error",
        StatusCode::SERVICE_UNAVAILABLE => "overloaded_error",
        _ => "server_error",
    };
    (
        status,
        Json(json!({"error": {"message": message.into(), "type": kind, "param": null, "code": null}})),
    )
        .into_response()
}

/// cited's error, in OpenAI's shape.
fn api_error(e: ApiError) -> Response {
    error(e.status, e.message)
}

/// `GET /v1/models`.
pub(super) async fn models() -> Json<Value> {
    Json(json!({
        "object": "list",
        "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "cited"}],
    }))
}

/// The answer as an OpenAI message: its content and its `url_citation` annotations.
#[derive(Debug, Serialize)]
struct Message {
    content: String,
    annotations: Vec<Value>,
}

/// Builds the content exactly as [`AnswerResponse::answer`] reads, with one annotation per citation
/// of each sentence, spanning the sentence (character indices).
fn message(answer: &AnswerResponse) -> Message {
    let mut content = String::new();
    let mut annotations = Vec::new();
    for s in &answer.sentences {
        if !content.is_empty() {
            content.push(' ');
        }
        let start = content.chars().count();
        content.push_str(&s.text);
        let end = content.chars().count();
        for c in &s.citations {
            content.push_str(&format!(" [{c}]"));
            if let Some(source) = answer.sources.iter().find(|src| src.id == *c) {
                annotations.push(json!({
                    "type": "url_citation",
                    "url_citation": {
                        "url": source.link,
                        "title": source.title,
                        "start_index": start,
                        "end_index": end,
                    }
                }));
            }
        }
    }
    if content.is_empty() {
        content = answer.answer.clone();
    }
    Message {
        content,
        annotations,
    }
}

/// cited's extension: what standard clients ignore and cited's own clients read.
fn extension(answer: &AnswerResponse) -> Value {
    json!({
        "question": answer.question,
        "sentences": answer.sentences,
        "sources": answer.sources,
        "generator": answer.generator,
        "notice": answer.notice,
        "generation": answer.generation,
    })
}

/// `POST /v1/chat/completions`.
pub(super) async fn chat_completions(
    State(state): State<AppState>,
    body: Result<Json<ChatRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(r)) => r,
        Err(e) => return api_error(ApiError::bad_body(&e)),
    };
    if let Some(model) = request.model.as_deref().filter(|m| *m != MODEL) {
        return error(
            StatusCode::NOT_FOUND,
            format!("The model `{model}` does not exist; this server offers `{MODEL}`"),
        );
    }
    let mut asked: Vec<String> = request
        .messages
        .iter()
        .filter(|m| m.role == "user")
        .map(|m| m.content.text())
        .collect();
    let Some(question) = asked.pop().filter(|q| !q.trim().is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "no user message to answer");
    };
    // Earlier user turns make a follow-up standalone; the question answered is in `cited.question`.
    let answer = match run_cpu(&state, move |engine| {
        let question = engine.standalone(&question, &asked).unwrap_or(question);
        engine.answer(&question, None)
    })
    .await
    {
        Ok(answer) => AnswerResponse::from(answer),
        Err(e) => return api_error(e),
    };
    let id = format!("chatcmpl-cited-{}", uuid_like());
    let created = chrono::Utc::now().timestamp();
    let message = message(&answer);
    if !request.stream {
        return Json(json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": MODEL,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": message.content, "annotations": message.annotations, "refusal": null},
                "finish_reason": "stop",
                "logprobs": null,
            }],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "cited": extension(&answer),
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Option<&str>, extra: Option<Value>| {
        let mut c = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}],
        });
        if let Some(extra) = extra {
            c["cited"] = extra;
        }
        Event::default().data(c.to_string())
    };
    // The role, the content (a piece per sentence, as written), the annotations and cited's
    // extension with the last chunk, then [DONE].
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        None,
        None,
    )];
    let mut pieces: Vec<String> = Vec::new();
    let mut rest = message.content.as_str();
    for s in &answer.sentences {
        if let Some(at) = rest.find(&s.text) {
            let end = at + s.text.len();
            pieces.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    pieces.push(rest.to_string());
    for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
        events.push(chunk(json!({"content": piece}), None, None));
    }
    events.push(chunk(
        json!({"annotations": message.annotations}),
        Some("stop"),
        Some(extension(&answer)),
    ));
    events.push(Event::default().data("[DONE]"));
    Sse::new(futures_util::stream::iter(
        events.into_iter().map(Ok::<_, Infallible>),
    ))
    .into_response()
}

/// A unique enough id for a completion (time and a counter; not a secret).
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:x}{:04x}",
        chrono::Utc::now().timestamp_micros(),
        NEXT.fetch_add(1, Ordering::Relaxed) & 0xffff
    )
}
