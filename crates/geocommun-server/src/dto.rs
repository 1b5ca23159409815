//! Wire types (DTOs) of the geocoding API, distinct from the engine's domain types: the
//! GeoCodeJSON FeatureCollection of api-adresse, the `/batch` shapes of addok-server, health.

use geocommun_search::{Explain, Hit};
use serde::Serialize;
use utoipa::ToSchema;

use crate::params::FilterEcho;
use crate::projection::legal_xy;

mod geocodejson;

/// Rounds to 6 decimals (about 0.1 m for degrees; what addok prints for scores).
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// A GeoCodeJSON FeatureCollection (api-adresse `/search/` and `/reverse/`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind: &'static str,
    /// Always `draft` (GeoCodeJSON version).
    #[schema(value_type = String, example = "draft")]
    pub version: &'static str,
    pub features: Vec<Feature>,
    /// Always `BAN`.
    #[schema(value_type = String, example = "BAN")]
    pub attribution: &'static str,
    /// Always `ETALAB-2.0`.
    #[schema(value_type = String, example = "ETALAB-2.0")]
    pub licence: &'static str,
    /// The query as given (search only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The filters that were given; several values are joined by `+`.
    pub filters: FiltersDto,
    /// The bias point (search) or the queried point (reverse), `[lon, lat]`, or null.
    pub center: Option<[f64; 2]>,
    pub limit: usize,
}

impl FeatureCollection {
    pub fn new(
        features: Vec<Feature>,
        query: Option<String>,
        filters: FiltersDto,
        center: Option<[f64; 2]>,
        limit: usize,
    ) -> Self {
        Self {
            kind: "FeatureCollection",
            version: "draft",
            features,
            attribution: "BAN",
            licence: "ETALAB-2.0",
            query,
            filters,
            center,
            limit,
        }
    }
}

/// Filters echoed in a response: only those given.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct FiltersDto {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citycode: Option<String>,
}

impl From<&FilterEcho> for FiltersDto {
    fn from(e: &FilterEcho) -> Self {
        Self { kind: e.types.clone(), postcode: e.postcodes.clone(), citycode: e.citycodes.clone() }
    }
}

/// A GeoJSON Feature: one result.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    pub geometry: Point,
    pub properties: Properties,
}

/// A GeoJSON Point in WGS-84.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Point {
    /// Always `Point`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Point")]
    pub kind: &'static str,
    /// `[longitude, latitude]`, 6 decimals.
    pub coordinates: [f64; 2],
}

/// The properties of a result (api-adresse names and order).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Properties {
    /// Full display label, e.g. `8 Boulevard du Port 80000 Amiens`.
    pub label: String,
    /// Relevance, 0..1 (absent from `/lookup`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Number with its suffix (`1bis`, `66A`), for `housenumber` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub housenumber: Option<String>,
    /// `cle_interop` of an address, street identifier, or INSEE code of a municipality.
    pub id: String,
    /// BAN UUID of the address, toponym or district, when known.
    #[serde(rename = "banId", skip_serializing_if = "Option::is_none")]
    pub ban_id: Option<String>,
    /// Number and street, or the street, lieu-dit or commune name.
    pub name: String,
    pub postcode: String,
    /// INSEE code of the commune (of the arrondissement in Paris, Lyon, Marseille).
    pub citycode: String,
    /// Easting in the legal projection of the territory (Lambert-93 in metropolitan France).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    /// Northing in the legal projection of the territory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
    pub city: String,
    /// Arrondissement (Paris, Lyon, Marseille).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// INSEE code of the ancienne commune (merged communes), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldcitycode: Option<String>,
    /// Name of the ancienne commune, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldcity: Option<String>,
    /// `département code, département name, région name`.
    pub context: String,
    /// `housenumber`, `street`, `locality` or `municipality`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "housenumber")]
    pub kind: &'static str,
    /// Technical indicator of importance (population, street size), 0..1.
    pub importance: f64,
    /// Street name, for `housenumber` and `street` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// Population, for `municipality` results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<u32>,
    /// Distance to the given point in metres (reverse, or search with `lat`/`lon`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u64>,
    /// Always `address` (the index the result comes from).
    #[serde(rename = "_type")]
    #[schema(value_type = String, example = "address")]
    pub index: &'static str,
    /// The parts of the score (`explain=1`).
    #[serde(rename = "_explain", skip_serializing_if = "Option::is_none")]
    pub explain: Option<ExplainDto>,
}

/// The parts of a score.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExplainDto {
    /// Weighted share of the query words found in the result, 0..1.
    pub text: f64,
    /// Weighted share of the result's name found in the query, 0..1.
    pub name_coverage: f64,
    pub importance: f64,
    /// Proximity to the bias point, 0..1 (0 without one).
    pub geo: f64,
    /// How well the house number matched (1 exact).
    pub housenumber: f64,
    /// Whether the second pass (typo tolerance on every word) gave this result.
    pub typo_pass: bool,
    /// Each query token and how it matched.
    pub tokens: Vec<ExplainToken>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExplainToken {
    pub token: String,
    /// `exact`, `phonetic`, `prefix`, `typo`, `split`, `housenumber`, or null (not matched).
    #[serde(rename = "match")]
    #[schema(value_type = Option<String>)]
    pub matched: Option<&'static str>,
}

impl From<&Explain> for ExplainDto {
    fn from(e: &Explain) -> Self {
        Self {
            text: round6(f64::from(e.text)),
            name_coverage: round6(f64::from(e.name_coverage)),
            importance: round6(f64::from(e.importance)),
            geo: round6(f64::from(e.geo)),
            housenumber: round6(f64::from(e.housenumber)),
            typo_pass: e.typo_pass,
            tokens: e
                .tokens
                .iter()
                .map(|(t, m)| ExplainToken { token: t.clone(), matched: *m })
                .collect(),
        }
    }
}

impl Properties {
    /// The properties of a result; takes the hit, whose strings it moves.
    pub fn from_hit(h: Hit, with_score: bool) -> Self {
        let xy = legal_xy(&h.citycode, h.position.lon, h.position.lat);
        Self {
            label: h.label,
            score: with_score.then(|| round6(f64::from(h.score))),
            housenumber: h.housenumber,
            id: h.id,
            ban_id: h.ban_id,
            name: h.name,
            postcode: h.postcode,
            citycode: h.citycode,
            x: xy.map(|p| p.0),
            y: xy.map(|p| p.1),
            city: h.city,
            district: h.district,
            oldcitycode: h.oldcitycode,
            oldcity: h.oldcity,
            context: h.context,
            kind: h.result_type.as_str(),
            importance: round6(f64::from(h.importance)),
            street: h.street,
            population: h.population,
            distance: h.distance.map(|d| d.max(0.0).round() as u64),
            index: "address",
            explain: h.explain.as_ref().map(ExplainDto::from),
        }
    }
}

impl FeatureCollection {
    /// The JSON body, serialised into one buffer sized for the features (axum's `Json` starts
    /// at 128 bytes and grows several times for a page of results), by the hot-path writer of
    /// [`geocodejson`]: the same bytes as `serde_json::to_writer`.
    pub fn to_json(&self) -> Result<bytes::Bytes, crate::error::ApiError> {
        let mut buf = Vec::with_capacity(512 + 768 * self.features.len());
        geocodejson::write(self, &mut buf).map_err(|e| {
            tracing::error!(error = %e, "serialising a FeatureCollection");
            crate::error::ApiError::internal()
        })?;
        Ok(buf.into())
    }
}

/// A JSON body already serialised.
pub fn json_response(body: bytes::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

impl Feature {
    pub fn from_hit(h: Hit, with_score: bool) -> Self {
        Self {
            kind: "Feature",
            geometry: Point {
                kind: "Point",
                coordinates: [round6(h.position.lon), round6(h.position.lat)],
            },
            properties: Properties::from_hit(h, with_score),
        }
    }
}

/// `GET /health`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Health {
    /// `HEALTHY`.
    #[schema(value_type = String, example = "HEALTHY")]
    pub status: &'static str,
    pub index: IndexStats,
}

/// Sizes of the served index.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IndexStats {
    pub communes: usize,
    /// Municipalities, streets and lieux-dits.
    pub documents: usize,
    pub housenumbers: usize,
    pub segments: usize,
}

/// `POST /batch` body (addok-server).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "params": {"citycode": "59350"},
    "requests": [
        {"id": "a", "operation": "geocode", "params": {"q": "rue de la paix"}},
        {"id": "b", "operation": "reverse", "params": {"lat": 50.63, "lon": 3.06}}
    ]
}))]
pub struct BatchRequestDoc {
    /// Parameters applied to every operation (an operation's own params take precedence).
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Value>,
    /// At most 100 operations.
    pub requests: Vec<BatchOperationDoc>,
}

/// One operation of a batch.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchOperationDoc {
    /// Any JSON value, echoed in the result.
    #[schema(value_type = Option<String>)]
    pub id: Option<serde_json::Value>,
    /// `geocode` or `reverse`.
    #[schema(example = "geocode")]
    pub operation: String,
    /// The parameters of `GET /search/` (geocode) or `GET /reverse/` (reverse); numbers may
    /// be JSON numbers; filters may be arrays or a `filters` object; `limit` is ignored
    /// (two results are computed, for `next_score`); `autocomplete` defaults to 0.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
}

/// `POST /batch` response.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    pub results: Vec<BatchItem>,
}

/// The result of one operation, in the order of the request.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub id: Option<serde_json::Value>,
    /// `ok`, `not-found` or `error`.
    #[schema(value_type = String, example = "ok")]
    pub status: &'static str,
    /// The best result (status `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<BatchResult>,
    /// What was wrong with this operation (status `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The best result of an operation: its properties, the score of the next one, its position.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchResult {
    #[serde(flatten)]
    pub properties: Properties,
    /// Score of the second result, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_score: Option<f64>,
    pub lon: f64,
    pub lat: f64,
}
