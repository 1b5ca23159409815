//! One store per test, on either backend, with a manual clock and an SMTP sink.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use geocommun_admin::AdminRegistry;
use geocommun_store::{
    Client, Code, HabilitationId, Mailer, ManualClock, ServerSecret, SmtpConfig, Store,
    StoreConfig, Timestamp,
};
use geocommun_testkit::smtp::{ReceivedMail, SmtpSink};
use sqlx::Connection as _;

/// The real COG 2026 of the shared data.
pub static REGISTRY: LazyLock<Arc<AdminRegistry>> = LazyLock::new(|| {
    Arc::new(
        geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin"))
            .expect("COG of the shared data"),
    )
});

/// 2026-03-02 09:00 UTC.
pub const START: Timestamp = Timestamp(1_772_442_000_000);

/// Perrecy-les-Forges (Saône-et-Loire) and Mont-Bonvillers (Meurthe-et-Moselle): the real
/// BAL files of the shared data.
pub const PERRECY: &str = "71346";
pub const MONT_BONVILLERS: &str = "54084";

pub fn bal(commune: &str) -> Vec<u8> {
    std::fs::read(geocommun_testkit::data_file(&format!("bal/{commune}.csv"))).expect("BAL file")
}

pub fn config_without_mail() -> StoreConfig {
    StoreConfig::new(Arc::clone(&REGISTRY), ServerSecret::random())
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

pub struct Harness {
    pub store: Store,
    /// The store's URL, for the few tests that go around it.
    pub url: String,
    pub clock: ManualClock,
    pub sink: SmtpSink,
    cleanup: Cleanup,
}

fn pg_url() -> String {
    std::env::var("GEOCOMMUN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Schemas of crashed runs older than this are dropped by the next run.
const STALE_SCHEMA: Duration = Duration::from_hours(1);

impl Harness {
    async fn with(url: &str, cleanup: Cleanup) -> Self {
        let clock = ManualClock::new(START);
        let sink = SmtpSink::start().await.expect("SMTP sink");
        let mailer = Mailer::new(&SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port: sink.port(),
            from: "geocommun <no-reply@geocommun.test>".to_owned(),
            credentials: None,
            tls: false,
        })
        .expect("mailer");
        let config = config_without_mail().with_clock(Arc::new(clock.clone())).with_mailer(mailer);
        let store = Store::open(url, config).await.expect("open the store");
        Self { store, url: url.to_owned(), clock, sink, cleanup }
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("commons.db").display());
        Self::with(&url, Cleanup::Sqlite(dir)).await
    }

    /// `None` (with a message) when PostgreSQL is not reachable, outside CI.
    pub async fn postgres() -> Option<Self> {
        let admin_url = pg_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "PostgreSQL unreachable at {admin_url} ({e}): CI needs it for the store's \
                     contract suite"
                );
                eprintln!(
                    "SKIPPED (PostgreSQL half of the store contract suite): {admin_url} \
                     unreachable ({e}); start PostgreSQL or set GEOCOMMUN_TEST_PG_URL"
                );
                return None;
            }
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'geocommun\\_test\\_%'",
        )
        .fetch_all(&mut admin)
        .await
        .expect("list test schemas");
        for s in stale {
            let secs: u64 = s.split('_').nth(2).and_then(|t| t.parse().ok()).unwrap_or(0);
            if secs + STALE_SCHEMA.as_secs() < now {
                let sql = format!("DROP SCHEMA IF EXISTS \"{s}\" CASCADE");
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await;
            }
        }
        let schema = format!("geocommun_test_{now}_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        admin.close().await.ok();
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
        Some(Self::with(&url, Cleanup::Postgres { admin_url, schema }).await)
    }

    /// Closes the store; the schema of a PostgreSQL test is dropped when the harness is
    /// (also when a test panics).
    pub async fn finish(self) {
        self.store.close().await;
    }
    /// Runs one statement on the database directly, around the store (rows affected).
    pub async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
            Ok(sqlx::query(sql).execute(&mut c).await?.rows_affected())
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await?;
            Ok(sqlx::query(sql).execute(&mut c).await?.rows_affected())
        }
    }

    /// The integer a one-value query gives (a `COUNT(*)`), read around the store.
    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_one(&mut c).await.expect("query")
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_one(&mut c).await.expect("query")
        }
    }

    /// The bytes of the first column of every row a query gives, read around the store.
    pub async fn blobs(&self, sql: &str) -> Vec<Vec<u8>> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut c).await.expect("query")
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut c).await.expect("query")
        }
    }

    /// A client, authenticated through its token.
    pub async fn client(&self, name: &str, perimeter: &[&str]) -> Client {
        let perimeter = perimeter.iter().map(|p| p.parse().expect("perimeter entry")).collect();
        let new = self.store.create_client(name, perimeter).await.expect("create client");
        self.store.authenticate(&new.token).await.expect("authenticate")
    }

    /// The mairie directory of the two communes of the shared data.
    pub async fn directory(&self) {
        let csv = format!(
            "code_insee;email;nom_commune\n\
             {PERRECY};mairie@perrecy-les-forges.fr;Perrecy-les-Forges\n\
             {PERRECY};Secretariat@Perrecy-les-Forges.fr;Perrecy-les-Forges\n\
             {MONT_BONVILLERS};mairie.mont-bonvillers@wanadoo.fr;Mont-Bonvillers\n"
        );
        self.store.import_mairie_directory("annuaire.csv", csv.as_bytes()).await.expect("import");
    }

    /// Sends a code to `email` and reads it from the mail the sink received.
    pub async fn send_and_read_code(
        &self,
        client: &Client,
        id: HabilitationId,
        email: &str,
    ) -> (Code, ReceivedMail) {
        let before = self.sink.mails().len();
        self.store.send_code(client, id, email).await.expect("send code");
        let mail = self.sink.wait_for(before + 1).await.pop().expect("a mail");
        (code_in(&mail), mail)
    }

    /// An accepted habilitation of `client` for `commune`, through the mail.
    pub async fn habilitate(&self, client: &Client, commune: &str) -> HabilitationId {
        let h = self.store.create_habilitation(client, commune).await.expect("habilitation");
        let email = self.store.commune_emails(commune).await.expect("emails")[0].clone();
        let (code, _) = self.send_and_read_code(client, h.id, &email).await;
        self.store.validate_code(client, h.id, &code).await.expect("right code");
        h.id
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, schema } = &self.cleanup else { return };
        let (url, sql) = (admin_url.clone(), format!("DROP SCHEMA \"{schema}\" CASCADE"));
        // Drop may run inside the test's runtime (even while it unwinds): use another thread.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&url).await?;
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await?;
                admin.close().await
            })
            .map_err(std::io::Error::other)
        })
        .join();
        assert!(
            matches!(dropped, Ok(Ok(()))) || std::thread::panicking(),
            "could not drop test schema {schema}: {dropped:?}"
        );
    }
}

/// The 6 digits after `code: ` in the mail's body.
pub fn code_in(mail: &ReceivedMail) -> Code {
    let body = mail.body();
    let at = body.find("code: ").expect("`code: ` in the mail") + "code: ".len();
    let digits = &body[at..at + 6];
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "code in mail: {digits:?}");
    Code::from_user(digits)
}

/// A code that is not `code`.
pub fn wrong(code: &Code) -> Code {
    for candidate in ["000000", "111111"] {
        let c = Code::from_user(candidate);
        if &c != code {
            return c;
        }
    }
    unreachable!()
}
