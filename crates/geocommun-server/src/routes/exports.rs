//! Exports of the national base (issue #6): `GET /exports/france`,
//! `GET /exports/departements/{code}`, `GET /exports/communes/{code}`, with `format=ban`
//! (default), `ban-with-ids`, `bal`, `geojson` or `addok`, and `date=YYYY-MM-DD` for the base
//! as it was that day. The body is gzip, streamed as it is made (a France export never sits in
//! memory); the `X-Feed-Cursor` header gives the feed cursor it matches.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use geocommun_export::{ExportWriter, Format, Scope, base};
use geocommun_model::CodeInsee;
use geocommun_store::Timestamp;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::routes::feed::end_of_day;
use crate::routes::publication::PublicationError;

/// Response header: the feed cursor the export matches.
pub const CURSOR_HEADER: HeaderName = HeaderName::from_static("x-feed-cursor");

/// Chunks in flight between the exporting thread and the connection.
const CHANNEL_CHUNKS: usize = 16;

/// Sends what the export writes to the response body, chunk by chunk.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    const CHUNK: usize = 256 * 1024;

    fn send(&mut self) -> std::io::Result<()> {
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(Self::CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= Self::CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() { Ok(()) } else { self.send() }
    }
}

fn parse_query(raw: Option<&str>) -> Result<(Format, Option<(String, i64)>), ApiError> {
    let mut format = Format::BanCsv;
    let mut date = None;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "format" => {
                format =
                    v.parse().map_err(|e: String| ApiError::invalid(format!("format: {e}")))?;
            }
            "date" => date = Some((v.to_string(), end_of_day(&v)?)),
            _ => {}
        }
    }
    Ok((format, date))
}

async fn export(
    state: AppState,
    scope: Scope,
    raw: Option<String>,
) -> Result<Response, PublicationError> {
    let (format, date) = parse_query(raw.as_deref())?;
    let (cursor, bal) = match state.store() {
        Some(store) => base::bal_communes(&store, &scope, date.as_ref().map(|d| Timestamp(d.1)))
            .await
            .map_err(|e| match e {
                geocommun_export::Error::Store(e) => PublicationError::from(e),
                other => {
                    tracing::error!(error = %other, "export failed");
                    ApiError::internal().into()
                }
            })?,
        None => (0, std::collections::BTreeMap::default()),
    };
    let fallback = state.fallback();
    if fallback.is_none() && bal.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!(
                "nothing to export for {}: the server has no fallback files and no published BAL there",
                scope.name()
            ),
        )
        .into());
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_CHUNKS);
    let name = format.file_name(scope.name());
    let error_tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let run = || -> Result<(), geocommun_export::Error> {
            let out = ChannelWriter { tx, buf: Vec::with_capacity(ChannelWriter::CHUNK) };
            let mut w = ExportWriter::new(format, cursor, out)?;
            base::stream(fallback.as_deref(), &scope, bal, &mut |c| w.push(c))?;
            let (_, stats) = w.finish()?;
            tracing::info!(
                scope = scope.name(),
                format = format.as_str(),
                rows = stats.rows,
                bytes = stats.bytes,
                "export streamed"
            );
            Ok(())
        };
        if let Err(e) = run() {
            // The status line is gone: cut the body so that the client sees a broken download.
            tracing::warn!(scope = scope.name(), "export stopped: {e}");
            let _ = error_tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/gzip")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(|_| ApiError::internal())?,
            ),
            (CURSOR_HEADER, HeaderValue::from(cursor)),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The whole national base.
#[utoipa::path(get, path = "/exports/france", tag = "data",
    params(
        ("format" = Option<String>, Query, description = "ban (default: the BAN CSV layout), ban-with-ids, bal (BAL 1.4), geojson, addok (NDJSON)"),
        ("date" = Option<String>, Query, description = "YYYY-MM-DD: the base as it was at the end of that day"),
    ),
    responses(
        (status = 200, description = "gzip file; X-Feed-Cursor: the feed cursor it matches", content_type = "application/gzip", body = Vec<u8>),
        (status = 400, body = crate::error::ErrorBody),
    ))]
pub async fn france(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PublicationError> {
    export(state, Scope::France, raw).await
}

/// One département.
#[utoipa::path(get, path = "/exports/departements/{code}", tag = "data",
    params(("code" = String, Path, description = "01, 2A, 971…"), ("format" = Option<String>, Query), ("date" = Option<String>, Query)),
    responses(
        (status = 200, description = "gzip file; X-Feed-Cursor: the feed cursor it matches", content_type = "application/gzip", body = Vec<u8>),
        (status = 400, body = crate::error::ErrorBody),
    ))]
pub async fn departement(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PublicationError> {
    let d = code.trim().to_uppercase();
    if !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            ApiError::invalid(format!("`{code}` is not a département code (01, 2A, 971)")).into()
        );
    }
    export(state, Scope::Departement(d), raw).await
}

/// One commune.
#[utoipa::path(get, path = "/exports/communes/{code}", tag = "data",
    params(("code" = String, Path, description = "INSEE code"), ("format" = Option<String>, Query), ("date" = Option<String>, Query)),
    responses(
        (status = 200, description = "gzip file; X-Feed-Cursor: the feed cursor it matches", content_type = "application/gzip", body = Vec<u8>),
        (status = 400, body = crate::error::ErrorBody),
    ))]
pub async fn commune(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PublicationError> {
    let c = CodeInsee::parse(&code).map_err(|_| {
        ApiError::invalid(format!("`{code}` is not an INSEE code (5 characters, e.g. 71346)"))
    })?;
    export(state, Scope::Commune(c), raw).await
}
