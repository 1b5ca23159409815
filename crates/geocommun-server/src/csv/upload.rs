//! Receiving a multipart CSV upload: the `data` part is written, as it arrives, to a spool
//! (memory up to a threshold, then a temporary file), while its bytes are checked (UTF-8
//! validity, binary content); the other parts are the options, which may come before or
//! after the file (curl sends them in command-line order, `data` often first).

use std::io::Write;
use std::time::Duration;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use tempfile::SpooledTempFile;

use crate::config::ServerConfig;
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Largest option part (`columns`, `postcode`, …) in bytes.
const OPTION_MAX_BYTES: usize = 64 * 1024;
/// Most option parts in one form.
const OPTION_MAX_PARTS: usize = 1_000;

/// The options of a CSV job, as given in the form (or by the command line); validated later
/// against the file's header.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    pub columns: Vec<String>,
    pub result_columns: Vec<String>,
    pub postcode: Option<String>,
    pub citycode: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub types: Vec<String>,
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    pub with_bom: Option<String>,
    /// Reverse geocoding (`/reverse/csv/`) instead of search; used by `geocode_file`.
    pub reverse: bool,
    /// Rows per chunk; used by `geocode_file` (the server uses its configuration).
    pub chunk_rows: Option<usize>,
}

/// What was learnt about the bytes of the file while receiving it.
#[derive(Debug, Default)]
pub struct ByteStats {
    pub len: u64,
    /// The first bytes (for a byte-order mark).
    pub head: Vec<u8>,
    utf8_invalid: bool,
    carry: Vec<u8>,
    pub nul: u64,
    /// C0 control bytes other than tab, line feed, form feed, carriage return.
    pub controls: u64,
}

impl ByteStats {
    pub fn feed(&mut self, chunk: &[u8]) {
        self.len += chunk.len() as u64;
        if self.head.len() < 4 {
            let n = (4 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
        for &b in chunk {
            if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c) {
                if b == 0 {
                    self.nul += 1;
                }
                self.controls += 1;
            }
        }
        if self.utf8_invalid {
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            let mut v = std::mem::take(&mut self.carry);
            v.extend_from_slice(chunk);
            joined = v;
            &joined
        };
        if let Err(e) = std::str::from_utf8(bytes) {
            if e.error_len().is_some() {
                self.utf8_invalid = true;
            } else {
                // A character cut between two chunks: validate it with the next one.
                self.carry = bytes[e.valid_up_to()..].to_vec();
            }
        }
    }

    /// Whether the whole file is valid UTF-8.
    pub fn is_utf8(&self) -> bool {
        !self.utf8_invalid && self.carry.is_empty()
    }
}

/// A received upload.
pub struct Upload {
    pub spool: SpooledTempFile,
    pub stats: ByteStats,
    pub file_name: Option<String>,
    pub options: CsvOptions,
}

fn multipart_error(e: &MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the upload is too large: {}", e.body_text()),
        )
    } else {
        ApiError::new(
            ErrorCode::InvalidBody,
            format!(
                "the multipart form cannot be read ({}): send the file with curl -F data=@file.csv",
                e.body_text()
            ),
        )
    }
}

fn stalled() -> ApiError {
    ApiError::new(
        ErrorCode::Timeout,
        "the upload stalled: no data was received for too long; send the file again",
    )
}

async fn next_or_stall<T>(
    idle: Duration,
    f: impl Future<Output = Result<T, MultipartError>>,
) -> ApiResult<T> {
    match tokio::time::timeout(idle, f).await {
        Ok(r) => r.map_err(|e| multipart_error(&e)),
        Err(_) => Err(stalled()),
    }
}

/// Reads the whole form: spools `data`, collects the options.
pub async fn receive(mut mp: Multipart, cfg: &ServerConfig) -> ApiResult<Upload> {
    let idle = cfg.csv_idle_timeout;
    let mut options = CsvOptions::default();
    let mut data: Option<(SpooledTempFile, ByteStats, Option<String>)> = None;
    let mut parts = 0usize;
    while let Some(mut field) = next_or_stall(idle, mp.next_field()).await? {
        parts += 1;
        if parts > OPTION_MAX_PARTS {
            return Err(ApiError::invalid(format!(
                "the form has more than {OPTION_MAX_PARTS} parts"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == "data" {
            if data.is_some() {
                return Err(ApiError::invalid(
                    "the form has two `data` parts: send one CSV file per request",
                ));
            }
            let file_name = field.file_name().map(str::to_owned);
            let mut spool = match &cfg.csv_tmp_dir {
                Some(dir) => SpooledTempFile::new_in(cfg.csv_spool_memory_bytes, dir),
                None => SpooledTempFile::new(cfg.csv_spool_memory_bytes),
            };
            let mut stats = ByteStats::default();
            while let Some(chunk) = next_or_stall(idle, field.chunk()).await? {
                stats.feed(&chunk);
                if stats.len > cfg.csv_max_bytes {
                    return Err(ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        format!(
                            "the CSV file is larger than the maximum of {} bytes: split it into smaller files",
                            cfg.csv_max_bytes
                        ),
                    ));
                }
                spool.write_all(&chunk).map_err(|e| {
                    tracing::error!(error = %e, "cannot spool an upload");
                    ApiError::internal()
                })?;
            }
            data = Some((spool, stats, file_name));
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = next_or_stall(idle, field.chunk()).await? {
                value.extend_from_slice(&chunk);
                if value.len() > OPTION_MAX_BYTES {
                    return Err(ApiError::invalid(format!(
                        "the form field `{name}` is longer than {OPTION_MAX_BYTES} bytes: is the file in a field other than `data`?"
                    )));
                }
            }
            let value = String::from_utf8(value).map_err(|_| {
                ApiError::invalid(format!("the form field `{name}` is not UTF-8 text"))
            })?;
            let value = value.trim().to_owned();
            match name.as_str() {
                "columns" if !value.is_empty() => options.columns.push(value),
                "result_columns" if !value.is_empty() => options.result_columns.push(value),
                "postcode" if !value.is_empty() => options.postcode = Some(value),
                "citycode" if !value.is_empty() => options.citycode = Some(value),
                "lat" | "latitude" if !value.is_empty() => options.lat = Some(value),
                "lon" | "lng" | "longitude" if !value.is_empty() => options.lon = Some(value),
                "type" if !value.is_empty() => options.types.push(value),
                "delimiter" if !value.is_empty() => options.delimiter = Some(value),
                "encoding" if !value.is_empty() => options.encoding = Some(value),
                "with_bom" if !value.is_empty() => options.with_bom = Some(value),
                _ => {} // unknown fields are ignored, as api-adresse does
            }
        }
    }
    let Some((spool, stats, file_name)) = data else {
        return Err(ApiError::invalid(
            "the CSV file is missing: send it in a multipart field named `data`, e.g. curl -F data=@adresses.csv",
        ));
    };
    Ok(Upload { spool, stats, file_name, options })
}

#[cfg(test)]
mod tests {
    use super::ByteStats;

    #[test]
    fn utf8_split_across_chunks_is_valid() {
        let s = "é".repeat(10);
        let b = s.as_bytes();
        let mut st = ByteStats::default();
        st.feed(&b[..3]);
        st.feed(&b[3..]);
        assert!(st.is_utf8());
    }

    #[test]
    fn latin1_is_not_utf8() {
        let mut st = ByteStats::default();
        st.feed(b"caf\xe9;x\n");
        assert!(!st.is_utf8());
        assert_eq!(st.controls, 0);
    }

    #[test]
    fn truncated_utf8_at_the_end_is_invalid() {
        let mut st = ByteStats::default();
        st.feed(b"ab\xc3");
        assert!(!st.is_utf8());
    }
}
