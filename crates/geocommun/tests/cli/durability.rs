//! Durability: `geocommun serve` is killed with SIGKILL at seeded random points while it
//! publishes 100 revisions of real communes, restarted on the same store, and after every
//! restart:
//! - the store: every commune's current revision is the last one acknowledged as published,
//!   or one whose publication was in flight when the server died (then it counts as
//!   published); never an older one, never one that was not being published; every revision
//!   ever acknowledged is still `published` with the very file that was uploaded; a commune has
//!   one current revision at most;
//! - the search index: it serves each commune's current revision and nothing of any other
//!   (each revision renames one street to a marker of its own; the current marker is found
//!   with its house number, every other marker of the commune is not; a commune never
//!   published still serves its fallback data).
//!
//! The BALs are derived from the BANO rows of the Territoire de Belfort (`bano-90.csv.gz`,
//! 101 communes): one file per commune, in BAL 1.4 (`cle_interop` from a per-commune street
//! number, BANO's positions as `entrée`), as `bench/freshness.py` does. Runs on SQLite and on
//! PostgreSQL (a schema of its own, dropped at the end; skipped outside CI when PostgreSQL is
//! unreachable). The seed is fixed (`GEOCOMMUN_DURABILITY_SEED` overrides it); the kills are
//! at seeded publications and phases (uploading, computing, publishing, just after) with a
//! seeded delay, so where exactly the server dies depends on timing: what must hold holds at
//! any point.

// Helpers outside `#[test]` functions unwrap too (clippy.toml only covers test functions).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Publications to commit (acknowledged, or found committed after a kill).
const PUBLICATIONS: usize = 100;
/// Kills during the publications; one more at the end, with nothing in flight.
const KILLS: usize = 11;
/// Communes published (so most are published two or three times: old and new revisions).
const COMMUNES: usize = 40;
/// Communes with more rows are left out (a bounded run time in debug builds).
const MAX_ROWS: usize = 1_200;
const DEFAULT_SEED: u64 = 1;

#[test]
fn sqlite_kill_9_during_100_publications() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("commons.db").display());
    run(&url, dir.path());
}

#[test]
fn postgres_kill_9_during_100_publications() {
    let Some(pg) = PgSchema::create() else { return };
    let dir = tempfile::tempdir().unwrap();
    run(&pg.url, dir.path());
}

// ------------------------------------------------------------------ the run

/// What the driver knows of one commune.
struct CommuneState {
    bal: Bal,
    /// The revision the store must serve as current (acknowledged or found committed).
    committed: Option<String>,
    /// Revisions whose publication was sent and not answered: each may have committed.
    in_flight: Vec<String>,
    /// Every revision made for the commune (id → marker).
    markers: HashMap<String, String>,
}

/// What the driver knows of one revision once committed: its file's SHA-256.
struct Committed {
    commune: String,
    sha256: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Phase {
    /// While the BAL is uploaded.
    Upload,
    /// While the revision is computed (validation, consolidation).
    Compute,
    /// While it is published: the transaction, then the index rebuild and swap.
    Publish,
    /// Just after the publication was acknowledged (background segment merges).
    AfterPublish,
}

/// Where a kill lands: a phase, and a share (in thousandths) of that phase's mean duration so
/// far (up to 1.2: a little after the phase too).
#[derive(Clone, Copy, Debug)]
struct KillPoint {
    phase: Phase,
    permille: u64,
}

/// Mean duration of each phase's request so far, to place kills inside them.
#[derive(Default)]
struct PhaseTimes(HashMap<Phase, (Duration, u32)>);

impl PhaseTimes {
    fn add(&mut self, phase: Phase, d: Duration) {
        let e = self.0.entry(phase).or_default();
        e.0 += d;
        e.1 += 1;
    }

    fn delay(&self, k: KillPoint) -> Duration {
        let mean = match (k.phase, self.0.get(&k.phase)) {
            (Phase::AfterPublish, _) => Duration::from_millis(30),
            (_, Some((total, n))) => *total / *n,
            (_, None) => Duration::from_millis(20),
        };
        mean * u32::try_from(k.permille).unwrap() / 1000
    }
}

/// What the kills hit.
#[derive(Default, Debug)]
struct Tally {
    /// Revisions created whose publication was never sent (killed while uploading or
    /// computing).
    abandoned: usize,
    /// Publications sent and not answered, found committed after the restart.
    in_flight_committed: usize,
    /// Publications sent and not answered, found not committed.
    in_flight_not_committed: usize,
    /// Kills after the acknowledgement.
    after_ack: usize,
}

fn run(store: &str, dir: &std::path::Path) {
    let started = Instant::now();
    let seed = std::env::var("GEOCOMMUN_DURABILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut rng = Rng(seed);
    let bano = geocommun_testkit::data_file("ban/bano-2015/bano-90.csv.gz");
    let mut communes: BTreeMap<String, CommuneState> = Bal::from_bano(&bano, MAX_ROWS)
        .into_iter()
        .map(|b| {
            let state = CommuneState {
                bal: b,
                committed: None,
                in_flight: Vec::new(),
                markers: HashMap::new(),
            };
            (state.bal.insee.clone(), state)
        })
        .collect();
    assert!(communes.len() >= COMMUNES, "{} communes in bano-90", communes.len());
    let mut codes: Vec<String> = communes.keys().cloned().collect();
    rng.shuffle(&mut codes);
    codes.truncate(COMMUNES);
    communes.retain(|c, _| codes.contains(c));

    let token = create_client(store);
    // Kill points: attempt number → where in that publication. Half of them while publishing.
    let mut kill_at: BTreeMap<usize, KillPoint> = BTreeMap::new();
    while kill_at.len() < KILLS {
        let at = rng.below(PUBLICATIONS as u64 - 5) as usize + 3;
        let (phase, permille) = match rng.below(20) {
            // Early in the publication: before or in its transaction.
            0..=4 => (Phase::Publish, rng.below(150)),
            // Anywhere in it: mostly the index rebuild and swap.
            5..=9 => (Phase::Publish, rng.below(1200)),
            10..=13 => (Phase::AfterPublish, rng.below(1200)),
            14..=17 => (Phase::Compute, rng.below(1200)),
            _ => (Phase::Upload, rng.below(1200)),
        };
        kill_at.insert(at, KillPoint { phase, permille });
    }
    let planned: Vec<String> =
        kill_at.iter().map(|(at, k)| format!("{at}:{:?}@{}‰", k.phase, k.permille)).collect();

    let log_path = dir.join("serve.log");
    let admin = admin_without_contours(dir);
    let start = || Server::start(store, &admin, &log_path);
    let mut server = start();
    let mut committed: BTreeMap<String, Committed> = BTreeMap::new();
    let (mut attempt, mut kills) = (0usize, 0usize);
    let mut times = PhaseTimes::default();
    let mut tally = Tally::default();
    let mut timings = Vec::new();
    while committed.len() < PUBLICATIONS {
        let code = codes[attempt % codes.len()].clone();
        let kill = kill_at.get(&attempt).map(|k| (k.phase, times.delay(*k)));
        attempt += 1;
        let state = communes.get_mut(&code).unwrap();
        let marker = format!("Rue Durable {}", rng.word(8));
        let bytes = state.bal.with_marker(&marker);
        let t = Instant::now();
        let outcome = publish_once(&server, &token, &code, &bytes, kill, &mut times, |id| {
            state.markers.insert(id.to_owned(), marker.clone());
        });
        match &outcome {
            Outcome::Published(id) => {
                timings.push(t.elapsed());
                state.committed = Some(id.clone());
                state.in_flight.clear();
                let c = Committed { commune: code.clone(), sha256: sha256(&bytes) };
                committed.insert(id.clone(), c);
            }
            Outcome::Died { in_flight: Some(id) } => state.in_flight.push(id.clone()),
            Outcome::Died { in_flight: None } => {}
        }
        if kill.is_some() || !server.alive() {
            server.wait_killed();
            kills += 1;
            match outcome {
                Outcome::Published(_) => tally.after_ack += 1,
                Outcome::Died { in_flight: None } => tally.abandoned += 1,
                Outcome::Died { in_flight: Some(_) } => {}
            }
            server = start();
            let found = verify(&server, &mut communes, &mut committed, false);
            if let Outcome::Died { in_flight: Some(_) } = outcome {
                if found > 0 {
                    tally.in_flight_committed += 1;
                } else {
                    tally.in_flight_not_committed += 1;
                }
            }
        }
    }
    // The last kill, with nothing in flight, and the last check.
    server.kill();
    kills += 1;
    let server = start();
    assert_eq!(verify(&server, &mut communes, &mut committed, true), 0);
    drop(server);

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains(&token), "the token is in the server's log");
    let secret = token.rsplit('_').next().unwrap();
    assert!(!log.contains(secret), "the token's secret is in the server's log");
    timings.sort();
    eprintln!(
        "durability ({store_kind}): {n} publications committed in {attempt} attempts over {c} \
         communes, {kills} SIGKILLs, {restarts} starts; kills planned (attempt:phase@share of \
         its mean duration): {planned:?}; kills hit: {tally:?}; publication median {med:?}, \
         max {max:?}; {secs:.1} s in all (seed {seed:#x})",
        store_kind = if store.starts_with("sqlite") { "sqlite" } else { "postgres" },
        n = committed.len(),
        c = communes.len(),
        restarts = kills + 1,
        med = timings[timings.len() / 2],
        max = timings.last().unwrap(),
        secs = started.elapsed().as_secs_f64(),
    );
}

/// How a publication went.
enum Outcome {
    /// Acknowledged: this revision is published.
    Published(String),
    /// The server died; `in_flight`: the revision whose publication was sent and not answered.
    Died { in_flight: Option<String> },
}

/// Create, upload, compute, publish — with a SIGKILL `delay` after `phase` starts, if asked;
/// the duration of each step goes into `times`.
fn publish_once(
    server: &Server,
    token: &str,
    commune: &str,
    bytes: &[u8],
    kill: Option<(Phase, Duration)>,
    times: &mut PhaseTimes,
    mut made: impl FnMut(&str),
) -> Outcome {
    let died = Outcome::Died { in_flight: None };
    let arm = |phase: Phase| {
        if let Some((p, delay)) = kill
            && p == phase
        {
            server.kill_after(delay);
        }
        Instant::now()
    };
    let Ok(r) = server.request("POST", &format!("/communes/{commune}/revisions"), Some(token), b"")
    else {
        return died;
    };
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    made(&id);
    let t = arm(Phase::Upload);
    let Ok(r) = server.request("PUT", &format!("/revisions/{id}/files/bal"), Some(token), bytes)
    else {
        return died;
    };
    assert_eq!(r.status, 200, "{}", r.text());
    times.add(Phase::Upload, t.elapsed());
    let t = arm(Phase::Compute);
    let Ok(r) = server.request("POST", &format!("/revisions/{id}/compute"), Some(token), b"")
    else {
        return died;
    };
    assert_eq!(r.json()["status"], "ready", "{}", r.text());
    times.add(Phase::Compute, t.elapsed());
    let t = arm(Phase::Publish);
    let Ok(r) = server.request("POST", &format!("/revisions/{id}/publish"), Some(token), b"")
    else {
        return Outcome::Died { in_flight: Some(id) };
    };
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["indexed"], true, "{}", r.text());
    times.add(Phase::Publish, t.elapsed());
    arm(Phase::AfterPublish);
    Outcome::Published(id)
}

/// The checks after a restart (see the module documentation); `files`: also download every
/// committed revision's file and compare its SHA-256 with what was uploaded (at the end).
/// Returns how many publications in flight at the kill were found committed.
fn verify(
    server: &Server,
    communes: &mut BTreeMap<String, CommuneState>,
    committed: &mut BTreeMap<String, Committed>,
    files: bool,
) -> usize {
    let mut found_committed = 0;
    for (code, state) in communes.iter_mut() {
        let r = server.get(&format!("/communes/{code}/current-revision"));
        let current = match r.status {
            200 => Some(r.json()["id"].as_str().unwrap().to_owned()),
            404 => None,
            s => panic!("current revision of {code}: {s} {}", r.text()),
        };
        if current != state.committed {
            let id = current.clone().unwrap_or_default();
            assert!(
                current.is_some() && state.in_flight.contains(&id),
                "commune {code}: current revision {current:?}, expected {:?} or one of the \
                 publications in flight {:?}",
                state.committed,
                state.in_flight
            );
            // Its publication committed before the kill: it is published now.
            let revision = server.get(&format!("/revisions/{id}")).json();
            let sha = revision["file"]["sha256"].as_str().unwrap().to_owned();
            committed.insert(id.clone(), Committed { commune: code.clone(), sha256: sha });
            state.committed.clone_from(&current);
            found_committed += 1;
        }
        state.in_flight.clear();
        // One current revision at most, the one the pointer names.
        let list = server.get(&format!("/communes/{code}/revisions")).json();
        let currents: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["current"] == true)
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(currents, current.as_deref().into_iter().collect::<Vec<_>>(), "{code}");

        // The index serves the current revision and nothing of any other.
        for (id, marker) in &state.markers {
            let found = server.street_found(code, marker, state.bal.target_number);
            let is_current = current.as_deref() == Some(id.as_str());
            assert_eq!(
                found, is_current,
                "commune {code}: marker of revision {id} (current: {current:?}) found: {found}"
            );
        }
        // Never published: the fallback (BANO) street is served; published: it is gone.
        let fallback = server.street_found(code, &state.bal.target_street, state.bal.target_number);
        assert_eq!(
            fallback,
            current.is_none(),
            "commune {code}: fallback street {} served: {fallback}, current revision {current:?}",
            state.bal.target_street
        );
    }
    // No acknowledged revision is lost, nor changed.
    for (id, c) in committed.iter() {
        let r = server.get(&format!("/revisions/{id}"));
        assert_eq!(r.status, 200, "revision {id}: {}", r.text());
        let v = r.json();
        assert_eq!(v["status"], "published", "revision {id}");
        assert_eq!(v["commune"], c.commune.as_str());
        assert_eq!(v["file"]["sha256"], c.sha256.as_str(), "revision {id}");
        if files {
            let file = server.get(&format!("/revisions/{id}/files/bal/download"));
            assert_eq!(sha256(&file.body), c.sha256, "file of revision {id}");
        }
    }
    found_committed
}

// ------------------------------------------------------------------ the server

pub(crate) struct Server {
    child: Arc<Mutex<Child>>,
    port: u16,
}

impl Server {
    /// Starts `serve` on a free port over `store` with only the BANO file of the Territoire de
    /// Belfort as fallback data; returns once it serves (its log line gives the port).
    pub(crate) fn start(store: &str, admin: &std::path::Path, log_path: &std::path::Path) -> Self {
        let bano = geocommun_testkit::data_file("ban/bano-2015/bano-90.csv.gz");
        let mut child = Command::new(env!("CARGO_BIN_EXE_geocommun"))
            .args(["serve", "--listen", "127.0.0.1:0", "--quiet", "--store", store])
            .arg("--data-dir")
            .arg(geocommun_testkit::data_dir())
            .arg("--admin-dir")
            .arg(admin)
            .arg(&bano)
            .env("RUST_LOG", "info")
            .env("GEOCOMMUN_RATE_LIMIT_CLIENT", "off")
            .env_remove("GEOCOMMUN_LISTEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let mut log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let _ = writeln!(log, "{line}");
                if let Some(rest) = line.split("serving on http://127.0.0.1:").nth(1) {
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let _ = tx.send(port.parse::<u16>().unwrap());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_mins(3)) {
            Ok(port) => port,
            Err(e) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(log_path).unwrap_or_default();
                panic!("serve did not start ({e}): {log}");
            }
        };
        Self { child: Arc::new(Mutex::new(child)), port }
    }

    fn alive(&self) -> bool {
        matches!(self.child.lock().unwrap().try_wait(), Ok(None))
    }

    /// SIGKILL now.
    pub(crate) fn kill(&self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
    }

    /// SIGKILL after `delay`, from another thread.
    fn kill_after(&self, delay: Duration) {
        let child = Arc::clone(&self.child);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let mut child = child.lock().unwrap();
            let _ = child.kill();
            let _ = child.wait();
        });
    }

    /// Waits (at most 10 s) until a kill asked with [`Self::kill_after`] is done.
    fn wait_killed(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.alive() {
            assert!(Instant::now() < deadline, "the server was not killed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Response> {
        http(self.port, method, path, token, body)
    }

    pub(crate) fn get(&self, path: &str) -> Response {
        self.request("GET", path, None, b"").unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Whether `/search/` finds `number street` in the commune, as the top street and number.
    pub(crate) fn street_found(&self, commune: &str, street: &str, number: u32) -> bool {
        let q: String = form_urlencoded(&format!("{number} {street}"));
        let r = self.get(&format!("/search/?q={q}&citycode={commune}&limit=5"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["features"].as_array().unwrap().iter().any(|f| {
            let p = &f["properties"];
            p["street"] == street && p["housenumber"] == number.to_string().as_str()
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

// ------------------------------------------------------------------ HTTP, by hand

pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// One HTTP/1.1 request (`Connection: close`); an `Err` when the server is gone or the answer
/// is cut short (a SIGKILL mid-answer).
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> std::io::Result<Response> {
    use std::io::{Error, ErrorKind};
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_mins(2)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        let _ = write!(head, "Authorization: Bearer {t}\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let cut = || Error::new(ErrorKind::UnexpectedEof, "answer cut short");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(cut)?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut rest = raw[split + 4..].to_vec();
    let status: u16 =
        head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(cut)?;
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_owned()))
    };
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut out = Vec::new();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(cut)?;
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..line_end]).split(';').next().unwrap_or("").trim(),
                16,
            )
            .map_err(|_| cut())?;
            if size == 0 {
                break;
            }
            let start = line_end + 2;
            if rest.len() < start + size + 2 {
                return Err(cut());
            }
            out.extend_from_slice(&rest[start..start + size]);
            rest.drain(..start + size + 2);
        }
        rest = out;
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if rest.len() < len {
            return Err(cut());
        }
        rest.truncate(len);
    }
    Ok(Response { status, body: rest })
}

pub(crate) fn form_urlencoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ------------------------------------------------------------------ the store and the client

/// The shared administrative reference without the commune contours (links in `dir`): the
/// store needs the COG, not the polygons, and without them a restart takes a second, not four
/// (debug build).
pub(crate) fn admin_without_contours(dir: &std::path::Path) -> std::path::PathBuf {
    let admin = dir.join("admin");
    std::fs::create_dir_all(&admin).unwrap();
    for entry in std::fs::read_dir(geocommun_testkit::data_dir().join("admin")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "france-geojson" {
            std::os::unix::fs::symlink(entry.path(), admin.join(entry.file_name())).unwrap();
        }
    }
    admin
}

pub(crate) fn create_client(store: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_geocommun"))
        .args(["client", "create", "durability", "--perimeter", "departement:90", "--store", store])
        .arg("--data-dir")
        .arg(geocommun_testkit::data_dir())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A PostgreSQL schema of its own (`GEOCOMMUN_TEST_PG_URL`), dropped when done.
pub(crate) struct PgSchema {
    pub(crate) admin_url: String,
    pub(crate) schema: String,
    pub(crate) url: String,
}

impl PgSchema {
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    fn execute(url: &str, sql: String) -> Result<(), sqlx::Error> {
        use sqlx::Connection as _;
        Self::runtime().block_on(async {
            let mut c = sqlx::PgConnection::connect(url).await?;
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await?;
            c.close().await
        })
    }

    /// `None` when PostgreSQL is unreachable, outside CI.
    pub(crate) fn create() -> Option<Self> {
        let admin_url = std::env::var("GEOCOMMUN_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let secs =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let schema = format!("geocommun_test_{secs}_durability_{}", std::process::id());
        if let Err(e) = Self::execute(&admin_url, format!("CREATE SCHEMA \"{schema}\"")) {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "PostgreSQL unreachable: {e}");
            eprintln!("SKIPPED (durability on PostgreSQL): {admin_url}: {e}");
            return None;
        }
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
        Some(Self { admin_url, schema, url })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        if let Err(e) = Self::execute(&self.admin_url, sql) {
            eprintln!("could not drop schema {}: {e}", self.schema);
        }
    }
}

// ------------------------------------------------------------------ BALs from BANO rows

/// One address of a BANO file: (street, number, suffix, lon, lat).
type Row = (String, u32, String, String, String);

/// One commune's BAL, derived from its BANO rows.
pub(crate) struct Bal {
    pub(crate) insee: String,
    pub(crate) name: String,
    /// (street, number, suffix, lon, lat), one per distinct address.
    pub(crate) rows: Vec<Row>,
    /// Street code (4 digits) of each street name, numbered per commune.
    pub(crate) codes: HashMap<String, String>,
    /// The street each revision renames to its marker, and a number of it without suffix.
    pub(crate) target_street: String,
    pub(crate) target_number: u32,
}

impl Bal {
    /// Every commune of a BANO file (no header: id, numero with its suffix glued, voie,
    /// code_post, nom_comm, source, lat, lon) with 5 to `max_rows` addresses.
    pub(crate) fn from_bano(path: &std::path::Path, max_rows: usize) -> Vec<Self> {
        let file = std::fs::File::open(path).unwrap();
        let gz = flate2::read::GzDecoder::new(file);
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(gz);
        let mut by_commune: BTreeMap<String, (String, Vec<Row>)> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for record in reader.records() {
            let Ok(r) = record else { continue };
            if r.len() < 8 {
                continue;
            }
            let insee = r[0].chars().take(5).collect::<String>().to_uppercase();
            let numero = r[1].trim();
            let digits: String = numero.chars().take_while(char::is_ascii_digit).collect();
            let suffix = numero[digits.len()..].trim().to_lowercase();
            let Ok(number) = digits.parse::<u32>() else { continue };
            let street = r[2].trim().to_owned();
            let (lat, lon) = (r[6].trim().to_owned(), r[7].trim().to_owned());
            if number == 0
                || number >= 99_999
                || street.is_empty()
                || !suffix.chars().all(|c| c.is_ascii_lowercase())
                || suffix.len() > 10
                || lon.parse::<f64>().is_err()
                || lat.parse::<f64>().is_err()
                || !seen.insert((insee.clone(), street.to_lowercase(), number, suffix.clone()))
            {
                continue;
            }
            let entry =
                by_commune.entry(insee).or_insert_with(|| (r[4].trim().to_owned(), Vec::new()));
            entry.1.push((street, number, suffix, lon, lat));
        }
        by_commune
            .into_iter()
            .filter(|(_, (_, rows))| (5..=max_rows).contains(&rows.len()))
            .filter_map(|(insee, (name, rows))| {
                let mut streets: Vec<&String> = rows.iter().map(|r| &r.0).collect();
                streets.sort();
                streets.dedup();
                let codes: HashMap<String, String> = streets
                    .iter()
                    .enumerate()
                    .map(|(i, s)| ((*s).clone(), format!("{:04}", i + 1)))
                    .collect();
                // The street with the most numbers without suffix: found by its number alone.
                let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
                for r in rows.iter().filter(|r| r.2.is_empty()) {
                    *counts.entry(&r.0).or_default() += 1;
                }
                let (street, _) =
                    counts.iter().max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))?;
                let street = (*street).clone();
                let number = rows.iter().find(|r| r.0 == street && r.2.is_empty())?.1;
                Some(Self {
                    insee,
                    name,
                    rows,
                    codes,
                    target_street: street,
                    target_number: number,
                })
            })
            .collect()
    }

    /// The BAL 1.4 file, the target street renamed to `marker`.
    pub(crate) fn with_marker(&self, marker: &str) -> Vec<u8> {
        let mut out = String::from(
            "cle_interop;uid_adresse;voie_nom;lieudit_complement_nom;numero;suffixe;\
             commune_insee;commune_nom;commune_deleguee_insee;commune_deleguee_nom;position;\
             long;lat;x;y;cad_parcelles;source;date_der_maj;certification_commune\n",
        );
        let insee = self.insee.to_lowercase();
        for (street, number, suffix, lon, lat) in &self.rows {
            let key = format!(
                "{insee}_{}_{number:05}{}",
                self.codes[street],
                if suffix.is_empty() { String::new() } else { format!("_{suffix}") }
            );
            let voie = if *street == self.target_street { marker } else { street };
            let voie = voie.replace(';', " ");
            let _ = writeln!(
                out,
                "{key};;{voie};;{number};{suffix};{};{};;;entrée;{lon};{lat};;;;BANO 2015 (dérivé);2025-06-01;0",
                self.insee, self.name
            );
        }
        out.into_bytes()
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// splitmix64: a seeded, dependency-free generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i as u64 + 1) as usize);
        }
    }

    /// A capitalised word of `n` letters (no digit: it cannot read as a house number).
    fn word(&mut self, n: usize) -> String {
        (0..n)
            .map(|i| {
                let c = (b'a' + self.below(26) as u8) as char;
                if i == 0 { c.to_ascii_uppercase() } else { c }
            })
            .collect()
    }
}
