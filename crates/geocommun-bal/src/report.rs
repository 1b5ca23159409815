//! The validation report, its JSON form (the keys and row numbering of the shared
//! wrapper `validate.mjs`) and its human form (grouped by code, in French or English).

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use crate::csv::{Newline, ParseError};
use crate::messages::{Lang, explain};
use crate::profile::{Profile, Severity};
use crate::schema::Field;
use crate::sniff::{Encoding, Refusal, is_compressed};

/// How a header column was understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Known(Field),
    Localized(Field),
    Unknown,
}

/// A header column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

/// One finding: a code raised on a data row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// 1-based data-record index (header and blank lines excluded), as in the wrapper.
    pub row: u64,
    /// The column the code is about, `None` for `row.*` codes.
    pub field: Option<Arc<str>>,
    pub code: Arc<str>,
    pub severity: Severity,
}

/// A located example of a code, for the human report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub row: u64,
    /// Physical line of the file where the row starts (1-based, header = line 1 usually).
    pub line: u64,
    /// Column name (empty for row checks).
    pub column: String,
    /// Raw cell value (empty for row checks).
    pub value: String,
}

/// What a person should fix in the bytes although the reference says nothing of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// NUL bytes (`count` of them): a binary file, or a text export gone wrong.
    NulBytes { count: u64 },
    /// UTF-8 accents and non-UTF-8 bytes in the same file (two encodings): the whole file is
    /// read as `read_as`, so one of the two kinds of accents comes out garbled.
    MixedEncoding { read_as: Option<Encoding> },
}

/// A [`NoteKind`] located at its first occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    /// Physical line (1-based).
    pub line: u64,
    /// Byte in that line (1-based).
    pub byte_in_line: u64,
    /// The header column it falls in (separators counted, quotes ignored), when known.
    pub column: Option<String>,
}

impl Note {
    pub fn code(&self) -> &'static str {
        match self.kind {
            NoteKind::NulBytes { .. } => "nul_bytes",
            NoteKind::MixedEncoding { .. } => "mixed_encoding",
        }
    }

    /// What is wrong, where, and what to do.
    pub fn message(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        let at = match (&self.column, fr) {
            (Some(c), true) => {
                format!("ligne {}, colonne {c} (octet {})", self.line, self.byte_in_line)
            }
            (None, true) => format!("ligne {}, octet {}", self.line, self.byte_in_line),
            (Some(c), false) => {
                format!("line {}, column {c} (byte {})", self.line, self.byte_in_line)
            }
            (None, false) => format!("line {}, byte {}", self.line, self.byte_in_line),
        };
        match (&self.kind, fr) {
            (NoteKind::NulBytes { count }, true) => format!(
                "{count} octet(s) nul(s) (0x00), le premier {at} : un fichier texte n’en contient pas ; \
                 réexportez la table en CSV (UTF-8, séparateur « ; »)."
            ),
            (NoteKind::NulBytes { count }, false) => format!(
                "{count} NUL byte(s) (0x00), the first at {at}: a text file holds none; export \
                 the table again as CSV (UTF-8, `;` separator)."
            ),
            (NoteKind::MixedEncoding { read_as }, true) => format!(
                "deux encodages dans le même fichier : des accents en UTF-8 et, à partir de {at}, \
                 des octets qui ne sont pas de l’UTF-8 (Latin-1/Windows-1252 ?). Le fichier est lu \
                 en {}, donc une partie des accents est illisible : réenregistrez tout le fichier \
                 en UTF-8.",
                read_as.map_or("?", Encoding::as_str)
            ),
            (NoteKind::MixedEncoding { read_as }, false) => format!(
                "two encodings in one file: UTF-8 accents and, from {at} on, bytes that are not \
                 UTF-8 (Latin-1/Windows-1252?). The file is read as {}, so some accents come out \
                 garbled: save the whole file as UTF-8.",
                read_as.map_or("?", Encoding::as_str)
            ),
        }
    }
}

/// Severity counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
    pub rows_with_errors: u64,
}

/// The whole outcome of validating one file.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub bytes: u64,
    /// The file could not be read as text at all (the reference throws).
    pub refusal: Option<Refusal>,
    /// An I/O error while reading.
    pub io_error: Option<String>,
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    pub newline: Option<Newline>,
    pub parse_ok: bool,
    pub parse_errors: Vec<ParseError>,
    pub profile: Option<Profile>,
    pub valid: bool,
    pub profiles_validation: Vec<(Profile, bool)>,
    pub rows_count: Option<u64>,
    pub columns: Vec<Column>,
    pub not_found: Vec<(Field, Severity)>,
    /// Distinct codes kept for the profile, graded, sorted by code.
    pub global: Vec<(String, Severity)>,
    pub counts: Counts,
    /// Sorted by row, field, code.
    pub findings: Vec<Finding>,
    /// Up to N located examples per code, sorted by severity then code.
    pub examples: Vec<(String, Severity, Vec<Example>)>,
    /// Checks not run, with the reason given in the report (`row.cog_no_match_id_ban_commune`
    /// without a BAN-id store).
    pub skipped_checks: Vec<&'static str>,
    /// Rows where the reference validator would crash (its quirk 14: a commune déléguée on a
    /// row whose commune code, taken from `cle_interop`, is not a current commune).
    pub chef_lieu_unknown_commune_rows: Vec<u32>,
    /// NUL bytes, mixed encodings: located, with what to do (not findings: the reference has
    /// no code for them and the verdict stays the reference's).
    pub notes: Vec<Note>,
}

impl Report {
    pub(crate) fn new(bytes: u64) -> Self {
        Self { bytes, ..Self::default() }
    }

    pub(crate) fn io_error(e: &std::io::Error) -> Self {
        Self { io_error: Some(e.to_string()), ..Self::default() }
    }

    /// Rows that have at least one finding of this severity.
    pub fn has_errors(&self) -> bool {
        !self.valid
    }

    /// The JSON report, with the wrapper's keys (`file`, `bytes`, `validator`, `parseOk`,
    /// `parseErrors`, `encoding`, `delimiter`, `linebreak`, `profile`, `valid`,
    /// `profilesValidation`, `rowsCount`, `fields`, `global`, `counts`, `findingsCount`,
    /// `findings`) in its order.
    pub fn to_json(&self, file: &str) -> JsonReport<'_> {
        let exception =
            self.refusal.as_ref().map(Refusal::reference_message).or_else(|| self.io_error.clone());
        let refused = exception.is_some();
        let parsed = self.parse_ok && !refused;
        JsonReport {
            file: file.to_owned(),
            bytes: self.bytes,
            validator: JsonValidator {
                name: "geocommun-bal",
                version: env!("CARGO_PKG_VERSION"),
                online: false,
                skipped_checks: self.skipped_checks.clone(),
                notes: self.json_notes(),
            },
            exception,
            parse_ok: (!refused).then_some(self.parse_ok),
            parse_errors: (!refused).then(|| {
                self.parse_errors
                    .iter()
                    .map(|e| JsonParseError { row: e.row, kind: e.kind, code: e.code })
                    .collect()
            }),
            encoding: (!refused).then(|| self.encoding.map(Encoding::as_str)).flatten(),
            delimiter: (!refused)
                .then(|| self.delimiter.map(|d| char::from(d).to_string()))
                .flatten(),
            linebreak: (!refused).then(|| self.newline.map(Newline::label)).flatten(),
            profile: parsed.then(|| self.profile.map(Profile::code)).flatten(),
            valid: parsed && self.valid,
            profiles_validation: parsed.then(|| {
                let mut m = serde_json::Map::new();
                for (p, b) in &self.profiles_validation {
                    m.insert(p.code().to_owned(), serde_json::Value::Bool(*b));
                }
                m
            }),
            rows_count: if refused { None } else { Some(self.rows_count.filter(|_| parsed)) },
            fields: parsed.then(|| JsonFields {
                known: self.names(|k| matches!(k, ColumnKind::Known(_))),
                localized: self.names(|k| matches!(k, ColumnKind::Localized(_))),
                unknown: self.names(|k| matches!(k, ColumnKind::Unknown)),
                not_found: self
                    .not_found
                    .iter()
                    .map(|(f, s)| JsonNotFound { field: f.name(), severity: s.as_str() })
                    .collect(),
            }),
            global: parsed.then(|| {
                self.global
                    .iter()
                    .map(|(c, s)| JsonGlobal { code: c, severity: s.as_str() })
                    .collect()
            }),
            counts: parsed.then_some(JsonCounts {
                e: self.counts.errors,
                w: self.counts.warnings,
                i: self.counts.infos,
                rows_with_errors: self.counts.rows_with_errors,
            }),
            findings_count: parsed.then_some(self.findings.len()),
            findings: parsed.then_some(JsonFindings(&self.findings)),
        }
    }

    /// Writes the JSON report (`to_json`) to `w`, pretty-printed like `serde_json`'s
    /// `to_writer_pretty` or compact like `to_writer`, byte for byte. The findings are written
    /// from a fragment rendered once per (code, severity) instead of through `serde` one
    /// string at a time: a large file has millions of them and this was the writer's cost.
    pub fn write_json<W: std::io::Write>(
        &self,
        file: &str,
        pretty: bool,
        mut w: W,
    ) -> std::io::Result<()> {
        let mut head = self.to_json(file);
        let findings = head.findings.take();
        let mut bytes =
            if pretty { serde_json::to_vec_pretty(&head) } else { serde_json::to_vec(&head) }
                .map_err(std::io::Error::other)?;
        let Some(JsonFindings(findings)) = findings else {
            return w.write_all(&bytes);
        };
        // Reopen the object: drop its closing brace (and the line break before it).
        bytes.pop();
        if pretty {
            bytes.pop();
        }
        w.write_all(&bytes)?;
        w.write_all(if pretty { b",\n  \"findings\": [" } else { b",\"findings\":[" })?;
        let mut fragments: std::collections::HashMap<(usize, Severity), Vec<u8>> =
            std::collections::HashMap::new();
        let mut digits = [0u8; 20];
        for (i, f) in findings.iter().enumerate() {
            let start: &[u8] = match (pretty, i) {
                (true, 0) => b"\n    {\n      \"row\": ",
                (true, _) => b",\n    {\n      \"row\": ",
                (false, 0) => b"{\"row\":",
                (false, _) => b",{\"row\":",
            };
            w.write_all(start)?;
            w.write_all(decimal(f.row, &mut digits))?;
            let key = (Arc::as_ptr(&f.code).cast::<u8>() as usize, f.severity);
            let fragment = match fragments.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(finding_fragment(f, pretty).map_err(std::io::Error::other)?)
                }
            };
            w.write_all(fragment)?;
        }
        let end: &[u8] = match (pretty, findings.is_empty()) {
            (true, false) => b"\n  ]\n}",
            (true, true) => b"]\n}",
            (false, _) => b"]}",
        };
        w.write_all(end)
    }

    /// The notes in the JSON report (`validator.notes`, absent when none): located notes,
    /// and for a compressed file what to do with it.
    fn json_notes(&self) -> Vec<JsonNote> {
        let mut notes: Vec<JsonNote> = self
            .notes
            .iter()
            .map(|n| JsonNote {
                code: n.code(),
                line: Some(n.line),
                column: n.column.clone(),
                message: n.message(Lang::En),
            })
            .collect();
        if let Some(Refusal::Binary(kind)) = &self.refusal {
            notes.push(JsonNote {
                code: if is_compressed(kind) { "compressed" } else { "binary" },
                line: None,
                column: None,
                message: refusal_text(kind, Lang::En),
            });
        }
        notes
    }

    fn names(&self, pred: impl Fn(ColumnKind) -> bool) -> Vec<&str> {
        self.columns.iter().filter(|c| pred(c.kind)).map(|c| c.name.as_str()).collect()
    }

    /// The human report: verdict, file facts, then one paragraph per code (most severe
    /// first) with what is wrong, how to fix it, the number of rows and located examples.
    pub fn to_text(&self, file: &str, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        let mut s = String::new();
        let _ = writeln!(s, "{file}");
        if let Some(r) = &self.refusal {
            let msg = match (r, fr) {
                (Refusal::Binary(kind), _) => refusal_text(kind, lang),
                (Refusal::UnsupportedEncoding(e), true) => {
                    format!("Encodage {e} non pris en charge : réenregistrez le fichier en UTF-8.")
                }
                (Refusal::UnsupportedEncoding(e), false) => {
                    format!("Unsupported encoding {e}: save the file again as UTF-8.")
                }
            };
            let _ = writeln!(s, "  {} — {msg}", if fr { "REFUSÉ" } else { "REFUSED" });
            return s;
        }
        if self.bytes == 0 && self.io_error.is_none() {
            let _ = writeln!(
                s,
                "  {}",
                if fr {
                    "VIDE — le fichier ne contient aucun octet : exportez la BAL de nouveau."
                } else {
                    "EMPTY — the file holds no bytes at all: export the BAL again."
                }
            );
            return s;
        }
        for n in &self.notes {
            let _ = writeln!(
                s,
                "  {} {}",
                if fr { "Attention :" } else { "Warning:" },
                n.message(lang)
            );
        }
        if let Some(e) = &self.io_error {
            let _ = writeln!(s, "  {}: {e}", if fr { "erreur de lecture" } else { "read error" });
            return s;
        }
        if !self.parse_ok {
            let _ = writeln!(
                s,
                "  {}",
                if fr {
                    "ILLISIBLE — le fichier CSV ne peut pas être découpé en lignes et colonnes :"
                } else {
                    "UNREADABLE — the CSV cannot be split into rows and columns:"
                }
            );
            for e in self.parse_errors.iter().take(20) {
                let _ = writeln!(s, "    - {}", crate::messages::parse_error(e, lang));
            }
            return s;
        }
        let verdict = match (self.valid, fr) {
            (true, true) => "VALIDE",
            (true, false) => "VALID",
            (false, true) => "INVALIDE",
            (false, false) => "INVALID",
        };
        let _ = writeln!(
            s,
            "  {verdict} — profil {} · {} {} · {} · {} · {}",
            self.profile.map_or("?", Profile::code),
            self.rows_count.unwrap_or(0),
            if fr { "lignes" } else { "rows" },
            self.encoding.map_or("?", Encoding::as_str),
            self.delimiter.map_or("?".to_owned(), |d| format!("{:?}", char::from(d))),
            self.newline.map_or("?", Newline::label),
        );
        let _ = writeln!(
            s,
            "  {} {} · {} {} · {} info · {} {}",
            self.counts.errors,
            if fr { "erreurs" } else { "errors" },
            self.counts.warnings,
            if fr { "avertissements" } else { "warnings" },
            self.counts.infos,
            self.counts.rows_with_errors,
            if fr { "lignes en erreur" } else { "rows with errors" },
        );
        let unknown = self.names(|k| k == ColumnKind::Unknown);
        if !unknown.is_empty() {
            let _ = writeln!(
                s,
                "  {} {}",
                if fr { "Colonnes ignorées (inconnues) :" } else { "Ignored (unknown) columns:" },
                unknown.join(", ")
            );
        }
        for skipped in &self.skipped_checks {
            let _ = writeln!(
                s,
                "  {} {skipped} {}",
                if fr { "Info : contrôle" } else { "Info: check" },
                if fr {
                    "non effectué (aucune source d’identifiants BAN des communes n’est branchée)"
                } else {
                    "not run (no source of commune BAN ids is attached)"
                }
            );
        }
        // Global (file and column) codes that carry no row.
        for (code, sev) in &self.global {
            if code.starts_with("field.") || code.starts_with("file.") || code.starts_with("rows.")
            {
                let e = explain(code, lang);
                let _ = writeln!(s, "\n[{}] {code}\n  {}\n  → {}", sev.letter(), e.what, e.fix);
            }
        }
        let mut per_code: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for f in &self.findings {
            *per_code.entry(&f.code).or_default() += 1;
        }
        for (code, sev, examples) in &self.examples {
            let n = per_code.get(code.as_str()).copied().unwrap_or(0);
            let e = explain(code, lang);
            let _ = writeln!(
                s,
                "\n[{}] {code} — {n} {}\n  {}\n  → {}",
                sev.letter(),
                if fr { "fois" } else { "times" },
                e.what,
                e.fix
            );
            for ex in examples {
                if ex.column.is_empty() {
                    let _ = writeln!(
                        s,
                        "    {} {} ({} {})",
                        if fr { "ligne" } else { "line" },
                        ex.line,
                        if fr { "enregistrement" } else { "record" },
                        ex.row
                    );
                } else {
                    let _ = writeln!(
                        s,
                        "    {} {}, {} {} : {:?}",
                        if fr { "ligne" } else { "line" },
                        ex.line,
                        if fr { "colonne" } else { "column" },
                        ex.column,
                        ex.value
                    );
                }
            }
            if n > examples.len() {
                let _ = writeln!(
                    s,
                    "    … {} {}",
                    n - examples.len(),
                    if fr { "autres" } else { "more" }
                );
            }
        }
        s
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport<'a> {
    file: String,
    bytes: u64,
    validator: JsonValidator,
    #[serde(skip_serializing_if = "Option::is_none")]
    exception: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_errors: Option<Vec<JsonParseError>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delimiter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    linebreak: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'static str>,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    profiles_validation: Option<serde_json::Map<String, serde_json::Value>>,
    /// Absent when the reference threw, `null` when the CSV could not be parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(clippy::option_option)]
    rows_count: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<JsonFields<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    global: Option<Vec<JsonGlobal<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<JsonCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<JsonFindings<'a>>,
}

/// Why a binary file is refused, and what to do with it.
fn refusal_text(kind: &str, lang: Lang) -> String {
    match (is_compressed(kind), lang) {
        (true, Lang::Fr) => format!(
            "Fichier compressé ({kind}), pas un fichier texte : il n’est pas décompressé (pas \
             de risque de bombe de décompression). Extrayez-en le fichier CSV (par exemple \
             `gunzip` ou `unzip`) et validez ce CSV."
        ),
        (true, Lang::En) => format!(
            "Compressed file ({kind}), not a text file: it is not decompressed (no \
             decompression bomb risk). Extract the CSV it holds (e.g. `gunzip`, `unzip`) and \
             validate that CSV."
        ),
        (false, Lang::Fr) => format!(
            "Ce fichier n’est pas un fichier texte ({kind}) : un BAL est un fichier CSV. \
             Exportez la table en CSV (séparateur « ; », UTF-8)."
        ),
        (false, Lang::En) => format!(
            "This is not a text file ({kind}): a BAL is a CSV file. Export the table as CSV \
             (`;` separator, UTF-8)."
        ),
    }
}

/// A finding's JSON after its row number, up to its closing brace.
fn finding_fragment(f: &Finding, pretty: bool) -> serde_json::Result<Vec<u8>> {
    let field = serde_json::to_string(&f.field.as_deref())?;
    let code = serde_json::to_string(&*f.code)?;
    let severity = serde_json::to_string(f.severity.as_str())?;
    Ok(if pretty {
        format!(
            ",\n      \"field\": {field},\n      \"code\": {code},\n      \"severity\": {severity}\n    }}"
        )
    } else {
        format!(",\"field\":{field},\"code\":{code},\"severity\":{severity}}}")
    }
    .into_bytes())
}

/// `n` in decimal, in `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// The findings, serialised one by one from the report (no intermediate list: a large file
/// has millions).
struct JsonFindings<'a>(&'a [Finding]);

impl Serialize for JsonFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| JsonFinding {
            row: f.row,
            field: f.field.as_deref(),
            code: &f.code,
            severity: f.severity.as_str(),
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonValidator {
    name: &'static str,
    version: &'static str,
    online: bool,
    skipped_checks: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<JsonNote>,
}

#[derive(Serialize)]
struct JsonNote {
    code: &'static str,
    line: Option<u64>,
    column: Option<String>,
    message: String,
}

#[derive(Serialize)]
struct JsonParseError {
    row: Option<u64>,
    #[serde(rename = "type")]
    kind: &'static str,
    code: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFields<'a> {
    known: Vec<&'a str>,
    localized: Vec<&'a str>,
    unknown: Vec<&'a str>,
    not_found: Vec<JsonNotFound>,
}

#[derive(Serialize)]
struct JsonNotFound {
    field: &'static str,
    severity: &'static str,
}

#[derive(Serialize)]
struct JsonGlobal<'a> {
    code: &'a str,
    severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCounts {
    #[serde(rename = "E")]
    e: u64,
    #[serde(rename = "W")]
    w: u64,
    #[serde(rename = "I")]
    i: u64,
    rows_with_errors: u64,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    row: u64,
    field: Option<&'a str>,
    code: &'a str,
    severity: &'static str,
}
