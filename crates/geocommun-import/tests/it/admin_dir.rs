//! `load_admin_dir` on the shared-data layout and on the files as an operator downloads them.

use std::io::Read;

use geocommun_import::{ImportError, load_admin_dir};
use geocommun_model::LonLat;

use crate::common;

#[test]
fn shared_data_layout_with_centres() {
    let admin = common::admin();
    assert_eq!(admin.communes().len(), 37_590);
    let paris1 = admin.commune(&common::code("75101")).unwrap();
    assert_eq!(paris1.centre, Some(LonLat::new(2.336, 48.862)));
    assert_eq!(admin.context("2A"), "2A, Corse-du-Sud, Corse");
}

#[test]
fn official_file_names_uncompressed() {
    let src = common::data_dir().join("admin/decoupage-administratif-6.0.0");
    let dir = tempfile::tempdir().unwrap();
    let mut communes = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(src.join("communes.json.gz")).unwrap())
        .read_to_end(&mut communes)
        .unwrap();
    std::fs::write(dir.path().join("communes.json"), communes).unwrap();
    for name in ["departements.json", "regions.json"] {
        std::fs::copy(src.join(name), dir.path().join(name)).unwrap();
    }
    let admin = load_admin_dir(dir.path()).unwrap();
    assert_eq!(admin.communes().len(), 37_590);
    assert!(admin.communes().all(|c| c.centre.is_none()), "no centre file here");
}

#[test]
fn missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_admin_dir(dir.path()).unwrap_err();
    assert!(matches!(err, ImportError::AdminFileMissing { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("no communes.json — expected one of communes.json, communes.json.gz"),
        "{msg}"
    );
    assert!(msg.contains("@etalab/decoupage-administratif"), "{msg}");

    std::fs::write(dir.path().join("communes.json"), "[]").unwrap();
    let msg = load_admin_dir(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("no departements.json"), "{msg}");

    std::fs::write(dir.path().join("departements.json"), "[]").unwrap();
    std::fs::write(dir.path().join("regions.json"), "{\"not\": \"a list\"}").unwrap();
    let msg = load_admin_dir(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("regions.json is not the expected JSON"), "{msg}");
}
