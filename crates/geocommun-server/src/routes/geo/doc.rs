//! OpenAPI documentation of the API Géo routes: their query parameters and the objects they
//! return. Documentation only: parameters are parsed by hand (`params.rs`) to report every
//! problem in API Géo's error body, and objects are rendered field by field (`render.rs`) as
//! `fields=` asks.
#![allow(dead_code)]

use utoipa::{IntoParams, ToSchema};

/// Filters of the list routes (`/communes`, `/epcis`, `/departements`, `/regions`,
/// `/communes_associees_deleguees` and the nested lists); each route takes those that apply
/// to what it lists.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeoFilterDoc {
    /// Name, insensitive to case, accents, hyphens and apostrophes, typo-tolerant; results are
    /// ranked by similarity.
    #[param(example = "saint-etienne")]
    nom: Option<String>,
    /// `population`: rank name matches by population as well.
    boost: Option<String>,
    /// Exact code (INSEE code, EPCI SIREN, département or région code).
    code: Option<String>,
    /// La Poste postcode (communes).
    #[param(rename = "codePostal")]
    code_postal: Option<String>,
    /// SIREN of the commune (communes).
    siren: Option<String>,
    /// SIREN of the EPCI or EPT (communes).
    #[param(rename = "codeEpci")]
    code_epci: Option<String>,
    /// Département code (communes, EPCI).
    #[param(rename = "codeDepartement")]
    code_departement: Option<String>,
    /// Région code (communes, EPCI, départements).
    #[param(rename = "codeRegion")]
    code_region: Option<String>,
    /// Communes: `commune-actuelle` (default) and/or `arrondissement-municipal`, comma
    /// separated; déléguées: `commune-deleguee` and/or `commune-associee`.
    #[param(rename = "type")]
    kind: Option<String>,
    /// `metro`, `drom` and/or `com`, comma separated.
    zone: Option<String>,
    /// With `lon`: the commune (or département, région) containing this WGS-84 point.
    lat: Option<f64>,
    /// With `lat`.
    lon: Option<f64>,
    /// A former INSEE code: the commune it was merged into (communes).
    #[param(rename = "ancienCode")]
    ancien_code: Option<String>,
    /// `YYYY-MM-DD`: the communes of that day, from the loaded COG movements (communes).
    date: Option<String>,
    /// Maximum number of results (1..=100000).
    limit: Option<u32>,
}

/// How objects are rendered.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeoFormatDoc {
    /// Fields to return, comma separated (`nom,code,population,centre,contour,surface,bbox,
    /// departement,region,epci`…); unknown fields are a 400.
    #[param(example = "nom,code,population,centre")]
    fields: Option<String>,
    /// `json` (default) or `geojson` (a FeatureCollection, or a Feature for one object).
    format: Option<String>,
    /// With `format=geojson`: `centre`, `contour`, `bbox` or `mairie`, as the route allows
    /// (communes default to `centre`, départements and régions to `contour`).
    geometry: Option<String>,
    /// Simplification of contours, in metres: 0 (as computed), 50, 200 or 1000.
    simplify: Option<u32>,
}

/// A commune (current commune or arrondissement municipal); the fields present are those
/// `fields` asks for (default: `nom, code, codeDepartement, siren, codeEpci, codeRegion,
/// codesPostaux, population`).
#[derive(ToSchema)]
#[schema(example = json!({"nom": "Bondy", "code": "93010", "codeDepartement": "93",
    "siren": "219300100", "codeEpci": "200054781", "codeRegion": "11",
    "codesPostaux": ["93140"], "population": 50_595}))]
#[schema(rename_all = "camelCase")]
pub struct CommuneDoc {
    nom: Option<String>,
    code: Option<String>,
    /// `commune-actuelle` or `arrondissement-municipal`.
    #[schema(rename = "type")]
    kind: Option<String>,
    /// `metro`, `drom` or `com`.
    zone: Option<String>,
    codes_postaux: Option<Vec<String>>,
    siren: Option<String>,
    code_epci: Option<String>,
    /// Établissement public territorial (Grand Paris).
    code_ept: Option<String>,
    code_departement: Option<String>,
    code_region: Option<String>,
    /// For an arrondissement municipal, its commune.
    code_parent: Option<String>,
    population: Option<u32>,
    /// Hectares, computed from the contour.
    surface: Option<f64>,
    /// GeoJSON Point.
    #[schema(value_type = Object)]
    centre: Option<serde_json::Value>,
    /// GeoJSON Point of the town hall, when known.
    #[schema(value_type = Object)]
    mairie: Option<serde_json::Value>,
    /// GeoJSON Polygon.
    #[schema(value_type = Object)]
    bbox: Option<serde_json::Value>,
    /// GeoJSON (Multi)Polygon.
    #[schema(value_type = Object)]
    contour: Option<serde_json::Value>,
    /// Codes of the former communes merged into this one.
    anciens_codes: Option<Vec<String>>,
    /// `{code, nom}` of the département, région and EPCI when asked.
    #[schema(value_type = Object)]
    departement: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    region: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    epci: Option<serde_json::Value>,
}

/// A commune déléguée or associée.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DelegueeDoc {
    nom: Option<String>,
    code: Option<String>,
    /// `commune-deleguee` or `commune-associee`.
    #[schema(rename = "type")]
    kind: Option<String>,
    /// The commune it belongs to.
    chef_lieu: Option<String>,
    code_departement: Option<String>,
    code_region: Option<String>,
}

/// An EPCI à fiscalité propre or an établissement public territorial.
#[derive(ToSchema)]
#[schema(example = json!({"nom": "Métropole du Grand Paris", "code": "200054781",
    "codesDepartements": ["75", "91", "92", "93", "94", "95"], "codesRegions": ["11"]}))]
#[schema(rename_all = "camelCase")]
pub struct EpciDoc {
    nom: Option<String>,
    /// SIREN.
    code: Option<String>,
    /// `CC`, `CA`, `CU`, `METRO`, `MET69` or `EPT`.
    #[schema(rename = "type")]
    kind: Option<String>,
    /// `FPU` or `FA`.
    financement: Option<String>,
    codes_departements: Option<Vec<String>>,
    codes_regions: Option<Vec<String>>,
    population: Option<u64>,
    surface: Option<f64>,
    #[schema(value_type = Object)]
    centre: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    bbox: Option<serde_json::Value>,
    /// Union of its communes' contours.
    #[schema(value_type = Object)]
    contour: Option<serde_json::Value>,
}

/// A département.
#[derive(ToSchema)]
#[schema(example = json!({"nom": "Seine-Saint-Denis", "code": "93", "codeRegion": "11"}))]
#[schema(rename_all = "camelCase")]
pub struct DepartementDoc {
    nom: Option<String>,
    code: Option<String>,
    code_region: Option<String>,
    zone: Option<String>,
    /// INSEE code of the prefecture.
    chef_lieu: Option<String>,
    #[schema(value_type = Object)]
    region: Option<serde_json::Value>,
    surface: Option<f64>,
    #[schema(value_type = Object)]
    centre: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    bbox: Option<serde_json::Value>,
    /// Union of its communes' contours.
    #[schema(value_type = Object)]
    contour: Option<serde_json::Value>,
}

/// A région.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct RegionDoc {
    nom: Option<String>,
    code: Option<String>,
    zone: Option<String>,
    chef_lieu: Option<String>,
    surface: Option<f64>,
    #[schema(value_type = Object)]
    centre: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    bbox: Option<serde_json::Value>,
    /// Union of its départements' contours.
    #[schema(value_type = Object)]
    contour: Option<serde_json::Value>,
}

/// API Géo's error body.
#[derive(ToSchema)]
#[schema(example = json!({"code": 404, "message": "Commune non trouvée"}))]
pub struct GeoErrorDoc {
    /// The HTTP status.
    code: u16,
    message: String,
}
