//! `GET /health`, `GET /metrics`, `GET /openapi.json`, and the JSON answers for unknown
//! routes, wrong methods, timeouts and panics.

use std::any::Any;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::dto::{Health, IndexStats};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Liveness and index sizes.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses((status = 200, description = "The server answers, with the sizes of its index", body = Health))
)]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let s = state.engine().stats();
    Json(Health {
        status: "HEALTHY",
        index: IndexStats {
            communes: s.communes,
            documents: s.documents,
            housenumbers: s.housenumbers,
            segments: s.segments,
        },
    })
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics().render(&state.engine().stats());
    let mut res = text.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3 document of this API", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    match crate::openapi::openapi().to_json() {
        Ok(s) => {
            let mut res = s.into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res
        }
        Err(_) => ApiError::internal().into_response(),
    }
}

/// Unknown paths: the JSON error, or, for a browser navigating (`Accept: text/html`, GET), the
/// UI's own "page not found" with the same 404 status.
pub async fn not_found(req: Request) -> Response {
    if req.method() == axum::http::Method::GET && crate::ui::wants_html(req.headers()) {
        return crate::ui::page(req.headers(), axum::http::StatusCode::NOT_FOUND);
    }
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "no route {}: see /openapi.json for the routes of this API",
            crate::params::echo(req.uri().path())
        ),
    )
    .into_response()
}

pub async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} is not allowed on {}: see /openapi.json",
            req.method(),
            crate::params::echo(req.uri().path())
        ),
    )
}

/// Middleware: answers 503 with the JSON body when a request takes longer than the timeout.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config().request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::new(
            ErrorCode::Timeout,
            format!(
                "the request took longer than {} ms; try again or simplify it",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

/// For the catch-panic layer: a 500 with the JSON body (the panic message is logged only).
#[allow(clippy::needless_pass_by_value)] // the signature tower-http asks for
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = msg, "handler panicked");
    ApiError::internal().into_response()
}
