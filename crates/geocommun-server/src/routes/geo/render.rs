//! Rendering registry records as API Géo JSON objects or GeoJSON features; lists are written
//! as one body, or streamed in chunks when they carry many contours.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use geocommun_admin::contours::{bbox as contour_bbox, interior_point, surface_ha};
use geocommun_admin::{AreaKind, BBox, CommuneKind, Zone};
use geocommun_model::LonLat;
use serde_json::{Map, Value, json};

use super::data::{GeoData, geometry_json};
use super::params::{Common, Format, GeometryKind};

/// Lists with contours longer than this are streamed.
const STREAM_ABOVE: usize = 200;
/// Records per streamed chunk.
const CHUNK: usize = 128;

/// Which kind of record an id designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// Registry index of a current commune or arrondissement municipal.
    Commune,
    /// Registry index of a commune déléguée or associée.
    Deleguee,
    /// Index in [`GeoData::epci_codes`].
    Epci,
    /// Index in [`GeoData::departement_codes`].
    Departement,
    /// Index in [`GeoData::region_codes`].
    Region,
}

/// One result: the id and, with `nom`, its score.
pub type Item = (u32, Option<f64>);

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

fn point_json(p: LonLat) -> Value {
    json!({"type": "Point", "coordinates": [round(p.lon, 6), round(p.lat, 6)]})
}

fn bbox_json(bbox: BBox) -> Value {
    let (west, south) = (round(bbox.min.lon, 6), round(bbox.min.lat, 6));
    let (east, north) = (round(bbox.max.lon, 6), round(bbox.max.lat, 6));
    json!({"type": "Polygon", "coordinates": [[
        [west, south], [east, south], [east, north], [west, north], [west, south]
    ]]})
}

fn zone_str(z: Option<Zone>) -> Value {
    match z {
        Some(Zone::Metro) => json!("metro"),
        Some(Zone::Drom) => json!("drom"),
        Some(Zone::Com) => json!("com"),
        None => Value::Null,
    }
}

fn kind_str(k: CommuneKind) -> &'static str {
    match k {
        CommuneKind::Actuelle => "commune-actuelle",
        CommuneKind::Deleguee => "commune-deleguee",
        CommuneKind::Associee => "commune-associee",
        CommuneKind::ArrondissementMunicipal => "arrondissement-municipal",
    }
}

/// The properties of one record, and its geometries as GeoJSON text (`centre`, `contour`,
/// `bbox`, `mairie`) when asked for.
struct Rendered {
    props: Map<String, Value>,
    geometries: Vec<(&'static str, Option<Arc<str>>)>,
}

fn departement_value(geo: &GeoData, code: &str) -> Value {
    geo.registry.departement(code).map_or(Value::Null, |d| json!({"code": d.code, "nom": d.nom}))
}

fn region_value(geo: &GeoData, code: &str) -> Value {
    geo.registry.region(code).map_or(Value::Null, |r| json!({"code": r.code, "nom": r.nom}))
}

fn commune(geo: &GeoData, id: u32, c: &Common) -> Rendered {
    let Some(com) = geo.registry.commune_at(id as usize) else {
        return Rendered { props: Map::new(), geometries: Vec::new() };
    };
    let mut props = Map::new();
    let mut geometries = Vec::new();
    let contour = if c.wants("contour")
        || c.wants("surface")
        || (com.centre.is_none() && (c.wants("centre") || c.wants("mairie")))
        || (com.bbox.is_none() && c.wants("bbox"))
    {
        let level = if c.wants("contour") { c.simplify } else { 0 };
        geo.commune_contour(id as usize, level)
    } else {
        None
    };
    for &f in &c.fields {
        let v = match f {
            "nom" => json!(com.nom),
            "code" => json!(com.code.as_str()),
            "type" => json!(kind_str(com.kind)),
            "zone" => zone_str(com.zone),
            "codesPostaux" => json!(com.codes_postaux),
            "siren" => json!(com.siren),
            "codeEpci" => json!(com.epci),
            "codeEpt" => json!(com.ept),
            "codeDepartement" => json!(com.departement),
            "codeRegion" => json!(com.region),
            "codeParent" | "chefLieu" => json!(com.parent.map(|p| p.to_string())),
            "population" => {
                if com.population == 0 && com.kind != CommuneKind::Actuelle {
                    Value::Null
                } else {
                    json!(com.population)
                }
            }
            "surface" => contour.as_ref().map_or(Value::Null, |mp| json!(round(surface_ha(mp), 2))),
            "anciensCodes" => {
                json!(com.anciens_codes.iter().map(ToString::to_string).collect::<Vec<_>>())
            }
            "departement" => departement_value(geo, &com.departement),
            "region" => region_value(geo, &com.region),
            "epci" => com.epci.as_deref().and_then(|e| geo.registry.epci(e)).map_or(
                Value::Null,
                |e| json!({"code": e.code, "nom": e.nom, "type": e.kind.as_str()}),
            ),
            "centre" | "mairie" | "bbox" | "contour" => continue,
            _ => Value::Null,
        };
        props.insert(f.to_owned(), v);
    }
    for g in ["centre", "mairie", "bbox", "contour"] {
        if !c.wants(g) {
            continue;
        }
        let text = match g {
            // No town-hall positions are loaded: like API Géo, `mairie` falls back to the centre.
            "centre" | "mairie" => com
                .centre
                .or_else(|| contour.as_ref().and_then(interior_point))
                .map(|p| point_json(p).to_string()),
            "bbox" => com
                .bbox
                .or_else(|| contour.as_ref().and_then(contour_bbox))
                .map(|b| bbox_json(b).to_string()),
            _ => contour.as_ref().map(geometry_json),
        };
        geometries.push((g, text.map(Arc::from)));
    }
    Rendered { props, geometries }
}

fn area(
    geo: &GeoData,
    kind: AreaKind,
    code: &str,
    c: &Common,
    props: Map<String, Value>,
) -> Rendered {
    let mut props = props;
    let mut geometries = Vec::new();
    let needs_full = c.wants("surface") || c.wants("centre") || c.wants("bbox");
    let full =
        if needs_full { geo.contours.as_ref().and_then(|k| k.area(kind, code, 0)) } else { None };
    if c.fields.contains(&"surface") {
        props.insert(
            "surface".to_owned(),
            full.map_or(Value::Null, |mp| json!(round(surface_ha(mp), 2))),
        );
    }
    for g in ["centre", "bbox", "contour"] {
        if !c.wants(g) {
            continue;
        }
        let text = match g {
            "centre" => full.and_then(interior_point).map(|p| Arc::from(point_json(p).to_string())),
            "bbox" => full.and_then(contour_bbox).map(|b| Arc::from(bbox_json(b).to_string())),
            _ => geo.area_geometry(kind, code, c.simplify),
        };
        geometries.push((g, text));
    }
    Rendered { props, geometries }
}

fn render(geo: &GeoData, res: Resource, id: u32, c: &Common) -> Rendered {
    match res {
        Resource::Commune | Resource::Deleguee => commune(geo, id, c),
        Resource::Epci => {
            let Some(e) = geo.epci_codes.get(id as usize).and_then(|code| geo.registry.epci(code))
            else {
                return Rendered { props: Map::new(), geometries: Vec::new() };
            };
            let mut props = Map::new();
            for &f in &c.fields {
                let v = match f {
                    "nom" => json!(e.nom),
                    "code" => json!(e.code),
                    "type" => json!(e.kind.as_str()),
                    "financement" => json!(e.mode_financement),
                    "codesDepartements" => json!(e.departements),
                    "codesRegions" => json!(e.regions),
                    "population" => json!(e.population),
                    _ => continue,
                };
                props.insert(f.to_owned(), v);
            }
            area(geo, AreaKind::Epci, &e.code, c, props)
        }
        Resource::Departement => {
            let Some(d) = geo
                .departement_codes
                .get(id as usize)
                .and_then(|code| geo.registry.departement(code))
            else {
                return Rendered { props: Map::new(), geometries: Vec::new() };
            };
            let mut props = Map::new();
            for &f in &c.fields {
                let v = match f {
                    "nom" => json!(d.nom),
                    "code" => json!(d.code),
                    "codeRegion" => json!(d.region),
                    "zone" => zone_str(d.zone),
                    "chefLieu" => json!(d.chef_lieu.map(|c| c.to_string())),
                    "region" => region_value(geo, &d.region),
                    _ => continue,
                };
                props.insert(f.to_owned(), v);
            }
            area(geo, AreaKind::Departement, &d.code, c, props)
        }
        Resource::Region => {
            let Some(r) =
                geo.region_codes.get(id as usize).and_then(|code| geo.registry.region(code))
            else {
                return Rendered { props: Map::new(), geometries: Vec::new() };
            };
            let mut props = Map::new();
            for &f in &c.fields {
                let v = match f {
                    "nom" => json!(r.nom),
                    "code" => json!(r.code),
                    "zone" => zone_str(r.zone),
                    "chefLieu" => json!(r.chef_lieu.map(|c| c.to_string())),
                    _ => continue,
                };
                props.insert(f.to_owned(), v);
            }
            area(geo, AreaKind::Region, &r.code, c, props)
        }
    }
}

/// Appends one record: a JSON object (`format=json`) or a GeoJSON Feature.
pub fn write_item(out: &mut String, geo: &GeoData, res: Resource, item: Item, c: &Common) {
    let Rendered { mut props, geometries } = render(geo, res, item.0, c);
    if let Some(score) = item.1 {
        props.insert("_score".to_owned(), json!(round(score, 6)));
    }
    let props_text = Value::Object(props).to_string();
    match c.format {
        Format::Json => {
            out.push_str(&props_text[..props_text.len() - 1]);
            let mut first = props_text.len() == 2;
            for (name, text) in &geometries {
                if !c.fields.contains(name) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push('"');
                out.push_str(name);
                out.push_str("\":");
                out.push_str(text.as_deref().unwrap_or("null"));
            }
            out.push('}');
        }
        Format::GeoJson => {
            let geometry = geometries
                .iter()
                .find(|(n, _)| *n == c.geometry.field())
                .and_then(|(_, t)| t.as_deref())
                .unwrap_or("null");
            out.push_str(r#"{"type":"Feature","geometry":"#);
            out.push_str(geometry);
            out.push_str(r#","properties":"#);
            // Other geometries asked for in `fields` stay in the properties.
            let mut props_text = props_text;
            let extra: Vec<String> = geometries
                .iter()
                .filter(|(n, _)| *n != c.geometry.field() && c.fields.contains(n))
                .map(|(n, t)| format!("\"{n}\":{}", t.as_deref().unwrap_or("null")))
                .collect();
            if !extra.is_empty() {
                props_text.pop();
                if props_text.len() > 1 {
                    props_text.push(',');
                }
                props_text.push_str(&extra.join(","));
                props_text.push('}');
            }
            out.push_str(&props_text);
            out.push('}');
        }
    }
}

fn json_response(body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body.into()).into_response()
}

/// One record.
pub fn one(geo: &GeoData, res: Resource, item: Item, c: &Common) -> Response {
    let mut out = String::new();
    write_item(&mut out, geo, res, item, c);
    json_response(out)
}

/// A list: a JSON array, or a FeatureCollection with `format=geojson`. Lists carrying more
/// than [`STREAM_ABOVE`] contours are streamed chunk by chunk.
pub fn list(geo: Arc<GeoData>, res: Resource, items: Vec<Item>, c: Common) -> Response {
    let (open, close) = match c.format {
        Format::Json => ("[", "]"),
        Format::GeoJson => (r#"{"type":"FeatureCollection","features":["#, "]}"),
    };
    let heavy = c.wants("contour")
        && (c.format == Format::Json
            || c.geometry == GeometryKind::Contour
            || c.fields.contains(&"contour"));
    if !heavy || items.len() <= STREAM_ABOVE {
        let mut out = String::with_capacity(64 + items.len() * 160);
        out.push_str(open);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_item(&mut out, &geo, res, *item, &c);
        }
        out.push_str(close);
        return json_response(out);
    }
    let n_chunks = items.len().div_ceil(CHUNK);
    let items = Arc::new(items);
    let chunks = (0..n_chunks).map(move |k| {
        let mut out = String::with_capacity(CHUNK * 4096);
        if k == 0 {
            out.push_str(open);
        }
        let start = k * CHUNK;
        for (i, item) in items[start..(start + CHUNK).min(items.len())].iter().enumerate() {
            if start + i > 0 {
                out.push(',');
            }
            write_item(&mut out, &geo, res, *item, &c);
        }
        if k + 1 == n_chunks {
            out.push_str(close);
        }
        Ok::<_, Infallible>(Bytes::from(out))
    });
    json_response(Body::from_stream(futures::stream::iter(chunks)))
}
