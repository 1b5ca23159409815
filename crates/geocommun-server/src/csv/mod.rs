//! `POST /search/csv/` and `POST /reverse/csv/`: streaming CSV geocoding.
//!
//! 1. The multipart form is read as it arrives; the file goes to a spool (memory, then a
//!    temporary file), so options may come after it and memory stays flat ([`upload`]).
//! 2. On the blocking pool: the encoding and the delimiter are detected ([`sniff`]), the
//!    header is read and the options validated against it ([`job`]); a problem is a 400
//!    before any output.
//! 3. A blocking task reads rows in chunks, geocodes each chunk in parallel (rayon), writes
//!    it as CSV and sends it to the response body through a small bounded channel: the
//!    output streams while the file is read, and a client that goes away stops the work.

pub mod job;
pub mod sniff;
pub mod upload;

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write as _};
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use encoding_rs_io::DecodeReaderBytesBuilder;
use rayon::prelude::*;
use tokio::sync::mpsc;

use geocommun_search::Engine;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::metrics::Metrics;
use crate::params::bool_value;
use crate::state::AppState;
use job::{Job, Operation, Outcome, Status};
use sniff::SourceEncoding;
pub use upload::CsvOptions;
use upload::{ByteStats, Upload};

/// Decoded bytes looked at to detect the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;
/// Chunks of output waiting to be sent: bounds memory when the client reads slowly.
const CHANNEL_CHUNKS: usize = 2;
/// Rows per chunk of [`geocode_file`] when not given.
const DEFAULT_CHUNK_ROWS: usize = 2_000;
/// Rows geocoded and written by one task of a chunk.
const WRITE_SLICE_ROWS: usize = 128;

/// Geocode a CSV file, one row at a time.
#[utoipa::path(
    post,
    path = "/search/csv/",
    tag = "csv",
    request_body(content = CsvSearchForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The input rows (same delimiter, UTF-8) with the result columns added; streamed", content_type = "text/csv", body = String),
        (status = 400, description = "Missing `data`, unknown column, invalid option, binary file", body = crate::error::ErrorBody),
        (status = 413, description = "File over the configured maximum", body = crate::error::ErrorBody),
        (status = 415, description = "Not a multipart form", body = crate::error::ErrorBody),
    )
)]
pub async fn search_csv(
    State(state): State<AppState>,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    handle(state, mp, Operation::Search).await
}

/// Reverse-geocode a CSV file with latitude and longitude columns.
#[utoipa::path(
    post,
    path = "/reverse/csv/",
    tag = "csv",
    request_body(content = CsvReverseForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The input rows with the reverse result columns added; streamed", content_type = "text/csv", body = String),
        (status = 400, description = "Missing `data`, no coordinate columns, invalid option, binary file", body = crate::error::ErrorBody),
        (status = 413, description = "File over the configured maximum", body = crate::error::ErrorBody),
        (status = 415, description = "Not a multipart form", body = crate::error::ErrorBody),
    )
)]
pub async fn reverse_csv(
    State(state): State<AppState>,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    handle(state, mp, Operation::Reverse).await
}

type Rows = csv::Reader<io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + Send>>>;

/// A job ready to run.
struct Prepared {
    rows: Rows,
    job: Job,
    /// The header line of the output (with a BOM when asked).
    head: Vec<u8>,
    delimiter: u8,
    crlf: bool,
}

async fn handle(
    state: AppState,
    mp: Result<Multipart, MultipartRejection>,
    op: Operation,
) -> ApiResult<Response> {
    let mp = mp.map_err(|e| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "the body must be a multipart/form-data form with the CSV file in a `data` field ({e}): \
                 e.g. curl -F data=@adresses.csv"
            ),
        )
    })?;
    let upload = upload::receive(mp, state.config()).await?;
    let file_name = download_name(upload.file_name.as_deref());
    let prepared = tokio::task::spawn_blocking(move || {
        let Upload { mut spool, stats, options, .. } = upload;
        spool.seek(SeekFrom::Start(0)).map_err(|e| io_error(&e))?;
        prepare(Box::new(spool), &stats, &options, op)
    })
    .await
    .map_err(|_| ApiError::internal())??;

    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(CHANNEL_CHUNKS);
    let chunk_rows = state.config().csv_chunk_rows.max(1);
    tokio::task::spawn_blocking(move || produce(prepared, &state, chunk_rows, &tx));
    // `poll_fn` over the receiver may be polled again after its end (the compression layer
    // does), unlike `unfold`.
    let mut rx = rx;
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));

    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&file_name)) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

fn io_error(e: &io::Error) -> ApiError {
    tracing::error!(error = %e, "cannot read a CSV source");
    ApiError::internal()
}

/// Detects the encoding and the delimiter, reads the header and validates the options.
/// `stats` describe every byte of `source` (read once before).
fn prepare(
    source: Box<dyn Read + Send>,
    stats: &ByteStats,
    options: &CsvOptions,
    op: Operation,
) -> ApiResult<Prepared> {
    let source_enc: SourceEncoding = sniff::encoding(stats, options.encoding.as_deref())?;
    let mut decoded: Box<dyn Read + Send> = Box::new(
        DecodeReaderBytesBuilder::new()
            .encoding(source_enc.encoding)
            .utf8_passthru(source_enc.encoding.is_none())
            .bom_override(true)
            .strip_bom(true)
            .build(source),
    );
    let mut sample = Vec::new();
    (&mut decoded).take(SNIFF_BYTES).read_to_end(&mut sample).map_err(|e| io_error(&e))?;
    let delimiter = match options.delimiter.as_deref() {
        Some(d) => sniff::parse_delimiter(d)?,
        None => sniff::detect_delimiter(&sample),
    };
    let crlf = sniff::uses_crlf(&sample);
    let mut rows = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(io::Cursor::new(sample).chain(decoded));
    let mut header = csv::ByteRecord::new();
    let got = rows.read_byte_record(&mut header).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidCsv,
            format!("the header line of the CSV file cannot be read: {e}"),
        )
    })?;
    if !got || header.iter().all(<[u8]>::is_empty) {
        return Err(ApiError::new(
            ErrorCode::InvalidCsv,
            "the CSV file has no header line: its first line must name the columns",
        ));
    }
    let names: Vec<String> =
        header.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let job = Job::new(op, &names, options)?;

    let with_bom = match options.with_bom.as_deref() {
        Some(v) => bool_value(v)
            .ok_or_else(|| ApiError::invalid("with_bom must be 1 or 0 (or true/false)"))?,
        None => source_enc.bom,
    };
    let mut head = Vec::new();
    if with_bom {
        head.extend_from_slice(b"\xEF\xBB\xBF");
    }
    {
        let mut w = writer(delimiter, crlf, &mut head);
        for f in &header {
            w.write_field(f).map_err(|_| ApiError::internal())?;
        }
        for name in job.out_names() {
            w.write_field(name).map_err(|_| ApiError::internal())?;
        }
        w.write_record(None::<&[u8]>).map_err(|_| ApiError::internal())?;
        w.flush().map_err(|e| io_error(&e))?;
    }
    tracing::debug!(encoding = source_enc.name(), delimiter = %(delimiter as char), columns = names.len(), "csv job ready");
    Ok(Prepared { rows, job, head, delimiter, crlf })
}

fn writer<W: io::Write>(delimiter: u8, crlf: bool, w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(w)
}

/// Runs on the blocking pool until the file is done or the client is gone.
fn produce(p: Prepared, state: &AppState, chunk_rows: usize, tx: &mpsc::Sender<io::Result<Bytes>>) {
    let r = run(
        p,
        || state.engine(),
        chunk_rows,
        Some(state.metrics()),
        |bytes| tx.blocking_send(Ok(Bytes::from(bytes))).is_ok(),
    );
    if let Err(e) = r {
        tracing::error!(error = %e, "csv geocoding failed mid-stream");
        let _ = tx.blocking_send(Err(e));
    }
}

/// Reads rows in chunks, geocodes each chunk in parallel (rayon), writes it as CSV and hands
/// it to `emit` (which answers `false` to stop: the client is gone). The engine is taken
/// afresh for each chunk, so a swapped engine applies from the next chunk. Returns the rows.
fn run(
    p: Prepared,
    engine: impl Fn() -> Arc<Engine>,
    chunk_rows: usize,
    metrics: Option<&Metrics>,
    mut emit: impl FnMut(Vec<u8>) -> bool,
) -> io::Result<u64> {
    let Prepared { mut rows, job, head, delimiter, crlf } = p;
    if !emit(head) {
        return Ok(0);
    }
    let op = job.op.as_str();
    let chunk_rows = chunk_rows.max(1);
    let mut total = 0u64;
    let mut chunk: Vec<csv::ByteRecord> = Vec::with_capacity(chunk_rows);
    loop {
        chunk.clear();
        let mut done = false;
        while chunk.len() < chunk_rows {
            let mut rec = csv::ByteRecord::new();
            if rows
                .read_byte_record(&mut rec)
                .map_err(|e| io::Error::other(format!("reading the CSV file failed: {e}")))?
            {
                chunk.push(rec);
            } else {
                done = true;
                break;
            }
        }
        if !chunk.is_empty() {
            let engine = engine();
            // Geocoded and written in parallel, slice by slice, each slice into its own buffer;
            // the buffers are joined in order.
            let parts = chunk
                .par_chunks(WRITE_SLICE_ROWS)
                .map(|rows| -> io::Result<(Vec<u8>, [u64; 4])> {
                    let mut counts = [0u64; 4];
                    let mut out = Vec::with_capacity(rows.len() * 256);
                    let mut w = writer(delimiter, crlf, &mut out);
                    for rec in rows {
                        let o = job.process_guarded(&engine, rec);
                        counts[o.status.index()] += 1;
                        write_row(&mut w, &job, rec, &o, delimiter).map_err(io::Error::other)?;
                    }
                    w.flush()?;
                    drop(w);
                    Ok((out, counts))
                })
                .collect::<io::Result<Vec<_>>>()?;
            let mut counts = [0u64; 4];
            let mut out = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
            for (bytes, c) in &parts {
                out.extend_from_slice(bytes);
                counts.iter_mut().zip(c).for_each(|(a, b)| *a += b);
            }
            if let Some(m) = metrics {
                for st in Status::ALL {
                    m.add_csv_rows(op, st.as_str(), counts[st.index()]);
                }
            }
            total += chunk.len() as u64;
            if !emit(out) {
                tracing::debug!("csv consumer went away; stopping");
                return Ok(total);
            }
        }
        if done {
            return Ok(total);
        }
    }
}

/// Why [`geocode_file`] failed.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The file or the options are invalid (the same messages as the HTTP routes).
    #[error("{}", .0.message)]
    Invalid(#[from] ApiError),
}

/// Geocodes a CSV file into another, exactly as `POST /search/csv/` (or `/reverse/csv/` with
/// `opts.reverse`) would answer it, for the command line. Returns the number of rows.
pub fn geocode_file(
    engine: &Engine,
    input: &Path,
    output: &Path,
    opts: &CsvOptions,
) -> Result<u64, CsvError> {
    let mut stats = ByteStats::default();
    let mut f = File::open(input)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        stats.feed(&buf[..n]);
    }
    let op = if opts.reverse { Operation::Reverse } else { Operation::Search };
    let prepared = prepare(Box::new(BufReader::new(File::open(input)?)), &stats, opts, op)?;
    let mut out = BufWriter::new(File::create(output)?);
    let engine = Arc::new(engine.clone());
    let mut write_error = None;
    let rows = run(
        prepared,
        || Arc::clone(&engine),
        opts.chunk_rows.unwrap_or(DEFAULT_CHUNK_ROWS),
        None,
        |bytes| match out.write_all(&bytes) {
            Ok(()) => true,
            Err(e) => {
                write_error = Some(e);
                false
            }
        },
    )?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    out.flush()?;
    Ok(rows)
}

/// Writes the input fields (a short row padded, extra fields of a long row kept in its last
/// column, so the output stays rectangular and nothing is lost) and the added columns.
fn write_row<W: io::Write>(
    w: &mut csv::Writer<W>,
    job: &Job,
    rec: &csv::ByteRecord,
    o: &Outcome,
    delimiter: u8,
) -> csv::Result<()> {
    let n = job.header_len;
    if rec.len() <= n {
        for f in rec {
            w.write_field(f)?;
        }
        for _ in rec.len()..n {
            w.write_field(b"")?;
        }
    } else {
        for f in rec.iter().take(n.saturating_sub(1)) {
            w.write_field(f)?;
        }
        let rest: Vec<&[u8]> = rec.iter().skip(n.saturating_sub(1)).collect();
        w.write_field(rest.join(&delimiter))?;
    }
    let all = job.op.columns();
    for &i in &job.out {
        w.write_field(job::value(all[i], o).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

/// `<name>.geocoded.csv` from the uploaded file name, without directories and extension.
fn download_name(file_name: Option<&str>) -> String {
    let base = file_name.and_then(|n| n.rsplit(['/', '\\']).next()).unwrap_or("").trim();
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    if stem.is_empty() { "geocoded.csv".to_owned() } else { format!("{stem}.geocoded.csv") }
}

/// `attachment; filename="…"` with an ASCII fallback, plus `filename*` (RFC 6266) when the
/// name is not plain ASCII.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    if ascii == name {
        return format!("attachment; filename=\"{ascii}\"");
    }
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Form of `/search/csv/` (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CsvSearchForm {
    /// The CSV file (UTF-8, UTF-8 with BOM, Windows-1252/Latin-1 or UTF-16 with BOM; `,` `;`
    /// `|` or tab, detected).
    #[schema(value_type = String, format = Binary)]
    data: String,
    /// Columns concatenated into the query (repeat the field; default: all columns).
    columns: Option<Vec<String>>,
    /// Column holding a postcode filter per row.
    postcode: Option<String>,
    /// Column holding an INSEE code filter per row.
    citycode: Option<String>,
    /// Column holding a latitude to bias each row (with `lon`).
    lat: Option<String>,
    /// Column holding a longitude to bias each row (with `lat`).
    lon: Option<String>,
    /// Result types for every row (housenumber, street, locality, municipality).
    #[schema(rename = "type")]
    kind: Option<String>,
    /// Added columns to keep (repeat the field; default: all).
    result_columns: Option<Vec<String>>,
    /// Force the delimiter: `,` `;` `|` or `tab`.
    delimiter: Option<String>,
    /// Force the source encoding (a WHATWG label such as `windows-1252`).
    encoding: Option<String>,
    /// Start the output with a UTF-8 BOM (default: when the input had one).
    with_bom: Option<String>,
}

/// Form of `/reverse/csv/` (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CsvReverseForm {
    /// The CSV file, with latitude and longitude columns.
    #[schema(value_type = String, format = Binary)]
    data: String,
    /// Latitude column (default: `latitude` or `lat`).
    lat: Option<String>,
    /// Longitude column (default: `longitude`, `lon` or `lng`).
    lon: Option<String>,
    /// Column holding a postcode filter per row.
    postcode: Option<String>,
    /// Column holding an INSEE code filter per row.
    citycode: Option<String>,
    /// Result types for every row.
    #[schema(rename = "type")]
    kind: Option<String>,
    /// Added columns to keep (repeat the field; default: all).
    result_columns: Option<Vec<String>>,
    /// Force the delimiter: `,` `;` `|` or `tab`.
    delimiter: Option<String>,
    /// Force the source encoding.
    encoding: Option<String>,
    /// Start the output with a UTF-8 BOM.
    with_bom: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(download_name(Some("adresses.csv")), "adresses.geocoded.csv");
        assert_eq!(download_name(Some("C:\\tmp\\a.b.csv")), "a.b.geocoded.csv");
        assert_eq!(download_name(None), "geocoded.csv");
        assert_eq!(
            content_disposition("a.geocoded.csv"),
            "attachment; filename=\"a.geocoded.csv\""
        );
        assert_eq!(
            content_disposition("é.geocoded.csv"),
            "attachment; filename=\"_.geocoded.csv\"; filename*=UTF-8''%C3%A9.geocoded.csv"
        );
    }
}
