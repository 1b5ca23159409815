//! Errors of the administrative registry.
//!
//! The registry reads reference data (the COG files of `@etalab/decoupage-administratif` and the
//! BAN commune centres), not user data: a file that does not have the expected shape is an error
//! that names the file and says where to get a good one.

use std::fmt;

/// `Result` with [`AdminError`].
pub type Result<T, E = AdminError> = std::result::Result<T, E>;

/// Which reference file an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminFile {
    Communes,
    Departements,
    Regions,
    Centres,
}

impl AdminFile {
    /// The file name the data is published under.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Communes => "communes.json",
            Self::Departements => "departements.json",
            Self::Regions => "regions.json",
            Self::Centres => "ban-plateforme-communes-center-bbox.json",
        }
    }

    /// Where a good copy of the file comes from.
    pub fn origin(self) -> &'static str {
        match self {
            Self::Communes | Self::Departements | Self::Regions => {
                "the data/ folder of the npm package @etalab/decoupage-administratif (COG 2026 = 6.0.0)"
            }
            Self::Centres => {
                "the BAN platform's commune geo.json (an object: INSEE code → {center, bbox, nom})"
            }
        }
    }
}

impl fmt::Display for AdminFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Why the registry could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The reader failed.
    #[error("cannot read {file}: {source}")]
    Io {
        file: AdminFile,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not the JSON the registry expects.
    #[error(
        "{file} is not the expected JSON ({source}) — use the {file} from {origin}, uncompressed",
        origin = file.origin()
    )]
    Json {
        file: AdminFile,
        #[source]
        source: serde_json::Error,
    },
    /// A record is well-formed JSON but carries a value the registry cannot use.
    #[error(
        "{file}: record #{index} (`{code}`): {reason} — use the {file} from {origin}",
        origin = file.origin()
    )]
    InvalidRecord { file: AdminFile, index: usize, code: String, reason: String },
}
