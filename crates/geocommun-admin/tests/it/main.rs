//! Integration tests of geocommun-admin on the real COG 2026 files of the shared data.

// clippy.toml allows unwrap in #[test] functions; the helpers shared by them may too.
#![allow(clippy::unwrap_used)]

mod common;
mod contours;
mod real_data;
