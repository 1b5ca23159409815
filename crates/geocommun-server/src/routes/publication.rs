//! Publication routes, in the spirit of api-depot: revisions (create, upload the BAL,
//! compute, publish), habilitations by e-mailed code, and the public reading of revisions.
//!
//! Writing routes need `Authorization: Bearer gc_…` (a client token made by the operator
//! with `geocommun client create`), checked by the [`Authenticated`] extractor, which also
//! applies the rate limits ([`crate::rate_limit`]). Who may act is decided before what state
//! the revision is in: 401, then 403, then 409. Tokens and codes are never logged nor echoed.
//! Publishing a commune rebuilds its segment of the index and swaps it in
//! ([`AppState::reindex_communes`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use geocommun_store::{
    Code, Habilitation, HabilitationId, Revision, RevisionContext, RevisionId, Store,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorCode};
use crate::rate_limit::Limited;

/// Largest BAL accepted by `PUT /revisions/{id}/files/bal` (the store's limit, 128 MiB).
pub const UPLOAD_MAX_BYTES: usize = geocommun_store::limits::MAX_FILE_BYTES;

/// An error of these routes: an [`ApiError`], with `Retry-After` when throttled.
#[derive(Debug)]
pub struct PublicationError {
    api: ApiError,
    retry_after: Option<u64>,
}

impl From<ApiError> for PublicationError {
    fn from(api: ApiError) -> Self {
        Self { api, retry_after: None }
    }
}

impl From<geocommun_store::Error> for PublicationError {
    fn from(e: geocommun_store::Error) -> Self {
        use geocommun_store::Error as E;
        let api = |code, message: String| ApiError::new(code, message);
        let mut retry_after = None;
        let api = match &e {
            E::NotFound { .. } => api(ErrorCode::NotFound, e.to_string()),
            E::Conflict { reason } => api(ErrorCode::Conflict, reason.clone()),
            E::Forbidden { reason } => api(ErrorCode::Forbidden, reason.clone()),
            E::Unauthenticated { reason } => api(
                ErrorCode::Unauthenticated,
                format!("{reason}: send `Authorization: Bearer gc_…` with a valid client token"),
            ),
            E::InvalidCode { attempts_left: 0 } => api(
                ErrorCode::Forbidden,
                "wrong code, and the last attempt: the habilitation is rejected; ask for a new \
                 habilitation"
                    .to_owned(),
            ),
            E::Expired => api(ErrorCode::Gone, e.to_string()),
            E::Throttled { retry_after: d } => {
                retry_after = Some(d.as_secs().max(1));
                api(ErrorCode::RateLimited, e.to_string())
            }
            E::Invalid { .. } | E::InvalidCode { .. } => {
                api(ErrorCode::InvalidParameter, e.to_string())
            }
            E::InvalidFile { problems, .. } => ApiError::many(
                ErrorCode::InvalidBody,
                problems.iter().map(ToString::to_string).collect(),
            ),
            E::Database(_) | E::Migration(_) | E::Mail(_) | E::Corrupt(_) => {
                tracing::error!(error = %e, "store error");
                if matches!(e, E::Mail(_)) {
                    api(
                        ErrorCode::Unavailable,
                        "the code could not be sent by e-mail; try again later".to_owned(),
                    )
                } else {
                    ApiError::internal()
                }
            }
        };
        Self { api, retry_after }
    }
}

impl From<Limited> for PublicationError {
    fn from(l: Limited) -> Self {
        Self { api: l.error, retry_after: Some(l.retry_after) }
    }
}

impl IntoResponse for PublicationError {
    fn into_response(self) -> Response {
        let code = self.api.code;
        let mut response = self.api.into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if code == ErrorCode::Unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

type PubResult<T> = Result<T, PublicationError>;

/// The store, or 503 when the server was started without one.
pub(crate) fn store(state: &AppState) -> PubResult<Arc<Store>> {
    state.store().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "the server was started without a store: publication is unavailable",
        )
        .into()
    })
}

fn revision_id(s: &str) -> PubResult<RevisionId> {
    s.parse().map_err(|_| {
        ApiError::new(ErrorCode::NotFound, format!("revision {s} not found: not a revision id"))
            .into()
    })
}

fn habilitation_id(s: &str) -> PubResult<HabilitationId> {
    s.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("habilitation {s} not found: not a habilitation id"),
        )
        .into()
    })
}

/// A JSON body, or `{}` when empty.
fn json_body<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> PubResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(ErrorCode::InvalidBody, format!("invalid JSON body: {e}")).into()
    })
}

/// A revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDto {
    pub id: String,
    /// INSEE code of the commune.
    pub commune: String,
    pub client_id: String,
    /// `pending`, `ready`, `invalid` or `published`.
    pub status: &'static str,
    /// The commune's current revision.
    pub current: bool,
    pub author: Option<String>,
    pub organisation: Option<String>,
    /// `{sha256, size}` once uploaded.
    #[schema(value_type = Option<Object>)]
    pub file: Option<serde_json::Value>,
    /// The last computation's report: validation, platform findings, consolidation.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    pub habilitation_id: Option<String>,
    /// Milliseconds since 1970-01-01 UTC.
    pub created_at: i64,
    pub computed_at: Option<i64>,
    pub published_at: Option<i64>,
}

impl From<Revision> for RevisionDto {
    fn from(r: Revision) -> Self {
        Self {
            id: r.id.to_string(),
            commune: r.commune,
            client_id: r.client_id.to_string(),
            status: r.status.as_str(),
            current: r.current,
            author: r.context.author,
            organisation: r.context.organisation,
            file: r.file.map(|f| serde_json::json!({ "sha256": f.sha256, "size": f.size })),
            report: r.report.and_then(|rep| serde_json::to_value(rep).ok()),
            habilitation_id: r.habilitation_id.map(|h| h.to_string()),
            created_at: r.created_at.as_millis(),
            computed_at: r.computed_at.map(geocommun_store::Timestamp::as_millis),
            published_at: r.published_at.map(geocommun_store::Timestamp::as_millis),
        }
    }
}

/// A habilitation (never with its code).
#[derive(Debug, Serialize, ToSchema)]
pub struct HabilitationDto {
    pub id: String,
    pub client_id: String,
    pub commune: String,
    /// `pending`, `accepted`, `rejected` or `revoked`.
    pub status: &'static str,
    /// The official address the last code was sent to.
    pub email: Option<String>,
    /// The official addresses of the mairie a code may be sent to.
    pub emails: Vec<String>,
    pub attempts_left: u32,
    pub code_expires_at: Option<i64>,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
}

async fn habilitation_dto(store: &Store, h: Habilitation) -> PubResult<HabilitationDto> {
    let emails = store.commune_emails(&h.commune).await?;
    Ok(HabilitationDto {
        id: h.id.to_string(),
        client_id: h.client_id.to_string(),
        commune: h.commune,
        status: h.status.as_str(),
        email: h.email,
        emails,
        attempts_left: h.attempts_left,
        code_expires_at: h.code_expires_at.map(geocommun_store::Timestamp::as_millis),
        created_at: h.created_at.as_millis(),
        accepted_at: h.accepted_at.map(geocommun_store::Timestamp::as_millis),
    })
}

/// Body of `POST /communes/{code}/revisions` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRevisionBody {
    /// A person's name.
    pub author: Option<String>,
    /// The organisation (the mairie, a syndicate, a company).
    pub organisation: Option<String>,
}

/// Body of `send-pin-code`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SendCodeBody {
    /// One of the mairie's official addresses (`emails` of the habilitation).
    pub email: String,
}

/// Body of `validate-pin-code`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ValidateCodeBody {
    /// The 6-digit code received by e-mail.
    pub code: String,
}

/// What publishing answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationDto {
    pub revision: RevisionDto,
    /// The revision it replaced as the commune's current one.
    pub previous_revision_id: Option<String>,
    /// Whether the search index serves it already.
    pub indexed: bool,
}

/// Create a revision for a commune.
#[utoipa::path(post, path = "/communes/{code}/revisions", tag = "publication",
    params(("code" = String, Path, description = "INSEE code of a current commune")),
    request_body(content = Option<CreateRevisionBody>, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = RevisionDto),
        (status = 400, description = "Not a current commune, or a bad body", body = crate::error::ErrorBody),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 403, description = "Outside the client's perimeter and no accepted habilitation for the commune", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited: too many writing requests from this client, or too many authentication failures from this address (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn create_revision(
    Authenticated { store, client, .. }: Authenticated,
    Path(code): Path<String>,
    body: Bytes,
) -> PubResult<(StatusCode, Json<RevisionDto>)> {
    let b: CreateRevisionBody = json_body(&body)?;
    let context = RevisionContext { author: b.author, organisation: b.organisation };
    let r = store.create_revision(&client, &code, context).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Upload the BAL file of a pending revision (the body is the CSV).
#[utoipa::path(put, path = "/revisions/{id}/files/bal", tag = "publication",
    params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RevisionDto),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 403, description = "Outside the client's perimeter and no accepted habilitation for the commune, or another client's revision (checked before the revision's state)", body = crate::error::ErrorBody),
        (status = 409, description = "Already uploaded, or not pending", body = crate::error::ErrorBody),
        (status = 413, description = "Larger than 128 MiB", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited: too many writing requests from this client, or too many authentication failures from this address (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn upload(
    Authenticated { store, client, .. }: Authenticated,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> PubResult<Json<RevisionDto>> {
    let id = revision_id(&id)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the BAL is larger than {} MiB", UPLOAD_MAX_BYTES / (1024 * 1024)),
            )
        } else {
            ApiError::new(ErrorCode::InvalidBody, format!("cannot read the body: {e}"))
        }
    })?;
    Ok(Json(store.upload_file(&client, id, &body).await?.into()))
}

/// Validate the file and apply the platform rules: the revision becomes `ready` or `invalid`.
#[utoipa::path(post, path = "/revisions/{id}/compute", tag = "publication",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RevisionDto),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 403, description = "Outside the client's perimeter and no accepted habilitation for the commune, or another client's revision (checked before the revision's state)", body = crate::error::ErrorBody),
        (status = 409, description = "No file yet, or already published", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited: too many writing requests from this client, or too many authentication failures from this address (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn compute(
    Authenticated { store, client, .. }: Authenticated,
    Path(id): Path<String>,
) -> PubResult<Json<RevisionDto>> {
    Ok(Json(store.compute(&client, revision_id(&id)?).await?.into()))
}

/// Publish a ready revision: it becomes the commune's current one and the index serves it.
#[utoipa::path(post, path = "/revisions/{id}/publish", tag = "publication",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PublicationDto),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 403, description = "Outside the client's perimeter and no accepted habilitation for the commune, or another client's revision (checked before the revision's state)", body = crate::error::ErrorBody),
        (status = 409, description = "Not ready, or another publication came first: compute again", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited: too many writing requests from this client, or too many authentication failures from this address (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    Authenticated { store, client, .. }: Authenticated,
    Path(id): Path<String>,
) -> PubResult<Json<PublicationDto>> {
    let p = store.publish(&client, revision_id(&id)?).await?;
    let indexed = match state.reindex_communes(std::slice::from_ref(&p.revision.commune)).await {
        Ok(n) => n == 1,
        Err(e) => {
            tracing::error!(commune = %p.revision.commune, error = %e, "published, not indexed");
            false
        }
    };
    Ok(Json(PublicationDto {
        previous_revision_id: p.previous.map(|r| r.to_string()),
        revision: p.revision.into(),
        indexed,
    }))
}

/// Ask for the right to publish for a commune.
#[utoipa::path(post, path = "/communes/{code}/habilitation", tag = "publication",
    params(("code" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = HabilitationDto),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 409, description = "The client already holds an accepted habilitation for the commune", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited: too many writing requests from this client, or too many authentication failures from this address (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn create_habilitation(
    Authenticated { store, client, .. }: Authenticated,
    Path(code): Path<String>,
) -> PubResult<(StatusCode, Json<HabilitationDto>)> {
    let h = store.create_habilitation(&client, &code).await?;
    Ok((StatusCode::CREATED, Json(habilitation_dto(&store, h).await?)))
}

/// A habilitation of the client, with the mairie's official addresses.
#[utoipa::path(get, path = "/habilitations/{id}", tag = "publication",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = HabilitationDto),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 404, description = "No such habilitation of this client", body = crate::error::ErrorBody),
        (status = 429, description = "Too many authentication failures from this address (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn habilitation(
    Authenticated { store, client, .. }: Authenticated,
    Path(id): Path<String>,
) -> PubResult<Json<HabilitationDto>> {
    let h = store.habilitation(habilitation_id(&id)?).await?;
    if h.client_id != client.id {
        return Err(
            ApiError::new(ErrorCode::NotFound, format!("habilitation {id} not found")).into()
        );
    }
    Ok(Json(habilitation_dto(&store, h).await?))
}

/// Send a 6-digit code to one of the mairie's official addresses (at most every 5 minutes).
#[utoipa::path(post, path = "/habilitations/{id}/authentication/email/send-pin-code", tag = "publication",
    params(("id" = String, Path)),
    request_body = SendCodeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = HabilitationDto),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 403, description = "Not an official address of the commune, another client's habilitation, or rejected", body = crate::error::ErrorBody),
        (status = 429, description = "A code was sent less than 5 minutes ago, or too many code requests from this address, or a client or authentication-failure limit (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn send_code(
    State(state): State<AppState>,
    Authenticated { store, client, ip }: Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> PubResult<Json<HabilitationDto>> {
    state.limiters().check_code(ip)?;
    let b: SendCodeBody = json_body(&body)?;
    let h = store.send_code(&client, habilitation_id(&id)?, &b.email).await?;
    Ok(Json(habilitation_dto(&store, h).await?))
}

/// Give the code received by e-mail: the habilitation is accepted.
#[utoipa::path(post, path = "/habilitations/{id}/authentication/email/validate-pin-code", tag = "publication",
    params(("id" = String, Path)),
    request_body = ValidateCodeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = HabilitationDto),
        (status = 400, description = "Wrong code (attempts left in the message)", body = crate::error::ErrorBody),
        (status = 401, description = "No bearer token, or an unknown or revoked one", body = crate::error::ErrorBody),
        (status = 403, description = "Wrong code, the last attempt: rejected; or already rejected after 10 wrong codes", body = crate::error::ErrorBody),
        (status = 410, description = "The code expired (24 h): ask for a new one", body = crate::error::ErrorBody),
        (status = 429, description = "Too many code requests from this address, or a client or authentication-failure limit (Retry-After)", body = crate::error::ErrorBody),
    ))]
pub async fn validate_code(
    State(state): State<AppState>,
    Authenticated { store, client, ip }: Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> PubResult<Json<HabilitationDto>> {
    state.limiters().check_code(ip)?;
    let b: ValidateCodeBody = json_body(&body)?;
    let h = store.validate_code(&client, habilitation_id(&id)?, &Code::from_user(&b.code)).await?;
    Ok(Json(habilitation_dto(&store, h).await?))
}

/// The revisions of a commune, newest first (public, without reports).
#[utoipa::path(get, path = "/communes/{code}/revisions", tag = "publication",
    params(("code" = String, Path)), responses((status = 200, body = Vec<RevisionDto>)))]
pub async fn revisions(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PubResult<Json<Vec<RevisionDto>>> {
    let store = store(&state)?;
    Ok(Json(store.revisions(&code).await?.into_iter().map(Into::into).collect()))
}

/// The commune's current revision (public).
#[utoipa::path(get, path = "/communes/{code}/current-revision", tag = "publication",
    params(("code" = String, Path)),
    responses((status = 200, body = RevisionDto), (status = 404, description = "No published BAL", body = crate::error::ErrorBody)))]
pub async fn current_revision(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PubResult<Json<RevisionDto>> {
    let store = store(&state)?;
    let r = store.current_revision(&code).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, format!("commune {code} has no published BAL"))
    })?;
    Ok(Json(r.into()))
}

/// A revision with its report (public).
#[utoipa::path(get, path = "/revisions/{id}", tag = "publication",
    params(("id" = String, Path)),
    responses((status = 200, body = RevisionDto), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revision(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PubResult<Json<RevisionDto>> {
    let store = store(&state)?;
    Ok(Json(store.revision(revision_id(&id)?).await?.into()))
}

/// The BAL file of a revision (public).
#[utoipa::path(get, path = "/revisions/{id}/files/bal/download", tag = "publication",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PubResult<Response> {
    let store = store(&state)?;
    let id = revision_id(&id)?;
    let file = store.file(id).await?;
    let disposition = format!("attachment; filename=\"{id}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, format!("\"{}\"", file.sha256)),
        ],
        file.bytes,
    )
        .into_response())
}

/// Mounts the publication routes (at the root, with and without the trailing slash).
pub fn mount(router: axum::Router<AppState>) -> axum::Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post, put};
    let mut r = router;
    for (path, route) in [
        ("/communes/{code}/revisions", post(create_revision).get(revisions)),
        ("/communes/{code}/current-revision", get(current_revision)),
        ("/communes/{code}/habilitation", post(create_habilitation)),
        ("/revisions/{id}", get(revision)),
        ("/revisions/{id}/files/bal", put(upload).layer(DefaultBodyLimit::max(UPLOAD_MAX_BYTES))),
        ("/revisions/{id}/files/bal/download", get(download)),
        ("/revisions/{id}/compute", post(compute)),
        ("/revisions/{id}/publish", post(publish)),
        ("/habilitations/{id}", get(habilitation)),
        ("/habilitations/{id}/authentication/email/send-pin-code", post(send_code)),
        ("/habilitations/{id}/authentication/email/validate-pin-code", post(validate_code)),
    ] {
        r = r.route(path, route.clone()).route(&format!("{path}/"), route);
    }
    r
}
