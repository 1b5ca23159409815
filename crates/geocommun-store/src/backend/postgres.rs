//! PostgreSQL: a pool; transactions at READ COMMITTED, where the conditional `UPDATE`s and
//! `INSERT … ON CONFLICT DO NOTHING` of the shared queries are the optimistic checks (a
//! second publisher of the same commune waits on the first one's row, then sees it moved).

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Transaction};

/// Connections of the pool.
const CONNECTIONS: u32 = 10;

/// Key of the advisory lock that orders event ids (any constant, unique to this use).
const EVENTS_LOCK: i64 = 0x6765_6f63_6576_0001;

/// `NOTIFY` channel of publications (payload: the commune).
const CHANGES_CHANNEL: &str = "geocommun_changes";

/// The migrations, embedded in the binary.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "commons", include_str!("../../migrations/postgres/0001_commons.sql")),
    (2, "consolidated ids", include_str!("../../migrations/postgres/0002_consolidated_ids.sql")),
    (3, "changes", include_str!("../../migrations/postgres/0003_changes.sql")),
    (4, "webhooks", include_str!("../../migrations/postgres/0004_webhooks.sql")),
    (5, "editor", include_str!("../../migrations/postgres/0005_editor.sql")),
];

pub(crate) struct PgStore {
    read: PgPool,
    write: PgPool,
}

impl PgStore {
    /// Connects to and migrates the database at `url` (`postgres://…`; `?options=-c
    /// search_path%3Dschema` selects a schema).
    pub(crate) async fn open(url: &str) -> crate::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| Error::invalid("database url", format!("`{url}`: {e}")))?;
        let pool = PgPoolOptions::new().max_connections(CONNECTIONS).connect_with(options).await?;
        crate::migrate::migrator(MIGRATIONS).run(&pool).await?;
        Ok(Self { read: pool.clone(), write: pool })
    }

    async fn begin_write(&self) -> crate::Result<Transaction<'static, Postgres>> {
        Ok(self.write.begin().await?)
    }

    /// Sequence values are taken at insert time, not at commit: without this lock a
    /// publication could commit event 8 after a reader has seen event 9 and moved its cursor
    /// past 8. Held until the transaction ends, it makes ids follow commit order.
    async fn order_events(tx: &mut Transaction<'static, Postgres>) -> crate::Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENTS_LOCK)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Wakes the other servers on this database (delivered when the transaction commits).
    async fn notify_published(
        tx: &mut Transaction<'static, Postgres>,
        commune: &str,
    ) -> crate::Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(commune)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// A connection listening to the publications of every server on this database.
    pub(crate) async fn listen(&self) -> crate::Result<sqlx::postgres::PgListener> {
        let mut l = sqlx::postgres::PgListener::connect_with(&self.read).await?;
        l.listen(CHANGES_CHANNEL).await?;
        Ok(l)
    }

    pub(crate) async fn close(&self) {
        self.write.close().await;
    }
}

common_queries!(PgStore, PgRow);
editor_queries!(PgStore, PgRow);
