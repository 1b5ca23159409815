//! Contract tests on the real Paris BAN file (2024), imported with geocommun-import.

use std::fmt::Write as _;
use std::io::BufReader;
use std::sync::OnceLock;

use axum::Router;
use geocommun_import::{Importer, Source};
use geocommun_search::Engine;
use geocommun_server::{AppState, ServerConfig, router};

use crate::common::*;

fn paris_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let admin =
            geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin")).unwrap();
        let mut imp = Importer::new(Some(&admin));
        let src = Source::Path(geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz"));
        imp.read(&src, &mut |_| {}).unwrap();
        Engine::build(&imp.finish())
    })
}

fn paris() -> Router {
    router(AppState::new(paris_engine().clone(), ServerConfig::default()))
}

#[tokio::test]
async fn a_real_address_has_the_ban_values() {
    let app = paris();
    let v = get(&app, "/search/?q=1+avenue+du+general+lemonnier+75001+paris&limit=1").await.json();
    let f = &v["features"][0];
    let p = &f["properties"];
    assert_eq!(p["id"], "75101_cfq3tf_00001", "{p}");
    assert_eq!(p["label"], "1 Avenue du Général Lemonnier 75001 Paris");
    assert_eq!(p["name"], "1 Avenue du Général Lemonnier");
    assert_eq!(p["housenumber"], "1");
    assert_eq!(p["street"], "Avenue du Général Lemonnier");
    assert_eq!(p["postcode"], "75001");
    assert_eq!(p["citycode"], "75101");
    assert_eq!(p["city"], "Paris");
    assert_eq!(p["district"], "Paris 1er Arrondissement");
    assert_eq!(p["context"], "75, Paris, Île-de-France");
    assert_eq!(p["type"], "housenumber");
    assert_eq!(f["geometry"]["coordinates"], serde_json::json!([2.330113, 48.861299]));
    assert!((p["x"].as_f64().unwrap() - 650_852.91).abs() <= 0.05, "{p}");
    assert!((p["y"].as_f64().unwrap() - 6_862_571.27).abs() <= 0.05, "{p}");

    let v = get(&app, "/reverse/?lat=48.861299&lon=2.330113").await.json();
    assert_eq!(v["features"][0]["properties"]["id"], "75101_cfq3tf_00001");
    assert_eq!(v["features"][0]["properties"]["distance"], 0);

    let f = get(&app, "/geocodage/lookup/75101_cfq3tf_00001").await.json();
    assert_eq!(f["properties"]["label"], "1 Avenue du Général Lemonnier 75001 Paris");
}

#[tokio::test]
async fn paris_as_a_municipality_and_its_arrondissements() {
    let app = paris();
    let v = get(&app, "/search/?q=paris&type=municipality").await.json();
    let p = &v["features"][0]["properties"];
    assert_eq!(
        (p["id"].as_str(), p["citycode"].as_str(), p["name"].as_str()),
        (Some("75056"), Some("75056"), Some("Paris")),
        "{v}"
    );
    assert!(p["population"].as_u64().unwrap() > 2_000_000, "{p}");
    let v = get(&app, "/search/?q=paris+4e+arrondissement&type=municipality&limit=3").await.json();
    let p = &v["features"][0]["properties"];
    assert_eq!(p["type"], "municipality", "{v}");
    assert_eq!(p["id"], "75104", "{v}");
    assert!(p["population"].as_u64().unwrap() > 0, "{p}");
    let v = get(&app, "/search/?q=rue+de+rivoli&citycode=75104&type=street").await.json();
    let p = &v["features"][0]["properties"];
    assert_eq!(p["citycode"], "75104");
    assert_eq!(p["city"], "Paris");
    assert_eq!(p["district"], "Paris 4e Arrondissement");
}

/// A sample of real rows geocoded through `/search/csv/` find their own address.
#[tokio::test]
async fn the_csv_route_finds_a_sample_of_real_addresses() {
    let path = geocommun_testkit::data_file("ban/ban-2024/adresses-75.csv.gz");
    let gz = std::fs::File::open(path).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(BufReader::new(flate2::read::GzDecoder::new(gz)));
    let mut input = String::from("id;numero;rep;nom_voie;code_postal;nom_commune\n");
    let mut n = 0;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap();
        if i % 300 == 0 {
            writeln!(
                input,
                "{};{};{};{};{};{}",
                &rec[0], &rec[2], &rec[3], &rec[4], &rec[5], &rec[7]
            )
            .unwrap();
            n += 1;
        }
    }
    let r = post_form(
        &paris(),
        "/search/csv/",
        &[
            file("paris.csv", input.as_bytes()),
            field("columns", "numero"),
            field("columns", "rep"),
            field("columns", "nom_voie"),
            field("columns", "code_postal"),
            field("columns", "nom_commune"),
            field("postcode", "code_postal"),
            field("result_columns", "result_id"),
            field("result_columns", "result_status"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let rows = csv_rows(&r.text(), b';');
    assert_eq!(rows.len(), n + 1);
    let found = rows[1..].iter().filter(|r| r[6] == r[0]).count();
    let ok = rows[1..].iter().filter(|r| r[7] == "ok").count();
    assert!(ok * 100 >= n * 99, "{ok}/{n} ok");
    assert!(found * 100 >= n * 95, "{found}/{n} found their own id");
}

/// The hot-path GeoCodeJSON writer (`FeatureCollection::to_json`) gives the bytes of the
/// derived serde serialisation on real answers: every kind of result, filters echoed, a bias
/// point, districts and Lambert-93 coordinates, reverse with distances.
#[test]
fn answers_are_written_as_serde_json_writes_them() {
    use geocommun_server::params::{Defaults, Pairs, parse_reverse, parse_search};
    use geocommun_server::routes::geocode::{run_reverse, run_search};
    let state = AppState::new(paris_engine().clone(), ServerConfig::default());
    for q in [
        "q=1+avenue+du+general+lemonnier+75001+paris",
        "q=12+rue+de+rivolli+pari&limit=20",
        "q=paris",
        "q=rue+de+rivoli&type=street&postcode=75001",
        "q=11+rue+pl&lat=48.85&lon=2.35&citycode=75111+75112",
        "q=75006+paris&type=municipality",
        "q=8bis+rue+saint+antoine",
    ] {
        let params = parse_search(&Pairs::parse(Some(q)), Defaults::SEARCH).unwrap();
        let fc = run_search(&state, &params).unwrap();
        assert!(!fc.features.is_empty(), "{q}");
        assert_eq!(fc.to_json().unwrap(), serde_json::to_vec(&fc).unwrap(), "{q}");
    }
    for q in ["lon=2.330113&lat=48.861299&limit=10", "lon=2.35&lat=48.85&type=street"] {
        let params = parse_reverse(&Pairs::parse(Some(q)), Defaults::REVERSE).unwrap();
        let fc = run_reverse(&state, &params);
        assert!(!fc.features.is_empty(), "{q}");
        assert_eq!(fc.to_json().unwrap(), serde_json::to_vec(&fc).unwrap(), "{q}");
    }
}
