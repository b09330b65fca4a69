//! Errors → HTTP statuses, in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::dto::ErrorResponse;
use crate::engine::QueryError;

/// An error answered as JSON `{"error": …}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// 503 with `Retry-After`: the server is at its concurrency cap.
    /// A request body that could not be read as JSON: 413 when it is too large, else 400 or 415,
    /// as axum says.
    pub fn bad_body(rejection: &axum::extract::rejection::JsonRejection) -> Self {
        Self {
            status: rejection.status(),
            message: format!("bad body: {}", rejection.body_text()),
        }
    }

    pub fn busy(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
        }
    }

    /// 401: the admin token is missing or wrong.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: "missing or wrong admin token (Authorization: Bearer …)".into(),
        }
    }

    /// 409: the job asked for is already running.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: "no such route".into(),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::BadRequest(message) => Self::bad_request(message),
            QueryError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "query failed");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: "internal error".into(),
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorResponse {
                error: self.message,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}
