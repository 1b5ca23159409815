//! Département and commune contours: present at the zooms the style shows them, simplified at
//! low zooms, absent from the ocean.

use geocommun_tiles::{TileId, layer};

use crate::common::{AREAS, INDEX, features, tile};

#[test]
fn france_is_readable_at_low_zoom() {
    // z0: the whole world, one tile, with every département (metropole and overseas).
    let z0 = tile(&INDEX, TileId::new(0, 0, 0).unwrap()).unwrap();
    let deps = features(&z0, layer::DEPARTEMENTS);
    assert!(deps.len() >= 96, "{}", deps.len());
    assert!(
        deps.iter().any(|f| f.str("code") == Some("2A") && f.str("nom") == Some("Corse-du-Sud"))
    );
    assert!(deps.iter().any(|f| f.str("code") == Some("974")));
    assert!(features(&z0, layer::COMMUNES).is_empty(), "no commune below z8");
    let labels = features(&z0, layer::DEPARTEMENTS_ETIQUETTES);
    assert!(labels.iter().any(|f| f.str("nom") == Some("Paris")));
    // Simplified: the z0 tile is small.
    let bytes = INDEX.render(TileId::new(0, 0, 0).unwrap()).unwrap();
    assert!(bytes.len() < 400_000, "z0 tile of {} bytes", bytes.len());

    // z5 over Paris: Paris, its neighbours, no commune yet.
    let t = TileId::at_lonlat(5, 2.35, 48.85);
    let z5 = tile(&INDEX, t).unwrap();
    let codes: Vec<&str> =
        features(&z5, layer::DEPARTEMENTS).iter().filter_map(|f| f.str("code")).collect();
    for code in ["75", "92", "93", "94", "77", "78"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
}

#[test]
fn communes_appear_at_zoom_8_with_their_names() {
    let t7 = tile(&INDEX, TileId::at_lonlat(7, 2.35, 48.85)).unwrap();
    assert!(features(&t7, layer::COMMUNES).is_empty());
    assert!(features(&t7, layer::COMMUNES_ETIQUETTES).is_empty());
    let t8 = tile(&INDEX, TileId::at_lonlat(8, 2.35, 48.85)).unwrap();
    let communes = features(&t8, layer::COMMUNES);
    assert!(communes.len() > 100, "{}", communes.len());
    let paris = communes.iter().find(|f| f.str("code") == Some("75056")).unwrap();
    assert_eq!(paris.str("nom"), Some("Paris"));
    assert_eq!(paris.polygons.len(), 1, "Paris is one polygon");
    let bondy = features(&t8, layer::COMMUNES_ETIQUETTES)
        .iter()
        .find(|f| f.str("code") == Some("93010"))
        .unwrap();
    assert_eq!(bondy.str("nom"), Some("Bondy"));
    assert!(
        matches!(bondy.props["population"], geocommun_testkit::mvt::Value::UInt(n) if n > 40_000)
    );
}

#[test]
fn contours_are_simplified_per_zoom() {
    // Corse-du-Sud, whole in one tile from z2 to z5: more vertices at each zoom, far fewer
    // than the contour as read.
    use geo::CoordsIter;
    let full = crate::common::ADMIN
        .1
        .area(geocommun_admin::AreaKind::Departement, "2A", 0)
        .unwrap()
        .coords_count();
    let mut previous = 0usize;
    for z in 2u8..=5 {
        let t = TileId::at_lonlat(z, 9.0, 41.9);
        let decoded = tile(&INDEX, t).unwrap();
        let dep = features(&decoded, layer::DEPARTEMENTS)
            .iter()
            .find(|f| f.str("code") == Some("2A"))
            .unwrap();
        let n = dep.coords().count();
        assert!(n > previous, "z{z}: {n} vertices, not more than at the zoom before ({previous})");
        previous = n;
    }
    assert!(previous * 10 < full, "z5: {previous} vertices of {full}");
    let stats = AREAS.stats();
    assert!(stats.communes > 34_000 && stats.departements >= 100, "{stats:?}");
}

#[test]
fn the_ocean_is_empty() {
    // Mid-Atlantic, and the Bay of Biscay off the coast at z9 and z14.
    for t in [
        TileId::new(5, 12, 11).unwrap(),
        TileId::at_lonlat(9, -6.0, 45.5),
        TileId::at_lonlat(14, -6.0, 45.5),
    ] {
        assert!(INDEX.render(t).is_none(), "{t} should be empty");
    }
}

#[test]
fn a_tile_inside_a_commune_is_covered_by_its_contour() {
    // z16 in the middle of the Bois de Vincennes (Paris 12e, no address): Paris's contour
    // covers the whole tile, cut to the buffer.
    let t = TileId::at_lonlat(16, 2.4385, 48.8330);
    let decoded = tile(&INDEX, t).unwrap();
    let paris = features(&decoded, layer::COMMUNES)
        .iter()
        .find(|f| f.str("code") == Some("75056"))
        .unwrap();
    let ring = &paris.polygons[0][0];
    let xs: Vec<f64> = ring.iter().map(|p| p.0).collect();
    assert!(xs.iter().any(|&x| x <= -64.0) && xs.iter().any(|&x| x >= 4160.0), "{ring:?}");
}
