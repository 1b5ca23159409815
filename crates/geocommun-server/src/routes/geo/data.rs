//! [`GeoData`]: the administrative registry as the API Géo routes serve it — name indexes,
//! postcode index and the département / région contours serialised once per simplification
//! level, so that `/regions?format=geojson&geometry=contour` copies bytes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use geo::MultiPolygon;
use geocommun_admin::{AdminRegistry, AreaKind, CommuneKind, Contours, NameIndex, SIMPLIFY_LEVELS};
use rayon::prelude::*;

/// The registry, its contours and the indexes the routes need. Immutable once built.
pub struct GeoData {
    pub registry: AdminRegistry,
    pub contours: Option<Contours>,
    /// Over current communes and arrondissements municipaux (ids: registry indexes).
    pub commune_names: NameIndex,
    /// Over communes déléguées and associées (ids: registry indexes).
    pub deleguee_names: NameIndex,
    /// EPCI SIRENs by id, and their names.
    pub epci_codes: Vec<String>,
    pub epci_names: NameIndex,
    pub departement_codes: Vec<String>,
    pub departement_names: NameIndex,
    pub region_codes: Vec<String>,
    pub region_names: NameIndex,
    /// Postcode → registry indexes of the communes (COG `codesPostaux` and La Poste rows), sorted.
    pub by_postcode: HashMap<String, Vec<u32>>,
    /// Ancien code → registry index of the current commune listing it.
    pub by_ancien_code: HashMap<String, u32>,
    /// `(kind, code, level)` → GeoJSON geometry text.
    area_geometry: HashMap<(AreaKind, String, u32), Arc<str>>,
}

impl std::fmt::Debug for GeoData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoData")
            .field("communes", &self.registry.communes().len())
            .field("contours", &self.contours.as_ref().map(Contours::commune_count))
            .finish_non_exhaustive()
    }
}

impl GeoData {
    pub fn new(registry: AdminRegistry, contours: Option<Contours>) -> Self {
        let mut primary = Vec::new();
        let mut deleguees = Vec::new();
        let mut by_postcode: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_ancien_code = HashMap::new();
        for (i, c) in registry.communes().enumerate() {
            let id = i as u32;
            match c.kind {
                CommuneKind::Actuelle | CommuneKind::ArrondissementMunicipal => {
                    primary.push((id, c.nom.as_str()));
                    for cp in &c.codes_postaux {
                        by_postcode.entry(cp.clone()).or_default().push(id);
                    }
                    if c.kind == CommuneKind::Actuelle {
                        for a in &c.anciens_codes {
                            by_ancien_code.entry(a.to_string()).or_insert(id);
                        }
                    }
                }
                CommuneKind::Deleguee | CommuneKind::Associee => {
                    deleguees.push((id, c.nom.as_str()));
                }
            }
        }
        // La Poste's rows too: the COG lists a single postcode for most COM communes (New
        // Caledonia has 17 more pairs in La Poste's file), and rows may name a déléguée.
        for p in registry.postcodes() {
            let idx = registry.commune_index(&p.code_commune).and_then(|i| {
                let c = registry.commune_at(i)?;
                if c.kind.is_primary() { Some(i) } else { registry.commune_index(&c.parent?) }
            });
            if let Some(i) = idx {
                let v = by_postcode.entry(p.code_postal.clone()).or_default();
                if !v.contains(&(i as u32)) {
                    v.push(i as u32);
                }
            }
        }
        for v in by_postcode.values_mut() {
            v.sort_unstable();
        }
        let epci_codes: Vec<String> = registry.epcis().map(|e| e.code.clone()).collect();
        let epci_names =
            NameIndex::new(registry.epcis().enumerate().map(|(i, e)| (i as u32, e.nom.as_str())));
        let departement_codes: Vec<String> =
            registry.departements().map(|d| d.code.clone()).collect();
        let departement_names = NameIndex::new(
            registry.departements().enumerate().map(|(i, d)| (i as u32, d.nom.as_str())),
        );
        let region_codes: Vec<String> = registry.regions().map(|r| r.code.clone()).collect();
        let region_names =
            NameIndex::new(registry.regions().enumerate().map(|(i, r)| (i as u32, r.nom.as_str())));
        let area_geometry = contours.as_ref().map_or_else(HashMap::new, |contours| {
            let mut jobs = Vec::new();
            for &level in &SIMPLIFY_LEVELS {
                jobs.extend(departement_codes.iter().map(|c| (AreaKind::Departement, c, level)));
                jobs.extend(region_codes.iter().map(|c| (AreaKind::Region, c, level)));
            }
            jobs.into_par_iter()
                .filter_map(|(kind, code, level)| {
                    let mp = contours.area(kind, code, level)?;
                    Some(((kind, code.clone(), level), Arc::from(geometry_json(mp))))
                })
                .collect()
        });
        Self {
            commune_names: NameIndex::new(primary),
            deleguee_names: NameIndex::new(deleguees),
            registry,
            contours,
            epci_codes,
            epci_names,
            departement_codes,
            departement_names,
            region_codes,
            region_names,
            by_postcode,
            by_ancien_code,
            area_geometry,
        }
    }

    /// The GeoJSON geometry of a département, région or EPCI contour at a simplification
    /// level: pre-serialised for départements and régions, serialised now for EPCI.
    pub fn area_geometry(&self, kind: AreaKind, code: &str, level: u32) -> Option<Arc<str>> {
        if let Some(s) = self.area_geometry.get(&(kind, code.to_owned(), level)) {
            return Some(Arc::clone(s));
        }
        let mp = self.contours.as_ref()?.area(kind, code, level)?;
        Some(Arc::from(geometry_json(mp)))
    }

    /// The contour of a commune (registry index), simplified to `level` metres.
    pub fn commune_contour(&self, index: usize, level: u32) -> Option<MultiPolygon<f64>> {
        let mp = self.contours.as_ref()?.commune(index)?;
        Some(if level == 0 { mp.clone() } else { geocommun_admin::contours::simplify(mp, level) })
    }
}

/// Six decimals (≈ 0.1 m), the precision of the source files.
fn push_coord(out: &mut String, v: f64) {
    let r = (v * 1e6).round() / 1e6;
    let _ = write!(out, "{r}");
}

/// GeoJSON text of a contour: a `Polygon` when it has one part, else a `MultiPolygon`.
pub fn geometry_json(mp: &MultiPolygon<f64>) -> String {
    let mut out =
        String::with_capacity(64 + mp.0.iter().map(|p| p.exterior().0.len() * 24).sum::<usize>());
    let single = mp.0.len() == 1;
    out.push_str(if single {
        r#"{"type":"Polygon","coordinates":"#
    } else {
        r#"{"type":"MultiPolygon","coordinates":["#
    });
    for (pi, p) in mp.0.iter().enumerate() {
        if pi > 0 {
            out.push(',');
        }
        out.push('[');
        for (ri, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
            if ri > 0 {
                out.push(',');
            }
            out.push('[');
            for (ci, c) in ring.0.iter().enumerate() {
                if ci > 0 {
                    out.push(',');
                }
                out.push('[');
                push_coord(&mut out, c.x);
                out.push(',');
                push_coord(&mut out, c.y);
                out.push(']');
            }
            out.push(']');
        }
        out.push(']');
    }
    out.push_str(if single { "}" } else { "]}" });
    out
}

#[cfg(test)]
mod tests {
    use geo::{LineString, Polygon};

    use super::*;

    #[test]
    fn geometry_text() {
        let square = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.000_000_4, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        );
        let one = MultiPolygon(vec![square.clone()]);
        assert_eq!(
            geometry_json(&one),
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#
        );
        let two = MultiPolygon(vec![square.clone(), square]);
        let v: serde_json::Value = serde_json::from_str(&geometry_json(&two)).unwrap();
        assert_eq!(v["type"], "MultiPolygon");
        assert_eq!(v["coordinates"].as_array().unwrap().len(), 2);
    }
}
