//! Reading a BAL into a table of strings with the same decisions as the validator (encoding,
//! line break, delimiter, header, blank lines), for `fix` and for the typed reader.

use crate::csv::{CsvReader, Newline, Next, Record, TextReader, guess_delimiter, guess_newline};
use crate::limits::GUESS_WINDOW_CHARS;
use crate::sniff::{Encoding, Refusal, Utf8Recogniser, binary_kind};

/// A BAL read as strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub encoding: Encoding,
    pub delimiter: u8,
    pub newline: Newline,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Why a file cannot be read as a table.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("not a text file ({0}): a BAL is a CSV file")]
    Binary(&'static str),
    #[error("unsupported encoding {0}: save the file as UTF-8")]
    Encoding(&'static str),
    #[error("no column separator found (`;`, `,` or TAB expected)")]
    NoDelimiter,
    #[error("empty file: no header row")]
    Empty,
    #[error("CSV cannot be split into rows: {code} at record {row}")]
    Csv { code: &'static str, row: u64 },
}

/// Reads `bytes` as a table. Rows with a field count different from the header are an error
/// (the reference refuses the whole file in that case too).
pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    if let Some(kind) = binary_kind(bytes) {
        return Err(ReadError::Binary(kind));
    }
    let mut rec = Utf8Recogniser::new();
    rec.feed(bytes);
    let encoding = rec.decide().map_err(|r| match r {
        Refusal::Binary(k) => ReadError::Binary(k),
        Refusal::UnsupportedEncoding(e) => ReadError::Encoding(e),
    })?;
    let mut text = TextReader::new(bytes, encoding);
    let (window, eof) = text.peek(GUESS_WINDOW_CHARS * 2).map_err(|_| ReadError::Empty)?;
    let newline = guess_newline(window);
    let delimiter = guess_delimiter(window, newline, eof).ok_or(ReadError::NoDelimiter)?;
    let mut csv = CsvReader::new(text, delimiter, newline);
    let mut record = Record::default();
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    loop {
        match csv.next_record(&mut record).map_err(|_| ReadError::Empty)? {
            Next::End => break,
            Next::Fatal(e) => return Err(ReadError::Csv { code: e.code, row: e.row.unwrap_or(0) }),
            Next::Record => {}
        }
        if record.is_blank() {
            continue;
        }
        let fields: Vec<String> = record.iter().map(str::to_owned).collect();
        match &header {
            None => {
                let mut h = fields;
                if let Some(first) = h.first_mut() {
                    *first = first.trim_start_matches('\u{FEFF}').to_owned();
                }
                header = Some(h);
            }
            Some(h) => {
                if fields.len() != h.len() {
                    let code =
                        if fields.len() > h.len() { "TooManyFields" } else { "TooFewFields" };
                    return Err(ReadError::Csv { code, row: rows.len() as u64 + 1 });
                }
                rows.push(fields);
            }
        }
    }
    let header = header.ok_or(ReadError::Empty)?;
    Ok(Table { encoding, delimiter, newline, header, rows })
}
