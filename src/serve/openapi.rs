//! The OpenAPI 3 document at `/api/openapi.json`, generated from the handlers' annotations and the
//! wire types themselves (utoipa), so it cannot drift from what the server sends.

use axum::Json;
use utoipa::OpenApi;

use crate::dto::{
    AnswerResponse, ErrorResponse, HitDto, NoticeDto, SearchResponse, SentenceDto, SourceDto,
    TokenDto, Verdict,
};
use crate::engine::Timings;
use crate::status::Status;

#[derive(OpenApi)]
#[openapi(
    modifiers(&BearerToken),
    info(
        title = "cited",
        description = "Answers with cited sentences, and search, over the pages cited has crawled."
    ),
    paths(
        super::api::healthz,
        super::api::api_answer,
        super::api::api_answer_stream,
        super::api::api_search,
        super::api::api_status,
        super::admin::list,
        super::admin::rebuild,
        super::admin::crawl
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
        Verdict,
        crate::jobs::JobRecord,
        crate::jobs::JobState,
        super::admin::CrawlRequest,
        super::admin::JobStarted
    ))
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the admin routes use (`CITED_ADMIN_TOKEN`).
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
