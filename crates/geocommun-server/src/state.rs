//! Shared state of the server: the engine (hot-swappable), the configuration, the metrics.

use std::sync::Arc;

use arc_swap::ArcSwap;
use geocommun_search::Engine;

use crate::config::ServerConfig;
use crate::metrics::Metrics;

/// What every handler sees. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<ArcSwap<Engine>>,
    config: ServerConfig,
    metrics: Metrics,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(engine: Engine, config: ServerConfig) -> Self {
        Self::with_engine_handle(Arc::new(ArcSwap::from_pointee(engine)), config)
    }

    /// State over an engine handle shared with whoever swaps in newer engines (e.g. after a
    /// commune is republished): readers are never blocked by a swap.
    pub fn with_engine_handle(engine: Arc<ArcSwap<Engine>>, config: ServerConfig) -> Self {
        Self { inner: Arc::new(Inner { engine, config, metrics: Metrics::new() }) }
    }

    /// The engine now; a request keeps the one it started with.
    pub fn engine(&self) -> Arc<Engine> {
        self.inner.engine.load_full()
    }

    pub fn engine_handle(&self) -> Arc<ArcSwap<Engine>> {
        Arc::clone(&self.inner.engine)
    }

    /// Serves `engine` from now on; requests in flight finish on the previous one.
    pub fn swap_engine(&self, engine: Engine) {
        self.inner.engine.store(Arc::new(engine));
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}
