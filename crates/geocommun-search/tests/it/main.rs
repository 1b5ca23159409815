//! Integration tests of the engine: synthetic communes for exact behaviour, real data for the
//! rest (see `real.rs`).

// Test helpers outside `#[test]` functions unwrap too (clippy.toml allows it only inside).
#![allow(clippy::unwrap_used)]

mod real;
mod segments;
mod synthetic;
