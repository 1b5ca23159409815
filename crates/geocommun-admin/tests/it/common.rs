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
