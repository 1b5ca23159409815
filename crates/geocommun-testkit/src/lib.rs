//! Test helpers shared by the crates' test suites (a dev-dependency only).
//!
//! Real data is never copied into the repository: it is read from `../shared/data` beside the
//! project (override with `GEOCOMMUN_DATA_DIR`).

pub mod france;
pub mod mvt;
pub mod smtp;

use std::path::PathBuf;

use geocommun_model::{
    Address, CodeInsee, CommuneAddresses, LonLat, Numero, Position, PositionKind, Street,
    StreetKind,
};

/// The shared data directory. Panics with what to do when it is missing: a data test that
/// silently passes without its data would be worse than none.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("GEOCOMMUN_DATA_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "shared data not found at {}: put the project beside `shared/` or set GEOCOMMUN_DATA_DIR",
        dir.display()
    );
    dir
}

/// A file of the shared data directory, e.g. `data_file("ban/ban-2024/adresses-75.csv.gz")`.
pub fn data_file(rel: &str) -> PathBuf {
    let p = data_dir().join(rel);
    assert!(p.is_file(), "shared data file missing: {}", p.display());
    p
}

/// An address with one `entrée` position.
pub fn address(number: u32, suffix: Option<&str>, lon: f64, lat: f64, id: &str) -> Address {
    Address {
        numero: Numero::new(number, suffix),
        positions: vec![Position { kind: PositionKind::Entree, point: LonLat::new(lon, lat) }],
        cle_interop: (!id.is_empty()).then(|| id.to_owned()),
        ban_id: None,
        postcode: None,
        certified: true,
    }
}

/// A street with numbers `1..=n` spaced 10 m apart eastwards from (`lon`, `lat`).
pub fn street(name: &str, code: &str, postcode: &str, lon: f64, lat: f64, n: u32) -> Street {
    let addresses = (1..=n)
        .map(|i| address(i, None, lon + f64::from(i) * 0.000_136, lat, &format!("{code}_{i:05}")))
        .collect();
    Street {
        kind: StreetKind::Voie,
        name: name.to_owned(),
        code: Some(code.to_owned()),
        ban_id: None,
        postcode: Some(postcode.to_owned()),
        old_commune: None,
        position: None,
        addresses,
    }
}

/// A commune with the given streets.
pub fn commune(code: &str, name: &str, population: u32, streets: Vec<Street>) -> CommuneAddresses {
    let code = CodeInsee::parse(code).expect("valid INSEE code in a test");
    let mut postcodes: Vec<String> = streets.iter().filter_map(|s| s.postcode.clone()).collect();
    postcodes.sort();
    postcodes.dedup();
    CommuneAddresses {
        code,
        name: name.to_owned(),
        ban_id: None,
        parent: None,
        postcodes,
        population,
        context: code.departement().to_owned(),
        position: None,
        streets,
    }
}
