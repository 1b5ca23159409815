//! Prometheus metrics: requests and latencies per route and status, CSV rows, index sizes.

use std::cell::RefCell;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use geocommun_search::EngineStats;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::state::AppState;

/// The registry and the metrics of one server.
#[derive(Clone)]
pub struct Metrics {
    /// Tells this server's metrics apart in the per-thread handle cache ([`HANDLES`]).
    id: u64,
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    csv_rows: IntCounterVec,
    index: IntGaugeVec,
    answers_hit: prometheus::IntCounter,
    answers_miss: prometheus::IntCounter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// # Panics
    /// Never in practice: the metric definitions below are static and valid.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("geocommun_http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "geocommun_http_request_duration_seconds",
                "Time to the response head by route and status (a CSV body streams after it)",
            )
            .buckets(vec![
                0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                0.5, 1.0, 2.5, 10.0,
            ]),
            &["route", "status"],
        )
        .expect("valid metric");
        let csv_rows = IntCounterVec::new(
            Opts::new(
                "geocommun_csv_rows_total",
                "CSV rows geocoded, by operation and result_status",
            ),
            &["operation", "status"],
        )
        .expect("valid metric");
        let index = IntGaugeVec::new(
            Opts::new("geocommun_index_size", "Size of the served index, by what is counted"),
            &["what"],
        )
        .expect("valid metric");
        let answers = IntCounterVec::new(
            Opts::new(
                "geocommun_answers_cache_total",
                "Searches and reverse searches answered from the answers cache (hit) or not (miss)",
            ),
            &["result"],
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(csv_rows.clone()),
            Box::new(index.clone()),
            Box::new(answers.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        let answers_hit = answers.with_label_values(&["hit"]);
        let answers_miss = answers.with_label_values(&["miss"]);
        let id = NEXT_METRICS_ID.fetch_add(1, Ordering::Relaxed);
        Self { id, registry, requests, duration, csv_rows, index, answers_hit, answers_miss }
    }

    /// Counts and times one request. The labelled counter and histogram of a (route, method,
    /// status) are looked up once per thread, then kept ([`HANDLES`]): the lookup in the
    /// metric families takes a shared lock and hashes every label, on every request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        HANDLES.with_borrow_mut(|handles| {
            let found = handles.iter().find(|h| {
                h.metrics == self.id
                    && h.status == status
                    && *h.route == *route
                    && *h.method == *method
            });
            if let Some(h) = found {
                h.requests.inc();
                h.duration.observe(seconds);
                return;
            }
            let status_text = status.to_string();
            let requests = self.requests.with_label_values(&[route, method, &status_text]);
            let duration = self.duration.with_label_values(&[route, &status_text]);
            requests.inc();
            duration.observe(seconds);
            // Bounded: methods are the client's to choose (and test servers come and go).
            if handles.len() < MAX_HANDLES {
                handles.push(Handles {
                    metrics: self.id,
                    route: route.into(),
                    method: method.into(),
                    status,
                    requests,
                    duration,
                });
            }
        });
    }

    /// Counts an answer served from the answers cache (`hit`) or made (`miss`).
    pub fn answers_cache(&self, hit: bool) {
        if hit { self.answers_hit.inc() } else { self.answers_miss.inc() }
    }

    pub fn add_csv_rows(&self, operation: &str, status: &str, n: u64) {
        if n > 0 {
            self.csv_rows.with_label_values(&[operation, status]).inc_by(n);
        }
    }

    /// The text exposition, with the index sizes of `stats`.
    pub fn render(&self, stats: &EngineStats) -> String {
        for (what, v) in [
            ("communes", stats.communes),
            ("documents", stats.documents),
            ("housenumbers", stats.housenumbers),
            ("segments", stats.segments),
            ("terms", stats.terms),
        ] {
            self.index.with_label_values(&[what]).set(i64::try_from(v).unwrap_or(i64::MAX));
        }
        let mut buf = Vec::new();
        if TextEncoder::new().encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The per-thread cache of [`Metrics::observe_request`]: a few dozen routes × statuses.
struct Handles {
    metrics: u64,
    route: Box<str>,
    method: Box<str>,
    status: u16,
    requests: IntCounter,
    duration: Histogram,
}

const MAX_HANDLES: usize = 256;

/// The next [`Metrics::id`].
static NEXT_METRICS_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static HANDLES: RefCell<Vec<Handles>> = const { RefCell::new(Vec::new()) };
}

/// The route label: the matched route without its trailing slash, `unmatched` otherwise.
fn route_label(path: Option<&MatchedPath>) -> &str {
    match path {
        Some(p) => {
            let s = p.as_str();
            if s.len() > 1 { s.trim_end_matches('/') } else { s }
        }
        None => "unmatched",
    }
}

/// Counts and times every request: a layer of each route, where the matched route (the label)
/// is known. Written as a plain [`tower::Layer`] rather than with `from_fn`: axum clones a
/// route's layered service for every request, and `from_fn` adds a boxed service to clone.
#[derive(Clone)]
pub struct TrackLayer {
    state: AppState,
}

impl TrackLayer {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl<S> tower::Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track { inner, state: self.state.clone() }
    }
}

/// The service of [`TrackLayer`].
#[derive(Clone)]
pub struct Track<S> {
    inner: S,
    state: AppState,
}

impl<S> tower::Service<Request> for Track<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TrackFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let route = req.extensions().get::<MatchedPath>().cloned();
        let method = req.method().clone();
        let start = Instant::now();
        TrackFuture { inner: self.inner.call(req), state: self.state.clone(), route, method, start }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Track`]: the inner one, observed when it completes (not
    /// boxed: one allocation less per request).
    pub struct TrackFuture<F> {
        #[pin]
        inner: F,
        state: AppState,
        route: Option<MatchedPath>,
        method: Method,
        start: Instant,
    }
}

impl<F, E> Future for TrackFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = std::task::ready!(this.inner.poll(cx))?;
        this.state.metrics().observe_request(
            route_label(this.route.as_ref()),
            this.method.as_str(),
            res.status().as_u16(),
            this.start.elapsed().as_secs_f64(),
        );
        Poll::Ready(Ok(res))
    }
}
