//! The change feed and the history of the commons (issue #6): `GET /feed` and
//! `GET /lookup/{id}/history` (with `?date=YYYY-MM-DD`: the version of that day).
//!
//! A reuser takes an export (which states its feed cursor), then reads `/feed?since=CURSOR`
//! page by page, applying each change by the replay rules of [`geocommun_store::feed`]; it
//! then holds exactly the current base.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use geocommun_store::{Change, FeedFilter, Record};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::routes::publication::{PublicationError, store};

/// Changes per page unless `limit` says otherwise.
const DEFAULT_LIMIT: u32 = 1_000;
/// Most changes per page.
const MAX_LIMIT: u32 = geocommun_store::limits::FEED_PAGE_MAX as u32;

/// Response header: the cursor to resume after this page.
pub const NEXT_HEADER: HeaderName = HeaderName::from_static("x-feed-next");
/// Response header: the newest change of the feed.
pub const HEAD_HEADER: HeaderName = HeaderName::from_static("x-feed-head");

/// One change, as the feed serves it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    /// The cursor of this change (1, 2, 3… without gaps).
    pub seq: i64,
    /// `commune.replaced`, `commune.republished`, `toponyme.created`, `toponyme.renamed`,
    /// `toponyme.changed`, `toponyme.retired`, `address.created`, `address.changed`,
    /// `address.retired`.
    pub kind: String,
    pub commune: String,
    pub departement: String,
    /// The object: a commune code, or a toponyme or address id (BAN UUID).
    pub id: String,
    /// The revision whose publication made the change.
    pub revision: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The object after the change; absent once retired.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Record>,
}

impl From<Change> for ChangeDto {
    fn from(c: Change) -> Self {
        Self {
            seq: c.seq,
            kind: c.kind.as_str().to_owned(),
            commune: c.commune,
            departement: c.departement,
            id: c.object_id,
            revision: c.revision.to_string(),
            at: rfc3339(c.at.as_millis()),
            data: c.data,
        }
    }
}

/// A page of the feed (`format=json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedDto {
    pub changes: Vec<ChangeDto>,
    /// Cursor to give as `since` for the next page.
    pub next: i64,
    /// The newest change of the whole feed: `next == head` means up to date.
    pub head: i64,
}

/// `ms` since the epoch as RFC 3339.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// The query parameters, each checked with a message saying what is expected.
struct FeedQuery {
    since: i64,
    limit: u32,
    filter: FeedFilter,
    jsonl: bool,
}

fn parse_feed_query(raw: Option<&str>) -> Result<FeedQuery, ApiError> {
    let mut q = FeedQuery { since: 0, limit: DEFAULT_LIMIT, filter: FeedFilter::All, jsonl: false };
    let mut problems = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "since" | "cursor" => match v.trim().parse::<i64>() {
                Ok(n) if n >= 0 => q.since = n,
                _ => problems.push(format!(
                    "since: `{v}` is not a cursor; give 0 (from the start) or the `next` of a page \
                     or the cursor of an export"
                )),
            },
            "limit" => match v.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => q.limit = n,
                _ => {
                    problems.push(format!("limit: `{v}` must be an integer from 1 to {MAX_LIMIT}"));
                }
            },
            "commune" | "citycode" => {
                if !matches!(q.filter, FeedFilter::All) {
                    problems.push("give one filter: commune or departement".to_owned());
                }
                if geocommun_model::CodeInsee::parse(&v).is_err() {
                    problems.push(format!("commune: `{v}` is not an INSEE code (5 characters)"));
                }
                q.filter = FeedFilter::Commune(v.trim().to_owned());
            }
            "departement" => {
                if !matches!(q.filter, FeedFilter::All) {
                    problems.push("give one filter: commune or departement".to_owned());
                }
                let d = v.trim();
                if !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric()) {
                    problems.push(format!(
                        "departement: `{v}` is not a département code (01, 2A, 971)"
                    ));
                }
                q.filter = FeedFilter::Departement(d.to_uppercase());
            }
            "format" => match v.as_ref() {
                "json" => q.jsonl = false,
                "jsonl" | "ndjson" => q.jsonl = true,
                _ => problems.push(format!("format: `{v}` must be json or jsonl")),
            },
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(q)
    } else {
        Err(ApiError::many(ErrorCode::InvalidParameter, problems))
    }
}

/// The change feed: changes after cursor `since`, oldest first.
#[utoipa::path(get, path = "/feed", tag = "data",
    params(
        ("since" = Option<i64>, Query, description = "Cursor: 0 (default) from the start, else the `next` of the previous page or an export's cursor"),
        ("limit" = Option<u32>, Query, description = "Changes per page, 1..10000 (default 1000)"),
        ("commune" = Option<String>, Query, description = "Only this commune (INSEE code)"),
        ("departement" = Option<String>, Query, description = "Only this département"),
        ("format" = Option<String>, Query, description = "`json` (default) or `jsonl`: one change per line, cursors in the X-Feed-Next and X-Feed-Head headers"),
    ),
    responses(
        (status = 200, body = FeedDto),
        (status = 400, description = "Malformed parameter, or a cursor ahead of the feed", body = crate::error::ErrorBody),
    ))]
pub async fn feed(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PublicationError> {
    let q = parse_feed_query(raw.as_deref())?;
    let store = store(&state)?;
    let page = store.feed(&q.filter, q.since, q.limit).await?;
    let headers =
        [(NEXT_HEADER, HeaderValue::from(page.next)), (HEAD_HEADER, HeaderValue::from(page.head))];
    let changes = page.changes.into_iter().map(ChangeDto::from);
    if q.jsonl {
        let mut body = Vec::with_capacity(256 * q.limit as usize);
        for c in changes {
            serde_json::to_writer(&mut body, &c).map_err(|_| ApiError::internal())?;
            body.push(b'\n');
        }
        let ct = (header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
        return Ok((headers, [ct], body).into_response());
    }
    Ok((headers, Json(FeedDto { changes: changes.collect(), next: page.next, head: page.head }))
        .into_response())
}

/// One version of an object.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// Valid from (RFC 3339) …
    pub from: String,
    /// … until (absent: still current).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The change that made this version.
    pub change: ChangeDto,
}

/// The history of an object.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryDto {
    pub id: String,
    /// Oldest first. Before the first one, the object was not in the base, or came from the
    /// fallback data (BAN / BANO files) of a commune without a BAL then.
    pub versions: Vec<VersionDto>,
}

/// Parses `YYYY-MM-DD` into the last millisecond of that day (UTC): "as it was that day".
pub(crate) fn end_of_day(v: &str) -> Result<i64, ApiError> {
    let d: jiff::civil::Date = v.trim().parse().map_err(|_| {
        ApiError::invalid(format!("date: `{v}` is not a date; give YYYY-MM-DD, e.g. 2026-03-01"))
    })?;
    let next =
        d.tomorrow().map_err(|_| ApiError::invalid(format!("date: `{v}` is out of range")))?;
    let ts = next
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|_| ApiError::invalid(format!("date: `{v}` is out of range")))?
        .timestamp();
    Ok(ts.as_millisecond() - 1)
}

/// The versions of a commune (code), toponyme or address (BAN id), each with its validity
/// interval and the revision that made it; with `date=YYYY-MM-DD`, only the version valid at
/// the end of that day (404 if the object was not in the base then).
#[utoipa::path(get, path = "/lookup/{id}/history", tag = "data",
    params(
        ("id" = String, Path, description = "Commune code, toponyme or address id"),
        ("date" = Option<String>, Query, description = "YYYY-MM-DD: the version of that day"),
    ),
    responses(
        (status = 200, body = HistoryDto),
        (status = 400, description = "Malformed date", body = crate::error::ErrorBody),
        (status = 404, description = "No change ever published for this id (or none valid at that date)", body = crate::error::ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<HistoryDto>, PublicationError> {
    let mut date = None;
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        if k == "date" {
            date = Some((v.to_string(), end_of_day(&v)?));
        }
    }
    let store = store(&state)?;
    let changes = store.history(id.trim()).await?;
    if changes.is_empty() {
        let known = state.engine().lookup(id.trim()).is_some();
        return Err(ApiError::new(
            ErrorCode::NotFound,
            if known {
                format!("`{id}` comes from the fallback data (BAN / BANO files): it has no published history yet")
            } else {
                format!("no published change names `{id}`: give a commune code, a toponyme or address BAN id")
            },
        )
        .into());
    }
    let mut versions: Vec<VersionDto> = Vec::with_capacity(changes.len());
    let mut intervals = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        intervals.push((c.at.as_millis(), changes.get(i + 1).map(|n| n.at.as_millis()), c.kind));
    }
    for (c, (from, until, _)) in changes.into_iter().zip(&intervals) {
        versions.push(VersionDto {
            from: rfc3339(*from),
            until: until.map(rfc3339),
            change: c.into(),
        });
    }
    if let Some((day, at)) = date {
        let valid = intervals.iter().rposition(|(from, _, _)| *from <= at);
        let Some(i) = valid.filter(|&i| !intervals[i].2.retires()) else {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("`{id}` was not in the published base on {day}"),
            )
            .into());
        };
        versions = vec![versions.swap_remove(i)];
    }
    Ok(Json(HistoryDto { id, versions }))
}
