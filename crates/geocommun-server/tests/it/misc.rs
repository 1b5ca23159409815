//! Health, metrics, OpenAPI, CORS, compression, unknown routes, engine swap, serve.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::Request;
use geocommun_search::Engine;
use geocommun_server::{AppState, ServerConfig, router};
use geocommun_testkit::{commune, street};

use crate::common::*;

#[tokio::test]
async fn health_reports_the_index() {
    for uri in ["/health", "/health/", "/geocodage/health"] {
        let r = get(&app(), uri).await;
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(v["status"], "HEALTHY");
        let stats = engine().stats();
        assert_eq!(v["index"]["communes"], stats.communes);
        assert_eq!(v["index"]["documents"], stats.documents);
        assert_eq!(v["index"]["housenumbers"], stats.housenumbers);
        assert_eq!(v["index"]["segments"], stats.segments);
    }
}

#[tokio::test]
async fn metrics_count_requests_rows_and_index() {
    let app = app();
    get(&app, "/search/?q=rivoli").await;
    get(&app, "/search?q=").await;
    post_form(&app, "/search/csv/", &[file("f.csv", b"a\nrivoli\n\nzzzz\n")]).await;
    let r = get(&app, "/metrics").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/plain"));
    let t = r.text();
    for needle in [
        r#"geocommun_http_requests_total{method="GET",route="/search",status="200"} 1"#,
        r#"geocommun_http_requests_total{method="GET",route="/search",status="400"} 1"#,
        r#"geocommun_http_request_duration_seconds_bucket{route="/search",status="200",le="#,
        r#"geocommun_csv_rows_total{operation="search",status="ok"} 1"#,
        r#"geocommun_csv_rows_total{operation="search",status="not-found"} 1"#,
        r#"geocommun_index_size{what="communes"}"#,
        r#"geocommun_index_size{what="housenumbers"}"#,
    ] {
        assert!(t.contains(needle), "{needle} not in:\n{t}");
    }
}

fn committed_openapi() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

/// The committed `openapi.json` must be the generated document.
/// Regenerate it with `UPDATE_OPENAPI=1 cargo test -p geocommun-server openapi`.
#[test]
fn openapi_document_matches_the_committed_copy() {
    let generated = geocommun_server::openapi().to_pretty_json().unwrap() + "\n";
    let path = committed_openapi();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from the OpenAPI document generated from the code: regenerate it with \
         `UPDATE_OPENAPI=1 cargo test -p geocommun-server openapi` and commit it",
        path.display()
    );
}

#[tokio::test]
async fn openapi_is_served_and_lists_every_route() {
    let r = get(&app(), "/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/json");
    let v = r.json();
    assert!(v["openapi"].as_str().unwrap().starts_with('3'));
    for p in [
        "/search/",
        "/reverse/",
        "/search/csv/",
        "/reverse/csv/",
        "/batch",
        "/lookup/{id}",
        "/health",
        "/metrics",
        "/openapi.json",
        "/tiles/{z}/{x}/{y}.pbf",
        "/tiles/style.json",
        "/tiles/fonts/{fontstack}/{range}.pbf",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} missing from the OpenAPI paths");
    }
    for s in ["FeatureCollection", "Properties", "ErrorBody", "BatchResponse", "Health"] {
        assert!(v["components"]["schemas"].get(s).is_some(), "schema {s}");
    }
}

#[tokio::test]
async fn cors_is_open() {
    let req = Request::get("/search/?q=rivoli")
        .header("origin", "https://example.org")
        .body(Body::empty())
        .unwrap();
    let r = send(&app(), req).await;
    assert_eq!(r.header("access-control-allow-origin"), "*");
    let pre = Request::options("/search/")
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .body(Body::empty())
        .unwrap();
    let r = send(&app(), pre).await;
    assert!(r.status.is_success(), "{}", r.status);
    assert_eq!(r.header("access-control-allow-origin"), "*");
}

#[tokio::test]
async fn responses_are_gzipped_when_asked() {
    let req = Request::get("/openapi.json")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let r = send(&app(), req).await;
    assert_eq!(r.header("content-encoding"), "gzip");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&r.body[..]), &mut out)
        .unwrap();
    assert!(out.starts_with('{'));
    let csv = format!("adresse\n{}", "8 boulevard du port amiens\n".repeat(200));
    let req = Request::post("/search/csv/")
        .header("accept-encoding", "gzip")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(multipart_body(&[file("f.csv", csv.as_bytes())])))
        .unwrap();
    let r = send(&app(), req).await;
    assert_eq!(r.header("content-encoding"), "gzip");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&r.body[..]), &mut out)
        .unwrap();
    assert_eq!(out.lines().count(), 201);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json() {
    let app = app();
    let m = assert_error(&get(&app, "/nope").await, 404, "not_found");
    assert!(m.contains("/nope"));
    assert_error(&get(&app, "/geocodage/").await, 404, "not_found");
    let r = send(&app, Request::post("/search/").body(Body::empty()).unwrap()).await;
    assert_error(&r, 405, "method_not_allowed");
    let r = send(&app, Request::delete("/batch").body(Body::empty()).unwrap()).await;
    assert_error(&r, 405, "method_not_allowed");
    let r = get(&app, "/search/csv/").await;
    assert_error(&r, 405, "method_not_allowed");
}

#[tokio::test]
async fn a_swapped_engine_serves_the_next_requests() {
    let state = AppState::new(engine(), ServerConfig::default());
    let app = router(state.clone());
    let v = get(&app, "/search/?q=rue+des+lilas+bordeaux").await.json();
    assert_ne!(v["features"][0]["properties"]["citycode"], "33063");
    let bordeaux = commune(
        "33063",
        "Bordeaux",
        260_000,
        vec![street("Rue des Lilas", "33063_1111", "33000", -0.58, 44.84, 3)],
    );
    let mut all = communes();
    all.push(bordeaux);
    let next = Engine::build(&all);
    let communes = next.stats().communes;
    assert!(communes > engine().stats().communes);
    state.swap_engine(next);
    let v = get(&app, "/search/?q=rue+des+lilas+bordeaux").await.json();
    assert_eq!(v["features"][0]["properties"]["citycode"], "33063");
    assert_eq!(get(&app, "/health").await.json()["index"]["communes"], communes);
}

/// The answers cache serves a repeated query the same bytes, counts it, and never serves an
/// older engine's answer (the test above searches the same query across a swap).
#[tokio::test]
async fn a_repeated_query_is_answered_from_the_cache_of_its_engine() {
    let hits = |metrics: &str| -> u64 {
        metrics
            .lines()
            .find(|l| l.starts_with("geocommun_answers_cache_total{result=\"hit\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    let state = AppState::new(engine(), ServerConfig::default());
    let app = router(state.clone());
    let first = get(&app, "/search/?q=8+boulevard+du+port+amiens").await;
    let again = get(&app, "/search/?q=8+boulevard+du+port+amiens").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("content-type"), "application/json");
    // Without the admin reference (its commune fallback may come later), reverse answers are
    // made every time.
    let reverse = "/reverse/?lon=2.29&lat=49.897";
    assert_eq!(get(&app, reverse).await.body, get(&app, reverse).await.body);
    assert_eq!(hits(&get(&app, "/metrics").await.text()), 1);
    // Another query string, or a bad one, is not the cached answer.
    let other = get(&app, "/search/?q=8+boulevard+du+port+amiens&limit=1").await.json();
    assert_eq!(other["features"].as_array().unwrap().len(), 1);
    assert_eq!(get(&app, "/search/?q=rue&limit=0").await.status, 400);
    assert_eq!(hits(&get(&app, "/metrics").await.text()), 1);

    let off =
        AppState::new(engine(), ServerConfig { answers_cache_bytes: 0, ..Default::default() });
    let app = router(off);
    get(&app, "/search/?q=8+boulevard+du+port+amiens").await;
    get(&app, "/search/?q=8+boulevard+du+port+amiens").await;
    assert_eq!(hits(&get(&app, "/metrics").await.text()), 0);
}

#[tokio::test]
async fn a_slow_request_times_out_with_json() {
    // The timeout middleware of the router, around a handler slower than the limit.
    let state = AppState::new(
        engine(),
        ServerConfig {
            request_timeout: std::time::Duration::from_millis(20),
            ..Default::default()
        },
    );
    let app = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            geocommun_server::routes::misc::timeout,
        ))
        .with_state(state);
    let m = assert_error(&get(&app, "/slow").await, 503, "timeout");
    assert!(m.contains("took longer than 20 ms"), "{m}");
}

#[allow(clippy::unused_async)]
async fn boom() -> &'static str {
    panic!("boom")
}

#[tokio::test]
async fn a_panic_is_a_500_with_the_json_body() {
    let app = axum::Router::new().route("/boom", axum::routing::get(boom)).layer(
        tower_http::catch_panic::CatchPanicLayer::custom(
            geocommun_server::routes::misc::panic_response,
        ),
    );
    let m = assert_error(&get(&app, "/boom").await, 500, "internal");
    assert!(!m.contains("boom"), "the panic message is logged, not shown: {m}");
}

#[tokio::test]
async fn serve_answers_over_tcp_and_shuts_down_gracefully() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(geocommun_server::serve(listener, app(), async move {
        let _ = rx.await;
    }));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("HEALTHY"));
    tx.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// One request over a new connection (`Connection: close`); the whole answer.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    out
}

/// The production layout: connections handed out in turn to the serving threads, each with
/// the client's address (the publication rate limits key on it); on shutdown the request in
/// flight still gets its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_threads_spreads_connections_and_shuts_down_gracefully() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    async fn whoami(ConnectInfo(client): ConnectInfo<SocketAddr>) -> String {
        format!("{} {}", std::thread::current().name().unwrap_or("?"), client.ip())
    }
    async fn slow() -> &'static str {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        "done"
    }
    let app =
        app().route("/whoami", axum::routing::get(whoami)).route("/slow", axum::routing::get(slow));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(geocommun_server::serve_threads(
        listener,
        app,
        async move {
            let _ = rx.await;
        },
        2,
    ));
    let mut threads = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let out = raw_get(addr, "/whoami").await;
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        let body = out.rsplit("\r\n\r\n").next().unwrap();
        let (thread, ip) = body.split_once(' ').unwrap();
        assert_eq!(ip, "127.0.0.1");
        threads.insert(thread.to_owned());
    }
    assert_eq!(threads.into_iter().collect::<Vec<_>>(), ["http-0", "http-1"]);
    assert!(raw_get(addr, "/search/?q=rivoli").await.contains("\"FeatureCollection\""));

    let in_flight = tokio::spawn(raw_get(addr, "/slow"));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    tx.send(()).unwrap();
    let out = in_flight.await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200") && out.ends_with("done"), "{out}");
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    // Stopped: nothing accepts any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// Publication work (validation, consolidation, index rebuilds, merges) runs on threads at the
/// lowest priority: searches come first.
#[cfg(target_os = "linux")]
#[test]
fn publication_work_runs_at_the_lowest_priority() {
    let pool = geocommun_server::background_pool().unwrap();
    let nice = pool.install(|| {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // Fields after the command's closing parenthesis: state is field 3, nice field 19.
        stat.rsplit(')').next().unwrap().split_whitespace().nth(16).unwrap().to_owned()
    });
    assert_eq!(nice, "19");
}
