//! HTTP front of geocommun: the api-adresse.data.gouv.fr / Géoplateforme geocoding contract
//! (`/search/`, `/reverse/`, `/search/csv/`, `/reverse/csv/`), addok-server's `/batch`,
//! `/lookup/{id}`, `/health`, `/metrics` and `/openapi.json`; vector tiles and their map style
//! under `/tiles/`; and the web UI ([`ui`]).
//!
//! Every route is served at the root and under `/geocodage` (Géoplateforme), with and without
//! a trailing slash. Errors have one JSON shape ([`error::ErrorBody`]) and one closed table of
//! codes ([`ErrorCode`]). The engine is held in an [`arc_swap::ArcSwap`]: a newer engine can be
//! swapped in ([`AppState::swap_engine`]) without blocking requests.

pub mod answers;
pub mod auth;
pub mod config;
pub mod csv;
pub mod dto;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod projection;
pub mod rate_limit;
pub mod routes;
mod state;
pub mod ui;
pub mod webhooks;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};
use axum::serve::{Listener, ListenerExt};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

pub use config::{Basemap, ServerConfig, WebhookConfig};
pub use error::{ApiError, ErrorCode};
pub use openapi::openapi;
pub use rate_limit::{RateLimit, RateLimits};
pub use state::{AppState, background_pool};

/// Prefixes every route is served under.
const PREFIXES: [&str; 2] = ["", "/geocodage"];

/// Adds `route` at `path` under every prefix, with and without the trailing slash.
fn add(mut r: Router<AppState>, path: &str, route: &MethodRouter<AppState>) -> Router<AppState> {
    let bare = path.trim_end_matches('/');
    for prefix in PREFIXES {
        r = r.route(&format!("{prefix}{bare}"), route.clone());
        r = r.route(&format!("{prefix}{bare}/"), route.clone());
    }
    r
}

/// The application: every route, with CORS `*`, gzip, timeouts, metrics and panic recovery.
pub fn router(state: AppState) -> Router {
    // Routes answered without awaiting anything: a timer cannot interrupt their work (bounded
    // by the query limits instead), so they are not wrapped in the request timeout, which
    // would only cost a timer per request.
    let mut sync_routes = Router::new();
    sync_routes = add(sync_routes, "/search", &get(routes::geocode::search));
    sync_routes = add(sync_routes, "/reverse", &get(routes::geocode::reverse));
    sync_routes = add(sync_routes, "/health", &get(routes::misc::health));

    let mut fast = Router::new();
    fast = add(
        fast,
        "/batch",
        &post(routes::batch::batch).layer(DefaultBodyLimit::max(state.config().batch_max_bytes)),
    );
    for prefix in PREFIXES {
        fast = fast.route(&format!("{prefix}/lookup/{{id}}"), get(routes::geocode::lookup));
        fast = fast.route(&format!("{prefix}/lookup/{{id}}/history"), get(routes::feed::history));
    }
    fast = add(fast, "/feed", &get(routes::feed::feed));
    fast = add(fast, "/bal/explanations", &get(routes::bal::explanations));
    fast = fast
        .route("/base/communes/{code}", get(routes::base::commune))
        .route("/base/communes/{code}/", get(routes::base::commune));
    fast = add(fast, "/metrics", &get(routes::misc::metrics));
    fast = add(fast, "/openapi.json", &get(routes::misc::openapi_json));
    fast = routes::geo::mount(fast);
    // Vector tiles, the map style and its glyphs (docs/tiles.md).
    fast = fast
        .route("/tiles/style.json", get(routes::tiles::style_json))
        .route("/tiles/fonts/{fontstack}/{range}", get(routes::tiles::glyph_range))
        .route("/tiles/{z}/{x}/{y}", get(routes::tiles::tile));
    // The web UI (explorer, editor) and its assets, under their own prefixes.
    fast = ui::mount(fast);
    let fast = fast
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), routes::misc::timeout));

    // CSV routes: no request timeout (an upload of 200 MB may take minutes; stalls are cut
    // by the idle timeout) and no body limit but the configured CSV maximum.
    let mut csv_routes = Router::new();
    csv_routes = add(csv_routes, "/search/csv", &post(csv::search_csv));
    csv_routes = add(csv_routes, "/reverse/csv", &post(csv::reverse_csv));
    let csv_routes = csv_routes.layer(DefaultBodyLimit::disable());
    let csv_routes = add(
        csv_routes,
        "/bal/validate",
        &post(routes::bal::validate).layer(DefaultBodyLimit::max(routes::bal::BAL_MAX_BYTES)),
    );
    // Publication: no request timeout either (uploading and computing a large BAL).
    let csv_routes = routes::publication::mount(csv_routes);
    // The editor: no request timeout either (opening a large commune's draft, publishing).
    let csv_routes = routes::editor::mount(csv_routes);
    // Exports: streamed for as long as they take.
    let mut csv_routes = add(csv_routes, "/exports/france", &get(routes::exports::france));
    csv_routes =
        add(csv_routes, "/exports/departements/{code}", &get(routes::exports::departement));
    csv_routes = add(csv_routes, "/exports/communes/{code}", &get(routes::exports::commune));
    csv_routes =
        add(csv_routes, "/webhooks", &post(routes::webhooks::create).get(routes::webhooks::list));
    csv_routes =
        add(csv_routes, "/webhooks/{id}", &axum::routing::delete(routes::webhooks::delete));
    csv_routes =
        add(csv_routes, "/webhooks/{id}/dead-letters", &get(routes::webhooks::dead_letters));

    let routes = sync_routes
        .merge(fast)
        .merge(csv_routes)
        .fallback(routes::misc::not_found)
        .method_not_allowed_fallback(routes::misc::method_not_allowed)
        .layer(CatchPanicLayer::custom(routes::misc::panic_response))
        .layer(metrics::TrackLayer::new(state.clone()))
        .with_state(state);
    // CORS and compression apply to every answer alike: one layer around the router rather
    // than one per route (axum clones a route's stack of layers for every request).
    Router::new().fallback_service(
        ServiceBuilder::new()
            .layer(CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any))
            .layer(CompressionLayer::new().gzip(true))
            .service(routes),
    )
}

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight (graceful shutdown). Connections are served on the calling runtime; see
/// [`serve_threads`] for the production layout.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves `router` on `listener` with one single-threaded runtime per thread (`threads`, at
/// least 1), until `shutdown` resolves; then every thread finishes its requests in flight.
///
/// The calling runtime accepts the connections and hands them out in turn; each connection
/// then lives on one thread, whose runtime polls it without any cross-thread wake-up or
/// work-stealing. Under load that costs 1–2 µs less CPU per request than one multi-threaded
/// runtime polling every connection (`docs/adr/0004-thread-per-core-http.md`). Work that may
/// take long (CSV jobs, exports, index rebuilds) runs on the blocking pools, not on these
/// threads; background tasks keep running on the calling runtime.
pub async fn serve_threads(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    threads: usize,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    for i in 0..threads.max(1) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        senders.push(tx);
        let (router, mut stop) = (router.clone(), stop_rx.clone());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = std::thread::Builder::new().name(format!("http-{i}")).spawn(move || {
            rt.block_on(async move {
                let incoming = Handoff { rx, local }.tap_io(|_| {});
                axum::serve(incoming, router.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|s| *s).await;
                    })
                    .await
            })
        })?;
        handles.push(handle);
    }
    let mut shutdown = std::pin::pin!(shutdown);
    let mut next = 0;
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: the connection waiting is not lost;
                // retrying at once would spin (axum's own loop waits a second too).
                tracing::warn!("accepting a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        // The stream leaves this runtime's reactor for the serving thread's.
        let stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("handing a connection over: {e}");
                continue;
            }
        };
        let mut conn = (stream, addr);
        // A thread whose loop ended (a bug: it only ends on shutdown) is left out, and the
        // connection goes to the next one.
        loop {
            if senders.is_empty() {
                return Err(std::io::Error::other("every HTTP thread stopped"));
            }
            next %= senders.len();
            match senders[next].send(conn) {
                Ok(()) => {
                    next += 1;
                    break;
                }
                Err(unsent) => {
                    tracing::error!("an HTTP thread stopped; serving on the others");
                    conn = unsent.0;
                    senders.remove(next);
                }
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(senders);
    // Joining blocks: done on the blocking pool, not on this runtime's threads.
    tokio::task::spawn_blocking(move || {
        for h in handles {
            match h.join() {
                Ok(r) => r?,
                Err(_) => return Err(std::io::Error::other("an HTTP thread panicked")),
            }
        }
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The connections handed to one serving thread, as an axum [`Listener`].
struct Handoff {
    rx: tokio::sync::mpsc::UnboundedReceiver<(std::net::TcpStream, SocketAddr)>,
    /// The address the acceptor listens on.
    local: SocketAddr,
}

impl Listener for Handoff {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // No more connections once the acceptor stopped: graceful shutdown ends the loop.
            let Some((stream, addr)) = self.rx.recv().await else {
                return std::future::pending().await;
            };
            // Registered with this thread's reactor; a connection that cannot be is dropped
            // (the client sees it closed), the others go on.
            match stream
                .set_nonblocking(true)
                .and_then(|()| tokio::net::TcpStream::from_std(stream))
            {
                Ok(s) => return (s, addr),
                Err(e) => tracing::warn!("serving a connection: {e}"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
