//! Security of the publication API, over the HTTP routes, on SQLite and on PostgreSQL: no
//! publication without a valid token (401), for a commune outside the perimeter or without an
//! accepted habilitation (403, whatever state the revision is in), with an expired (410) or
//! exhausted code (10 wrong attempts); the rate limits answer 429 with `Retry-After`; tokens and
//! codes appear in no log line and in no answer after the one that created them, and no
//! `Debug` shows them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use geocommun_server::{RateLimit, RateLimits};
use geocommun_store::{HabilitationId, ManualClock, RevisionId};
use serde_json::json;

use crate::common::{Resp, assert_error, get};
use crate::publication::{START, Setup, World, bal, postgres_world_with, sqlite_world_with};

/// Instantiates each test for both backends: `sqlite::NAME` and `postgres::NAME`.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

both_backends!(
    no_publication_without_a_valid_token,
    no_publication_outside_the_perimeter,
    no_publication_without_an_accepted_habilitation,
    an_expired_code_is_410_and_habilitates_nothing,
    ten_wrong_codes_reject_the_habilitation,
    client_limit_answers_429_with_retry_after,
    authentication_failures_are_limited_per_address,
    code_requests_are_limited_per_address,
);

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// The world of a test on `backend` (`None`: PostgreSQL unreachable outside CI, skipped).
async fn world(backend: Backend, setup: Setup) -> Option<World> {
    match backend {
        Backend::Sqlite => Some(sqlite_world_with(setup).await),
        Backend::Postgres => postgres_world_with(setup).await,
    }
}

/// Every limit off but those a test sets.
fn no_limits() -> Setup {
    Setup { limits: RateLimits::OFF, ..Setup::default() }
}

/// The writing routes of a revision.
fn revision_writes(id: &str) -> [(&'static str, String, Body); 3] {
    [
        ("PUT", format!("/revisions/{id}/files/bal"), Body::from(bal("71346"))),
        ("POST", format!("/revisions/{id}/compute"), Body::empty()),
        ("POST", format!("/revisions/{id}/publish"), Body::empty()),
    ]
}

/// The commune has no current revision and `/search/` serves nothing of it.
async fn nothing_published(w: &World, commune: &str) {
    let r = get(&w.app, &format!("/communes/{commune}/current-revision")).await;
    assert_error(&r, 404, "not_found");
    let r = get(&w.app, &format!("/search/?q=rue&citycode={commune}")).await;
    assert_eq!(r.json()["features"].as_array().unwrap().len(), 0, "{}", r.text());
}

async fn no_publication_without_a_valid_token(backend: Backend) {
    let Some(w) = world(backend, Setup { perimeter: vec!["departement:71"], ..no_limits() }).await
    else {
        return;
    };
    let id = w.ready("71346", bal("71346")).await;
    let client_id = w.token.split('_').nth(1).unwrap().to_owned();
    let other_secret = "A".repeat(40);
    let bad_tokens: [(&str, Option<String>); 5] = [
        ("none", None),
        ("empty", Some(String::new())),
        ("malformed", Some("gc_nope".to_owned())),
        ("unknown client", Some(format!("gc_{}_{other_secret}", "0".repeat(32)))),
        ("wrong secret of a real client", Some(format!("gc_{client_id}_{other_secret}"))),
    ];
    for (what, token) in &bad_tokens {
        let mut routes = vec![
            ("POST", "/communes/71346/revisions".to_owned(), Body::empty()),
            ("POST", "/communes/71346/habilitation".to_owned(), Body::empty()),
        ];
        routes.extend(revision_writes(&id));
        for (method, uri, body) in routes {
            let r = w.call_as(method, &uri, body, token.as_deref(), w.peer).await;
            assert_error(&r, 401, "unauthenticated");
            assert_eq!(r.header("www-authenticate"), "Bearer", "{what}: {method} {uri}");
        }
    }
    // The revision is still only ready, and there is one: nothing was written.
    assert_eq!(get(&w.app, &format!("/revisions/{id}")).await.json()["status"], "ready");
    assert_eq!(get(&w.app, "/communes/71346/revisions").await.json().as_array().unwrap().len(), 1);
    nothing_published(&w, "71346").await;

    // A revoked client: its token stops working at once, for its ready revision too.
    let client = w.store().clients().await.unwrap().remove(0);
    w.store().revoke_client(client.id).await.unwrap();
    for (method, uri, body) in revision_writes(&id) {
        let r = w.call(method, &uri, body, true).await;
        let message = assert_error(&r, 401, "unauthenticated");
        assert!(message.contains("revoked"), "{message}");
    }
    nothing_published(&w, "71346").await;
    w.finish().await;
}

async fn no_publication_outside_the_perimeter(backend: Backend) {
    // The world's client may publish for Meurthe-et-Moselle only.
    let Some(w) = world(backend, Setup { perimeter: vec!["departement:54"], ..no_limits() }).await
    else {
        return;
    };
    let r = w.post("/communes/71346/revisions", &json!({})).await;
    let message = assert_error(&r, 403, "forbidden");
    assert!(message.contains("outside the perimeter"), "{message}");
    assert_eq!(get(&w.app, "/communes/71346/revisions").await.json(), json!([]));

    // Another client's revisions of Perrecy — ready, then published — answer 403 to this one
    // on every writing route, never the 409 their state would give their owner.
    let store = w.store();
    let other = store.create_client("other", vec!["commune:71346".parse().unwrap()]).await;
    let other = other.unwrap().token.expose().to_owned();
    let as_other = |method: &'static str, uri: String, body: Body| {
        let (w, other) = (&w, other.clone());
        async move { w.call_as(method, &uri, body, Some(&other), w.peer).await }
    };
    let r = as_other("POST", "/communes/71346/revisions".into(), Body::empty()).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    as_other("PUT", format!("/revisions/{id}/files/bal"), Body::from(bal("71346"))).await;
    let r = as_other("POST", format!("/revisions/{id}/compute"), Body::empty()).await;
    assert_eq!(r.json()["status"], "ready");
    for (method, uri, body) in revision_writes(&id) {
        assert_error(&w.call(method, &uri, body, true).await, 403, "forbidden");
    }
    let r = as_other("POST", format!("/revisions/{id}/publish"), Body::empty()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    for (method, uri, body) in revision_writes(&id) {
        assert_error(&w.call(method, &uri, body, true).await, 403, "forbidden");
    }
    let current = get(&w.app, "/communes/71346/current-revision").await.json();
    assert_eq!(current["id"], id.as_str());
    // Its own commune works.
    w.publish("54084", bal("54084")).await;
    w.finish().await;
}

async fn no_publication_without_an_accepted_habilitation(backend: Backend) {
    let Some(w) = world(backend, no_limits()).await else { return };
    // A code sent but not validated: the habilitation is pending, nothing may be written.
    let (pending, _code) = w.code_sent("71346").await;
    let r = w.post("/communes/71346/revisions", &json!({})).await;
    assert_error(&r, 403, "forbidden");
    w.store().revoke_habilitation(pending.parse::<HabilitationId>().unwrap()).await.unwrap();

    // Accepted: a revision becomes ready. The habilitation is revoked before publishing: 403,
    // on that ready revision as on every other writing route, and nothing is published.
    w.habilitate("71346").await;
    let id = w.ready("71346", bal("71346")).await;
    let r = w.post("/communes/71346/revisions", &json!({})).await;
    let pending_revision = r.json()["id"].as_str().unwrap().to_owned();
    let store = w.store();
    let client = store.clients().await.unwrap().remove(0);
    let h = store.accepted_habilitation(client.id, "71346").await.unwrap().unwrap();
    store.revoke_habilitation(h.id).await.unwrap();
    for rev in [&id, &pending_revision] {
        for (method, uri, body) in revision_writes(rev) {
            let r = w.call(method, &uri, body, true).await;
            let message = assert_error(&r, 403, "forbidden");
            assert!(message.contains("no accepted habilitation"), "{message}");
        }
    }
    let r = store.revision(id.parse::<RevisionId>().unwrap()).await.unwrap();
    assert!(!r.current && r.published_at.is_none());
    nothing_published(&w, "71346").await;
    w.finish().await;
}

async fn an_expired_code_is_410_and_habilitates_nothing(backend: Backend) {
    let clock = ManualClock::new(START);
    let Some(w) = world(backend, Setup { clock: Some(clock.clone()), ..no_limits() }).await else {
        return;
    };
    let (id, code) = w.code_sent("71346").await;
    clock.advance(Duration::from_hours(24) + Duration::from_secs(1));
    let uri = format!("/habilitations/{id}/authentication/email/validate-pin-code");
    let r = w.post(&uri, &json!({ "code": code })).await;
    let message = assert_error(&r, 410, "gone");
    assert!(message.contains("expired"), "{message}");
    let h = w.call("GET", &format!("/habilitations/{id}"), Body::empty(), true).await.json();
    assert_eq!(h["status"], "pending");
    assert_eq!(h["attempts_left"], 10, "an expired code costs no attempt");
    assert_error(&w.post("/communes/71346/revisions", &json!({})).await, 403, "forbidden");
    nothing_published(&w, "71346").await;
    w.finish().await;
}

async fn ten_wrong_codes_reject_the_habilitation(backend: Backend) {
    let Some(w) = world(backend, no_limits()).await else { return };
    let (id, code) = w.code_sent("71346").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let uri = format!("/habilitations/{id}/authentication/email/validate-pin-code");
    for left in (1..10).rev() {
        let r = w.post(&uri, &json!({ "code": wrong })).await;
        let message = assert_error(&r, 400, "invalid_parameter");
        assert!(message.contains(&format!("{left} attempt(s) left")), "{message}");
    }
    let r = w.post(&uri, &json!({ "code": wrong })).await;
    let message = assert_error(&r, 403, "forbidden");
    assert!(message.contains("rejected"), "{message}");
    // The right code no longer helps, nor does a new one.
    let r = w.post(&uri, &json!({ "code": code })).await;
    assert_error(&r, 403, "forbidden");
    let send = format!("/habilitations/{id}/authentication/email/send-pin-code");
    let email = "mairie@perrecy-les-forges.fr";
    assert_error(&w.post(&send, &json!({ "email": email })).await, 403, "forbidden");
    let h = w.call("GET", &format!("/habilitations/{id}"), Body::empty(), true).await.json();
    assert_eq!((h["status"].as_str(), h["attempts_left"].as_u64()), (Some("rejected"), Some(0)));
    assert_error(&w.post("/communes/71346/revisions", &json!({})).await, 403, "forbidden");
    nothing_published(&w, "71346").await;
    w.finish().await;
}

/// A 429 of the rate limits: JSON error, `Retry-After` in whole seconds within `max`.
fn assert_limited(r: &Resp, max: u64, what: &str) -> String {
    let message = assert_error(r, 429, "rate_limited");
    let retry: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=max).contains(&retry), "Retry-After {retry}");
    assert!(message.contains(what), "{message}");
    message
}

async fn client_limit_answers_429_with_retry_after(backend: Backend) {
    let limits = RateLimits { client: Some(RateLimit::new(3, 60)), ..RateLimits::OFF };
    let setup = Setup { limits, perimeter: vec!["departement:71"], ..Setup::default() };
    let Some(w) = world(backend, setup).await else { return };
    for _ in 0..3 {
        let r = w.post("/communes/71346/revisions", &json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let r = w.post("/communes/71346/revisions", &json!({})).await;
    assert_limited(&r, 20, "too many requests from this client");
    assert_eq!(get(&w.app, "/communes/71346/revisions").await.json().as_array().unwrap().len(), 3);
    // From another address too: the limit is the client's.
    let elsewhere = SocketAddr::from(([198, 51, 100, 7], 1234));
    let r = w
        .call_as("POST", "/communes/71346/revisions", Body::empty(), Some(&w.token), elsewhere)
        .await;
    assert_limited(&r, 20, "this client");
    // Reading is not limited; another client has its own budget.
    let store = w.store();
    let other = store.create_client("other", vec!["departement:71".parse().unwrap()]).await;
    let other = other.unwrap().token.expose().to_owned();
    let r = w.call_as("POST", "/communes/71346/revisions", Body::empty(), Some(&other), w.peer);
    assert_eq!(r.await.status, 201);
    assert_eq!(get(&w.app, "/communes/71346/revisions").await.status, 200);
    w.finish().await;
}

async fn authentication_failures_are_limited_per_address(backend: Backend) {
    let limits = RateLimits { auth_failures: Some(RateLimit::new(3, 30)), ..RateLimits::OFF };
    let setup = Setup { limits, perimeter: vec!["departement:71"], ..Setup::default() };
    let Some(w) = world(backend, setup).await else { return };
    let guess = format!("gc_{}_{}", "0".repeat(32), "x".repeat(40));
    let create = "/communes/71346/revisions";
    for _ in 0..3 {
        let r = w.call_as("POST", create, Body::empty(), Some(&guess), w.peer).await;
        assert_error(&r, 401, "unauthenticated");
    }
    let r = w.call_as("POST", create, Body::empty(), Some(&guess), w.peer).await;
    assert_limited(&r, 30, "authentication failures from this address");
    // The address is refused whatever it sends now, a valid token included (a right guess
    // must not get through), and on reading routes that need a token too.
    let r = w.call("POST", create, Body::empty(), true).await;
    assert_limited(&r, 30, "authentication failures");
    let uri = format!("/habilitations/{}", uuid::Uuid::new_v4());
    let r = w.call("GET", &uri, Body::empty(), true).await;
    assert_limited(&r, 30, "authentication failures");
    // Another address is not: the valid token works there.
    let elsewhere = SocketAddr::from(([198, 51, 100, 7], 1234));
    let r = w.call_as("POST", create, Body::empty(), Some(&w.token), elsewhere).await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Public routes are not concerned.
    assert_eq!(get(&w.app, "/communes/71346/revisions").await.status, 200);
    w.finish().await;

    // Behind a proxy (--trust-forwarded-for) the key is the last X-Forwarded-For address;
    // without it, X-Forwarded-For is ignored (a caller cannot pick its own key).
    for trust in [true, false] {
        let limits = RateLimits {
            auth_failures: Some(RateLimit::new(1, 30)),
            trust_forwarded_for: trust,
            ..RateLimits::OFF
        };
        let Some(w) = world(backend, Setup { limits, ..Setup::default() }).await else { return };
        let mut statuses = Vec::new();
        for hop in ["203.0.113.1", "203.0.113.2"] {
            let req = axum::http::Request::post(create)
                .header("authorization", format!("Bearer {guess}"))
                .header("x-forwarded-for", format!("10.9.9.9, {hop}"))
                .extension(axum::extract::ConnectInfo(w.peer))
                .body(Body::empty())
                .unwrap();
            statuses.push(crate::common::send(&w.app, req).await.status.as_u16());
        }
        assert_eq!(statuses, if trust { [401, 401] } else { [401, 429] }, "trust {trust}");
        w.finish().await;
    }
}

async fn code_requests_are_limited_per_address(backend: Backend) {
    let limits = RateLimits { codes: Some(RateLimit::new(3, 60)), ..RateLimits::OFF };
    let Some(w) = world(backend, Setup { limits, ..Setup::default() }).await else { return };
    // One send, two wrong validations: the budget of 3; the next is refused before the store
    // sees it (no attempt used).
    let (id, code) = w.code_sent("71346").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let uri = format!("/habilitations/{id}/authentication/email/validate-pin-code");
    for _ in 0..2 {
        assert_error(&w.post(&uri, &json!({ "code": wrong })).await, 400, "invalid_parameter");
    }
    let r = w.post(&uri, &json!({ "code": code })).await;
    assert_limited(&r, 60, "habilitation code requests from this address");
    let h = w.call("GET", &format!("/habilitations/{id}"), Body::empty(), true).await.json();
    assert_eq!((h["status"].as_str(), h["attempts_left"].as_u64()), (Some("pending"), Some(8)));
    // Sending is counted too.
    let send = format!("/habilitations/{id}/authentication/email/send-pin-code");
    let r = w.post(&send, &json!({ "email": "mairie@perrecy-les-forges.fr" })).await;
    assert_limited(&r, 60, "habilitation code requests");
    // From another address the right code is accepted.
    let elsewhere = SocketAddr::from(([198, 51, 100, 7], 1234));
    let body = Body::from(json!({ "code": code }).to_string());
    let r = w.call_as("POST", &uri, body, Some(&w.token), elsewhere).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "accepted");
    w.finish().await;
}

// ------------------------------------------------------------------ secrets never leave

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

/// Every log line of this test process from the first call on, at TRACE, every target: a
/// global subscriber (a thread-scoped one misses events when other tests run beside it,
/// through the per-callsite interest cache). The tests that use it look for their own
/// secrets, so the other tests' lines do no harm.
fn captured_logs() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        captured
    })
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Whether `code` (6 digits) occurs in `text` as a number of its own (not inside a longer run
/// of digits, where it would be a coincidence: timestamps, ids).
fn has_code(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_tokens_and_codes_never_leave() {
    secrets_never_leave(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_tokens_and_codes_never_leave() {
    secrets_never_leave(Backend::Postgres).await;
}

/// Every log line (all targets, TRACE) and every answer of a whole habilitation and
/// publication round, including failures, are searched for the token (and its secret part)
/// and for the code sent.
async fn secrets_never_leave(backend: Backend) {
    let captured = captured_logs();
    let Some(w) = world(backend, Setup::default()).await else { return };
    let mut answers: Vec<String> = Vec::new();
    let mut keep = |r: Resp| -> Resp {
        let headers: Vec<String> =
            r.headers.iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or(""))).collect();
        answers.push(format!(
            "{} {}\n{}",
            r.status,
            headers.join("\n"),
            String::from_utf8_lossy(&r.body)
        ));
        r
    };

    let r = keep(w.post("/communes/71346/habilitation", &json!({})).await);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let send = format!("/habilitations/{id}/authentication/email/send-pin-code");
    let validate = format!("/habilitations/{id}/authentication/email/validate-pin-code");
    let email = "mairie@perrecy-les-forges.fr";
    keep(w.post(&send, &json!({ "email": email })).await);
    keep(w.post(&send, &json!({ "email": email })).await); // throttled
    let code = {
        let mail = w.sink.wait_for(1).await.pop().unwrap();
        let body = mail.body();
        let at = body.find("code: ").unwrap() + 6;
        body[at..at + 6].to_owned()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    keep(w.post(&validate, &json!({ "code": wrong })).await);
    keep(w.post(&validate, &json!({ "code": code })).await);
    keep(w.post(&validate, &json!({ "code": code })).await); // already accepted
    keep(w.call("GET", &format!("/habilitations/{id}"), Body::empty(), true).await);
    let revision = w.ready("71346", bal("71346")).await;
    let r = keep(w.post(&format!("/revisions/{revision}/publish"), &json!({})).await);
    assert_eq!(r.status, 200, "{}", r.text());
    for uri in [
        format!("/revisions/{revision}"),
        "/communes/71346/revisions".to_owned(),
        "/communes/71346/current-revision".to_owned(),
        format!("/revisions/{revision}/files/bal/download"),
        "/metrics".to_owned(),
        "/search/?q=3+rue+du+be+perrecy".to_owned(),
    ] {
        keep(get(&w.app, &uri).await);
    }
    // Failures: a token with one character changed, a revoked token.
    let mut altered = w.token.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'a' { 'b' } else { 'a' });
    let r = w.call_as("POST", "/communes/71346/revisions", Body::empty(), Some(&altered), w.peer);
    keep(r.await);
    let store = w.store();
    store.revoke_client(store.clients().await.unwrap()[0].id).await.unwrap();
    keep(w.post("/communes/71346/revisions", &json!({})).await);

    let logs = captured.text();
    for this_test in [&id, &revision] {
        assert!(logs.contains(this_test.as_str()), "this test's lines were captured: {logs}");
    }
    let secret_part = w.token.rsplit('_').next().unwrap();
    assert!(secret_part.len() >= 40);
    for (what, text) in [("logs", logs.as_str()), ("answers", &answers.join("\n\n"))] {
        for secret in [w.token.as_str(), secret_part, &altered] {
            assert!(!text.contains(secret), "a token is in the {what}");
        }
        assert!(!has_code(text, &code), "the code {code} is in the {what}");
    }
    // No `Debug` shows a secret either.
    let new = store.create_client("debug", vec![]).await.unwrap();
    let debugs = [
        format!("{new:?}"),
        format!("{:?}", new.token),
        format!("{:?}", geocommun_store::Code::from_user(&code)),
        format!("{store:?}"),
        format!("{:?}", w.state),
        format!("{:?}", w.state.limiters()),
        format!(
            "{:?}",
            geocommun_store::SmtpConfig {
                host: "smtp.example.org".into(),
                port: 587,
                from: "x <x@example.org>".into(),
                credentials: Some(("user".into(), "hunter2-smtp-password".into())),
                tls: true,
            }
        ),
        format!("{:?}", geocommun_store::ServerSecret::new("server-secret-0123456789").unwrap()),
    ];
    for d in debugs {
        for secret in [new.token.expose(), &w.token, "hunter2", "server-secret-0123456789"] {
            assert!(!d.contains(secret), "Debug shows a secret: {d}");
        }
        assert!(!has_code(&d, &code), "Debug shows the code: {d}");
    }
    w.finish().await;
}

#[test]
fn has_code_needs_digit_boundaries() {
    assert!(has_code("code: 012345.", "012345"));
    assert!(!has_code("ts=1012345", "012345"));
    assert!(!has_code("0123456", "012345"));
    assert!(!has_code("nothing", "012345"));
}
