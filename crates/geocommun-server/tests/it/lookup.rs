//! `GET /lookup/{id}`.

use crate::common::*;

#[tokio::test]
async fn every_kind_of_identifier() {
    let app = app();
    for (id, kind, want_id) in [
        ("75101", "municipality", "75101"),
        ("80021_6590", "street", "80021_6590"),
        ("80021_6590_00008", "housenumber", "80021_6590_00008"),
        (RIVOLI_BAN_ID, "housenumber", "75101_8244_00001"),
        ("59350_b001", "locality", "59350_b001"),
    ] {
        for prefix in ["", "/geocodage"] {
            let r = get(&app, &format!("{prefix}/lookup/{id}")).await;
            assert_eq!(r.status, 200, "{id}");
            let f = r.json();
            assert_eq!(f["type"], "Feature");
            assert_eq!(f["geometry"]["type"], "Point");
            assert_eq!(f["properties"]["type"], kind, "{id}");
            assert_eq!(f["properties"]["id"], want_id, "{id}");
            assert!(f["properties"].get("score").is_none(), "a lookup has no score");
            assert!(f["properties"]["x"].is_number());
        }
    }
}

#[tokio::test]
async fn unknown_identifier_is_404_json() {
    let app = app();
    for id in ["99999", "nope", "75101_zzzz_00001", "%20", "..%2F..%2Fetc"] {
        let m = assert_error(&get(&app, &format!("/lookup/{id}")).await, 404, "not_found");
        assert!(m.contains("identifier"), "{m}");
    }
}
