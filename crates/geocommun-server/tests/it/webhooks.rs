//! Webhooks end to end, on SQLite and PostgreSQL: a receiver on 127.0.0.1 that fails its first
//! requests then recovers gets every change of the feed at least once, each body signed with
//! the subscription's secret, in feed order per commune; a receiver that hangs ends in the
//! dead letters without holding publication up.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::common::{assert_error, get};
use crate::publication::{Setup, World, bal, postgres_world_with, sqlite_world_with};

/// What a receiver got: (headers, body, whether it accepted it).
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes, bool)>>>;

/// A receiver on 127.0.0.1: answers 500 to its first `failures` requests, then 200 (or, with
/// `hang`, never answers in time). Returns its URL and what it received.
async fn receiver(failures: usize, hang: bool) -> (String, Received) {
    let got: Received = Arc::default();
    let seen = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let seen = Arc::clone(&seen);
            async move {
                let n = {
                    let mut v = seen.lock().unwrap();
                    let accepted = !hang && v.len() >= failures;
                    v.push((headers, body, accepted));
                    v.len()
                };
                if hang {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                if n <= failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

fn setup() -> Setup {
    Setup {
        webhooks: Some(geocommun_server::WebhookConfig {
            batch: 200,
            timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_millis(400),
            max_attempts: 4,
            concurrency: 4,
            poll: Duration::from_millis(50),
        }),
        ..Setup::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_webhooks_deliver_every_change_signed_and_in_order() {
    let w = sqlite_world_with(setup()).await;
    webhooks(&w).await;
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_webhooks_deliver_every_change_signed_and_in_order() {
    let Some(w) = postgres_world_with(setup()).await else { return };
    webhooks(&w).await;
    w.finish().await;
}

async fn webhooks(w: &World) {
    // Subscriptions: bad ones refused with what to do.
    let r = w.call("POST", "/webhooks", axum::body::Body::from("{}"), false).await;
    assert_error(&r, 401, "unauthenticated");
    assert_error(
        &w.post("/webhooks", &json!({"url": "ftp://example.org/x"})).await,
        400,
        "invalid_parameter",
    );
    assert_error(&w.post("/webhooks", &json!({"url": "http://"})).await, 400, "invalid_parameter");
    assert_error(
        &w.post(
            "/webhooks",
            &json!({"url": "http://127.0.0.1:9/x", "commune": "71346", "departement": "71"}),
        )
        .await,
        400,
        "invalid_parameter",
    );
    let (url, got) = receiver(3, false).await;
    let r = w.post("/webhooks", &json!({ "url": url })).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let hook = r.json();
    let (id, secret) =
        (hook["id"].as_str().unwrap().to_owned(), hook["secret"].as_str().unwrap().to_owned());
    assert!(secret.len() >= 32);
    let (hang_url, hung) = receiver(0, true).await;
    let r = w.post("/webhooks", &json!({ "url": hang_url, "departement": "54" })).await;
    let hang_id = r.json()["id"].as_str().unwrap().to_owned();
    let listed = w.call("GET", "/webhooks", axum::body::Body::empty(), true).await;
    assert_eq!(listed.json().as_array().unwrap().len(), 2);
    assert!(!listed.text().contains(&secret), "the secret is shown once");
    w.state.start_webhooks();

    // Publications, not held up by the hanging receiver.
    w.habilitate("71346").await;
    w.habilitate("54084").await;
    let t = Instant::now();
    w.publish("71346", bal("71346")).await;
    w.publish("54084", bal("54084")).await;
    let renamed = String::from_utf8(bal("71346")).unwrap().replace(";Rue du Bé;", ";Rue du Bief;");
    w.publish("71346", renamed.into_bytes()).await;
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    let head = get(&w.app, "/feed?limit=1").await.json()["head"].as_i64().unwrap();
    assert!(head > 300, "{head}");

    // Every change accepted at least once, despite the first 3 failures (one short of the
    // attempts that make a dead letter).
    let deadline = Instant::now() + Duration::from_secs(30);
    let seqs = loop {
        let seqs = delivered(&got, &secret, &id);
        if seqs.iter().map(|(s, _)| *s).max() == Some(head) || Instant::now() > deadline {
            break seqs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut unique: Vec<i64> = seqs.iter().map(|(s, _)| *s).collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique, (1..=head).collect::<Vec<_>>(), "every change, at least once");
    assert!(got.lock().unwrap().len() >= 4, "the failed attempts were retried");
    let r = w
        .call("GET", &format!("/webhooks/{id}/dead-letters"), axum::body::Body::empty(), true)
        .await;
    assert_eq!(r.json(), json!([]), "nothing lost on the way");
    // In order per commune: the first arrival of each change follows feed order.
    for commune in ["71346", "54084"] {
        let mut first_seen = Vec::new();
        for (s, c) in &seqs {
            if c == commune && !first_seen.contains(s) {
                first_seen.push(*s);
            }
        }
        assert!(first_seen.windows(2).all(|p| p[0] < p[1]), "{commune}: {first_seen:?}");
    }

    // The hanging receiver: its batch ends in the dead letters, and it saw only 54084.
    let deadline = Instant::now() + Duration::from_secs(30);
    let dead = loop {
        let r = w
            .call(
                "GET",
                &format!("/webhooks/{hang_id}/dead-letters"),
                axum::body::Body::empty(),
                true,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let d = r.json();
        if !d.as_array().unwrap().is_empty() || Instant::now() > deadline {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let d = &dead[0];
    assert_eq!(d["attempts"], 4, "{d}");
    assert!(d["last_error"].as_str().unwrap().contains("could not be reached"), "{d}");
    assert!(d["payload"]["changes"].as_array().unwrap().iter().all(|c| c["commune"] == "54084"));
    assert!(hung.lock().unwrap().len() >= 4);

    // Unsubscribing.
    let r = w.call("DELETE", &format!("/webhooks/{id}"), axum::body::Body::empty(), true).await;
    assert_eq!(r.status, 204);
    let r = w.call("DELETE", &format!("/webhooks/{id}"), axum::body::Body::empty(), true).await;
    assert_error(&r, 404, "not_found");
}

/// The changes the receiver accepted from the webhook `id`: (seq, commune) in arrival order,
/// after checking the signature and idempotency key of every request.
fn delivered(got: &Received, secret: &str, id: &str) -> Vec<(i64, String)> {
    let got = got.lock().unwrap();
    let mut out = Vec::new();
    for (headers, body, accepted) in got.iter() {
        let sig = headers["x-geocommun-signature"].to_str().unwrap();
        assert_eq!(sig, geocommun_store::webhook::signature(secret, body), "signature");
        assert_eq!(headers["x-geocommun-webhook"], id);
        let v: Value = serde_json::from_slice(body).unwrap();
        let changes = v["changes"].as_array().unwrap();
        let key = format!("{id}:{}-{}", changes[0]["seq"], changes[changes.len() - 1]["seq"]);
        assert_eq!(headers["idempotency-key"], key.as_str());
        assert_eq!(v["delivery"], key.as_str());
        if !accepted {
            continue;
        }
        out.extend(
            changes
                .iter()
                .map(|c| (c["seq"].as_i64().unwrap(), c["commune"].as_str().unwrap().to_owned())),
        );
    }
    out
}
