//! Query parameters of the API Géo routes, and the error body API Géo answers with
//! (`{"code": 400, "message": "…"}`). Parsing never fails on a malformed query string: every
//! problem becomes a 400 naming the parameter and what to give instead.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use geocommun_admin::SIMPLIFY_LEVELS;
use geocommun_admin::history::is_date;
use serde::Serialize;

use crate::params::{Pairs, echo};

/// Largest `limit` accepted: more than every record of the COG (37,590).
pub const LIMIT_MAX: usize = 50_000;

/// An error of the API Géo routes, in API Géo's own body shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoError {
    pub status: StatusCode,
    pub message: String,
}

#[derive(Serialize)]
struct GeoErrorBody<'a> {
    code: u16,
    message: &'a str,
}

impl GeoError {
    pub fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    pub fn not_found(message: &str) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.to_owned() }
    }

    pub fn unavailable(message: &str) -> Self {
        Self { status: StatusCode::SERVICE_UNAVAILABLE, message: message.to_owned() }
    }
}

impl IntoResponse for GeoError {
    fn into_response(self) -> Response {
        let body = GeoErrorBody { code: self.status.as_u16(), message: &self.message };
        (self.status, axum::Json(body)).into_response()
    }
}

pub type GeoResult<T> = Result<T, GeoError>;

/// `format=json|geojson`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    GeoJson,
}

/// `geometry=centre|contour|bbox|mairie`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeometryKind {
    Centre,
    Contour,
    Bbox,
    Mairie,
}

impl GeometryKind {
    pub fn field(self) -> &'static str {
        match self {
            Self::Centre => "centre",
            Self::Contour => "contour",
            Self::Bbox => "bbox",
            Self::Mairie => "mairie",
        }
    }
}

/// The parameters every list route shares.
#[derive(Clone, Debug)]
pub struct Common {
    pub fields: Vec<&'static str>,
    pub format: Format,
    pub geometry: GeometryKind,
    pub limit: Option<usize>,
    pub simplify: u32,
    pub point: Option<(f64, f64)>,
    pub nom: Option<String>,
    pub boost_population: bool,
}

impl Common {
    pub fn wants(&self, field: &str) -> bool {
        self.fields.contains(&field)
            || (self.format == Format::GeoJson && self.geometry.field() == field)
    }
}

/// What a resource accepts.
pub struct Spec {
    pub all_fields: &'static [&'static str],
    pub default_fields: &'static [&'static str],
    pub geometries: &'static [GeometryKind],
    pub default_geometry: GeometryKind,
}

/// Reads `fields`, `format`, `geometry`, `limit`, `simplify`, `lat`/`lon`, `nom`, `boost`.
pub fn common(pairs: &Pairs, spec: &Spec) -> GeoResult<Common> {
    let mut problems: Vec<String> = Vec::new();
    let fields = match pairs.last(&["fields"]) {
        None => spec.default_fields.to_vec(),
        Some((_, raw)) => {
            let mut out = Vec::new();
            for f in raw.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                match spec.all_fields.iter().find(|a| **a == f) {
                    Some(a) => {
                        if !out.contains(a) {
                            out.push(*a);
                        }
                    }
                    None => problems.push(format!(
                        "fields: unknown field '{}'; accepted: {}",
                        echo(f),
                        spec.all_fields.join(", ")
                    )),
                }
            }
            out
        }
    };
    let format = match pairs.last(&["format"]).map(|(_, v)| v.trim()) {
        None | Some("json") => Format::Json,
        Some("geojson") => Format::GeoJson,
        Some(other) => {
            problems.push(format!("format must be json or geojson; got '{}'", echo(other)));
            Format::Json
        }
    };
    let geometry = match pairs.last(&["geometry"]).map(|(_, v)| v.trim()) {
        None => spec.default_geometry,
        Some(g) => {
            if let Some(k) = spec.geometries.iter().find(|k| k.field() == g) {
                *k
            } else {
                let names: Vec<_> = spec.geometries.iter().map(|k| k.field()).collect();
                problems.push(format!(
                    "geometry must be one of {}; got '{}'",
                    names.join(", "),
                    echo(g)
                ));
                spec.default_geometry
            }
        }
    };
    let limit = match pairs.last(&["limit"]) {
        None => None,
        Some((_, v)) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=LIMIT_MAX).contains(&n) => Some(n),
            _ => {
                problems.push(format!(
                    "limit must be an integer between 1 and {LIMIT_MAX}; got '{}'",
                    echo(v)
                ));
                None
            }
        },
    };
    let simplify = match pairs.last(&["simplify"]) {
        None => 0,
        Some((_, v)) => match v.trim().parse::<u32>() {
            Ok(n) if SIMPLIFY_LEVELS.contains(&n) => n,
            _ => {
                problems.push(format!(
                    "simplify is a tolerance in metres, one of {:?}; got '{}'",
                    SIMPLIFY_LEVELS,
                    echo(v)
                ));
                0
            }
        },
    };
    let point = match (pairs.last(&["lat"]), pairs.last(&["lon"])) {
        (None, None) => None,
        (Some((_, lat)), Some((_, lon))) => {
            match (lat.trim().parse::<f64>(), lon.trim().parse::<f64>()) {
                (Ok(lat), Ok(lon))
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                {
                    Some((lon, lat))
                }
                _ => {
                    problems.push(format!(
                        "lat and lon must be WGS-84 degrees (lat in -90..90, lon in -180..180); got lat='{}', lon='{}'",
                        echo(lat),
                        echo(lon)
                    ));
                    None
                }
            }
        }
        _ => {
            problems.push("lat and lon go together: give both or neither".to_owned());
            None
        }
    };
    let boost_population = match pairs.last(&["boost"]).map(|(_, v)| v.trim()) {
        None => false,
        Some("population") => true,
        Some(other) => {
            problems.push(format!("boost accepts only 'population'; got '{}'", echo(other)));
            false
        }
    };
    let nom = pairs.last(&["nom"]).map(|(_, v)| v.to_owned());
    if nom.as_ref().is_some_and(|n| n.chars().count() > 200) {
        problems.push("nom is longer than 200 characters".to_owned());
    }
    if !problems.is_empty() {
        return Err(GeoError::bad(problems.join("; ")));
    }
    Ok(Common { fields, format, geometry, limit, simplify, point, nom, boost_population })
}

/// A `date=YYYY-MM-DD` parameter.
pub fn date(pairs: &Pairs) -> GeoResult<Option<String>> {
    match pairs.last(&["date"]) {
        None => Ok(None),
        Some((_, v)) if is_date(v.trim()) => Ok(Some(v.trim().to_owned())),
        Some((_, v)) => Err(GeoError::bad(format!("date must be YYYY-MM-DD; got '{}'", echo(v)))),
    }
}

/// Values of a list filter (`type=a,b`): `None` when absent.
pub fn list(pairs: &Pairs, name: &str) -> Option<Vec<String>> {
    let v = pairs.all(name);
    (!v.is_empty()).then_some(v)
}

/// A single-valued filter, trimmed.
pub fn one(pairs: &Pairs, name: &str) -> Option<String> {
    pairs.last(&[name]).map(|(_, v)| v.trim().to_owned())
}
