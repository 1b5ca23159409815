//! Handlers, one module per family of routes.

pub mod bal;
pub mod base;
pub mod batch;
pub mod editor;
pub mod exports;
pub mod feed;
pub mod geo;
pub mod geocode;
pub mod misc;
pub mod publication;
pub mod tiles;
pub mod webhooks;
