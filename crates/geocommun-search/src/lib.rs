//! The geocoding engine of geocommun.
//!
//! - [`SegmentBuilder`] turns model values ([`geocommun_model::CommuneAddresses`]) into an
//!   immutable [`Segment`]: documents (municipalities, streets, lieux-dits) with their house
//!   numbers, a term dictionary (FST) with posting lists ordered by importance, a phonetic
//!   dictionary, an identifier dictionary and a spatial index (packed Hilbert R-tree).
//! - [`Engine`] holds segments and answers [`Engine::search`], [`Engine::reverse`] and
//!   [`Engine::lookup`]. Replacing a commune builds a small segment and masks the commune in
//!   the older ones ([`Engine::replace_communes`]): readers are never blocked. Small segments
//!   of the same size are merged ([`Engine::plan_merge`], `merge.rs`), so that a search goes
//!   through few segments however many communes were published.
//! - [`snapshot`] writes an engine to one file and memory-maps it back, read in place.
//!
//! The engine is synchronous and deterministic; it knows no HTTP, no SQL and no CSV.

mod build;
mod engine;
pub mod limits;
mod merge;
mod query;
mod search;
mod segment;
pub mod snapshot;
mod storage;

pub use build::{SegmentBuilder, build_segment, importance};
pub use engine::{Engine, EngineStats, Generation};
pub use merge::{MergePlan, Merged};
pub use query::QueryError;
pub use segment::{DocKind, Segment};

use geocommun_model::LonLat;

/// The type of a result, as the api-adresse contract names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultType {
    Housenumber,
    Street,
    Locality,
    Municipality,
}

impl ResultType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Housenumber => "housenumber",
            Self::Street => "street",
            Self::Locality => "locality",
            Self::Municipality => "municipality",
        }
    }

    /// Parses `housenumber`, `street`, `locality`, `municipality`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "housenumber" => Self::Housenumber,
            "street" => Self::Street,
            "locality" => Self::Locality,
            "municipality" => Self::Municipality,
            _ => return None,
        })
    }

    pub(crate) fn of(kind: DocKind, with_number: bool) -> Self {
        match kind {
            _ if with_number => Self::Housenumber,
            DocKind::Municipality => Self::Municipality,
            DocKind::Street => Self::Street,
            DocKind::Locality => Self::Locality,
        }
    }
}

/// Filters of a search or a reverse query; several values of one filter are alternatives.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub types: Vec<ResultType>,
    pub postcodes: Vec<String>,
    pub citycodes: Vec<String>,
}

/// A search.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    pub q: String,
    pub limit: usize,
    /// Complete the last word as a prefix (type-ahead).
    pub autocomplete: bool,
    /// Bias towards this point (a score component, not a filter).
    pub center: Option<LonLat>,
    pub filters: Filters,
    /// Return the parts of each score.
    pub explain: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            q: String::new(),
            limit: 5,
            autocomplete: true,
            center: None,
            filters: Filters::default(),
            explain: false,
        }
    }
}

/// A reverse-geocoding query.
#[derive(Clone, Debug)]
pub struct ReverseRequest {
    pub point: LonLat,
    pub limit: usize,
    pub filters: Filters,
}

/// The parts of a score (`explain=1`).
#[derive(Clone, Debug, PartialEq)]
pub struct Explain {
    /// Weighted share of the query tokens found in the result (0..1).
    pub text: f32,
    /// Weighted share of the result's name found in the query (0..1).
    pub name_coverage: f32,
    pub importance: f32,
    /// Geographic proximity to the bias point (0..1), when one was given.
    pub geo: f32,
    /// How well the house number matched (1 exact, less without the suffix asked for).
    pub housenumber: f32,
    /// Second pass with typo tolerance on every word.
    pub typo_pass: bool,
    /// Each query token with what it matched: `exact`, `phonetic`, `prefix`, `typo`, `split`, or none.
    pub tokens: Vec<(String, Option<&'static str>)>,
}

/// One result, with everything the api-adresse contract returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub result_type: ResultType,
    pub score: f32,
    pub label: String,
    /// Number + street, or the street, lieu-dit or commune name.
    pub name: String,
    pub housenumber: Option<String>,
    /// `cle_interop` of an address, street id, or INSEE code of a municipality.
    pub id: String,
    pub ban_id: Option<String>,
    /// The street's name, for house numbers and streets.
    pub street: Option<String>,
    pub postcode: String,
    pub citycode: String,
    pub city: String,
    pub district: Option<String>,
    pub oldcitycode: Option<String>,
    pub oldcity: Option<String>,
    pub context: String,
    pub importance: f32,
    pub position: LonLat,
    pub population: Option<u32>,
    /// Distance to the query point in metres (reverse, or search with a bias point).
    pub distance: Option<f64>,
    pub explain: Option<Explain>,
}
