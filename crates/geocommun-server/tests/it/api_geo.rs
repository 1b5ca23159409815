//! The API Géo contract on the real COG 2026, EPCI, La Poste and 2018 contour files: fields,
//! defaults, GeoJSON shapes, 400s and 404s with API Géo's body, real-data completeness,
//! history, streaming of every contour, and the `/reverse/` commune fallback.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

use axum::Router;
use geocommun_admin::CommuneKind;
use geocommun_server::routes::geo::GeoData;
use geocommun_server::{AppState, ServerConfig, router};
use serde_json::Value;

use crate::common::{engine, get};

pub(crate) static GEO: LazyLock<Arc<GeoData>> = LazyLock::new(|| {
    let dir = geocommun_testkit::data_dir().join("admin");
    let sources = geocommun_import::AdminSources::from_dir(&dir).unwrap();
    let registry = sources.load_registry().unwrap();
    let contours = sources.load_contours(&registry, &mut |_, _| {}).unwrap();
    Arc::new(GeoData::new(registry, contours))
});

fn app() -> Router {
    let state = AppState::new(engine(), ServerConfig::default());
    state.set_geo(Arc::clone(&GEO));
    router(state)
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// Asserts API Géo's error body and returns the message.
fn geo_error(r: &crate::common::Resp, status: u16) -> String {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    let v = r.json();
    assert_eq!(keys(&v), ["code", "message"], "{v}");
    assert_eq!(v["code"], status);
    v["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn commune_default_fields() {
    let app = app();
    let v = get(&app, "/communes/01001").await.json();
    let mut k = keys(&v);
    k.sort_unstable();
    assert_eq!(
        k,
        [
            "code",
            "codeDepartement",
            "codeEpci",
            "codeRegion",
            "codesPostaux",
            "nom",
            "population",
            "siren"
        ]
    );
    assert_eq!(v["nom"], "L'Abergement-Clémenciat");
    assert_eq!(v["codesPostaux"], serde_json::json!(["01400"]));
    assert_eq!(v["codeRegion"], "84");
    assert_eq!(v["siren"], "210100012");
    // Arrondissements are served by code too; déléguées are not communes.
    let a = get(&app, "/communes/75101?fields=nom,type,codeParent").await.json();
    assert_eq!(a["type"], "arrondissement-municipal");
    assert_eq!(a["codeParent"], "75056");
    assert_eq!(geo_error(&get(&app, "/communes/01340").await, 404), "Commune non trouvée");
    let d = get(&app, "/communes_associees_deleguees/01340").await.json();
    assert_eq!(
        (d["type"].as_str(), d["chefLieu"].as_str()),
        (Some("commune-deleguee"), Some("01015"))
    );
}

#[tokio::test]
async fn name_search_is_accent_case_and_typo_tolerant() {
    let app = app();
    for q in ["saint-etienne", "SAINT ETIENNE", "st étienne", "saint etiene"] {
        let v =
            get(&app, &format!("/communes?nom={}&boost=population&limit=3", q.replace(' ', "+")))
                .await
                .json();
        assert_eq!(v[0]["code"], "42218", "{q}: {v}");
        assert!(v[0]["_score"].as_f64().unwrap() > 0.0);
    }
    let v = get(&app, "/communes?nom=lhay+les+roses").await.json();
    assert_eq!(v[0]["nom"], "L'Haÿ-les-Roses");
    let v = get(&app, "/communes?nom=havre&boost=population&limit=1").await.json();
    assert_eq!(v[0]["nom"], "Le Havre");
    let v = get(&app, "/communes?nom=paris&codeDepartement=75&fields=nom").await.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let v = get(&app, "/departements?nom=cote+d'or").await.json();
    assert_eq!(v[0]["code"], "21");
    let v = get(&app, "/epcis?nom=grand+paris&boost=population&limit=1").await.json();
    assert_eq!(v[0]["code"], "200054781");
}

#[tokio::test]
async fn fields_and_geometries() {
    let app = app();
    let v = get(&app, "/communes/80021?fields=nom,centre,bbox,surface,contour,departement,region,epci,anciensCodes,zone,type").await.json();
    assert_eq!(v["centre"]["type"], "Point");
    assert_eq!(v["bbox"]["type"], "Polygon");
    assert!(matches!(v["contour"]["type"].as_str(), Some("Polygon" | "MultiPolygon")));
    let surface = v["surface"].as_f64().unwrap();
    assert!((4_000.0..6_000.0).contains(&surface), "Amiens {surface} ha");
    assert_eq!(v["departement"]["nom"], "Somme");
    assert_eq!(v["region"]["code"], "32");
    assert_eq!(v["epci"]["type"], "CA");
    assert_eq!((v["zone"].as_str(), v["type"].as_str()), (Some("metro"), Some("commune-actuelle")));

    // GeoJSON: Feature / FeatureCollection, the geometry chosen, the other fields as properties.
    let f = get(&app, "/communes/80021?format=geojson").await.json();
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["geometry"]["type"], "Point");
    assert_eq!(f["properties"]["nom"], "Amiens");
    let fc = get(&app, "/communes?codeDepartement=2A&format=geojson&geometry=contour&fields=nom")
        .await
        .json();
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 124);
    assert!(features.iter().all(|f| f["geometry"]["coordinates"].is_array()));
    assert_eq!(keys(&features[0]["properties"]), ["nom"]);

    // Départements and régions have contours, at several simplification levels.
    let d = get(&app, "/departements/75?format=geojson&geometry=contour").await.json();
    assert_eq!(
        (d["geometry"]["type"].as_str(), d["properties"]["nom"].as_str()),
        (Some("Polygon"), Some("Paris"))
    );
    let full = get(&app, "/regions/84?fields=contour").await.body.len();
    let simple = get(&app, "/regions/84?fields=contour&simplify=1000").await.body.len();
    assert!(simple * 5 < full, "{simple} vs {full}");
    let r = get(&app, "/regions?format=geojson&geometry=contour").await.json();
    let with_geometry =
        r["features"].as_array().unwrap().iter().filter(|f| !f["geometry"].is_null()).count();
    assert_eq!(with_geometry, 18);
    let e = get(&app, "/epcis/200054781?fields=nom,contour,surface").await.json();
    assert!(e["surface"].as_f64().unwrap() > 70_000.0);
}

#[tokio::test]
async fn point_in_polygon_filters() {
    let app = app();
    let c = get(&app, "/communes?lat=48.8566&lon=2.3522&fields=code").await.json();
    assert_eq!(c, serde_json::json!([{"code": "75056"}]));
    let d = get(&app, "/departements?lat=43.2965&lon=5.3698").await.json();
    assert_eq!(d[0]["code"], "13");
    let r = get(&app, "/regions?lat=43.2965&lon=5.3698").await.json();
    assert_eq!(r[0]["code"], "93");
    let e = get(&app, "/epcis?lat=48.9&lon=2.48&fields=code").await.json();
    assert_eq!(e[0]["code"], "200054781");
    // At sea: nothing.
    assert_eq!(get(&app, "/communes?lat=46&lon=-5").await.json(), serde_json::json!([]));
}

#[tokio::test]
async fn bad_input_is_a_400_with_the_api_geo_body() {
    let app = app();
    for uri in [
        "/communes?fields=nom,foo",
        "/communes?limit=0",
        "/communes?limit=abc",
        "/communes?limit=100000000",
        "/communes?lat=200&lon=2",
        "/communes?lat=48.8",
        "/communes?lat=abc&lon=2",
        "/communes?format=xml",
        "/communes?geometry=foo",
        "/communes?type=commune-fantome",
        "/communes?zone=mars",
        "/communes?boost=surface",
        "/regions?simplify=7",
        "/communes?date=2024-13-45",
        "/communes?date=1990-01-01",
        "/departements/13/communes?fields=code,contours",
    ] {
        let msg = geo_error(&get(&app, uri).await, 400);
        assert!(!msg.is_empty(), "{uri}");
    }
    let msg = geo_error(&get(&app, "/communes?fields=nom,foo").await, 400);
    assert!(msg.contains("'foo'") && msg.contains("codesPostaux"), "{msg}");
    for (uri, msg) in [
        ("/communes/99999", "Commune non trouvée"),
        ("/communes/abc", "Commune non trouvée"),
        ("/departements/00", "Département non trouvé"),
        ("/departements/00/communes", "Département non trouvé"),
        ("/regions/99", "Région non trouvée"),
        ("/regions/99/departements", "Région non trouvée"),
        ("/epcis/123", "EPCI non trouvé"),
        ("/epcis/123/communes", "EPCI non trouvé"),
        ("/communes/99999/history", "Commune non trouvée"),
    ] {
        assert_eq!(geo_error(&get(&app, uri).await, 404), msg, "{uri}");
    }
}

#[tokio::test]
async fn every_current_commune_is_served() {
    let app = app();
    let expected: BTreeSet<String> = GEO
        .registry
        .communes()
        .filter(|c| c.kind == CommuneKind::Actuelle)
        .map(|c| c.code.to_string())
        .collect();
    assert_eq!(expected.len(), 34_969);
    let all = get(&app, "/communes?fields=code").await.json();
    let served: BTreeSet<String> =
        all.as_array().unwrap().iter().map(|v| v["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(served, expected);
    for code in expected.iter().step_by(7) {
        let r = get(&app, &format!("/communes/{code}?fields=code")).await;
        assert_eq!(r.status, 200, "{code}");
    }
    let arr = get(&app, "/communes?type=arrondissement-municipal&fields=code").await.json();
    assert_eq!(arr.as_array().unwrap().len(), 45);
    let deps = get(&app, "/departements").await.json();
    assert_eq!(deps.as_array().unwrap().len(), 109);
    let idf = get(&app, "/regions/11/departements").await.json();
    assert_eq!(idf.as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn every_epci_has_its_members() {
    let app = app();
    let epcis = get(&app, "/epcis?fields=code").await.json();
    let epcis = epcis.as_array().unwrap();
    assert_eq!(epcis.len(), 1_255 + 11);
    for e in epcis {
        let code = e["code"].as_str().unwrap();
        let expected: BTreeSet<String> =
            GEO.registry.epci(code).unwrap().membres.iter().map(ToString::to_string).collect();
        let served = get(&app, &format!("/epcis/{code}/communes?fields=code")).await.json();
        let served: BTreeSet<String> = served
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(served, expected, "{code}");
    }
}

#[tokio::test]
async fn every_la_poste_postcode_maps_to_its_communes() {
    let app = app();
    let mut by_postcode: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut unknown = BTreeSet::new();
    for p in GEO.registry.postcodes() {
        // A row may name a commune déléguée or associée: it is served as its commune.
        let current = GEO
            .registry
            .commune(&p.code_commune)
            .map(|c| if c.kind.is_primary() { c.code } else { c.parent.unwrap_or(c.code) });
        match current {
            Some(c) => {
                by_postcode.entry(&p.code_postal).or_default().insert(c.to_string());
            }
            None => {
                unknown.insert(format!("{}:{}", p.code_postal, p.code_commune));
            }
        }
    }
    // Monaco (INSEE country code 99138) is served by La Poste under 98000.
    assert_eq!(unknown.into_iter().collect::<Vec<_>>(), ["98000:99138"]);
    assert!(by_postcode.len() > 6_000);
    let mut missing = Vec::new();
    for (cp, communes) in &by_postcode {
        let v = get(&app, &format!("/communes?codePostal={cp}&type=commune-actuelle,arrondissement-municipal&fields=code")).await.json();
        let served: BTreeSet<String> =
            v.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect();
        for c in communes.difference(&served) {
            missing.push(format!("{cp}→{c}"));
        }
    }
    assert!(missing.is_empty(), "{} postcode→commune pairs not served: {missing:?}", missing.len());
}

#[tokio::test]
async fn every_contour_at_once_streams() {
    let app = app();
    let r = get(&app, "/communes?fields=code,contour").await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("content-length").is_none(), "not streamed");
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 34_969);
    let with = all.iter().filter(|c| !c["contour"].is_null()).count();
    assert_eq!(with, 34_875 - 8);
    let r = get(&app, "/communes?format=geojson&geometry=contour&fields=code&simplify=200").await;
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["features"].as_array().unwrap().len(), 34_969);
}

#[tokio::test]
async fn history_of_codes_and_dates() {
    let app = app();
    let h = get(&app, "/communes/15141/history").await.json();
    let mods: BTreeSet<u64> =
        h["mouvements"].as_array().unwrap().iter().map(|m| m["mod"].as_u64().unwrap()).collect();
    assert!(mods.contains(&21), "{h}");
    assert_eq!(h["historiqueDepuis"], "2024-01-01");
    // Ruffieu merged into Haut Valromey on 2025-01-01.
    let h = get(&app, "/communes/01330/history").await.json();
    assert_eq!(h["mouvements"][0]["apres"]["code"], "01187");
    let before = get(&app, "/communes/01330?date=2024-06-01").await.json();
    assert_eq!(
        (before["nom"].as_str(), before["identiqueAujourdhui"].as_bool()),
        (Some("Ruffieu"), Some(false))
    );
    assert_eq!(
        geo_error(&get(&app, "/communes/01330?date=2025-06-01").await, 404),
        "Commune non trouvée"
    );
    let then = get(&app, "/communes?date=2024-06-01").await.json();
    let now = get(&app, "/communes?date=2025-06-01").await.json();
    let n_then = then.as_array().unwrap().len();
    let n_now = now.as_array().unwrap().len();
    assert_eq!(n_now, 34_969);
    assert!(n_then > n_now, "{n_then} {n_now}");
    // Rousset became Rousset-Serre-Ponçon.
    let rousset: Vec<_> =
        then.as_array().unwrap().iter().filter(|c| c["code"] == "05127").collect();
    assert_eq!(rousset[0]["nom"], "Rousset");
}

#[tokio::test]
async fn reverse_falls_back_to_the_commune() {
    let app = app();
    // Lyon: no address of the synthetic index within a kilometre.
    let v = get(&app, "/reverse/?lat=45.7640&lon=4.8357").await.json();
    let f = &v["features"][0];
    assert_eq!(f["properties"]["type"], "municipality");
    assert_eq!(f["properties"]["citycode"], "69123");
    assert_eq!(f["properties"]["context"], "69, Rhône, Auvergne-Rhône-Alpes");
    // Only streets asked for: no fallback.
    let v = get(&app, "/reverse/?lat=45.7640&lon=4.8357&type=street").await.json();
    assert_eq!(v["features"].as_array().unwrap().len(), 0);
    // An address within the radius still wins.
    let v = get(&app, "/reverse/?lat=49.8970&lon=2.2900").await.json();
    assert_ne!(v["features"][0]["properties"]["type"], "municipality");
    // At sea: nothing.
    let v = get(&app, "/reverse/?lat=46&lon=-5").await.json();
    assert_eq!(v["features"].as_array().unwrap().len(), 0);
}

/// Every API Géo route of the OpenAPI document is served, and answers 200 on a real code.
#[tokio::test]
async fn every_documented_api_geo_route_is_served() {
    let app = app();
    let doc = serde_json::to_value(geocommun_server::openapi()).unwrap();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item["get"]["tags"][0] != "api-geo" {
            continue;
        }
        let code = match path.split('/').nth(1).unwrap() {
            "communes" => "93010",
            "communes_associees_deleguees" => "01120",
            "epcis" => "200054781",
            "departements" => "93",
            "regions" => "11",
            other => panic!("unexpected API Géo path {other}"),
        };
        let uri = path.replace("{code}", code);
        let r = get(&app, &uri).await;
        assert_eq!(r.status, 200, "{uri}: {}", r.text());
        assert!(!r.json().is_null(), "{uri}");
        seen += 1;
    }
    assert_eq!(seen, 14);
}

/// The examples of the OpenAPI document are real answers.
#[tokio::test]
async fn openapi_examples_are_real_answers() {
    let app = app();
    let doc = serde_json::to_value(geocommun_server::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let bondy = get(&app, "/communes/93010").await.json();
    assert_eq!(bondy, schemas["CommuneDoc"]["example"]);
    let mgp = get(&app, "/epcis/200054781?fields=nom,code,codesDepartements,codesRegions").await;
    assert_eq!(mgp.json(), schemas["EpciDoc"]["example"]);
    let dep = get(&app, "/departements/93").await.json();
    assert_eq!(dep, schemas["DepartementDoc"]["example"]);
}
