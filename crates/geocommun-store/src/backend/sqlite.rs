//! SQLite: one file in WAL mode, synchronous commits, foreign keys on, a busy timeout; one
//! writer connection (every write transaction starts with `BEGIN IMMEDIATE` on it, so writers
//! queue instead of failing on a lock upgrade) and a small pool of readers.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Reader connections.
const READERS: u32 = 4;

/// The migrations, embedded in the binary.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "commons", include_str!("../../migrations/sqlite/0001_commons.sql")),
    (2, "consolidated ids", include_str!("../../migrations/sqlite/0002_consolidated_ids.sql")),
    (3, "changes", include_str!("../../migrations/sqlite/0003_changes.sql")),
    (4, "webhooks", include_str!("../../migrations/sqlite/0004_webhooks.sql")),
    (5, "editor", include_str!("../../migrations/sqlite/0005_editor.sql")),
];

pub(crate) struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it if needed) and migrates the database at `url` (`sqlite://path`,
    /// `sqlite:path` or `sqlite::memory:`).
    pub(crate) async fn open(url: &str) -> crate::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::invalid("database url", format!("`{url}`: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk (the WAL synced) before it returns, so a publication
            // acknowledged to the client survives a power cut, not only a killed process
            // (NORMAL may lose the last commits then). Writes are few; the sync is cheap.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // An in-memory database lives as long as its one connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        crate::migrate::migrator(MIGRATIONS).run(&write).await?;
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new().max_connections(READERS).connect_with(options).await?
        };
        Ok(Self { read, write })
    }

    async fn begin_write(&self) -> crate::Result<Transaction<'static, Sqlite>> {
        Ok(self.write.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Event ids are already in commit order: there is one writer.
    #[allow(clippy::unused_async)]
    async fn order_events(_tx: &mut Transaction<'static, Sqlite>) -> crate::Result<()> {
        Ok(())
    }

    /// Other processes on one SQLite file are not woken: they poll (see `Store::listen`).
    #[allow(clippy::unused_async)]
    async fn notify_published(
        _tx: &mut Transaction<'static, Sqlite>,
        _commune: &str,
    ) -> crate::Result<()> {
        Ok(())
    }

    pub(crate) async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

common_queries!(SqliteStore, SqliteRow);
editor_queries!(SqliteStore, SqliteRow);
