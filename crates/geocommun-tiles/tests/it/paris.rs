//! Addresses and streets of Paris in the tiles.

use std::collections::HashMap;

use geocommun_testkit::mvt::to_lonlat;
use geocommun_tiles::{TileId, layer};

use crate::common::{INDEX, PARIS, features, inside, paris_tiles, tile};

/// 2 rue de Rivoli, Paris 4e: BAN 2024 row `75104_8249_00002`, lon 2.361573, lat 48.855215,
/// certified by the commune, position `parcelle`.
const RIVOLI_2: (f64, f64) = (2.361573, 48.855215);

#[test]
fn a_known_address_is_in_its_tile_at_every_zoom_from_14() {
    for z in 14..=22 {
        let t = TileId::at_lonlat(z, RIVOLI_2.0, RIVOLI_2.1);
        let decoded = tile(&INDEX, t).unwrap();
        let found: Vec<_> = features(&decoded, layer::ADRESSES)
            .iter()
            .filter(|f| f.str("id") == Some("75104_8249_00002"))
            .collect();
        assert_eq!(found.len(), 1, "z{z}: {t}");
        let f = found[0];
        assert_eq!(f.str("numero"), Some("2"));
        assert_eq!(f.str("commune"), Some("75104"));
        assert_eq!(f.str("type_position"), Some("parcelle"));
        assert_eq!(f.props["certifie"].as_bool(), Some(true));
        assert_eq!(f.props["principale"].as_bool(), Some(true));
        // Where it is: within one tile unit of the address (≈ 10 cm at z14), or of the index's
        // own precision (2^-32 of the world, ≈ 6 mm in Paris) past z20.
        let (x, y) = f.points[0];
        assert!(inside((x, y)), "z{z}: {x} {y}");
        let (lon, lat) = to_lonlat(t.z, t.x, t.y, 4096, x + 0.5, y + 0.5);
        let unit = (360.0 / (4096.0 * 2f64.powi(i32::from(z)))).max(360.0 / 2f64.powi(32)) * 1.01;
        assert!((lon - RIVOLI_2.0).abs() < unit && (lat - RIVOLI_2.1).abs() < unit, "z{z}");
    }
    // Below zoom 14, no numbers: the streets are there from 12.
    let t13 = tile(&INDEX, TileId::at_lonlat(12, RIVOLI_2.0, RIVOLI_2.1)).unwrap();
    assert!(features(&t13, layer::ADRESSES).is_empty());
    assert!(
        features(&t13, layer::VOIES)
            .iter()
            .any(|f| f.str("nom") == Some("Rue de Rivoli") && f.str("commune") == Some("75104")),
        "Rue de Rivoli is labelled at z12"
    );
    let t11 = tile(&INDEX, TileId::at_lonlat(11, RIVOLI_2.0, RIVOLI_2.1)).unwrap();
    assert!(features(&t11, layer::VOIES).is_empty());
}

#[test]
fn every_paris_address_is_in_exactly_one_z14_tile() {
    // Expected: each address once, by its id, at its main position.
    let mut expected: HashMap<String, (String, bool)> = HashMap::new();
    for c in PARIS.iter() {
        for s in &c.streets {
            for a in &s.addresses {
                if a.best_position().is_some_and(|p| p.point.is_valid()) {
                    let id = a.cle_interop.clone().unwrap();
                    expected.insert(id, (a.numero.to_string(), a.certified));
                }
            }
        }
    }
    assert!(expected.len() > 150_000, "{}", expected.len());
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut buffered = 0usize;
    for t in paris_tiles(14) {
        let Some(decoded) = tile(&INDEX, t) else { continue };
        for f in features(&decoded, layer::ADRESSES) {
            let p = f.points[0];
            if !inside(p) {
                buffered += 1; // a neighbour's address in this tile's buffer
                continue;
            }
            let id = f.str("id").unwrap().to_owned();
            let (numero, certified) = &expected[&id];
            assert_eq!(f.str("numero"), Some(numero.as_str()), "{id}");
            assert_eq!(f.props["certifie"].as_bool(), Some(*certified), "{id}");
            *seen.entry(id).or_default() += 1;
        }
    }
    assert!(buffered > 0, "tiles carry the addresses of their buffer");
    assert_eq!(seen.len(), expected.len(), "every address is in a tile");
    assert!(seen.values().all(|&n| n == 1), "and in one only");
}

#[test]
fn street_labels_are_on_the_street() {
    // The label point of a street is one of its addresses: Rue de Rivoli (4e) at z16.
    let rivoli = PARIS
        .iter()
        .find(|c| c.code.as_str() == "75104")
        .and_then(|c| c.streets.iter().find(|s| s.name == "Rue de Rivoli"))
        .unwrap();
    let mut found = 0;
    for a in &rivoli.addresses {
        let p = a.best_position().unwrap().point;
        let t = TileId::at_lonlat(16, p.lon, p.lat);
        let decoded = tile(&INDEX, t).unwrap();
        for f in features(&decoded, layer::VOIES) {
            if f.str("nom") == Some("Rue de Rivoli") && f.str("commune") == Some("75104") {
                let (lon, lat) = to_lonlat(16, t.x, t.y, 4096, f.points[0].0, f.points[0].1);
                let near = rivoli.addresses.iter().any(|a| {
                    let q = a.best_position().unwrap().point;
                    (q.lon - lon).abs() < 1e-4 && (q.lat - lat).abs() < 1e-4
                });
                assert!(near, "the label is at one of the street's addresses");
                found += 1;
            }
        }
    }
    assert!(found > 0);
}
