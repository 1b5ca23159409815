//! `/tiles/…` over HTTP on real data (the Paris BAN file, France's contours): tiles decoded and
//! checked, 204 at sea, 400 on bad addresses, ETag and gzip, the style and its glyphs, and a
//! publication that shows in the tiles.

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use geocommun_model::CommuneAddresses;
use geocommun_server::{AppState, Basemap, ServerConfig, router};
use geocommun_testkit::mvt;
use geocommun_tiles::{AddressIndex, Areas, TileId, layer};
use serde_json::Value;

use crate::api_geo::GEO;
use crate::common::{Resp, assert_error, engine, get, send};
use crate::publication::{REGISTRY, Setup, bal, sqlite_world_with};

static PARIS: LazyLock<Vec<CommuneAddresses>> = LazyLock::new(|| {
    let mut importer = geocommun_import::Importer::new(Some(&REGISTRY));
    let file = geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz");
    importer.read(&geocommun_import::Source::Path(file), &mut |_| {}).unwrap();
    importer.finish()
});

static AREAS: LazyLock<Arc<Areas>> =
    LazyLock::new(|| Arc::new(Areas::build(&GEO.registry, GEO.contours.as_ref().unwrap())));

fn app_with(config: ServerConfig) -> Router {
    let state = AppState::new(engine(), config);
    state.set_tile_addresses(Arc::new(AddressIndex::build(&PARIS)));
    state.set_tile_areas(Arc::clone(&AREAS));
    router(state)
}

fn app() -> Router {
    app_with(ServerConfig::default())
}

async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

fn url(t: TileId) -> String {
    format!("/tiles/{}/{}/{}.pbf", t.z, t.x, t.y)
}

/// 2 rue de Rivoli, Paris 4e (BAN 2024 `75104_8249_00002`).
const RIVOLI_2: (f64, f64) = (2.361573, 48.855215);

#[tokio::test]
async fn a_paris_tile_holds_its_addresses() {
    let app = app();
    let t = TileId::at_lonlat(14, RIVOLI_2.0, RIVOLI_2.1);
    let r = get(&app, &url(t)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/vnd.mapbox-vector-tile");
    assert_eq!(r.header("cache-control"), "public, no-cache");
    let etag = r.header("etag").to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let tile = mvt::decode(&r.body).unwrap();
    let rivoli = tile[layer::ADRESSES]
        .features
        .iter()
        .find(|f| f.str("id") == Some("75104_8249_00002"))
        .unwrap();
    assert_eq!(rivoli.str("numero"), Some("2"));
    assert_eq!(rivoli.str("commune"), Some("75104"));
    assert_eq!(rivoli.str("type_position"), Some("parcelle"));
    assert_eq!(rivoli.props["certifie"], mvt::Value::Bool(true));
    let (lon, lat) = mvt::to_lonlat(t.z, t.x, t.y, 4096, rivoli.points[0].0, rivoli.points[0].1);
    assert!((lon - RIVOLI_2.0).abs() < 1e-4 && (lat - RIVOLI_2.1).abs() < 1e-4);
    // Every layer of a Paris z14 tile but the lieux-dits (Paris has none in the BAN file).
    for name in [layer::ADRESSES, layer::VOIES, layer::COMMUNES, layer::DEPARTEMENTS] {
        assert!(tile.contains_key(name), "{name} in {:?}", tile.keys());
    }

    // Revalidation: 304 without a body while the tile is unchanged.
    let again = get_with(&app, &url(t), &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), etag);
    let other = get_with(&app, &url(t), &[("if-none-match", "W/\"1-00000000\"")]).await;
    assert_eq!(other.status, 200);

    // Compressed for clients that accept gzip, the same tile once inflated.
    let gz = get_with(&app, &url(t), &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert!(gz.body.len() < r.body.len() / 2, "{} vs {}", gz.body.len(), r.body.len());
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz.body[..]), &mut raw).unwrap();
    assert_eq!(raw, r.body);
}

#[tokio::test]
async fn empty_and_bad_tiles() {
    let app = app();
    // At sea: no content.
    let sea = get(&app, &url(TileId::at_lonlat(14, -6.0, 45.5))).await;
    assert_eq!(sea.status, 204);
    assert!(sea.body.is_empty());
    // France at zoom 0 is not empty: the départements.
    let z0 = get(&app, "/tiles/0/0/0.pbf").await;
    assert_eq!(z0.status, 200);
    assert!(mvt::decode(&z0.body).unwrap().contains_key(layer::DEPARTEMENTS));

    for (uri, needle) in [
        ("/tiles/23/0/0.pbf", "zoom 23 is out of range: tiles exist for zooms 0 to 22"),
        ("/tiles/14/16384/5000.pbf", "x = 16384 is out of range at zoom 14"),
        ("/tiles/14/0/16384.pbf", "y = 16384 is out of range at zoom 14"),
        ("/tiles/abc/0/0.pbf", "`abc` is not a valid zoom"),
        ("/tiles/14/-1/0.pbf", "`-1` is not a valid x"),
        ("/tiles/14/0/1e3.pbf", "`1e3` is not a valid y"),
        ("/tiles/14/0/.pbf", "`` is not a valid y"),
        ("/tiles/999999999999999999999/0/0.pbf", "is not a valid zoom"),
    ] {
        let r = get(&app, uri).await;
        let message = assert_error(&r, 400, "invalid_parameter");
        assert!(message.contains(needle), "{uri}: {message}");
    }
    let r = get(&app, "/tiles/14/8298/5636.png").await;
    let message = assert_error(&r, 404, "not_found");
    assert!(message.contains("/tiles/{z}/{x}/{y}.pbf"), "{message}");
}

#[tokio::test]
async fn the_style_points_at_this_server() {
    let app = app();
    let r = get_with(&app, "/tiles/style.json", &[("host", "maps.example.org:8080")]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/json");
    assert!(r.header("vary").contains("host"));
    let style = r.json();
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["geocommun"]["tiles"][0],
        "http://maps.example.org:8080/tiles/{z}/{x}/{y}.pbf"
    );
    assert_eq!(style["glyphs"], "http://maps.example.org:8080/tiles/fonts/{fontstack}/{range}.pbf");
    assert_eq!(style["sources"].as_object().unwrap().len(), 1, "no third-party source");
    // Every layer reads a layer the tiles have, every font is served.
    for l in style["layers"].as_array().unwrap() {
        if let Some(source_layer) = l["source-layer"].as_str() {
            assert!(layer::ALL.contains(&source_layer), "{l}");
        }
        for font in fonts_of(&l["layout"]["text-font"]) {
            let uri = format!("/tiles/fonts/{}/0-255.pbf", font.replace(' ', "%20"));
            assert_eq!(get(&app, &uri).await.status, 200, "{uri}");
        }
    }
    let legend = &style["metadata"]["geocommun:legend"]["positions"];
    assert_eq!(legend.as_array().unwrap().len(), 9);

    // Behind a TLS proxy that says so.
    let r = get_with(
        &app,
        "/tiles/style.json",
        &[
            ("host", "10.0.0.5:7878"),
            ("x-forwarded-host", "adresse.example.org"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-prefix", "/geo/"),
        ],
    )
    .await;
    assert_eq!(
        r.json()["sources"]["geocommun"]["tiles"][0],
        "https://adresse.example.org/geo/tiles/{z}/{x}/{y}.pbf"
    );
    for bad in [
        [("host", "evil.example\"onload"), ("x-forwarded-proto", "http")],
        [("host", "ok.example"), ("x-forwarded-proto", "gopher")],
        [("host", "ok.example"), ("x-forwarded-prefix", "no-slash")],
    ] {
        let r = get_with(&app, "/tiles/style.json", &bad).await;
        let message = assert_error(&r, 400, "invalid_parameter");
        assert!(message.contains('`'), "{message}");
    }

    // With an operator's basemap: a raster source under our layers, with its attribution.
    let basemap =
        Basemap::new("https://tiles.example.org/{z}/{x}/{y}.png", "© Example contributors", 256)
            .unwrap();
    let app = app_with(ServerConfig { basemap: Some(basemap), ..ServerConfig::default() });
    let style = get_with(&app, "/tiles/style.json", &[("host", "a.example")]).await.json();
    let raster = &style["sources"]["fond-de-carte"];
    assert_eq!(raster["type"], "raster");
    assert_eq!(raster["tiles"][0], "https://tiles.example.org/{z}/{x}/{y}.png");
    assert_eq!(raster["attribution"], "© Example contributors");
    assert_eq!(style["layers"][1]["source"], "fond-de-carte");
}

fn fonts_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) if s.starts_with("Noto") => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(fonts_of).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn glyphs_are_served_from_the_binary() {
    let app = app();
    let r = get(&app, "/tiles/fonts/Noto%20Sans%20Regular/0-255.pbf").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/x-protobuf");
    assert!(r.body.len() > 10_000, "{}", r.body.len());
    assert!(r.body.windows(17).any(|w| w == b"Noto Sans Regular"));
    // A fontstack: the first font served here is used.
    let r = get(&app, "/tiles/fonts/Open%20Sans%20Bold,Noto%20Sans%20Bold/256-511.pbf").await;
    assert_eq!(r.status, 200);
    assert!(r.body.windows(14).any(|w| w == b"Noto Sans Bold"));
    // A range the fonts do not cover: an empty range, labels show without those characters.
    let r = get(&app, "/tiles/fonts/Noto%20Sans%20Regular/19968-20223.pbf").await;
    assert_eq!(r.status, 200);
    assert!(r.body.len() < 64);

    let r = get(&app, "/tiles/fonts/Comic%20Sans/0-255.pbf").await;
    let message = assert_error(&r, 404, "not_found");
    assert!(message.contains("available: Noto Sans Regular, Noto Sans Bold, Noto Sans Italic"));
    for range in ["1-256", "0-511", "65536-65791", "a-b", "0255"] {
        let r = get(&app, &format!("/tiles/fonts/Noto%20Sans%20Regular/{range}.pbf")).await;
        let message = assert_error(&r, 400, "invalid_parameter");
        assert!(message.contains("256 code points"), "{range}: {message}");
    }
}

/// Rue Joffre, Mont-Bonvillers: where its numbers 2, 4 and 99 (added below) are.
const JOFFRE: [(&str, (f64, f64)); 3] =
    [("2", (5.833891, 49.322171)), ("4", (5.833513, 49.322103)), ("99", (5.833622, 49.322203))];

/// The features of number `numero` of Rue Joffre in the `adresses` layer of its tile at zoom
/// `z` (other streets have numbers 2 and 4 too: they are told apart by where they are):
/// (type, certified, principal).
async fn numbers(app: &Router, z: u8, numero: &str) -> Vec<(String, bool, bool)> {
    let (_, at) = JOFFRE.iter().find(|(n, _)| *n == numero).unwrap();
    let t = TileId::at_lonlat(z, at.0, at.1);
    let r = get(app, &url(t)).await;
    if r.status == 204 {
        return Vec::new();
    }
    assert_eq!(r.status, 200);
    let near = |f: &mvt::Feature| {
        let (lon, lat) = mvt::to_lonlat(t.z, t.x, t.y, 4096, f.points[0].0, f.points[0].1);
        (lon - at.0).abs() < 2e-5 && (lat - at.1).abs() < 2e-5
    };
    let tile = mvt::decode(&r.body).unwrap();
    let mut out: Vec<(String, bool, bool)> = tile
        .get(layer::ADRESSES)
        .map(|l| l.features.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|f| f.str("numero") == Some(numero) && f.str("commune") == Some("54084"))
        .filter(|f| near(f))
        .map(|f| {
            (
                f.str("type_position").unwrap().to_owned(),
                f.props["certifie"] == mvt::Value::Bool(true),
                f.props["principale"] == mvt::Value::Bool(true),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_shows_in_the_tiles() {
    let w = sqlite_world_with(Setup::default()).await;
    // 2 rue Joffre, Mont-Bonvillers (BAL 54084: not certified, a `segment` position).
    let t = url(TileId::at_lonlat(16, 5.833891, 49.322171));
    assert_eq!(get(&w.app, &t).await.status, 204, "nothing there before the publication");
    w.habilitate("54084").await;
    w.publish("54084", bal("54084")).await;
    let first = get(&w.app, &t).await;
    assert_eq!(first.status, 200);
    assert_eq!(numbers(&w.app, 16, "2").await, vec![("segment".to_owned(), false, true)]);
    assert_eq!(numbers(&w.app, 16, "4").await, vec![("entrée".to_owned(), false, true)]);
    assert!(numbers(&w.app, 16, "99").await.is_empty());

    // Republished: 4 certified, a new number 99, and a `bâtiment` position for 2 (which then
    // becomes its main position: bâtiment ranks before segment).
    let text = String::from_utf8(bal("54084")).unwrap();
    let four = ";54084_0200_00004;54084;Mont-Bonvillers;;;Rue Joffre;;4;;entrée;906003.4;6917309.89;5.833513;49.322103;;inconnue;;";
    assert!(text.contains(&format!("{four}0")));
    let mut edited = text.replace(&format!("{four}0"), &format!("{four}1"));
    // The file's lines end with CRLF (its last one without): so do ours.
    if !edited.ends_with("\r\n") {
        edited.push_str("\r\n");
    }
    edited.push_str(";54084_0200_00099;54084;Mont-Bonvillers;;;Rue Joffre;;99;;entrée;906010.92;6917321.29;5.833622;49.322203;;inconnue;;1\r\n");
    edited.push_str(";54084_0200_00002;54084;Mont-Bonvillers;;;Rue Joffre;;2;;bâtiment;906030.59;6917318.43;5.833891;49.322171;;inconnue;;0\r\n");
    w.publish("54084", edited.into_bytes()).await;
    let second = get(&w.app, &t).await;
    assert_eq!(second.status, 200);
    assert_ne!(second.header("etag"), first.header("etag"));
    assert_eq!(numbers(&w.app, 16, "4").await, vec![("entrée".to_owned(), true, true)]);
    assert_eq!(numbers(&w.app, 16, "99").await, vec![("entrée".to_owned(), true, true)]);
    assert_eq!(
        numbers(&w.app, 16, "2").await,
        vec![("bâtiment".to_owned(), false, true), ("segment".to_owned(), false, false)]
    );
    // A client revalidating its old copy gets the new tile.
    let r = get_with(&w.app, &t, &[("if-none-match", first.header("etag"))]).await;
    assert_eq!(r.status, 200);
    // At zoom 14 only each number's main position.
    assert_eq!(numbers(&w.app, 14, "2").await, vec![("bâtiment".to_owned(), false, true)]);
    w.finish().await;
}
