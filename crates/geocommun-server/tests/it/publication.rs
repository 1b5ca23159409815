//! Publication end to end, on a SQLite store: a client habilitated through the real SMTP round
//! trip publishes the real BALs of Perrecy-les-Forges (71346) and Mont-Bonvillers (54084),
//! `/search/` answers with the published addresses and their BAN ids, and republishing with
//! one street renamed changes only that street.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use geocommun_admin::AdminRegistry;
use geocommun_server::{AppState, RateLimits, ServerConfig, router};
use geocommun_store::{
    Mailer, ManualClock, PerimeterEntry, ServerSecret, SmtpConfig, Store, StoreConfig, Timestamp,
};
use geocommun_testkit::smtp::SmtpSink;
use serde_json::{Value, json};

use crate::common::{Resp, assert_error, engine, get, send};

pub(crate) static REGISTRY: LazyLock<Arc<AdminRegistry>> = LazyLock::new(|| {
    Arc::new(
        geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin")).unwrap(),
    )
});

pub(crate) fn bal(commune: &str) -> Vec<u8> {
    std::fs::read(geocommun_testkit::data_file(&format!("bal/{commune}.csv"))).unwrap()
}

/// How a world is set up: its rate limits, clock and the perimeter of its client.
#[derive(Default)]
pub(crate) struct Setup {
    pub limits: RateLimits,
    /// `Some`: the store reads this clock (expiry tests), else the system clock.
    pub clock: Option<ManualClock>,
    /// The perimeter of the world's client (none: it must be habilitated by each mairie).
    pub perimeter: Vec<&'static str>,
    /// Webhook delivery settings (default: the server's).
    pub webhooks: Option<geocommun_server::WebhookConfig>,
    /// The engine served (default: the tiny synthetic France of `common`).
    pub engine: Option<geocommun_search::Engine>,
    /// The fallback files the server was started with (default: none).
    pub fallback: Option<Arc<geocommun_export::Fallback>>,
}

/// 2026-03-02 09:00 UTC, where manual clocks start.
pub(crate) const START: Timestamp = Timestamp(1_772_442_000_000);

/// A server over a store, with an SMTP sink and one client.
pub(crate) struct World {
    pub app: Router,
    pub state: AppState,
    pub sink: SmtpSink,
    /// The token of the world's client.
    pub token: String,
    /// The peer address requests come from (rate limits are keyed by it).
    pub peer: SocketAddr,
    _dir: tempfile::TempDir,
    /// PostgreSQL: the admin URL and the test's schema, dropped at the end.
    pg: Option<(String, String)>,
}

/// A store on SQLite (a temporary file).
async fn sqlite_world() -> World {
    sqlite_world_with(Setup::default()).await
}

pub(crate) async fn sqlite_world_with(setup: Setup) -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("commons.db").display());
    world(&url, dir, None, setup).await
}

async fn postgres_world() -> Option<World> {
    postgres_world_with(Setup::default()).await
}

/// A store on PostgreSQL (`GEOCOMMUN_TEST_PG_URL`, a schema of its own), `None` when
/// PostgreSQL is unreachable outside CI.
pub(crate) async fn postgres_world_with(setup: Setup) -> Option<World> {
    use sqlx::Connection as _;
    let admin_url = std::env::var("GEOCOMMUN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "PostgreSQL unreachable: {e}");
            eprintln!("SKIPPED (publication end to end on PostgreSQL): {admin_url}: {e}");
            return None;
        }
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let schema = format!("geocommun_test_{now}_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.ok();
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
    Some(world(&url, tempfile::tempdir().unwrap(), Some((admin_url, schema)), setup).await)
}

impl World {
    pub async fn finish(self) {
        if let Some(store) = self.state.store() {
            store.close().await;
        }
        if let Some((admin_url, schema)) = self.pg {
            use sqlx::Connection as _;
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
}

async fn world(
    url: &str,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
    setup: Setup,
) -> World {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = Mailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port(),
        from: "geocommun <no-reply@example.org>".into(),
        credentials: None,
        tls: false,
    })
    .unwrap();
    let mut config =
        StoreConfig::new(Arc::clone(&REGISTRY), ServerSecret::random()).with_mailer(mailer);
    if let Some(clock) = setup.clock {
        config = config.with_clock(Arc::new(clock));
    }
    let store = Store::open(url, config).await.unwrap();
    store
        .import_mairie_directory(
            "annuaire.csv",
            b"code_insee;email\n71346;mairie@perrecy-les-forges.fr\n54084;mairie.mont-bonvillers@wanadoo.fr\n",
        )
        .await
        .unwrap();
    let perimeter: Vec<PerimeterEntry> =
        setup.perimeter.iter().map(|p| p.parse().unwrap()).collect();
    let token =
        store.create_client("mes-adresses", perimeter).await.unwrap().token.expose().to_owned();
    let config = ServerConfig {
        rate_limits: setup.limits,
        webhooks: setup.webhooks.unwrap_or_default(),
        ..ServerConfig::default()
    };
    let state = AppState::new(setup.engine.unwrap_or_else(engine), config);
    if let Some(f) = setup.fallback {
        state.set_fallback(f);
    }
    state.set_store(Arc::new(store));
    let peer = SocketAddr::from(([192, 0, 2, 1], 40_000));
    World { app: router(state.clone()), state, sink, token, peer, _dir: dir, pg }
}

impl World {
    pub fn store(&self) -> Arc<Store> {
        self.state.store().unwrap()
    }

    /// A request from the world's peer address, with the world's token when `token`.
    pub async fn call(&self, method: &str, uri: &str, body: Body, token: bool) -> Resp {
        let token = token.then(|| self.token.clone());
        self.call_as(method, uri, body, token.as_deref(), self.peer).await
    }

    /// A request with this token (`None`: no `Authorization`) from this peer address.
    pub async fn call_as(
        &self,
        method: &str,
        uri: &str,
        body: Body,
        token: Option<&str>,
        peer: SocketAddr,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let mut req = req.body(body).unwrap();
        req.extensions_mut().insert(ConnectInfo(peer));
        send(&self.app, req).await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> Resp {
        self.call("POST", uri, Body::from(body.to_string()), true).await
    }

    /// Creates a habilitation for `commune` and has a code sent to its first address;
    /// returns the habilitation id and the code read from the mail.
    pub async fn code_sent(&self, commune: &str) -> (String, String) {
        let r = self.post(&format!("/communes/{commune}/habilitation"), &json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let h = r.json();
        let id = h["id"].as_str().unwrap().to_owned();
        let email = h["emails"][0].as_str().unwrap().to_owned();
        let before = self.sink.mails().len();
        let uri = format!("/habilitations/{id}/authentication/email/send-pin-code");
        let r = self.post(&uri, &json!({ "email": email })).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let mail = self.sink.wait_for(before + 1).await.pop().unwrap();
        let body = mail.body();
        let at = body.find("code: ").unwrap() + 6;
        (id, body[at..at + 6].to_owned())
    }

    pub async fn habilitate(&self, commune: &str) {
        let r = self.post(&format!("/communes/{commune}/habilitation"), &json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let h = r.json();
        let id = h["id"].as_str().unwrap().to_owned();
        let email = h["emails"][0].as_str().unwrap().to_owned();
        let before = self.sink.mails().len();
        let uri = format!("/habilitations/{id}/authentication/email/send-pin-code");
        let r = self.post(&uri, &json!({ "email": email })).await;
        assert_eq!(r.status, 200, "{}", r.text());
        // Asking again at once is throttled.
        let again = self.post(&uri, &json!({ "email": email })).await;
        assert_error(&again, 429, "rate_limited");
        assert!(again.header("retry-after").parse::<u64>().unwrap() > 0);
        let mail = self.sink.wait_for(before + 1).await.pop().unwrap();
        let body = mail.body();
        let at = body.find("code: ").unwrap() + 6;
        let code = body[at..at + 6].to_owned();
        let uri = format!("/habilitations/{id}/authentication/email/validate-pin-code");
        let r = self.post(&uri, &json!({ "code": code })).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["status"], "accepted");
        assert!(!r.text().contains(&code), "the code is never echoed");
    }

    /// Creates, uploads and computes a revision; returns its id.
    pub async fn ready(&self, commune: &str, bytes: Vec<u8>) -> String {
        let r = self.post(&format!("/communes/{commune}/revisions"), &json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let r =
            self.call("PUT", &format!("/revisions/{id}/files/bal"), Body::from(bytes), true).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let r = self.post(&format!("/revisions/{id}/compute"), &json!({})).await;
        assert_eq!(r.json()["status"], "ready", "{}", r.text());
        id
    }

    /// Creates, uploads, computes and publishes; returns the publication.
    pub async fn publish(&self, commune: &str, bytes: Vec<u8>) -> Value {
        let r = self.post(&format!("/communes/{commune}/revisions"), &json!({"author": "x"})).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let r =
            self.call("PUT", &format!("/revisions/{id}/files/bal"), Body::from(bytes), true).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let r = self.post(&format!("/revisions/{id}/compute"), &json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["status"], "ready", "{}", r.text());
        let r = self.post(&format!("/revisions/{id}/publish"), &json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }
}

/// The first feature of `/search/?q=…`.
async fn first(app: &Router, q: &str) -> Value {
    let r = get(app, &format!("/search/?q={}&limit=1", q.replace(' ', "+"))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["features"][0]["properties"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_habilitated_client_publishes_and_search_answers() {
    let w = sqlite_world().await;
    publish_and_search(&w).await;
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_habilitated_client_publishes_and_search_answers() {
    let Some(w) = postgres_world().await else { return };
    publish_and_search(&w).await;
    w.finish().await;
}

async fn publish_and_search(w: &World) {
    // Without a token, or outside its perimeter without habilitation: refused.
    let r = w.call("POST", "/communes/71346/revisions", Body::empty(), false).await;
    assert_error(&r, 401, "unauthenticated");
    assert_eq!(r.header("www-authenticate"), "Bearer");
    let r = w.post("/communes/71346/revisions", &json!({})).await;
    assert_error(&r, 403, "forbidden");

    w.habilitate("71346").await;
    w.habilitate("54084").await;
    let p = w.publish("71346", bal("71346")).await;
    assert_eq!(p["indexed"], true);
    let revision = p["revision"]["id"].as_str().unwrap().to_owned();
    w.publish("54084", bal("54084")).await;

    let a = first(&w.app, "3 rue du be perrecy les forges").await;
    assert_eq!(a["label"], "3 Rue du Bé 71420 Perrecy-les-Forges");
    assert_eq!(a["id"], "71346_0090_00003");
    assert_eq!(a["citycode"], "71346");
    let ban_id = a["banId"].as_str().unwrap().to_owned();
    let b = first(&w.app, "2 rue joffre mont bonvillers").await;
    assert_eq!(b["citycode"], "54084");
    assert_eq!(b["housenumber"], "2");
    assert!(b["banId"].is_string());

    // Public reading.
    let r = get(&w.app, "/communes/71346/current-revision").await;
    assert_eq!(r.json()["id"], revision.as_str());
    assert!(r.json()["report"]["consolidation"]["addresses"].as_u64().unwrap() > 100);
    let r = get(&w.app, &format!("/revisions/{revision}/files/bal/download")).await;
    assert_eq!(r.body, bal("71346"));
    // One revision: the refused attempt before the habilitation wrote nothing.
    assert_eq!(get(&w.app, "/communes/71346/revisions").await.json().as_array().unwrap().len(), 1);
    assert_error(&get(&w.app, "/revisions/nope").await, 404, "not_found");
    // The API Géo route of the same prefix still answers (503 here: no reference loaded).
    assert_ne!(get(&w.app, "/communes/71346").await.status, 404);

    // Republishing with one street renamed: that street only, ids kept.
    let before = w.state.engine();
    let renamed = String::from_utf8(bal("71346")).unwrap().replace(";Rue du Bé;", ";Rue du Bief;");
    let p = w.publish("71346", renamed.into_bytes()).await;
    assert_eq!(p["previous_revision_id"], revision.as_str());
    let a = first(&w.app, "3 rue du bief perrecy les forges").await;
    assert_eq!(a["label"], "3 Rue du Bief 71420 Perrecy-les-Forges");
    assert_eq!(a["banId"], ban_id.as_str(), "the address keeps its BAN id");
    let other = first(&w.app, "route de sanvignes perrecy").await;
    assert_eq!(other["citycode"], "71346");
    assert!(other["banId"].is_string());
    // A reader holding the previous engine was not disturbed.
    assert!(before.stats().documents > 0);

    feed_and_history(w, &ban_id).await;
}

/// `/feed` and `/lookup/{id}/history` after the three publications above.
async fn feed_and_history(w: &World, ban_id: &str) {
    let r = get(&w.app, "/feed?since=0&limit=10000").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let feed = r.json();
    let changes = feed["changes"].as_array().unwrap();
    let head = feed["head"].as_i64().unwrap();
    assert_eq!(feed["next"], head);
    assert_eq!(r.header("x-feed-head"), head.to_string());
    assert!(changes.iter().enumerate().all(|(i, c)| c["seq"] == i as i64 + 1), "no gaps");
    assert_eq!(changes[0]["kind"], "commune.replaced");
    assert_eq!(changes[0]["id"], "71346");
    let renamed: Vec<&Value> = changes.iter().filter(|c| c["kind"] == "toponyme.renamed").collect();
    assert_eq!(renamed.len(), 1, "one street renamed, nothing else changed");
    assert_eq!(renamed[0]["data"]["name"], "Rue du Bief");
    let third: Vec<&Value> =
        changes.iter().filter(|c| c["revision"] == renamed[0]["revision"]).collect();
    assert_eq!(third.len(), 2, "commune.republished + toponyme.renamed: {third:?}");
    // Paged, filtered, as JSON lines.
    let r = get(&w.app, "/feed?since=0&departement=54&format=jsonl&limit=50").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let lines: Vec<Value> = r.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 50);
    assert!(lines.iter().all(|c| c["commune"] == "54084"));
    assert_eq!(r.header("x-feed-next"), lines[49]["seq"].to_string());
    // Bad cursors and parameters.
    let r = get(&w.app, &format!("/feed?since={}", head + 1)).await;
    assert_error(&r, 400, "invalid_parameter");
    assert!(r.text().contains("ahead of the feed"), "{}", r.text());
    assert_error(&get(&w.app, "/feed?since=abc").await, 400, "invalid_parameter");
    assert_error(&get(&w.app, "/feed?limit=0").await, 400, "invalid_parameter");
    assert_error(
        &get(&w.app, "/feed?commune=71346&departement=71").await,
        400,
        "invalid_parameter",
    );

    // History: the renamed street has two versions, the address (unchanged) one.
    let street = renamed[0]["id"].as_str().unwrap();
    let h = get(&w.app, &format!("/lookup/{street}/history")).await.json();
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{h}");
    assert_eq!(versions[0]["change"]["kind"], "toponyme.created");
    assert_eq!(versions[0]["change"]["data"]["name"], "Rue du Bé");
    assert_eq!(versions[0]["until"], versions[1]["from"]);
    assert!(versions[1].get("until").is_none());
    let h = get(&w.app, &format!("/lookup/{ban_id}/history")).await.json();
    assert_eq!(h["versions"].as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h["versions"][0]["change"]["data"]["cle_interop"], "71346_0090_00003");
    // As it was on a day.
    let today = &versions[1]["from"].as_str().unwrap()[..10];
    let r = get(&w.app, &format!("/lookup/{street}/history?date={today}")).await;
    assert_eq!(r.json()["versions"][0]["change"]["data"]["name"], "Rue du Bief");
    let r = get(&w.app, &format!("/lookup/{street}?date={today}")).await;
    assert_eq!(r.json()["versions"][0]["change"]["data"]["name"], "Rue du Bief", "{}", r.text());
    assert_error(
        &get(&w.app, &format!("/lookup/{street}/history?date=2001-01-01")).await,
        404,
        "not_found",
    );
    assert_error(
        &get(&w.app, &format!("/lookup/{street}/history?date=01/02/2026")).await,
        400,
        "invalid_parameter",
    );
    assert_error(
        &get(&w.app, "/lookup/00000000-0000-4000-8000-000000000000/history").await,
        404,
        "not_found",
    );
    exports(w, head).await;
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read as _;
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut s).unwrap();
    s
}

/// The exports of the published communes (this server has no fallback files).
async fn exports(w: &World, head: i64) {
    let r = get(&w.app, "/exports/communes/71346?format=bal").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/gzip");
    assert_eq!(r.header("x-feed-cursor"), head.to_string());
    assert!(r.header("content-disposition").contains("adresses-bal-71346.csv.gz"));
    let bal = gunzip(&r.body);
    assert!(bal.starts_with("id_ban_commune;id_ban_toponyme;id_ban_adresse;cle_interop;"));
    assert!(bal.contains(";Rue du Bief;") && !bal.contains(";Rue du Bé;"), "the current revision");
    let r = get(&w.app, "/exports/departements/54?format=ban-with-ids").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let csv = gunzip(&r.body);
    assert!(csv.lines().skip(1).all(|l| l.split(';').nth(6) == Some("54084")), "only 54");
    assert!(csv.lines().count() > 10);
    let r = get(&w.app, "/exports/france?format=geojson").await;
    let v: Value = serde_json::from_str(&gunzip(&r.body)).unwrap();
    assert_eq!(v["feed_cursor"], head);
    assert!(v["features"].as_array().unwrap().len() > 200);
    // The base at a date before the publications: nothing published then, no fallback here.
    assert_error(&get(&w.app, "/exports/communes/71346?date=2001-01-01").await, 404, "not_found");
    assert_error(
        &get(&w.app, "/exports/communes/71346?format=shp").await,
        400,
        "invalid_parameter",
    );
    assert_error(&get(&w.app, "/exports/communes/7-13").await, 400, "invalid_parameter");
    assert_error(&get(&w.app, "/exports/departements/7%2F1").await, 400, "invalid_parameter");
}

#[tokio::test]
async fn publication_routes_without_a_store_answer_503() {
    let app = crate::common::app();
    assert_error(&get(&app, "/communes/71346/revisions").await, 503, "unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_larger_than_the_limit_is_413() {
    let w = sqlite_world_with(Setup { perimeter: vec!["commune:71346"], ..Setup::default() }).await;
    let r = w.post("/communes/71346/revisions", &json!({})).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let big = vec![b'x'; geocommun_server::routes::publication::UPLOAD_MAX_BYTES + 1];
    let r = w.call("PUT", &format!("/revisions/{id}/files/bal"), Body::from(big), true).await;
    assert_error(&r, 413, "payload_too_large");
    let r = w.post(&format!("/revisions/{id}/compute"), &json!({})).await;
    assert_error(&r, 409, "conflict");
    w.finish().await;
}
