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
    Epci,
    Ept,
    Postcodes,
    Movements,
    Contours,
}

impl AdminFile {
    /// The file name the data is published under.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Communes => "communes.json",
            Self::Departements => "departements.json",
            Self::Regions => "regions.json",
            Self::Centres => "ban-plateforme-communes-center-bbox.json",
            Self::Epci => "epci.json",
            Self::Ept => "ept.json",
            Self::Postcodes => "laposte-codes-postaux.csv",
            Self::Movements => "v_mvt_commune.csv",
            Self::Contours => "communes.geojson",
        }
    }

    /// Where a good copy of the file comes from.
    pub fn origin(self) -> &'static str {
        match self {
            Self::Communes | Self::Departements | Self::Regions | Self::Epci | Self::Ept => {
                "the data/ folder of the npm package @etalab/decoupage-administratif (COG 2026 = 6.0.0)"
            }
            Self::Centres => {
                "the BAN platform's commune geo.json (an object: INSEE code → {center, bbox, nom})"
            }
            Self::Postcodes => {
                "La Poste's base officielle des codes postaux (datanova CSV, `,` or `;` separated) \
                 or codes-postaux.json of the npm package codes-postaux"
            }
            Self::Movements => {
                "INSEE's COG movements (v_mvt_commune_YYYY.csv) or the BAN platform's \
                 cog-insee-YYYY-mouvements.json"
            }
            Self::Contours => {
                "a GeoJSON FeatureCollection of communes with a `code` property \
                 (france-geojson, etalab contours-administratifs)"
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
