//! Shared helpers: where the shared data is, one-time imports of the real files.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use geocommun_admin::AdminRegistry;
use geocommun_import::{ImportStats, Importer, Source, load_admin_dir};
use geocommun_model::{Address, CodeInsee, CommuneAddresses, Street};

/// `../shared/data` next to the workspace, or `$GEOCOMMUN_DATA_DIR`. Panics with a clear
/// message when it is missing: the data tests must not pass silently without their data.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("GEOCOMMUN_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("ban").is_dir() && dir.join("admin").is_dir(),
        "shared data not found at {} — clone shared/ next to the workspace or set \
         GEOCOMMUN_DATA_DIR to the folder holding admin/ and ban/",
        dir.display()
    );
    dir
}

pub fn ban_file(relative: &str) -> PathBuf {
    data_dir().join("ban").join(relative)
}

pub fn bano_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(ban_file("bano-2015"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "gz"))
        .collect();
    files.sort();
    files
}

pub fn admin() -> &'static AdminRegistry {
    static ADMIN: OnceLock<AdminRegistry> = OnceLock::new();
    ADMIN.get_or_init(|| load_admin_dir(&data_dir().join("admin")).unwrap())
}

/// An import of the given files, with per-file stats.
pub struct Imported {
    pub per_file: Vec<ImportStats>,
    pub totals: ImportStats,
    pub communes: Vec<CommuneAddresses>,
}

pub fn import(files: &[PathBuf], admin: Option<&AdminRegistry>) -> Imported {
    let mut importer = Importer::new(admin);
    let per_file = files
        .iter()
        .map(|f| importer.read(&Source::from(f.as_path()), &mut |_| {}).unwrap())
        .collect();
    let totals = importer.stats().clone();
    Imported { per_file, totals, communes: importer.finish() }
}

pub fn paris() -> &'static Imported {
    static PARIS: OnceLock<Imported> = OnceLock::new();
    PARIS.get_or_init(|| import(&[ban_file("ban-2024/adresses-75.csv.gz")], Some(admin())))
}

pub fn bano() -> &'static Imported {
    static BANO: OnceLock<Imported> = OnceLock::new();
    BANO.get_or_init(|| import(&bano_files(), Some(admin())))
}

pub fn code(s: &str) -> CodeInsee {
    CodeInsee::parse(s).unwrap()
}

pub fn commune<'c>(communes: &'c [CommuneAddresses], code_str: &str) -> &'c CommuneAddresses {
    let code = code(code_str);
    communes.iter().find(|c| c.code == code).unwrap_or_else(|| panic!("no commune {code_str}"))
}

/// The street and address of a `cle_interop`.
pub fn address<'c>(communes: &'c [CommuneAddresses], cle: &str) -> (&'c Street, &'c Address) {
    communes
        .iter()
        .flat_map(|c| &c.streets)
        .flat_map(|s| s.addresses.iter().map(move |a| (s, a)))
        .find(|(_, a)| a.cle_interop.as_deref() == Some(cle))
        .unwrap_or_else(|| panic!("no address {cle}"))
}

/// Writes `content` to `name` in a fresh temporary folder.
pub fn temp_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// The 23-column BAN header.
pub const BAN_HEADER: &str = "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;cad_parcelles";

/// A BAN row with the given values and the other columns empty.
#[allow(clippy::too_many_arguments)] // one argument per BAN column that the tests vary
pub fn ban_row(
    id: &str,
    numero: &str,
    rep: &str,
    voie: &str,
    cp: &str,
    insee: &str,
    lon: &str,
    lat: &str,
) -> String {
    format!(
        "{id};;{numero};{rep};{voie};{cp};{insee};Commune;;;;;{lon};{lat};entrée;;;;;commune;commune;1;"
    )
}
