//! The API Géo contract (geo.api.gouv.fr): communes, communes déléguées and associées, EPCI,
//! départements and régions, with filters, `fields`, `format=json|geojson`, `geometry`,
//! `simplify`, `date` and `/communes/{code}/history`. Errors use API Géo's body
//! (`{"code": 404, "message": "Commune non trouvée"}`), see [`params::GeoError`].

pub mod data;
pub mod doc;
pub mod params;
pub mod render;
pub mod reverse;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use geocommun_admin::{CommuneKind, Zone};
use geocommun_model::CodeInsee;
use serde_json::{Value, json};

pub use data::GeoData;
use params::{Common, GeoError, GeoResult, GeometryKind, Spec};
use render::{Item, Resource};

use crate::params::{Pairs, echo};
use crate::state::AppState;

const COMMUNE: Spec = Spec {
    all_fields: &[
        "nom",
        "code",
        "type",
        "zone",
        "codesPostaux",
        "siren",
        "codeEpci",
        "codeEpt",
        "codeDepartement",
        "codeRegion",
        "codeParent",
        "population",
        "surface",
        "centre",
        "mairie",
        "bbox",
        "contour",
        "anciensCodes",
        "departement",
        "region",
        "epci",
    ],
    default_fields: &[
        "nom",
        "code",
        "codeDepartement",
        "siren",
        "codeEpci",
        "codeRegion",
        "codesPostaux",
        "population",
    ],
    geometries: &[
        GeometryKind::Centre,
        GeometryKind::Contour,
        GeometryKind::Bbox,
        GeometryKind::Mairie,
    ],
    default_geometry: GeometryKind::Centre,
};

const DELEGUEE: Spec = Spec {
    all_fields: &[
        "nom",
        "code",
        "type",
        "chefLieu",
        "codeDepartement",
        "codeRegion",
        "departement",
        "region",
    ],
    default_fields: &["nom", "code", "type", "chefLieu", "codeDepartement", "codeRegion"],
    geometries: &[GeometryKind::Centre, GeometryKind::Bbox],
    default_geometry: GeometryKind::Centre,
};

const EPCI: Spec = Spec {
    all_fields: &[
        "nom",
        "code",
        "type",
        "financement",
        "codesDepartements",
        "codesRegions",
        "population",
        "surface",
        "centre",
        "bbox",
        "contour",
    ],
    default_fields: &["nom", "code", "codesDepartements", "codesRegions", "population"],
    geometries: &[GeometryKind::Centre, GeometryKind::Contour, GeometryKind::Bbox],
    default_geometry: GeometryKind::Centre,
};

const DEPARTEMENT: Spec = Spec {
    all_fields: &[
        "nom",
        "code",
        "codeRegion",
        "zone",
        "chefLieu",
        "region",
        "surface",
        "centre",
        "bbox",
        "contour",
    ],
    default_fields: &["nom", "code", "codeRegion"],
    geometries: &[GeometryKind::Contour, GeometryKind::Bbox, GeometryKind::Centre],
    default_geometry: GeometryKind::Contour,
};

const REGION: Spec = Spec {
    all_fields: &["nom", "code", "zone", "chefLieu", "surface", "centre", "bbox", "contour"],
    default_fields: &["nom", "code"],
    geometries: &[GeometryKind::Contour, GeometryKind::Bbox, GeometryKind::Centre],
    default_geometry: GeometryKind::Contour,
};

/// Mounts the API Géo routes (at the root only: they are not geocoding routes).
pub fn mount(router: Router<AppState>) -> Router<AppState> {
    let mut r = router;
    for (path, route) in [
        ("/communes", get(communes)),
        ("/communes/{code}", get(commune)),
        ("/communes/{code}/history", get(commune_history)),
        ("/communes_associees_deleguees", get(deleguees)),
        ("/communes_associees_deleguees/{code}", get(deleguee)),
        ("/epcis", get(epcis)),
        ("/epcis/{code}", get(epci)),
        ("/epcis/{code}/communes", get(epci_communes)),
        ("/departements", get(departements)),
        ("/departements/{code}", get(departement)),
        ("/departements/{code}/communes", get(departement_communes)),
        ("/regions", get(regions)),
        ("/regions/{code}", get(region)),
        ("/regions/{code}/departements", get(region_departements)),
    ] {
        r = r.route(path, route.clone()).route(&format!("{path}/"), route);
    }
    r
}

fn geo(state: &AppState) -> GeoResult<Arc<GeoData>> {
    state.geo().ok_or_else(|| {
        GeoError::unavailable(
            "the administrative reference is not loaded: start the server with --admin-dir",
        )
    })
}

fn pip_commune(geo: &GeoData, (lon, lat): (f64, f64)) -> GeoResult<Option<usize>> {
    let contours = geo.contours.as_ref().ok_or_else(|| {
        GeoError::unavailable("no commune contours are loaded: lat/lon filters are unavailable")
    })?;
    Ok(contours.pip().locate(lon, lat))
}

/// Sorts by score (× `1 + population / 100 000` with `boost=population`), then population,
/// then code; without `nom`, keeps registry (code) order. Applies `limit`.
fn finish(
    geo: &GeoData,
    mut items: Vec<Item>,
    c: &Common,
    population: impl Fn(u32) -> u32,
) -> Vec<Item> {
    if c.nom.is_some() {
        for item in &mut items {
            if let Some(s) = item.1.as_mut()
                && c.boost_population
            {
                *s *= 1.0 + f64::from(population(item.0)) / 100_000.0;
            }
        }
        items.sort_by(|a, b| {
            b.1.unwrap_or(0.0)
                .total_cmp(&a.1.unwrap_or(0.0))
                .then(population(b.0).cmp(&population(a.0)))
                .then(a.0.cmp(&b.0))
        });
    } else {
        items.sort_by_key(|i| i.0);
    }
    let _ = geo;
    if let Some(l) = c.limit {
        items.truncate(l);
    }
    items
}

// ---------------------------------------------------------------------------------------------
// Communes

/// Which communes a `/communes` request selects, before rendering.
fn select_communes(
    geo: &GeoData,
    pairs: &Pairs,
    c: &Common,
    scope: &dyn Fn(&geocommun_admin::Commune) -> bool,
) -> GeoResult<Vec<Item>> {
    let types = params::list(pairs, "type").unwrap_or_else(|| vec!["commune-actuelle".to_owned()]);
    let mut kinds = Vec::new();
    for t in &types {
        kinds.push(match t.as_str() {
            "commune-actuelle" => CommuneKind::Actuelle,
            "arrondissement-municipal" => CommuneKind::ArrondissementMunicipal,
            other => {
                return Err(GeoError::bad(format!(
                    "type must be commune-actuelle and/or arrondissement-municipal; got '{}' \
                     (déléguées and associées are at /communes_associees_deleguees)",
                    echo(other)
                )));
            }
        });
    }
    let zones = match params::list(pairs, "zone") {
        None => None,
        Some(z) => Some(
            z.iter()
                .map(|z| match z.as_str() {
                    "metro" => Ok(Zone::Metro),
                    "drom" => Ok(Zone::Drom),
                    "com" => Ok(Zone::Com),
                    other => Err(GeoError::bad(format!(
                        "zone must be metro, drom and/or com; got '{}'",
                        echo(other)
                    ))),
                })
                .collect::<GeoResult<Vec<_>>>()?,
        ),
    };
    let code = params::one(pairs, "code");
    let code_postal = params::one(pairs, "codePostal");
    let siren = params::one(pairs, "siren");
    let code_epci = params::one(pairs, "codeEpci");
    let code_dep = params::one(pairs, "codeDepartement");
    let code_region = params::one(pairs, "codeRegion");
    let code_parent = params::one(pairs, "codeParent");
    let ancien_code = params::one(pairs, "ancienCode");

    // Candidates: from the most selective filter.
    let mut candidates: Vec<Item> = if let Some(q) = &c.nom {
        geo.commune_names.search(q).into_iter().map(|(id, s)| (id, Some(s))).collect()
    } else if let Some(code) = &code {
        CodeInsee::parse(code)
            .ok()
            .map(|k| {
                geo.registry
                    .commune_records(&k)
                    .filter_map(|r| {
                        geo.registry
                            .commune_index(&r.code)
                            .filter(|_| r.kind.is_primary())
                            .map(|i| (i as u32, None))
                    })
                    .take(1)
                    .collect()
            })
            .unwrap_or_default()
    } else if let Some(cp) = &code_postal {
        geo.by_postcode.get(cp).map(|v| v.iter().map(|&i| (i, None)).collect()).unwrap_or_default()
    } else if let Some(a) = &ancien_code {
        geo.by_ancien_code.get(a).map(|&i| vec![(i, None)]).unwrap_or_default()
    } else if let Some(p) = c.point {
        pip_commune(geo, p)?.map(|i| vec![(i as u32, None)]).unwrap_or_default()
    } else {
        (0..geo.registry.communes().len() as u32).map(|i| (i, None)).collect()
    };
    let point_commune = match (
        c.point,
        c.nom.is_some() || code.is_some() || code_postal.is_some() || ancien_code.is_some(),
    ) {
        (Some(p), true) => Some(pip_commune(geo, p)?),
        _ => None,
    };
    candidates.retain(|&(id, _)| {
        let Some(com) = geo.registry.commune_at(id as usize) else { return false };
        kinds.contains(&com.kind)
            && scope(com)
            && zones.as_ref().is_none_or(|z| com.zone.is_some_and(|cz| z.contains(&cz)))
            && code.as_ref().is_none_or(|k| com.code.as_str() == k)
            && code_postal.as_ref().is_none_or(|cp| {
                geo.by_postcode.get(cp).is_some_and(|v| v.binary_search(&id).is_ok())
            })
            && siren.as_ref().is_none_or(|s| com.siren.as_ref() == Some(s))
            && code_epci
                .as_ref()
                .is_none_or(|e| com.epci.as_ref() == Some(e) || com.ept.as_ref() == Some(e))
            && code_dep.as_ref().is_none_or(|d| &com.departement == d)
            && code_region.as_ref().is_none_or(|r| &com.region == r)
            && code_parent.as_ref().is_none_or(|p| com.parent.is_some_and(|x| x.as_str() == p))
            && ancien_code
                .as_ref()
                .is_none_or(|a| com.anciens_codes.iter().any(|x| x.as_str() == a))
            && point_commune.is_none_or(|pc| pc == Some(id as usize))
    });
    Ok(finish(geo, candidates, c, |id| {
        geo.registry.commune_at(id as usize).map_or(0, |c| c.population)
    }))
}

#[utoipa::path(
    get,
    path = "/communes",
    tag = "api-geo",
    summary = "Communes (current communes by default, or arrondissements municipaux), filtered and ranked by name",
    params(
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::CommuneDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn communes(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &COMMUNE)?;
    if let Some(date) = params::date(&pairs)? {
        return communes_at(&geo, &date, &c);
    }
    let items = select_communes(&geo, &pairs, &c, &|_| true)?;
    Ok(render::list(geo, Resource::Commune, items, c))
}

fn history_bounds(geo: &GeoData, date: &str) -> GeoResult<()> {
    match geo.registry.history_since() {
        Some(since) if date >= since.as_str() => Ok(()),
        Some(since) => Err(GeoError::bad(format!(
            "date: the loaded COG movements describe the communes from {since} on; load older \
             movement files (INSEE v_mvt_commune_YYYY.csv) to go further back"
        ))),
        None => {
            Err(GeoError::bad("date: no COG movements are loaded, only today's communes are known"))
        }
    }
}

/// `/communes?date=`: the current communes of that day. Records unchanged since are served
/// with today's fields; the others with what the movements say (code, name, type).
fn communes_at(geo: &GeoData, date: &str, c: &Common) -> GeoResult<Response> {
    history_bounds(geo, date)?;
    let mut out = Vec::new();
    for h in geo.registry.communes_at(date) {
        if h.kind != geocommun_admin::CogType::Com {
            continue;
        }
        if c.nom.as_ref().is_some_and(|n| {
            geocommun_admin::names::key(n).0 != geocommun_admin::names::key(&h.nom).0
        }) {
            continue;
        }
        let current = h
            .current
            .then(|| geo.registry.commune(&h.code).filter(|r| r.kind == CommuneKind::Actuelle))
            .flatten();
        let dep =
            current.map_or_else(|| h.code.departement().to_owned(), |r| r.departement.clone());
        let mut v = json!({"code": h.code.as_str(), "nom": h.nom, "type": "commune-actuelle", "codeDepartement": dep});
        if let Some(r) = current {
            v["codeRegion"] = json!(r.region);
            v["population"] = json!(r.population);
            v["codesPostaux"] = json!(r.codes_postaux);
            v["siren"] = json!(r.siren);
        } else {
            v["existeAujourdhui"] = json!(false);
        }
        out.push(v);
    }
    if let Some(l) = c.limit {
        out.truncate(l);
    }
    Ok(axum::response::IntoResponse::into_response(Json(Value::Array(out))))
}

#[utoipa::path(
    get,
    path = "/communes/{code}",
    tag = "api-geo",
    summary = "One commune or arrondissement municipal",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = crate::routes::geo::doc::CommuneDoc),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn commune(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &COMMUNE)?;
    let not_found = || GeoError::not_found("Commune non trouvée");
    let k = CodeInsee::parse(&code).map_err(|_| not_found())?;
    if let Some(date) = params::date(&pairs)? {
        history_bounds(&geo, &date)?;
        let h = geo
            .registry
            .communes_at(&date)
            .into_iter()
            .find(|h| h.code == k && h.kind == geocommun_admin::CogType::Com)
            .ok_or_else(not_found)?;
        return Ok(axum::response::IntoResponse::into_response(Json(json!({
            "code": h.code.as_str(), "nom": h.nom, "type": "commune-actuelle", "date": date,
            "identiqueAujourdhui": h.current,
        }))));
    }
    let idx = geo
        .registry
        .commune_index(&k)
        .filter(|&i| geo.registry.commune_at(i).is_some_and(|r| r.kind.is_primary()))
        .ok_or_else(not_found)?;
    Ok(render::one(&geo, Resource::Commune, (idx as u32, None), &c))
}

/// `GET /communes/{code}/history`: what the COG says happened to a code.
#[utoipa::path(
    get,
    path = "/communes/{code}/history",
    tag = "api-geo",
    summary = "What the loaded COG movements say happened to a code: creations, mergers, renamings, and the commune a former code now belongs to",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = Object),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn commune_history(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> GeoResult<Json<Value>> {
    let geo = geo(&state)?;
    let not_found = || GeoError::not_found("Commune non trouvée");
    let k = CodeInsee::parse(&code).map_err(|_| not_found())?;
    let records: Vec<_> = geo.registry.commune_records(&k).collect();
    let movements = geo.registry.history(&k);
    let absorbed_by =
        geo.by_ancien_code.get(k.as_str()).and_then(|&i| geo.registry.commune_at(i as usize));
    if records.is_empty() && movements.is_empty() && absorbed_by.is_none() {
        return Err(not_found());
    }
    let side = |r: &geocommun_admin::CogRecord| json!({"type": r.kind.as_str(), "code": r.code.as_str(), "nom": r.nom});
    Ok(Json(json!({
        "code": k.as_str(),
        "actuellement": records.iter().map(|r| json!({
            "type": render_kind(r.kind), "nom": r.nom,
            "chefLieu": r.parent.map(|p| p.to_string()),
        })).collect::<Vec<_>>(),
        "integreeA": absorbed_by.map(|c| json!({"code": c.code.as_str(), "nom": c.nom})),
        "mouvements": movements.iter().map(|m| json!({
            "date": m.date, "mod": m.mod_code, "libelle": m.label(),
            "avant": side(&m.avant), "apres": side(&m.apres),
        })).collect::<Vec<_>>(),
        "historiqueDepuis": geo.registry.history_since(),
    })))
}

fn render_kind(k: CommuneKind) -> &'static str {
    match k {
        CommuneKind::Actuelle => "commune-actuelle",
        CommuneKind::Deleguee => "commune-deleguee",
        CommuneKind::Associee => "commune-associee",
        CommuneKind::ArrondissementMunicipal => "arrondissement-municipal",
    }
}

// ---------------------------------------------------------------------------------------------
// Communes déléguées and associées

#[utoipa::path(
    get,
    path = "/communes_associees_deleguees",
    tag = "api-geo",
    summary = "Communes déléguées and associées",
    params(
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::DelegueeDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn deleguees(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &DELEGUEE)?;
    let mut kinds = Vec::new();
    for t in params::list(&pairs, "type")
        .unwrap_or_else(|| vec!["commune-deleguee".into(), "commune-associee".into()])
    {
        kinds.push(match t.as_str() {
            "commune-deleguee" => CommuneKind::Deleguee,
            "commune-associee" => CommuneKind::Associee,
            other => {
                return Err(GeoError::bad(format!(
                    "type must be commune-deleguee and/or commune-associee; got '{}'",
                    echo(other)
                )));
            }
        });
    }
    let code = params::one(&pairs, "code");
    let chef_lieu = params::one(&pairs, "chefLieu");
    let code_dep = params::one(&pairs, "codeDepartement");
    let code_region = params::one(&pairs, "codeRegion");
    let mut items: Vec<Item> = match &c.nom {
        Some(q) => geo.deleguee_names.search(q).into_iter().map(|(i, s)| (i, Some(s))).collect(),
        None => (0..geo.registry.communes().len() as u32).map(|i| (i, None)).collect(),
    };
    items.retain(|&(id, _)| {
        geo.registry.commune_at(id as usize).is_some_and(|r| {
            kinds.contains(&r.kind)
                && code.as_ref().is_none_or(|k| r.code.as_str() == k)
                && chef_lieu.as_ref().is_none_or(|p| r.parent.is_some_and(|x| x.as_str() == p))
                && code_dep.as_ref().is_none_or(|d| &r.departement == d)
                && code_region.as_ref().is_none_or(|x| &r.region == x)
        })
    });
    let items = finish(&geo, items, &c, |_| 0);
    Ok(render::list(geo, Resource::Deleguee, items, c))
}

#[utoipa::path(
    get,
    path = "/communes_associees_deleguees/{code}",
    tag = "api-geo",
    summary = "One commune déléguée or associée",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = crate::routes::geo::doc::DelegueeDoc),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn deleguee(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let c = params::common(&Pairs::parse(raw.as_deref()), &DELEGUEE)?;
    let not_found = || GeoError::not_found("Commune associée ou déléguée non trouvée");
    let k = CodeInsee::parse(&code).map_err(|_| not_found())?;
    let idx = geo
        .registry
        .communes()
        .position(|r| {
            r.code == k && matches!(r.kind, CommuneKind::Deleguee | CommuneKind::Associee)
        })
        .ok_or_else(not_found)?;
    Ok(render::one(&geo, Resource::Deleguee, (idx as u32, None), &c))
}

// ---------------------------------------------------------------------------------------------
// EPCI

fn epci_index(geo: &GeoData, code: &str) -> GeoResult<usize> {
    geo.epci_codes
        .binary_search_by(|c| c.as_str().cmp(code))
        .map_err(|_| GeoError::not_found("EPCI non trouvé"))
}

#[utoipa::path(
    get,
    path = "/epcis",
    tag = "api-geo",
    summary = "EPCI à fiscalité propre and établissements publics territoriaux",
    params(
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::EpciDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn epcis(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &EPCI)?;
    let code = params::one(&pairs, "code");
    let code_dep = params::one(&pairs, "codeDepartement");
    let code_region = params::one(&pairs, "codeRegion");
    let point_epci = match c.point {
        Some(p) => Some(
            pip_commune(&geo, p)?
                .and_then(|i| geo.registry.commune_at(i))
                .and_then(|c| c.epci.clone()),
        ),
        None => None,
    };
    let mut items: Vec<Item> = match &c.nom {
        Some(q) => geo.epci_names.search(q).into_iter().map(|(i, s)| (i, Some(s))).collect(),
        None => (0..geo.epci_codes.len() as u32).map(|i| (i, None)).collect(),
    };
    items.retain(|&(id, _)| {
        geo.registry.epci(&geo.epci_codes[id as usize]).is_some_and(|e| {
            code.as_ref().is_none_or(|k| &e.code == k)
                && code_dep.as_ref().is_none_or(|d| e.departements.contains(d))
                && code_region.as_ref().is_none_or(|r| e.regions.contains(r))
                && point_epci.as_ref().is_none_or(|p| p.as_ref() == Some(&e.code))
        })
    });
    let items = finish(&geo, items, &c, |id| {
        geo.registry.epci(&geo.epci_codes[id as usize]).map_or(0, |e| e.population)
    });
    Ok(render::list(geo, Resource::Epci, items, c))
}

#[utoipa::path(
    get,
    path = "/epcis/{code}",
    tag = "api-geo",
    summary = "One EPCI (by SIREN)",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = crate::routes::geo::doc::EpciDoc),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn epci(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let c = params::common(&Pairs::parse(raw.as_deref()), &EPCI)?;
    let idx = epci_index(&geo, &code)?;
    Ok(render::one(&geo, Resource::Epci, (idx as u32, None), &c))
}

#[utoipa::path(
    get,
    path = "/epcis/{code}/communes",
    tag = "api-geo",
    summary = "The member communes of an EPCI",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::CommuneDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn epci_communes(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    epci_index(&geo, &code)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &COMMUNE)?;
    let items = select_communes(&geo, &pairs, &c, &|com| {
        com.epci.as_deref() == Some(code.as_str()) || com.ept.as_deref() == Some(code.as_str())
    })?;
    Ok(render::list(geo, Resource::Commune, items, c))
}

// ---------------------------------------------------------------------------------------------
// Départements and régions

fn zone_filter(pairs: &Pairs) -> GeoResult<Option<Vec<Zone>>> {
    params::list(pairs, "zone")
        .map(|z| {
            z.iter()
                .map(|z| match z.as_str() {
                    "metro" => Ok(Zone::Metro),
                    "drom" => Ok(Zone::Drom),
                    "com" => Ok(Zone::Com),
                    other => Err(GeoError::bad(format!(
                        "zone must be metro, drom and/or com; got '{}'",
                        echo(other)
                    ))),
                })
                .collect()
        })
        .transpose()
}

#[utoipa::path(
    get,
    path = "/departements",
    tag = "api-geo",
    summary = "Départements",
    params(
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::DepartementDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn departements(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &DEPARTEMENT)?;
    let items = select_departements(&geo, &pairs, &c, None)?;
    Ok(render::list(geo, Resource::Departement, items, c))
}

fn select_departements(
    geo: &GeoData,
    pairs: &Pairs,
    c: &Common,
    region: Option<&str>,
) -> GeoResult<Vec<Item>> {
    let code = params::one(pairs, "code");
    let code_region = params::one(pairs, "codeRegion");
    let zones = zone_filter(pairs)?;
    let point_dep = match c.point {
        Some(p) => Some(
            pip_commune(geo, p)?
                .and_then(|i| geo.registry.commune_at(i))
                .map(|c| c.departement.clone()),
        ),
        None => None,
    };
    let mut items: Vec<Item> = match &c.nom {
        Some(q) => geo.departement_names.search(q).into_iter().map(|(i, s)| (i, Some(s))).collect(),
        None => (0..geo.departement_codes.len() as u32).map(|i| (i, None)).collect(),
    };
    items.retain(|&(id, _)| {
        geo.registry.departement(&geo.departement_codes[id as usize]).is_some_and(|d| {
            code.as_ref().is_none_or(|k| &d.code == k)
                && code_region.as_ref().is_none_or(|r| &d.region == r)
                && region.is_none_or(|r| d.region == r)
                && zones.as_ref().is_none_or(|z| d.zone.is_some_and(|dz| z.contains(&dz)))
                && point_dep.as_ref().is_none_or(|p| p.as_ref() == Some(&d.code))
        })
    });
    Ok(finish(geo, items, c, |_| 0))
}

#[utoipa::path(
    get,
    path = "/departements/{code}",
    tag = "api-geo",
    summary = "One département, with its contour derived from its communes",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = crate::routes::geo::doc::DepartementDoc),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn departement(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let c = params::common(&Pairs::parse(raw.as_deref()), &DEPARTEMENT)?;
    let idx = geo
        .departement_codes
        .iter()
        .position(|d| *d == code)
        .ok_or_else(|| GeoError::not_found("Département non trouvé"))?;
    Ok(render::one(&geo, Resource::Departement, (idx as u32, None), &c))
}

#[utoipa::path(
    get,
    path = "/departements/{code}/communes",
    tag = "api-geo",
    summary = "The communes of a département",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::CommuneDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn departement_communes(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    if geo.registry.departement(&code).is_none() {
        return Err(GeoError::not_found("Département non trouvé"));
    }
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &COMMUNE)?;
    let items = select_communes(&geo, &pairs, &c, &|com| com.departement == code)?;
    Ok(render::list(geo, Resource::Commune, items, c))
}

#[utoipa::path(
    get,
    path = "/regions",
    tag = "api-geo",
    summary = "Régions",
    params(
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::RegionDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn regions(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &REGION)?;
    let code = params::one(&pairs, "code");
    let zones = zone_filter(&pairs)?;
    let point_region = match c.point {
        Some(p) => Some(
            pip_commune(&geo, p)?
                .and_then(|i| geo.registry.commune_at(i))
                .map(|c| c.region.clone()),
        ),
        None => None,
    };
    let mut items: Vec<Item> = match &c.nom {
        Some(q) => geo.region_names.search(q).into_iter().map(|(i, s)| (i, Some(s))).collect(),
        None => (0..geo.region_codes.len() as u32).map(|i| (i, None)).collect(),
    };
    items.retain(|&(id, _)| {
        geo.registry.region(&geo.region_codes[id as usize]).is_some_and(|r| {
            code.as_ref().is_none_or(|k| &r.code == k)
                && zones.as_ref().is_none_or(|z| r.zone.is_some_and(|rz| z.contains(&rz)))
                && point_region.as_ref().is_none_or(|p| p.as_ref() == Some(&r.code))
        })
    });
    let items = finish(&geo, items, &c, |_| 0);
    Ok(render::list(geo, Resource::Region, items, c))
}

#[utoipa::path(
    get,
    path = "/regions/{code}",
    tag = "api-geo",
    summary = "One région, with its contour derived from its départements",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = crate::routes::geo::doc::RegionDoc),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn region(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    let c = params::common(&Pairs::parse(raw.as_deref()), &REGION)?;
    let idx = geo
        .region_codes
        .iter()
        .position(|r| *r == code)
        .ok_or_else(|| GeoError::not_found("Région non trouvée"))?;
    Ok(render::one(&geo, Resource::Region, (idx as u32, None), &c))
}

#[utoipa::path(
    get,
    path = "/regions/{code}/departements",
    tag = "api-geo",
    summary = "The départements of a région",
    params(
        ("code" = String, Path, description = "INSEE code, SIREN, département or région code"),
        crate::routes::geo::doc::GeoFilterDoc,
        crate::routes::geo::doc::GeoFormatDoc,
    ),
    responses(
        (status = 200, description = "JSON, or GeoJSON with `format=geojson`", body = [crate::routes::geo::doc::DepartementDoc]),
        (status = 400, description = "A parameter is invalid (API Géo error body)", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 404, description = "Unknown code", body = crate::routes::geo::doc::GeoErrorDoc),
        (status = 503, description = "The administrative reference is not loaded", body = crate::routes::geo::doc::GeoErrorDoc),
    )
)]
pub(crate) async fn region_departements(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> GeoResult<Response> {
    let geo = geo(&state)?;
    if geo.registry.region(&code).is_none() {
        return Err(GeoError::not_found("Région non trouvée"));
    }
    let pairs = Pairs::parse(raw.as_deref());
    let c = params::common(&pairs, &DEPARTEMENT)?;
    let items = select_departements(&geo, &pairs, &c, Some(&code))?;
    Ok(render::list(geo, Resource::Departement, items, c))
}
