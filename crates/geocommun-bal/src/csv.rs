//! A streaming CSV reader with papaparse 5.7.1's exact semantics (the parser behind the
//! reference validator): line-break guessing on the first MiB, delimiter guessing among `,`,
//! TAB and `;` on the first 10 rows, `"` quoting with `""` escapes, white space tolerated
//! between a closing quote and the next separator, `InvalidQuotes` / `MissingQuotes`.
//!
//! The `csv` crate is deliberately not used for reading: its recovery rules differ from
//! papaparse's on malformed quotes, and parity with the reference is the point.

use std::io::{self, Read};

use crate::limits::{GUESS_WINDOW_CHARS, MAX_RECORD_BYTES, READ_CHUNK};
use crate::sniff::Encoding;

/// A line break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Newline {
    Lf,
    CrLf,
    Cr,
}

impl Newline {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lf => "\n",
            Self::CrLf => "\r\n",
            Self::Cr => "\r",
        }
    }

    /// `LF`, `CRLF`, `CR` (the wrapper's spelling).
    pub fn label(self) -> &'static str {
        match self {
            Self::Lf => "LF",
            Self::CrLf => "CRLF",
            Self::Cr => "CR",
        }
    }
}

/// White space as JavaScript's `String.prototype.trim` and `\s` understand it.
pub fn js_is_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{D}'
            | ' '
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
            | '\u{FEFF}'
    )
}

/// JavaScript's `trim()`.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(js_is_space)
}

/// papaparse's `guessLineEndings` on (a prefix of) the decoded text.
pub fn guess_newline(text: &str) -> Newline {
    // Remove every quoted section ("…" pairs, non-greedy), as papaparse's regex does; an
    // unpaired last quote and its text stay.
    let mut stripped = String::new();
    let mut pending: Option<String> = None;
    let mut units = 0usize;
    for c in text.chars() {
        units += c.len_utf16();
        if units > GUESS_WINDOW_CHARS {
            break;
        }
        match (&mut pending, c) {
            (None, '"') => pending = Some(String::from('"')),
            (None, c) => stripped.push(c),
            (Some(_), '"') => pending = None,
            (Some(p), c) => p.push(c),
        }
    }
    if let Some(p) = pending {
        stripped.push_str(&p);
    }
    let r: Vec<&str> = stripped.split('\r').collect();
    let n: Vec<&str> = stripped.split('\n').collect();
    let n_first = n.len() > 1 && utf16_len(n[0]) < utf16_len(r[0]);
    if r.len() == 1 || n_first {
        return Newline::Lf;
    }
    let with_n = r.iter().filter(|s| s.starts_with('\n')).count();
    if with_n as f64 >= r.len() as f64 / 2.0 { Newline::CrLf } else { Newline::Cr }
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// One parsed record: the fields laid end to end in one string.
#[derive(Clone, Debug, Default)]
pub struct Record {
    data: String,
    ends: Vec<usize>,
}

impl Record {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }

    fn push(&mut self, s: &str) {
        self.data.push_str(s);
        self.ends.push(self.data.len());
    }

    /// Pushes a quoted field's content with each `""` read as `"` (a lone quote, which
    /// papaparse reports as `InvalidQuotes`, stays).
    fn push_unescaped(&mut self, s: &str) {
        let mut rest = s;
        while let Some(i) = memchr::memchr(b'"', rest.as_bytes()) {
            self.data.push_str(&rest[..=i]);
            let skip = if rest.as_bytes().get(i + 1) == Some(&b'"') { 2 } else { 1 };
            rest = &rest[i + skip..];
        }
        self.data.push_str(rest);
        self.ends.push(self.data.len());
    }

    /// Whether a (quoted) field holds a CR or LF: the rare case where a record spans lines.
    pub fn has_line_break(&self) -> bool {
        memchr::memchr2(b'\n', b'\r', self.data.as_bytes()).is_some()
    }

    /// papaparse's "empty line": one empty field.
    pub fn is_blank(&self) -> bool {
        self.ends.len() == 1 && self.ends[0] == 0
    }
}

/// Outcome of parsing one record from a buffer.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A complete record; `next` is where the next one starts; `last` when the input ended.
    Done { next: usize, last: bool, invalid_quotes: u32 },
    /// The buffer ends before the record does and more input may come.
    NeedMore,
    /// An opening quote is never closed: papaparse's fatal `MissingQuotes`.
    MissingQuotes,
}

/// Parses one record of `buf` from `start` into `rec`.
fn parse_record(
    buf: &str,
    start: usize,
    delim: u8,
    nl: Newline,
    eof: bool,
    rec: &mut Record,
) -> Step {
    rec.clear();
    if start < buf.len()
        && let Some(step) = parse_plain_line(buf, start, delim, nl, rec)
    {
        return step;
    }
    parse_general(buf, start, delim, nl, eof, rec)
}

/// [`parse_record`] for any record: quotes, records spanning several lines, the end of the
/// input.
fn parse_general(
    buf: &str,
    start: usize,
    delim: u8,
    nl: Newline,
    eof: bool,
    rec: &mut Record,
) -> Step {
    rec.clear();
    let bytes = buf.as_bytes();
    let len = bytes.len();
    let nl_str = nl.as_str().as_bytes();
    let is_nl = |p: usize| bytes[p..].starts_with(nl_str);
    let mut cursor = start;
    let mut invalid_quotes = 0u32;
    if start >= len {
        // papaparse's finish(): the (empty) rest of the input is the last field.
        if !eof {
            return Step::NeedMore;
        }
        rec.push("");
        return Step::Done { next: len, last: true, invalid_quotes };
    }
    loop {
        if cursor < len && bytes[cursor] == b'"' {
            let open = cursor + 1;
            let mut q = open;
            loop {
                // Next quote after the current position.
                let Some(found) = bytes[q..].iter().position(|&b| b == b'"') else {
                    if !eof {
                        return Step::NeedMore;
                    }
                    return Step::MissingQuotes;
                };
                let qpos = q + found;
                if qpos == len - 1 {
                    if !eof {
                        return Step::NeedMore;
                    }
                    rec.push_unescaped(&buf[open..qpos]);
                    return Step::Done { next: len, last: true, invalid_quotes };
                }
                if bytes[qpos + 1] == b'"' {
                    q = qpos + 2;
                    continue;
                }
                // What follows the closing quote, up to the nearest separator or line break.
                let mut p = qpos + 1;
                let mut stop = None;
                while p < len {
                    if bytes[p] == delim {
                        stop = Some((p, true));
                        break;
                    }
                    if is_nl(p) {
                        stop = Some((p, false));
                        break;
                    }
                    p += 1;
                }
                if stop.is_none() && !eof {
                    return Step::NeedMore;
                }
                if let Some((at, is_delim)) = stop {
                    let seg = &buf[qpos + 1..at];
                    if seg.is_empty() || seg.chars().all(js_is_space) {
                        rec.push_unescaped(&buf[open..qpos]);
                        if is_delim {
                            cursor = at + 1;
                            break;
                        }
                        return Step::Done { next: at + nl_str.len(), last: false, invalid_quotes };
                    }
                }
                invalid_quotes += 1;
                q = qpos + 1;
            }
            continue;
        }
        // Unquoted field: up to the next separator or line break.
        let mut p = cursor;
        loop {
            let Some(found) = memchr::memchr2(delim, nl_str[0], &bytes[p..]) else {
                if !eof {
                    return Step::NeedMore;
                }
                rec.push(&buf[cursor..len]);
                return Step::Done { next: len, last: true, invalid_quotes };
            };
            p += found;
            if bytes[p] == delim {
                rec.push(&buf[cursor..p]);
                cursor = p + 1;
                break;
            }
            // The first byte of the line break: the whole of it?
            if nl_str.len() == 1 || (p + 1 < len && bytes[p + 1] == nl_str[1]) {
                rec.push(&buf[cursor..p]);
                return Step::Done { next: p + nl_str.len(), last: false, invalid_quotes };
            }
            if p + 1 == len && !eof {
                return Step::NeedMore;
            }
            // A lone CR in a CRLF file: part of the field.
            p += 1;
        }
    }
}

/// The common case of [`parse_record`]: a whole line, ended by its line break, without any
/// quote. Its fields are the pieces between separators. `None` when the line holds a quote,
/// is not complete in `buf`, or ends otherwise (the general parser then decides).
fn parse_plain_line(
    buf: &str,
    start: usize,
    delim: u8,
    nl: Newline,
    rec: &mut Record,
) -> Option<Step> {
    let bytes = &buf.as_bytes()[start..];
    let (end, next) = match nl {
        Newline::Lf => {
            let end = memchr::memchr(b'\n', bytes)?;
            (end, end + 1)
        }
        Newline::Cr => {
            let end = memchr::memchr(b'\r', bytes)?;
            (end, end + 1)
        }
        Newline::CrLf => {
            // The first LF ends the line when a CR precedes it; a lone CR is field content,
            // as in the general parser.
            let lf = memchr::memchr(b'\n', bytes)?;
            if lf == 0 || bytes[lf - 1] != b'\r' {
                return None;
            }
            (lf - 1, lf + 1)
        }
    };
    let line = &bytes[..end];
    if memchr::memchr(b'"', line).is_some() {
        return None;
    }
    let mut from = 0;
    for at in memchr::memchr_iter(delim, line) {
        rec.push(&buf[start + from..start + at]);
        from = at + 1;
    }
    rec.push(&buf[start + from..start + end]);
    Some(Step::Done { next: start + next, last: false, invalid_quotes: 0 })
}

/// papaparse's delimiter guess over the first 10 rows of `text`.
pub fn guess_delimiter(text: &str, nl: Newline, eof: bool) -> Option<u8> {
    let mut best: Option<(u8, f64, f64)> = None; // (delim, delta, avg)
    let mut rec = Record::default();
    for delim in [b',', b'\t', b';'] {
        let mut pos = 0;
        let mut rows = 0usize;
        let mut empty = 0usize;
        let mut delta = 0f64;
        let mut avg = 0f64;
        let mut prev: Option<usize> = None;
        if !text.is_empty() {
            while rows < 10 {
                match parse_record(text, pos, delim, nl, true, &mut rec) {
                    Step::Done { next, last, .. } => {
                        rows += 1;
                        if rec.is_blank() {
                            empty += 1;
                        } else {
                            let count = rec.len();
                            avg += count as f64;
                            match prev {
                                None => prev = Some(count),
                                Some(p) if count > 0 => {
                                    delta += (count as f64 - p as f64).abs();
                                    prev = Some(count);
                                }
                                Some(_) => {}
                            }
                        }
                        if last {
                            break;
                        }
                        pos = next;
                    }
                    Step::MissingQuotes => {
                        // papaparse pushes the rest of the input as one last field.
                        rows += 1;
                        let count = rec.len() + 1;
                        avg += count as f64;
                        if let Some(p) = prev {
                            delta += (count as f64 - p as f64).abs();
                        }
                        break;
                    }
                    Step::NeedMore => break,
                }
            }
            let _ = eof;
            if rows > 0 {
                avg /= (rows - empty) as f64;
            }
        }
        let better = match best {
            None => true,
            // papaparse compares these floats exactly; deltas are sums of integers.
            #[allow(clippy::float_cmp)]
            Some((_, bd, bavg)) => delta < bd || (delta == bd && avg > bavg),
        };
        if avg > 1.99 && better {
            best = Some((delim, delta, avg));
        }
    }
    best.map(|(d, _, _)| d)
}

/// Decoded text read in chunks.
pub struct TextReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    bytes: Vec<u8>,
    /// Decoded text; `pos` is where unread text starts.
    text: String,
    pos: usize,
    eof: bool,
    leading_bom_done: bool,
    encoding: Encoding,
}

impl<R: Read> TextReader<R> {
    pub fn new(inner: R, encoding: Encoding) -> Self {
        let decoder = match encoding {
            Encoding::Utf8 => encoding_rs::UTF_8.new_decoder_with_bom_removal(),
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling(),
        };
        Self {
            inner,
            decoder,
            bytes: vec![0; READ_CHUNK],
            text: String::new(),
            pos: 0,
            eof: false,
            leading_bom_done: false,
            encoding,
        }
    }

    /// Reads and decodes one more chunk; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && self.pos >= self.text.len() / 2 {
            self.text.drain(..self.pos);
            self.pos = 0;
        }
        let n = loop {
            match self.inner.read(&mut self.bytes) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        let last = n == 0;
        let need = self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16);
        self.text.reserve(need);
        let (_, _, _) = self.decoder.decode_to_string(&self.bytes[..n], &mut self.text, last);
        if !self.leading_bom_done && (self.text.len() - self.pos >= 3 || last) {
            // iconv-lite strips one BOM, then the validator strips another one.
            if self.encoding == Encoding::Utf8 && self.text[self.pos..].starts_with('\u{FEFF}') {
                self.text.replace_range(self.pos..self.pos + 3, "");
            }
            self.leading_bom_done = true;
        }
        if last {
            self.eof = true;
        }
        Ok(!last)
    }

    fn ensure_bom_handled(&mut self) -> io::Result<()> {
        while !self.leading_bom_done {
            self.fill()?;
        }
        Ok(())
    }

    /// Fills until at least `chars` bytes of text are buffered or the input ends; returns
    /// the buffered unread text.
    pub fn peek(&mut self, chars: usize) -> io::Result<(&str, bool)> {
        self.ensure_bom_handled()?;
        while !self.eof && self.text.len() - self.pos < chars {
            self.fill()?;
        }
        Ok((&self.text[self.pos..], self.eof))
    }
}

/// A parse error in papaparse's vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based, like the wrapper: data row for field-count errors, raw row otherwise.
    pub row: Option<u64>,
    pub kind: &'static str,
    pub code: &'static str,
}

/// What the reader produced for one call to [`CsvReader::next_record`].
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Record,
    End,
    /// Fatal: unclosed quote, or a record longer than [`MAX_RECORD_BYTES`].
    Fatal(ParseError),
}

/// Streams records out of a [`TextReader`].
pub struct CsvReader<R> {
    text: TextReader<R>,
    pub delimiter: u8,
    pub newline: Newline,
    done: bool,
    /// Raw records returned so far (blank lines and header included).
    pub raw_rows: u64,
    pub invalid_quotes: Vec<u64>,
}

impl<R: Read> CsvReader<R> {
    pub fn new(text: TextReader<R>, delimiter: u8, newline: Newline) -> Self {
        Self { text, delimiter, newline, done: false, raw_rows: 0, invalid_quotes: Vec::new() }
    }

    /// Reads the next raw record (blank lines included) into `rec`.
    pub fn next_record(&mut self, rec: &mut Record) -> io::Result<Next> {
        if self.done {
            return Ok(Next::End);
        }
        let mut want = READ_CHUNK;
        loop {
            let (buf, eof) = self.text.peek(want)?;
            if buf.is_empty() && eof && self.raw_rows == 0 {
                self.done = true;
                return Ok(Next::End);
            }
            match parse_record(buf, 0, self.delimiter, self.newline, eof, rec) {
                Step::Done { next, last, invalid_quotes } => {
                    if invalid_quotes > 0 {
                        self.invalid_quotes.push(self.raw_rows + 1);
                    }
                    self.text.pos += next;
                    self.raw_rows += 1;
                    if last {
                        self.done = true;
                    }
                    return Ok(Next::Record);
                }
                Step::MissingQuotes => {
                    self.done = true;
                    return Ok(Next::Fatal(ParseError {
                        row: Some(self.raw_rows + 1),
                        kind: "Quotes",
                        code: "MissingQuotes",
                    }));
                }
                Step::NeedMore => {
                    if buf.len() >= MAX_RECORD_BYTES {
                        self.done = true;
                        return Ok(Next::Fatal(ParseError {
                            row: Some(self.raw_rows + 1),
                            kind: "Limit",
                            code: "RecordTooLong",
                        }));
                    }
                    want = buf.len().saturating_mul(2).max(READ_CHUNK);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(s: &str, delim: u8, nl: Newline) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut rec = Record::default();
        loop {
            match parse_record(s, pos, delim, nl, true, &mut rec) {
                Step::Done { next, last, .. } => {
                    out.push(rec.iter().map(str::to_owned).collect());
                    if last {
                        break;
                    }
                    pos = next;
                }
                other => panic!("{other:?}"),
            }
        }
        out
    }

    #[test]
    fn quoting_like_papaparse() {
        assert_eq!(
            records("a;\"b;\"\"c\"\"\"\n1;2", b';', Newline::Lf),
            vec![vec!["a", "b;\"c\""], vec!["1", "2"]]
        );
        // Trailing line break: papaparse yields a last blank record.
        assert_eq!(records("a;b\n", b';', Newline::Lf), vec![vec!["a", "b"], vec![""]]);
        // Spaces between a closing quote and the separator are dropped.
        assert_eq!(records("\"a\"  ;b", b';', Newline::Lf), vec![vec!["a", "b"]]);
        // A quote inside an unquoted field is literal.
        assert_eq!(records("a\"b;c", b';', Newline::Lf), vec![vec!["a\"b", "c"]]);
        assert_eq!(
            records("a;b\r\nc;d", b';', Newline::CrLf),
            vec![vec!["a", "b"], vec!["c", "d"]]
        );
    }

    #[test]
    fn escaped_quotes() {
        assert_eq!(records("a;\"\"\"x\"\"\"\n", b';', Newline::Lf)[0], vec!["a", "\"x\""]);
        // A lone quote inside a quoted field (InvalidQuotes) stays.
        assert_eq!(records("\"a\"b\";c", b';', Newline::Lf)[0], vec!["a\"b", "c"]);
    }

    fn general_records(s: &str, delim: u8, nl: Newline) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut rec = Record::default();
        loop {
            match parse_general(s, pos, delim, nl, true, &mut rec) {
                Step::Done { next, last, .. } => {
                    out.push(rec.iter().map(str::to_owned).collect());
                    if last {
                        break;
                    }
                    pos = next;
                }
                _ => return out,
            }
        }
        out
    }

    proptest::proptest! {
        /// The quote-free fast path splits lines exactly like the general parser.
        #[test]
        fn plain_lines_like_the_general_parser(s in "[a;,\r\n\" ]{0,60}", nl in 0..3u8) {
            let nl = [Newline::Lf, Newline::CrLf, Newline::Cr][usize::from(nl)];
            let general = general_records(&s, b';', nl);
            let mut out = Vec::new();
            let mut pos = 0;
            let mut rec = Record::default();
            while let Step::Done { next, last, .. } =
                parse_record(&s, pos, b';', nl, true, &mut rec)
            {
                out.push(rec.iter().map(str::to_owned).collect::<Vec<_>>());
                if last {
                    break;
                }
                pos = next;
            }
            proptest::prop_assert_eq!(out, general);
        }
    }

    #[test]
    fn unclosed_quote_is_fatal() {
        let mut rec = Record::default();
        assert_eq!(
            parse_record("a;\"b\n", 0, b';', Newline::Lf, true, &mut rec),
            Step::MissingQuotes
        );
    }

    #[test]
    fn guesses() {
        assert_eq!(guess_newline("a;b\r\nc;d\r\n"), Newline::CrLf);
        assert_eq!(guess_newline("a;b\rc;d\r"), Newline::Cr);
        assert_eq!(guess_newline("a;b\nc;d\n"), Newline::Lf);
        assert_eq!(guess_delimiter("a;b;c\n1;2;3\n", Newline::Lf, true), Some(b';'));
        assert_eq!(guess_delimiter("a,b\n1,2\n", Newline::Lf, true), Some(b','));
        assert_eq!(guess_delimiter("a|b\n1|2\n", Newline::Lf, true), None);
        assert_eq!(guess_delimiter("", Newline::Lf, true), None);
    }
}
