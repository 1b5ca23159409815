//! Broken inputs: bad rows become issues with file and line, never a panic; only an
//! unrecognisable file or an I/O failure is an error.

use geocommun_import::{ImportError, ImportStats, Importer, IssueKind, MAX_KEPT_ISSUES, Source};
use geocommun_model::{BanId, LonLat, Numero, PositionKind, StreetKind};
use proptest::prelude::*;

use crate::common::{BAN_HEADER, ban_row, gzip, temp_file};

fn import_bytes(
    name: &str,
    content: &[u8],
) -> (Result<ImportStats, ImportError>, Vec<geocommun_model::CommuneAddresses>) {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(dir.path(), name, content);
    let mut importer = Importer::new(None);
    let result = importer.read(&Source::from(path.as_path()), &mut |_| {});
    (result, importer.finish())
}

fn ban_file(rows: &[String]) -> Vec<u8> {
    let mut text = String::from(BAN_HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.push('\n');
    text.into_bytes()
}

fn good(numero: &str) -> String {
    ban_row(
        &format!("75101_abcd_{numero:0>5}"),
        numero,
        "",
        "Rue A",
        "75001",
        "75101",
        "2.33",
        "48.86",
    )
}

#[test]
fn bad_rows_are_reported_with_file_line_and_field() {
    let rows = [
        good("1"),
        "75101_abcd_00002;;2;;Rue A;75001".to_owned(),
        ban_row("75101_abcd_00003", "3", "", "Rue A", "75001", "75101", "2.33", "abc"),
        ban_row("75101_abcd_00004", "4", "", "Rue A", "75001", "75101", "", "48.86"),
        ban_row("75101_abcd_00005", "5", "", "Rue A", "75001", "75101", "2.33", "123.4"),
        ban_row("75101_abcd_00006", "6", "", "Rue A", "75001", "ABCDE", "2.33", "48.86"),
        ban_row("75101_abcd_00007", "7x/8", "", "Rue A", "75001", "75101", "2.33", "48.86"),
        ban_row("75101_abcd_00008", "8", "", "", "75001", "75101", "2.33", "48.86"),
        ban_row("75101_abcd_00009", "9", "", "Rue A", "75001", "75101", "NaN", "48.86"),
        good("10"),
    ];
    let (result, communes) = import_bytes("adresses-test.csv", &ban_file(&rows));
    let stats = result.unwrap();
    assert_eq!((stats.rows, stats.addresses, stats.skipped_total), (10, 2, 8));
    let shown: Vec<String> = stats.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "adresses-test.csv:3: the row has 6 fields, the header 23; the row was skipped — check the separators and quotes of the row",
            "adresses-test.csv:4: field lat: \"abc\" is not a number; the row was skipped — fix the value or remove the row",
            "adresses-test.csv:5: field lon: the value is empty; the row was skipped — fill the value or remove the row",
            "adresses-test.csv:6: field lat: 123.4 is outside the WGS-84 range (longitude -180..180, latitude -90..90); the row was skipped — fix the value or remove the row",
            "adresses-test.csv:7: field code_insee: \"ABCDE\" is not an INSEE commune code; the row was skipped — fix the value or remove the row",
            "adresses-test.csv:8: field numero: \"7x/8\" is not a house number; the row was skipped — fix the value or remove the row",
            "adresses-test.csv:9: field nom_voie: the value is empty; the row was skipped — fill the value or remove the row",
            "adresses-test.csv:10: field lon: NaN is outside the WGS-84 range (longitude -180..180, latitude -90..90); the row was skipped — fix the value or remove the row",
        ]
    );
    let kinds: Vec<IssueKind> = stats.skipped.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            IssueKind::Ragged,
            IssueKind::NotANumber,
            IssueKind::Missing,
            IssueKind::OutOfRange,
            IssueKind::InvalidCode,
            IssueKind::InvalidNumero,
            IssueKind::Missing,
            IssueKind::OutOfRange,
        ]
    );
    assert_eq!(stats.skipped[1].field.as_deref(), Some("lat"));
    assert_eq!(stats.skipped[1].line, 4);
    assert_eq!(communes.len(), 1);
    assert_eq!(communes[0].address_count(), 2);
}

#[test]
fn binary_junk_in_rows_is_an_issue() {
    let mut content = ban_file(&[good("1")]);
    content.extend_from_slice(b"\xff\xfe\x00junk;\x80\x81;;;;;;;;;;;;;;;;;;;;;\n");
    content.extend_from_slice(&[0xC3, 0x28, b';', b'\n']);
    let mut tail =
        ban_row("75101_abcd_00002", "2", "", "Rue \u{fffd}", "75001", "75101", "2.33", "48.86")
            .into_bytes();
    let at = tail.iter().position(|&b| b == 0xEF).unwrap();
    tail.splice(at..at + 3, [0xE9]); // Latin-1 é in nom_voie
    content.extend_from_slice(&tail);
    content.push(b'\n');
    content.extend_from_slice(good("3").as_bytes());
    let (result, _) = import_bytes("junk.csv", &content);
    let stats = result.unwrap();
    assert_eq!((stats.rows, stats.addresses, stats.skipped_total), (5, 2, 3));
    let last = &stats.skipped[2];
    assert_eq!(
        (last.line, last.kind, last.field.as_deref()),
        (5, IssueKind::InvalidUtf8, Some("nom_voie"))
    );
    assert!(last.to_string().contains("save the file as UTF-8"), "{last}");
}

#[test]
fn unrecognisable_files_are_errors_naming_the_file() {
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("empty.csv", Vec::new(), "the file is empty"),
        ("empty.csv.gz", gzip(b""), "the file is empty"),
        ("blank.csv", b"\n\n".to_vec(), "the file is empty"),
        ("junk.bin", (0..=255_u8).cycle().take(4096).collect(), "not UTF-8"),
        ("other.csv", b"nom;prenom\nDupont;Jean\n".to_vec(), "first line `nom;prenom`"),
    ];
    for (name, content, detail) in cases {
        let (result, communes) = import_bytes(name, &content);
        let err = result.unwrap_err();
        assert!(matches!(err, ImportError::UnrecognisedFormat { .. }), "{name}: {err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("{name}:1: unrecognised format")), "{msg}");
        assert!(msg.contains(detail), "{msg}");
        assert!(msg.contains("expected a BAN CSV"), "{msg}");
        assert!(communes.is_empty());
    }
    let (result, _) = import_bytes("partial.csv", b"id;numero;code_insee;lat\n");
    let msg = result.unwrap_err().to_string();
    assert_eq!(
        msg,
        "partial.csv:1: the BAN header has no column nom_voie, lon — give the whole BAN export (columns are matched by name, in any order)"
    );
}

#[test]
fn header_only_is_an_empty_import() {
    for (name, content) in [
        ("header.csv", format!("{BAN_HEADER}\n").into_bytes()),
        ("header-no-newline.csv", BAN_HEADER.as_bytes().to_vec()),
        ("header.csv.gz", gzip(BAN_HEADER.as_bytes())),
    ] {
        let (result, communes) = import_bytes(name, &content);
        let stats = result.unwrap();
        assert_eq!((stats.rows, stats.skipped_total), (0, 0), "{name}");
        assert!(communes.is_empty());
    }
}

#[test]
fn truncated_gzip_is_an_io_error() {
    let full = gzip(&ban_file(&(1..2000).map(|n| good(&n.to_string())).collect::<Vec<_>>()));
    let (result, _) = import_bytes("cut.csv.gz", &full[..full.len() / 2]);
    let err = result.unwrap_err();
    assert!(matches!(err, ImportError::Io { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cut.csv.gz: cannot read"), "{err}");
}

#[test]
fn bom_crlf_and_gzip_without_gz_name() {
    let mut content = b"\xEF\xBB\xBF".to_vec();
    content.extend(
        ban_file(&[good("1"), good("2")])
            .iter()
            .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }),
    );
    let (result, communes) = import_bytes("bom.csv", &content);
    assert_eq!(result.unwrap().addresses, 2);
    assert_eq!(communes[0].streets[0].name, "Rue A");
    // gzip is recognised by its magic bytes, whatever the name.
    let (result, _) = import_bytes("compressed.csv", &gzip(&content));
    assert_eq!(result.unwrap().addresses, 2);
    // Concatenated gzip members are read through.
    let mut two = gzip(&ban_file(&[good("1")]));
    two.extend(gzip(format!("{}\n", good("2")).as_bytes()));
    let (result, _) = import_bytes("members.csv.gz", &two);
    assert_eq!(result.unwrap().addresses, 2);
}

#[test]
fn issues_are_capped_but_counted() {
    let rows: Vec<String> = (0..1500)
        .map(|n| ban_row("x", &n.to_string(), "", "Rue A", "", "75101", "abc", "1"))
        .collect();
    let (result, _) = import_bytes("many.csv", &ban_file(&rows));
    let stats = result.unwrap();
    assert_eq!(stats.skipped.len(), MAX_KEPT_ISSUES);
    assert_eq!(stats.skipped_total, 1500);
    assert_eq!(stats.skipped.last().unwrap().line, 1001);
}

#[test]
fn duplicates_lieux_dits_and_postcodes() {
    let rows = [
        ban_row("75101_abcd_00001", "1", "", "Rue A", "75001", "75101", "2.33", "48.86"),
        ban_row("75101_abcd_00001", "1", "", "Rue A", "75001", "75101", "2.34", "48.86"),
        ban_row("75101_abcd_00001_bis", "1", "bis", "Rue A", "75001", "75101", "2.33", "48.86"),
        ban_row("75101_abcd_00001_b", "1", "B", "Rue A", "75002", "75101", "2.33", "48.86"),
        ban_row("75101_abcd_00003", "3", "", "Rue A", "75002", "75101", "2.33", "48.86"),
        ban_row("75101_abcd_00002", "2", "", "Rue A", "75001", "75101", "2.33", "48.86"),
        ban_row("75101_x1_99999", "99999", "", "Le Clos", "75001", "75101", "2.35", "48.87"),
        ban_row("75101_x1_99999", "99999", "", "Le Clos", "75001", "75101", "2.35", "48.87"),
        // Same name, another voie id: another street (BAN keeps two voies).
        ban_row("75101_efgh_00001", "1", "", "Rue A", "1000", "75101", "2.36", "48.86"),
    ];
    let (result, communes) = import_bytes("dups.csv", &ban_file(&rows));
    let stats = result.unwrap();
    assert_eq!((stats.addresses, stats.duplicates, stats.lieux_dits, stats.streets), (6, 2, 1, 2));
    let streets = &communes[0].streets;
    assert_eq!(streets.len(), 3);
    let a = &streets[0];
    assert_eq!(a.postcode.as_deref(), Some("75001"), "most frequent, first among equals");
    let numeros: Vec<String> = a.addresses.iter().map(|x| x.numero.to_string()).collect();
    assert_eq!(numeros, ["1", "1bis", "1b", "3", "2"]);
    assert_eq!(a.addresses[0].positions[0].point, LonLat::new(2.33, 48.86), "the first row wins");
    assert_eq!(a.addresses[2].postcode.as_deref(), Some("75002"), "differs from its street's");
    assert_eq!(a.addresses[0].postcode, None);
    assert_eq!(a.addresses[0].positions[0].kind, PositionKind::Entree);
    assert!(a.addresses[0].certified);
    let lieu_dit = &streets[1];
    assert_eq!(lieu_dit.kind, StreetKind::LieuDit);
    assert_eq!((lieu_dit.name.as_str(), lieu_dit.code.as_deref()), ("Le Clos", Some("75101_x1")));
    assert_eq!(lieu_dit.position, Some(LonLat::new(2.35, 48.87)));
    assert!(lieu_dit.addresses.is_empty());
    assert_eq!(streets[2].postcode.as_deref(), Some("01000"), "zero-padded");
    assert_eq!(communes[0].postcodes, ["01000", "75001", "75002"]);
}

#[test]
fn newer_ban_columns_in_any_order() {
    let header = "id_ban_commune;id_ban_toponyme;id_ban_adresse;id;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;lon;lat;type_position;certification_commune";
    let row = "0b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60;1b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60;2b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60;01015_B123_00004;4;;Rue B;01300;01015;Arboys en Bugey;01340;Saint-Bois;5.6;45.7;bâtiment;0";
    let (result, communes) = import_bytes("new.csv", format!("{header}\n{row}\n").as_bytes());
    assert_eq!(result.unwrap().addresses, 1);
    let c = &communes[0];
    let id = |s: &str| Some(BanId::parse(s).unwrap());
    assert_eq!(c.ban_id, id("0b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60"));
    let street = &c.streets[0];
    assert_eq!(street.ban_id, id("1b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60"));
    assert_eq!(street.old_commune, Some((crate::common::code("01340"), "Saint-Bois".to_owned())));
    let a = &street.addresses[0];
    assert_eq!(a.ban_id, id("2b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60"));
    assert_eq!(a.cle_interop.as_deref(), Some("01015_b123_00004"), "lower-cased");
    assert_eq!(a.numero, Numero::new(4, None));
    assert_eq!(a.positions[0].kind, PositionKind::Batiment);
    assert!(!a.certified);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever follows a valid header, the import returns (never panics) and every issue
    /// points at a line of the file.
    #[test]
    fn arbitrary_rows_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2000), gz in any::<bool>()) {
        let mut content = format!("{BAN_HEADER}\n{}\n", good("1")).into_bytes();
        content.extend_from_slice(&body);
        let lines = content.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1;
        let content = if gz { gzip(&content) } else { content };
        let (result, _) = import_bytes("fuzz.csv", &content);
        let stats = result.unwrap();
        prop_assert!(stats.rows >= 1);
        prop_assert!(stats.skipped.iter().all(|i| i.line >= 2 && i.line <= lines));
    }

    /// Mutated BANO lines are read or reported, never a panic.
    #[test]
    fn mutated_bano_rows_never_panic(row in "[0-9A-Z]{10}-[0-9]{1,3}[A-Z]{0,3},[0-9 ]{0,6}[A-Za-zé]{0,4},[^\n\r,\"]{0,10},[0-9]{0,5},[^\n\r,\"]{0,5},OSM,[-0-9.e]{0,12},[-0-9.e]{0,12}") {
        let content = format!("2A001A003J-1,1,Lotissement U Furellu,20167,Afa,C+O,41.984448,8.804925\n{row}\n");
        let (result, _) = import_bytes("bano-x.csv", content.as_bytes());
        let stats = result.unwrap();
        prop_assert_eq!(stats.rows, 2);
        prop_assert_eq!(stats.addresses + stats.duplicates + stats.lieux_dits + stats.skipped_total, 2);
    }
}
