//! The `/reverse/` fallback: when no address, street or lieu-dit lies within the search
//! radius, the commune the point is in, as a `municipality` feature (what api-adresse users
//! asked for, adresse#164).

use geocommun_admin::CommuneKind;
use geocommun_search::{Filters, ResultType};

use crate::dto::{Feature, Point, Properties, round6};
use crate::projection::legal_xy;
use crate::state::AppState;

/// The commune containing `(lon, lat)` as a `municipality` feature, when the administrative
/// reference and its contours are loaded and the filters allow a municipality.
pub fn commune_feature(state: &AppState, lon: f64, lat: f64, filters: &Filters) -> Option<Feature> {
    if !filters.types.is_empty() && !filters.types.contains(&ResultType::Municipality) {
        return None;
    }
    let geo = state.geo()?;
    let idx = geo.contours.as_ref()?.pip().locate(lon, lat)?;
    let c = geo.registry.commune_at(idx)?;
    let code = c.code.to_string();
    let postcode = c.codes_postaux.first().cloned().unwrap_or_default();
    if !filters.citycodes.is_empty() && !filters.citycodes.contains(&code) {
        return None;
    }
    if !filters.postcodes.is_empty()
        && !c.codes_postaux.iter().any(|p| filters.postcodes.contains(p))
    {
        return None;
    }
    let position = c.centre.unwrap_or(geocommun_model::LonLat::new(lon, lat));
    let xy = legal_xy(&code, position.lon, position.lat);
    let distance = position.distance_m(geocommun_model::LonLat::new(lon, lat));
    debug_assert_eq!(c.kind, CommuneKind::Actuelle);
    Some(Feature {
        kind: "Feature",
        geometry: Point {
            kind: "Point",
            coordinates: [round6(position.lon), round6(position.lat)],
        },
        properties: Properties {
            label: c.nom.clone(),
            score: Some(0.0),
            housenumber: None,
            id: code.clone(),
            ban_id: None,
            name: c.nom.clone(),
            postcode,
            citycode: code,
            x: xy.map(|p| p.0),
            y: xy.map(|p| p.1),
            city: c.nom.clone(),
            district: None,
            oldcitycode: None,
            oldcity: None,
            context: geo.registry.context(&c.departement),
            kind: "municipality",
            importance: 0.0,
            street: None,
            population: Some(c.population),
            distance: Some(distance.max(0.0).round() as u64),
            index: "address",
            explain: None,
        },
    })
}
