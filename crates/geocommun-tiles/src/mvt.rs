//! Writing Mapbox Vector Tiles 2.1: layers with deduplicated keys and values, point and polygon
//! geometry commands, polygon clipping to the buffered tile.
//!
//! The protobuf messages and their encoding are geozero's (`geozero::mvt`, prost); this module
//! fills them. Geometry is written here rather than through geozero's `MvtWriter` because the
//! index holds integer world coordinates already: projecting is a shift, and the ring clean-up
//! the specification asks for (no repeated points, winding by role, no degenerate ring) is done
//! once, on the clipped ring.

use std::hash::Hash;

use foldhash::HashMap;
use geozero::mvt::tile::{Feature, GeomType, Layer, Value};

use crate::limits::{BUFFER, EXTENT};

/// A property value of a feature.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Prop<'a> {
    Str(&'a str),
    Bool(bool),
    UInt(u64),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    Str(&'a str),
    Bool(bool),
    UInt(u64),
}

/// One layer being written: its fixed key table, its value table and its features.
pub(crate) struct LayerBuilder<'a> {
    name: &'static str,
    keys: &'static [&'static str],
    values: Vec<Value>,
    index: HashMap<ValueKey<'a>, u32>,
    /// Values owned by the tile (formatted identifiers), keyed by what identifies them.
    owned: HashMap<(u32, u32), u32>,
    features: Vec<Feature>,
}

impl<'a> LayerBuilder<'a> {
    pub fn new(name: &'static str, keys: &'static [&'static str]) -> Self {
        Self {
            name,
            keys,
            values: Vec::new(),
            index: HashMap::default(),
            owned: HashMap::default(),
            features: Vec::new(),
        }
    }

    fn value(&mut self, v: Prop<'a>) -> u32 {
        let key = match v {
            Prop::Str(s) => ValueKey::Str(s),
            Prop::Bool(b) => ValueKey::Bool(b),
            Prop::UInt(n) => ValueKey::UInt(n),
        };
        let next = self.values.len() as u32;
        let values = &mut self.values;
        *self.index.entry(key).or_insert_with(|| {
            values.push(match v {
                Prop::Str(s) => Value { string_value: Some(s.to_owned()), ..Value::default() },
                Prop::Bool(b) => Value { bool_value: Some(b), ..Value::default() },
                Prop::UInt(n) => Value { uint_value: Some(n), ..Value::default() },
            });
            next
        })
    }

    /// A string value made on demand (e.g. a formatted BAN id), deduplicated by `key`.
    pub fn owned_value(&mut self, key: (u32, u32), make: impl FnOnce() -> String) -> u32 {
        let next = self.values.len() as u32;
        let values = &mut self.values;
        *self.owned.entry(key).or_insert_with(|| {
            values.push(Value { string_value: Some(make()), ..Value::default() });
            next
        })
    }

    /// A string value known to be used by this feature only (no lookup, no deduplication).
    pub fn unique_value(&mut self, value: String) -> u32 {
        self.values.push(Value { string_value: Some(value), ..Value::default() });
        self.values.len() as u32 - 1
    }

    /// Makes room for `features` more features, most with a value of their own.
    pub fn reserve(&mut self, features: usize) {
        self.features.reserve(features);
        self.values.reserve(features);
    }

    /// Adds a feature; `props[i]` is the value of key `i` of the layer (`None`: absent).
    pub fn push(&mut self, geometry: Geometry, props: &[Option<Prop<'a>>]) {
        debug_assert!(props.len() <= self.keys.len());
        let mut tags = Vec::with_capacity(props.len() * 2);
        for (k, v) in props.iter().enumerate() {
            if let Some(v) = v {
                tags.push(k as u32);
                tags.push(self.value(*v));
            }
        }
        self.push_tags(geometry, tags);
    }

    /// Adds a feature with tags already made (key index, value index pairs).
    pub fn push_tags(&mut self, geometry: Geometry, tags: Vec<u32>) {
        self.features.push(Feature {
            id: None,
            tags,
            r#type: Some(geometry.kind as i32),
            geometry: geometry.commands,
        });
    }

    /// The index of a plain value (for callers that mix [`Self::owned_value`] with others).
    pub fn tag_value(&mut self, v: Prop<'a>) -> u32 {
        self.value(v)
    }

    /// The layer, or `None` when it has no feature (empty layers are left out of the tile).
    pub fn finish(self) -> Option<Layer> {
        if self.features.is_empty() {
            return None;
        }
        Some(Layer {
            version: 2,
            name: self.name.to_owned(),
            features: self.features,
            keys: self.keys.iter().map(|k| (*k).to_owned()).collect(),
            values: self.values,
            extent: Some(EXTENT),
        })
    }
}

/// Encoded geometry of one feature.
pub(crate) struct Geometry {
    kind: GeomType,
    commands: Vec<u32>,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

#[inline]
fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

#[inline]
fn zigzag(n: i64) -> u32 {
    let n = n as i32;
    ((n << 1) ^ (n >> 31)) as u32
}

/// Whether a point in tile units lies in the tile grown by the buffer.
#[inline]
pub(crate) fn in_buffer(x: i64, y: i64) -> bool {
    let hi = i64::from(EXTENT) + BUFFER;
    (-BUFFER..=hi).contains(&x) && (-BUFFER..=hi).contains(&y)
}

/// A one-point geometry.
pub(crate) fn point(x: i64, y: i64) -> Geometry {
    Geometry { kind: GeomType::Point, commands: vec![command(MOVE_TO, 1), zigzag(x), zigzag(y)] }
}

/// Writes polygons ring by ring (exterior then its holes), clipped to the buffered tile.
pub(crate) struct PolygonWriter {
    commands: Vec<u32>,
    cursor: (i64, i64),
    /// Whether the current polygon's exterior ring was kept (its holes are dropped otherwise).
    exterior_kept: bool,
    scratch: Vec<(i64, i64)>,
    clipped: Vec<(i64, i64)>,
}

impl PolygonWriter {
    pub fn new() -> Self {
        Self {
            commands: Vec::new(),
            cursor: (0, 0),
            exterior_kept: false,
            scratch: Vec::new(),
            clipped: Vec::new(),
        }
    }

    /// Adds one ring given in tile units (open or closed: a repeated last point is ignored).
    /// `exterior` starts a new polygon; holes follow their exterior.
    pub fn ring(&mut self, points: impl Iterator<Item = (i64, i64)>, exterior: bool) {
        if !exterior && !self.exterior_kept {
            return;
        }
        self.scratch.clear();
        self.scratch.extend(points);
        if self.scratch.len() > 1 && self.scratch.first() == self.scratch.last() {
            self.scratch.pop();
        }
        clip_ring(&mut self.scratch, &mut self.clipped);
        dedup_ring(&mut self.scratch);
        let area = signed_area2(&self.scratch);
        if self.scratch.len() < 3 || area == 0 {
            if exterior {
                self.exterior_kept = false;
            }
            return;
        }
        // Exterior rings have a positive area in tile coordinates (y down: clockwise on
        // screen), holes a negative one (MVT 2.1, 4.3.4.4).
        if (area > 0) != exterior {
            self.scratch.reverse();
        }
        if exterior {
            self.exterior_kept = true;
        }
        let n = self.scratch.len() as u32;
        let (mut cx, mut cy) = self.cursor;
        self.commands.reserve(3 + 2 * self.scratch.len());
        for (i, &(x, y)) in self.scratch.iter().enumerate() {
            if i == 0 {
                self.commands.push(command(MOVE_TO, 1));
            } else if i == 1 {
                self.commands.push(command(LINE_TO, n - 1));
            }
            self.commands.push(zigzag(x - cx));
            self.commands.push(zigzag(y - cy));
            (cx, cy) = (x, y);
        }
        self.commands.push(command(CLOSE_PATH, 1));
        self.cursor = (cx, cy);
    }

    /// The geometry, or `None` when every ring fell outside the tile or collapsed.
    pub fn finish(&mut self) -> Option<Geometry> {
        self.cursor = (0, 0);
        self.exterior_kept = false;
        if self.commands.is_empty() {
            return None;
        }
        Some(Geometry { kind: GeomType::Polygon, commands: std::mem::take(&mut self.commands) })
    }
}

/// Twice the signed area (surveyor's formula) of an open ring.
fn signed_area2(ring: &[(i64, i64)]) -> i64 {
    let n = ring.len();
    let mut sum = 0i64;
    for i in 0..n {
        let (x0, y0) = ring[i];
        let (x1, y1) = ring[(i + 1) % n];
        sum += x0 * y1 - x1 * y0;
    }
    sum
}

/// Removes consecutive repeated points (and a last point equal to the first).
fn dedup_ring(ring: &mut Vec<(i64, i64)>) {
    ring.dedup();
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
}

/// Clips an open ring to the buffered tile (Sutherland–Hodgman, one pass per edge). The
/// result stays one ring: where a polygon leaves and re-enters the tile, it runs along the
/// buffer's edge, outside what the tile shows (renderers clip each tile to its extent).
fn clip_ring(ring: &mut Vec<(i64, i64)>, tmp: &mut Vec<(i64, i64)>) {
    let (lo, hi) = (-BUFFER, i64::from(EXTENT) + BUFFER);
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for &(x, y) in ring.iter() {
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    if min_x >= lo && max_x <= hi && min_y >= lo && max_y <= hi {
        return; // inside: nothing to clip
    }
    if max_x < lo || min_x > hi || max_y < lo || min_y > hi {
        ring.clear();
        return;
    }
    for edge in 0..4 {
        if ring.is_empty() {
            return;
        }
        tmp.clear();
        let inside = |p: (i64, i64)| match edge {
            0 => p.0 >= lo,
            1 => p.0 <= hi,
            2 => p.1 >= lo,
            _ => p.1 <= hi,
        };
        let cut = |a: (i64, i64), b: (i64, i64)| -> (i64, i64) {
            let (ax, ay, bx, by) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
            match edge {
                0 | 1 => {
                    let c = if edge == 0 { lo } else { hi };
                    let t = (c as f64 - ax) / (bx - ax);
                    (c, (ay + t * (by - ay)).round() as i64)
                }
                _ => {
                    let c = if edge == 2 { lo } else { hi };
                    let t = (c as f64 - ay) / (by - ay);
                    ((ax + t * (bx - ax)).round() as i64, c)
                }
            }
        };
        let mut prev = ring[ring.len() - 1];
        for &cur in ring.iter() {
            match (inside(prev), inside(cur)) {
                (true, true) => tmp.push(cur),
                (true, false) => tmp.push(cut(prev, cur)),
                (false, true) => {
                    tmp.push(cut(prev, cur));
                    tmp.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
        std::mem::swap(ring, tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_rings(commands: &[u32]) -> Vec<Vec<(i64, i64)>> {
        let (mut x, mut y) = (0i64, 0i64);
        let mut rings = Vec::new();
        let mut i = 0;
        while i < commands.len() {
            let (id, count) = (commands[i] & 7, commands[i] >> 3);
            i += 1;
            match id {
                1 | 2 => {
                    if id == 1 {
                        rings.push(Vec::new());
                    }
                    for _ in 0..count {
                        let dz = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
                        x += dz(commands[i]);
                        y += dz(commands[i + 1]);
                        i += 2;
                        rings.last_mut().unwrap().push((x, y));
                    }
                }
                7 => {}
                _ => panic!("bad command {id}"),
            }
        }
        rings
    }

    #[test]
    fn zigzag_matches_the_specification() {
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2), zigzag(2)], [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_polygon_larger_than_the_tile_is_cut_to_the_buffer() {
        let mut w = PolygonWriter::new();
        // Counter-clockwise on screen (negative area): an exterior, reversed on writing.
        let square = [(-10_000, -10_000), (-10_000, 10_000), (10_000, 10_000), (10_000, -10_000)];
        w.ring(square.into_iter(), true);
        let g = w.finish().unwrap();
        let rings = decode_rings(&g.commands);
        assert_eq!(rings.len(), 1);
        let ring = &rings[0];
        assert_eq!(ring.len(), 4, "{ring:?}");
        assert!(signed_area2(ring) > 0, "exterior rings are clockwise on screen");
        for &(x, y) in ring {
            assert!(in_buffer(x, y), "{x} {y}");
            assert!(x == -64 || x == 4160);
        }
    }

    #[test]
    fn holes_follow_their_exterior_with_the_opposite_winding() {
        let mut w = PolygonWriter::new();
        w.ring([(0, 0), (100, 0), (100, 100), (0, 100)].into_iter(), true);
        w.ring([(10, 10), (90, 10), (90, 90), (10, 90)].into_iter(), false);
        let rings = decode_rings(&w.finish().unwrap().commands);
        assert_eq!(rings.len(), 2);
        assert!(signed_area2(&rings[0]) > 0);
        assert!(signed_area2(&rings[1]) < 0);
    }

    #[test]
    fn rings_outside_or_degenerate_are_dropped() {
        let mut w = PolygonWriter::new();
        w.ring([(9000, 9000), (9100, 9000), (9100, 9100)].into_iter(), true);
        // The hole of a dropped exterior goes with it.
        w.ring([(9010, 9010), (9020, 9010), (9020, 9020)].into_iter(), false);
        w.ring([(5, 5), (5, 5), (6, 6), (5, 5)].into_iter(), true);
        assert!(w.finish().is_none());
    }

    #[test]
    fn values_are_deduplicated() {
        let mut l = LayerBuilder::new("t", &["a", "b"]);
        l.push(point(1, 1), &[Some(Prop::Str("x")), Some(Prop::Bool(true))]);
        l.push(point(2, 2), &[Some(Prop::Str("x")), Some(Prop::Bool(false))]);
        l.push(point(3, 3), &[None, Some(Prop::Bool(true))]);
        let layer = l.finish().unwrap();
        assert_eq!(layer.values.len(), 3);
        assert_eq!(layer.features[2].tags, vec![1, 1]);
        assert_eq!(layer.keys, vec!["a", "b"]);
    }
}
