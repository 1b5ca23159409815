//! What an import tells its caller: progress while it reads, statistics and skipped rows at the
//! end. The crate never prints; the binary draws bars and writes reports from these values.

use std::fmt;

use geocommun_model::CodeInsee;

/// How many [`RowIssue`]s an [`ImportStats`] keeps; the others are only counted.
pub const MAX_KEPT_ISSUES: usize = 1000;

/// Progress of the source being read, reported every few thousand rows and at its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read from the source as stored (compressed bytes for a `.gz`).
    pub bytes_read: u64,
    /// Size of the source as stored, when known (file size, HTTP `Content-Length`).
    pub total_bytes: Option<u64>,
    /// Data rows read so far from this source.
    pub rows: u64,
}

/// What was wrong with a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// The row has fewer fields than the header (or than the 8 of BANO).
    Ragged,
    /// A field the import needs is empty.
    Missing,
    /// A field is not a number.
    NotANumber,
    /// Coordinates outside the WGS-84 range (or not finite).
    OutOfRange,
    /// The INSEE code is not one.
    InvalidCode,
    /// The house number cannot be read.
    InvalidNumero,
    /// The bytes of a field are not UTF-8.
    InvalidUtf8,
}

impl IssueKind {
    /// What the user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Ragged => "check the separators and quotes of the row",
            Self::Missing => "fill the value or remove the row",
            Self::NotANumber | Self::OutOfRange | Self::InvalidCode | Self::InvalidNumero => {
                "fix the value or remove the row"
            }
            Self::InvalidUtf8 => "save the file as UTF-8",
        }
    }
}

/// A row that was skipped, with where it is and why.
///
/// Displays as `adresses-75.csv.gz:1234: field lat: "abc" is not a number; the row was
/// skipped — fix the value or remove the row`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowIssue {
    /// File name of the source (`adresses-75.csv.gz`).
    pub file: String,
    /// Line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The column at fault, when there is one.
    pub field: Option<String>,
    pub kind: IssueKind,
    /// What is wrong (`"abc" is not a number`).
    pub reason: String,
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(field) = &self.field {
            write!(f, "field {field}: ")?;
        }
        write!(f, "{}; the row was skipped — {}", self.reason, self.kind.hint())
    }
}

/// Counts of an import: of one source ([`crate::Importer::read`]) or of everything so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Data rows read (header excluded).
    pub rows: u64,
    /// Addresses kept (rows that were neither skipped, duplicates nor lieux-dits).
    pub addresses: u64,
    /// Streets (voies) created.
    pub streets: u64,
    /// Lieux-dits (`numero` 99999 rows) created.
    pub lieux_dits: u64,
    /// Communes created.
    pub communes: u64,
    /// Rows dropped because their street already had that number (and suffix), or, for BANO,
    /// because their id was already seen (as `bano2ban.py` does).
    pub duplicates: u64,
    /// The first [`MAX_KEPT_ISSUES`] skipped rows.
    pub skipped: Vec<RowIssue>,
    /// All skipped rows, kept or not.
    pub skipped_total: u64,
    /// Streaming only: communes whose rows came back after the commune had been handed over,
    /// so that it was handed over in more than one part (the input was not grouped by commune).
    pub split_communes: Vec<CodeInsee>,
}

impl ImportStats {
    pub(crate) fn push_issue(&mut self, issue: RowIssue) {
        self.skipped_total += 1;
        if self.skipped.len() < MAX_KEPT_ISSUES {
            self.skipped.push(issue);
        }
    }

    /// Adds the counts of `other` (one source) to these (a running total).
    pub(crate) fn absorb(&mut self, other: &ImportStats) {
        self.rows += other.rows;
        self.addresses += other.addresses;
        self.streets += other.streets;
        self.lieux_dits += other.lieux_dits;
        self.communes += other.communes;
        self.duplicates += other.duplicates;
        self.skipped_total += other.skipped_total;
        let room = MAX_KEPT_ISSUES.saturating_sub(self.skipped.len());
        self.skipped.extend(other.skipped.iter().take(room).cloned());
        for code in &other.split_communes {
            if !self.split_communes.contains(code) {
                self.split_communes.push(*code);
            }
        }
    }
}
