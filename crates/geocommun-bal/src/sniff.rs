//! Before parsing: is it text at all, and which encoding.
//!
//! Reproduces the reference pipeline: `file-type` magic numbers (a known binary type is
//! refused), then chardet's UTF-8 recogniser (UTF-8 when its confidence is ≥ 80 or exactly 10,
//! i.e. pure ASCII), otherwise Windows-1252 unless the bytes carry a UTF-16/UTF-32 byte order
//! mark. The UTF-8 recogniser is a streaming state machine so that a file can be checked in
//! chunks without holding it.

/// The encoding a BAL file is decoded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

impl Encoding {
    /// `utf-8` / `windows-1252`, as the reference reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Windows1252 => "windows-1252",
        }
    }
}

/// Why the bytes cannot be read as a BAL at all (the reference throws in these cases).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A known binary format (zip, gzip, png, pdf…).
    Binary(&'static str),
    /// A text encoding other than UTF-8 / Windows-1252 (UTF-16, UTF-32).
    UnsupportedEncoding(&'static str),
}

impl Refusal {
    /// The reference validator's exception message.
    pub fn reference_message(&self) -> String {
        match self {
            Self::Binary(_) => "Non-text file cannot be processed".to_owned(),
            Self::UnsupportedEncoding(name) => format!("Encoding currently not supported: {name}"),
        }
    }
}

/// Magic numbers of `file-type` 12.4.2 that a text file could plausibly start with, plus the
/// archive and image formats users actually upload by mistake. (prefix, offset, name)
const MAGIC: &[(&[u8], usize, &str)] = &[
    (b"PK", 0, "zip"),
    (&[0x1F, 0x8B, 0x08], 0, "gzip"),
    (b"BZh", 0, "bzip2"),
    (&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], 0, "7z"),
    (&[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], 0, "xz"),
    (&[0x52, 0x61, 0x72, 0x21, 0x1A, 0x07], 0, "rar"),
    (&[0x1F, 0xA0], 0, "lzh"),
    (&[0x1F, 0x9D], 0, "Z"),
    (&[0x78, 0x01], 0, "dmg"),
    (b"LZIP", 0, "lzip"),
    (b"MSCF", 0, "cab"),
    (&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], 0, "cfb (xls/doc)"),
    (&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A], 0, "png"),
    (&[0xFF, 0xD8, 0xFF], 0, "jpg"),
    (b"GIF", 0, "gif"),
    (b"BM", 0, "bmp"),
    (b"%PDF", 0, "pdf"),
    (b"%!", 0, "ps"),
    (b"MZ", 0, "exe"),
    (b"{\\rtf", 0, "rtf"),
    (b"<?xml ", 0, "xml"),
    (b"ID3", 0, "mp3"),
    (b"OggS", 0, "ogg"),
    (b"RIFF", 0, "riff"),
    (b"fLaC", 0, "flac"),
    (b"MThd", 0, "midi"),
    (b"wOFF", 0, "woff"),
    (b"wOF2", 0, "woff2"),
    (b"FLV\x01", 0, "flv"),
    (b"SQLi", 0, "sqlite"),
    (b"BLENDER", 0, "blend"),
    (b"!<arch>", 0, "ar"),
    (b"BEGIN:", 0, "ics"),
    (b"ARROW1\0\0", 0, "arrow"),
    (&[0x1A, 0x45, 0xDF, 0xA3], 0, "mkv"),
    (&[0x7F, b'E', b'L', b'F'], 0, "elf"),
    (b"ftyp", 4, "mp4"),
    (&[0x49, 0x49, 0x2A, 0x00], 0, "tif"),
    (&[0x4D, 0x4D, 0x00, 0x2A], 0, "tif"),
];

/// A known binary format at the start of `head`, if any.
pub fn binary_kind(head: &[u8]) -> Option<&'static str> {
    MAGIC
        .iter()
        .find(|(magic, off, _)| head.get(*off..off + magic.len()) == Some(magic))
        .map(|(_, _, name)| *name)
}

/// Compressed formats among [`binary_kind`]'s: the user most likely meant the CSV inside.
pub fn is_compressed(kind: &str) -> bool {
    matches!(kind, "zip" | "gzip" | "bzip2" | "7z" | "xz" | "rar" | "lzh" | "Z" | "lzip" | "cab")
}

/// What the reference passes over in silence but a person should fix, found while the bytes
/// stream by: the first NUL byte, and the first byte that is not UTF-8 when the file also
/// holds UTF-8 accents (a file saved in two encodings). Offsets are in bytes from the start.
#[derive(Clone, Debug, Default)]
pub struct TextScan {
    offset: u64,
    /// The start of a UTF-8 sequence cut by the end of the previous chunk.
    carry: Vec<u8>,
    pub first_nul: Option<u64>,
    pub nul_count: u64,
    pub first_invalid_utf8: Option<u64>,
    /// At least one valid multi-byte UTF-8 sequence.
    pub utf8_multibyte: bool,
}

impl TextScan {
    pub fn feed(&mut self, bytes: &[u8]) {
        if let Some(i) = memchr::memchr(0, bytes) {
            self.first_nul.get_or_insert(self.offset + i as u64);
            self.nul_count += memchr::memchr_iter(0, &bytes[i..]).count() as u64;
        }
        if self.first_invalid_utf8.is_none() || !self.utf8_multibyte {
            let joined;
            let buf: &[u8] = if self.carry.is_empty() {
                bytes
            } else {
                joined = [self.carry.as_slice(), bytes].concat();
                &joined
            };
            let base = self.offset - self.carry.len() as u64;
            self.carry.clear();
            let mut pos = 0;
            loop {
                match std::str::from_utf8(&buf[pos..]) {
                    Ok(s) => {
                        self.utf8_multibyte |= !s.is_ascii();
                        break;
                    }
                    Err(e) => {
                        let valid = e.valid_up_to();
                        self.utf8_multibyte |= !buf[pos..pos + valid].is_ascii();
                        let Some(len) = e.error_len() else {
                            self.carry.extend_from_slice(&buf[pos + valid..]);
                            break;
                        };
                        self.first_invalid_utf8.get_or_insert(base + (pos + valid) as u64);
                        if self.utf8_multibyte {
                            break;
                        }
                        pos += valid + len;
                    }
                }
            }
        }
        self.offset += bytes.len() as u64;
    }

    /// Call at the end of the input: an unfinished sequence there is not UTF-8.
    pub fn finish(&mut self) {
        if !self.carry.is_empty() {
            self.first_invalid_utf8.get_or_insert(self.offset - self.carry.len() as u64);
            self.carry.clear();
        }
    }

    /// UTF-8 accents and non-UTF-8 bytes in the same file.
    pub fn mixed_encoding(&self) -> bool {
        self.utf8_multibyte && self.first_invalid_utf8.is_some()
    }
}

/// chardet's UTF-8 recogniser as a streaming state machine.
#[derive(Clone, Debug, Default)]
pub struct Utf8Recogniser {
    started: bool,
    has_bom: bool,
    head: Vec<u8>,
    valid: u64,
    invalid: u64,
    /// Trail bytes still expected for the current sequence.
    trail: u8,
    stopped: bool,
}

impl Utf8Recogniser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk of bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.head.len() < 3 {
            let n = (3 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
        }
        if !self.started && self.head.len() >= 3 {
            self.has_bom = self.head[..3] == [0xEF, 0xBB, 0xBF];
            self.started = true;
        }
        if self.stopped {
            return;
        }
        let mut i = 0;
        while i < bytes.len() {
            // ASCII runs, 16 bytes at a time, between sequences: nothing to count.
            if self.trail == 0 {
                while i + 16 <= bytes.len() && bytes[i..i + 16].is_ascii() {
                    i += 16;
                }
                if i >= bytes.len() {
                    break;
                }
            }
            let b = bytes[i];
            i += 1;
            if self.trail > 0 {
                if b & 0xC0 == 0x80 {
                    self.trail -= 1;
                    if self.trail == 0 {
                        self.valid += 1;
                    }
                    continue;
                }
                // A non-continuation byte ends the sequence as invalid; chardet then moves
                // past it without looking at it as a lead byte.
                self.invalid += 1;
                self.trail = 0;
                continue;
            }
            if b & 0x80 == 0 {
                continue;
            }
            if b & 0xE0 == 0xC0 {
                self.trail = 1;
            } else if b & 0xF0 == 0xE0 {
                self.trail = 2;
            } else if b & 0xF8 == 0xF0 {
                self.trail = 3;
            } else {
                self.invalid += 1;
                if self.invalid > 5 {
                    self.stopped = true;
                    return;
                }
                // chardet sets trailBytes = 0 then reads the next byte: a continuation byte
                // decrements to -1 (never 0) so the loop goes on consuming continuation bytes
                // until a non-continuation byte, counted invalid.
                self.trail = u8::MAX;
            }
        }
    }

    /// chardet's confidence, `None` when it would not even list UTF-8.
    pub fn confidence(&self) -> Option<u8> {
        let (valid, invalid) = (self.valid, self.invalid);
        let has_bom = self.has_bom;
        Some(if has_bom && invalid == 0 {
            100
        } else if has_bom && valid > invalid * 10 {
            80
        } else if valid > 3 && invalid == 0 {
            100
        } else if valid > 0 && invalid == 0 {
            80
        } else if valid == 0 && invalid == 0 {
            10
        } else if valid > invalid * 10 {
            25
        } else {
            return None;
        })
    }

    /// The decision of the reference: UTF-8, Windows-1252, or a refusal for UTF-16/32.
    pub fn decide(&self) -> Result<Encoding, Refusal> {
        if matches!(self.confidence(), Some(c) if c >= 80 || c == 10) {
            return Ok(Encoding::Utf8);
        }
        match self.head.as_slice() {
            [0xFF, 0xFE, 0, 0, ..] => Err(Refusal::UnsupportedEncoding("UTF-32LE")),
            [0, 0, 0xFE, 0xFF, ..] => Err(Refusal::UnsupportedEncoding("UTF-32BE")),
            [0xFF, 0xFE, ..] => Err(Refusal::UnsupportedEncoding("UTF-16LE")),
            [0xFE, 0xFF, ..] => Err(Refusal::UnsupportedEncoding("UTF-16BE")),
            _ => Ok(Encoding::Windows1252),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(bytes: &[u8]) -> Result<Encoding, Refusal> {
        let mut r = Utf8Recogniser::new();
        // Feed in odd-sized chunks to exercise the streaming state.
        for chunk in bytes.chunks(3) {
            r.feed(chunk);
        }
        r.decide()
    }

    #[test]
    fn encodings() {
        assert_eq!(decide(b"numero;voie_nom\n1;rue"), Ok(Encoding::Utf8));
        assert_eq!(decide("entrée".as_bytes()), Ok(Encoding::Utf8));
        assert_eq!(decide(b"entr\xe9e"), Ok(Encoding::Windows1252));
        assert_eq!(decide(b""), Ok(Encoding::Utf8));
        assert_eq!(decide(b"\xff\xfen\0u\0"), Err(Refusal::UnsupportedEncoding("UTF-16LE")));
    }

    fn scan(bytes: &[u8], chunk: usize) -> TextScan {
        let mut s = TextScan::default();
        for c in bytes.chunks(chunk) {
            s.feed(c);
        }
        s.finish();
        s
    }

    #[test]
    fn text_scan_finds_nul_and_mixed_encodings_across_chunks() {
        let mixed = "a;é\n1;Pr\u{e9}".as_bytes().iter().copied().chain(*b"\n2;Pr\xe9\0\n");
        let mixed: Vec<u8> = mixed.collect();
        for chunk in [1, 2, 3, 1000] {
            let s = scan(&mixed, chunk);
            assert!(s.mixed_encoding(), "{chunk}");
            assert_eq!(s.first_invalid_utf8, Some(mixed.len() as u64 - 3));
            assert_eq!((s.first_nul, s.nul_count), (Some(mixed.len() as u64 - 2), 1));
        }
        // Latin-1 only, or UTF-8 only: not mixed.
        assert!(!scan(b"a;Pr\xe9\n", 2).mixed_encoding());
        assert!(!scan("a;Pré\n".as_bytes(), 2).mixed_encoding());
        // A sequence cut by the end of the input.
        assert_eq!(scan(b"ab\xc3", 1).first_invalid_utf8, Some(2));
    }

    #[test]
    fn magic() {
        assert_eq!(binary_kind(&[0x1F, 0x8B, 0x08, 0]), Some("gzip"));
        assert_eq!(binary_kind(b"PK\x03\x04"), Some("zip"));
        assert_eq!(binary_kind(b"cle_interop;numero"), None);
    }
}
