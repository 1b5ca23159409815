//! Integration tests of the engine: synthetic communes for exact behaviour, real data for the
//! rest (see `real.rs`).

mod real;
mod synthetic;
