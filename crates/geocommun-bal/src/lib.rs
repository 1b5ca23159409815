//! Base Adresse Locale (BAL) files: read, validate, explain, fix, write.
//!
//! The validator reproduces `@ban-team/validateur-bal` 3.5.2 code for code (see
//! `../shared/docs/bal-spec.md` and `docs/bal.md`): same encoding and CSV decisions, same
//! profile auto-detection, same value, row and cross-row codes, same grading. It streams the
//! file (two passes over a path: one to decide the encoding, one to parse) and keeps per row
//! only what the cross-row checks need. Parsing never fails on bad input: the report says
//! what could be read and what is wrong; `Err` is for I/O errors only.
//!
//! ```no_run
//! use geocommun_bal::{MiniCog, Options, Validator};
//! # fn cog() -> MiniCog { MiniCog::default() }
//! let cog = cog();
//! let report = Validator::new(&cog, Options::default()).validate_bytes(b"numero;voie_nom\n1;Rue");
//! println!("{}", serde_json::to_string(&report.to_json("in.csv")).unwrap());
//! ```

pub mod cog;
pub mod csv;
pub mod draft;
pub mod fix;
pub mod limits;
pub mod messages;
pub mod normalize;
pub mod profile;
mod profiles_data;
pub mod proj;
pub mod read;
pub mod report;
pub mod schema;
pub mod sniff;
pub mod validate;
pub mod values;
pub mod write;

pub use cog::{BanIdStore, MiniCog, StaticBanIds};
pub use messages::{Lang, explain};
pub use profile::{Profile, Severity, UnknownProfile};
pub use report::{Finding, Report};
pub use schema::{Field, Format};
pub use validate::{Options, Source, Validator};
pub use values::Date;
