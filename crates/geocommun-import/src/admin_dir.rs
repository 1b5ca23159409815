//! Opening the administrative reference files of a data folder.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use geocommun_admin::AdminRegistry;

use crate::error::{ImportError, Result};
use crate::source::decompressed;

/// Sub-folders searched, in order, for the `@etalab/decoupage-administratif` files (the
/// shared-data layout, the npm package layout); the folder itself is searched first.
const COG_SUBDIRS: [&str; 3] = ["decoupage-administratif-6.0.0", "decoupage-administratif", "data"];

/// Names of the BAN commune-centre file (the shared-data name, the BAN platform's own name).
const CENTRE_NAMES: [&str; 3] =
    ["ban-plateforme-communes-center-bbox.json", "communes-center-bbox.json", "geo.json"];

/// Loads the [`AdminRegistry`] of a folder laid out like `shared/data/admin`, or holding the
/// files as an operator downloads them:
///
/// * `communes.json`, `departements.json`, `regions.json` of `@etalab/decoupage-administratif`
///   (required), in the folder itself, in `decoupage-administratif-6.0.0/`,
///   `decoupage-administratif/` or `data/`; each may be gzip-compressed (`.json.gz`);
/// * the BAN commune centres, `ban-plateforme-communes-center-bbox.json[.gz]` (or
///   `communes-center-bbox.json`, `geo.json`), optional.
pub fn load_admin_dir(dir: &Path) -> Result<AdminRegistry> {
    let cog_dir = std::iter::once(dir.to_path_buf())
        .chain(COG_SUBDIRS.iter().map(|s| dir.join(s)))
        .find(|d| find(d, "communes.json").is_some())
        .ok_or_else(|| missing(dir, "communes.json", &["communes.json", "communes.json.gz"]))?;
    let required = |name: &'static str| {
        find(&cog_dir, name).ok_or_else(|| missing(&cog_dir, name, &[name, &format!("{name}.gz")]))
    };
    let communes = open(&required("communes.json")?)?;
    let departements = open(&required("departements.json")?)?;
    let regions = open(&required("regions.json")?)?;
    let registry = AdminRegistry::from_readers(communes, departements, regions)
        .map_err(|source| ImportError::Admin { file: cog_dir.display().to_string(), source })?;
    let centres = CENTRE_NAMES.iter().find_map(|name| find(dir, name));
    match centres {
        Some(path) => registry
            .with_centres(open(&path)?)
            .map_err(|source| ImportError::Admin { file: path.display().to_string(), source }),
        None => Ok(registry),
    }
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

fn open(path: &Path) -> Result<impl Read + use<>> {
    let io_error = |source| ImportError::Io { file: path.display().to_string(), source };
    let file = File::open(path).map_err(io_error)?;
    decompressed(file).map_err(io_error)
}
