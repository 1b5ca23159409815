//! `POST /bal/validate`: the BAL validator over HTTP. The body is the CSV file itself; the
//! answer is the same JSON report as `geocommun validate --format json` (the keys and row
//! numbering of the reference harness `validate.mjs`).
//!
//! The COG the validator needs is in the state ([`AppState::set_bal_cog`]): `serve` builds it
//! from the administrative reference it loads for the API Géo routes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use geocommun_bal::{Options, Profile, Validator};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// Largest BAL accepted in one request: 100 MiB (a 500,000-row BAL is about 100 MB).
pub const BAL_MAX_BYTES: usize = 100 * 1024 * 1024;

/// Query parameters of `POST /bal/validate`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BalParams {
    /// Profile (1.1-strict, 1.2-strict, 1.3-strict, 1.3-relax, 1.3, 1.4, 1.5); default:
    /// auto-detected from the header like the reference validator.
    pub profile: Option<String>,
    /// Name reported in the `file` key.
    pub name: Option<String>,
}

/// Validate a BAL file (the request body), finding for finding like @ban-team/validateur-bal 3.5.2.
#[utoipa::path(
    post,
    path = "/bal/validate",
    tag = "bal",
    params(BalParams),
    request_body(content = String, content_type = "text/csv", description = "The BAL CSV file, any encoding the reference accepts"),
    responses(
        (status = 200, description = "The validation report: `parseOk`, `profile`, `valid`, `fields`, `global`, `counts`, `findings` [{row, field, code, severity}]", content_type = "application/json", body = Object),
        (status = 400, description = "Unknown profile, or unreadable body", body = crate::error::ErrorBody),
        (status = 413, description = "Body larger than 100 MiB", body = crate::error::ErrorBody),
        (status = 503, description = "The server was started without the COG (no admin data)", body = crate::error::ErrorBody),
    )
)]
pub async fn validate(
    State(state): State<AppState>,
    Query(params): Query<BalParams>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the BAL is larger than {} MiB: split it by commune", BAL_MAX_BYTES >> 20),
            )
        } else {
            ApiError::new(
                ErrorCode::InvalidBody,
                format!("the body cannot be read: {}", e.body_text()),
            )
        }
    })?;
    let profile = params
        .profile
        .as_deref()
        .map(str::parse::<Profile>)
        .transpose()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let Some(cog) = state.bal_cog() else {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "BAL validation needs the COG, and this server was started without the \
             administrative reference: restart it with --admin-dir pointing at the COG files"
                .to_owned(),
        ));
    };
    let name = params.name.unwrap_or_else(|| "body.csv".to_owned());
    let json = tokio::task::spawn_blocking(move || {
        let report =
            Validator::new(&cog, Options { profile, ..Options::default() }).validate_bytes(&body);
        serde_json::to_value(report.to_json(&name))
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|_| ApiError::internal())?;
    Ok(Json(json))
}
