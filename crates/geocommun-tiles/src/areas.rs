//! The contour layers (`communes`, `departements`) and their label points
//! (`communes_etiquettes`, `departements_etiquettes`).
//!
//! Contours come from the administrative registry (`geocommun_admin::Contours`: the commune
//! contours of france-geojson matched to today's codes, and the départements as their union).
//! Each contour is projected once to world units and simplified once per zoom up to
//! [`SIMPLIFY_MAX_ZOOM`] (geo's Douglas–Peucker, half a pixel of tolerance), so a tile only
//! projects, clips and encodes. A packed R-tree over the contours' boxes finds those a tile
//! touches; a KD-tree holds the label points.

use std::sync::Arc;

use geo::{InteriorPoint, MapCoords, MultiPolygon, Simplify};
use geo_index::kdtree::{KDTree, KDTreeBuilder, KDTreeIndex};
use geo_index::rtree::sort::HilbertSort;
use geo_index::rtree::{RTree, RTreeBuilder, RTreeIndex};
use geocommun_admin::{AdminRegistry, AreaKind, Contours};
use rayon::prelude::*;

use crate::limits::{
    BUFFER, COMMUNE_MIN_ZOOM, DEPARTEMENT_MIN_ZOOM, SIMPLIFY_MAX_ZOOM, SIMPLIFY_TOLERANCE,
};
use crate::mvt::{LayerBuilder, PolygonWriter, Prop, in_buffer, point};
use crate::tile::{
    TileId, WorldPoint, world_tolerance, world_x, world_x_f64, world_y, world_y_f64,
};

/// Keys of the `communes` and `departements` layers.
pub const AREA_KEYS: &[&str] = &["code", "nom"];
/// Keys of the label layers.
pub const LABEL_KEYS: &[&str] = &["code", "nom", "population"];

/// A ring in world units, open (the closing point is implied), with its box.
#[derive(Debug)]
struct Ring {
    bbox: [u32; 4],
    points: Vec<WorldPoint>,
}

/// A polygon: its exterior ring, then its holes.
#[derive(Debug)]
struct Polygon {
    rings: Vec<Ring>,
}

#[derive(Debug, Default)]
struct Shape {
    polygons: Vec<Polygon>,
    vertices: usize,
}

/// One commune or département.
#[derive(Debug)]
struct Area {
    code: Box<str>,
    nom: Box<str>,
    population: Option<u32>,
    /// `levels[i]`: the shape simplified for zoom `min_zoom + i` up to [`SIMPLIFY_MAX_ZOOM`];
    /// the last one is the contour as read. Levels equal to the next finer one share it.
    levels: Vec<Arc<Shape>>,
    label: Option<WorldPoint>,
}

/// One contour layer and its labels.
#[derive(Debug)]
struct AreaLayer {
    min_zoom: u8,
    areas: Vec<Area>,
    /// Over the boxes of the contours (item = index in `areas`). In f64: geo-index's packing
    /// sums coordinates, which would overflow u32 world units.
    tree: Option<RTree<f64>>,
    /// Over the label points (item = index in `labelled`).
    labels: Option<(KDTree<u32>, Vec<u32>)>,
}

/// The contour layers, built once from the administrative reference.
#[derive(Debug)]
pub struct Areas {
    communes: AreaLayer,
    departements: AreaLayer,
}

/// Summary of what an [`Areas`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaStats {
    pub communes: usize,
    pub departements: usize,
    /// Vertices kept over every simplification level (shared levels counted once).
    pub vertices: usize,
}

fn to_shape(mp: &MultiPolygon<f64>) -> Shape {
    let ring = |ls: &geo::LineString<f64>| -> Option<Ring> {
        let mut points: Vec<WorldPoint> =
            ls.0.iter()
                .map(|c| {
                    let clamp = |v: f64| v.round().clamp(0.0, f64::from(u32::MAX)) as u32;
                    [clamp(c.x), clamp(c.y)]
                })
                .collect();
        points.dedup();
        while points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if points.len() < 3 {
            return None;
        }
        let mut bbox = [u32::MAX, u32::MAX, 0, 0];
        for p in &points {
            bbox = [bbox[0].min(p[0]), bbox[1].min(p[1]), bbox[2].max(p[0]), bbox[3].max(p[1])];
        }
        Some(Ring { bbox, points })
    };
    let mut shape = Shape::default();
    for p in &mp.0 {
        let Some(exterior) = ring(p.exterior()) else { continue };
        let mut rings = vec![exterior];
        rings.extend(p.interiors().iter().filter_map(ring));
        shape.vertices += rings.iter().map(|r| r.points.len()).sum::<usize>();
        shape.polygons.push(Polygon { rings });
    }
    shape
}

/// The levels of one contour, from `min_zoom` to [`SIMPLIFY_MAX_ZOOM`], then as read.
fn levels(contour: &MultiPolygon<f64>, min_zoom: u8) -> Vec<Arc<Shape>> {
    let world = contour.map_coords(|c| geo::Coord { x: world_x_f64(c.x), y: world_y_f64(c.y) });
    let full = Arc::new(to_shape(&world));
    let mut out = vec![Arc::clone(&full)];
    let (mut prev_geom, mut prev_shape) = (world, full);
    for z in (min_zoom..=SIMPLIFY_MAX_ZOOM).rev() {
        // Simplifying the previous (finer) level: each step removes what its own tolerance
        // allows, and the tolerances halve from one zoom to the next.
        let geom = prev_geom.simplify(world_tolerance(z, SIMPLIFY_TOLERANCE));
        let shape = to_shape(&geom);
        let shape = if shape.vertices == prev_shape.vertices {
            Arc::clone(&prev_shape)
        } else {
            Arc::new(shape)
        };
        out.push(Arc::clone(&shape));
        (prev_geom, prev_shape) = (geom, shape);
    }
    out.reverse();
    out
}

fn label_point(
    p: Option<geocommun_model::LonLat>,
    contour: &MultiPolygon<f64>,
) -> Option<WorldPoint> {
    let p = p
        .filter(|p| p.is_valid())
        .or_else(|| contour.interior_point().map(|p| geocommun_model::LonLat::new(p.x(), p.y())))?;
    Some([world_x(p.lon), world_y(p.lat)])
}

impl AreaLayer {
    fn new(min_zoom: u8, areas: Vec<Area>) -> Self {
        let tree = (!areas.is_empty()).then(|| {
            let mut b = RTreeBuilder::<f64>::new(areas.len() as u32);
            for a in &areas {
                let bbox = a.levels.last().map_or([0; 4], |s| shape_bbox(s));
                let [x0, y0, x1, y1] = bbox.map(f64::from);
                b.add(x0, y0, x1, y1);
            }
            b.finish::<HilbertSort>()
        });
        let labelled: Vec<u32> =
            (0..areas.len() as u32).filter(|&i| areas[i as usize].label.is_some()).collect();
        let labels = (!labelled.is_empty()).then(|| {
            let mut b = KDTreeBuilder::<u32>::new(labelled.len() as u32);
            for &i in &labelled {
                if let Some(p) = areas[i as usize].label {
                    b.add(p[0], p[1]);
                }
            }
            (b.finish(), labelled)
        });
        Self { min_zoom, areas, tree, labels }
    }

    fn level(&self, z: u8) -> usize {
        if z > SIMPLIFY_MAX_ZOOM {
            (SIMPLIFY_MAX_ZOOM - self.min_zoom) as usize + 1
        } else {
            (z - self.min_zoom) as usize
        }
    }

    fn render<'a>(
        &'a self,
        tile: TileId,
        polygons: &mut LayerBuilder<'a>,
        labels: &mut LayerBuilder<'a>,
        writer: &mut PolygonWriter,
    ) {
        if tile.z < self.min_zoom {
            return;
        }
        let b = tile.world_bounds(BUFFER);
        let level = self.level(tile.z);
        if let Some(tree) = &self.tree {
            let [x0, y0, x1, y1] = b.map(f64::from);
            let mut hits = tree.search(x0, y0, x1, y1);
            hits.sort_unstable();
            for i in hits {
                let area = &self.areas[i as usize];
                for polygon in &area.levels[level].polygons {
                    for (ri, ring) in polygon.rings.iter().enumerate() {
                        let r = ring.bbox;
                        if r[2] < b[0] || r[0] > b[2] || r[3] < b[1] || r[1] > b[3] {
                            if ri == 0 {
                                break; // the polygon is elsewhere, and so are its holes
                            }
                            continue;
                        }
                        writer.ring(ring.points.iter().map(|&p| tile.to_tile(p)), ri == 0);
                    }
                }
                if let Some(g) = writer.finish() {
                    polygons.push(g, &[Some(Prop::Str(&area.code)), Some(Prop::Str(&area.nom))]);
                }
            }
        }
        if let Some((kd, labelled)) = &self.labels {
            let mut hits = kd.range(b[0], b[1], b[2], b[3]);
            hits.sort_unstable();
            for i in hits {
                let area = &self.areas[labelled[i as usize] as usize];
                let Some(p) = area.label else { continue };
                let (x, y) = tile.to_tile(p);
                if in_buffer(x, y) {
                    labels.push(
                        point(x, y),
                        &[
                            Some(Prop::Str(&area.code)),
                            Some(Prop::Str(&area.nom)),
                            area.population.map(|n| Prop::UInt(u64::from(n))),
                        ],
                    );
                }
            }
        }
    }
}

fn shape_bbox(s: &Shape) -> [u32; 4] {
    let mut bbox = [u32::MAX, u32::MAX, 0, 0];
    for r in s.polygons.iter().filter_map(|p| p.rings.first()) {
        bbox = [
            bbox[0].min(r.bbox[0]),
            bbox[1].min(r.bbox[1]),
            bbox[2].max(r.bbox[2]),
            bbox[3].max(r.bbox[3]),
        ];
    }
    if bbox[0] > bbox[2] { [0; 4] } else { bbox }
}

impl Areas {
    /// Projects and simplifies every commune and département contour (in parallel).
    /// Communes are those of the registry with a contour (current communes; arrondissements
    /// municipaux when the contour files have them).
    pub fn build(registry: &AdminRegistry, contours: &Contours) -> Self {
        let communes: Vec<Area> = registry
            .communes()
            .enumerate()
            .filter_map(|(i, c)| Some((c, contours.commune(i)?)))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(c, contour)| Area {
                code: c.code.as_str().into(),
                nom: c.nom.as_str().into(),
                population: Some(c.population),
                levels: levels(contour, COMMUNE_MIN_ZOOM),
                label: label_point(c.centre, contour),
            })
            .collect();
        let departements: Vec<Area> = registry
            .departements()
            .filter_map(|d| Some((d, contours.area(AreaKind::Departement, &d.code, 0)?)))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(d, contour)| Area {
                code: d.code.as_str().into(),
                nom: d.nom.as_str().into(),
                population: None,
                levels: levels(contour, DEPARTEMENT_MIN_ZOOM),
                label: label_point(None, contour),
            })
            .collect();
        Self {
            communes: AreaLayer::new(COMMUNE_MIN_ZOOM, communes),
            departements: AreaLayer::new(DEPARTEMENT_MIN_ZOOM, departements),
        }
    }

    pub fn stats(&self) -> AreaStats {
        let mut vertices = 0;
        for layer in [&self.communes, &self.departements] {
            for a in &layer.areas {
                let mut last: Option<*const Shape> = None;
                for s in &a.levels {
                    if last != Some(Arc::as_ptr(s)) {
                        vertices += s.vertices;
                    }
                    last = Some(Arc::as_ptr(s));
                }
            }
        }
        AreaStats {
            communes: self.communes.areas.len(),
            departements: self.departements.areas.len(),
            vertices,
        }
    }

    pub(crate) fn render<'a>(&'a self, tile: TileId, layers: &mut AreaLayers<'a>) {
        let mut writer = PolygonWriter::new();
        self.departements.render(
            tile,
            &mut layers.departements,
            &mut layers.departement_labels,
            &mut writer,
        );
        self.communes.render(tile, &mut layers.communes, &mut layers.commune_labels, &mut writer);
    }
}

/// The four layers an [`Areas`] writes.
pub(crate) struct AreaLayers<'a> {
    pub communes: LayerBuilder<'a>,
    pub departements: LayerBuilder<'a>,
    pub commune_labels: LayerBuilder<'a>,
    pub departement_labels: LayerBuilder<'a>,
}
