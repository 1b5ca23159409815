//! Bad input never panics: it gets a clear report (or a refusal the report explains).

use geocommun_bal::Lang;
use geocommun_bal::sniff::Refusal;
use proptest::prelude::*;

use crate::validate;

#[test]
fn empty_file_is_unreadable_with_a_reason() {
    let r = validate(b"");
    assert!(!r.parse_ok && !r.valid);
    assert_eq!(r.parse_errors[0].code, "UndetectableDelimiter");
    assert!(r.to_text("empty.csv", Lang::Fr).contains("séparateur introuvable"));
}

#[test]
fn gzip_zip_and_png_are_refused() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &vec![b'a'; 1 << 20]).expect("gzip");
    let gz = gz.finish().expect("gzip");
    assert_eq!(validate(&gz).refusal, Some(Refusal::Binary("gzip")));
    assert_eq!(validate(b"PK\x03\x04\x14\0\0\0").refusal, Some(Refusal::Binary("zip")));
    let png = validate(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    assert_eq!(png.refusal, Some(Refusal::Binary("png")));
    let json = serde_json::to_value(png.to_json("troll.png")).expect("json");
    assert_eq!(json["exception"], "Non-text file cannot be processed");
    assert!(png.to_text("troll.png", Lang::Fr).contains("pas un fichier texte"));
}

#[test]
fn utf16_is_refused_like_the_reference() {
    let r = validate(b"\xff\xfen\0u\0m\0e\0r\0o\0");
    assert_eq!(r.refusal, Some(Refusal::UnsupportedEncoding("UTF-16LE")));
}

#[test]
fn a_10_mb_line_is_read() {
    let mut s = String::from("numero;voie_nom\n1;");
    s.push_str(&"a".repeat(10 << 20));
    s.push('\n');
    let r = validate(s.as_bytes());
    assert!(r.parse_ok);
    assert!(r.findings.iter().any(|f| &*f.code == "voie_nom.trop_long"));
}

#[test]
fn nul_bytes_and_mixed_encodings() {
    let r = validate(b"numero;voie_nom\n1;Rue\0de la Gare\n");
    assert!(r.parse_ok);
    // One Latin-1 byte in a UTF-8 file: the whole file is read as Windows-1252 (quirk 15).
    let mut mixed = "numero;voie_nom;position\n1;Rue du Pré;entrée\n".as_bytes().to_vec();
    mixed.extend_from_slice(b"2;Rue du Pr\xe9;entr\xe9e\n");
    let r = validate(&mixed);
    assert_eq!(r.encoding, Some(geocommun_bal::sniff::Encoding::Windows1252));
    assert!(r.global.iter().any(|(c, _)| c == "file.encoding.non_standard"));
    assert!(r.findings.iter().any(|f| &*f.code == "position.valeur_invalide"));
}

#[test]
fn ragged_rows_and_unclosed_quotes_are_unreadable() {
    // Too few rows to average ≥ 2 fields: papaparse cannot guess the delimiter at all.
    let r = validate(b"numero;voie_nom\n1;Rue\n2\n");
    assert_eq!(r.parse_errors[0].code, "UndetectableDelimiter");
    let r = validate(b"numero;voie_nom;suffixe;source;lat\n1;Rue;;c;1\n2;Rue;;c\n");
    assert!(!r.parse_ok);
    assert_eq!(r.parse_errors[0].code, "TooFewFields");
    assert_eq!(r.parse_errors[0].row, Some(2));
    let r = validate(b"numero;voie_nom\n1;\"Rue\n");
    assert!(!r.parse_ok);
    assert!(r.parse_errors.iter().any(|e| e.code == "MissingQuotes"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let r = validate(&bytes);
        let _ = serde_json::to_string(&r.to_json("x.csv")).expect("json");
        let _ = r.to_text("x.csv", Lang::En);
    }

    #[test]
    fn csv_like_text_never_panics(s in "[a-z_;,\t\"\r\n é0-9|-]{0,400}") {
        let r = validate(format!("cle_interop;numero;voie_nom;commune_insee\n{s}").as_bytes());
        let _ = r.to_text("x.csv", Lang::Fr);
    }
}
