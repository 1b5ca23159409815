//! Opening the administrative reference files: a data folder laid out like `shared/data/admin`
//! (or as an operator downloads the files), or the files given one by one as paths or URLs.

use std::io::Read;
use std::path::{Path, PathBuf};

use geocommun_admin::{AdminRegistry, Contours};

use crate::error::{ImportError, Result};
use crate::source::{Source, decompressed};

/// Sub-folders searched, in order, for the `@etalab/decoupage-administratif` files (the
/// shared-data layout, the npm package layout); the folder itself is searched first.
const COG_SUBDIRS: [&str; 3] = ["decoupage-administratif-6.0.0", "decoupage-administratif", "data"];

/// Names of the BAN commune-centre file (the shared-data name, the BAN platform's own name).
const CENTRE_NAMES: [&str; 3] =
    ["ban-plateforme-communes-center-bbox.json", "communes-center-bbox.json", "geo.json"];

/// Names of La Poste's postcode file: the datanova export (shared-data name and La Poste's
/// own), then `codes-postaux.json` of the npm package `codes-postaux`.
const POSTCODE_NAMES: [&str; 5] = [
    "laposte-codes-postaux-datanova-20250619.csv",
    "base-officielle-codes-postaux.csv",
    "laposte_hexasmal.csv",
    "019HexaSmal.csv",
    "codes-postaux-4.1.2/codes-postaux.json",
];

/// Folders searched for commune contours (`*.geojson[.gz]`): france-geojson's per-département
/// files, or etalab's `communes-*.geojson` in the folder itself.
const CONTOUR_DIRS: [&str; 3] = ["france-geojson/communes", "contours", "."];

/// Where each administrative reference file comes from (local path or http(s) URL; gzip or not).
#[derive(Clone, Debug, Default)]
pub struct AdminSources {
    /// `communes.json`, `departements.json`, `regions.json` of `@etalab/decoupage-administratif`.
    pub communes: Option<Source>,
    pub departements: Option<Source>,
    pub regions: Option<Source>,
    /// `epci.json` and `ept.json` of the same package (optional).
    pub epci: Option<Source>,
    pub ept: Option<Source>,
    /// BAN commune centres (optional).
    pub centres: Option<Source>,
    /// La Poste postcodes (optional).
    pub postcodes: Option<Source>,
    /// COG movements files (optional).
    pub movements: Vec<Source>,
    /// Commune contour GeoJSON files (optional).
    pub contours: Vec<Source>,
}

impl AdminSources {
    /// The files of a folder laid out like `shared/data/admin`, or holding the files as an
    /// operator downloads them:
    ///
    /// * `communes.json`, `departements.json`, `regions.json` (required) and `epci.json`,
    ///   `ept.json` of `@etalab/decoupage-administratif`, in the folder itself, in
    ///   `decoupage-administratif-6.0.0/`, `decoupage-administratif/` or `data/`;
    /// * the BAN commune centres `ban-plateforme-communes-center-bbox.json` (or
    ///   `communes-center-bbox.json`, `geo.json`);
    /// * La Poste's postcodes (`laposte-codes-postaux-*.csv`, `base-officielle-codes-postaux.csv`,
    ///   `019HexaSmal.csv`, or `codes-postaux-4.1.2/codes-postaux.json`);
    /// * COG movements: any `v_mvt_commune*.csv` or `*mouvements*.json` in the folder or one level
    ///   below;
    /// * commune contours: `*.geojson` in `france-geojson/communes/`, `contours/`, or
    ///   `communes*.geojson` in the folder itself.
    ///
    /// Every file may be gzip-compressed (`.gz` appended).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let cog_dir = std::iter::once(dir.to_path_buf())
            .chain(COG_SUBDIRS.iter().map(|s| dir.join(s)))
            .find(|d| find(d, "communes.json").is_some())
            .ok_or_else(|| missing(dir, "communes.json", &["communes.json", "communes.json.gz"]))?;
        let required = |name: &'static str| {
            find(&cog_dir, name)
                .map(Source::Path)
                .ok_or_else(|| missing(&cog_dir, name, &[name, &format!("{name}.gz")]))
        };
        let mut movements = Vec::new();
        let mut contours = Vec::new();
        let subdirs: Vec<PathBuf> = list(dir).into_iter().filter(|p| p.is_dir()).collect();
        for folder in std::iter::once(dir.to_path_buf()).chain(subdirs) {
            for p in list(&folder) {
                let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase());
                let name = name.unwrap_or_default();
                if p.is_file()
                    && (name.starts_with("v_mvt_commune")
                        || (name.contains("mouvements") && name.contains(".json")))
                {
                    movements.push(Source::Path(p));
                }
            }
        }
        for sub in CONTOUR_DIRS {
            let folder = dir.join(sub);
            let files: Vec<PathBuf> = list(&folder)
                .into_iter()
                .filter(|p| {
                    let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase());
                    let name = name.unwrap_or_default();
                    p.is_file()
                        && (name.ends_with(".geojson") || name.ends_with(".geojson.gz"))
                        && (sub != "." || name.starts_with("communes"))
                })
                .collect();
            if !files.is_empty() {
                contours = files.into_iter().map(Source::Path).collect();
                break;
            }
        }
        movements.sort_by_key(ToString::to_string);
        Ok(Self {
            communes: Some(required("communes.json")?),
            departements: Some(required("departements.json")?),
            regions: Some(required("regions.json")?),
            epci: find(&cog_dir, "epci.json").map(Source::Path),
            ept: find(&cog_dir, "ept.json").map(Source::Path),
            centres: CENTRE_NAMES.iter().find_map(|n| find(dir, n)).map(Source::Path),
            postcodes: POSTCODE_NAMES.iter().find_map(|n| find(dir, n)).map(Source::Path),
            movements,
            contours,
        })
    }

    /// Builds the registry (everything but the contours).
    pub fn load_registry(&self) -> Result<AdminRegistry> {
        let need = |s: &Option<Source>, what: &'static str| {
            s.clone().ok_or_else(|| ImportError::AdminFileMissing {
                dir: "(sources)".to_owned(),
                what,
                candidates: what.to_owned(),
            })
        };
        let communes = need(&self.communes, "communes.json")?;
        let departements = need(&self.departements, "departements.json")?;
        let regions = need(&self.regions, "regions.json")?;
        let mut registry = AdminRegistry::from_readers(
            &read_all(&communes)?[..],
            &read_all(&departements)?[..],
            &read_all(&regions)?[..],
        )
        .map_err(admin_error(&communes))?;
        if let Some(centres) = &self.centres {
            registry =
                registry.with_centres(&read_all(centres)?[..]).map_err(admin_error(centres))?;
        }
        if let Some(epci) = &self.epci {
            let ept = self.ept.as_ref().map(read_all).transpose()?;
            registry = registry
                .with_epcis(&read_all(epci)?[..], ept.as_deref())
                .map_err(admin_error(epci))?;
        }
        if let Some(postcodes) = &self.postcodes {
            registry = registry
                .with_postcodes(&read_all(postcodes)?[..])
                .map_err(admin_error(postcodes))?;
        }
        for m in &self.movements {
            registry = registry.with_movements(&read_all(m)?[..]).map_err(admin_error(m))?;
        }
        Ok(registry)
    }

    /// Reads the contour files and builds the contours (`None` when there is none).
    /// `progress` is called after each file is read with `(files read, files in all)`.
    pub fn load_contours(
        &self,
        registry: &AdminRegistry,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Option<Contours>> {
        if self.contours.is_empty() {
            return Ok(None);
        }
        let mut files = Vec::with_capacity(self.contours.len());
        for (i, s) in self.contours.iter().enumerate() {
            files.push(std::io::Cursor::new(read_all(s)?));
            progress(i + 1, self.contours.len());
        }
        let first = &self.contours[0];
        Contours::build(registry, files).map(Some).map_err(admin_error(first))
    }
}

/// Loads the [`AdminRegistry`] of a folder (see [`AdminSources::from_dir`]), without contours.
pub fn load_admin_dir(dir: &Path) -> Result<AdminRegistry> {
    AdminSources::from_dir(dir)?.load_registry()
}

fn admin_error(source: &Source) -> impl Fn(geocommun_admin::AdminError) -> ImportError + '_ {
    move |e| ImportError::Admin { file: source.to_string(), source: e }
}

/// The whole decompressed content of a source.
pub fn read_all(source: &Source) -> Result<Vec<u8>> {
    let name = source.to_string();
    let (raw, _) = source.open()?;
    let mut out = Vec::new();
    decompressed(raw)
        .and_then(|mut r| r.read_to_end(&mut out))
        .map_err(|e| ImportError::Io { file: name, source: e })?;
    Ok(out)
}

fn list(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))].into_iter().find(|p| p.is_file())
}

fn missing(dir: &Path, what: &'static str, candidates: &[&str]) -> ImportError {
    ImportError::AdminFileMissing {
        dir: dir.display().to_string(),
        what,
        candidates: candidates.join(", "),
    }
}
