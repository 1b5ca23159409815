//! The editor's rows and queries (migration 0005): the built-in client, sessions, drafts and
//! their append-only versions. Same SQL text on both databases, like `common.rs`.

use super::{Backend, ClientRow};
use crate::error::Result;

/// An editor session as stored, with the status of its habilitation.
pub(crate) struct SessionRow {
    pub id: String,
    pub token_hash: Vec<u8>,
    pub commune: String,
    pub habilitation_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    /// `habilitations.status` of its habilitation.
    pub habilitation_status: String,
}

/// A draft as stored.
#[derive(Clone)]
pub(crate) struct DraftRow {
    pub id: String,
    pub commune: String,
    pub base_revision_id: Option<String>,
    pub head_version: i64,
    pub created_by: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub closed_reason: Option<String>,
    pub revision_id: Option<String>,
}

/// A version of a draft, without the snapshot.
#[derive(Clone)]
pub(crate) struct VersionRow {
    pub version: i64,
    pub state_of: i64,
    pub parent: Option<i64>,
    pub operation: Option<String>,
    pub session_id: String,
    pub created_at: i64,
}

macro_rules! editor_queries {
    ($store:ty, $row:ty) => {
        use crate::backend::editor::{DraftRow, SessionRow, VersionRow};

        const DRAFT_COLUMNS: &str = "id, commune, base_revision_id, head_version, created_by, \
             created_at, closed_at, closed_reason, revision_id";
        const VERSION_COLUMNS: &str =
            "version, state_of, parent, operation, session_id, created_at";

        fn draft_row(r: &$row) -> Result<DraftRow> {
            Ok(DraftRow {
                id: r.try_get("id")?,
                commune: r.try_get("commune")?,
                base_revision_id: r.try_get("base_revision_id")?,
                head_version: r.try_get("head_version")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                closed_at: r.try_get("closed_at")?,
                closed_reason: r.try_get("closed_reason")?,
                revision_id: r.try_get("revision_id")?,
            })
        }

        fn version_row(r: &$row) -> Result<VersionRow> {
            Ok(VersionRow {
                version: r.try_get("version")?,
                state_of: r.try_get("state_of")?,
                parent: r.try_get("parent")?,
                operation: r.try_get("operation")?,
                session_id: r.try_get("session_id")?,
                created_at: r.try_get("created_at")?,
            })
        }

        impl $store {
            /// The built-in client marked `builtin`, if made already.
            pub(crate) async fn builtin_client(&self, builtin: &str) -> Result<Option<ClientRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {CLIENT_COLUMNS} FROM clients WHERE builtin = $1"
                ));
                let row = sqlx::query(sql).bind(builtin).fetch_optional(&self.read).await?;
                row.as_ref().map(client_row).transpose()
            }

            /// Makes the built-in client unless another server made it first.
            pub(crate) async fn insert_builtin_client(
                &self,
                c: &ClientRow,
                builtin: &str,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO clients (id, name, token_hash, created_at, revoked_at, builtin) \
                     VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT DO NOTHING",
                )
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.token_hash)
                .bind(c.created_at)
                .bind(builtin)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            /// The newest pending habilitation of `client` for `commune` whose code was sent
            /// after `sent_after`.
            pub(crate) async fn recent_pending_habilitation(
                &self,
                client: &str,
                commune: &str,
                sent_after: i64,
            ) -> Result<Option<HabilitationRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {HABILITATION_COLUMNS} FROM habilitations \
                     WHERE client_id = $1 AND commune = $2 AND status = 'pending' \
                     AND attempts_left > 0 AND code_sent_at > $3 \
                     ORDER BY code_sent_at DESC, id LIMIT 1"
                ));
                let row = sqlx::query(sql)
                    .bind(client)
                    .bind(commune)
                    .bind(sent_after)
                    .fetch_optional(&self.read)
                    .await?;
                row.as_ref().map(habilitation_row).transpose()
            }

            // ---- sessions ----

            pub(crate) async fn insert_session(&self, s: &SessionRow) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO editor_sessions (id, token_hash, commune, habilitation_id, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&s.id)
                .bind(&s.token_hash)
                .bind(&s.commune)
                .bind(&s.habilitation_id)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn session(&self, id: &str) -> Result<Option<SessionRow>> {
                let row = sqlx::query(
                    "SELECT s.id, s.token_hash, s.commune, s.habilitation_id, s.created_at, \
                     s.expires_at, s.ended_at, h.status AS habilitation_status \
                     FROM editor_sessions s JOIN habilitations h ON h.id = s.habilitation_id \
                     WHERE s.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
                row.map(|r| {
                    Ok(SessionRow {
                        id: r.try_get("id")?,
                        token_hash: r.try_get("token_hash")?,
                        commune: r.try_get("commune")?,
                        habilitation_id: r.try_get("habilitation_id")?,
                        created_at: r.try_get("created_at")?,
                        expires_at: r.try_get("expires_at")?,
                        ended_at: r.try_get("ended_at")?,
                        habilitation_status: r.try_get("habilitation_status")?,
                    })
                })
                .transpose()
            }

            pub(crate) async fn end_session(&self, id: &str, at: i64) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE editor_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }

            // ---- drafts ----

            pub(crate) async fn open_draft(&self, commune: &str) -> Result<Option<DraftRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {DRAFT_COLUMNS} FROM drafts WHERE commune = $1 AND closed_at IS NULL"
                ));
                let row = sqlx::query(sql).bind(commune).fetch_optional(&self.read).await?;
                row.as_ref().map(draft_row).transpose()
            }

            pub(crate) async fn draft(&self, id: &str) -> Result<Option<DraftRow>> {
                let sql =
                    sqlx::AssertSqlSafe(format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1"));
                let row = sqlx::query(sql).bind(id).fetch_optional(&self.read).await?;
                row.as_ref().map(draft_row).transpose()
            }

            /// Opens a draft with its version 0, unless the commune has an open one already
            /// (then `false`, nothing written).
            pub(crate) async fn insert_draft(
                &self,
                d: &DraftRow,
                snapshot: &str,
            ) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "INSERT INTO drafts (id, commune, base_revision_id, head_version, created_by, \
                     created_at) VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(&d.id)
                .bind(&d.commune)
                .bind(&d.base_revision_id)
                .bind(&d.created_by)
                .bind(d.created_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO draft_versions (draft_id, version, state_of, parent, operation, \
                     snapshot, session_id, created_at) VALUES ($1, 0, 0, NULL, NULL, $2, $3, $4)",
                )
                .bind(&d.id)
                .bind(snapshot)
                .bind(&d.created_by)
                .bind(d.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            /// Every version of a draft, oldest first, without the snapshot.
            pub(crate) async fn versions(&self, draft: &str) -> Result<Vec<VersionRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {VERSION_COLUMNS} FROM draft_versions WHERE draft_id = $1 \
                     ORDER BY version"
                ));
                let rows = sqlx::query(sql).bind(draft).fetch_all(&self.read).await?;
                rows.iter().map(version_row).collect()
            }

            pub(crate) async fn snapshot(&self, draft: &str) -> Result<Option<String>> {
                let row = sqlx::query(
                    "SELECT snapshot FROM draft_versions WHERE draft_id = $1 AND version = 0",
                )
                .bind(draft)
                .fetch_optional(&self.read)
                .await?;
                Ok(match row {
                    Some(r) => r.try_get("snapshot")?,
                    None => None,
                })
            }

            /// Appends `v` (its number: `head + 1`) if the draft is open and still at `head`.
            pub(crate) async fn append_version(
                &self,
                draft: &str,
                head: i64,
                v: &VersionRow,
            ) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                // The draft's row first: concurrent appends and its closing queue on it.
                let moved = sqlx::query(
                    "UPDATE drafts SET head_version = $3 \
                     WHERE id = $1 AND head_version = $2 AND closed_at IS NULL",
                )
                .bind(draft)
                .bind(head)
                .bind(v.version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO draft_versions (draft_id, version, state_of, parent, operation, \
                     snapshot, session_id, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
                )
                .bind(draft)
                .bind(v.version)
                .bind(v.state_of)
                .bind(v.parent)
                .bind(&v.operation)
                .bind(&v.session_id)
                .bind(v.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            /// Closes an open draft still at `head` (`abandoned`).
            pub(crate) async fn abandon_draft(&self, draft: &str, head: i64, at: i64) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE drafts SET closed_at = $3, closed_reason = 'abandoned' \
                     WHERE id = $1 AND head_version = $2 AND closed_at IS NULL",
                )
                .bind(draft)
                .bind(head)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }
        }
    };
}

/// Calls the same method on whichever adapter is there.
macro_rules! on_backend {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Backend::Sqlite(b) => b.$method($($arg),*).await,
            Backend::Postgres(b) => b.$method($($arg),*).await,
        }
    };
}

impl Backend {
    pub(crate) async fn builtin_client(&self, builtin: &str) -> Result<Option<ClientRow>> {
        on_backend!(self.builtin_client(builtin))
    }
    pub(crate) async fn insert_builtin_client(&self, c: &ClientRow, builtin: &str) -> Result<()> {
        on_backend!(self.insert_builtin_client(c, builtin))
    }
    pub(crate) async fn recent_pending_habilitation(
        &self,
        client: &str,
        commune: &str,
        sent_after: i64,
    ) -> Result<Option<super::HabilitationRow>> {
        on_backend!(self.recent_pending_habilitation(client, commune, sent_after))
    }
    pub(crate) async fn insert_session(&self, s: &SessionRow) -> Result<()> {
        on_backend!(self.insert_session(s))
    }
    pub(crate) async fn session(&self, id: &str) -> Result<Option<SessionRow>> {
        on_backend!(self.session(id))
    }
    pub(crate) async fn end_session(&self, id: &str, at: i64) -> Result<bool> {
        on_backend!(self.end_session(id, at))
    }
    pub(crate) async fn open_draft(&self, commune: &str) -> Result<Option<DraftRow>> {
        on_backend!(self.open_draft(commune))
    }
    pub(crate) async fn draft(&self, id: &str) -> Result<Option<DraftRow>> {
        on_backend!(self.draft(id))
    }
    pub(crate) async fn insert_draft(&self, d: &DraftRow, snapshot: &str) -> Result<bool> {
        on_backend!(self.insert_draft(d, snapshot))
    }
    pub(crate) async fn versions(&self, draft: &str) -> Result<Vec<VersionRow>> {
        on_backend!(self.versions(draft))
    }
    pub(crate) async fn snapshot(&self, draft: &str) -> Result<Option<String>> {
        on_backend!(self.snapshot(draft))
    }
    pub(crate) async fn append_version(
        &self,
        draft: &str,
        head: i64,
        v: &VersionRow,
    ) -> Result<bool> {
        on_backend!(self.append_version(draft, head, v))
    }
    pub(crate) async fn abandon_draft(&self, draft: &str, head: i64, at: i64) -> Result<bool> {
        on_backend!(self.abandon_draft(draft, head, at))
    }
}
