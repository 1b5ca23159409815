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
    /// The administrative reference of the API Géo routes, once loaded.
    geo: arc_swap::ArcSwapOption<crate::routes::geo::GeoData>,
    /// The COG of `POST /bal/validate`, once loaded.
    bal_cog: arc_swap::ArcSwapOption<geocommun_bal::MiniCog>,
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
        Self {
            inner: Arc::new(Inner {
                engine,
                geo: arc_swap::ArcSwapOption::empty(),
                bal_cog: arc_swap::ArcSwapOption::empty(),
                config,
                metrics: Metrics::new(),
            }),
        }
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

    /// The administrative reference (API Géo routes, `/reverse/` commune fallback), if loaded.
    pub fn geo(&self) -> Option<Arc<crate::routes::geo::GeoData>> {
        self.inner.geo.load_full()
    }

    /// Serves this administrative reference from now on (it may be loaded after start-up).
    pub fn set_geo(&self, geo: Arc<crate::routes::geo::GeoData>) {
        self.inner.geo.store(Some(geo));
    }

    /// The COG the BAL validator checks communes against, if loaded.
    pub fn bal_cog(&self) -> Option<Arc<geocommun_bal::MiniCog>> {
        self.inner.bal_cog.load_full()
    }

    /// Validates BAL files against this COG from now on.
    pub fn set_bal_cog(&self, cog: Arc<geocommun_bal::MiniCog>) {
        self.inner.bal_cog.store(Some(cog));
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}
