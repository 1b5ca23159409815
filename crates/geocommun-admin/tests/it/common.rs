//! Locating the shared data (never copied into the repository).

use std::io::Read;
use std::path::{Path, PathBuf};

use geocommun_admin::AdminRegistry;

/// `../shared/data` next to the workspace, or `$GEOCOMMUN_DATA_DIR`. Panics with a clear
/// message when it is missing: the data tests must not pass silently without their data.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("GEOCOMMUN_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("admin").is_dir(),
        "shared data not found at {} — clone shared/ next to the workspace or set \
         GEOCOMMUN_DATA_DIR to the folder holding admin/ and ban/",
        dir.display()
    );
    dir
}

fn read(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
        out
    } else {
        bytes
    }
}

pub fn registry(with_centres: bool) -> AdminRegistry {
    let admin = data_dir().join("admin");
    let dec = admin.join("decoupage-administratif-6.0.0");
    let registry = AdminRegistry::from_readers(
        &read(&dec.join("communes.json.gz"))[..],
        &read(&dec.join("departements.json"))[..],
        &read(&dec.join("regions.json"))[..],
    )
    .unwrap();
    if with_centres {
        registry
            .with_centres(&read(&admin.join("ban-plateforme-communes-center-bbox.json.gz"))[..])
            .unwrap()
    } else {
        registry
    }
}

/// The registry with everything: centres, EPCI/EPT, La Poste postcodes, 2025 movements.
pub fn full_registry() -> AdminRegistry {
    let admin = data_dir().join("admin");
    let dec = admin.join("decoupage-administratif-6.0.0");
    registry(true)
        .with_epcis(&read(&dec.join("epci.json.gz"))[..], Some(&read(&dec.join("ept.json"))[..]))
        .unwrap()
        .with_postcodes(&read(&admin.join("laposte-codes-postaux-datanova-20250619.csv.gz"))[..])
        .unwrap()
        .with_movements(
            &read(&admin.join("cog-2025/ban-plateforme-cog-insee-2025-mouvements.json"))[..],
        )
        .unwrap()
}

/// The france-geojson commune files, decompressed.
pub fn contour_files() -> Vec<std::io::Cursor<Vec<u8>>> {
    let dir = data_dir().join("admin/france-geojson/communes");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|p| std::io::Cursor::new(read(p))).collect()
}
