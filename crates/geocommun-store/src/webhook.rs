//! Webhooks: a client's subscriptions to the change feed (all of it, a commune or a
//! département). The store keeps each one's cursor (the last change delivered), its failed
//! attempts on the pending batch and its dead letters; the server's delivery worker moves them.
//! Cursor moves are conditional on the cursor read ("from"), so two servers delivering the same
//! webhook never move it backwards (delivery is at least once).

use serde::Serialize;

use crate::backend::{DeadLetterRow, WebhookRow};
use crate::client::Client;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::feed::FeedFilter;
use crate::ids::ClientId;
use crate::store::Store;

/// Length of a webhook's signing secret (alphanumerics).
const SECRET_CHARS: usize = 40;

/// A subscription.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: String,
    #[serde(skip)]
    pub client: ClientId,
    pub url: String,
    /// HMAC-SHA-256 key of the `X-Geocommun-Signature` header; never serialised.
    #[serde(skip)]
    pub secret: String,
    #[serde(skip)]
    pub scope: FeedFilter,
    /// The last change delivered (or dead-lettered).
    pub cursor: i64,
    /// Failed attempts at the pending batch.
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("scope", &self.scope)
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

/// A batch that could not be delivered, kept for the subscriber.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    pub id: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// The body that was sent (JSON).
    pub payload: String,
    pub created_at: Timestamp,
}

fn webhook_from(r: WebhookRow) -> Result<Webhook> {
    let scope = match (r.scope_kind.as_str(), r.scope_code) {
        ("all", _) => FeedFilter::All,
        ("commune", Some(c)) => FeedFilter::Commune(c),
        ("departement", Some(d)) => FeedFilter::Departement(d),
        (k, _) => return Err(Error::Corrupt(format!("webhook scope `{k}`"))),
    };
    Ok(Webhook {
        id: r.id,
        client: crate::ids::ClientId::parse_stored(&r.client_id)?,
        url: r.url,
        secret: r.secret,
        scope,
        cursor: r.cursor,
        attempts: r.attempts,
        next_attempt_at: Timestamp(r.next_attempt_at),
        last_error: r.last_error,
        created_at: Timestamp(r.created_at),
    })
}

/// Checks a receiver URL: `http://` or `https://`, a host, no credentials.
fn check_url(url: &str) -> Result<()> {
    let rest =
        url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| {
            Error::invalid("url", format!("`{url}`: give an http:// or https:// URL"))
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || url.len() > 2_000
        || url.contains(char::is_whitespace)
    {
        return Err(Error::invalid(
            "url",
            format!("`{url}`: give a URL with a host, without credentials or spaces"),
        ));
    }
    Ok(())
}

impl Store {
    /// Subscribes `client` to the changes of `scope` from now on; returns the webhook with its
    /// signing secret (shown this once).
    pub async fn create_webhook(
        &self,
        client: &Client,
        url: &str,
        scope: FeedFilter,
    ) -> Result<Webhook> {
        let client = self.active(client).await?;
        check_url(url.trim())?;
        let (kind, code) = match &scope {
            FeedFilter::All => ("all", None),
            FeedFilter::Commune(c) => ("commune", Some(c.clone())),
            FeedFilter::Departement(d) => ("departement", Some(d.clone())),
        };
        let secret = crate::secret::random_alphanumeric(SECRET_CHARS);
        let row = WebhookRow {
            id: uuid::Uuid::new_v4().to_string(),
            client_id: client.id.to_string(),
            url: url.trim().to_owned(),
            secret,
            scope_kind: kind.to_owned(),
            scope_code: code,
            cursor: self.backend.feed_head().await?,
            attempts: 0,
            next_attempt_at: 0,
            last_error: None,
            created_at: self.now().0,
        };
        self.backend.insert_webhook(&row).await?;
        tracing::info!(webhook = %row.id, client = %client.id, "webhook created");
        webhook_from(row)
    }

    /// The client's live webhooks.
    pub async fn webhooks(&self, client: &Client) -> Result<Vec<Webhook>> {
        let client = self.active(client).await?;
        self.backend
            .webhooks(Some(&client.id.to_string()), None)
            .await?
            .into_iter()
            .map(webhook_from)
            .collect()
    }

    /// Every live webhook with a delivery due now (the delivery worker's list).
    pub async fn due_webhooks(&self) -> Result<Vec<Webhook>> {
        self.backend
            .webhooks(None, Some(self.now().0))
            .await?
            .into_iter()
            .map(webhook_from)
            .collect()
    }

    async fn own_webhook(&self, client: &Client, id: &str) -> Result<Webhook> {
        let client = self.active(client).await?;
        match self.backend.webhook(id).await? {
            Some(w) if w.client_id == client.id.to_string() => webhook_from(w),
            _ => Err(Error::not_found("webhook", id)),
        }
    }

    /// Unsubscribes.
    pub async fn delete_webhook(&self, client: &Client, id: &str) -> Result<()> {
        let w = self.own_webhook(client, id).await?;
        self.backend.delete_webhook(&w.id, self.now().0).await?;
        Ok(())
    }

    /// The batches of a webhook that could not be delivered.
    pub async fn dead_letters(&self, client: &Client, id: &str) -> Result<Vec<DeadLetter>> {
        let w = self.own_webhook(client, id).await?;
        Ok(self
            .backend
            .dead_letters(&w.id)
            .await?
            .into_iter()
            .map(|d| DeadLetter {
                id: d.id,
                first_seq: d.first_seq,
                last_seq: d.last_seq,
                attempts: d.attempts,
                last_error: d.last_error,
                payload: d.payload,
                created_at: Timestamp(d.created_at),
            })
            .collect())
    }

    /// The batch up to `to` was delivered (the webhook's cursor was `from`). `false`: another
    /// server moved it meanwhile.
    pub async fn webhook_delivered(&self, w: &Webhook, to: i64) -> Result<bool> {
        self.backend.webhook_delivered(&w.id, w.cursor, to).await
    }

    /// The pending batch failed again; next attempt after `delay`.
    pub async fn webhook_failed(
        &self,
        w: &Webhook,
        delay: std::time::Duration,
        error: &str,
    ) -> Result<bool> {
        let next =
            self.now().0.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        self.backend.webhook_failed(&w.id, w.cursor, w.attempts + 1, next, error).await
    }

    /// Gives up on the pending batch (`first..=last`, its body `payload`): it becomes a dead
    /// letter and the cursor moves past it.
    pub async fn webhook_dead_letter(
        &self,
        w: &Webhook,
        first: i64,
        last: i64,
        error: &str,
        payload: String,
    ) -> Result<bool> {
        let d = DeadLetterRow {
            id: 0,
            first_seq: first,
            last_seq: last,
            attempts: w.attempts + 1,
            last_error: Some(error.to_owned()),
            payload,
            created_at: self.now().0,
        };
        self.backend.webhook_dead_letter(&w.id, w.cursor, &d).await
    }
}

/// The `X-Geocommun-Signature` of a delivery: `sha256=` + hex HMAC-SHA-256 of the body under
/// the webhook's secret (a receiver recomputes it with the secret it was given).
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{KeyInit as _, Mac as _};
    #[allow(clippy::expect_used)]
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", crate::secret::hex(&mac.finalize().into_bytes()))
}
