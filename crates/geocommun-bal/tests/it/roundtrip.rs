//! Writing BAL 1.3/1.4/1.5: byte-stable, and read → write → read gives the same values.

use geocommun_bal::fix::fix_with_today;
use geocommun_bal::write::{read_bal, write_bal};
use geocommun_bal::{Date, Format};

use crate::{COG, validate};

const TODAY: Date = Date { year: 2026, month: 11, day: 23 };

#[test]
fn real_files_round_trip_in_every_written_format() {
    for file in ["bal/71346.csv", "bal/54084.csv"] {
        let bytes = std::fs::read(geocommun_testkit::data_file(file)).expect("read");
        let rows = read_bal(&bytes, &COG).expect("read_bal");
        assert!(rows.len() > 100);
        for format in [Format::V1_3, Format::V1_4, Format::V1_5] {
            let written = write_bal(&rows, format);
            assert_eq!(written, write_bal(&rows, format), "byte-stable");
            let again = read_bal(written.as_bytes(), &COG).expect("re-read");
            let mut expected = rows.clone();
            if format == Format::V1_5 {
                // 1.5 has no cle_interop / uid_adresse column.
                for r in &mut expected {
                    r.cle_interop = None;
                    r.uid_adresse = None;
                }
            } else if format == Format::V1_4 {
                for r in &mut expected {
                    r.uid_adresse = None;
                }
            }
            assert_eq!(again, expected, "{file} {format:?}");
            assert_eq!(
                write_bal(&again, format),
                written,
                "{file} {format:?} stable after re-read"
            );
        }
    }
}

#[test]
fn written_1_3_of_a_valid_file_is_valid_and_has_no_spelling_warnings() {
    let bytes = std::fs::read(geocommun_testkit::data_file("bal/71346.csv")).expect("read");
    let rows = read_bal(&bytes, &COG).expect("read_bal");
    let report = validate(write_bal(&rows, Format::V1_3).as_bytes());
    assert!(report.valid);
    assert!(!report.findings.iter().any(|f| f.code.ends_with("enum_fuzzy")));
}

#[test]
fn fix_applies_only_safe_changes_and_reports_each() {
    let input = "cle_interop,commune_nom,voie_nom,numero,position,long,lat,date_der_maj,source\n\
                 71346_0090_00001,PERRECY-LES-FORGES,Rue du Bé,1,Entree,\"4,2155280\",\"46,6132107\",23/06/2023, Commune \n";
    let latin1: Vec<u8> = encoding_rs::WINDOWS_1252.encode(input).0.into_owned();
    let fixed = fix_with_today(&latin1, &COG, TODAY).expect("fix");
    let out = String::from_utf8(fixed.bytes).expect("utf-8 output");
    assert_eq!(
        out,
        "cle_interop;commune_nom;voie_nom;numero;position;long;lat;date_der_maj;source;commune_insee\n\
         71346_0090_00001;Perrecy-les-Forges;Rue du Bé;1;entrée;4.2155280;46.6132107;2023-06-23;Commune;71346\n"
    );
    let reasons: Vec<&str> = fixed.changes.iter().map(|c| c.reason).collect();
    for r in [
        "encoding",
        "separator",
        "commune_insee",
        "commune name from the COG",
        "position spelling",
        "decimal comma",
        "date in ISO format",
        "spaces trimmed",
    ] {
        assert!(reasons.contains(&r), "{r} missing from {reasons:?}");
    }
    // The fixed file no longer has any of the fixed codes.
    let report = validate(out.as_bytes());
    for code in [
        "position.enum_fuzzy",
        "long.separateur_decimal_invalide",
        "date_der_maj.date_invalide",
        "row.commune_nom_invalide",
    ] {
        assert!(!report.findings.iter().any(|f| &*f.code == code), "{code}");
    }
    assert!(!report.global.iter().any(|(c, _)| c.starts_with("file.")));
}
