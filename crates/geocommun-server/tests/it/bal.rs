//! `POST /bal/validate`: the BAL validator over HTTP, on the real BAL of Perrecy-les-Forges.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use geocommun_server::{AppState, ServerConfig, router};

use crate::common::{engine, send};

/// A server with the real 2026 COG, loaded once for all the tests of this file.
fn state() -> AppState {
    static COG: std::sync::OnceLock<Arc<geocommun_bal::MiniCog>> = std::sync::OnceLock::new();
    let cog = COG.get_or_init(|| {
        let dir = geocommun_testkit::data_dir().join("admin");
        let registry = geocommun_import::load_admin_dir(&dir).unwrap();
        Arc::new(geocommun_bal::MiniCog::from_registry(&registry))
    });
    let state = AppState::new(engine(), ServerConfig::default());
    state.set_bal_cog(Arc::clone(cog));
    state
}

async fn post_to(state: AppState, uri: &str, body: Vec<u8>) -> crate::common::Resp {
    let req = Request::post(uri).header("content-type", "text/csv").body(Body::from(body)).unwrap();
    send(&router(state), req).await
}

async fn post(uri: &str, body: Vec<u8>) -> crate::common::Resp {
    post_to(state(), uri, body).await
}

#[tokio::test]
async fn without_the_cog_the_route_says_how_to_get_it() {
    let bare = AppState::new(engine(), ServerConfig::default());
    let r = post_to(bare, "/bal/validate", b"cle_interop;numero\n".to_vec()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["error"], "unavailable");
    assert!(r.text().contains("--admin-dir"), "{}", r.text());
}

#[tokio::test]
async fn validates_a_real_bal_like_the_cli() {
    let bytes = std::fs::read(geocommun_testkit::data_file("bal/71346.csv")).unwrap();
    let r = post("/bal/validate?name=71346.csv", bytes).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["file"], "71346.csv");
    assert_eq!(j["parseOk"], true);
    assert_eq!(j["profile"], "1.3");
    assert_eq!(j["valid"], true);
    assert_eq!(j["rowsCount"], 145);
    assert_eq!(j["findingsCount"], 411);
    assert_eq!(j["findings"][0]["row"], 1);
}

#[tokio::test]
async fn bad_profile_is_a_400_and_binary_is_a_report() {
    let r = post("/bal/validate?profile=2.0", b"numero;voie_nom\n1;Rue".to_vec()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("unknown BAL profile"));
    let r = post("/bal/validate", vec![0x1f, 0x8b, 0x08, 0, 0]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["exception"], "Non-text file cannot be processed");
    assert_eq!(r.json()["valid"], false);
}
