//! `GET /search/`: the GeoCodeJSON contract.

use serde_json::Value;

use crate::common::*;

fn features(v: &Value) -> &Vec<Value> {
    v["features"].as_array().unwrap()
}

fn decimals(x: f64) -> usize {
    let s = x.to_string();
    s.split_once('.').map_or(0, |(_, d)| d.len())
}

#[tokio::test]
async fn feature_collection_has_every_field() {
    let r = get(&app(), "/search/?q=8+boulevard+du+port+amiens").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("application/json"));
    let v = r.json();
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["version"], "draft");
    assert_eq!(v["attribution"], "BAN");
    assert_eq!(v["licence"], "ETALAB-2.0");
    assert_eq!(v["query"], "8 boulevard du port amiens");
    assert_eq!(v["filters"], serde_json::json!({}));
    assert_eq!(v["center"], Value::Null);
    assert_eq!(v["limit"], 5);
    let f = &features(&v)[0];
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["geometry"]["type"], "Point");
    let c = f["geometry"]["coordinates"].as_array().unwrap();
    assert_eq!(c.len(), 2);
    assert!(c.iter().all(|x| decimals(x.as_f64().unwrap()) <= 6));
    let p = &f["properties"];
    assert_eq!(p["label"], "8 Boulevard du Port 80000 Amiens");
    assert_eq!(p["housenumber"], "8");
    assert_eq!(p["id"], "80021_6590_00008");
    assert_eq!(p["name"], "8 Boulevard du Port");
    assert_eq!(p["postcode"], "80000");
    assert_eq!(p["citycode"], "80021");
    assert_eq!(p["city"], "Amiens");
    assert_eq!(p["context"], "80, Somme, Hauts-de-France");
    assert_eq!(p["type"], "housenumber");
    assert_eq!(p["street"], "Boulevard du Port");
    assert_eq!(p["_type"], "address");
    let score = p["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score) && decimals(score) <= 6);
    assert!(p["importance"].as_f64().unwrap() > 0.0);
    let (x, y) = (p["x"].as_f64().unwrap(), p["y"].as_f64().unwrap());
    assert!(decimals(x) <= 2 && decimals(y) <= 2);
    assert!(
        (600_000.0..700_000.0).contains(&x) && (6_900_000.0..7_000_000.0).contains(&y),
        "{x} {y}"
    );
    for absent in
        ["population", "distance", "district", "oldcity", "oldcitycode", "_explain", "banId"]
    {
        assert!(p.get(absent).is_none(), "{absent} should be absent: {p}");
    }
}

#[tokio::test]
async fn properties_come_in_the_api_adresse_order() {
    let r = get(&app(), "/search/?q=1+rue+de+rivoli+paris&lat=48.86&lon=2.33").await;
    let text = r.text();
    let order = [
        "\"label\"",
        "\"score\"",
        "\"housenumber\"",
        "\"id\"",
        "\"banId\"",
        "\"name\"",
        "\"postcode\"",
        "\"citycode\"",
        "\"x\"",
        "\"y\"",
        "\"city\"",
        "\"district\"",
        "\"context\"",
        "\"type\":\"housenumber\"",
        "\"importance\"",
        "\"street\"",
        "\"distance\"",
        "\"_type\"",
    ];
    let positions: Vec<usize> =
        order.iter().map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in {text}"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let top = [
        "\"type\":\"FeatureCollection\"",
        "\"version\"",
        "\"features\"",
        "\"attribution\"",
        "\"licence\"",
        "\"query\"",
        "\"filters\"",
        "\"center\"",
        "\"limit\"",
    ];
    let positions: Vec<usize> = top.iter().map(|k| text.rfind(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[tokio::test]
async fn paris_has_district_and_ban_id() {
    let v = get(&app(), "/search/?q=1+rue+de+rivoli+75001").await.json();
    let p = &features(&v)[0]["properties"];
    assert_eq!(p["id"], "75101_8244_00001");
    assert_eq!(p["banId"], RIVOLI_BAN_ID);
    assert_eq!(p["city"], "Paris");
    assert_eq!(p["district"], "Paris 1er Arrondissement");
    assert_eq!(p["citycode"], "75101");
}

#[tokio::test]
async fn municipality_has_population() {
    let v = get(&app(), "/search/?q=lille&type=municipality").await.json();
    assert_eq!(v["filters"], serde_json::json!({"type": "municipality"}));
    let f = features(&v);
    assert!(!f.is_empty());
    for f in f {
        assert_eq!(f["properties"]["type"], "municipality");
    }
    let p = &f[0]["properties"];
    assert_eq!(p["id"], "59350");
    assert_eq!(p["population"], 236_000);
    assert!(p.get("street").is_none() && p.get("housenumber").is_none());
}

#[tokio::test]
async fn type_filter_takes_several_values_in_every_syntax() {
    let app = app();
    for uri in [
        "/search/?q=lille&type=municipality,locality",
        "/search/?q=lille&type=municipality+locality",
        "/search/?q=lille&type=municipality%2Blocality",
        "/search/?q=lille&type=municipality&type=locality",
    ] {
        let v = get(&app, uri).await.json();
        assert_eq!(v["filters"]["type"], "municipality+locality", "{uri}");
        for f in features(&v) {
            let t = f["properties"]["type"].as_str().unwrap();
            assert!(t == "municipality" || t == "locality", "{uri}: {t}");
        }
    }
}

#[tokio::test]
async fn postcode_and_citycode_filters() {
    let app = app();
    let v = get(&app, "/search/?q=rue&postcode=80000").await.json();
    assert!(!features(&v).is_empty());
    assert!(features(&v).iter().all(|f| f["properties"]["postcode"] == "80000"));
    assert_eq!(v["filters"]["postcode"], "80000");

    let v = get(&app, "/search/?q=rue&postcode=80000,59000&limit=20").await.json();
    let pcs: Vec<&str> =
        features(&v).iter().map(|f| f["properties"]["postcode"].as_str().unwrap()).collect();
    assert!(pcs.contains(&"80000") && pcs.contains(&"59000") && !pcs.contains(&"75001"), "{pcs:?}");

    let v = get(&app, "/search/?q=cours+napoleon&citycode=2a004").await.json();
    assert_eq!(v["filters"]["citycode"], "2A004");
    assert_eq!(features(&v)[0]["properties"]["citycode"], "2A004");

    let v = get(&app, "/search/?q=rivoli&citycode=80021").await.json();
    assert!(features(&v).iter().all(|f| f["properties"]["citycode"] == "80021"));
}

#[tokio::test]
async fn limit_and_autocomplete() {
    let app = app();
    let v = get(&app, "/search/?q=rue&limit=1").await.json();
    assert_eq!(v["limit"], 1);
    assert_eq!(features(&v).len(), 1);
    let v = get(&app, "/search/?q=rue&limit=100").await.json();
    assert_eq!(v["limit"], 100);

    for on in ["1", "true", "TRUE"] {
        let v = get(&app, &format!("/search/?q=rue+de+riv&autocomplete={on}")).await.json();
        assert_eq!(features(&v)[0]["properties"]["name"], "Rue de Rivoli", "autocomplete={on}");
    }
    for off in ["0", "false"] {
        let r = get(&app, &format!("/search/?q=rue+de+riv&autocomplete={off}")).await;
        assert_eq!(r.status, 200, "autocomplete={off}");
    }
}

#[tokio::test]
async fn a_point_biases_and_gives_distance_under_every_alias() {
    let app = app();
    for (la, lo) in [("lat", "lon"), ("lat", "lng"), ("lat", "long"), ("latitude", "longitude")] {
        let v = get(&app, &format!("/search/?q=rue+de+paris&{la}=-20.88&{lo}=55.45")).await.json();
        assert_eq!(v["center"], serde_json::json!([55.45, -20.88]), "{la}/{lo}");
        let p = &features(&v)[0]["properties"];
        assert_eq!(p["citycode"], "97411");
        assert!(p["distance"].is_u64(), "distance is an integer number of metres: {p}");
    }
}

#[tokio::test]
async fn explain_adds_the_score_parts() {
    let v = get(&app(), "/search/?q=rivoli&explain=1").await.json();
    let e = &features(&v)[0]["properties"]["_explain"];
    for k in ["text", "name_coverage", "importance", "geo", "housenumber"] {
        assert!(e[k].is_number(), "{k}: {e}");
    }
    assert!(e["typo_pass"].is_boolean());
    assert_eq!(e["tokens"][0]["token"], "rivoli");
    assert_eq!(e["tokens"][0]["match"], "exact");
    let v = get(&app(), "/search/?q=rivoli&explain=0").await.json();
    assert!(features(&v)[0]["properties"].get("_explain").is_none());
}

#[tokio::test]
async fn index_address_only() {
    let app = app();
    assert_eq!(get(&app, "/search/?q=rivoli&index=address").await.status, 200);
    for idx in ["poi", "parcel", "address,poi"] {
        let m = assert_error(
            &get(&app, &format!("/search/?q=rivoli&index={idx}")).await,
            400,
            "invalid_parameter",
        );
        assert!(m.contains("index=") && m.contains("only serves index=address"), "{m}");
    }
    assert_error(&get(&app, "/search/?q=rivoli&index=foo").await, 400, "invalid_parameter");
}

#[tokio::test]
async fn every_path_variant_answers_the_same() {
    let app = app();
    let reference = get(&app, "/search/?q=rivoli").await.json();
    for path in ["/search", "/geocodage/search", "/geocodage/search/"] {
        let r = get(&app, &format!("{path}?q=rivoli")).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json(), reference, "{path}");
    }
}

#[tokio::test]
async fn legal_projection_by_territory() {
    let app = app();
    // Real BAN values (Paris 1er, row 75101_cfq3tf_00001), Lambert-93.
    let v = get(&app, "/search/?q=1+avenue+du+general+lemonnier").await.json();
    let p = &features(&v)[0]["properties"];
    assert_eq!(p["id"], "75101_cfq3tf_00001");
    assert!((p["x"].as_f64().unwrap() - 650_852.91).abs() <= 0.05, "{p}");
    assert!((p["y"].as_f64().unwrap() - 6_862_571.27).abs() <= 0.05, "{p}");
    // Corsica: Lambert-93 too.
    let v = get(&app, "/search/?q=cours+napoleon+ajaccio").await.json();
    let p = &features(&v)[0]["properties"];
    assert!((1_100_000.0..1_250_000.0).contains(&p["x"].as_f64().unwrap()), "{p}");
    assert!((6_050_000.0..6_200_000.0).contains(&p["y"].as_f64().unwrap()), "{p}");
    // La Réunion: RGR92 / UTM 40S.
    let v = get(&app, "/search/?q=rue+de+paris+saint-denis").await.json();
    let p = &features(&v)[0]["properties"];
    assert!((330_000.0..360_000.0).contains(&p["x"].as_f64().unwrap()), "{p}");
    assert!((7_680_000.0..7_700_000.0).contains(&p["y"].as_f64().unwrap()), "{p}");
}

#[tokio::test]
async fn unsearchable_text_gives_an_empty_collection() {
    let v = get(&app(), "/search/?q=%21%21%21").await.json();
    assert_eq!(v["features"], serde_json::json!([]));
    assert_eq!(v["query"], "!!!");
}

#[tokio::test]
async fn missing_or_invalid_parameters_are_400_and_named() {
    let app = app();
    for (uri, param) in [
        ("/search/", "q is required"),
        ("/search/?q=", "q is required"),
        ("/search/?q=+++", "q is required"),
        ("/search/?q=rue&limit=abc", "limit must be an integer between 1 and 100; got 'abc'"),
        ("/search/?q=rue&limit=0", "limit must be"),
        ("/search/?q=rue&limit=101", "limit must be"),
        ("/search/?q=rue&autocomplete=2", "autocomplete must be"),
        ("/search/?q=rue&lat=abc&lon=2", "lat must be a decimal number"),
        ("/search/?q=rue&lat=91&lon=2", "lat must be"),
        ("/search/?q=rue&lat=48&lon=181", "lon must be"),
        ("/search/?q=rue&lat=48", "lon is missing"),
        ("/search/?q=rue&lon=2", "lat is missing"),
        (
            "/search/?q=rue&type=house",
            "type must be one of housenumber, street, locality, municipality",
        ),
        ("/search/?q=rue&postcode=7500", "postcode must be a 5-digit"),
        ("/search/?q=rue&citycode=abc", "citycode must be"),
        ("/search/?q=rue&postcode=1,2,3,4,5,6,7,8,9,10,11", "at most 10 values"),
    ] {
        let m = assert_error(&get(&app, uri).await, 400, "invalid_parameter");
        assert!(m.contains(param), "{uri}: {m}");
    }
}

#[tokio::test]
async fn several_problems_are_reported_together() {
    let r = get(&app(), "/search/?q=rue&limit=0&type=foo&lat=1").await;
    assert_error(&r, 400, "invalid_parameter");
    assert_eq!(r.json()["detail"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_query_over_200_characters_is_413() {
    let app = app();
    let q = "a".repeat(201);
    let m = assert_error(&get(&app, &format!("/search/?q={q}")).await, 413, "query_too_long");
    assert!(m.contains("201") && m.contains("200"), "{m}");
    let q = "é".repeat(200);
    assert_eq!(
        get(&app, &format!("/search/?q={}", q.replace('é', "%C3%A9"))).await.status,
        200,
        "200 characters, 400 bytes"
    );
}

/// The whole response, with the engine-tuned numbers redacted (they move as ranking improves).
#[tokio::test]
async fn snapshot_of_a_search_response() {
    let v = get(&app(), "/search/?q=1+rue+de+rivoli+paris&limit=2&type=housenumber&postcode=75001")
        .await
        .json();
    insta::assert_json_snapshot!(v, {
        ".features[].properties.score" => "[score]",
        ".features[].properties.importance" => "[importance]",
    });
}
