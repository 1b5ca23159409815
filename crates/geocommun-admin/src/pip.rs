//! Point in polygon: an R-tree over the bounding boxes of every polygon of the commune
//! contours, then an exact even–odd test on the candidates.
//!
//! The rings are stored flat (one `Vec` of coordinates, ranges per ring and per polygon) so
//! that the exact test walks contiguous memory.
//!
//! Communes the contour files do not cover (Saint-Martin and Saint-Barthélemy, communes
//! re-created by a scission after the contours were drawn) can be given a *fallback* box
//! (the reference bounding box of the BAN platform): a point in no contour is then given to
//! the commune whose box holds it and whose centre is nearest, and [`Located::approximate`]
//! says so.

use std::ops::Range;

use geo::MultiPolygon;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;
/// A fallback box: the commune index and its centre.
type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, (u32, [f64; 2])>;

/// A commune found for a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// Index in [`crate::AdminRegistry::communes`].
    pub commune: usize,
    /// `true` when the point is in no contour and the commune was chosen by its fallback
    /// bounding box.
    pub approximate: bool,
}

/// The point-in-polygon index: which commune contains a point.
#[derive(Debug)]
pub struct PipIndex {
    tree: RTree<Entry>,
    /// Per polygon: the commune index and the range of its rings in `rings`.
    polygons: Vec<(u32, Range<u32>)>,
    /// Per ring: the range of its points in `points`.
    rings: Vec<Range<u32>>,
    points: Vec<[f64; 2]>,
    /// Bounding boxes of communes without a contour, with their centre.
    fallback: RTree<BoxEntry>,
}

impl PipIndex {
    /// Builds the index over `(commune index, contour)` pairs.
    pub fn new<'a>(contours: impl Iterator<Item = (u32, &'a MultiPolygon<f64>)>) -> Self {
        let mut polygons = Vec::new();
        let mut rings = Vec::new();
        let mut points: Vec<[f64; 2]> = Vec::new();
        let mut entries = Vec::new();
        for (commune, mp) in contours {
            for p in &mp.0 {
                let ring_start = rings.len() as u32;
                let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    let start = points.len() as u32;
                    for c in &ring.0 {
                        points.push([c.x, c.y]);
                        min = [min[0].min(c.x), min[1].min(c.y)];
                        max = [max[0].max(c.x), max[1].max(c.y)];
                    }
                    rings.push(start..points.len() as u32);
                }
                let id = polygons.len() as u32;
                polygons.push((commune, ring_start..rings.len() as u32));
                if min[0] <= max[0] {
                    entries.push(GeomWithData::new(Rectangle::from_corners(min, max), id));
                }
            }
        }
        Self { tree: RTree::bulk_load(entries), polygons, rings, points, fallback: RTree::new() }
    }

    /// Adds fallback boxes `(commune index, [west, south, east, north], centre)` for communes
    /// that have no contour. Boxes that are empty or not finite are ignored.
    #[must_use]
    pub fn with_fallback(mut self, boxes: impl Iterator<Item = (u32, [f64; 4], [f64; 2])>) -> Self {
        let entries = boxes
            .filter(|(_, [w, s, e, n], c)| {
                [*w, *s, *e, *n, c[0], c[1]].iter().all(|v| v.is_finite()) && w < e && s < n
            })
            .map(|(i, [w, s, e, n], c)| {
                GeomWithData::new(Rectangle::from_corners([w, s], [e, n]), (i, c))
            })
            .collect();
        self.fallback = RTree::bulk_load(entries);
        self
    }

    /// The commune (index in [`crate::AdminRegistry::communes`]) whose contour contains the
    /// point, else the one whose fallback box holds it (see [`Self::locate_detailed`]). On a
    /// border shared by two communes either may be returned.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<usize> {
        self.locate_detailed(lon, lat).map(|l| l.commune)
    }

    /// Like [`Self::locate`], saying whether the answer came from a contour or a fallback box.
    pub fn locate_detailed(&self, lon: f64, lat: f64) -> Option<Located> {
        if let Some(commune) = self.locate_in_contours(lon, lat) {
            return Some(Located { commune, approximate: false });
        }
        let p = [lon, lat];
        let dist = |c: [f64; 2]| {
            let dx = (c[0] - lon) * (lat.to_radians().cos());
            let dy = c[1] - lat;
            dx * dx + dy * dy
        };
        self.fallback
            .locate_all_at_point(p)
            .min_by(|a, b| dist(a.data.1).total_cmp(&dist(b.data.1)).then(a.data.0.cmp(&b.data.0)))
            .map(|e| Located { commune: e.data.0 as usize, approximate: true })
    }

    /// The commune whose contour contains the point, ignoring fallback boxes.
    pub fn locate_in_contours(&self, lon: f64, lat: f64) -> Option<usize> {
        let p = [lon, lat];
        self.tree
            .locate_all_at_point(p)
            .find(|e| self.polygon_contains(e.data as usize, p))
            .map(|e| self.polygons[e.data as usize].0 as usize)
    }

    /// Every commune whose contour's bounding box contains the point (candidates before the
    /// exact test; for diagnostics).
    pub fn candidates(&self, lon: f64, lat: f64) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(AABB::from_point([lon, lat]))
            .map(|e| self.polygons[e.data as usize].0 as usize)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Number of polygons and of points indexed.
    pub fn size(&self) -> (usize, usize) {
        (self.polygons.len(), self.points.len())
    }

    fn polygon_contains(&self, polygon: usize, [x, y]: [f64; 2]) -> bool {
        let mut inside = false;
        for ring in &self.rings
            [self.polygons[polygon].1.start as usize..self.polygons[polygon].1.end as usize]
        {
            let pts = &self.points[ring.start as usize..ring.end as usize];
            let Some(mut prev) = pts.last() else { continue };
            for cur in pts {
                // Crossing number: count edges crossing the horizontal ray to the right.
                if (cur[1] > y) != (prev[1] > y)
                    && x < (prev[0] - cur[0]) * (y - cur[1]) / (prev[1] - cur[1]) + cur[0]
                {
                    inside = !inside;
                }
                prev = cur;
            }
        }
        inside
    }
}
