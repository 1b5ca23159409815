//! Exports of the national base, streamed and gzip-compressed: the BAN CSV layout
//! (`adresses-XX.csv`, with or without BAN ids), BAL 1.4, GeoJSON and the addok NDJSON, per
//! commune, département or France, each stating the feed cursor it matches (a reuser applies
//! the feed's changes after that cursor to stay current; see `geocommun_store::feed`).
//!
//! ```no_run
//! # fn demo(communes: Vec<geocommun_model::CommuneAddresses>) -> std::io::Result<()> {
//! use geocommun_export::{ExportWriter, Format};
//! let file = std::fs::File::create("adresses-75.csv.gz")?;
//! let mut w = ExportWriter::new(Format::BanCsv, 42, file)?;
//! for c in communes {
//!     w.push(c)?;
//! }
//! let (_, stats) = w.finish()?;
//! # Ok(()) }
//! ```
//!
//! The data flows one way: the store (BAL communes) and the fallback files go through
//! [`base`] into an [`ExportWriter`]; nothing here writes back.

pub mod base;
pub mod format;
pub mod writer;

pub use base::{Fallback, Scope};
pub use format::Format;
pub use writer::{ExportStats, ExportWriter};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading the fallback data: {0}")]
    Import(#[from] geocommun_import::ImportError),
    #[error("reading the store: {0}")]
    Store(#[from] geocommun_store::Error),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}
