//! Replicas: two `geocommun serve` processes on one PostgreSQL database. Publications go
//! through A; B must serve each of them within 1 s (PostgreSQL `NOTIFY` wakes it, the change
//! feed tells it what changed). Then B is killed, A publishes more, B restarts and catches up;
//! and it keeps following after the restart. The BALs are derived from the BANO rows of the
//! Territoire de Belfort, as in the durability test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crate::durability::{Bal, PgSchema, Server, admin_without_contours, create_client};

/// Publications through A while B runs, then while B is down, then after it restarted.
const LIVE: usize = 20;
const WHILE_DOWN: usize = 5;
const AFTER: usize = 5;

fn publish(a: &Server, token: &str, commune: &str, bytes: &[u8]) {
    let r = a.request("POST", &format!("/communes/{commune}/revisions"), Some(token), b"").unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let r = a.request("PUT", &format!("/revisions/{id}/files/bal"), Some(token), bytes).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = a.request("POST", &format!("/revisions/{id}/compute"), Some(token), b"").unwrap();
    assert_eq!(r.json()["status"], "ready", "{}", r.text());
    let r = a.request("POST", &format!("/revisions/{id}/publish"), Some(token), b"").unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Waits until `server` finds the marker street of `bal`; returns how long it took.
fn wait_found(server: &Server, bal: &Bal, marker: &str, limit: Duration) -> Duration {
    let t = Instant::now();
    while !server.street_found(&bal.insee, marker, bal.target_number) {
        assert!(t.elapsed() < limit, "{marker} not found in {} after {limit:?}", bal.insee);
        std::thread::sleep(Duration::from_millis(10));
    }
    t.elapsed()
}

#[test]
fn postgres_publication_through_one_server_is_served_by_the_other() {
    let Some(pg) = PgSchema::create() else { return };
    let dir = tempfile::tempdir().unwrap();
    let admin = admin_without_contours(dir.path());
    let token = create_client(&pg.url);
    let a = Server::start(&pg.url, &admin, &dir.path().join("a.log"));
    let b = Server::start(&pg.url, &admin, &dir.path().join("b.log"));
    let bano = geocommun_testkit::data_file("ban/bano-2015/bano-90.csv.gz");
    let communes = Bal::from_bano(&bano, 800);
    assert!(communes.len() >= LIVE + WHILE_DOWN + AFTER, "{}", communes.len());
    let mut next = communes.iter().enumerate();

    // Live: each publication through A is served by B within a second.
    let mut delays = Vec::new();
    for (i, bal) in next.by_ref().take(LIVE) {
        let marker = format!("Rue Replique {}", marker_word(i));
        assert!(!b.street_found(&bal.insee, &marker, bal.target_number));
        publish(&a, &token, &bal.insee, &bal.with_marker(&marker));
        delays.push(wait_found(&b, bal, &marker, Duration::from_secs(10)));
    }
    delays.sort();
    let p99 = delays[(delays.len() * 99).div_ceil(100) - 1];
    eprintln!(
        "A → B delay: p50 {:?}, p99 {p99:?}, max {:?}",
        delays[delays.len() / 2],
        delays.last().unwrap()
    );
    assert!(p99 <= Duration::from_secs(1), "p99 {p99:?}: {delays:?}");

    // B down: A keeps publishing; B restarts on the store and serves everything.
    b.kill();
    let mut missed = Vec::new();
    for (i, bal) in next.by_ref().take(WHILE_DOWN) {
        let marker = format!("Rue Replique {}", marker_word(i));
        publish(&a, &token, &bal.insee, &bal.with_marker(&marker));
        missed.push((bal, marker));
    }
    let b = Server::start(&pg.url, &admin, &dir.path().join("b.log"));
    for (bal, marker) in &missed {
        assert!(b.street_found(&bal.insee, marker, bal.target_number), "{marker} after restart");
    }
    // And it follows again.
    for (i, bal) in next.take(AFTER) {
        let marker = format!("Rue Replique {}", marker_word(i));
        publish(&a, &token, &bal.insee, &bal.with_marker(&marker));
        wait_found(&b, bal, &marker, Duration::from_secs(5));
    }
    // Both serve the same thing for a commune republished twice: the last revision.
    let (bal, _) = &missed[0];
    let marker = "Rue Replique Derniere";
    publish(&a, &token, &bal.insee, &bal.with_marker(marker));
    wait_found(&b, bal, marker, Duration::from_secs(5));
    assert!(!b.street_found(&bal.insee, &missed[0].1, bal.target_number));
    drop(pg);
}

/// A word without digits (a marker must not read as a house number).
fn marker_word(i: usize) -> String {
    let letters: Vec<char> = ('a'..='z').collect();
    format!("{}{}{}", letters[i % 26], letters[(i / 26) % 26], "x")
}
