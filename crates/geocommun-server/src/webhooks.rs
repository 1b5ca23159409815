//! The webhook delivery worker: every [`WebhookConfig::poll`], each webhook with a delivery due
//! gets the changes of its scope after its cursor (at most [`WebhookConfig::batch`]) in one
//! signed `POST`; a 2xx moves its cursor, anything else is retried with exponential back-off,
//! and after [`WebhookConfig::max_attempts`] failures the batch becomes a dead letter and the
//! cursor moves past it. Delivery runs beside publication and never holds it up; a hanging
//! receiver holds one of [`WebhookConfig::concurrency`] slots for at most
//! [`WebhookConfig::timeout`].
//!
//! The request: `Content-Type: application/json`, `X-Geocommun-Webhook: <id>`,
//! `X-Geocommun-Delivery` and `Idempotency-Key: <id>:<first seq>-<last seq>` (the same on every
//! retry of a batch), `X-Geocommun-Signature: sha256=<hex HMAC-SHA-256 of the body under the
//! webhook's secret>`; the body `{"webhook", "delivery", "changes": [...]}`, the changes as
//! `GET /feed` gives them, in feed order (so in order per commune).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use geocommun_store::webhook::signature;
use geocommun_store::{Store, Webhook};
use serde::Serialize;

use crate::config::WebhookConfig;
use crate::routes::feed::ChangeDto;

/// The body of a delivery.
#[derive(Serialize)]
struct Payload<'a> {
    webhook: &'a str,
    delivery: &'a str,
    changes: Vec<ChangeDto>,
}

/// Starts the worker (once per process).
pub fn start(store: Arc<Store>, config: WebhookConfig) {
    let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(config.concurrency.max(1)));
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("geocommun-webhooks/", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(config.poll).await;
            let due = match store.due_webhooks().await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!("webhooks: {e}");
                    continue;
                }
            };
            for w in due {
                let fresh = in_flight.lock().is_ok_and(|mut busy| busy.insert(w.id.clone()));
                if !fresh {
                    continue;
                }
                let Ok(slot) = Arc::clone(&slots).acquire_owned().await else { return };
                let (store, config, agent, in_flight) =
                    (Arc::clone(&store), config.clone(), agent.clone(), Arc::clone(&in_flight));
                tokio::spawn(async move {
                    let id = w.id.clone();
                    if let Err(e) = deliver(&store, &config, &agent, w).await {
                        tracing::warn!(webhook = %id, "webhook delivery: {e}");
                    }
                    if let Ok(mut busy) = in_flight.lock() {
                        busy.remove(&id);
                    }
                    drop(slot);
                });
            }
        }
    });
}

/// One attempt at the webhook's pending batch.
async fn deliver(
    store: &Store,
    config: &WebhookConfig,
    agent: &ureq::Agent,
    w: Webhook,
) -> geocommun_store::Result<()> {
    let page = store.feed(&w.scope, w.cursor, config.batch).await?;
    let (Some(first), Some(last)) = (page.changes.first(), page.changes.last()) else {
        // Nothing for this scope up to the head: move on so that the next read starts there.
        if page.head > w.cursor && page.next == w.cursor {
            store.webhook_delivered(&w, page.head).await?;
        }
        return Ok(());
    };
    let (first, last) = (first.seq, last.seq);
    let delivery = format!("{}:{first}-{last}", w.id);
    let payload = Payload {
        webhook: &w.id,
        delivery: &delivery,
        changes: page.changes.into_iter().map(ChangeDto::from).collect(),
    };
    let body = serde_json::to_vec(&payload)
        .map_err(|e| geocommun_store::Error::Corrupt(format!("webhook payload: {e}")))?;
    let sig = signature(&w.secret, &body);
    let (url, agent, sent) = (w.url.clone(), agent.clone(), body.clone());
    let key = delivery.clone();
    let webhook_id = w.id.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        agent
            .post(&url)
            .header("content-type", "application/json")
            .header("x-geocommun-webhook", &webhook_id)
            .header("x-geocommun-delivery", &key)
            .header("idempotency-key", &key)
            .header("x-geocommun-signature", &sig)
            .send(&sent[..])
            .map(|r| r.status().as_u16())
    })
    .await;
    let error = match outcome {
        Ok(Ok(status)) if (200..300).contains(&status) => {
            store.webhook_delivered(&w, last).await?;
            tracing::debug!(webhook = %w.id, first, last, "webhook delivered");
            return Ok(());
        }
        Ok(Ok(status)) => format!("the receiver answered HTTP {status}"),
        Ok(Err(e)) => format!("the receiver could not be reached: {e}"),
        Err(e) => format!("delivery task failed: {e}"),
    };
    let attempts = u32::try_from(w.attempts + 1).unwrap_or(u32::MAX);
    if attempts >= config.max_attempts {
        let payload = String::from_utf8_lossy(&body).into_owned();
        store.webhook_dead_letter(&w, first, last, &error, payload).await?;
        tracing::warn!(webhook = %w.id, first, last, attempts, "webhook batch dead-lettered: {error}");
    } else {
        let delay = backoff(config, attempts);
        store.webhook_failed(&w, delay, &error).await?;
        tracing::info!(webhook = %w.id, attempts, retry_in_ms = delay.as_millis() as u64, "webhook delivery failed: {error}");
    }
    Ok(())
}

/// `retry_base` × 2^(attempts − 1), at most `retry_max`.
fn backoff(config: &WebhookConfig, attempts: u32) -> Duration {
    config
        .retry_base
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(20))
        .min(config.retry_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let c = WebhookConfig::default();
        assert_eq!(backoff(&c, 1), Duration::from_secs(1));
        assert_eq!(backoff(&c, 2), Duration::from_secs(2));
        assert_eq!(backoff(&c, 5), Duration::from_secs(16));
        assert_eq!(backoff(&c, 30), c.retry_max);
    }
}
