//! The export layouts on real data: Paris's BAN file exported as BAN CSV reads back as the
//! same addresses; the real BAL of Perrecy-les-Forges, consolidated then exported as BAL 1.4,
//! passes the validator with the same addresses; GeoJSON and addok NDJSON parse and count
//! every address.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::LazyLock;

use flate2::read::MultiGzDecoder;
use geocommun_admin::AdminRegistry;
use geocommun_export::{ExportWriter, Format};
use geocommun_import::{Importer, Source};
use geocommun_model::{CodeInsee, CommuneAddresses};
use geocommun_store::{CommuneFacts, consolidate};
use geocommun_testkit::{data_dir, data_file};

static ADMIN: LazyLock<AdminRegistry> =
    LazyLock::new(|| geocommun_import::load_admin_dir(&data_dir().join("admin")).unwrap());

static PARIS: LazyLock<Vec<CommuneAddresses>> = LazyLock::new(|| {
    let mut imp = Importer::new(Some(&ADMIN));
    imp.read(&Source::Path(data_file("ban/ban-2024/adresses-75.csv.gz")), &mut |_| {}).unwrap();
    imp.finish()
});

fn export(format: Format, communes: &[CommuneAddresses]) -> (Vec<u8>, u64) {
    let mut w = ExportWriter::new(format, 7, Vec::new()).unwrap();
    for c in communes {
        w.push(c.clone()).unwrap();
    }
    let (gz, stats) = w.finish().unwrap();
    assert_eq!(stats.bytes, gz.len() as u64);
    assert_eq!(stats.communes, communes.len() as u64);
    let mut text = Vec::new();
    MultiGzDecoder::new(&gz[..]).read_to_end(&mut text).unwrap();
    (text, stats.rows)
}

/// (commune, street, number+suffix, cle_interop, postcode, lon, lat to the metre).
type Key = (String, String, String, Option<String>, Option<String>, i64, i64);

fn keys(communes: &[CommuneAddresses]) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for c in communes {
        for s in &c.streets {
            for a in &s.addresses {
                let Some(p) = a.best_position() else { continue };
                out.insert((
                    c.code.to_string(),
                    s.name.clone(),
                    a.numero.to_string(),
                    a.cle_interop.clone(),
                    a.postcode.clone().or_else(|| s.postcode.clone()),
                    (p.point.lon * 1e5).round() as i64,
                    (p.point.lat * 1e5).round() as i64,
                ));
            }
        }
    }
    out
}

#[test]
fn ban_csv_of_paris_reads_back_as_the_same_addresses() {
    let (text, rows) = export(Format::BanCsv, &PARIS);
    let real_header = {
        let mut s = String::new();
        MultiGzDecoder::new(
            std::fs::File::open(data_file("ban/ban-2024/adresses-75.csv.gz")).unwrap(),
        )
        .read_to_string(&mut s)
        .unwrap();
        s.lines().next().unwrap().to_owned()
    };
    let header = std::str::from_utf8(&text).unwrap().lines().next().unwrap();
    assert_eq!(header, real_header, "the header of the official file");
    let n: usize = PARIS.iter().map(CommuneAddresses::address_count).sum();
    assert!(n > 150_000, "{n}");
    assert_eq!(rows, n as u64);
    // Read back with the importer of the official format.
    let mut imp = Importer::new(Some(&ADMIN));
    imp.read_from("export.csv", std::io::Cursor::new(text), None, &mut |_| {}).unwrap();
    assert_eq!(imp.stats().skipped_total, 0, "{:?}", imp.stats());
    let back = imp.finish();
    assert_eq!(keys(&back), keys(&PARIS));
}

#[test]
fn ban_csv_with_ids_adds_the_three_ban_ids() {
    let (text, _) = export(Format::BanCsvWithIds, &PARIS[..1]);
    let text = String::from_utf8(text).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().ends_with(";id_ban_adresse;id_ban_toponyme;id_ban_commune"));
    let first: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert_eq!(first.len(), 26);
}

fn perrecy() -> CommuneAddresses {
    let code = CodeInsee::parse("71346").unwrap();
    let facts = CommuneFacts { name: "Perrecy-les-Forges".into(), ..CommuneFacts::default() };
    let bytes = std::fs::read(data_file("bal/71346.csv")).unwrap();
    consolidate(code, &facts, &bytes, &[]).commune
}

#[test]
fn bal_export_of_a_consolidated_bal_is_valid_with_the_same_addresses() {
    let c = perrecy();
    let (text, rows) = export(Format::Bal, std::slice::from_ref(&c));
    let positions: usize =
        c.streets.iter().flat_map(|s| &s.addresses).map(|a| a.positions.len()).sum();
    let lieux_dits =
        c.streets.iter().filter(|s| s.addresses.is_empty() && s.position.is_some()).count();
    assert_eq!(rows as usize, positions + lieux_dits);
    let cog = geocommun_bal::MiniCog::from_registry(&ADMIN);
    let report = geocommun_bal::Validator::new(&cog, geocommun_bal::Options::default())
        .validate_bytes(&text);
    assert!(report.valid, "{}", report.to_text("export", geocommun_bal::Lang::En));
    assert_eq!(report.profile, Some(geocommun_bal::Profile::V1_4));
    // The same addresses once consolidated again.
    let again = consolidate(c.code, &CommuneFacts::default(), &text, &[]).commune;
    assert_eq!(keys(std::slice::from_ref(&again)), keys(std::slice::from_ref(&c)));
}

#[test]
fn geojson_and_addok_count_every_address() {
    let communes = &PARIS[..3];
    let n: usize = communes.iter().map(CommuneAddresses::address_count).sum();
    let (text, rows) = export(Format::GeoJson, communes);
    let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["feed_cursor"], 7);
    assert_eq!(v["features"].as_array().unwrap().len(), n);
    assert_eq!(rows as usize, n);
    let f = &v["features"][0];
    assert_eq!(f["geometry"]["type"], "Point");
    assert!(f["properties"]["code_insee"].as_str().unwrap().starts_with("751"));

    let (text, docs) = export(Format::Addok, communes);
    let lines: Vec<serde_json::Value> = std::str::from_utf8(&text)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, docs);
    let municipalities = lines.iter().filter(|d| d["type"] == "municipality").count();
    assert_eq!(municipalities, 3);
    let hns: usize =
        lines.iter().filter_map(|d| d["housenumbers"].as_object()).map(serde_json::Map::len).sum();
    assert_eq!(hns, n);
}
