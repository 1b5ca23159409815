//! Encoding and delimiter detection of an uploaded CSV file.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::upload::ByteStats;
use crate::error::{ApiError, ErrorCode};

/// How the file's bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceEncoding {
    /// `None`: UTF-8 passed through (already validated).
    pub encoding: Option<&'static Encoding>,
    /// The file started with a UTF-8 or UTF-16 byte-order mark.
    pub bom: bool,
}

impl SourceEncoding {
    pub fn name(self) -> &'static str {
        self.encoding.unwrap_or(UTF_8).name()
    }
}

/// Chooses the encoding: the one named by the `encoding` option, else a byte-order mark,
/// else UTF-8 when every byte is valid UTF-8, else Windows-1252 (a superset of Latin-1, what
/// Excel writes in France). Binary content is refused.
pub fn encoding(stats: &ByteStats, forced: Option<&str>) -> Result<SourceEncoding, ApiError> {
    let head = stats.head.as_slice();
    let bom = head.starts_with(b"\xEF\xBB\xBF")
        || head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF");
    if stats.len == 0 || (head.starts_with(b"\xEF\xBB\xBF") && stats.len == 3) {
        return Err(ApiError::new(
            ErrorCode::InvalidCsv,
            "the CSV file is empty: send a file with a header line",
        ));
    }
    if let Some(label) = forced {
        let enc = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            ApiError::invalid(format!(
                "encoding '{}' is unknown: use utf-8, windows-1252, iso-8859-1 or utf-16le (or leave it out to detect it)",
                crate::params::echo(label)
            ))
        })?;
        return Ok(SourceEncoding { encoding: Some(enc), bom });
    }
    if head.starts_with(b"\xFF\xFE") {
        return Ok(SourceEncoding { encoding: Some(UTF_16LE), bom: true });
    }
    if head.starts_with(b"\xFE\xFF") {
        return Ok(SourceEncoding { encoding: Some(UTF_16BE), bom: true });
    }
    // Text files have no NUL and (almost) no other control characters; a stray one (e.g. the
    // DOS end-of-file mark) is tolerated.
    if stats.nul > 0 || stats.controls * 1000 > stats.len.max(1) {
        return Err(ApiError::new(
            ErrorCode::InvalidCsv,
            "the file is not a text CSV file (it contains binary data): export it as CSV (UTF-8 or Latin-1) and send it again",
        ));
    }
    if stats.is_utf8() {
        Ok(SourceEncoding { encoding: None, bom })
    } else {
        Ok(SourceEncoding { encoding: Some(WINDOWS_1252), bom: false })
    }
}

/// Delimiters recognised, by preference on ties.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The `delimiter` option: one of `,` `;` `|` tab (also `tab`, `\t`).
pub fn parse_delimiter(v: &str) -> Result<u8, ApiError> {
    match v {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "|" | "pipe" => Ok(b'|'),
        "\t" | "\\t" | "tab" | "TAB" => Ok(b'\t'),
        _ => Err(ApiError::invalid(format!(
            "delimiter must be one of ',' ';' '|' or tab; got '{}' (leave it out to detect it)",
            crate::params::echo(v)
        ))),
    }
}

/// Counts a delimiter outside double quotes in one line.
fn count_outside_quotes(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

/// Detects the delimiter from the start of the decoded text: the candidate that splits the
/// header into the most columns, preferring one whose count is the same on the next lines.
/// A file with none of them is one column (`,`).
pub fn detect_delimiter(sample: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = sample.split(|&b| b == b'\n').take(20).collect();
    // The last piece may be a cut line: keep it only when it is the only one.
    let lines = if lines.len() > 1 { &lines[..lines.len() - 1] } else { &lines[..] };
    let Some(header) = lines.first() else { return b',' };
    let mut best = (b',', 0usize, 0usize);
    for d in DELIMITERS {
        let h = count_outside_quotes(header, d);
        if h == 0 {
            continue;
        }
        let consistent = lines[1..].iter().filter(|l| count_outside_quotes(l, d) == h).count();
        if (consistent, h) > (best.2, best.1) {
            best = (d, h, consistent);
        }
    }
    best.0
}

/// Whether lines end with CRLF (kept in the output).
pub fn uses_crlf(sample: &[u8]) -> bool {
    sample.iter().position(|&b| b == b'\n').is_some_and(|i| i > 0 && sample[i - 1] == b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter(b"nom;adresse;ville\nx;\"1, rue\";y\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter(b"a|b\n1|2\n"), b'|');
        assert_eq!(detect_delimiter(b"adresse\n1 rue x, paris\n"), b',');
        // The header has one comma in a quoted name; `;` splits every line the same way.
        assert_eq!(detect_delimiter(b"\"a,b\";c;d\n1;2;3\n"), b';');
    }

    #[test]
    fn crlf() {
        assert!(uses_crlf(b"a,b\r\n1,2\r\n"));
        assert!(!uses_crlf(b"a,b\n1,2\n"));
    }
}
