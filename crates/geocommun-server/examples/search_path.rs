//! The whole in-process path of a `/search/` request, without the socket: routing, the
//! middleware, parameter parsing, the engine and the JSON body, for the query mix of the addok
//! harness (`search-mix.txt`). For profiling what a request costs besides the engine:
//!
//! ```sh
//! cargo run --release -p geocommun-server --example search_path -- QUERIES FILES
//! valgrind --tool=callgrind --toggle-collect='search_path::timed*' \
//!   target/release/examples/search_path QUERIES FILES     # instructions, noise-free
//! ```
//! The mix is run once untimed first (caches filled, as on a server under load). The answers
//! cache is off, so that every request runs the engine; `CACHE=1` turns it on (every timed
//! request is then a hit). `PARAMS="&limit=1&autocomplete=0"` is added to every request (as
//! the batch CSV asks: run it on the `adresse code_postal commune` of `batch.csv`).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr, clippy::pedantic)]
use std::time::Instant;

use axum::body::Body;
use geocommun_import::{Importer, Source};
use geocommun_search::{Engine, SegmentBuilder};
use geocommun_server::{AppState, ServerConfig, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The administrative reference, as `serve` loads it (commune names, arrondissements).
    let admin =
        std::env::var("GEOCOMMUN_ADMIN_DIR").unwrap_or_else(|_| "../shared/data/admin".into());
    let admin = geocommun_import::load_admin_dir(std::path::Path::new(&admin)).ok();
    let mut imp = Importer::new(admin.as_ref());
    for f in args[2].split(',') {
        imp.read(&Source::parse(f), &mut |_| {}).unwrap();
    }
    let mut b = SegmentBuilder::new();
    b.add_communes(&imp.finish());
    let mut config = ServerConfig::default();
    if std::env::var_os("CACHE").is_none() {
        config.answers_cache_bytes = 0;
    }
    let app = router(AppState::new(Engine::from_segment(b.finish()), config));
    let text = std::fs::read_to_string(&args[1]).unwrap();
    // `PARAMS="&limit=1&autocomplete=0"`: added to every request (the batch CSV's queries).
    let extra = std::env::var("PARAMS").unwrap_or_default();
    let paths: Vec<String> = text
        .lines()
        .map(|q| {
            format!(
                "/search/?q={}{extra}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            )
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut bytes = 0usize;
    let mut dump = String::new();
    for p in &paths {
        let body = rt.block_on(request(&app, p));
        bytes += body.len();
        dump.push_str(std::str::from_utf8(&body).unwrap());
        dump.push('\n');
    }
    // `DUMP=FILE` writes every answer, one per line: two builds give the same answers when
    // their files are the same.
    if let Some(f) = std::env::var_os("DUMP") {
        std::fs::write(f, dump).unwrap();
    }
    let t = Instant::now();
    for p in &paths {
        bytes += rt.block_on(timed(&app, p)).len();
    }
    let el = t.elapsed();
    eprintln!(
        "{} requests in {el:?}: {:.1} us each, {} bytes of JSON",
        paths.len(),
        el.as_secs_f64() * 1e6 / paths.len() as f64,
        bytes / 2
    );
}

/// One timed request (a function of its own for `--toggle-collect`).
#[inline(never)]
async fn timed(app: &axum::Router, path: &str) -> bytes::Bytes {
    request(app, path).await
}

/// One request, its body read to the end.
async fn request(app: &axum::Router, path: &str) -> bytes::Bytes {
    let req = axum::http::Request::get(path).body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.into_body().collect().await.unwrap().to_bytes()
}
