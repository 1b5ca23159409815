//! The administrative registry of geocommun: the COG communes (current communes, communes
//! déléguées and associées, arrondissements municipaux), départements and régions, with the
//! BAN reference centres of communes, EPCI and EPT with their members, La Poste postcodes, the
//! COG movements (history), commune contours (and the département, région and EPCI contours
//! derived from them), a point-in-polygon index and a name index.
//!
//! The crate parses bytes it is given and does no file I/O: the caller opens (and
//! decompresses) the files — `geocommun-import::load_admin_dir` does it for a data folder.
//!
//! ```
//! use geocommun_admin::AdminRegistry;
//! let communes = r#"[{"code":"75056","nom":"Paris","type":"commune-actuelle","departement":"75","region":"11","population":2103778}]"#;
//! let deps = r#"[{"code":"75","region":"11","nom":"Paris"}]"#;
//! let regions = r#"[{"code":"11","nom":"Île-de-France"}]"#;
//! let admin = AdminRegistry::from_readers(communes.as_bytes(), deps.as_bytes(), regions.as_bytes())?;
//! assert_eq!(admin.context("75"), "75, Paris, Île-de-France");
//! # Ok::<(), geocommun_admin::AdminError>(())
//! ```

mod cog;
pub mod contours;
mod epci;
mod error;
pub mod history;
pub mod names;
pub mod pip;
mod postcode;
mod registry;

pub use contours::{AreaKind, ContourReport, Contours, SIMPLIFY_LEVELS};
pub use epci::{Epci, EpciKind};
pub use error::{AdminError, AdminFile, Result};
pub use history::{CogRecord, CogType, HistoricCommune, Movement};
pub use names::NameIndex;
pub use pip::{Located, PipIndex};
pub use postcode::Postcode;
pub use registry::{AdminRegistry, BBox, Commune, CommuneKind, Departement, Region, Zone};
