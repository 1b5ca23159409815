//! The closed table of API errors and the one JSON body they are rendered as.
//!
//! The body keeps the legacy api-adresse / Géoplateforme shape (`code` is the HTTP status,
//! `message` a sentence, `detail` one line per problem) and adds `error`, the stable machine
//! code from [`ErrorCode`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error the API can answer with. Closed: adding one is an API change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A query-string, form or JSON parameter is missing, malformed or out of range.
    InvalidParameter,
    /// The request body cannot be read as what the route expects (JSON, multipart form).
    InvalidBody,
    /// The uploaded CSV file cannot be read as text (binary content, empty file).
    InvalidCsv,
    /// `q` is longer than [`geocommun_search::limits::QUERY_MAX_CHARS`].
    QueryTooLong,
    /// The request body is larger than the configured maximum.
    PayloadTooLarge,
    /// The body has a content type the route does not accept.
    UnsupportedMediaType,
    /// No such route, or no such object for `/lookup`.
    NotFound,
    /// The route exists with other methods.
    MethodNotAllowed,
    /// The request took longer than the configured timeout.
    Timeout,
    /// A feature the server was started without (e.g. the COG of the BAL validator).
    Unavailable,
    /// No bearer token, or an unknown or revoked one (publication routes).
    Unauthenticated,
    /// The client may not do this (perimeter, habilitation).
    Forbidden,
    /// A value breaks the BAL rules (the editor's operations): the body's `messages` lists
    /// the validator's findings; nothing was changed.
    InvalidValue,
    /// The request conflicts with the current state (a concurrent publication, a file
    /// already uploaded…); the message says what to do.
    Conflict,
    /// What the request refers to has expired (a habilitation code).
    Gone,
    /// Asked again too soon; `Retry-After` says when to retry.
    RateLimited,
    /// A bug: logged, never detailed to the client.
    Internal,
}

impl ErrorCode {
    pub const ALL: [Self; 17] = [
        Self::InvalidParameter,
        Self::InvalidBody,
        Self::InvalidCsv,
        Self::QueryTooLong,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Timeout,
        Self::Unavailable,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::InvalidValue,
        Self::Conflict,
        Self::Gone,
        Self::RateLimited,
        Self::Internal,
    ];

    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidParameter | Self::InvalidBody | Self::InvalidCsv => {
                StatusCode::BAD_REQUEST
            }
            Self::QueryTooLong | Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::InvalidValue => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Gone => StatusCode::GONE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidParameter => "invalid_parameter",
            Self::InvalidBody => "invalid_body",
            Self::InvalidCsv => "invalid_csv",
            Self::QueryTooLong => "query_too_long",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::InvalidValue => "invalid_value",
            Self::Conflict => "conflict",
            Self::Gone => "gone",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }
}

/// An error answered by the API: a code, a message saying what to do, and details.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Vec<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self { code, detail: vec![message.clone()], message }
    }

    /// Several problems of one request (e.g. every invalid parameter at once).
    pub fn many(code: ErrorCode, mut detail: Vec<String>) -> Self {
        match detail.len() {
            0 => Self::new(code, "invalid request"),
            1 => Self::new(code, detail.remove(0)),
            n => Self {
                code,
                message: format!("{n} parameters are invalid: {}", detail.join("; ")),
                detail,
            },
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, message)
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "an unexpected error occurred; it has been logged")
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.status().as_u16(),
            error: self.code.as_str(),
            message: self.message.clone(),
            detail: self.detail.clone(),
        }
    }
}

/// The JSON body of every error.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": 400,
    "error": "invalid_parameter",
    "message": "limit must be an integer between 1 and 100; got 'abc'",
    "detail": ["limit must be an integer between 1 and 100; got 'abc'"]
}))]
pub struct ErrorBody {
    /// The HTTP status, repeated (legacy api-adresse field).
    pub code: u16,
    /// The stable machine-readable error code.
    #[schema(value_type = String, example = "invalid_parameter")]
    pub error: &'static str,
    /// What went wrong and what to do.
    pub message: String,
    /// One line per problem.
    pub detail: Vec<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.code == ErrorCode::Internal {
            tracing::error!(message = %self.message, "internal error");
        }
        (self.code.status(), axum::Json(self.body())).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_map_to_error_statuses() {
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for c in ErrorCode::ALL {
            assert!(c.status().is_client_error() || c.status().is_server_error(), "{c:?}");
        }
    }

    #[test]
    fn many_joins_details() {
        let e = ApiError::many(ErrorCode::InvalidParameter, vec!["a".into(), "b".into()]);
        assert_eq!(e.detail.len(), 2);
        assert!(e.message.starts_with("2 parameters are invalid"));
    }
}
