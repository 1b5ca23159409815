//! `GET /reverse/`.

use serde_json::Value;

use crate::common::*;

fn features(v: &Value) -> &Vec<Value> {
    v["features"].as_array().unwrap()
}

#[tokio::test]
async fn nearest_address_with_distance() {
    let r = get(&app(), "/reverse/?lat=48.86&lon=2.3365").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["version"], "draft");
    assert_eq!(v["limit"], 1);
    assert_eq!(v["center"], serde_json::json!([2.3365, 48.86]));
    assert!(v.get("query").is_none());
    let f = features(&v);
    assert_eq!(f.len(), 1);
    let p = &f[0]["properties"];
    assert_eq!(p["type"], "housenumber");
    assert_eq!(p["id"], "75101_8244_00001");
    assert!(p["distance"].as_u64().unwrap() < 20, "{p}");
    assert!(p["score"].is_number());
    assert_eq!(p["_type"], "address");
}

#[tokio::test]
async fn limit_orders_by_distance() {
    let v = get(&app(), "/reverse/?lat=48.86&lon=2.3365&limit=5").await.json();
    assert_eq!(v["limit"], 5);
    let d: Vec<u64> =
        features(&v).iter().map(|f| f["properties"]["distance"].as_u64().unwrap()).collect();
    assert_eq!(d.len(), 5);
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
}

#[tokio::test]
async fn type_filters() {
    let app = app();
    let v = get(&app, "/reverse/?lat=48.86&lon=2.3365&type=street").await.json();
    assert_eq!(v["filters"]["type"], "street");
    assert_eq!(features(&v)[0]["properties"]["type"], "street");
    assert_eq!(features(&v)[0]["properties"]["id"], "75101_8244");
    // A street result names its street, as api-adresse does; a municipality has none.
    let street = &features(&v)[0]["properties"];
    assert!(street["street"].as_str().is_some_and(|s| !s.is_empty()), "{street}");
    assert_eq!(street["street"], street["name"], "{street}");
    let v = get(&app, "/reverse/?lat=48.86&lon=2.3365&type=municipality").await.json();
    assert_eq!(features(&v)[0]["properties"]["type"], "municipality");
    assert_eq!(features(&v)[0]["properties"]["id"], "75101");
    assert!(features(&v)[0]["properties"].get("street").is_none());
}

#[tokio::test]
async fn postcode_and_citycode_filters() {
    let app = app();
    let v = get(&app, "/reverse/?lat=48.86&lon=2.3365&citycode=80021").await.json();
    assert!(features(&v).iter().all(|f| f["properties"]["citycode"] == "80021"));
    let v = get(&app, "/reverse/?lat=48.86&lon=2.3365&postcode=75001").await.json();
    assert_eq!(features(&v)[0]["properties"]["postcode"], "75001");
    assert_eq!(v["filters"]["postcode"], "75001");
}

#[tokio::test]
async fn nothing_near_is_an_empty_collection() {
    let v = get(&app(), "/reverse/?lat=45.0&lon=-30.0").await.json();
    assert_eq!(v["features"], serde_json::json!([]));
}

#[tokio::test]
async fn aliases_and_prefix() {
    let app = app();
    let reference = get(&app, "/reverse/?lat=48.86&lon=2.3365").await.json();
    for uri in [
        "/reverse?latitude=48.86&longitude=2.3365",
        "/reverse/?lat=48.86&lng=2.3365",
        "/geocodage/reverse?lat=48.86&long=2.3365",
        "/geocodage/reverse/?lat=48.86&lon=2.3365",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, 200, "{uri}");
        assert_eq!(r.json()["features"], reference["features"], "{uri}");
    }
}

#[tokio::test]
async fn the_point_is_required_and_validated() {
    let app = app();
    for (uri, msg) in [
        ("/reverse/", "lat and lon are required"),
        ("/reverse/?lat=48.86", "lon is missing"),
        ("/reverse/?lon=2.3", "lat is missing"),
        ("/reverse/?lat=x&lon=2.3", "lat must be"),
        ("/reverse/?lat=48&lon=2&limit=0", "limit must be"),
        ("/reverse/?lat=48&lon=2&type=foo", "type must be"),
    ] {
        let m = assert_error(&get(&app, uri).await, 400, "invalid_parameter");
        assert!(m.contains(msg), "{uri}: {m}");
    }
}
