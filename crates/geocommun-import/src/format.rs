//! The three input layouts, told apart by their first line, and the reading of one row into a
//! [`Row`] borrowed from the CSV record.
//!
//! * **BAN** (`adresses-XX.csv`): `;`-separated, a header; columns are matched by name, so
//!   the newer exports with `id_ban_adresse`, `id_ban_toponyme`, `id_ban_commune` work too.
//! * **BAN re-exported by R** (`write.csv`): the same columns, `,`-separated, quoted, an extra
//!   unnamed first column and `NA` for empty values.
//! * **BANO 2015**: no header, `id,numero,voie,code_post,nom_comm,source,lat,lon` (latitude
//!   first). Rows are turned into BAN-like values exactly as `bench/addok/bano2ban.py` does.

use csv::ByteRecord;
use geocommun_model::{BanId, CodeInsee, LonLat, Numero, PositionKind};

use crate::error::{ImportError, Result};
use crate::report::IssueKind;

/// The BAN's "no number" marker: the row is a lieu-dit.
pub(crate) const NUMERO_LIEU_DIT: u32 = 99_999;

/// The number of columns of a BANO file.
const BANO_COLUMNS: usize = 8;

/// What the first line said.
#[derive(Debug)]
pub(crate) struct Detected {
    pub delimiter: u8,
    pub has_header: bool,
    pub layout: Layout,
}

#[derive(Debug)]
pub(crate) enum Layout {
    Ban { columns: Box<BanColumns>, na_is_empty: bool },
    Bano,
}

/// Indexes of the BAN columns the import reads.
#[derive(Debug, Default)]
pub(crate) struct BanColumns {
    pub len: usize,
    pub id: Option<usize>,
    pub numero: usize,
    pub rep: Option<usize>,
    pub nom_voie: usize,
    pub code_postal: Option<usize>,
    pub code_insee: usize,
    pub nom_commune: Option<usize>,
    pub code_insee_ancienne_commune: Option<usize>,
    pub nom_ancienne_commune: Option<usize>,
    pub lon: usize,
    pub lat: usize,
    pub type_position: Option<usize>,
    pub certification_commune: Option<usize>,
    pub id_ban_adresse: Option<usize>,
    pub id_ban_toponyme: Option<usize>,
    pub id_ban_commune: Option<usize>,
}

/// Recognises the layout from the first line (BOM and line end already removed).
pub(crate) fn detect(file: &str, line: &[u8]) -> Result<Detected> {
    let unrecognised =
        |detail: String| ImportError::UnrecognisedFormat { file: file.to_owned(), detail };
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(unrecognised("the file is empty".to_owned()));
    }
    let binary = line.iter().any(|&b| b < 0x20 && b != b'\t' && b != b'\r');
    let text = match std::str::from_utf8(line) {
        Ok(text) if !binary => text,
        _ => {
            return Err(unrecognised(
                "the first line is not UTF-8 text: binary data, or compressed with something else than gzip"
                    .to_owned(),
            ));
        }
    };
    let semicolons = text.bytes().filter(|&b| b == b';').count();
    let commas = text.bytes().filter(|&b| b == b',').count();
    let delimiter = if semicolons > 0 && semicolons >= commas { b';' } else { b',' };
    let fields = split_line(line, delimiter);
    let names: Vec<String> = fields.iter().map(|f| f.trim().to_ascii_lowercase()).collect();

    if names.iter().any(|n| n == "code_insee") {
        let columns = ban_columns(file, &names)?;
        // R and other `,` re-exports write NA for empty values.
        let na_is_empty = delimiter == b',' || names.first().is_some_and(String::is_empty);
        return Ok(Detected {
            delimiter,
            has_header: true,
            layout: Layout::Ban { columns: Box::new(columns), na_is_empty },
        });
    }
    if delimiter == b',' && fields.len() >= BANO_COLUMNS && looks_like_bano_id(&fields[0]) {
        return Ok(Detected { delimiter, has_header: false, layout: Layout::Bano });
    }
    let mut shown: String = text.chars().take(120).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    Err(unrecognised(format!("first line `{shown}`")))
}

fn split_line(line: &[u8], delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(line);
    let mut record = ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
        _ => Vec::new(),
    }
}

/// `2A001A003J-1`, `070090058B-3B`: 5-character INSEE code, FANTOIR, `-`, number.
fn looks_like_bano_id(id: &str) -> bool {
    id.len() > 6 && id.contains('-') && id.get(..5).is_some_and(|c| CodeInsee::parse(c).is_ok())
}

fn ban_columns(file: &str, names: &[String]) -> Result<BanColumns> {
    let find = |name: &str| names.iter().position(|n| n == name);
    let mut missing = Vec::new();
    let mut required = |name: &'static str| {
        find(name).unwrap_or_else(|| {
            missing.push(name);
            0
        })
    };
    let columns = BanColumns {
        len: names.len(),
        numero: required("numero"),
        nom_voie: required("nom_voie"),
        code_insee: required("code_insee"),
        lon: required("lon"),
        lat: required("lat"),
        id: find("id").or_else(|| find("cle_interop")),
        rep: find("rep"),
        code_postal: find("code_postal"),
        nom_commune: find("nom_commune"),
        code_insee_ancienne_commune: find("code_insee_ancienne_commune"),
        nom_ancienne_commune: find("nom_ancienne_commune"),
        type_position: find("type_position"),
        certification_commune: find("certification_commune"),
        id_ban_adresse: find("id_ban_adresse"),
        id_ban_toponyme: find("id_ban_toponyme"),
        id_ban_commune: find("id_ban_commune"),
    };
    if missing.is_empty() {
        Ok(columns)
    } else {
        Err(ImportError::MissingColumns { file: file.to_owned(), missing: missing.join(", ") })
    }
}

/// The house number of a row, or the lieu-dit marker.
#[derive(Debug, PartialEq)]
pub(crate) enum RowNumero {
    Number(Numero),
    LieuDit,
}

/// One valid row, borrowed from its CSV record.
#[derive(Debug)]
pub(crate) struct Row<'r> {
    pub insee: CodeInsee,
    pub numero: RowNumero,
    pub nom_voie: &'r str,
    /// The address id (`cle_interop`), and the length of its street part (`75101_cfq3tf`).
    pub cle: Option<(String, usize)>,
    pub postcode: &'r str,
    pub nom_commune: &'r str,
    pub old_commune: Option<(CodeInsee, &'r str)>,
    pub point: LonLat,
    pub kind: PositionKind,
    pub certified: bool,
    pub ban_adresse: Option<BanId>,
    pub ban_toponyme: Option<BanId>,
    pub ban_commune: Option<BanId>,
}

impl Row<'_> {
    /// The street part of the id, as `ban2addok.py` groups by (empty when the id has no
    /// `<insee>_<voie>_<numero>` shape).
    pub fn street_prefix(&self) -> &str {
        self.cle.as_ref().map_or("", |(cle, len)| &cle[..*len])
    }
}

/// Why a row is skipped (the caller adds file and line).
#[derive(Debug, PartialEq)]
pub(crate) struct Problem {
    pub field: Option<&'static str>,
    pub kind: IssueKind,
    pub reason: String,
}

impl Problem {
    fn new(field: &'static str, kind: IssueKind, reason: String) -> Self {
        Self { field: Some(field), kind, reason }
    }
}

type RowResult<'r> = std::result::Result<Row<'r>, Problem>;

fn text<'r>(
    record: &'r ByteRecord,
    index: usize,
    name: &'static str,
    na: bool,
) -> std::result::Result<&'r str, Problem> {
    let Some(bytes) = record.get(index) else { return Ok("") };
    let s = std::str::from_utf8(bytes).map_err(|_| {
        Problem::new(
            name,
            IssueKind::InvalidUtf8,
            format!("\"{}\" is not UTF-8", String::from_utf8_lossy(bytes)),
        )
    })?;
    let s = s.trim();
    Ok(if na && s == "NA" { "" } else { s })
}

fn optional_text<'r>(
    record: &'r ByteRecord,
    index: Option<usize>,
    name: &'static str,
    na: bool,
) -> std::result::Result<&'r str, Problem> {
    index.map_or(Ok(""), |i| text(record, i, name, na))
}

fn required<'r>(
    record: &'r ByteRecord,
    index: usize,
    name: &'static str,
    na: bool,
) -> std::result::Result<&'r str, Problem> {
    let s = text(record, index, name, na)?;
    if s.is_empty() {
        Err(Problem::new(name, IssueKind::Missing, "the value is empty".to_owned()))
    } else {
        Ok(s)
    }
}

fn code(s: &str, name: &'static str) -> std::result::Result<CodeInsee, Problem> {
    CodeInsee::parse(s).map_err(|_| {
        Problem::new(name, IssueKind::InvalidCode, format!("\"{s}\" is not an INSEE commune code"))
    })
}

fn float(s: &str, name: &'static str) -> std::result::Result<f64, Problem> {
    s.parse::<f64>()
        .map_err(|_| Problem::new(name, IssueKind::NotANumber, format!("\"{s}\" is not a number")))
}

fn point(
    lon: f64,
    lat: f64,
    lon_name: &'static str,
    lat_name: &'static str,
) -> std::result::Result<LonLat, Problem> {
    let p = LonLat::new(lon, lat);
    if p.is_valid() {
        return Ok(p);
    }
    let (field, value) = if lon.is_finite() && (-180.0..=180.0).contains(&lon) {
        (lat_name, lat)
    } else {
        (lon_name, lon)
    };
    Err(Problem::new(
        field,
        IssueKind::OutOfRange,
        format!("{value} is outside the WGS-84 range (longitude -180..180, latitude -90..90)"),
    ))
}

fn ban_id(s: &str) -> Option<BanId> {
    if s.is_empty() { None } else { BanId::parse(s).ok() }
}

/// Reads a BAN (or R re-export) row.
pub(crate) fn ban_row<'r>(record: &'r ByteRecord, c: &BanColumns, na: bool) -> RowResult<'r> {
    if record.len() < c.len {
        return Err(Problem {
            field: None,
            kind: IssueKind::Ragged,
            reason: format!("the row has {} fields, the header {}", record.len(), c.len),
        });
    }
    if record.len() > c.len && record.iter().skip(c.len).any(|f| !f.is_empty()) {
        return Err(Problem {
            field: None,
            kind: IssueKind::Ragged,
            reason: format!("the row has {} fields, the header {}", record.len(), c.len),
        });
    }
    let insee = code(required(record, c.code_insee, "code_insee", na)?, "code_insee")?;
    let nom_voie = required(record, c.nom_voie, "nom_voie", na)?;
    let numero_text = required(record, c.numero, "numero", na)?;
    let rep = optional_text(record, c.rep, "rep", na)?;
    let numero = ban_numero(numero_text, rep)?;
    let lon = float(required(record, c.lon, "lon", na)?, "lon")?;
    let lat = float(required(record, c.lat, "lat", na)?, "lat")?;
    let point = point(lon, lat, "lon", "lat")?;

    let id = optional_text(record, c.id, "id", na)?;
    let cle = (!id.is_empty()).then(|| {
        let cle = id.to_ascii_lowercase();
        let prefix = street_prefix_len(&cle);
        (cle, prefix)
    });
    let old_code =
        optional_text(record, c.code_insee_ancienne_commune, "code_insee_ancienne_commune", na)?;
    let old_commune = if old_code.is_empty() {
        None
    } else {
        let name = optional_text(record, c.nom_ancienne_commune, "nom_ancienne_commune", na)?;
        CodeInsee::parse(old_code).ok().map(|code| (code, name))
    };
    let kind = PositionKind::parse(optional_text(record, c.type_position, "type_position", na)?)
        .unwrap_or(PositionKind::Inconnue);
    let certified = matches!(
        optional_text(record, c.certification_commune, "certification_commune", na)?,
        "1" | "true"
    );
    Ok(Row {
        insee,
        numero,
        nom_voie,
        cle,
        postcode: optional_text(record, c.code_postal, "code_postal", na)?,
        nom_commune: optional_text(record, c.nom_commune, "nom_commune", na)?,
        old_commune,
        point,
        kind,
        certified,
        ban_adresse: ban_id(optional_text(record, c.id_ban_adresse, "id_ban_adresse", na)?),
        ban_toponyme: ban_id(optional_text(record, c.id_ban_toponyme, "id_ban_toponyme", na)?),
        ban_commune: ban_id(optional_text(record, c.id_ban_commune, "id_ban_commune", na)?),
    })
}

/// `ban2addok.py` groups streets by the id's first two `_` parts when it has at least three.
fn street_prefix_len(cle: &str) -> usize {
    let mut underscores = cle.match_indices('_');
    match (underscores.next(), underscores.next()) {
        (Some(_), Some((second, _))) => second,
        _ => 0,
    }
}

fn ban_numero(numero: &str, rep: &str) -> std::result::Result<RowNumero, Problem> {
    let invalid = || {
        Problem::new(
            "numero",
            IssueKind::InvalidNumero,
            format!("\"{numero}\" is not a house number"),
        )
    };
    let parsed = if numero.len() <= 5 && numero.bytes().all(|b| b.is_ascii_digit()) {
        Numero::new(numero.parse().map_err(|_| invalid())?, None)
    } else {
        Numero::parse(numero).ok_or_else(invalid)?
    };
    if parsed.number == NUMERO_LIEU_DIT {
        return Ok(RowNumero::LieuDit);
    }
    Ok(RowNumero::Number(if rep.is_empty() {
        parsed
    } else {
        Numero::new(parsed.number, Some(rep))
    }))
}

/// Reads a BANO 2015 row the way `bano2ban.py` converts it: id
/// `<insee>_<fantoir[:4] lower>_<numero 5 digits>[_<suffix lower>]`, coordinates rounded to
/// 6 decimals, postcode zero-padded.
pub(crate) fn bano_row(record: &ByteRecord) -> RowResult<'_> {
    if record.len() < BANO_COLUMNS {
        return Err(Problem {
            field: None,
            kind: IssueKind::Ragged,
            reason: format!("the row has {} fields, BANO has {BANO_COLUMNS}", record.len()),
        });
    }
    // bano2ban.py does not strip the id.
    let id = record.get(0).map_or(Ok(""), std::str::from_utf8).map_err(|_| {
        Problem::new("id", IssueKind::InvalidUtf8, "the value is not UTF-8".to_owned())
    })?;
    let numero_text = text(record, 1, "numero", false)?;
    let voie = required(record, 2, "voie", false)?;
    let postcode = text(record, 3, "code_post", false)?;
    let nom_commune = text(record, 4, "nom_comm", false)?;
    let lat_text = required(record, 6, "lat", false)?;
    let lon_text = required(record, 7, "lon", false)?;

    let insee_raw: &str = id.char_indices().nth(5).map_or(id, |(i, _)| &id[..i]);
    let insee = code(insee_raw, "id")?;
    let (number, suffix) = bano_numero(numero_text).ok_or_else(|| {
        Problem::new(
            "numero",
            IssueKind::InvalidNumero,
            format!("\"{numero_text}\" is not a house number"),
        )
    })?;
    let lat = round6(float(lat_text, "lat")?);
    let lon = round6(float(lon_text, "lon")?);
    let point = point(lon, lat, "lon", "lat")?;

    let fantoir4: String = id.chars().skip(5).take(4).collect::<String>().to_lowercase();
    let mut cle = format!("{insee_raw}_{fantoir4}_{number:05}");
    let prefix = insee_raw.len() + 1 + fantoir4.len();
    if !suffix.is_empty() {
        cle.push('_');
        cle.push_str(&suffix);
    }
    let numero = if number == NUMERO_LIEU_DIT {
        RowNumero::LieuDit
    } else {
        RowNumero::Number(Numero::new(number, Some(&suffix)))
    };
    Ok(Row {
        insee,
        numero,
        nom_voie: voie,
        cle: Some((cle, prefix)),
        postcode,
        nom_commune,
        old_commune: None,
        point,
        kind: PositionKind::Inconnue,
        certified: false,
        ban_adresse: None,
        ban_toponyme: None,
        ban_commune: None,
    })
}

/// `^0*(\d{1,5})\s*([A-Za-z][A-Za-z0-9]*)?$` on the stripped value, as in `bano2ban.py`:
/// the number (at most 5 significant digits) and the lower-cased suffix.
pub(crate) fn bano_numero(s: &str) -> Option<(u32, String)> {
    let s = s.trim();
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let digits = &s[..digits_end];
    if digits.is_empty() {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 5 {
        return None;
    }
    let number = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    let rest = s[digits_end..].trim_start();
    let mut chars = rest.chars();
    match chars.next() {
        None => Some((number, String::new())),
        Some(first) if first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric()) => {
            Some((number, rest.to_ascii_lowercase()))
        }
        Some(_) => None,
    }
}

/// `float('{:.6f}'.format(v))`: rounding to 6 decimals exactly as Python's formatting does
/// (correctly rounded); the cheap path is exact away from ties.
pub(crate) fn round6(v: f64) -> f64 {
    let scaled = v * 1e6;
    let fraction = (scaled - scaled.trunc()).abs();
    if (fraction - 0.5).abs() > 1e-6 {
        return scaled.round() / 1e6;
    }
    format!("{v:.6}").parse().unwrap_or(v)
}

#[cfg(test)]
#[allow(clippy::unreadable_literal, clippy::float_cmp)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn detects_the_three_layouts() {
        let ban = b"id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;cad_parcelles";
        let d = detect("a.csv", ban).unwrap();
        assert_eq!((d.delimiter, d.has_header), (b';', true));
        let Layout::Ban { columns, na_is_empty } = d.layout else { panic!() };
        assert!(!na_is_empty);
        assert_eq!(
            (columns.len, columns.lon, columns.lat, columns.id_ban_adresse),
            (23, 12, 13, None)
        );

        let r = br#""","id","id_fantoir","numero","rep","nom_voie","code_postal","code_insee","lon","lat""#;
        let d = detect("r.csv", r).unwrap();
        let Layout::Ban { columns, na_is_empty } = d.layout else { panic!() };
        assert!(na_is_empty);
        assert_eq!((d.delimiter, columns.id, columns.numero), (b',', Some(1), 3));

        let bano = b"2A001A003J-1,1,Lotissement U Furellu,20167,Afa,C+O,41.984448,8.804925";
        let d = detect("bano.csv", bano).unwrap();
        assert!(matches!(d.layout, Layout::Bano));
        assert!(!d.has_header);
    }

    #[test]
    fn unrecognised_first_lines() {
        for line in [&b""[..], b"   ", b"\x00\x01\xff\xfe", b"hello;world", b"a,b,c,d,e,f,g,h"] {
            let err = detect("x.csv", line).unwrap_err().to_string();
            assert!(err.starts_with("x.csv:1: unrecognised format"), "{err}");
            assert!(err.contains("BANO 2015"), "{err}");
        }
        let err = detect("x.csv", b"id;code_insee;numero").unwrap_err().to_string();
        assert!(err.contains("no column nom_voie, lon, lat"), "{err}");
    }

    #[test]
    fn bano_numbers_follow_bano2ban() {
        assert_eq!(bano_numero("1"), Some((1, String::new())));
        assert_eq!(bano_numero("3BIS"), Some((3, "bis".into())));
        assert_eq!(bano_numero(" 012 b "), Some((12, "b".into())));
        assert_eq!(bano_numero("000000"), Some((0, String::new())));
        assert_eq!(bano_numero("0000012345"), Some((12345, String::new())));
        assert_eq!(bano_numero("123456"), None);
        assert_eq!(bano_numero("126.10"), None);
        assert_eq!(bano_numero("BIS"), None);
        assert_eq!(bano_numero("12 B2"), Some((12, "b2".into())));
        assert_eq!(bano_numero("12 2B"), None);
    }

    #[test]
    fn bano_rows_get_bano2ban_ids() {
        let r = record(&[
            "070090058B-3B",
            "3BIS",
            "Chemin de Talencieux",
            "7340",
            "Andance",
            "CAD",
            "45.238622",
            "4.793653",
        ]);
        let row = bano_row(&r).unwrap();
        assert_eq!(row.cle.as_ref().unwrap().0, "07009_0058_00003_bis");
        assert_eq!(row.street_prefix(), "07009_0058");
        assert_eq!(row.numero, RowNumero::Number(Numero::new(3, Some("bis"))));
        assert_eq!(row.point, LonLat::new(4.793653, 45.238622));
        let corsica = record(&[
            "2A001A003J-1",
            "1",
            "Lotissement U Furellu",
            "20167",
            "Afa",
            "C+O",
            "41.984448",
            "8.804925",
        ]);
        assert_eq!(bano_row(&corsica).unwrap().cle.unwrap().0, "2A001_a003_00001");
    }

    #[test]
    fn rounding_like_python_format() {
        assert_eq!(round6("44.043126536700001".parse().unwrap()), 44.043127);
        assert_eq!(round6("1.258881323220000".parse().unwrap()), 1.258881);
        assert_eq!(round6(-0.0000005), -0.0);
        assert_eq!(round6(2.5e-7), 0.0);
        for v in [48.8612995, 2.3301125, 0.0000005, 45.2386225, -1.0000015] {
            assert_eq!(round6(v), format!("{v:.6}").parse::<f64>().unwrap(), "{v}");
        }
    }

    #[test]
    fn ban_numero_and_lieu_dit() {
        assert_eq!(ban_numero("1", ""), Ok(RowNumero::Number(Numero::new(1, None))));
        assert_eq!(ban_numero("12", "bis"), Ok(RowNumero::Number(Numero::new(12, Some("bis")))));
        assert_eq!(ban_numero("0012", "B"), Ok(RowNumero::Number(Numero::new(12, Some("b")))));
        assert_eq!(ban_numero("99999", ""), Ok(RowNumero::LieuDit));
        assert_eq!(ban_numero("12.5", "").unwrap_err().kind, IssueKind::InvalidNumero);
        assert_eq!(street_prefix_len("75101_cfq3tf_00001"), 12);
        assert_eq!(street_prefix_len("75101_cfq3tf"), 0);
    }
}
