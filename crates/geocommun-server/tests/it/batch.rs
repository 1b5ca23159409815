//! `POST /batch` (addok-server contract).

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn results_in_order_with_the_addok_server_shape() {
    let body = json!({"requests": [
        {"id": "a", "operation": "geocode", "params": {"q": "8 boulevard du port amiens"}},
        {"id": "b", "operation": "reverse", "params": {"lat": 48.86, "lon": 2.3365}},
        {"id": "c", "operation": "geocode", "params": {"q": "zzzz qqqq"}},
        {"id": "d", "operation": "geocode", "params": {"q": ""}},
        {"id": 5, "operation": "reverse", "params": {"lat": "95", "lon": 2}},
        {"operation": "geocode", "params": {"q": "rivoli", "limit": "abc"}},
        {"id": "g", "operation": "geocode", "params": {"q": "rue"}},
    ]});
    let r = post_json(&app(), "/batch", &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let res = v["results"].as_array().unwrap();
    assert_eq!(res.len(), 7);

    assert_eq!(res[0]["id"], "a");
    assert_eq!(res[0]["status"], "ok");
    let a = &res[0]["result"];
    assert_eq!(a["label"], "8 Boulevard du Port 80000 Amiens");
    assert_eq!(a["id"], "80021_6590_00008");
    assert_eq!(a["type"], "housenumber");
    assert!(a["score"].is_number() && a["lon"].is_number() && a["lat"].is_number());
    assert!(a.get("next_score").is_none(), "only one result: {a}");
    assert!(a["x"].is_number());
    assert!(res[0].get("error").is_none());

    assert_eq!(res[1]["status"], "ok");
    assert_eq!(res[1]["result"]["id"], "75101_8244_00001");
    assert!(res[1]["result"]["distance"].is_u64());

    assert_eq!(res[2], json!({"id": "c", "status": "not-found"}));

    assert_eq!(res[3]["status"], "error");
    assert!(res[3]["error"].as_str().unwrap().contains("q is required"));
    assert_eq!(res[4]["id"], 5);
    assert_eq!(res[4]["status"], "error");
    assert!(res[4]["error"].as_str().unwrap().contains("lat must be"));
    // `limit` is fixed by the batch (first result + next score): a bad one is ignored.
    assert!(res[5].get("id").is_none());
    assert_eq!(res[5]["status"], "ok");
    // Two results are computed: the second one's score is given.
    let g = &res[6]["result"];
    assert!(g["next_score"].as_f64().unwrap() <= g["score"].as_f64().unwrap(), "{g}");
}

#[tokio::test]
async fn autocomplete_is_off_by_default() {
    let body = json!({"requests": [
        {"id": "off", "operation": "geocode", "params": {"q": "rue de riv"}},
        {"id": "on", "operation": "geocode", "params": {"q": "rue de riv", "autocomplete": 1}},
    ]});
    let v = post_json(&app(), "/batch", &body).await.json();
    assert_eq!(v["results"][1]["result"]["name"], "Rue de Rivoli");
    assert_ne!(v["results"][0]["result"]["name"], "Rue de Rivoli");
}

#[tokio::test]
async fn filters_in_every_form_and_global_params() {
    let body = json!({
        "params": {"filters": {"type": "municipality+locality"}},
        "requests": [
            {"id": "1", "operation": "geocode", "params": {"q": "lille"}},
            {"id": "2", "operation": "geocode", "params": {"q": "rue", "filters": {"citycode": ["80021", "59350"]}, "type": "street"}},
            {"id": "3", "operation": "geocode", "params": {"q": "rue", "postcode": "80000", "type": ["street"]}},
        ]
    });
    let v = post_json(&app(), "/geocodage/batch", &body).await.json();
    let res = v["results"].as_array().unwrap();
    assert_eq!(res[0]["result"]["type"], "municipality");
    let c2 = res[1]["result"]["citycode"].as_str().unwrap();
    assert!(c2 == "80021" || c2 == "59350", "{c2}");
    assert_eq!(res[1]["result"]["type"], "street");
    assert_eq!(res[2]["result"]["postcode"], "80000");
}

#[tokio::test]
async fn malformed_envelopes_are_400() {
    let app = app();
    let too_many: Vec<_> =
        (0..101).map(|i| json!({"id": i, "operation": "geocode", "params": {"q": "x"}})).collect();
    for (body, msg) in [
        (json!({}), "requests is a required param (array)"),
        (json!({"requests": {"id": "x"}}), "requests is a required param (array)"),
        (json!([1, 2]), "JSON object"),
        (json!({"requests": too_many}), "must not contain more than 100 items"),
        (
            json!({"requests": [{"id": "x", "operation": "search", "params": {}}]}),
            "operation must be one of geocode or reverse",
        ),
        (json!({"requests": [{"id": "x", "operation": "geocode"}]}), "params is required"),
        (json!({"requests": [1]}), "must be an object"),
        (json!({"params": 3, "requests": []}), "params (global) must be an object"),
    ] {
        let m = assert_error(&post_json(&app, "/batch", &body).await, 400, "invalid_parameter");
        assert!(m.contains(msg), "{body}: {m}");
    }
    let req =
        axum::http::Request::post("/batch").body(axum::body::Body::from("{not json")).unwrap();
    assert_error(&send(&app, req).await, 400, "invalid_body");
    let exactly: Vec<_> = (0..100)
        .map(|i| json!({"id": i, "operation": "geocode", "params": {"q": "rivoli"}}))
        .collect();
    let r = post_json(&app, "/batch", &json!({"requests": exactly})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["results"].as_array().unwrap().len(), 100);
    let r = post_json(&app, "/batch", &json!({"requests": []})).await;
    assert_eq!(r.json(), json!({"results": []}));
}

#[tokio::test]
async fn invalid_param_types_are_item_errors() {
    let body = json!({"requests": [
        {"id": "1", "operation": "geocode", "params": {"q": {"nested": true}}},
        {"id": "2", "operation": "geocode", "params": {"q": "x", "filters": "citycode"}},
        {"id": "3", "operation": "geocode", "params": {"q": ["rivoli", ["x"]]}},
    ]});
    let v = post_json(&app(), "/batch", &body).await.json();
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["status"], "error", "{r}");
        assert!(r["error"].is_string());
    }
}

#[tokio::test]
async fn a_body_over_the_maximum_is_413() {
    let app =
        app_with(geocommun_server::ServerConfig { batch_max_bytes: 100, ..Default::default() });
    let body = json!({"requests": [{"id": "x".repeat(200), "operation": "geocode", "params": {"q": "rivoli"}}]});
    assert_error(&post_json(&app, "/batch", &body).await, 413, "payload_too_large");
}

#[tokio::test]
async fn snapshot_of_a_batch_response() {
    let body = json!({"requests": [
        {"id": "a", "operation": "geocode", "params": {"q": "8 boulevard du port amiens"}},
        {"id": "b", "operation": "reverse", "params": {"lat": 48.86, "lon": 2.3365}},
        {"id": "c", "operation": "geocode", "params": {"q": "zzzz qqqq"}},
        {"id": "d", "operation": "geocode", "params": {"q": "rue", "limit": 0, "lat": 91}},
    ]});
    let v = post_json(&app(), "/batch", &body).await.json();
    insta::assert_json_snapshot!(v, {
        ".results[].result.score" => "[score]",
        ".results[].result.next_score" => "[score]",
        ".results[].result.importance" => "[importance]",
    });
}
