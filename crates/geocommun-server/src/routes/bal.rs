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

/// Most codes explained in one request.
const EXPLAIN_MAX_CODES: usize = 200;

/// Query parameters of `GET /bal/explanations`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExplainParams {
    /// Codes of findings, comma-separated (as in a report's `findings[].code`), at most 200.
    pub codes: String,
    /// `fr` (default) or `en`.
    pub lang: Option<String>,
}

/// What a finding code means and how to fix it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ExplanationDto {
    /// What is wrong.
    pub what: String,
    /// What to do.
    pub fix: String,
}

/// The validator's own explanation of finding codes (what is wrong, what to do), in French
/// or English: the reports give codes, this gives the sentences a person reads (the web
/// editor's validation panel uses it).
#[utoipa::path(
    get,
    path = "/bal/explanations",
    tag = "bal",
    params(ExplainParams),
    responses(
        (status = 200, description = "One explanation per code: {\"numero.trop_grand\": {\"what\": \"…\", \"fix\": \"…\"}}", body = std::collections::BTreeMap<String, ExplanationDto>),
        (status = 400, description = "No code, too many codes, or an unknown language", body = crate::error::ErrorBody),
    )
)]
pub async fn explanations(
    params: Result<Query<ExplainParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<std::collections::BTreeMap<String, ExplanationDto>>, ApiError> {
    let Query(params) = params.map_err(|_| {
        ApiError::invalid(
            "codes: give the codes to explain, e.g. ?codes=numero.trop_grand,voie_nom.trop_court",
        )
    })?;
    let lang = match params.lang.as_deref().map(str::trim) {
        None | Some("" | "fr") => geocommun_bal::Lang::Fr,
        Some("en") => geocommun_bal::Lang::En,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "lang: `{}` is not a language of the explanations; give fr or en",
                crate::params::echo(other)
            )));
        }
    };
    let codes: Vec<&str> =
        params.codes.split(',').map(str::trim).filter(|c| !c.is_empty()).collect();
    if codes.is_empty() {
        return Err(ApiError::invalid(
            "codes: give the codes to explain, e.g. ?codes=numero.trop_grand,voie_nom.trop_court",
        ));
    }
    if codes.len() > EXPLAIN_MAX_CODES {
        return Err(ApiError::invalid(format!(
            "codes: {} codes given, at most {EXPLAIN_MAX_CODES} per request",
            codes.len()
        )));
    }
    if let Some(bad) = codes.iter().find(|c| {
        c.len() > 100 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
    }) {
        return Err(ApiError::invalid(format!(
            "codes: `{}` is not a finding code (letters, digits, `.`, `_`, `-`, `@`)",
            crate::params::echo(bad)
        )));
    }
    Ok(Json(
        codes
            .into_iter()
            .map(|c| {
                let e = geocommun_bal::explain(c, lang);
                (c.to_owned(), ExplanationDto { what: e.what, fix: e.fix })
            })
            .collect(),
    ))
}
