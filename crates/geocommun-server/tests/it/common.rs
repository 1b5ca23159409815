//! Harness: a tiny synthetic France, the router called in-process, request helpers.

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use geocommun_model::{BanId, CodeInsee, LonLat, StreetKind};
use geocommun_search::Engine;
use geocommun_server::{AppState, ServerConfig, router};
use geocommun_testkit::{commune, street};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const RIVOLI_BAN_ID: &str = "0f5d3f5e-2b43-4b2a-9a5f-7b1c2d3e4f50";

/// Paris 1er (an arrondissement), Amiens, Lille, a lieu-dit, Ajaccio (Corsica), Saint-Denis
/// (La Réunion).
pub fn communes() -> Vec<geocommun_model::CommuneAddresses> {
    let mut rivoli = street("Rue de Rivoli", "75101_8244", "75001", 2.3364, 48.8600, 30);
    rivoli.addresses[0].ban_id = Some(BanId::parse(RIVOLI_BAN_ID).unwrap());
    let mut paris1 = commune(
        "75101",
        "Paris 1er Arrondissement",
        16_000,
        vec![rivoli, street("Rue Saint-Honoré", "75101_8635", "75001", 2.3400, 48.8620, 10)],
    );
    paris1.parent = Some((CodeInsee::parse("75056").unwrap(), "Paris".to_owned()));
    paris1.context = "75, Paris, Île-de-France".to_owned();

    let mut amiens = commune(
        "80021",
        "Amiens",
        133_000,
        vec![
            street("Boulevard du Port", "80021_6590", "80000", 2.2900, 49.8970, 12),
            street("Rue des Jacobins", "80021_4321", "80000", 2.2950, 49.8920, 8),
        ],
    );
    amiens.context = "80, Somme, Hauts-de-France".to_owned();

    let mut hameau = street("Le Petit Bois", "59350_b001", "59000", 3.0500, 50.6200, 0);
    hameau.kind = StreetKind::LieuDit;
    hameau.position = Some(LonLat::new(3.0500, 50.6200));
    let mut lille = commune(
        "59350",
        "Lille",
        236_000,
        vec![street("Rue de la Paix", "59350_1234", "59000", 3.0600, 50.6300, 10), hameau],
    );
    lille.context = "59, Nord, Hauts-de-France".to_owned();

    let ajaccio = commune(
        "2A004",
        "Ajaccio",
        70_000,
        vec![street("Cours Napoléon", "2a004_0450", "20000", 8.7386, 41.9267, 5)],
    );
    let mut lemonnier =
        street("Avenue du Général Lemonnier", "75101_cfq3tf", "75001", 2.330113, 48.861299, 0);
    // BAN 2024 row 75101_cfq3tf_00001: lon 2.330113, lat 48.861299, x 650852.91, y 6862571.27.
    lemonnier.addresses.push(geocommun_testkit::address(
        1,
        None,
        2.330113,
        48.861299,
        "75101_cfq3tf_00001",
    ));
    paris1.streets.push(lemonnier);
    let st_denis = commune(
        "97411",
        "Saint-Denis",
        150_000,
        vec![street("Rue de Paris", "97411_0123", "97400", 55.4481, -20.8789, 5)],
    );
    vec![paris1, amiens, lille, ajaccio, st_denis]
}

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::build(&communes()));

pub fn engine() -> Engine {
    ENGINE.clone()
}

pub fn app() -> Router {
    app_with(ServerConfig::default())
}

pub fn app_with(config: ServerConfig) -> Router {
    router(AppState::new(engine(), config))
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, headers, body }
}

pub async fn get(app: &Router, uri: &str) -> Resp {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post_json(app: &Router, uri: &str, body: &Value) -> Resp {
    let req = Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

/// One part of a multipart form.
pub struct Part<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub content: &'a [u8],
}

pub fn field<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part { name, file_name: None, content: value.as_bytes() }
}

pub fn file<'a>(name: &'a str, content: &'a [u8]) -> Part<'a> {
    Part { name: "data", file_name: Some(name), content }
}

pub const BOUNDARY: &str = "geocommun-test-boundary-7MA4YWxkTrZu0gW";

pub fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p.file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n",
                    p.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", p.name).as_bytes()),
        }
        body.extend_from_slice(p.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn post_form(app: &Router, uri: &str, parts: &[Part<'_>]) -> Resp {
    let req = Request::post(uri)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(multipart_body(parts)))
        .unwrap();
    send(app, req).await
}

/// Parses a CSV output into rows of fields.
pub fn csv_rows(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// The error body of the API, checked for shape.
pub fn assert_error(r: &Resp, status: u16, code: &str) -> String {
    assert_eq!(r.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["code"], status);
    assert_eq!(v["error"], code);
    assert!(v["detail"].is_array());
    v["message"].as_str().unwrap().to_owned()
}
