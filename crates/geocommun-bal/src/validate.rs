//! The validation pipeline: sniff → decode → parse (streaming) → header → values → row
//! checks → cross-row checks → file checks → profile grading.
//!
//! Memory: rows are validated one at a time; what is kept per row is what the cross-row
//! checks need (a few 64-bit hashes) plus the findings themselves.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

use crate::cog::{BanIdStore, MiniCog};
use crate::csv::{
    CsvReader, Newline, Next, ParseError, Record, TextReader, guess_delimiter, guess_newline,
};
use crate::limits::{GUESS_WINDOW_CHARS, NORM_CACHE_ENTRIES, READ_CHUNK, TEXT_REPORT_EXAMPLES};
use crate::normalize::normalize;
use crate::profile::{Profile, Severity, code_schema_field};
use crate::proj::{Legal, project};
use crate::report::{Column, ColumnKind, Counts, Example, Finding, Note, NoteKind, Report};
use crate::schema::{Field, parse_regional};
use crate::sniff::{Encoding, Refusal, TextScan, Utf8Recogniser, binary_kind};
use crate::values::{Cle, Ctx, Date, Problem, UidIds, Value, read_value};

/// Something that can be read (twice: once to sniff the encoding, once to parse).
pub trait Source {
    fn open(&self) -> io::Result<Box<dyn Read + '_>>;

    /// Its size in bytes when known without reading it (lets a binary file be refused after
    /// its first bytes).
    fn len_hint(&self) -> Option<u64> {
        None
    }
}

impl Source for [u8] {
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.len() as u64)
    }
}

impl Source for Path {
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(io::BufReader::with_capacity(READ_CHUNK, std::fs::File::open(self)?)))
    }

    fn len_hint(&self) -> Option<u64> {
        std::fs::metadata(self).ok().filter(std::fs::Metadata::is_file).map(|m| m.len())
    }
}

/// Bytes looked at for magic numbers (`file-type` reads 4,100).
const HEAD_BYTES: usize = 4100;

/// Validation options.
#[derive(Clone, Debug)]
pub struct Options {
    /// The profile asked for; `None` auto-detects like the reference.
    pub profile: Option<Profile>,
    /// The date `date_der_maj.date_future` compares with.
    pub today: Date,
    /// Keep the first values of each code for the human report.
    pub examples: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { profile: None, today: Date::today(), examples: TEXT_REPORT_EXAMPLES }
    }
}

/// The validator: a mini-COG, optionally a BAN-id store, options.
pub struct Validator<'a> {
    cog: &'a MiniCog,
    ban_ids: Option<&'a dyn BanIdStore>,
    options: Options,
}

impl<'a> Validator<'a> {
    pub fn new(cog: &'a MiniCog, options: Options) -> Self {
        Self { cog, ban_ids: None, options }
    }

    /// Attaches the store answering `row.cog_no_match_id_ban_commune`.
    #[must_use]
    pub fn with_ban_ids(mut self, store: &'a dyn BanIdStore) -> Self {
        self.ban_ids = Some(store);
        self
    }

    /// Validates bytes in memory.
    pub fn validate_bytes(&self, bytes: &[u8]) -> Report {
        // Reading a slice cannot fail.
        self.validate(bytes).unwrap_or_else(|e| Report::io_error(&e))
    }

    /// Validates a file, streaming it twice (encoding, then parsing).
    pub fn validate_path(&self, path: &Path) -> io::Result<Report> {
        self.validate(path)
    }

    /// Validates any [`Source`]. `Err` only for I/O errors.
    pub fn validate<S: Source + ?Sized>(&self, src: &S) -> io::Result<Report> {
        // Pass 1: magic numbers, then the UTF-8 recogniser over every byte.
        let mut reader = src.open()?;
        let mut recogniser = Utf8Recogniser::new();
        let mut scan = TextScan::default();
        let mut head = Vec::new();
        let mut buf = vec![0u8; READ_CHUNK];
        let mut bytes = 0u64;
        let mut head_checked = false;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if head.len() < HEAD_BYTES {
                head.extend_from_slice(&buf[..n.min(HEAD_BYTES - head.len())]);
            }
            bytes += n as u64;
            if !head_checked && head.len() >= HEAD_BYTES {
                head_checked = true;
                // A binary file (an archive, a compression bomb…) is refused on its first
                // bytes, never decompressed nor read to the end when its size is known.
                if let (Some(kind), Some(len)) = (binary_kind(&head), src.len_hint()) {
                    let mut report = Report::new(len);
                    report.refusal = Some(Refusal::Binary(kind));
                    return Ok(report);
                }
            }
            recogniser.feed(&buf[..n]);
            scan.feed(&buf[..n]);
        }
        scan.finish();
        drop(reader);
        let mut report = Report::new(bytes);
        if let Some(kind) = binary_kind(&head) {
            report.refusal = Some(Refusal::Binary(kind));
            return Ok(report);
        }
        let encoding = match recogniser.decide() {
            Ok(e) => e,
            Err(r) => {
                report.refusal = Some(r);
                return Ok(report);
            }
        };
        report.encoding = Some(encoding);

        // Pass 2: guesses on the first MiB, then records one by one.
        let mut text = TextReader::new(src.open()?, encoding);
        let (window, eof) = text.peek(GUESS_WINDOW_CHARS * 2)?;
        let newline = guess_newline(window);
        let delimiter = guess_delimiter(window, newline, eof);
        report.newline = Some(newline);
        report.delimiter = Some(delimiter.unwrap_or(b','));
        let mut csv = CsvReader::new(text, delimiter.unwrap_or(b','), newline);
        let mut run = Run::new(self, encoding, newline, delimiter.unwrap_or(b','));
        if delimiter.is_none() {
            run.parse_errors.push(ParseError {
                row: None,
                kind: "Delimiter",
                code: "UndetectableDelimiter",
            });
        }
        run.read_all(&mut csv)?;
        drop(csv);
        let mut report = run.finish(report);
        locate_notes(src, &scan, &mut report)?;
        Ok(report)
    }
}

/// Notes for NUL bytes and mixed encodings, located by line and column (a third, partial
/// read, only for the files that have them).
fn locate_notes<S: Source + ?Sized>(
    src: &S,
    scan: &TextScan,
    report: &mut Report,
) -> io::Result<()> {
    let mut wanted: Vec<(u64, NoteKind)> = Vec::new();
    if let Some(at) = scan.first_nul {
        wanted.push((at, NoteKind::NulBytes { count: scan.nul_count }));
    }
    if scan.mixed_encoding()
        && let Some(at) = scan.first_invalid_utf8
    {
        wanted.push((at, NoteKind::MixedEncoding { read_as: report.encoding }));
    }
    if wanted.is_empty() {
        return Ok(());
    }
    wanted.sort_by_key(|w| w.0);
    let (nl, delim) = match report.newline {
        Some(Newline::Cr) => (b'\r', report.delimiter.unwrap_or(b';')),
        _ => (b'\n', report.delimiter.unwrap_or(b';')),
    };
    let mut reader = src.open()?;
    let mut buf = vec![0u8; READ_CHUNK];
    let (mut offset, mut line, mut field, mut col) = (0u64, 1u64, 0usize, 1u64);
    let mut next = wanted.into_iter().peekable();
    'read: loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for &b in &buf[..n] {
            while next.peek().is_some_and(|w| w.0 == offset) {
                let Some((_, kind)) = next.next() else { break };
                report.notes.push(Note {
                    kind,
                    line,
                    byte_in_line: col,
                    column: report.columns.get(field).map(|c| c.name.clone()),
                });
            }
            if next.peek().is_none() {
                break 'read;
            }
            offset += 1;
            if b == nl {
                (line, field, col) = (line + 1, 0, 1);
            } else {
                col += 1;
                if b == delim {
                    field += 1;
                }
            }
        }
    }
    Ok(())
}

/// Index of an interned code.
type CodeId = u16;

struct CodeInfo {
    text: String,
    /// Drop from rows when this field is outside the profile's format (column codes of a
    /// base column; regional columns are kept, as in the reference).
    row_filter: Option<Field>,
    /// Drop from the global list when this field is outside the format.
    global_filter: Option<Field>,
}

#[derive(Default)]
struct Codes {
    infos: Vec<CodeInfo>,
    by_text: HashMap<String, CodeId>,
}

impl Codes {
    fn intern(&mut self, text: &str, row_filter: Option<Field>) -> CodeId {
        if let Some(&id) = self.by_text.get(text) {
            return id;
        }
        let id = self.infos.len() as CodeId;
        self.infos.push(CodeInfo {
            text: text.to_owned(),
            row_filter,
            global_filter: code_schema_field(text),
        });
        self.by_text.insert(text.to_owned(), id);
        id
    }
}

/// The row codes, interned once.
#[derive(Clone, Copy)]
struct RowCodes {
    incoherence_numero: CodeId,
    commune_manquante: CodeId,
    commune_nom_invalide: CodeId,
    voie_nom_same_complement: CodeId,
    position_manquante: CodeId,
    longlat_vides: CodeId,
    longlat_invalides: CodeId,
    longlat_xy_incoherents: CodeId,
    adresse_incomplete: CodeId,
    chef_lieu_invalide: CodeId,
    lack_of_id_ban: CodeId,
    cog_no_match: CodeId,
    diff_voie_same_topo: CodeId,
    diff_topo_same_voie: CodeId,
    diff_adresse_same_id: CodeId,
    diff_ids_same_adresse: CodeId,
    complement_not_declared: CodeId,
}

impl RowCodes {
    fn new(codes: &mut Codes) -> Self {
        let mut c = |s: &str| codes.intern(&format!("row.{s}"), None);
        Self {
            incoherence_numero: c("incoherence_numero"),
            commune_manquante: c("commune_manquante"),
            commune_nom_invalide: c("commune_nom_invalide"),
            voie_nom_same_complement: c("voie_nom_have_same_lieudit_complement_nom"),
            position_manquante: c("position_manquante"),
            longlat_vides: c("longlat_vides"),
            longlat_invalides: c("longlat_invalides"),
            longlat_xy_incoherents: c("longlat_xy_incoherents"),
            adresse_incomplete: c("adresse_incomplete"),
            chef_lieu_invalide: c("chef_lieu_invalide"),
            lack_of_id_ban: c("lack_of_id_ban"),
            cog_no_match: c("cog_no_match_id_ban_commune"),
            diff_voie_same_topo: c("different_voie_nom_with_same_id_ban_toponyme"),
            diff_topo_same_voie: c("different_id_ban_toponyme_with_same_voie_nom"),
            diff_adresse_same_id: c("different_adresse_with_same_id_ban_adresse"),
            diff_ids_same_adresse: c("different_id_ban_adresses_with_same_adresse"),
            complement_not_declared: c("lieudit_complement_nom_not_declared"),
        }
    }
}

/// How one header column is read.
#[derive(Clone)]
struct ColumnSpec {
    name: String,
    /// Schema field and whether it is a regional variant.
    field: Option<(Field, bool)>,
    /// Code ids per [`Problem`], interned on first use.
    codes: [Option<CodeId>; Problem::COUNT],
}

/// The values of one row the row and cross-row checks look at, borrowed from the record.
#[derive(Default)]
struct RowVals<'r> {
    cle: Option<Cle<'r>>,
    uid: Option<UidIds<'r>>,
    id_commune: Option<Cow<'r, str>>,
    id_toponyme: Option<Cow<'r, str>>,
    id_adresse: Option<Cow<'r, str>>,
    voie_nom: Option<Cow<'r, str>>,
    toponyme: Option<Cow<'r, str>>,
    complement: Option<Cow<'r, str>>,
    numero: Option<u32>,
    suffixe: Option<Cow<'r, str>>,
    commune_insee: Option<Cow<'r, str>>,
    commune_nom: Option<Cow<'r, str>>,
    deleguee: Option<Cow<'r, str>>,
    x: Option<f64>,
    y: Option<f64>,
    long: Option<f64>,
    lat: Option<f64>,
    raw_position: bool,
    raw_long: bool,
    raw_lat: bool,
    commune_cols_have_errors: bool,
}

impl RowVals<'_> {
    fn voie_name(&self) -> Option<&str> {
        self.voie_nom.as_deref().or(self.toponyme.as_deref())
    }

    fn code_commune(&self) -> Option<&str> {
        self.commune_insee.as_deref().or(self.cle.as_ref().map(|c| &*c.commune))
    }

    fn id_commune(&self) -> Option<&str> {
        self.id_commune.as_deref().or(self.uid.as_ref().and_then(|u| u.commune))
    }

    fn id_toponyme(&self) -> Option<&str> {
        self.id_toponyme.as_deref().or(self.uid.as_ref().and_then(|u| u.toponyme))
    }

    fn id_adresse(&self) -> Option<&str> {
        self.id_adresse.as_deref().or(self.uid.as_ref().and_then(|u| u.adresse))
    }
}

/// A normalised voie name (`normalize`), shared between the rows that spell it the same.
#[derive(Clone)]
struct Norm {
    text: Rc<str>,
    /// Hash of `text`, fed into the cross-row keys.
    hash: u64,
}

/// The keys of a row carrying BAN ids (`id_ban_*` or `uid_adresse`), for the cross-row
/// checks. A row without ids needs only its numero key (`Run::numero_keys`).
struct CrossRow {
    row: u32,
    voie: u64,
    numero_key: u64,
    topo: bool,
    id_toponyme: u64,
    id_adresse: u64,
}

/// The hasher of the cross-row keys: foldhash's quality variant with a fixed seed (the same
/// keys on every run, 64 well-mixed bits; about twice as fast as SipHash on short strings).
fn key_hasher() -> impl Hasher {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6765_6f63_6f6d_6d75).build_hasher()
}

/// A 64-bit hash of a sequence of strings. The cross-row checks compare these instead of
/// keeping the strings.
fn hash_of(parts: &[&str]) -> u64 {
    let mut h = key_hasher();
    for p in parts {
        p.hash(&mut h);
    }
    // 0 means "none" in CrossRow.
    h.finish().max(1)
}

struct Run<'v, 'a> {
    v: &'v Validator<'a>,
    encoding: Encoding,
    newline: Newline,
    delimiter: u8,
    codes: Codes,
    rc: RowCodes,
    columns: Vec<ColumnSpec>,
    header_seen: bool,
    has_field: [bool; 23],
    global: HashSet<CodeId>,
    findings: Vec<(u32, CodeId)>,
    examples: HashMap<CodeId, Vec<Example>>,
    example_counts: Vec<usize>,
    rows: u32,
    parse_errors: Vec<ParseError>,
    fatal: bool,
    /// Cache of normalised voie names, by raw name.
    norm_cache: HashMap<Box<str>, Norm, foldhash::fast::RandomState>,
    /// `normalize` of an absent name.
    norm_none: Norm,
    /// Per checked row (index = row − 1), the numero key of
    /// `row.different_id_ban_adresses_with_same_adresse`, 0 for a toponyme row: 8 bytes a row,
    /// the only state that grows with the rows of a file without BAN ids.
    numero_keys: Vec<u64>,
    /// Rows with BAN ids.
    id_rows: Vec<CrossRow>,
    complements: Vec<(u32, u64)>,
    declared: HashSet<u64>,
    use_ban_id: u32,
    districts: HashSet<u64>,
    ban_id_cache: HashMap<String, Option<String>>,
    chef_lieu_crash_rows: Vec<u32>,
    /// Findings before this index come from the row checks, in row order; after it, from
    /// the cross-row checks.
    row_findings_end: usize,
}

impl<'v, 'a> Run<'v, 'a> {
    fn new(v: &'v Validator<'a>, encoding: Encoding, newline: Newline, delimiter: u8) -> Self {
        let mut codes = Codes::default();
        let rc = RowCodes::new(&mut codes);
        Self {
            v,
            encoding,
            newline,
            delimiter,
            codes,
            rc,
            columns: Vec::new(),
            header_seen: false,
            has_field: [false; 23],
            global: HashSet::new(),
            findings: Vec::new(),
            examples: HashMap::new(),
            example_counts: Vec::new(),
            rows: 0,
            parse_errors: Vec::new(),
            fatal: false,
            norm_cache: HashMap::default(),
            norm_none: Norm { text: Rc::from(""), hash: hash_of(&[""]) },
            numero_keys: Vec::new(),
            id_rows: Vec::new(),
            complements: Vec::new(),
            declared: HashSet::new(),
            use_ban_id: 0,
            districts: HashSet::new(),
            ban_id_cache: HashMap::new(),
            chef_lieu_crash_rows: Vec::new(),
            row_findings_end: 0,
        }
    }

    fn read_all<R: Read>(&mut self, csv: &mut CsvReader<R>) -> io::Result<()> {
        let mut rec = Record::default();
        let mut line: u64 = 1;
        let fatal_delim = !self.parse_errors.is_empty();
        loop {
            let raw_index = csv.raw_rows;
            let start_line = line;
            match csv.next_record(&mut rec)? {
                Next::End => break,
                Next::Fatal(e) => {
                    self.parse_errors.push(e);
                    self.fatal = true;
                    break;
                }
                Next::Record => {}
            }
            line += 1;
            if rec.has_line_break() {
                line += rec.iter().map(|f| count_newlines(f, self.newline)).sum::<u64>();
            }
            if rec.is_blank() {
                continue;
            }
            if !self.header_seen {
                self.header(&rec, raw_index == 0);
                continue;
            }
            self.rows += 1;
            if rec.len() != self.columns.len() {
                let code =
                    if rec.len() > self.columns.len() { "TooManyFields" } else { "TooFewFields" };
                self.parse_errors.push(ParseError {
                    row: Some(u64::from(self.rows)),
                    kind: "FieldMismatch",
                    code,
                });
                self.fatal = true;
                continue;
            }
            if self.fatal || fatal_delim {
                continue;
            }
            self.row(&rec, start_line);
        }
        for &row in &csv.invalid_quotes {
            self.parse_errors.push(ParseError {
                row: Some(row),
                kind: "Quotes",
                code: "InvalidQuotes",
            });
        }
        if fatal_delim {
            self.fatal = true;
        }
        Ok(())
    }

    fn header(&mut self, rec: &Record, first_raw: bool) {
        self.header_seen = true;
        let mut names: Vec<String> =
            rec.iter().map(|h| h.strip_prefix('\u{FEFF}').unwrap_or(h).to_owned()).collect();
        if first_raw {
            // papaparse ≥ 5.4 renames duplicates `name_1`, `name_2`…
            let used: HashSet<String> = names.iter().cloned().collect();
            let mut used = used;
            let mut count: HashMap<String, usize> = HashMap::new();
            for name in &mut names {
                match count.get_mut(name.as_str()) {
                    None => {
                        count.insert(name.clone(), 1);
                    }
                    Some(n) => {
                        let mut k = *n;
                        let renamed = loop {
                            let candidate = format!("{name}_{k}");
                            k += 1;
                            if !used.contains(&candidate) {
                                break candidate;
                            }
                        };
                        *n += 1;
                        used.insert(renamed.clone());
                        *name = renamed;
                    }
                }
            }
        }
        // Schema matching, field by field in schema order, first unmatched column wins.
        let mut assigned: Vec<Option<(Field, bool)>> = vec![None; names.len()];
        for field in Field::ALL {
            if let Some(i) = names
                .iter()
                .enumerate()
                .position(|(i, n)| n == field.name() && assigned[i].is_none())
            {
                assigned[i] = Some((field, false));
                self.has_field[field as usize] = true;
            } else {
                let code = format!("field.{}.missing", field.name());
                let id = self.codes.intern(&code, None);
                self.global.insert(id);
            }
            if self.has_field[field as usize] && field.allows_regional() {
                for (i, n) in names.iter().enumerate() {
                    if assigned[i].is_none()
                        && let Some((f, _)) = parse_regional(n)
                        && f == field
                        && n.len() > field.name().len()
                        && n.as_bytes()[field.name().len()] == b'_'
                        && names[..i].iter().all(|m| m != n)
                    {
                        assigned[i] = Some((field, true));
                    }
                }
            }
        }
        // Without renaming, a repeated name reads the last column of that name, which is
        // never the assigned one: the field is present but unread (papaparse keys rows by name).
        let mut last_of: HashMap<&str, usize> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            last_of.insert(n.as_str(), i);
        }
        self.columns = names
            .iter()
            .enumerate()
            .map(|(i, n)| ColumnSpec {
                name: n.clone(),
                field: if last_of.get(n.as_str()) == Some(&i) { assigned[i] } else { None },
                codes: [None; Problem::COUNT],
            })
            .collect();
    }

    fn code_for(&mut self, col: usize, p: Problem) -> CodeId {
        if let Some(id) = self.columns[col].codes[p as usize] {
            return id;
        }
        let spec = &self.columns[col];
        let text = format!("{}.{}", spec.name, p.as_str());
        let row_filter = match spec.field {
            Some((f, false)) => Some(f),
            _ => None,
        };
        let id = self.codes.intern(&text, row_filter);
        self.columns[col].codes[p as usize] = Some(id);
        id
    }

    /// Whether `code` still wants located examples.
    fn wants_example(&self, code: CodeId) -> bool {
        self.example_counts.get(code as usize).copied().unwrap_or(0) < self.v.options.examples
    }

    fn push(&mut self, row: u32, code: CodeId, ex: Option<(u64, &str, &str)>) {
        self.findings.push((row, code));
        if self.wants_example(code) {
            if self.example_counts.len() <= code as usize {
                self.example_counts.resize(code as usize + 1, 0);
            }
            self.example_counts[code as usize] += 1;
            let list = self.examples.entry(code).or_default();
            if list.len() < self.v.options.examples {
                let (line, column, value) = ex.unwrap_or((0, "", ""));
                list.push(Example {
                    row: u64::from(row),
                    line,
                    column: column.to_owned(),
                    value: value.to_owned(),
                });
            }
        }
    }

    fn row(&mut self, rec: &Record, line: u64) {
        let row = self.rows;
        let ctx = Ctx { cog: self.v.cog, today: self.v.options.today };
        let mut vals = RowVals::default();
        for col in 0..self.columns.len() {
            let raw = rec.get(col).unwrap_or_default();
            let Some((field, regional)) = self.columns[col].field else { continue };
            if !regional {
                match field {
                    Field::Position => vals.raw_position = !raw.is_empty(),
                    Field::Long => vals.raw_long = !raw.is_empty(),
                    Field::Lat => vals.raw_lat = !raw.is_empty(),
                    _ => {}
                }
            }
            let out = read_value(field, raw, regional, &ctx);
            if !out.problems.is_empty() {
                if !regional && matches!(field, Field::CommuneInsee | Field::CommuneDelegueeInsee) {
                    vals.commune_cols_have_errors = true;
                }
                for p in out.problems.iter() {
                    let id = self.code_for(col, p);
                    if self.wants_example(id) {
                        let name = self.columns[col].name.clone();
                        self.push(row, id, Some((line, &name, raw)));
                    } else {
                        self.findings.push((row, id));
                    }
                }
            }
            if regional {
                continue;
            }
            let Some(value) = out.value else { continue };
            match (field, value) {
                (Field::CleInterop, Value::Cle(c)) => vals.cle = Some(c),
                (Field::UidAdresse, Value::Uid(_, ids)) => vals.uid = Some(ids),
                (Field::IdBanCommune, Value::Text(s)) => vals.id_commune = Some(s),
                (Field::IdBanToponyme, Value::Text(s)) => vals.id_toponyme = Some(s),
                (Field::IdBanAdresse, Value::Text(s)) => vals.id_adresse = Some(s),
                (Field::VoieNom, Value::Text(s)) => vals.voie_nom = Some(s),
                (Field::Toponyme, Value::Text(s)) => vals.toponyme = Some(s),
                (Field::LieuditComplementNom, Value::Text(s)) => vals.complement = Some(s),
                (Field::Numero, Value::Numero(n)) => vals.numero = Some(n),
                (Field::Suffixe, Value::Text(s)) => vals.suffixe = Some(s),
                (Field::CommuneInsee, Value::Text(s)) => vals.commune_insee = Some(s),
                (Field::CommuneNom, Value::Text(s)) => vals.commune_nom = Some(s),
                (Field::CommuneDelegueeInsee, Value::Text(s)) => vals.deleguee = Some(s),
                (Field::X, Value::Float(f)) => vals.x = Some(f),
                (Field::Y, Value::Float(f)) => vals.y = Some(f),
                (Field::Long, Value::Float(f)) => vals.long = Some(f),
                (Field::Lat, Value::Float(f)) => vals.lat = Some(f),
                _ => {}
            }
        }
        let nv = self.normalized(vals.voie_name());
        self.row_checks(row, line, &vals, &nv);
        self.cross_keys(row, &vals, &nv);
    }

    fn row_checks(&mut self, row: u32, line: u64, r: &RowVals<'_>, nv: &Norm) {
        let rc = self.rc;
        let cog = self.v.cog;
        let add = |s: &mut Self, code: CodeId| s.push(row, code, Some((line, "", "")));
        // incoherence_numero
        if let (Some(cle), Some(n)) = (&r.cle, r.numero)
            && n != 0
        {
            let same = !cle.numero.is_empty()
                && cle.numero.len() <= 5
                && cle.numero.parse::<u32>().ok() == Some(n);
            if !same {
                add(self, rc.incoherence_numero);
            }
        }
        if r.cle.is_none() && r.commune_insee.is_none() {
            add(self, rc.commune_manquante);
        }
        let code = r.code_commune();
        if let Some(code) = code
            && let Some(commune) = cog.current(code)
            && let Some(nom) = &r.commune_nom
            && **nom != commune.nom
        {
            add(self, rc.commune_nom_invalide);
        }
        let voie = r.voie_name();
        let nc = self.normalized(r.complement.as_deref());
        if nv.text == nc.text {
            add(self, rc.voie_nom_same_complement);
        }
        let numbered = r.numero.is_some_and(|n| n != 99_999);
        if numbered && !r.raw_position {
            add(self, rc.position_manquante);
        }
        if numbered && (!r.raw_long || !r.raw_lat) {
            add(self, rc.longlat_vides);
        } else {
            match project(r.long, r.lat) {
                Legal::Projected(px, py) => {
                    if let (Some(x), Some(y)) = (r.x, r.y)
                        && ((x - px).powi(2) + (y - py).powi(2)).sqrt() > 10.0
                    {
                        add(self, rc.longlat_xy_incoherents);
                    }
                }
                Legal::Invalid | Legal::Outside => {
                    if r.numero != Some(99_999) {
                        add(self, rc.longlat_invalides);
                    }
                }
            }
        }
        if r.numero.is_none() || voie.is_none() {
            add(self, rc.adresse_incomplete);
        }
        if let Some(deleguee) = r.deleguee.as_deref()
            && !r.commune_cols_have_errors
            && let Some(code) = code
        {
            match cog.current(code) {
                Some(commune) => {
                    if !commune.anciens_codes.iter().any(|a| a == deleguee) && deleguee != code {
                        add(self, rc.chef_lieu_invalide);
                    }
                }
                // The reference throws a TypeError here (quirk 14): report instead.
                None => self.chef_lieu_crash_rows.push(row),
            }
        }
        let (idc, idt, ida) = (r.id_commune(), r.id_toponyme(), r.id_adresse());
        if idc.is_some() || idt.is_some() || ida.is_some() {
            if idc.is_none() {
                add(self, rc.lack_of_id_ban);
            }
            if idt.is_none() {
                add(self, rc.lack_of_id_ban);
            }
            if ida.is_none() && r.numero != Some(99_999) {
                add(self, rc.lack_of_id_ban);
            }
        }
        // BAN-id store check (the reference asks the BAN API).
        if let (Some(store), Some(idc), Some(code)) = (self.v.ban_ids, idc, code) {
            let differs = |e: &Option<String>| e.as_deref().is_some_and(|e| e != idc);
            let expected = if let Some(e) = self.ban_id_cache.get(code) {
                differs(e)
            } else {
                let e = store.commune_ban_id(code);
                let d = differs(&e);
                self.ban_id_cache.insert(code.to_owned(), e);
                d
            };
            if expected {
                add(self, rc.cog_no_match);
            }
        }
        if idc.is_some() && idt.is_some() && (ida.is_some() || r.numero == Some(99_999)) {
            self.use_ban_id += 1;
            self.districts.insert(hash_of(&[idc.unwrap_or_default()]));
        }
    }

    /// `normalize(s)`, cached by raw name (a BAL repeats its voie names on every row).
    fn normalized(&mut self, s: Option<&str>) -> Norm {
        let Some(s) = s else { return self.norm_none.clone() };
        if let Some(n) = self.norm_cache.get(s) {
            return n.clone();
        }
        let text = normalize(Some(s));
        let n = Norm { hash: hash_of(&[&text]), text: Rc::from(text) };
        if self.norm_cache.len() < NORM_CACHE_ENTRIES {
            self.norm_cache.insert(Box::from(s), n.clone());
        }
        n
    }

    fn cross_keys(&mut self, row: u32, r: &RowVals<'_>, nv: &Norm) {
        // The reference builds these keys as template strings, `undefined` for a missing part.
        let code_voie = r.cle.as_ref().and_then(|c| c.voie.as_deref()).unwrap_or("undefined");
        let deleguee = r.deleguee.as_deref().unwrap_or("undefined");
        let suffixe = r.suffixe.as_deref().unwrap_or("undefined");
        let (idt, ida) = (r.id_toponyme(), r.id_adresse());
        let mut voie = key_hasher();
        voie.write_u64(nv.hash);
        code_voie.hash(&mut voie);
        let mut numero_key = key_hasher();
        // A numero is a number; `undefined` cannot collide with one.
        numero_key.write_u64(r.numero.map_or(u64::MAX, u64::from));
        suffixe.hash(&mut numero_key);
        numero_key.write_u64(nv.hash);
        deleguee.hash(&mut numero_key);
        let topo = r.numero == Some(99_999);
        let numero_key = numero_key.finish().max(1);
        debug_assert_eq!(self.numero_keys.len() + 1, row as usize);
        self.numero_keys.push(if topo { 0 } else { numero_key });
        if idt.is_some() || ida.is_some() {
            self.id_rows.push(CrossRow {
                row,
                voie: voie.finish().max(1),
                numero_key,
                topo,
                id_toponyme: idt.map_or(0, |s| hash_of(&[s])),
                id_adresse: ida.map_or(0, |s| hash_of(&[s])),
            });
        }
        if r.numero == Some(99_999)
            && let Some(v) = r.voie_name()
        {
            self.declared.insert(hash_of(&[v]));
        }
        if let Some(c) = &r.complement {
            self.complements.push((row, hash_of(&[c])));
        }
    }

    fn cross_checks(&mut self) {
        let rc = self.rc;
        let mut extra: Vec<(u32, CodeId)> = Vec::new();
        let flag_groups =
            |items: &mut Vec<(u64, u64, u32)>, code: CodeId, extra: &mut Vec<(u32, CodeId)>| {
                items.sort_unstable();
                let mut i = 0;
                while i < items.len() {
                    let mut j = i;
                    while j < items.len() && items[j].0 == items[i].0 {
                        j += 1;
                    }
                    if items[i..j].iter().any(|t| t.1 != items[i].1) {
                        extra.extend(items[i..j].iter().map(|t| (t.2, code)));
                    }
                    i = j;
                }
            };
        if !self.id_rows.is_empty() {
            // Same toponyme id, several voie identifiers.
            let mut g: Vec<(u64, u64, u32)> = self
                .id_rows
                .iter()
                .filter(|c| c.id_toponyme != 0)
                .map(|c| (c.id_toponyme, c.voie, c.row))
                .collect();
            flag_groups(&mut g, rc.diff_voie_same_topo, &mut extra);
            // Same voie identifier (with the toponyme/voie marker), several toponyme ids.
            let mut g: Vec<(u64, u64, u32)> = self
                .id_rows
                .iter()
                .filter(|c| c.id_toponyme != 0)
                .map(|c| {
                    (
                        c.voie ^ u64::from(c.topo).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                        c.id_toponyme,
                        c.row,
                    )
                })
                .collect();
            flag_groups(&mut g, rc.diff_topo_same_voie, &mut extra);
            // Same adresse id, several numero identifiers.
            let mut g: Vec<(u64, u64, u32)> = self
                .id_rows
                .iter()
                .filter(|c| c.id_adresse != 0 && !c.topo)
                .map(|c| (c.id_adresse, c.numero_key, c.row))
                .collect();
            flag_groups(&mut g, rc.diff_adresse_same_id, &mut extra);
            // Same numero identifier, several adresse ids (none counts as one value).
            let mut id_adresse = self.id_rows.iter().map(|c| (c.row, c.id_adresse)).peekable();
            let mut g: Vec<(u64, u64, u32)> = Vec::with_capacity(self.numero_keys.len());
            for (i, &key) in self.numero_keys.iter().enumerate() {
                let row = i as u32 + 1;
                let ida = match id_adresse.peek() {
                    Some(&(r, ida)) if r == row => {
                        id_adresse.next();
                        ida
                    }
                    _ => 0,
                };
                if key != 0 {
                    g.push((key, ida, row));
                }
            }
            flag_groups(&mut g, rc.diff_ids_same_adresse, &mut extra);
        }
        for &(row, c) in &self.complements {
            if !self.declared.contains(&c) {
                extra.push((row, rc.complement_not_declared));
            }
        }
        self.row_findings_end = self.findings.len();
        for (row, code) in extra {
            self.push(row, code, None);
        }
        self.numero_keys = Vec::new();
        self.id_rows = Vec::new();
    }

    fn finish(mut self, mut report: Report) -> Report {
        report.parse_errors = std::mem::take(&mut self.parse_errors);
        report.parse_errors.sort_by_key(|e| (e.row.map_or(-1, |r| r as i64), e.code));
        report.newline = Some(self.newline);
        report.delimiter = Some(self.delimiter);
        report.encoding = Some(self.encoding);
        if self.fatal || !self.header_seen {
            if !self.header_seen && report.parse_errors.is_empty() {
                // papaparse would fail to guess a delimiter on an empty input.
                report.parse_errors.push(ParseError {
                    row: None,
                    kind: "Delimiter",
                    code: "UndetectableDelimiter",
                });
            }
            report.parse_ok = false;
            return report;
        }
        report.parse_ok = true;
        self.cross_checks();
        // rows.* and file.* codes.
        let global_add = |s: &mut Self, code: &str| {
            let id = s.codes.intern(code, None);
            s.global.insert(id);
        };
        if self.rows == 0 {
            global_add(&mut self, "rows.empty");
        }
        if self.use_ban_id == self.rows {
            if self.districts.len() > 1 {
                global_add(&mut self, "rows.multi_id_ban_commune");
            }
        } else if self.use_ban_id > 0 {
            global_add(&mut self, "rows.every_line_required_id_ban");
        }
        if self.encoding != Encoding::Utf8 {
            global_add(&mut self, "file.encoding.non_standard");
        }
        if self.delimiter != b';' {
            global_add(&mut self, "file.delimiter.non_standard");
        }
        if self.newline == Newline::Cr {
            global_add(&mut self, "file.linebreak.non_standard");
        }

        let has = |f: Field| self.has_field[f as usize];
        let profile = self.v.options.profile.unwrap_or_else(|| Profile::detect(has));
        let format = profile.format();
        let mut used = vec![false; self.codes.infos.len()];
        for &c in self.global.iter().chain(self.findings.iter().map(|f| &f.1)) {
            used[c as usize] = true;
        }
        let unique: Vec<CodeId> =
            (0..used.len()).filter(|&c| used[c]).map(|c| c as CodeId).collect();
        // Grade every code once per profile.
        let n = self.codes.infos.len();
        let grades: Vec<[Severity; 7]> =
            self.codes.infos.iter().map(|c| Profile::ALL.map(|p| p.grade(&c.text))).collect();
        let pidx = Profile::ALL.iter().position(|p| *p == profile).unwrap_or(4);
        for (i, p) in Profile::ALL.iter().enumerate() {
            let valid = !unique.iter().any(|&c| grades[c as usize][i] == Severity::Error);
            report.profiles_validation.push((*p, valid));
        }
        let mut global: Vec<(String, Severity)> = unique
            .iter()
            .filter(|&&c| {
                self.codes.infos[c as usize].global_filter.is_none_or(|f| f.in_format(format))
            })
            .map(|&c| (self.codes.infos[c as usize].text.clone(), grades[c as usize][pidx]))
            .collect();
        global.sort();
        report.valid = !global.iter().any(|g| g.1 == Severity::Error);
        report.global = global;
        report.profile = Some(profile);
        report.rows_count = Some(u64::from(self.rows));
        report.columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                kind: match c.field {
                    Some((f, false)) => ColumnKind::Known(f),
                    Some((f, true)) => ColumnKind::Localized(f),
                    None => ColumnKind::Unknown,
                },
            })
            .collect();
        // The header matched a field even when a duplicate made it unread.
        for f in Field::ALL {
            if self.has_field[f as usize]
                && !report.columns.iter().any(|c| c.kind == ColumnKind::Known(f))
                && let Some(c) = report.columns.iter_mut().find(|c| c.name == f.name())
            {
                c.kind = ColumnKind::Known(f);
            }
        }
        report.not_found = Field::ALL
            .iter()
            .filter(|f| !self.has_field[**f as usize] && f.in_format(format))
            .map(|f| (*f, profile.grade(&format!("field.{}.missing", f.name()))))
            .collect();
        // Findings, filtered and graded.
        let keep: Vec<bool> = self
            .codes
            .infos
            .iter()
            .map(|c| c.row_filter.is_none_or(|f| f.in_format(format)))
            .collect();
        debug_assert_eq!(keep.len(), n);
        let mut counts = Counts::default();
        // Findings are sorted by row: a row with errors is counted at its first error.
        let mut last_error_row = None;
        let mut findings: Vec<Finding> = Vec::with_capacity(self.findings.len());
        let mut field_of: Vec<Option<String>> = Vec::with_capacity(n);
        for c in &self.codes.infos {
            field_of.push(field_of_code(&c.text));
        }
        let mut code_text: Vec<std::sync::Arc<str>> =
            self.codes.infos.iter().map(|c| std::sync::Arc::from(c.text.as_str())).collect();
        let field_arc: Vec<Option<std::sync::Arc<str>>> =
            field_of.iter().map(|f| f.as_deref().map(std::sync::Arc::from)).collect();
        // Sort by (row, field, code) through the rank of each interned code.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            let fa = field_of[a].as_deref().unwrap_or("");
            let fb = field_of[b].as_deref().unwrap_or("");
            fa.cmp(fb).then_with(|| self.codes.infos[a].text.cmp(&self.codes.infos[b].text))
        });
        let mut rank = vec![0u32; n];
        for (r, &c) in order.iter().enumerate() {
            rank[c] = r as u32;
        }
        let key = |&(row, code): &(u32, CodeId)| (row, rank[code as usize]);
        let sorted = sort_findings(&mut self.findings, self.row_findings_end, key);
        for (row, code) in sorted {
            if !keep[code as usize] {
                continue;
            }
            let sev = grades[code as usize][pidx];
            match sev {
                Severity::Error => {
                    counts.errors += 1;
                    if last_error_row != Some(row) {
                        counts.rows_with_errors += 1;
                        last_error_row = Some(row);
                    }
                }
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
            findings.push(Finding {
                row: u64::from(row),
                field: field_arc[code as usize].clone(),
                code: code_text[code as usize].clone(),
                severity: sev,
            });
        }
        code_text.clear();
        report.findings = findings;
        report.counts = counts;
        let mut examples: Vec<(String, Severity, Vec<Example>)> = self
            .examples
            .into_iter()
            .filter(|(c, _)| keep[*c as usize])
            .map(|(c, ex)| {
                (self.codes.infos[c as usize].text.clone(), grades[c as usize][pidx], ex)
            })
            .collect();
        examples.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        report.examples = examples;
        report.chef_lieu_unknown_commune_rows = self.chef_lieu_crash_rows;
        if self.v.ban_ids.is_none() {
            report.skipped_checks.push("row.cog_no_match_id_ban_commune");
        }
        report
    }
}

/// The findings in `key` order, (row, rank of the code). Those before `row_end` are already
/// in row order (the rows are checked one after the other), so only each row's few findings
/// and the cross-row findings need sorting, then the two sequences are merged.
fn sort_findings<K: Ord>(
    findings: &mut [(u32, CodeId)],
    row_end: usize,
    key: impl Fn(&(u32, CodeId)) -> K,
) -> impl Iterator<Item = (u32, CodeId)> {
    let row_end = row_end.min(findings.len());
    let (rows, cross) = findings.split_at_mut(row_end);
    if rows.is_sorted_by_key(|f| f.0) {
        for run in rows.chunk_by_mut(|a, b| a.0 == b.0) {
            run.sort_unstable_by_key(&key);
        }
    } else {
        rows.sort_unstable_by_key(&key);
    }
    cross.sort_unstable_by_key(&key);
    let (mut i, mut j) = (0, 0);
    let (rows, cross): (&[_], &[_]) = (rows, cross);
    let mut out = Vec::with_capacity(rows.len() + cross.len());
    while i < rows.len() || j < cross.len() {
        let take_row = j == cross.len() || (i < rows.len() && key(&rows[i]) <= key(&cross[j]));
        if take_row {
            out.push(rows[i]);
            i += 1;
        } else {
            out.push(cross[j]);
            j += 1;
        }
    }
    out.into_iter()
}

fn count_newlines(s: &str, nl: Newline) -> u64 {
    match nl {
        Newline::Lf => s.bytes().filter(|&b| b == b'\n').count() as u64,
        Newline::Cr => s.bytes().filter(|&b| b == b'\r').count() as u64,
        Newline::CrLf => s.matches("\r\n").count() as u64,
    }
}

/// The wrapper's `fieldOfCode`.
fn field_of_code(code: &str) -> Option<String> {
    let mut parts = code.split('.');
    match parts.next()? {
        "field" => parts.next().map(str::to_owned),
        "row" | "rows" | "file" => None,
        f => Some(f.to_owned()),
    }
}
