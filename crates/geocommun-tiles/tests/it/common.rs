//! The data of the tests, loaded once: Paris's addresses, the contours, the index.

use std::sync::{Arc, LazyLock};

use geocommun_admin::{AdminRegistry, Contours};
use geocommun_model::CommuneAddresses;
use geocommun_testkit::mvt::{self, Feature};
use geocommun_tiles::{AddressIndex, Areas, TileId, TileIndex};

pub static ADMIN: LazyLock<(AdminRegistry, Contours)> = LazyLock::new(|| {
    let dir = geocommun_testkit::data_dir().join("admin");
    let sources = geocommun_import::AdminSources::from_dir(&dir).unwrap();
    let registry = sources.load_registry().unwrap();
    let contours = sources.load_contours(&registry, &mut |_, _| {}).unwrap().unwrap();
    (registry, contours)
});

pub static PARIS: LazyLock<Vec<CommuneAddresses>> = LazyLock::new(|| {
    let mut importer = geocommun_import::Importer::new(Some(&ADMIN.0));
    let file = geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz");
    importer.read(&geocommun_import::Source::Path(file), &mut |_| {}).unwrap();
    importer.finish()
});

pub static AREAS: LazyLock<Arc<Areas>> =
    LazyLock::new(|| Arc::new(Areas::build(&ADMIN.0, &ADMIN.1)));

pub static INDEX: LazyLock<TileIndex> = LazyLock::new(|| {
    TileIndex::new(Some(Arc::clone(&AREAS)), Arc::new(AddressIndex::build(&PARIS)))
});

/// Renders and decodes a tile (`None`: empty).
pub fn tile(index: &TileIndex, t: TileId) -> Option<mvt::Tile> {
    index.render(t).map(|bytes| mvt::decode(&bytes).unwrap_or_else(|e| panic!("{t}: {e}")))
}

/// The features of a layer (none when the layer is absent).
pub fn features<'a>(tile: &'a mvt::Tile, layer: &str) -> &'a [Feature] {
    tile.get(layer).map_or(&[], |l| &l.features)
}

/// Whether a point (tile units) is inside the tile proper, not in its buffer.
pub fn inside(p: (f64, f64)) -> bool {
    (0.0..4096.0).contains(&p.0) && (0.0..4096.0).contains(&p.1)
}

/// The z14 tiles over Paris (the bounding box of its addresses).
pub fn paris_tiles(z: u8) -> Vec<TileId> {
    let (mut min, mut max) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for c in PARIS.iter() {
        for s in &c.streets {
            for a in &s.addresses {
                for p in &a.positions {
                    min = (min.0.min(p.point.lon), min.1.min(p.point.lat));
                    max = (max.0.max(p.point.lon), max.1.max(p.point.lat));
                }
            }
        }
    }
    let nw = TileId::at_lonlat(z, min.0, max.1);
    let se = TileId::at_lonlat(z, max.0, min.1);
    let mut out = Vec::new();
    for x in nw.x..=se.x {
        for y in nw.y..=se.y {
            out.push(TileId::new(u64::from(z), u64::from(x), u64::from(y)).unwrap());
        }
    }
    out
}
