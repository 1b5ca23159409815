//! Safe remediations: only changes that cannot alter what an address means. Each change is
//! reported.
//!
//! Applied: re-encoding to UTF-8, `;` as separator, LF line breaks when the file used CR
//! only, leading/trailing white space trimmed, upper-case `cle_interop` lower-cased, decimal
//! commas in `x`/`y`/`long`/`lat`, dates in another format rewritten as ISO (only when the
//! date is unambiguous for the reference's own list of formats), `position` spelled like its
//! canonical value, `commune_insee` taken from `cle_interop` when empty or absent, and
//! `commune_nom` taken from the COG when empty or different. Nothing else is touched.

use std::fmt;

use crate::cog::MiniCog;
use crate::csv::{Newline, js_is_space};
use crate::read::{ReadError, read_table};
use crate::schema::Field;
use crate::sniff::Encoding;
use crate::values::{Date, POSITIONS, date_remediation, parse_iso_date};
use crate::write::write_record;

/// One change made by [`fix`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// 1-based data row; `None` for a file-level change.
    pub row: Option<u64>,
    pub column: Option<String>,
    pub before: String,
    pub after: String,
    pub reason: &'static str,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.row, &self.column) {
            (Some(r), Some(c)) => {
                write!(f, "row {r}, {c}: {:?} → {:?} ({})", self.before, self.after, self.reason)
            }
            _ => write!(f, "file: {} → {} ({})", self.before, self.after, self.reason),
        }
    }
}

/// The fixed file and the list of changes.
#[derive(Clone, Debug)]
pub struct Fixed {
    pub bytes: Vec<u8>,
    pub changes: Vec<Change>,
}

/// Fixes what can safely be fixed. Fails when the file cannot be read as a table at all
/// (binary, unsupported encoding, rows with the wrong number of fields): those need a human.
pub fn fix(bytes: &[u8], cog: &MiniCog) -> Result<Fixed, ReadError> {
    fix_with_today(bytes, cog, Date::today())
}

/// [`fix`] with an explicit "today" (dates after it are never produced).
pub fn fix_with_today(bytes: &[u8], cog: &MiniCog, today: Date) -> Result<Fixed, ReadError> {
    let mut table = read_table(bytes)?;
    let mut changes = Vec::new();
    let file_change = |before: &str, after: &str, reason| Change {
        row: None,
        column: None,
        before: before.to_owned(),
        after: after.to_owned(),
        reason,
    };
    if table.encoding != Encoding::Utf8 {
        changes.push(file_change(table.encoding.as_str(), "utf-8", "encoding"));
    }
    if table.delimiter != b';' {
        changes.push(file_change(
            &format!("{:?}", char::from(table.delimiter)),
            "';'",
            "separator",
        ));
    }
    let newline = match table.newline {
        Newline::Cr => {
            changes.push(file_change("CR", "LF", "line break"));
            Newline::Lf
        }
        nl => nl,
    };
    let col = |header: &[String], name: &str| header.iter().position(|h| h == name);
    let cle_col = col(&table.header, Field::CleInterop.name());
    let mut insee_col = col(&table.header, Field::CommuneInsee.name());
    if insee_col.is_none() && cle_col.is_some() {
        table.header.push(Field::CommuneInsee.name().to_owned());
        for r in &mut table.rows {
            r.push(String::new());
        }
        insee_col = Some(table.header.len() - 1);
        changes.push(file_change(
            "no commune_insee column",
            "commune_insee column added",
            "commune_insee",
        ));
    }
    let nom_col = col(&table.header, Field::CommuneNom.name());
    let fields: Vec<Option<Field>> = table.header.iter().map(|h| Field::from_name(h)).collect();
    for (i, row) in table.rows.iter_mut().enumerate() {
        let rown = i as u64 + 1;
        let set = |row: &mut Vec<String>,
                   c: usize,
                   new: String,
                   reason: &'static str,
                   changes: &mut Vec<Change>| {
            if row[c] != new {
                changes.push(Change {
                    row: Some(rown),
                    column: Some(table.header[c].clone()),
                    before: std::mem::replace(&mut row[c], new.clone()),
                    after: new,
                    reason,
                });
            }
        };
        for c in 0..row.len() {
            let Some(field) = fields[c] else { continue };
            let trimmed = row[c].trim_matches(js_is_space).to_owned();
            set(row, c, trimmed, "spaces trimmed", &mut changes);
            let v = row[c].clone();
            if v.is_empty() {
                continue;
            }
            match field {
                Field::CleInterop if v.to_lowercase() != v => {
                    set(row, c, v.to_lowercase(), "key lower-cased", &mut changes);
                }
                Field::X | Field::Y | Field::Long | Field::Lat => {
                    let b = v.as_bytes();
                    let one_comma = v.matches(',').count() == 1
                        && !v.contains('.')
                        && b.iter().all(|&x| x.is_ascii_digit() || x == b',' || x == b'-');
                    if one_comma {
                        set(row, c, v.replacen(',', ".", 1), "decimal comma", &mut changes);
                    }
                }
                Field::DateDerMaj if parse_iso_date(&v).is_none() => {
                    if let Some(d) = date_remediation(&v, today) {
                        set(row, c, d.iso(), "date in ISO format", &mut changes);
                    }
                }
                Field::Position => {
                    if let Some(canonical) = canonical_position(&v) {
                        set(row, c, canonical.to_owned(), "position spelling", &mut changes);
                    }
                }
                _ => {}
            }
        }
        // commune_insee from cle_interop.
        if let (Some(ci), Some(kc)) = (insee_col, cle_col)
            && row[ci].is_empty()
            && let Some(code) = row[kc].split('_').next().map(str::to_uppercase)
            && row[kc].split('_').count() >= 3
            && cog.is_known(&code)
        {
            set(row, ci, code, "commune_insee from cle_interop", &mut changes);
        }
        // commune_nom from the COG.
        let code = insee_col
            .map(|c| row[c].to_uppercase())
            .filter(|c| !c.is_empty())
            .or_else(|| cle_col.and_then(|c| row[c].split('_').next().map(str::to_uppercase)));
        if let (Some(nc), Some(code)) = (nom_col, code)
            && let Some(commune) = cog.current(&code)
        {
            set(row, nc, commune.nom.clone(), "commune name from the COG", &mut changes);
        }
    }
    let mut out = String::new();
    write_record(&mut out, table.header.iter().map(String::as_str), newline);
    for r in &table.rows {
        write_record(&mut out, r.iter().map(String::as_str), newline);
    }
    Ok(Fixed { bytes: out.into_bytes(), changes })
}

/// The canonical spelling of a position the reference accepts (possibly with `enum_fuzzy`).
fn canonical_position(v: &str) -> Option<&'static str> {
    let cog = MiniCog::default();
    let ctx = crate::values::Ctx { cog: &cog, today: Date { year: 2100, month: 1, day: 1 } };
    match crate::values::read_value(Field::Position, v, false, &ctx).value {
        Some(crate::values::Value::Position(c)) if POSITIONS.contains(&c) => Some(c),
        _ => None,
    }
}
