//! The JSON API's handlers (`/api/answer`, `/api/answer/stream`, `/api/search`, `/api/status`,
//! `/healthz`) and what they share: the query-string parameters and the concurrency cap, under which
//! CPU-bound work runs on the blocking pool.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::{Stream, StreamExt};

use super::error::ApiError;
use super::{telemetry, AppState};
use crate::dto::{self, AnswerResponse, ErrorResponse, SearchResponse, SourceDto};
use crate::engine::{Engine, Progress, QueryError};
use crate::retrieve::Mode;
use crate::status::Status;

/// How long a request waits for a turn before it is answered 503.
const QUEUE_WAIT: Duration = Duration::from_secs(2);
/// Results a search returns unless asked for another number.
pub(super) const DEFAULT_LIMIT: usize = 10;

/// Waits (up to [`QUEUE_WAIT`]) for a turn under the concurrency cap; a busy server answers 503.
pub(super) async fn cpu_permit(
    state: &AppState,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    match tokio::time::timeout(QUEUE_WAIT, state.cpu.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(ApiError::busy("server shutting down")),
        Err(_) => Err(ApiError::busy(
            "too many questions at once; retry in a second",
        )),
    }
}

/// Runs CPU-bound query work on the blocking pool under the concurrency cap.
pub(super) async fn run_cpu<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Engine) -> Result<T, QueryError> + Send + 'static,
) -> Result<T, ApiError> {
    // The permit goes with the work: a request that timed out still holds it until its work ends.
    let permit = cpu_permit(state).await?;
    let engine = state.engine();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f(&engine)
    })
    .await
    .map_err(|e| {
        ApiError::from(QueryError::Internal(anyhow::anyhow!(
            "query task failed: {e}"
        )))
    })?
    .map_err(ApiError::from)
}

/// The query string of a request as `T`, or why it is malformed (answered 400, in our words).
pub(super) type Params<T> = Result<Query<T>, QueryRejection>;

/// `?q=…&mode=…&previous=…`: a question, how to retrieve, and the question asked before it in the
/// conversation (a follow-up is answered as a standalone question; the response's `question` says
/// which).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct AskParams {
    pub q: Option<String>,
    pub mode: Option<String>,
    pub previous: Option<String>,
}

/// `q` made standalone with `previous`, if it is a follow-up.
fn standalone(engine: &Engine, q: String, previous: Option<String>) -> String {
    match previous {
        Some(p) => engine.standalone(&q, &[p]).unwrap_or(q),
        None => q,
    }
}

/// `/api/search`'s: the query, how many results, how to retrieve.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct SearchParams {
    pub q: Option<String>,
    /// Read as text so that a bad number gets our message, not serde's.
    pub limit: Option<String>,
    pub mode: Option<String>,
}

/// The parameters, or a 400 that says what is wrong with the query string.
pub(super) fn params<T>(params: Params<T>) -> Result<T, ApiError> {
    params
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))
}

/// The retrieval mode asked for, if any.
pub(super) fn mode(mode: Option<&str>) -> Result<Option<Mode>, ApiError> {
    mode.map(|m| m.parse::<Mode>().map_err(ApiError::bad_request))
        .transpose()
}

fn required_q(q: Option<String>) -> Result<String, ApiError> {
    q.ok_or_else(|| ApiError::bad_request("missing query parameter `q`"))
}

/// `GET /healthz`.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server is up", body = Object, example = json!({"status": "ok"}))))]
pub(super) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// `GET /api/answer`: the answer with cited sentences.
#[utoipa::path(
    get,
    path = "/api/answer",
    params(
        ("q" = String, Query, description = "The question (1 to 1000 bytes)"),
        ("mode" = Option<String>, Query, description = "lexical, dense or hybrid (default: hybrid with a model, else lexical)"),
        ("previous" = Option<String>, Query, description = "The question asked before in the conversation: a follow-up is answered as a standalone question, given in the response's `question`")
    ),
    responses(
        (status = 200, description = "The answer; `sentences` is empty when nothing answers", body = AnswerResponse),
        (status = 400, description = "Bad request", body = ErrorResponse),
        (status = 503, description = "Too busy; see Retry-After", body = ErrorResponse)
    )
)]
pub(super) async fn api_answer(
    State(state): State<AppState>,
    params: Params<AskParams>,
) -> Result<Json<AnswerResponse>, ApiError> {
    let AskParams {
        q,
        mode: m,
        previous,
    } = self::params(params)?;
    let (q, mode) = (required_q(q)?, mode(m.as_deref())?);
    let answer = run_cpu(&state, move |engine| {
        engine.answer(&standalone(engine, q, previous), mode)
    })
    .await?;
    telemetry::answered(!answer.value.sentences.is_empty());
    Ok(Json(answer.into()))
}

/// `GET /api/answer/stream`: the answer as Server-Sent Events — `sources` (the list, as in
/// `/api/answer`), then one `sentence` event per sentence (text, citations, support, verdict), then
/// `done` (`{"retrieve_ms", "answer_ms", "total_ms"}`). With a language model, `sources` first lists
/// the passages given to it and `token` events carry its reply as it is written; a final `sources`
/// (the cited ones) replaces the first before the verified sentences. If the model fails, a `notice`
/// comes and the extractive answer follows. A bad request is a plain JSON 400, before any event; a
/// failure after the stream started is an `error` event. A client that disconnects stops the work
/// (the model's stream too).
#[utoipa::path(
    get,
    path = "/api/answer/stream",
    params(
        ("q" = String, Query, description = "The question (1 to 1000 bytes)"),
        ("mode" = Option<String>, Query, description = "lexical, dense or hybrid"),
        ("previous" = Option<String>, Query, description = "The question asked before (see /api/answer)")
    ),
    responses(
        (status = 200, description = "Server-Sent Events: `sources` (array of SourceDto; a later one replaces an earlier), `token` (TokenDto, generated answers), `notice` (NoticeDto), one `sentence` (SentenceDto) per sentence, then `done` (Timings); `error` (ErrorResponse) if it fails midway", content_type = "text/event-stream", body = String),
        (status = 400, description = "Bad request", body = ErrorResponse),
        (status = 503, description = "Too busy; see Retry-After", body = ErrorResponse)
    )
)]
pub(super) async fn api_answer_stream(
    State(state): State<AppState>,
    params: Params<AskParams>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let AskParams {
        q,
        mode: m,
        previous,
    } = self::params(params)?;
    let (q, mode) = (required_q(q)?, mode(m.as_deref())?);
    let permit = cpu_permit(&state).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Event, ApiError>>(32);
    let engine = state.engine();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let progress_tx = tx.clone();
        let q = standalone(&engine, q, previous);
        let outcome = engine.answer_unless(&q, mode, &|| tx.is_closed(), &mut |progress| {
            let event = match progress {
                Progress::Sources(sources) => json_event(
                    "sources",
                    &sources.iter().map(SourceDto::from).collect::<Vec<_>>(),
                ),
                Progress::Token(text) => json_event(
                    "token",
                    &dto::TokenDto {
                        text: text.to_string(),
                    },
                ),
                Progress::Notice(notice) => json_event(
                    "notice",
                    &dto::NoticeDto {
                        notice: notice.to_string(),
                    },
                ),
            };
            let _ = progress_tx.blocking_send(Ok(event));
        });
        let events: Vec<Result<Event, ApiError>> = match outcome {
            Ok(None) => return,
            Ok(Some((answer, timings))) => {
                telemetry::answered(!answer.sentences.is_empty());
                let dto = AnswerResponse::from(crate::engine::Timed {
                    value: answer,
                    took_ms: timings.total_ms,
                });
                let mut events = vec![json_event("sources", &dto.sources)];
                events.extend(dto.sentences.iter().map(|s| json_event("sentence", s)));
                events.push(json_event("done", &timings));
                events.into_iter().map(Ok).collect()
            }
            Err(e) => vec![Err(ApiError::from(e))],
        };
        for event in events {
            if tx.blocking_send(event).is_err() {
                return;
            }
        }
    });
    // The first message decides between an error response and a stream.
    let first = match rx.recv().await {
        Some(Ok(event)) => event,
        Some(Err(e)) => return Err(e),
        None => {
            return Err(ApiError::from(QueryError::Internal(anyhow::anyhow!(
                "answer task ended without a result"
            ))))
        }
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await? {
            Ok(event) => event,
            Err(e) => json_event("error", &dto::ErrorResponse { error: e.message }),
        };
        Some((Ok(event), rx))
    });
    let stream = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// An SSE event named `name` whose data is `value` as JSON: the answer stream's encoder.
pub fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(value)
        .expect("wire types serialize")
}

/// `GET /api/search`: one result per page.
#[utoipa::path(
    get,
    path = "/api/search",
    params(
        ("q" = String, Query, description = "The query; `site:host` filters, everything else is plain text"),
        ("limit" = Option<usize>, Query, description = "1 to 100, default 10"),
        ("mode" = Option<String>, Query, description = "lexical, dense or hybrid")
    ),
    responses(
        (status = 200, description = "Ranked pages", body = SearchResponse),
        (status = 400, description = "Bad request", body = ErrorResponse),
        (status = 503, description = "Too busy; see Retry-After", body = ErrorResponse)
    )
)]
pub(super) async fn api_search(
    State(state): State<AppState>,
    params: Params<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let SearchParams { q, limit, mode: m } = self::params(params)?;
    let q = required_q(q)?;
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse()
            .map_err(|_| ApiError::bad_request(format!("limit `{l}` is not a number")))?,
    };
    let mode = mode(m.as_deref())?;
    let results = run_cpu(&state, move |engine| engine.search(&q, limit, mode)).await?;
    Ok(Json(results.value.into()))
}

/// What the server is serving from: the store and frontier read now, the index and vectors this
/// server has open. `None` when the server was started without a data directory (tests).
pub(super) async fn status(state: &AppState) -> Result<Option<Status>, ApiError> {
    let Some(data) = state.data.clone() else {
        return Ok(None);
    };
    let engine = state.engine();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Status> {
        let dense = engine.retriever().dense();
        let counts = crate::status::IndexCounts {
            chunks: engine.index().num_chunks(),
            vectors: dense.map(|d| d.vectors.len()).transpose()?.unwrap_or(0),
            sentence_vectors: dense
                .map(|d| d.sentences.passages())
                .transpose()?
                .unwrap_or(0),
            model: dense.map(|d| d.embedder.model_id().to_string()),
        };
        Status::with_index(&data.generation(engine.generation()), counts)
    })
    .await
    .map_err(|e| anyhow::anyhow!("status task failed: {e}"))
    .and_then(|r| r)
    .map(Some)
    .map_err(|e| ApiError::from(QueryError::Internal(e)))
}

/// `GET /api/status`: pages stored, chunks indexed, vectors and model, crawl frontier, last crawl
/// and index times.
#[utoipa::path(
    get,
    path = "/api/status",
    responses(
        (status = 200, description = "What the server is serving from", body = Status),
        (status = 404, description = "The server has no data directory", body = ErrorResponse)
    )
)]
pub(super) async fn api_status(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Json<Status>, ApiError> {
    let admin = super::admin::is_admin(&state, &headers);
    status(&state)
        .await?
        .map(|s| if admin { s } else { s.for_the_public() })
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use tokio::sync::Semaphore;

    use super::*;
    use crate::data_dir::DataDir;
    use crate::serve::Admin;

    #[tokio::test]
    async fn a_full_server_answers_503_with_retry_after() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        let engine = Engine::open(&data, &crate::config::Settings::default()).expect("engine");
        let state = AppState {
            live: Arc::new(std::sync::RwLock::new(engine)),
            admin: Arc::new(Admin {
                token: None,
                api_keys: Vec::new(),
                reach: crawler::fetch::Reach::Public { also: Vec::new() },
                settings: crate::config::Settings::default(),
            }),
            // Every permit taken.
            cpu: Arc::new(Semaphore::new(0)),
            data: None,
        };
        let err = cpu_permit(&state).await.expect_err("busy");
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
}

#[cfg(test)]
mod encoding_proptests {
    use proptest::prelude::*;

    use axum::response::IntoResponse;

    use super::*;

    /// Reads an SSE body as a browser's EventSource does: (event name, data) per event.
    fn parse_sse(body: &str) -> Vec<(String, String)> {
        let mut events = Vec::new();
        let (mut name, mut data) = (String::new(), Vec::<String>::new());
        for line in body.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
            if line.is_empty() {
                if !data.is_empty() {
                    events.push((std::mem::take(&mut name), data.join("\n")));
                }
                data.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line
                .split_once(':')
                .map_or((line, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
            match field {
                "event" => name = value.to_string(),
                "data" => data.push(value.to_string()),
                _ => {}
            }
        }
        events
    }

    /// Text with what breaks naive encoders: newlines, carriage returns, NUL, `data:` lookalikes,
    /// quotes, U+2028, any Unicode.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "(data: |event: |\\r|\\n|\\r\\n|\\x00|\"|\\\\|\u{2028}|</script>|[a-z ]{1,8}){0,20}",
        ]
    }

    fn answer(question: String, text: String, quote: String, url: String) -> dto::AnswerResponse {
        dto::AnswerResponse {
            question,
            answer: format!("{text} [1]"),
            sentences: vec![dto::SentenceDto {
                text: text.clone(),
                citations: vec![1],
                support: 0.5,
                verdict: dto::Verdict::Supported,
                reason: Some(text),
            }],
            sources: vec![dto::SourceDto {
                id: 1,
                url: url.clone(),
                title: quote.clone(),
                quote,
                link: url,
                fetched_at: "2026-11-30T00:00:00Z".into(),
                changed_at: "2026-11-30T00:00:00Z".into(),
            }],
            generator: "extractive".into(),
            notice: None,
            generation: 0,
            took_ms: 1,
        }
    }

    proptest! {
        /// Whatever the crawled text holds, the answer stream decodes to exactly the events sent,
        /// and the JSON API's body to exactly the answer.
        #[test]
        fn answer_streams_and_json_round_trip(
            question in text(), sentence in text(), quote in text(), url in text(), token in text(),
        ) {
            let answer = answer(question, sentence, quote, url);
            let token_dto = dto::TokenDto { text: token };
            let events = vec![
                json_event("sources", &answer.sources),
                json_event("token", &token_dto),
                json_event("answer", &answer),
            ];
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            let sse = Sse::new(futures_util::stream::iter(events.into_iter().map(Ok::<_, Infallible>)))
                .into_response();
            let body = runtime
                .block_on(axum::body::to_bytes(sse.into_body(), usize::MAX))
                .expect("body");
            let decoded = parse_sse(std::str::from_utf8(&body).expect("utf-8"));
            prop_assert_eq!(decoded.len(), 3);
            prop_assert_eq!(&decoded[0].0, "sources");
            let sources: Vec<dto::SourceDto> = serde_json::from_str(&decoded[0].1).expect("sources");
            prop_assert_eq!(&sources, &answer.sources);
            let token: dto::TokenDto = serde_json::from_str(&decoded[1].1).expect("token");
            prop_assert_eq!(&token, &token_dto);
            prop_assert_eq!(&decoded[2].0, "answer");
            let streamed: dto::AnswerResponse = serde_json::from_str(&decoded[2].1).expect("answer");
            prop_assert_eq!(&streamed, &answer);

            let json = Json(&answer).into_response();
            let body = runtime
                .block_on(axum::body::to_bytes(json.into_body(), usize::MAX))
                .expect("body");
            let back: dto::AnswerResponse = serde_json::from_slice(&body).expect("json");
            prop_assert_eq!(back, answer);
        }
    }
}
