//! The OpenAPI 3 document at `/api/openapi.json`, generated from the handlers' annotations and the
//! wire types themselves (utoipa), so it cannot drift from what the server sends.

use axum::Json;
use utoipa::OpenApi;

use super::dto::{
    AnswerResponse, ErrorResponse, HitDto, NoticeDto, SearchResponse, SentenceDto, SourceDto,
    TokenDto, Verdict,
};
use crate::engine::Timings;
use crate::status::Status;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cited",
        description = "Answers with cited sentences, and search, over the pages cited has crawled."
    ),
    paths(
        super::healthz,
        super::api_answer,
        super::api_answer_stream,
        super::api_search,
        super::api_status
    ),
    components(schemas(
        AnswerResponse,
        SentenceDto,
        SourceDto,
        SearchResponse,
        HitDto,
        ErrorResponse,
        Timings,
        Status,
        TokenDto,
        NoticeDto,
        Verdict
    ))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
