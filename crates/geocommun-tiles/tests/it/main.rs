//! Integration tests of geocommun-tiles on real data: the Paris BAN file, the commune contours
//! of France (france-geojson) matched to the COG; tiles decoded by geozero's reader.
#![allow(clippy::unwrap_used, clippy::unreadable_literal)]

mod common;
mod contours;
mod paris;
mod property;
mod replace;
