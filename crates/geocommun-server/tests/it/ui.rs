//! The embedded web UI (`web/dist`): its pages, its assets and their caching, and that it
//! never shadows an API route.

use axum::body::Body;
use axum::http::Request;

use crate::common::{app, assert_error, get, send};

/// The `/assets/…` files `index.html` names (scripts and style sheets).
fn assets_of(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            if rest[..end].starts_with("/assets/") {
                out.push(rest[..end].to_owned());
            }
            rest = &rest[end..];
        }
    }
    out
}

async fn html_get(uri: &str) -> crate::common::Resp {
    let req = Request::get(uri)
        .header("accept", "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap();
    send(&app(), req).await
}

#[tokio::test]
async fn every_ui_route_answers_the_page() {
    let app = app();
    let home = get(&app, "/").await;
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(home.header("cache-control"), "no-cache");
    assert_eq!(home.header("x-frame-options"), "DENY");
    assert_eq!(home.header("x-content-type-options"), "nosniff");
    let page = home.text();
    assert!(page.contains("<main id=\"contenu\""), "{page}");
    assert!(page.contains("lang=\"fr\""));
    for uri in [
        "/explorer",
        "/explorer/",
        "/explorer/communes/93010",
        "/explorer/adresses/75104_8249_00012",
        "/explorer/adresses/0f5d3f5e-2b43-4b2a-9a5f-7b1c2d3e4f50",
        "/editeur",
        "/editeur/",
        "/editeur/communes/93010",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, 200, "{uri}");
        assert_eq!(r.text(), page, "{uri} is not the UI page");
    }
    // Revalidation: the ETag answers 304 without a body.
    let etag = home.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let req = Request::get("/").header("if-none-match", &etag).body(Body::empty()).unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn assets_are_served_with_an_immutable_cache_and_their_type() {
    let app = app();
    let page = get(&app, "/").await.text();
    let assets = assets_of(&page);
    assert!(assets.iter().any(|a| a.ends_with(".js")), "no script in {page}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "no style sheet in {page}");
    for a in &assets {
        let r = get(&app, a).await;
        assert_eq!(r.status, 200, "{a}");
        assert_eq!(r.header("cache-control"), "public, max-age=31536000, immutable", "{a}");
        let ct = r.header("content-type");
        if a.ends_with(".js") {
            assert_eq!(ct, "text/javascript; charset=utf-8", "{a}");
        } else {
            assert!(ct.starts_with("text/css"), "{a}: {ct}");
        }
        assert!(!r.body.is_empty());
    }
    // Every embedded file is reachable, the map's module worker with a JavaScript type.
    let files = geocommun_server::ui::files();
    let worker = files.iter().find(|f| f.ends_with(".mjs")).expect("the maplibre worker");
    let r = get(&app, &format!("/{worker}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/javascript; charset=utf-8");
    // A name the build does not have: the JSON 404 that says what to do.
    let msg = assert_error(&get(&app, "/assets/index-00000000.js").await, 404, "not_found");
    assert!(msg.contains("reload"), "{msg}");
}

/// The largest asset (maplibre-gl's chunk) is stored gzip-compressed: a browser gets it as it
/// is stored, with `Content-Encoding: gzip`, and a client that does not accept gzip gets the
/// same script decompressed, both under the name the pages ask for.
#[tokio::test]
async fn precompressed_assets_are_served_compressed_or_plain() {
    use std::io::Read as _;
    let app = app();
    let files = geocommun_server::ui::files();
    let stored = files.iter().find(|f| f.ends_with(".js.gz")).expect("a precompressed script");
    let uri = format!("/{}", stored.trim_end_matches(".gz"));
    let req =
        Request::get(&uri).header("accept-encoding", "br, gzip;q=0.9").body(Body::empty()).unwrap();
    let gz = send(&app, req).await;
    assert_eq!(gz.status, 200, "{uri}");
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gz.header("vary"), "accept-encoding");
    assert_eq!(gz.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(gz.header("cache-control"), "public, max-age=31536000, immutable");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut unzipped).unwrap();

    let plain = get(&app, &uri).await;
    assert_eq!(plain.status, 200);
    assert!(plain.headers.get("content-encoding").is_none(), "{:?}", plain.headers);
    assert_eq!(plain.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(plain.body, unzipped);
    assert!(plain.body.len() > 512 * 1024, "{}", plain.body.len());
    // The chunk is maplibre-gl's, and the pages' scripts name it.
    assert!(String::from_utf8_lossy(&plain.body).contains("maplibre"));
    // Asking for the stored `.gz` name itself is not how the pages ask: still served, as stored.
    assert_eq!(get(&app, &format!("/{stored}")).await.status, 200);
}

#[tokio::test]
async fn api_routes_are_not_shadowed() {
    let app = app();
    let r = get(&app, "/search/?q=rue+de+rivoli+paris").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["type"], "FeatureCollection");
    let r = get(&app, "/lookup/75101_8244_00001").await;
    assert!(r.header("content-type").starts_with("application/json"), "{:?}", r.headers);
    // The geo API's /communes and a browser asking for a route that exists: JSON, not the page.
    let req =
        Request::get("/communes/75101").header("accept", "text/html").body(Body::empty()).unwrap();
    let r = send(&app, req).await;
    assert!(r.header("content-type").starts_with("application/json"), "{:?}", r.headers);
    let r = html_get("/health").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("application/json"));
}

#[tokio::test]
async fn unknown_paths_answer_json_to_clients_and_the_page_to_browsers() {
    let msg = assert_error(&get(&app(), "/explorer/nothing/here").await, 404, "not_found");
    assert!(msg.contains("/explorer/nothing/here"), "{msg}");
    let r = html_get("/explorer/nothing/here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), "text/html; charset=utf-8");
    assert!(r.text().contains("<main id=\"contenu\""));
    // Not for other methods.
    let req = Request::post("/nothing").header("accept", "text/html").body(Body::empty()).unwrap();
    let r = send(&app(), req).await;
    assert_eq!(r.status, 404);
    assert!(r.header("content-type").starts_with("application/json"));
}

#[tokio::test]
async fn explanations_of_finding_codes() {
    let app = app();
    let r = get(&app, "/bal/explanations?codes=numero.trop_grand,voie_nom.trop_court").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["numero.trop_grand"]["what"], "Le numéro dépasse 99999.");
    assert_eq!(v["voie_nom.trop_court"]["what"], "voie_nom fait moins de 3 caractères.");
    assert!(v["voie_nom.trop_court"]["fix"].as_str().unwrap().contains("nom complet"));
    let v = get(&app, "/bal/explanations?codes=numero.trop_grand&lang=en").await.json();
    assert_eq!(v["numero.trop_grand"]["what"], "The number is greater than 99999.");

    let msg = assert_error(&get(&app, "/bal/explanations").await, 400, "invalid_parameter");
    assert!(msg.contains("codes"), "{msg}");
    let msg =
        assert_error(&get(&app, "/bal/explanations?codes=,,").await, 400, "invalid_parameter");
    assert!(msg.contains("codes"), "{msg}");
    let msg = assert_error(
        &get(&app, "/bal/explanations?codes=a&lang=de").await,
        400,
        "invalid_parameter",
    );
    assert!(msg.contains("fr or en"), "{msg}");
    let many = vec!["numero.trop_grand"; 201].join(",");
    let msg = assert_error(
        &get(&app, &format!("/bal/explanations?codes={many}")).await,
        400,
        "invalid_parameter",
    );
    assert!(msg.contains("at most 200"), "{msg}");
    let msg = assert_error(
        &get(&app, "/bal/explanations?codes=%3Cscript%3E").await,
        400,
        "invalid_parameter",
    );
    assert!(msg.contains("not a finding code"), "{msg}");
}
