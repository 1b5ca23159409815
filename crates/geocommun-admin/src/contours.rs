//! Commune contours read from GeoJSON, matched to today's COG codes, and the contours derived
//! from them by union: départements, régions, EPCI.
//!
//! The only polygons available offline are france-geojson's (Admin Express **2018**): codes of
//! communes merged since then are resolved through the COG (déléguées and associées point to
//! their commune), the loaded COG movements and the `anciensCodes` of today's communes; the
//! pieces of one commune are united. What cannot be matched is reported in [`ContourReport`].

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use geo::{
    BoundingRect, ChamberlainDuquetteArea, Coord, InteriorPoint, LineString, MultiPolygon, Orient,
    Polygon, Simplify, orient::Direction,
};
use geocommun_model::{CodeInsee, LonLat};
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{AdminError, AdminFile, Result};
use crate::history::CogType;
use crate::pip::PipIndex;
use crate::registry::{AdminRegistry, BBox, CommuneKind, read_bytes};

/// Simplification levels served (tolerance in metres, 0 = the source geometry): each is
/// computed once for départements and régions, so that their contours are served from memory.
pub const SIMPLIFY_LEVELS: [u32; 4] = [0, 50, 200, 1000];

/// Metres per degree of latitude (and of longitude at the equator): converts a tolerance in
/// metres into the degrees Douglas–Peucker works in. Longitude degrees are shorter in France
/// (×0.7), so the tolerance is slightly stricter east–west: fine for a display simplification.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// Holes smaller than this (square degrees, ≈ 0.1 ha) left inside a union are slivers between
/// communes simplified independently, not real enclaves: they are dropped.
const SLIVER_MAX_AREA: f64 = 1e-8;

/// How a feature of the contour files was matched to today's communes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContourReport {
    /// Features read.
    pub features: usize,
    /// Features whose code is a current commune or arrondissement municipal.
    pub direct: usize,
    /// Features whose code is now a commune déléguée or associée: added to their commune.
    pub via_deleguee: usize,
    /// Features matched through the COG movements.
    pub via_movements: usize,
    /// Features matched through the `anciensCodes` of a current commune.
    pub via_anciens_codes: usize,
    /// Features of a former commune split since (rétablissements): the contour covers several
    /// current communes, so none gets it. `(code, name)`.
    pub split: Vec<(String, String)>,
    /// Features whose code matches nothing. `(code, name)`.
    pub unmatched: Vec<(String, String)>,
    /// Current communes (metropole and DROM, arrondissements municipaux aside) left without a
    /// contour, with the commune whose contour holds their centre (typically communes
    /// re-created by a scission after 2018, whose territory is still in the former commune's
    /// contour): `(code, Some(holder))`.
    pub communes_without_contour: Vec<(String, Option<String>)>,
    /// Features without a usable geometry.
    pub empty: usize,
}

/// The contours of communes, départements, régions and EPCI, and the point-in-polygon index.
#[derive(Debug)]
pub struct Contours {
    /// Index in [`AdminRegistry::communes`] → contour.
    communes: HashMap<u32, MultiPolygon<f64>>,
    departements: BTreeMap<String, MultiPolygon<f64>>,
    regions: BTreeMap<String, MultiPolygon<f64>>,
    epcis: BTreeMap<String, MultiPolygon<f64>>,
    /// `(level, kind, code)` → simplified contour, for the levels of [`SIMPLIFY_LEVELS`] > 0.
    simplified: HashMap<(u32, AreaKind, String), MultiPolygon<f64>>,
    pip: PipIndex,
    report: ContourReport,
}

/// The areas whose contours are derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AreaKind {
    Departement,
    Region,
    Epci,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    #[serde(default)]
    properties: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    geometry: Option<Geometry>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Polygon {
        coordinates: Vec<Vec<Position>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<Position>>>,
    },
    #[serde(other)]
    Other,
}

/// A GeoJSON position: `[lon, lat]`, any further value (altitude) ignored.
struct Position(f64, f64);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Position;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a position [lon, lat]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Position, A::Error> {
                let lon: f64 = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::custom("position without longitude"))?;
                let lat: f64 = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::custom("position without latitude"))?;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Position(lon, lat))
            }
        }
        d.deserialize_seq(V)
    }
}

fn ring(points: Vec<Position>) -> LineString<f64> {
    LineString(points.into_iter().map(|Position(x, y)| Coord { x, y }).collect())
}

fn polygon(rings: Vec<Vec<Position>>) -> Option<Polygon<f64>> {
    let mut rings = rings.into_iter().filter(|r| r.len() >= 4);
    let exterior = ring(rings.next()?);
    // Unions need one winding order (exterior counter-clockwise, holes clockwise): GeoJSON
    // files before RFC 7946 do not all follow it.
    Some(Polygon::new(exterior, rings.map(ring).collect()).orient(Direction::Default))
}

/// One feature of a contour file: its code, name and polygons.
struct Piece {
    code: String,
    nom: String,
    polygons: Vec<Polygon<f64>>,
}

/// Reads the features of one GeoJSON FeatureCollection.
fn read_pieces(reader: impl Read) -> Result<Vec<Piece>> {
    let bytes = read_bytes(reader, AdminFile::Contours)?;
    let fc: FeatureCollection = crate::registry::parse_json(&bytes, AdminFile::Contours)?;
    let mut out = Vec::with_capacity(fc.features.len());
    for (index, f) in fc.features.into_iter().enumerate() {
        let prop = |names: &[&str]| {
            names.iter().find_map(|n| f.properties.get(*n)).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let code = prop(&["code", "INSEE_COM", "insee", "code_insee"]).ok_or_else(|| {
            AdminError::InvalidRecord {
                file: AdminFile::Contours,
                index,
                code: String::new(),
                reason: "feature without a `code` (or `INSEE_COM`) property".to_owned(),
            }
        })?;
        let nom = prop(&["nom", "NOM", "NOM_COM", "name"]).unwrap_or_default();
        let polygons = match f.geometry {
            Some(Geometry::Polygon { coordinates }) => polygon(coordinates).into_iter().collect(),
            Some(Geometry::MultiPolygon { coordinates }) => {
                coordinates.into_iter().filter_map(polygon).collect()
            }
            Some(Geometry::Other) | None => Vec::new(),
        };
        out.push(Piece { code, nom, polygons });
    }
    Ok(out)
}

enum Target {
    Commune(u32, Route),
    Split,
    Unmatched,
}

#[derive(Clone, Copy)]
enum Route {
    Direct,
    Deleguee,
    Movements,
    AnciensCodes,
}

impl Contours {
    /// Reads commune contours from GeoJSON FeatureCollections (files are parsed in parallel),
    /// matches them to the registry's communes and derives the other contours.
    pub fn build<R: Read + Send>(registry: &AdminRegistry, files: Vec<R>) -> Result<Self> {
        let pieces: Vec<Piece> = files
            .into_par_iter()
            .map(read_pieces)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        let resolver = Resolver::new(registry);
        let mut report = ContourReport { features: pieces.len(), ..ContourReport::default() };
        let mut by_commune: HashMap<u32, Vec<Polygon<f64>>> = HashMap::new();
        for piece in pieces {
            if piece.polygons.is_empty() {
                report.empty += 1;
                continue;
            }
            match resolver.resolve(&piece.code) {
                Target::Commune(idx, route) => {
                    match route {
                        Route::Direct => report.direct += 1,
                        Route::Deleguee => report.via_deleguee += 1,
                        Route::Movements => report.via_movements += 1,
                        Route::AnciensCodes => report.via_anciens_codes += 1,
                    }
                    by_commune.entry(idx).or_default().extend(piece.polygons);
                }
                Target::Split => report.split.push((piece.code, piece.nom)),
                Target::Unmatched => report.unmatched.push((piece.code, piece.nom)),
            }
        }
        let communes: HashMap<u32, MultiPolygon<f64>> = by_commune
            .into_par_iter()
            .map(|(idx, polygons)| {
                let mp = if polygons.len() == 1 {
                    MultiPolygon(polygons)
                } else {
                    drop_slivers(geo::unary_union(&polygons))
                };
                (idx, mp)
            })
            .collect();
        report.communes_without_contour = registry
            .communes
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                c.kind == CommuneKind::Actuelle
                    && c.zone != Some(crate::Zone::Com)
                    && !communes.contains_key(&(*i as u32))
            })
            .map(|(_, c)| (c.code.to_string(), None))
            .collect();

        let mut by_dep: BTreeMap<&str, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
        let mut by_epci: BTreeMap<&str, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
        for (&idx, mp) in &communes {
            let c = &registry.communes[idx as usize];
            if c.kind != CommuneKind::Actuelle {
                continue;
            }
            by_dep.entry(c.departement.as_str()).or_default().push(mp);
            if let Some(e) = &c.epci {
                by_epci.entry(e.as_str()).or_default().push(mp);
            }
            if let Some(e) = &c.ept {
                by_epci.entry(e.as_str()).or_default().push(mp);
            }
        }
        let departements = union_groups(by_dep);
        let mut by_region: BTreeMap<&str, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
        for (code, mp) in &departements {
            if let Some(d) = registry.departement(code) {
                by_region.entry(d.region.as_str()).or_default().push(mp);
            }
        }
        let regions = union_groups(by_region);
        let epcis = union_groups(by_epci);

        let mut jobs: Vec<(u32, AreaKind, &String, &MultiPolygon<f64>)> = Vec::new();
        for &level in SIMPLIFY_LEVELS.iter().filter(|&&l| l > 0) {
            jobs.extend(departements.iter().map(|(c, m)| (level, AreaKind::Departement, c, m)));
            jobs.extend(regions.iter().map(|(c, m)| (level, AreaKind::Region, c, m)));
            jobs.extend(epcis.iter().map(|(c, m)| (level, AreaKind::Epci, c, m)));
        }
        let simplified = jobs
            .into_par_iter()
            .map(|(level, kind, code, mp)| ((level, kind, code.clone()), simplify(mp, level)))
            .collect();
        let mut pip = PipIndex::new(communes.iter().map(|(&i, mp)| (i, mp)));
        for (code, holder) in &mut report.communes_without_contour {
            let centre = CodeInsee::parse(code)
                .ok()
                .and_then(|c| registry.commune(&c))
                .and_then(|c| c.centre);
            *holder = centre
                .and_then(|p| pip.locate(p.lon, p.lat))
                .map(|i| registry.communes[i].code.to_string());
        }
        // Current communes left without a contour (COM included) answer point-in-polygon
        // through their reference bounding box, where the registry has one.
        pip = pip.with_fallback(registry.communes.iter().enumerate().filter_map(|(i, c)| {
            let (bbox, centre) = (c.bbox?, c.centre?);
            (c.kind == CommuneKind::Actuelle && !communes.contains_key(&(i as u32))).then_some((
                i as u32,
                [bbox.min.lon, bbox.min.lat, bbox.max.lon, bbox.max.lat],
                [centre.lon, centre.lat],
            ))
        }));
        Ok(Self { communes, departements, regions, epcis, simplified, pip, report })
    }

    /// The contour of the commune at this index of [`AdminRegistry::communes`].
    pub fn commune(&self, index: usize) -> Option<&MultiPolygon<f64>> {
        self.communes.get(&(index as u32))
    }

    /// The contour of a département, région or EPCI, simplified to `level` metres (one of
    /// [`SIMPLIFY_LEVELS`]; 0 = the union as computed).
    pub fn area(&self, kind: AreaKind, code: &str, level: u32) -> Option<&MultiPolygon<f64>> {
        if level > 0 {
            return self.simplified.get(&(level, kind, code.to_owned()));
        }
        match kind {
            AreaKind::Departement => self.departements.get(code),
            AreaKind::Region => self.regions.get(code),
            AreaKind::Epci => self.epcis.get(code),
        }
    }

    /// The point-in-polygon index over the commune contours.
    pub fn pip(&self) -> &PipIndex {
        &self.pip
    }

    pub fn report(&self) -> &ContourReport {
        &self.report
    }

    /// Number of communes with a contour.
    pub fn commune_count(&self) -> usize {
        self.communes.len()
    }
}

/// Douglas–Peucker simplification to `metres` (0 = unchanged); rings that collapse are dropped.
pub fn simplify(mp: &MultiPolygon<f64>, metres: u32) -> MultiPolygon<f64> {
    if metres == 0 {
        return mp.clone();
    }
    let eps = f64::from(metres) / METRES_PER_DEGREE;
    let s = mp.simplify(eps);
    MultiPolygon(
        s.0.into_iter()
            .filter(|p| p.exterior().0.len() >= 4)
            .map(|p| {
                let (ext, holes) = p.into_inner();
                Polygon::new(ext, holes.into_iter().filter(|h| h.0.len() >= 4).collect())
            })
            .collect(),
    )
}

/// Surface in hectares (Chamberlain–Duquette area on the sphere).
pub fn surface_ha(mp: &MultiPolygon<f64>) -> f64 {
    mp.chamberlain_duquette_unsigned_area() / 10_000.0
}

/// A point inside the contour (for communes without a reference centre).
pub fn interior_point(mp: &MultiPolygon<f64>) -> Option<LonLat> {
    mp.interior_point().map(|p| LonLat::new(p.x(), p.y()))
}

/// The bounding box of a contour.
pub fn bbox(mp: &MultiPolygon<f64>) -> Option<BBox> {
    mp.bounding_rect().map(|r| BBox {
        min: LonLat::new(r.min().x, r.min().y),
        max: LonLat::new(r.max().x, r.max().y),
    })
}

fn union_groups(
    groups: BTreeMap<&str, Vec<&MultiPolygon<f64>>>,
) -> BTreeMap<String, MultiPolygon<f64>> {
    groups
        .into_par_iter()
        .map(|(code, parts)| {
            let polygons: Vec<&Polygon<f64>> = parts.iter().flat_map(|mp| mp.0.iter()).collect();
            (code.to_owned(), drop_slivers(geo::unary_union(polygons)))
        })
        .collect()
}

fn drop_slivers(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::Area;
    MultiPolygon(
        mp.0.into_iter()
            .filter(|p| p.unsigned_area() > SLIVER_MAX_AREA)
            .map(|p| {
                let (ext, holes) = p.into_inner();
                let holes = holes
                    .into_iter()
                    .filter(|h| Polygon::new(h.clone(), vec![]).unsigned_area() > SLIVER_MAX_AREA)
                    .collect();
                Polygon::new(ext, holes)
            })
            .collect(),
    )
}

/// Maps a code of the contour files to today's commune.
struct Resolver<'a> {
    registry: &'a AdminRegistry,
    /// Former code → current communes it became (through `COM` → `COM` movements).
    successors: HashMap<CodeInsee, Vec<CodeInsee>>,
    /// Ancien code → current commune listing it.
    anciens: HashMap<CodeInsee, u32>,
}

impl<'a> Resolver<'a> {
    fn new(registry: &'a AdminRegistry) -> Self {
        let mut successors: HashMap<CodeInsee, Vec<CodeInsee>> = HashMap::new();
        for m in registry.movements() {
            if m.avant.kind == CogType::Com && m.apres.kind == CogType::Com {
                let s = successors.entry(m.avant.code).or_default();
                if !s.contains(&m.apres.code) {
                    s.push(m.apres.code);
                }
            }
        }
        let mut anciens = HashMap::new();
        for (i, c) in registry.communes.iter().enumerate() {
            if c.kind == CommuneKind::Actuelle {
                for a in &c.anciens_codes {
                    anciens.entry(*a).or_insert(i as u32);
                }
            }
        }
        Self { registry, successors, anciens }
    }

    fn resolve(&self, code: &str) -> Target {
        let Ok(code) = CodeInsee::parse(code) else {
            return Target::Unmatched;
        };
        // A former commune split since (several successors): its contour is not any one's.
        if self.successors.get(&code).is_some_and(|s| s.len() > 1) {
            return Target::Split;
        }
        if let Some(idx) = self.registry.commune_index(&code) {
            let c = &self.registry.communes[idx];
            if c.kind.is_primary() {
                return Target::Commune(idx as u32, Route::Direct);
            }
            if let Some(parent) = c.parent.and_then(|p| self.registry.commune_index(&p)) {
                return Target::Commune(parent as u32, Route::Deleguee);
            }
        }
        let mut current = code;
        for _ in 0..8 {
            match self.successors.get(&current).map(Vec::as_slice) {
                Some([next]) if *next != current => current = *next,
                _ => break,
            }
        }
        if current != code
            && let Some(idx) = self.registry.commune_index(&current)
            && self.registry.communes[idx].kind.is_primary()
        {
            return Target::Commune(idx as u32, Route::Movements);
        }
        if let Some(&idx) = self.anciens.get(&code) {
            return Target::Commune(idx, Route::AnciensCodes);
        }
        Target::Unmatched
    }
}
