//! Webhook subscriptions of a client (bearer token): `POST /webhooks`, `GET /webhooks`,
//! `DELETE /webhooks/{id}`, `GET /webhooks/{id}/dead-letters`. Deliveries: see
//! [`crate::webhooks`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use geocommun_store::{DeadLetter, FeedFilter, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::routes::publication::PublicationError;

/// `POST /webhooks`: where to send, and which changes (all, one commune or one département).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// `https://…` (or `http://` on a private network) that accepts `POST`.
    pub url: String,
    pub commune: Option<String>,
    pub departement: Option<String>,
}

/// A subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: String,
    pub url: String,
    /// `all`, `commune:71346` or `departement:71`.
    pub scope: String,
    /// The last change delivered.
    pub cursor: i64,
    /// Failed attempts at the pending batch, and the last error.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The signing secret: only in the answer to `POST /webhooks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn dto(w: Webhook, with_secret: bool) -> WebhookDto {
    WebhookDto {
        scope: match &w.scope {
            FeedFilter::All => "all".to_owned(),
            FeedFilter::Commune(c) => format!("commune:{c}"),
            FeedFilter::Departement(d) => format!("departement:{d}"),
        },
        secret: with_secret.then(|| w.secret.clone()),
        id: w.id,
        url: w.url,
        cursor: w.cursor,
        attempts: w.attempts,
        last_error: w.last_error,
    }
}

/// Subscribe to the change feed: every change after now, of all France, a commune or a
/// département, is POSTed to `url`, signed (the secret is in this answer only).
#[utoipa::path(post, path = "/webhooks", tag = "data", request_body = WebhookBody,
    security(("bearer" = [])),
    responses(
        (status = 201, body = WebhookDto),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
    ))]
pub async fn create(
    auth: Authenticated,
    body: Bytes,
) -> Result<(StatusCode, Json<WebhookDto>), PublicationError> {
    let b: WebhookBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(format!(
            "body: {e}; send {{\"url\": \"https://…\"}} with \"commune\" or \"departement\" to narrow it"
        ))
    })?;
    let scope = match (b.commune, b.departement) {
        (None, None) => FeedFilter::All,
        (Some(c), None) => FeedFilter::Commune(
            geocommun_model::CodeInsee::parse(&c)
                .map_err(|_| ApiError::invalid(format!("commune: `{c}` is not an INSEE code")))?
                .to_string(),
        ),
        (None, Some(d)) => FeedFilter::Departement(d.trim().to_uppercase()),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid("give commune or departement, not both").into());
        }
    };
    let w = auth.store.create_webhook(&auth.client, &b.url, scope).await?;
    Ok((StatusCode::CREATED, Json(dto(w, true))))
}

/// The client's subscriptions (without their secrets).
#[utoipa::path(get, path = "/webhooks", tag = "data", security(("bearer" = [])),
    responses((status = 200, body = Vec<WebhookDto>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(auth: Authenticated) -> Result<Json<Vec<WebhookDto>>, PublicationError> {
    let ws = auth.store.webhooks(&auth.client).await?;
    Ok(Json(ws.into_iter().map(|w| dto(w, false)).collect()))
}

/// Unsubscribe.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "data", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, PublicationError> {
    auth.store.delete_webhook(&auth.client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A batch that could not be delivered after every retry.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterDto {
    pub first_seq: i64,
    pub last_seq: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The body that was sent.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub at: String,
}

/// The batches of a subscription that could not be delivered (read them, then catch up with
/// `GET /feed?since=` if needed).
#[utoipa::path(get, path = "/webhooks/{id}/dead-letters", tag = "data", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<DeadLetterDto>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn dead_letters(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeadLetterDto>>, PublicationError> {
    let ds: Vec<DeadLetter> = auth.store.dead_letters(&auth.client, &id).await?;
    Ok(Json(
        ds.into_iter()
            .map(|d| DeadLetterDto {
                first_seq: d.first_seq,
                last_seq: d.last_seq,
                attempts: d.attempts,
                last_error: d.last_error,
                payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
                at: crate::routes::feed::rfc3339(d.created_at.as_millis()),
            })
            .collect(),
    ))
}
