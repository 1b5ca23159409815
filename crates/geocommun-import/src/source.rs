//! Where an import reads from: a local file or an http(s) URL, gzip-compressed or not.

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use flate2::bufread::MultiGzDecoder;

use crate::error::{ImportError, Result};

/// Read buffer of the raw (compressed) stream and of the decompressed text.
const BUFFER_BYTES: usize = 256 * 1024;
/// How long to wait for a server to accept the connection / answer the request. Reading the
/// body has no global limit: a France file takes minutes on a slow line.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const RESPONSE_TIMEOUT: Duration = Duration::from_mins(2);
/// A stalled download is given up after this long without a byte.
const READ_TIMEOUT: Duration = Duration::from_mins(2);

/// An input file: a local path or an `http://` / `https://` URL (for instance
/// `https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/adresses-75.csv.gz`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Path(PathBuf),
    Url(String),
}

impl Source {
    /// `http://…` and `https://…` are URLs, anything else a path.
    pub fn parse(s: &str) -> Self {
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Self::Url(s.to_owned())
        } else {
            Self::Path(PathBuf::from(s))
        }
    }

    /// The file name used in messages (`adresses-75.csv.gz`).
    pub fn file_name(&self) -> String {
        match self {
            Self::Path(p) => p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            Self::Url(u) => {
                let path = u.split(['?', '#']).next().unwrap_or(u);
                match path.rsplit('/').next() {
                    Some(last) if !last.is_empty() => last.to_owned(),
                    _ => u.clone(),
                }
            }
        }
    }

    /// Opens the raw byte stream, with its size when known (file size or `Content-Length`).
    pub(crate) fn open(&self) -> Result<(Box<dyn Read>, Option<u64>)> {
        match self {
            Self::Path(path) => {
                let file = File::open(path).map_err(|source| ImportError::Io {
                    file: path.display().to_string(),
                    source,
                })?;
                let len = file.metadata().ok().map(|m| m.len());
                Ok((Box::new(file), len))
            }
            Self::Url(url) => open_url(url),
        }
    }
}

impl From<PathBuf> for Source {
    fn from(p: PathBuf) -> Self {
        Self::Path(p)
    }
}

impl From<&Path> for Source {
    fn from(p: &Path) -> Self {
        Self::Path(p.to_path_buf())
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(p) => p.display().fmt(f),
            Self::Url(u) => f.write_str(u),
        }
    }
}

fn open_url(url: &str) -> Result<(Box<dyn Read>, Option<u64>)> {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .user_agent(concat!("geocommun-import/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let response = agent.get(url).call().map_err(|e| ImportError::Http {
        url: url.to_owned(),
        reason: match e {
            ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
            other => other.to_string(),
        },
    })?;
    let total = response.body().content_length();
    Ok((Box::new(response.into_body().into_reader()), total))
}

/// Counts the bytes read from the raw stream (compressed bytes for a `.gz`), for progress.
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R> CountingReader<R> {
    pub(crate) fn new(inner: R) -> (Self, Rc<Cell<u64>>) {
        let count = Rc::new(Cell::new(0));
        (Self { inner, count: Rc::clone(&count) }, count)
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// The decompressed text of a raw stream: gzip is recognised by its magic bytes (not by the
/// file name), concatenated gzip members are read through.
pub(crate) fn decompressed(mut raw: impl Read + 'static) -> io::Result<Box<dyn BufRead>> {
    let mut head = [0_u8; 2];
    let mut n = 0;
    while n < head.len() {
        match raw.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let is_gzip = n == 2 && head == [0x1f, 0x8b];
    let buffered =
        BufReader::with_capacity(BUFFER_BYTES, io::Cursor::new(head[..n].to_vec()).chain(raw));
    if is_gzip {
        Ok(Box::new(BufReader::with_capacity(BUFFER_BYTES, MultiGzDecoder::new(buffered))))
    } else {
        Ok(Box::new(buffered))
    }
}
