//! `GET /search/`, `GET /reverse/`, `GET /lookup/{id}`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use geocommun_search::{Engine, QueryError, ReverseRequest, SearchRequest};

use crate::answers::Route;
use crate::dto::{Feature, FeatureCollection, FiltersDto, json_response};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::params::{
    Defaults, Pairs, ReverseParams, SearchParams, echo, parse_reverse, parse_search,
};
use crate::state::AppState;

/// Free-text geocoding.
#[utoipa::path(
    get,
    path = "/search/",
    tag = "geocoding",
    params(SearchQueryDoc),
    responses(
        (status = 200, description = "GeoCodeJSON FeatureCollection, best first", body = FeatureCollection),
        (status = 400, description = "A parameter is missing or invalid", body = crate::error::ErrorBody),
        (status = 413, description = "`q` is longer than 200 characters", body = crate::error::ErrorBody),
    )
)]
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    answered(&state, Route::Search, raw.as_deref(), |engine, raw| {
        let params = parse_search(&Pairs::parse(raw), Defaults::SEARCH)?;
        search_with(engine, &params)
    })
}

/// The answer of the engine now to a raw query string: from the answers cache, or made by
/// `make` and kept there.
fn answered(
    state: &AppState,
    route: Route,
    raw: Option<&str>,
    make: impl FnOnce(&Engine, Option<&str>) -> ApiResult<FeatureCollection>,
) -> ApiResult<Response> {
    let engine = state.engine();
    let answers = state.answers();
    let key = raw.unwrap_or("");
    // A reverse search far from every address answers with the commune from the admin
    // reference, which may be loaded after start-up: its answers are kept once it is there.
    let keep = answers.enabled() && (route == Route::Search || state.geo().is_some());
    if !keep {
        return Ok(json_response(make(&engine, raw)?.to_json()?));
    }
    if let Some(body) = answers.get(engine.generation(), route, key) {
        state.metrics().answers_cache(true);
        return Ok(json_response(body));
    }
    let body = make(&engine, raw)?.to_json()?;
    state.metrics().answers_cache(false);
    answers.insert(engine.generation(), route, key, &body);
    Ok(json_response(body))
}

pub fn search_request(p: &SearchParams) -> SearchRequest {
    SearchRequest {
        q: p.q.clone(),
        limit: p.limit,
        autocomplete: p.autocomplete,
        center: p.center,
        filters: p.filters.clone(),
        explain: p.explain,
    }
}

/// Runs a validated search into a FeatureCollection.
pub fn run_search(state: &AppState, p: &SearchParams) -> ApiResult<FeatureCollection> {
    search_with(&state.engine(), p)
}

/// [`run_search`] on a given engine.
fn search_with(engine: &Engine, p: &SearchParams) -> ApiResult<FeatureCollection> {
    let hits = match engine.search(&search_request(p)) {
        Ok(hits) => hits,
        // Nothing searchable in `q` (only punctuation, say): no result, not an error.
        Err(QueryError::Empty) => Vec::new(),
        Err(e @ QueryError::TooLong(_)) => {
            return Err(ApiError::new(ErrorCode::QueryTooLong, e.to_string()));
        }
    };
    Ok(FeatureCollection::new(
        hits.into_iter().map(|h| Feature::from_hit(h, true)).collect(),
        Some(p.q.clone()),
        FiltersDto::from(&p.echo),
        p.center.map(|c| [c.lon, c.lat]),
        p.limit,
    ))
}

/// Reverse geocoding: the nearest addresses (or streets, lieux-dits, communes with `type`).
#[utoipa::path(
    get,
    path = "/reverse/",
    tag = "geocoding",
    params(ReverseQueryDoc),
    responses(
        (status = 200, description = "GeoCodeJSON FeatureCollection, nearest first, with `distance`", body = FeatureCollection),
        (status = 400, description = "A parameter is missing or invalid", body = crate::error::ErrorBody),
    )
)]
pub async fn reverse(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    answered(&state, Route::Reverse, raw.as_deref(), |engine, raw| {
        let params = parse_reverse(&Pairs::parse(raw), Defaults::REVERSE)?;
        Ok(reverse_with(&state, engine, &params))
    })
}

pub fn reverse_request(p: &ReverseParams) -> ReverseRequest {
    ReverseRequest { point: p.point, limit: p.limit, filters: p.filters.clone() }
}

pub fn run_reverse(state: &AppState, p: &ReverseParams) -> FeatureCollection {
    reverse_with(state, &state.engine(), p)
}

/// [`run_reverse`] on a given engine.
fn reverse_with(state: &AppState, engine: &Engine, p: &ReverseParams) -> FeatureCollection {
    let hits = engine.reverse(&reverse_request(p));
    let mut features: Vec<Feature> = hits.into_iter().map(|h| Feature::from_hit(h, true)).collect();
    // Nothing within the radius: the commune the point is in (admin point-in-polygon).
    if features.is_empty() {
        features.extend(crate::routes::geo::reverse::commune_feature(
            state,
            p.point.lon,
            p.point.lat,
            &p.filters,
        ));
    }
    FeatureCollection::new(
        features,
        None,
        FiltersDto::from(&p.echo),
        Some([p.point.lon, p.point.lat]),
        p.limit,
    )
}

/// One commune (INSEE code), street or lieu-dit (identifier), address (`cle_interop`) or
/// BAN object (UUID).
#[utoipa::path(
    get,
    path = "/lookup/{id}",
    tag = "geocoding",
    params(
        ("id" = String, Path, description = "INSEE code, street id, cle_interop or BAN UUID", example = "75101_cfq3tf_00001"),
        ("date" = Option<String>, Query, description = "YYYY-MM-DD: the published version of that day instead (the answer of /lookup/{id}/history?date=)"),
    ),
    responses(
        (status = 200, description = "The object as a GeoJSON Feature (no score); with `date`, its version of that day", body = Feature),
        (status = 404, description = "Unknown identifier", body = crate::error::ErrorBody),
    )
)]
pub async fn lookup(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => {
            return ApiError::invalid(format!("the identifier in the path is invalid: {e}"))
                .into_response();
        }
    };
    let dated =
        form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()).any(|(k, _)| k == "date");
    if dated {
        return crate::routes::feed::history(State(state), Path(id), RawQuery(raw))
            .await
            .into_response();
    }
    lookup_now(&state, &id).into_response()
}

fn lookup_now(state: &AppState, id: &str) -> ApiResult<Json<Feature>> {
    let id = id.to_owned();
    match state.engine().lookup(&id) {
        Some(hit) => Ok(Json(Feature::from_hit(hit, false))),
        None => Err(ApiError::new(
            ErrorCode::NotFound,
            format!(
                "no commune, street, lieu-dit or address has the identifier '{}': give an INSEE code (75056), \
                 a street id, a cle_interop (75101_cfq3tf_00001) or a BAN UUID",
                echo(&id)
            ),
        )),
    }
}

/// Query parameters of `/search/` (documentation only: parsing is done by hand, to report
/// every problem at once and never fail on a malformed query string).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQueryDoc {
    /// Text to search (required, at most 200 characters).
    #[param(example = "8 bd du port amiens")]
    q: String,
    /// Number of results, 1..100 (default 5).
    limit: Option<u32>,
    /// Complete the last word as a prefix: 1 (default) or 0 (also true/false).
    autocomplete: Option<String>,
    /// Latitude of a bias point (also `latitude`); with `lon`.
    lat: Option<f64>,
    /// Longitude of a bias point (also `lng`, `long`, `longitude`); with `lat`.
    lon: Option<f64>,
    /// Result types: housenumber, street, locality, municipality; several separated by `,`
    /// or `+`, or repeated.
    #[param(rename = "type")]
    kind: Option<String>,
    /// Postcode filter (5 digits); up to 10 values.
    postcode: Option<String>,
    /// INSEE code filter (arrondissement codes and anciennes communes included); up to 10.
    citycode: Option<String>,
    /// 1 adds `_explain` (the parts of the score) to each result.
    explain: Option<String>,
    /// Géoplateforme index: only `address` is served.
    index: Option<String>,
}

/// Query parameters of `/reverse/` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReverseQueryDoc {
    /// Latitude (required; also `latitude`).
    lat: f64,
    /// Longitude (required; also `lng`, `long`, `longitude`).
    lon: f64,
    /// Number of results, 1..100 (default 1).
    limit: Option<u32>,
    /// Result types (see `/search/`).
    #[param(rename = "type")]
    kind: Option<String>,
    /// Postcode filter; up to 10 values.
    postcode: Option<String>,
    /// INSEE code filter; up to 10 values.
    citycode: Option<String>,
    /// Géoplateforme index: only `address` is served.
    index: Option<String>,
}
