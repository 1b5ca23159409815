//! Errors of the import: only what stops reading a whole source. Bad rows are not errors;
//! they are [`crate::RowIssue`]s and the import goes on.

use std::io;

/// `Result` with [`ImportError`].
pub type Result<T, E = ImportError> = std::result::Result<T, E>;

/// The BAN header, as the expected-format message shows it.
pub(crate) const EXPECTED_FORMATS: &str = "a BAN CSV (`;`-separated, header `id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;…;lon;lat;…`), \
     its R re-export (`,`-separated, quoted, `NA` for empty) or a BANO 2015 file (no header, `id,numero,voie,code_post,nom_comm,source,lat,lon`); \
     gzip-compressed or not, UTF-8";

/// Why a source could not be read.
///
/// User errors (the file is not what it should be, the URL does not answer) name the file and
/// say what to do; [`ImportError::Io`] is the operating system's word.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading the file (or the decompressed stream) failed.
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    /// The download did not start.
    #[error(
        "{url}: download failed: {reason} — check the address and the network, or download the file and give its path"
    )]
    Http { url: String, reason: String },
    /// The first line is none of the formats this crate reads.
    #[error("{file}:1: unrecognised format ({detail}) — expected {EXPECTED_FORMATS}")]
    UnrecognisedFormat { file: String, detail: String },
    /// A BAN header without a column the import needs.
    #[error(
        "{file}:1: the BAN header has no column {missing} — give the whole BAN export (columns are matched by name, in any order)"
    )]
    MissingColumns { file: String, missing: String },
    /// A reference file of the admin folder is missing.
    #[error(
        "{dir}: no {what} — expected one of {candidates} (from the npm package @etalab/decoupage-administratif, folder data/; gzip allowed)"
    )]
    AdminFileMissing { dir: String, what: &'static str, candidates: String },
    /// A reference file of the admin folder is malformed.
    #[error("{file}: {source}")]
    Admin {
        file: String,
        #[source]
        source: geocommun_admin::AdminError,
    },
}

impl ImportError {
    /// Whether the error is about the input (fixable by the user) rather than the system.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }
}
