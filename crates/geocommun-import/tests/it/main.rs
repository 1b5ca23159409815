//! Integration tests of geocommun-import: every real file of the shared data, broken inputs,
//! streaming, http sources and the admin folder.

// clippy.toml allows unwrap in #[test] functions; the helpers shared by them may too.
#![allow(clippy::unwrap_used)]

mod admin_dir;
mod broken;
mod common;
mod http;
mod real_data;
mod streaming;
