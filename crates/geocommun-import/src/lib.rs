//! Readers of address files into [`geocommun_model`] values.
//!
//! Three layouts, recognised from their first line: the BAN CSV (`adresses-XX.csv[.gz]`,
//! columns matched by name, with or without the `id_ban_*` columns), its R re-export (`,`,
//! quoted, `NA`), and BANO 2015 (no header, ids built as `bench/addok/bano2ban.py` does). Sources are local paths or http(s) URLs, gzip or
//! not (magic bytes), UTF-8 with or without BOM.
//!
//! Rows are grouped like `bench/addok/ban2addok.py`: one street per (commune, ancienne
//! commune, `nom_voie`, street part of the id), a lieu-dit per `numero` 99999 row, repeated
//! numbers dropped. Bad rows never stop an import: they are [`RowIssue`]s in the
//! [`ImportStats`]; only I/O failures and an unrecognisable file are [`ImportError`]s.
//!
//! [`Importer`] keeps everything until [`Importer::finish`]; [`StreamingImporter`] hands each
//! commune over as soon as the input has moved past it. [`load_admin_dir`] opens the
//! administrative reference files for either.

mod accumulate;
mod admin_dir;
mod error;
mod format;
mod importer;
mod report;
mod source;

pub use admin_dir::{AdminSources, load_admin_dir, read_all};
pub use error::{ImportError, Result};
pub use importer::{DEFAULT_HOLD_BACK, Importer, StreamingImporter};
pub use report::{ImportStats, IssueKind, MAX_KEPT_ISSUES, Progress, RowIssue};
pub use source::Source;
