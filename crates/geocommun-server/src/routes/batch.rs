//! `POST /batch` (addok-server): up to 100 geocode/reverse operations in one JSON request.
//!
//! Each operation answers its best result flattened with `next_score`, `lon`, `lat`
//! (addok-server `lib/batch.js`); an invalid operation gets status `error` with its message
//! and never fails the batch. Only a malformed envelope is a 400.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use geocommun_search::QueryError;
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::dto::{BatchItem, BatchResponse, BatchResult, Properties, round6};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::params::{Defaults, Pairs, pairs_from_json, parse_reverse, parse_search};
use crate::routes::geocode::{reverse_request, search_request};
use crate::state::AppState;

/// Most operations in one batch (addok-server).
pub const BATCH_MAX_OPERATIONS: usize = 100;

/// Defaults of a batch operation (addok-server): two results, for `next_score`, and no
/// autocomplete (an operation may still ask for `autocomplete=1`).
const BATCH_DEFAULTS: Defaults = Defaults { limit: 2, autocomplete: false };

#[derive(Clone, Copy)]
enum Operation {
    Geocode,
    Reverse,
}

/// Geocode or reverse up to 100 queries at once.
#[utoipa::path(
    post,
    path = "/batch",
    tag = "geocoding",
    request_body(content = crate::dto::BatchRequestDoc, content_type = "application/json"),
    responses(
        (status = 200, description = "One result per operation, in order", body = BatchResponse),
        (status = 400, description = "Malformed envelope (not JSON, no `requests` array, over 100 operations, unknown operation, missing params)", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
    )
)]
pub async fn batch(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<BatchResponse>> {
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the batch body is too large ({}): send at most {BATCH_MAX_OPERATIONS} operations", e.body_text()),
            )
        } else {
            ApiError::new(ErrorCode::InvalidBody, format!("the batch body cannot be read: {}", e.body_text()))
        }
    })?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidBody,
            format!("the body must be a JSON object {{\"requests\": [...]}}: {e}"),
        )
    })?;
    let ops = validate(&body)?;
    let results = tokio::task::spawn_blocking(move || {
        ops.into_par_iter()
            .map(|(id, op, params)| {
                // A panic of the engine (a bug) fails this operation only.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run(&state, id.clone(), op, &params)
                }))
                .unwrap_or_else(|_| {
                    tracing::error!("the engine panicked on a batch operation");
                    BatchItem {
                        id,
                        status: "error",
                        result: None,
                        error: Some("internal error".to_owned()),
                    }
                })
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|_| ApiError::internal())?;
    Ok(Json(BatchResponse { results }))
}

type Op = (Option<Value>, Operation, Map<String, Value>);

fn validate(body: &Value) -> ApiResult<Vec<Op>> {
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidParameter, m);
    let Some(obj) = body.as_object() else {
        return Err(invalid("the body must be a JSON object with a `requests` array".to_owned()));
    };
    let Some(requests) = obj.get("requests").and_then(Value::as_array) else {
        return Err(invalid(
            "requests is a required param (array): give {\"requests\": [{\"id\": \"1\", \"operation\": \"geocode\", \"params\": {\"q\": \"...\"}}]}"
                .to_owned(),
        ));
    };
    if requests.len() > BATCH_MAX_OPERATIONS {
        return Err(invalid(format!(
            "requests must not contain more than {BATCH_MAX_OPERATIONS} items; got {}: split the batch",
            requests.len()
        )));
    }
    let global = match obj.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(invalid("params (global) must be an object".to_owned())),
    };
    let mut ops = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let Some(r) = r.as_object() else {
            return Err(invalid(format!(
                "requests[{i}] must be an object {{id, operation, params}}"
            )));
        };
        let op = match r.get("operation").and_then(Value::as_str) {
            Some("geocode") => Operation::Geocode,
            Some("reverse") => Operation::Reverse,
            _ => {
                return Err(invalid(format!(
                    "requests[{i}].operation must be one of geocode or reverse"
                )));
            }
        };
        let Some(params) = r.get("params").and_then(Value::as_object) else {
            return Err(invalid(format!(
                "requests[{i}].params is required (an object of search or reverse parameters)"
            )));
        };
        let mut merged = global.clone();
        for (k, v) in params {
            merged.insert(k.clone(), v.clone());
        }
        // Only the first result is answered, with the second's score: the limit is fixed.
        merged.remove("limit");
        ops.push((r.get("id").cloned(), op, merged));
    }
    Ok(ops)
}

fn run(
    state: &AppState,
    id: Option<Value>,
    op: Operation,
    params: &Map<String, Value>,
) -> BatchItem {
    let error =
        |id, message: String| BatchItem { id, status: "error", result: None, error: Some(message) };
    let pairs: Pairs = match pairs_from_json(params) {
        Ok(p) => p,
        Err(m) => return error(id, m),
    };
    let hits = match op {
        Operation::Geocode => match parse_search(&pairs, BATCH_DEFAULTS) {
            Ok(p) => match state.engine().search(&search_request(&p)) {
                Ok(h) => h,
                Err(QueryError::Empty) => Vec::new(),
                Err(e) => return error(id, e.to_string()),
            },
            Err(e) => return error(id, e.message),
        },
        Operation::Reverse => match parse_reverse(&pairs, BATCH_DEFAULTS) {
            Ok(p) => state.engine().reverse(&reverse_request(&p)),
            Err(e) => return error(id, e.message),
        },
    };
    let next_score = hits.get(1).map(|h| round6(f64::from(h.score)));
    let Some(best) = hits.into_iter().next() else {
        return BatchItem { id, status: "not-found", result: None, error: None };
    };
    let (lon, lat) = (round6(best.position.lon), round6(best.position.lat));
    BatchItem {
        id,
        status: "ok",
        result: Some(BatchResult {
            properties: Properties::from_hit(best, true),
            next_score,
            lon,
            lat,
        }),
        error: None,
    }
}
