//! Domain types of geocommun and the one French text-normalisation module.
//!
//! Everything downstream (import, BAL, search, server) speaks these types. This crate does
//! no I/O, has no async and no serialisation format of its own.

pub mod address;
pub mod geo;
pub mod ids;
pub mod text;

pub use address::{Address, CommuneAddresses, Numero, Position, PositionKind, Street, StreetKind};
pub use geo::LonLat;
pub use ids::{BanId, CodeInsee, IdError};
