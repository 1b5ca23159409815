//! Every tile decodes, every feature lies within the tile's buffer and carries the properties
//! of its layer: every tile over metropolitan France at z5–z7, over Paris at z10–z14, and
//! random tiles at every zoom.

use geocommun_testkit::mvt::Value;
use geocommun_tiles::{TileId, layer};
use proptest::prelude::*;

use crate::common::{INDEX, paris_tiles, tile};

/// Checks one tile; returns its number of features.
fn check(t: TileId) -> usize {
    let Some(decoded) = tile(&INDEX, t) else { return 0 };
    assert!(!decoded.is_empty(), "{t}: a tile that is not empty has a layer");
    let mut n = 0;
    for (name, l) in &decoded {
        assert!(layer::ALL.contains(&name.as_str()), "{t}: unknown layer {name}");
        assert!(!l.features.is_empty(), "{t}: empty layer {name}");
        assert_eq!(l.extent, 4096);
        let required: &[&str] = match name.as_str() {
            "adresses" => &["numero", "certifie", "type_position", "commune", "principale"],
            "voies" | "lieux_dits" => &["nom", "commune"],
            _ => &["code", "nom"],
        };
        for f in &l.features {
            n += 1;
            for key in required {
                assert!(f.props.contains_key(*key), "{t} {name}: no {key} in {:?}", f.props);
            }
            if name == "adresses" {
                assert!(matches!(f.props["certifie"], Value::Bool(_)));
                assert!(t.z >= 14);
            }
            let polygon = name == "communes" || name == "departements";
            assert_eq!(f.points.is_empty(), polygon, "{t} {name}: geometry type");
            for ring in f.polygons.iter().flatten() {
                assert!(ring.len() >= 4 && ring.first() == ring.last(), "{t} {name}: {ring:?}");
            }
            for (x, y) in f.coords() {
                assert!(
                    (-64.0..=4160.0).contains(&x) && (-64.0..=4160.0).contains(&y),
                    "{t} {name}: ({x}, {y}) outside the buffer"
                );
            }
        }
    }
    n
}

fn tiles_over(z: u8, west: f64, south: f64, east: f64, north: f64) -> Vec<TileId> {
    let nw = TileId::at_lonlat(z, west, north);
    let se = TileId::at_lonlat(z, east, south);
    (nw.x..=se.x).flat_map(|x| (nw.y..=se.y).map(move |y| TileId { z, x, y })).collect()
}

#[test]
fn every_tile_over_france_at_low_zoom() {
    let mut features = 0;
    for z in 5..=7 {
        for t in tiles_over(z, -5.5, 41.3, 9.7, 51.2) {
            features += check(t);
        }
    }
    assert!(features > 200, "{features}");
}

#[test]
fn every_tile_over_paris_from_zoom_10_to_14() {
    for z in 10..=14 {
        let tiles = paris_tiles(z);
        let features: usize = tiles.iter().map(|&t| check(t)).sum();
        assert!(features > 0, "z{z}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_tiles_decode_within_their_buffer(
        z in 0u8..=22,
        lon in -5.5f64..9.7,
        lat in 41.3f64..51.2,
        paris in proptest::bool::ANY,
    ) {
        // Half the cases in Paris, where the addresses are.
        let (lon, lat) = if paris { (2.25 + (lon + 5.5) / 15.2 * 0.2, 48.82 + (lat - 41.3) / 9.9 * 0.08) } else { (lon, lat) };
        check(TileId::at_lonlat(z, lon, lat));
    }
}
