//! Bad input never panics: it gets a clear report (or a refusal the report explains).

use geocommun_bal::Lang;
use geocommun_bal::report::NoteKind;
use geocommun_bal::sniff::Refusal;
use proptest::prelude::*;

use crate::validate;

#[test]
fn empty_file_is_unreadable_with_a_reason() {
    let r = validate(b"");
    assert!(!r.parse_ok && !r.valid);
    // The JSON stays the reference's (papaparse cannot guess a delimiter)…
    assert_eq!(r.parse_errors[0].code, "UndetectableDelimiter");
    // …and the human report says what it is.
    assert!(r.to_text("empty.csv", Lang::Fr).contains("VIDE — le fichier ne contient aucun octet"));
    assert!(r.to_text("empty.csv", Lang::En).contains("EMPTY"));
    // Only blank lines: a header is missing.
    let r = validate(b"\n\n\n");
    assert!(!r.parse_ok);
    assert!(r.to_text("blank.csv", Lang::En).contains("no separator found"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// A zip archive holding one deflated file (local header, data, central directory, end
/// record), as `zip -9` writes it.
fn zip(name: &str, content: &[u8]) -> Vec<u8> {
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut deflate, content).expect("deflate");
    let data = deflate.finish().expect("deflate");
    let crc = {
        let mut h = flate2::Crc::new();
        h.update(content);
        h.sum()
    };
    let (csize, usize_) = (data.len() as u32, content.len() as u32);
    let mut out = Vec::new();
    let common = |out: &mut Vec<u8>| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&usize_.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
    };
    out.extend_from_slice(b"PK\x03\x04");
    common(&mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&data);
    let central = out.len() as u32;
    out.extend_from_slice(b"PK\x01\x02\x14\x00");
    common(&mut out);
    out.extend_from_slice(&[0; 12]); // comment, disk, attributes
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(name.as_bytes());
    let central_len = out.len() as u32 - central;
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&central.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn assert_refused_as_compressed(r: &geocommun_bal::Report, kind: &'static str) {
    assert_eq!(r.refusal, Some(Refusal::Binary(kind)));
    assert!(!r.valid && !r.parse_ok);
    let json = serde_json::to_value(r.to_json("x")).expect("json");
    assert_eq!(json["exception"], "Non-text file cannot be processed");
    assert_eq!(json["validator"]["notes"][0]["code"], "compressed");
    let text = r.to_text("x", Lang::Fr);
    assert!(text.contains(&format!("Fichier compressé ({kind})")), "{text}");
    assert!(text.contains("Extrayez-en le fichier CSV"), "{text}");
}

#[test]
fn gzip_and_zip_bombs_are_refused_without_being_decompressed() {
    // 256 MiB of zeros in ~250 KiB: never inflated, refused on its magic number.
    let zeros = vec![0u8; 256 << 20];
    let bomb = gzip(&zeros);
    assert!(bomb.len() < 1 << 20);
    let start = std::time::Instant::now();
    assert_refused_as_compressed(&validate(&bomb), "gzip");
    let zip_bomb = zip("bal.csv", &zeros);
    drop(zeros);
    assert_refused_as_compressed(&validate(&zip_bomb), "zip");
    // A real BAL, gzipped: refused too, with what to do.
    let real = std::fs::read(geocommun_testkit::data_dir().join("bal/71346.csv")).expect("bal");
    assert_refused_as_compressed(&validate(&gzip(&real)), "gzip");
    assert_refused_as_compressed(&validate(&zip("71346.csv", &real)), "zip");
    // Streamed from a file, a bomb is refused after its first bytes, not read to the end.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb.csv.gz");
    std::fs::write(&path, &bomb).expect("write");
    let r = geocommun_bal::Validator::new(&crate::COG, geocommun_bal::Options::default())
        .validate_path(&path)
        .expect("read");
    assert_refused_as_compressed(&r, "gzip");
    assert_eq!(r.bytes, bomb.len() as u64);
    assert!(start.elapsed().as_secs() < 10);
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
fn a_10_mb_quoted_field_and_an_unclosed_10_mb_quote() {
    let mut s = String::from("numero;voie_nom\n1;\"");
    s.push_str(&"a\"\"b\n".repeat(2 << 20));
    s.push_str("\"\n2;Rue\n");
    let r = validate(s.as_bytes());
    assert!(r.parse_ok);
    assert_eq!(r.rows_count, Some(2));
    assert!(r.findings.iter().any(|f| f.row == 1 && &*f.code == "voie_nom.trop_long"));
    // Without its closing quote, the rest of the file is one field: a located fatal error.
    let mut s = String::from("numero;voie_nom\n1;Rue\n2;\"");
    s.push_str(&"a".repeat(10 << 20));
    let r = validate(s.as_bytes());
    assert!(!r.parse_ok);
    assert_eq!(r.parse_errors[0].code, "MissingQuotes");
    assert_eq!(r.parse_errors[0].row, Some(3));
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
fn nul_bytes_are_located() {
    let r = validate(b"numero;voie_nom\n1;Rue de la Gare\n2;Rue\0de la Gare\0\n");
    // The reference reads on (NUL is ASCII); the verdict is its.
    assert!(r.parse_ok);
    assert_eq!(r.notes.len(), 1);
    let n = &r.notes[0];
    assert_eq!(n.kind, NoteKind::NulBytes { count: 2 });
    assert_eq!((n.line, n.byte_in_line, n.column.as_deref()), (3, 6, Some("voie_nom")));
    assert!(n.message(Lang::En).contains("line 3, column voie_nom (byte 6)"));
    let text = r.to_text("nul.csv", Lang::Fr);
    assert!(
        text.contains("2 octet(s) nul(s) (0x00), le premier ligne 3, colonne voie_nom"),
        "{text}"
    );
    let json = serde_json::to_value(r.to_json("nul.csv")).expect("json");
    assert_eq!(json["validator"]["notes"][0]["code"], "nul_bytes");
    assert_eq!(json["validator"]["notes"][0]["line"], 3);
    // A file without NUL has no note (and no `notes` key).
    let clean = validate(b"numero;voie_nom\n1;Rue de la Gare\n");
    assert!(clean.notes.is_empty());
    let json = serde_json::to_value(clean.to_json("ok.csv")).expect("json");
    assert!(json["validator"].get("notes").is_none());
}

#[test]
fn mixed_encodings_are_located() {
    // UTF-8 then Latin-1 lines: the whole file is read as Windows-1252 (quirk 15)…
    let mut mixed = "numero;voie_nom;position\n1;Rue du Pré;entrée\n".as_bytes().to_vec();
    mixed.extend_from_slice(b"2;Rue du Pr\xe9;entr\xe9e\n");
    let r = validate(&mixed);
    assert_eq!(r.encoding, Some(geocommun_bal::sniff::Encoding::Windows1252));
    assert!(r.global.iter().any(|(c, _)| c == "file.encoding.non_standard"));
    assert!(r.findings.iter().any(|f| &*f.code == "position.valeur_invalide"));
    // …and the report says where the second encoding starts.
    assert_eq!(r.notes.len(), 1);
    let n = &r.notes[0];
    assert!(matches!(n.kind, NoteKind::MixedEncoding { .. }));
    assert_eq!((n.line, n.byte_in_line, n.column.as_deref()), (3, 12, Some("voie_nom")));
    assert!(r.to_text("mixed.csv", Lang::En).contains(
        "two encodings in one file: UTF-8 accents and, from line 3, column voie_nom (byte 12) on"
    ));
    // Latin-1 throughout is one encoding: a finding of the reference, no note.
    let latin1 = b"numero;voie_nom\n1;Rue du Pr\xe9\n".to_vec();
    let r = validate(&latin1);
    assert!(r.notes.is_empty());
    assert!(r.global.iter().any(|(c, _)| c == "file.encoding.non_standard"));
}

#[test]
fn binary_without_a_known_signature_is_read_and_reported() {
    // Every byte value, repeated: no magic number, NUL bytes, not UTF-8.
    let bytes: Vec<u8> = (0..64 * 1024).map(|i| (i % 256) as u8).collect();
    let r = validate(&bytes);
    assert!(r.refusal.is_none());
    assert!(r.notes.iter().any(|n| matches!(n.kind, NoteKind::NulBytes { count: 256 })));
    let _ = r.to_text("noise.bin", Lang::Fr);
    let _ = serde_json::to_string(&r.to_json("noise.bin")).expect("json");
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
