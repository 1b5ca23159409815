//! Integration tests of geocommun-server: the router called in-process
//! (`tower::ServiceExt::oneshot`), on a tiny synthetic France.

// Test helpers outside `#[test]` functions unwrap too (clippy.toml only covers test fns).
#![allow(
    clippy::unwrap_used,
    clippy::many_single_char_names,
    clippy::unreadable_literal,
    clippy::assigning_clones,
    clippy::case_sensitive_file_extension_comparisons
)]

mod api_geo;
mod bad_input;
mod bal;
mod batch;
mod common;
mod csv;
mod editor;
mod lookup;
mod misc;
mod paris;
mod publication;
mod real_data;
mod reverse;
mod search;
mod security;
mod streaming;
mod tiles;
mod ui;
mod webhooks;
