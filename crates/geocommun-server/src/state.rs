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
    /// What vector tiles are cut from; its address part follows the engine's communes.
    tiles: ArcSwap<geocommun_tiles::TileIndex>,
    /// The administrative reference of the API Géo routes, once loaded.
    geo: arc_swap::ArcSwapOption<crate::routes::geo::GeoData>,
    /// The COG of `POST /bal/validate`, once loaded.
    bal_cog: arc_swap::ArcSwapOption<geocommun_bal::MiniCog>,
    /// The commons' store (publication routes, live index), once opened.
    store: arc_swap::ArcSwapOption<geocommun_store::Store>,
    /// The fallback files, read again by exports.
    fallback: arc_swap::ArcSwapOption<geocommun_export::Fallback>,
    /// Serialises engine rebuilds: each one starts from the engine the previous one made.
    reindex: tokio::sync::Mutex<()>,
    /// The revision the index serves for each published commune.
    indexed: std::sync::Mutex<std::collections::HashMap<String, geocommun_store::RevisionId>>,
    /// A background merge of small segments is running.
    merging: std::sync::atomic::AtomicBool,
    config: ServerConfig,
    metrics: Metrics,
    /// Answers of `/search/` and `/reverse/` made by the engines served.
    answers: crate::answers::Answers,
    /// The rate limiters of the publication routes, from `config.rate_limits`.
    limiters: crate::rate_limit::Limiters,
    /// The figures of each commune's fallback data (`GET /base/communes/{code}`): the files
    /// do not change while the server runs, so each commune is read once.
    fallback_figures:
        std::sync::Mutex<std::collections::HashMap<String, crate::routes::base::Figures>>,
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
                tiles: ArcSwap::from_pointee(geocommun_tiles::TileIndex::default()),
                geo: arc_swap::ArcSwapOption::empty(),
                bal_cog: arc_swap::ArcSwapOption::empty(),
                store: arc_swap::ArcSwapOption::empty(),
                fallback: arc_swap::ArcSwapOption::empty(),
                reindex: tokio::sync::Mutex::new(()),
                indexed: std::sync::Mutex::default(),
                merging: std::sync::atomic::AtomicBool::new(false),
                limiters: crate::rate_limit::Limiters::new(config.rate_limits),
                fallback_figures: std::sync::Mutex::default(),
                answers: crate::answers::Answers::new(config.answers_cache_bytes),
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

    /// The tile index now; a request keeps the one it started with.
    pub fn tiles(&self) -> Arc<geocommun_tiles::TileIndex> {
        self.inner.tiles.load_full()
    }

    /// Cuts tiles from these addresses from now on (the national base at start-up, before the
    /// published communes replace theirs: see [`Self::index_published`]).
    #[allow(clippy::needless_pass_by_value)] // `rcu` may run its closure again: it clones
    pub fn set_tile_addresses(&self, addresses: Arc<geocommun_tiles::AddressIndex>) {
        self.inner.tiles.rcu(|t| t.with_addresses(Arc::clone(&addresses)));
    }

    /// Draws these contours in the tiles from now on (they may be loaded after start-up).
    #[allow(clippy::needless_pass_by_value)] // `rcu` may run its closure again: it clones
    pub fn set_tile_areas(&self, areas: Arc<geocommun_tiles::Areas>) {
        self.inner.tiles.rcu(|t| t.with_areas(Arc::clone(&areas)));
    }

    /// Adds fallback communes to the tiles, leaving alone every commune they already hold (a
    /// published commune indexed meanwhile is never replaced by its fallback data). For a
    /// server started from a snapshot, whose files are read for the tiles afterwards.
    pub async fn add_fallback_tiles(&self, communes: Vec<geocommun_model::CommuneAddresses>) {
        let guard = self.inner.reindex.lock().await;
        let current = Arc::clone(self.tiles().addresses());
        let built = tokio::task::spawn_blocking(move || match background_pool() {
            Some(pool) => pool.install(|| current.extend_missing(&communes)),
            None => current.extend_missing(&communes),
        })
        .await;
        match built {
            Ok(addresses) => self.set_tile_addresses(Arc::new(addresses)),
            Err(e) => tracing::error!("building the address tiles failed: {e}"),
        }
        drop(guard);
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

    /// The commons' store, if the server was started with one.
    pub fn store(&self) -> Option<Arc<geocommun_store::Store>> {
        self.inner.store.load_full()
    }

    /// The fallback files exports read (those the index was built from), if known.
    pub fn fallback(&self) -> Option<Arc<geocommun_export::Fallback>> {
        self.inner.fallback.load_full()
    }

    /// Exports read the fallback data from these files from now on.
    pub fn set_fallback(&self, fallback: Arc<geocommun_export::Fallback>) {
        self.inner.fallback.store(Some(fallback));
    }

    /// Serves the publication routes over this store from now on.
    pub fn set_store(&self, store: Arc<geocommun_store::Store>) {
        self.inner.store.store(Some(store));
    }

    /// Rebuilds the segments of these communes from their current BAL revisions and swaps
    /// the new engine in; readers keep answering from the previous engine meanwhile. A
    /// commune without a current revision keeps what it has (the national base never goes
    /// back from a BAL to the fallback data). Returns how many communes were replaced.
    pub async fn reindex_communes(&self, communes: &[String]) -> geocommun_store::Result<usize> {
        let Some(store) = self.store() else { return Ok(0) };
        // Held from reading the current revisions to the swap: two publications of one
        // commune cannot swap in the older consolidation last.
        let guard = self.inner.reindex.lock().await;
        let mut consolidated = Vec::with_capacity(communes.len());
        let mut revisions = Vec::with_capacity(communes.len());
        for commune in communes {
            if let Some(r) = store.current_revision(commune).await? {
                consolidated.push(store.consolidated_revision(r.id).await?.commune);
                revisions.push((commune.clone(), r.id));
            }
        }
        if consolidated.is_empty() {
            return Ok(0);
        }
        let n = consolidated.len();
        let engine = self.engine();
        let tiles = Arc::clone(self.tiles().addresses());
        // The search segment and the tiles of the communes, from the same consolidation.
        let rebuild = move || {
            let engine = engine.replace_communes(&consolidated);
            (engine, tiles.replace_communes(&consolidated))
        };
        let (next, tiles) = tokio::task::spawn_blocking(move || match background_pool() {
            Some(pool) => pool.install(rebuild),
            None => rebuild(),
        })
        .await
        .map_err(|e| geocommun_store::Error::Corrupt(format!("index rebuild failed: {e}")))?;
        self.swap_engine(next);
        self.set_tile_addresses(Arc::new(tiles));
        if let Ok(mut indexed) = self.inner.indexed.lock() {
            indexed.extend(revisions);
        }
        tracing::info!(communes = n, "published communes indexed");
        drop(guard);
        self.merge_in_background();
        Ok(n)
    }

    /// Merges the small segments that publications added, in the background, one merge after
    /// the other until the policy of [`Engine::plan_merge`] is satisfied. The merged segment is
    /// built on one thread outside any lock (searches keep the other core, publications are not
    /// held up); only the swap takes the rebuild lock, and [`Engine::install_merge`] keeps the
    /// communes republished while it was built.
    pub fn merge_in_background(&self) {
        use std::sync::atomic::Ordering;
        if self.inner.merging.swap(true, Ordering::AcqRel) {
            return; // the running task will see the new segments
        }
        let state = self.clone();
        tokio::spawn(async move {
            while let Some(plan) = state.engine().plan_merge() {
                let (segments, addresses) = (plan.segments(), plan.addresses());
                let started = std::time::Instant::now();
                let built = tokio::task::spawn_blocking(move || match background_pool() {
                    Some(pool) => pool.install(|| plan.build()),
                    None => plan.build(),
                })
                .await;
                let Ok(merged) = built else {
                    tracing::error!("segment merge failed; segments stay as they are");
                    break;
                };
                let guard = state.inner.reindex.lock().await;
                state.swap_engine(state.engine().install_merge(merged));
                drop(guard);
                tracing::info!(
                    segments,
                    addresses,
                    ms = started.elapsed().as_millis() as u64,
                    "index segments merged"
                );
            }
            state.inner.merging.store(false, Ordering::Release);
            // A publication may have come between the last plan and the flag.
            if state.engine().plan_merge().is_some() {
                state.merge_in_background();
            }
        });
    }

    /// Replaces every commune that has a current revision with its consolidated BAL (at
    /// start-up, after the fallback files are loaded).
    pub async fn index_published(&self) -> geocommun_store::Result<usize> {
        let Some(store) = self.store() else { return Ok(0) };
        let communes: Vec<String> =
            store.current_revisions().await?.into_iter().map(|(c, _)| c).collect();
        self.reindex_communes(&communes).await
    }

    /// Follows the change feed from cursor `from` for the rest of the process: every
    /// publication made through another server on the same database (woken by PostgreSQL
    /// `NOTIFY`, else every [`FOLLOW_POLL`]) is indexed here too. After a lost connection the
    /// feed is read from the last cursor, so nothing is missed.
    pub fn follow_feed(&self, from: i64) {
        let Some(store) = self.store() else { return };
        let state = self.clone();
        tokio::spawn(async move {
            let mut cursor = from;
            let mut listener = match store.listen().await {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::warn!("cannot listen to publications ({e}): polling the feed");
                    None
                }
            };
            loop {
                match &mut listener {
                    Some(l) => {
                        l.wait(FOLLOW_POLL).await;
                    }
                    None => tokio::time::sleep(FOLLOW_POLL).await,
                }
                match state.catch_up(&store, cursor).await {
                    Ok(next) => cursor = next,
                    Err(e) => tracing::warn!(cursor, "following the feed: {e}"),
                }
            }
        });
    }

    /// Indexes the communes republished after `cursor` whose revision this server does not
    /// serve yet; returns the new cursor.
    async fn catch_up(
        &self,
        store: &geocommun_store::Store,
        mut cursor: i64,
    ) -> geocommun_store::Result<i64> {
        use geocommun_store::{ChangeKind, FeedFilter};
        loop {
            let page = store.feed(&FeedFilter::All, cursor, 10_000).await?;
            let mut stale: Vec<String> = Vec::new();
            {
                let indexed = self.inner.indexed.lock().map_err(|_| {
                    geocommun_store::Error::Corrupt("index bookkeeping poisoned".into())
                })?;
                for c in &page.changes {
                    let commune_change = matches!(
                        c.kind,
                        ChangeKind::CommuneReplaced | ChangeKind::CommuneRepublished
                    );
                    if commune_change
                        && indexed.get(&c.commune) != Some(&c.revision)
                        && !stale.contains(&c.commune)
                    {
                        stale.push(c.commune.clone());
                    }
                }
            }
            if !stale.is_empty() {
                let n = self.reindex_communes(&stale).await?;
                tracing::info!(
                    communes = n,
                    cursor = page.next,
                    "publications of other servers indexed"
                );
            }
            if page.next == cursor || page.next >= page.head {
                return Ok(page.next);
            }
            cursor = page.next;
        }
    }

    /// Starts delivering webhooks (once per process; without a store, nothing).
    pub fn start_webhooks(&self) {
        if let Some(store) = self.store() {
            crate::webhooks::start(store, self.config().webhooks.clone());
        }
    }

    /// Whether a background merge is running (for tests and metrics).
    pub fn merging(&self) -> bool {
        self.inner.merging.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub fn answers(&self) -> &crate::answers::Answers {
        &self.inner.answers
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn limiters(&self) -> &crate::rate_limit::Limiters {
        &self.inner.limiters
    }

    /// The figures of the fallback data already read, by commune.
    pub(crate) fn fallback_figures(
        &self,
    ) -> &std::sync::Mutex<std::collections::HashMap<String, crate::routes::base::Figures>> {
        &self.inner.fallback_figures
    }
}

/// How long the feed follower waits for a notification before it reads the feed anyway.
pub const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// The threads of publication work (validation, consolidation, index rebuilds, merges): as
/// many as the cores, at the lowest scheduling priority (nice 19 on Linux), so that searches
/// always come first and publications use what they leave. `None` if the pool cannot be started
/// (the work then runs on tokio's blocking threads, at normal priority).
pub fn background_pool() -> Option<Arc<rayon::ThreadPool>> {
    static POOL: std::sync::OnceLock<Option<Arc<rayon::ThreadPool>>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("geocommun-bg-{i}"))
            .start_handler(|_| {
                if let Err(e) = thread_priority::ThreadPriority::Min.set_for_current() {
                    tracing::warn!("cannot lower the priority of a background thread: {e:?}");
                }
            })
            .build()
            .map(Arc::new)
            .inspect_err(|e| tracing::warn!("cannot start the background threads: {e}"))
            .ok()
    })
    .clone()
}
