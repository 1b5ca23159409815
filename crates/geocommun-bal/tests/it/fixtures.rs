//! Every file for which the shared harness recorded the reference validator's output
//! (`shared/bench/validateur/out/{bal,bal-fixtures,crafted}/*.json`): same outcome, verdict,
//! profile, global codes and (row, code) findings.

use std::path::{Path, PathBuf};

use serde_json::Value;

use geocommun_bal::MiniCog;

use crate::{COG, codes, validate};

fn harness() -> PathBuf {
    geocommun_testkit::data_dir().join("../bench/validateur")
}

/// The source file of a recorded output (its `file` key is relative to where it was run).
fn source_of(recorded: &Value, dir: &str) -> PathBuf {
    let file = recorded["file"].as_str().expect("file key");
    let data = geocommun_testkit::data_dir();
    if let Some(rest) = file.strip_prefix("../../shared/data/") {
        data.join(rest)
    } else if dir == "crafted" {
        harness().join(file)
    } else {
        data.join("bal").join(Path::new(file).file_name().expect("file name"))
    }
}

fn expected_codes(recorded: &Value) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> = recorded["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (f["row"].as_u64().unwrap_or(0), f["code"].as_str().unwrap_or("").to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.dedup();
    v
}

fn check_dir(dir: &str) -> usize {
    let out = harness().join("out").join(dir);
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_name().is_none_or(|n| n != "summary.json"))
        .collect();
    entries.sort();
    for path in entries {
        let recorded: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        let src = source_of(&recorded, dir);
        let mut bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        if recorded["gunzipped"].as_bool() == Some(true) {
            let mut d = flate2::read::GzDecoder::new(&bytes[..]);
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut d, &mut out).expect("gunzip");
            bytes = out;
        }
        let report = validate(&bytes);
        let name = src.display().to_string();
        if let Some(exc) = recorded["exception"].as_str() {
            if exc.starts_with("Cannot read properties of undefined") {
                // Quirk 14: the reference crashes; geocommun reports and flags the rows.
                assert!(report.parse_ok, "{name}");
                assert!(!report.chef_lieu_unknown_commune_rows.is_empty(), "{name}");
            } else {
                assert_eq!(
                    report.refusal.map(|r| r.reference_message()).as_deref(),
                    Some(exc),
                    "{name}"
                );
            }
            checked += 1;
            continue;
        }
        assert_eq!(Some(report.parse_ok), recorded["parseOk"].as_bool(), "{name}: parseOk");
        assert_eq!(
            report.valid && report.parse_ok,
            recorded["valid"].as_bool().unwrap_or(false),
            "{name}: valid"
        );
        if report.parse_ok {
            assert_eq!(
                report.profile.map(geocommun_bal::Profile::code),
                recorded["profile"].as_str(),
                "{name}: profile"
            );
            let global: Vec<(String, String)> =
                report.global.iter().map(|(c, s)| (c.clone(), s.as_str().to_owned())).collect();
            let want: Vec<(String, String)> = recorded["global"]
                .as_array()
                .expect("global")
                .iter()
                .map(|g| {
                    (
                        g["code"].as_str().unwrap_or("").to_owned(),
                        g["severity"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            assert_eq!(global, want, "{name}: global codes");
            if recorded["findingsTruncated"].as_bool() != Some(true) {
                assert_eq!(codes(&report), expected_codes(&recorded), "{name}: findings");
                assert_eq!(
                    report.findings.len() as u64,
                    recorded["findingsCount"].as_u64().unwrap_or(0),
                    "{name}: count"
                );
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn real_bal_files_match_the_reference() {
    assert_eq!(check_dir("bal"), 2);
}

#[test]
fn validator_fixtures_match_the_reference() {
    assert!(check_dir("bal-fixtures") >= 60);
}

#[test]
fn crafted_files_match_the_reference() {
    assert_eq!(check_dir("crafted"), 40);
}

#[test]
fn real_71346_is_valid_with_the_expected_warnings() {
    let bytes = std::fs::read(geocommun_testkit::data_file("bal/71346.csv")).expect("read");
    let report = validate(&bytes);
    assert!(report.valid);
    assert_eq!(report.rows_count, Some(145));
    assert_eq!(report.profile.map(geocommun_bal::Profile::code), Some("1.3"));
    // The commune writes its name in capitals: info + a warning on each row, never an error.
    assert!(report.findings.iter().any(|f| &*f.code == "row.commune_nom_invalide"));
    let json = serde_json::to_value(report.to_json("71346.csv")).expect("json");
    assert_eq!(json["encoding"], "utf-8");
    assert_eq!(json["linebreak"], "CRLF");
    assert_eq!(json["fields"]["unknown"], serde_json::json!(["", "_1", "_2"]));
    let text = report.to_text("71346.csv", geocommun_bal::Lang::Fr);
    assert!(text.contains("VALIDE"), "{text}");
    assert!(text.contains("row.commune_nom_invalide"), "{text}");
}

/// `geocommun validate` builds its mini-COG from the communes, départements and régions files
/// only (start-up time): the centres, EPCI, postcodes and movements must not change it.
#[test]
fn mini_cog_needs_only_the_commune_files() {
    let dir = geocommun_testkit::data_dir().join("admin");
    let mut sources = geocommun_import::AdminSources::from_dir(&dir).expect("admin dir");
    sources.centres = None;
    sources.epci = None;
    sources.ept = None;
    sources.postcodes = None;
    sources.movements.clear();
    let light = MiniCog::from_registry(&sources.load_registry().expect("communes"));
    let entries = |c: &MiniCog| {
        let mut v: Vec<(String, geocommun_bal::cog::CogCommune)> =
            c.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert!(COG.len() > 34_000);
    assert_eq!(entries(&light), entries(&COG));
}

/// `Report::write_json` (the CLI's writer) gives serde_json's own bytes, pretty and compact,
/// for a real file, every crafted file (refusals, unreadable CSVs, empty reports included).
#[test]
fn write_json_is_serde_json_byte_for_byte() {
    let mut files = vec![geocommun_testkit::data_dir().join("bal/71346.csv")];
    let crafted = harness().join("crafted");
    let mut more: Vec<PathBuf> = std::fs::read_dir(&crafted)
        .unwrap_or_else(|e| panic!("{}: {e}", crafted.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    more.sort();
    files.extend(more);
    assert!(files.len() > 40);
    for file in files {
        let report = validate(&std::fs::read(&file).expect("read"));
        let name = file.display().to_string();
        let json = report.to_json(&name);
        for pretty in [true, false] {
            let expected = if pretty {
                serde_json::to_vec_pretty(&json).expect("serde_json")
            } else {
                serde_json::to_vec(&json).expect("serde_json")
            };
            let mut ours = Vec::new();
            report.write_json(&name, pretty, &mut ours).expect("write_json");
            assert!(ours == expected, "{name} pretty={pretty}");
        }
    }
}
