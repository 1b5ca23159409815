//! Tile addresses (`z/x/y`, the XYZ scheme of web maps) and the projection of WGS-84
//! coordinates to Web Mercator "world units".
//!
//! Everything the index holds is projected once, at build time, to integer world units: the
//! Web Mercator square mapped to `0..2^32` on both axes (x to the east, y to the south), which
//! is ≈ 9 mm at the equator. A tile of zoom `z` with [`EXTENT`] units is then a power-of-two
//! window of that square, and projecting a point to tile units is a shift and a subtraction.

use crate::limits::{EXTENT, MAX_ZOOM};

/// Latitude limit of Web Mercator (the square's edge).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// World units across the Web Mercator square.
const WORLD: f64 = 4_294_967_296.0; // 2^32

/// log2 of [`EXTENT`].
const EXTENT_BITS: u32 = 12;

/// A point in world units.
pub type WorldPoint = [u32; 2];

/// Longitude → world x.
pub fn world_x(lon: f64) -> u32 {
    let x = (lon + 180.0) / 360.0 * WORLD;
    x.floor().clamp(0.0, WORLD - 1.0) as u32
}

/// Latitude → world y (0 at the north edge).
pub fn world_y(lat: f64) -> u32 {
    world_y_f64(lat).floor().clamp(0.0, WORLD - 1.0) as u32
}

/// Latitude → world y, unrounded (for geometry that is simplified before it is rounded).
pub(crate) fn world_y_f64(lat: f64) -> f64 {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    let s = lat.to_radians().sin();
    let y = 0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI);
    y * WORLD
}

/// Longitude → world x, unrounded.
pub(crate) fn world_x_f64(lon: f64) -> f64 {
    (lon + 180.0) / 360.0 * WORLD
}

/// World units → (longitude, latitude), for tests and tools.
pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = x / WORLD * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * y / WORLD);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

/// Why a tile address was refused. The messages say what is wrong and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("`{value}` is not a valid {what}: expected a whole number (tile address z/x/y.pbf)")]
    NotANumber { what: &'static str, value: String },
    #[error("zoom {z} is out of range: tiles exist for zooms 0 to {max}", max = MAX_ZOOM)]
    Zoom { z: u64 },
    #[error(
        "{axis} = {value} is out of range at zoom {z}: it must be between 0 and {max} (2^{z} - 1)"
    )]
    Coordinate { axis: &'static str, value: u64, z: u8, max: u32 },
}

/// The address of one tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

impl TileId {
    /// A tile address, checked: `z ≤ MAX_ZOOM`, `x` and `y` below `2^z`.
    pub fn new(z: u64, x: u64, y: u64) -> Result<Self, TileError> {
        if z > u64::from(MAX_ZOOM) {
            return Err(TileError::Zoom { z });
        }
        let z = z as u8;
        let max = (1u64 << z) - 1;
        for (axis, value) in [("x", x), ("y", y)] {
            if value > max {
                return Err(TileError::Coordinate { axis, value, z, max: max as u32 });
            }
        }
        Ok(Self { z, x: x as u32, y: y as u32 })
    }

    /// Parses the three parts of a `z/x/y` path (decimal digits only: no sign, no spaces).
    pub fn parse(z: &str, x: &str, y: &str) -> Result<Self, TileError> {
        let num = |what: &'static str, s: &str| {
            let ok = !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
            let value = if ok { s.parse::<u64>().ok() } else { None };
            value.ok_or_else(|| TileError::NotANumber { what, value: s.chars().take(40).collect() })
        };
        Self::new(num("zoom", z)?, num("x", x)?, num("y", y)?)
    }

    /// The tile that holds this world point at zoom `z`.
    pub fn containing(z: u8, p: WorldPoint) -> Self {
        let shift = 32 - u32::from(z);
        let (x, y) = if z == 0 { (0, 0) } else { (p[0] >> shift, p[1] >> shift) };
        Self { z, x, y }
    }

    /// The tile of zoom `z` holding (`lon`, `lat`).
    pub fn at_lonlat(z: u8, lon: f64, lat: f64) -> Self {
        Self::containing(z, [world_x(lon), world_y(lat)])
    }

    /// World unit → tile unit along one axis, relative to this tile's origin (may be negative
    /// or past [`EXTENT`] for a point outside the tile).
    #[inline]
    pub fn project(&self, world: u32, origin: u32) -> i64 {
        let z = u32::from(self.z);
        let w = i64::from(world);
        let scaled = if z + EXTENT_BITS <= 32 {
            w >> (32 - EXTENT_BITS - z)
        } else {
            w << (z + EXTENT_BITS - 32)
        };
        scaled - (i64::from(origin) << EXTENT_BITS)
    }

    /// A world point → tile units `(x, y)`.
    #[inline]
    pub fn to_tile(&self, p: WorldPoint) -> (i64, i64) {
        (self.project(p[0], self.x), self.project(p[1], self.y))
    }

    /// The box of world units `[min_x, min_y, max_x, max_y]` (inclusive) that projects inside
    /// the tile grown by `buffer` tile units on every side. It may hold a few more units than
    /// needed at an edge: callers check the projected coordinates.
    pub fn world_bounds(&self, buffer: i64) -> [u32; 4] {
        let z = u32::from(self.z);
        let to_world_floor = |t: i64| -> i64 {
            if z + EXTENT_BITS <= 32 {
                t << (32 - EXTENT_BITS - z)
            } else {
                t >> (z + EXTENT_BITS - 32)
            }
        };
        let clamp = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
        let extent = i64::from(EXTENT);
        let (x0, y0) = (i64::from(self.x) * extent, i64::from(self.y) * extent);
        [
            clamp(to_world_floor(x0 - buffer)),
            clamp(to_world_floor(y0 - buffer)),
            clamp(to_world_floor(x0 + extent + buffer + 1)),
            clamp(to_world_floor(y0 + extent + buffer + 1)),
        ]
    }

    /// The size of one tile unit in world units at this zoom (≥ 1; 1 past zoom 20).
    pub fn unit(&self) -> f64 {
        2f64.powi(32 - EXTENT_BITS as i32 - i32::from(self.z)).max(1.0)
    }
}

/// Tolerance in world units of a simplification for zoom `z` of `tile_units` tile units.
pub(crate) fn world_tolerance(z: u8, tile_units: f64) -> f64 {
    tile_units * 2f64.powi(32 - EXTENT_BITS as i32 - i32::from(z))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_addresses_are_checked() {
        assert_eq!(TileId::parse("14", "8297", "5634"), Ok(TileId { z: 14, x: 8297, y: 5634 }));
        assert_eq!(TileId::parse("0", "0", "0"), Ok(TileId { z: 0, x: 0, y: 0 }));
        assert!(matches!(TileId::parse("23", "0", "0"), Err(TileError::Zoom { z: 23 })));
        assert!(matches!(
            TileId::parse("2", "4", "0"),
            Err(TileError::Coordinate { axis: "x", value: 4, z: 2, max: 3 })
        ));
        assert!(matches!(TileId::parse("2", "0", "-1"), Err(TileError::NotANumber { .. })));
        assert!(matches!(TileId::parse("a", "0", "0"), Err(TileError::NotANumber { .. })));
        assert!(matches!(TileId::parse("", "0", "0"), Err(TileError::NotANumber { .. })));
        assert!(matches!(
            TileId::parse("99999999999999999999", "0", "0"),
            Err(TileError::NotANumber { .. })
        ));
        let msg = TileId::parse("25", "0", "0").unwrap_err().to_string();
        assert!(msg.contains("0 to 22"), "{msg}");
    }

    #[test]
    fn known_tiles() {
        // Notre-Dame de Paris is in the z14 tile 8298/5636 (as every slippy map has it).
        let t = TileId::at_lonlat(14, 2.349_902, 48.852_968);
        assert_eq!(t, TileId { z: 14, x: 8298, y: 5636 });
        let (x, y) = t.to_tile([world_x(2.349_902), world_y(48.852_968)]);
        assert!((0..4096).contains(&x) && (0..4096).contains(&y), "{x} {y}");
        assert_eq!(TileId::at_lonlat(0, 2.35, 48.85), TileId { z: 0, x: 0, y: 0 });
        let (lon, lat) =
            world_to_lonlat(f64::from(world_x(2.349_902)), f64::from(world_y(48.852_968)));
        assert!((lon - 2.349_902).abs() < 1e-6 && (lat - 48.852_968).abs() < 1e-6);
    }

    #[test]
    fn projection_at_every_zoom() {
        let point = [world_x(2.3522), world_y(48.8566)];
        for z in 0..=MAX_ZOOM {
            let tile = TileId::containing(z, point);
            let (x, y) = tile.to_tile(point);
            assert!((0..4096).contains(&x) && (0..4096).contains(&y), "z{z}: {x} {y}");
            let bounds = tile.world_bounds(0);
            assert!(bounds[0] <= point[0] && point[0] <= bounds[2], "z{z}");
            assert!(bounds[1] <= point[1] && point[1] <= bounds[3], "z{z}");
            // The neighbour to the east sees the point to its west.
            if tile.x + 1 < (1 << z) {
                let east = TileId { x: tile.x + 1, ..tile };
                assert!(east.to_tile(point).0 < 0);
            }
        }
    }
}
