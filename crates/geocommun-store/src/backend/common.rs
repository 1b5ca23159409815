//! The queries both backends share. The SQL below is the same text for SQLite and
//! PostgreSQL (`$n` parameters, `RETURNING`, `ON CONFLICT`, 64-bit integers, text ids,
//! blobs); each adapter expands [`common_queries!`] over its own pool and row types and adds
//! what differs: how a write transaction begins and how events get commit-ordered ids.

macro_rules! common_queries {
    ($store:ty, $row:ty) => {
        use sqlx::Row as _;

        use crate::backend::{
            ChangeRow, ChangeScope, ClientRow, DeadLetterRow, EventRow, HabilitationRow, NewEvent,
            PublishArgs, PublishOutcome, RevisionRow, SavedReport, WebhookRow,
        };
        use crate::error::{Error, Result};

        /// Identifier rows per `INSERT` (4 parameters each, under SQLite's 32,766).
        const ID_ROWS_PER_INSERT: usize = 1_000;
        /// Change rows per `INSERT` (5 parameters each, plus 5 shared).
        const CHANGE_ROWS_PER_INSERT: usize = 1_000;
        const CHANGE_COLUMNS: &str =
            "seq, kind, commune, departement, object_id, revision_id, at, data";

        const WEBHOOK_COLUMNS: &str = "id, client_id, url, secret, scope_kind, scope_code, cursor, \
             attempts, next_attempt_at, last_error, created_at";

        fn webhook_row(r: &$row) -> Result<WebhookRow> {
            Ok(WebhookRow {
                id: r.try_get("id")?,
                client_id: r.try_get("client_id")?,
                url: r.try_get("url")?,
                secret: r.try_get("secret")?,
                scope_kind: r.try_get("scope_kind")?,
                scope_code: r.try_get("scope_code")?,
                cursor: r.try_get("cursor")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
            })
        }

        fn change_row(r: &$row) -> Result<ChangeRow> {
            Ok(ChangeRow {
                seq: r.try_get("seq")?,
                kind: r.try_get("kind")?,
                commune: r.try_get("commune")?,
                departement: r.try_get("departement")?,
                object_id: r.try_get("object_id")?,
                revision_id: r.try_get("revision_id")?,
                at: r.try_get("at")?,
                data: r.try_get("data")?,
            })
        }

        const CLIENT_COLUMNS: &str = "id, name, token_hash, created_at, revoked_at";
        const HABILITATION_COLUMNS: &str = "id, client_id, commune, status, email, code_mac, \
             code_sent_at, code_expires_at, attempts_left, created_at, accepted_at, rejected_at, \
             revoked_at";

        fn client_row(r: &$row) -> Result<ClientRow> {
            Ok(ClientRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                token_hash: r.try_get("token_hash")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }

        fn habilitation_row(r: &$row) -> Result<HabilitationRow> {
            Ok(HabilitationRow {
                id: r.try_get("id")?,
                client_id: r.try_get("client_id")?,
                commune: r.try_get("commune")?,
                status: r.try_get("status")?,
                email: r.try_get("email")?,
                code_mac: r.try_get("code_mac")?,
                code_sent_at: r.try_get("code_sent_at")?,
                code_expires_at: r.try_get("code_expires_at")?,
                attempts_left: r.try_get("attempts_left")?,
                created_at: r.try_get("created_at")?,
                accepted_at: r.try_get("accepted_at")?,
                rejected_at: r.try_get("rejected_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }

        fn revision_row(r: &$row) -> Result<RevisionRow> {
            Ok(RevisionRow {
                id: r.try_get("id")?,
                commune: r.try_get("commune")?,
                client_id: r.try_get("client_id")?,
                status: r.try_get("status")?,
                author: r.try_get("author")?,
                organisation: r.try_get("organisation")?,
                file_sha256: r.try_get("file_sha256")?,
                file_size: r.try_get("file_size")?,
                report: r.try_get("report")?,
                address_count: r.try_get("address_count")?,
                base_revision_id: r.try_get("base_revision_id")?,
                habilitation_id: r.try_get("habilitation_id")?,
                created_at: r.try_get("created_at")?,
                computed_at: r.try_get("computed_at")?,
                published_at: r.try_get("published_at")?,
                current_id: r.try_get("current_id")?,
            })
        }

        fn event_row(r: &$row) -> Result<EventRow> {
            Ok(EventRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                commune: r.try_get("commune")?,
                revision_id: r.try_get("revision_id")?,
                previous_revision_id: r.try_get("previous_revision_id")?,
                addressee_client_id: r.try_get("addressee_client_id")?,
                created_at: r.try_get("created_at")?,
            })
        }

        /// Revisions with the commune's current revision id beside them.
        const REVISION_SELECT: &str = "SELECT r.id, r.commune, r.client_id, r.status, \
             r.author, r.organisation, r.file_sha256, r.file_size, r.report, r.address_count, \
             r.base_revision_id, r.habilitation_id, r.created_at, r.computed_at, r.published_at, \
             c.revision_id AS current_id \
             FROM revisions r LEFT JOIN current_revisions c ON c.commune = r.commune";

        impl $store {
            // ---- clients ----

            pub(crate) async fn insert_client(
                &self,
                c: &ClientRow,
                perimeter: &[(&'static str, String)],
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO clients (id, name, token_hash, created_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.token_hash)
                .bind(c.created_at)
                .bind(c.revoked_at)
                .execute(&mut *tx)
                .await?;
                for (kind, code) in perimeter {
                    sqlx::query(
                        "INSERT INTO client_perimeters (client_id, kind, code) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(&c.id)
                    .bind(*kind)
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn client(&self, id: &str) -> Result<Option<ClientRow>> {
                let sql = sqlx::AssertSqlSafe(format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1"));
                let row = sqlx::query(sql).bind(id).fetch_optional(&self.read).await?;
                row.as_ref().map(client_row).transpose()
            }

            pub(crate) async fn clients(&self) -> Result<Vec<ClientRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {CLIENT_COLUMNS} FROM clients ORDER BY created_at, id"
                ));
                let rows = sqlx::query(sql).fetch_all(&self.read).await?;
                rows.iter().map(client_row).collect()
            }

            pub(crate) async fn perimeter(&self, client: &str) -> Result<Vec<(String, String)>> {
                let rows = sqlx::query(
                    "SELECT kind, code FROM client_perimeters WHERE client_id = $1 ORDER BY kind, code",
                )
                .bind(client)
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("code")?))).collect()
            }

            pub(crate) async fn revoke_client(&self, id: &str, at: i64) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }

            // ---- the mairie directory ----

            pub(crate) async fn replace_emails(
                &self,
                entries: &[(String, String)],
                at: i64,
            ) -> Result<usize> {
                let mut tx = self.begin_write().await?;
                let mut communes: Vec<&str> = entries.iter().map(|(c, _)| c.as_str()).collect();
                communes.sort_unstable();
                communes.dedup();
                for c in &communes {
                    sqlx::query("DELETE FROM mairie_emails WHERE commune = $1")
                        .bind(*c)
                        .execute(&mut *tx)
                        .await?;
                }
                for (commune, email) in entries {
                    sqlx::query(
                        "INSERT INTO mairie_emails (commune, email, imported_at) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(commune)
                    .bind(email)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(communes.len())
            }

            pub(crate) async fn commune_emails(&self, commune: &str) -> Result<Vec<String>> {
                let rows = sqlx::query(
                    "SELECT email FROM mairie_emails WHERE commune = $1 ORDER BY email",
                )
                .bind(commune)
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(|r| Ok(r.try_get("email")?)).collect()
            }

            // ---- habilitations ----

            pub(crate) async fn insert_habilitation(&self, h: &HabilitationRow) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO habilitations (id, client_id, commune, status, attempts_left, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&h.id)
                .bind(&h.client_id)
                .bind(&h.commune)
                .bind(&h.status)
                .bind(h.attempts_left)
                .bind(h.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn habilitation(&self, id: &str) -> Result<Option<HabilitationRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {HABILITATION_COLUMNS} FROM habilitations WHERE id = $1"
                ));
                let row = sqlx::query(sql).bind(id).fetch_optional(&self.read).await?;
                row.as_ref().map(habilitation_row).transpose()
            }

            pub(crate) async fn accepted_habilitation(
                &self,
                client: &str,
                commune: &str,
            ) -> Result<Option<HabilitationRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {HABILITATION_COLUMNS} FROM habilitations \
                     WHERE client_id = $1 AND commune = $2 AND status = 'accepted' \
                     ORDER BY accepted_at DESC, id LIMIT 1"
                ));
                let row =
                    sqlx::query(sql).bind(client).bind(commune).fetch_optional(&self.read).await?;
                row.as_ref().map(habilitation_row).transpose()
            }

            /// Stores a new code unless one was sent after `not_after`.
            pub(crate) async fn set_code(
                &self,
                id: &str,
                email: &str,
                mac: &[u8],
                sent_at: i64,
                expires_at: i64,
                not_after: i64,
            ) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE habilitations SET email = $2, code_mac = $3, code_sent_at = $4, \
                     code_expires_at = $5 \
                     WHERE id = $1 AND status = 'pending' AND attempts_left > 0 \
                     AND (code_sent_at IS NULL OR code_sent_at <= $6)",
                )
                .bind(id)
                .bind(email)
                .bind(mac)
                .bind(sent_at)
                .bind(expires_at)
                .bind(not_after)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }

            /// Forgets the code sent at `sent_at` (the mail could not be sent).
            pub(crate) async fn clear_code(&self, id: &str, sent_at: i64) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE habilitations SET code_mac = NULL, code_sent_at = NULL, \
                     code_expires_at = NULL WHERE id = $1 AND code_sent_at = $2",
                )
                .bind(id)
                .bind(sent_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            /// Counts a wrong code; returns the attempts left, `None` if the habilitation was
            /// no longer pending. At 0 it is rejected.
            pub(crate) async fn wrong_code(&self, id: &str, at: i64) -> Result<Option<i64>> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "UPDATE habilitations SET attempts_left = attempts_left - 1, \
                     status = CASE WHEN attempts_left <= 1 THEN 'rejected' ELSE status END, \
                     rejected_at = CASE WHEN attempts_left <= 1 THEN $2 ELSE rejected_at END, \
                     code_mac = CASE WHEN attempts_left <= 1 THEN NULL ELSE code_mac END \
                     WHERE id = $1 AND status = 'pending' AND attempts_left > 0 \
                     RETURNING attempts_left",
                )
                .bind(id)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(|r| Ok(r.try_get("attempts_left")?)).transpose()
            }

            pub(crate) async fn accept_habilitation(&self, id: &str, mac: &[u8], at: i64) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE habilitations SET status = 'accepted', accepted_at = $3, \
                     code_mac = NULL WHERE id = $1 AND status = 'pending' AND attempts_left > 0 \
                     AND code_mac = $2",
                )
                .bind(id)
                .bind(mac)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }

            pub(crate) async fn revoke_habilitation(&self, id: &str, at: i64) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE habilitations SET status = 'revoked', revoked_at = $2, code_mac = NULL \
                     WHERE id = $1 AND status IN ('pending', 'accepted')",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }

            // ---- revisions ----

            pub(crate) async fn insert_revision(&self, r: &RevisionRow) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO revisions (id, commune, client_id, status, author, organisation, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&r.id)
                .bind(&r.commune)
                .bind(&r.client_id)
                .bind(&r.status)
                .bind(&r.author)
                .bind(&r.organisation)
                .bind(r.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn revision(&self, id: &str) -> Result<Option<RevisionRow>> {
                let sql = sqlx::AssertSqlSafe(format!("{REVISION_SELECT} WHERE r.id = $1"));
                let row = sqlx::query(sql).bind(id).fetch_optional(&self.read).await?;
                row.as_ref().map(revision_row).transpose()
            }

            pub(crate) async fn revisions(&self, commune: &str) -> Result<Vec<RevisionRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "{REVISION_SELECT} WHERE r.commune = $1 ORDER BY r.created_at DESC, r.id"
                ));
                let rows = sqlx::query(sql).bind(commune).fetch_all(&self.read).await?;
                rows.iter().map(revision_row).collect()
            }

            pub(crate) async fn current_revision(&self, commune: &str) -> Result<Option<RevisionRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "{REVISION_SELECT} WHERE r.commune = $1 AND r.id = c.revision_id"
                ));
                let row = sqlx::query(sql).bind(commune).fetch_optional(&self.read).await?;
                row.as_ref().map(revision_row).transpose()
            }

            /// Attaches the file to a pending revision without one.
            pub(crate) async fn attach_file(
                &self,
                id: &str,
                bytes: &[u8],
                sha256: &[u8],
            ) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE revisions SET file_sha256 = $2, file_size = $3 \
                     WHERE id = $1 AND status = 'pending' AND file_sha256 IS NULL",
                )
                .bind(id)
                .bind(sha256)
                .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO revision_files (revision_id, bytes, sha256) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(bytes)
                    .bind(sha256)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            pub(crate) async fn file(&self, id: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
                let row = sqlx::query("SELECT bytes, sha256 FROM revision_files WHERE revision_id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(|r| Ok((r.try_get("bytes")?, r.try_get("sha256")?))).transpose()
            }

            /// Saves a computation unless the revision was published meanwhile.
            pub(crate) async fn save_report(&self, c: &SavedReport<'_>) -> Result<bool> {
                let SavedReport { id, status, report, address_count, base_revision_id, at, ids } =
                    *c;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE revisions SET status = $2, report = $3, address_count = $4, \
                     base_revision_id = $5, computed_at = $6 \
                     WHERE id = $1 AND status IN ('pending', 'ready', 'invalid') \
                     AND file_sha256 IS NOT NULL",
                )
                .bind(id)
                .bind(status)
                .bind(report)
                .bind(address_count)
                .bind(base_revision_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM consolidated_ids WHERE revision_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for chunk in ids.chunks(ID_ROWS_PER_INSERT) {
                    let mut sql = String::from(
                        "INSERT INTO consolidated_ids (revision_id, kind, key, ban_id, cle_interop) \
                         VALUES ",
                    );
                    for i in 0..chunk.len() {
                        let b = i * 4 + 2;
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str(&format!("($1, ${b}, ${}, ${}, ${})", b + 1, b + 2, b + 3));
                    }
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
                    for r in chunk {
                        q = q
                            .bind(r.kind.as_str())
                            .bind(r.key.clone())
                            .bind(r.ban_id.to_string())
                            .bind(r.cle_interop.clone());
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            /// The identifier table of a computed revision.
            pub(crate) async fn consolidated_ids(
                &self,
                revision_id: &str,
            ) -> Result<Vec<(String, String, String, Option<String>)>> {
                let rows = sqlx::query(
                    "SELECT kind, key, ban_id, cle_interop FROM consolidated_ids \
                     WHERE revision_id = $1 ORDER BY kind, key",
                )
                .bind(revision_id)
                .fetch_all(&self.read)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("kind")?,
                            r.try_get("key")?,
                            r.try_get("ban_id")?,
                            r.try_get("cle_interop")?,
                        ))
                    })
                    .collect()
            }

            /// Every commune with a current revision, with that revision's id, by code.
            pub(crate) async fn current_pointers(&self) -> Result<Vec<(String, String)>> {
                let rows = sqlx::query(
                    "SELECT commune, revision_id FROM current_revisions ORDER BY commune",
                )
                .fetch_all(&self.read)
                .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("commune")?, r.try_get("revision_id")?)))
                    .collect()
            }


            /// Publishes in one transaction: moves the commune's current pointer from the
            /// revision the report was computed against (optimistic check), marks the revision
            /// published, sends the commune's other ready revisions back to pending (their
            /// deletion check is stale), checks the habilitation is still accepted, writes the
            /// event.
            pub(crate) async fn publish(&self, p: &PublishArgs) -> Result<PublishOutcome> {
                let mut tx = self.begin_write().await?;
                // 1. The pointer first: it serialises publications of the commune.
                let moved = match &p.base_revision_id {
                    None => sqlx::query(
                        "INSERT INTO current_revisions (commune, revision_id, published_at) \
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(&p.commune)
                    .bind(&p.revision_id)
                    .bind(p.at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                    Some(base) => sqlx::query(
                        "UPDATE current_revisions SET revision_id = $2, published_at = $3 \
                         WHERE commune = $1 AND revision_id = $4",
                    )
                    .bind(&p.commune)
                    .bind(&p.revision_id)
                    .bind(p.at)
                    .bind(base)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                };
                if moved != 1 {
                    return Err(Error::conflict(format!(
                        "commune {} was published by another revision since this one was \
                         computed: compute it again, then publish",
                        p.commune
                    )));
                }
                // 2. The revision.
                let done = sqlx::query(
                    "UPDATE revisions SET status = 'published', published_at = $2, \
                     habilitation_id = $3 WHERE id = $1 AND status = 'ready'",
                )
                .bind(&p.revision_id)
                .bind(p.at)
                .bind(&p.habilitation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    return Err(Error::conflict(format!(
                        "revision {} is no longer ready (computed again or published meanwhile)",
                        p.revision_id
                    )));
                }
                // 3. The habilitation, still accepted.
                if let Some(h) = &p.habilitation_id {
                    let status: Option<String> =
                        sqlx::query("SELECT status FROM habilitations WHERE id = $1")
                            .bind(h)
                            .fetch_optional(&mut *tx)
                            .await?
                            .map(|r| r.try_get("status"))
                            .transpose()?;
                    if status.as_deref() != Some("accepted") {
                        return Err(Error::forbidden(format!(
                            "habilitation {h} was revoked meanwhile"
                        )));
                    }
                }
                // 3b. The editor's draft it was made from is closed, if still at its version.
                if let Some((draft, head)) = &p.close_draft {
                    let closed = sqlx::query(
                        "UPDATE drafts SET closed_at = $3, closed_reason = 'published', \
                         revision_id = $4 \
                         WHERE id = $1 AND head_version = $2 AND closed_at IS NULL",
                    )
                    .bind(draft)
                    .bind(head)
                    .bind(p.at)
                    .bind(&p.revision_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if closed != 1 {
                        return Err(Error::conflict(format!(
                            "draft {draft} changed, or was closed, while it was being \
                             published: nothing was published; publish it again"
                        )));
                    }
                }
                // 4. The other ready revisions of the commune must be computed again.
                sqlx::query(
                    "UPDATE revisions SET status = 'pending' \
                     WHERE commune = $1 AND status = 'ready' AND id <> $2",
                )
                .bind(&p.commune)
                .bind(&p.revision_id)
                .execute(&mut *tx)
                .await?;
                // 5. The event, addressed to the client of the replaced revision.
                let previous_client: Option<String> = match &p.base_revision_id {
                    None => None,
                    Some(base) => sqlx::query("SELECT client_id FROM revisions WHERE id = $1")
                        .bind(base)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get("client_id"))
                        .transpose()?,
                };
                Self::order_events(&mut tx).await?;
                let event = NewEvent {
                    kind: if p.base_revision_id.is_some() {
                        "revision_replaced"
                    } else {
                        "revision_published"
                    },
                    previous_client,
                };
                let row = sqlx::query(
                    "INSERT INTO events (kind, commune, revision_id, previous_revision_id, \
                     addressee_client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     RETURNING id, kind, commune, revision_id, previous_revision_id, \
                     addressee_client_id, created_at",
                )
                .bind(event.kind)
                .bind(&p.commune)
                .bind(&p.revision_id)
                .bind(&p.base_revision_id)
                .bind(&event.previous_client)
                .bind(p.at)
                .fetch_one(&mut *tx)
                .await?;
                let event = event_row(&row)?;
                // 6. The changes, numbered after the last one: the events lock (or SQLite's
                //    single writer) makes the numbers follow commit order, without gaps.
                let head: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM changes")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("head")?;
                for (k, chunk) in p.changes.chunks(CHANGE_ROWS_PER_INSERT).enumerate() {
                    let mut sql = String::from(
                        "INSERT INTO changes (seq, event_id, kind, commune, departement, \
                         object_id, revision_id, at, data) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        let b = i * 4 + 6;
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str(&format!(
                            "(${b}, $1, ${}, $2, $3, ${}, $4, $5, ${})",
                            b + 1,
                            b + 2,
                            b + 3
                        ));
                    }
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(event.id)
                        .bind(&p.commune)
                        .bind(&p.departement)
                        .bind(&p.revision_id)
                        .bind(p.at);
                    for (i, c) in chunk.iter().enumerate() {
                        let seq = head + (k * CHANGE_ROWS_PER_INSERT + i) as i64 + 1;
                        q = q.bind(seq).bind(c.kind).bind(&c.object_id).bind(&c.data);
                    }
                    q.execute(&mut *tx).await?;
                }
                Self::notify_published(&mut tx, &p.commune).await?;
                tx.commit().await?;
                Ok(PublishOutcome { event, last_seq: head + p.changes.len() as i64 })
            }

            pub(crate) async fn changes(
                &self,
                scope: ChangeScope<'_>,
                after: i64,
                limit: i64,
            ) -> Result<Vec<ChangeRow>> {
                let (filter, value) = match scope {
                    ChangeScope::All => ("", None),
                    ChangeScope::Commune(c) => ("AND commune = $3", Some(c)),
                    ChangeScope::Departement(d) => ("AND departement = $3", Some(d)),
                    ChangeScope::Object(o) => ("AND object_id = $3", Some(o)),
                };
                let sql = format!(
                    "SELECT {CHANGE_COLUMNS} FROM changes WHERE seq > $1 {filter} \
                     ORDER BY seq LIMIT $2"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit);
                if let Some(v) = value {
                    q = q.bind(v);
                }
                q.fetch_all(&self.read).await?.iter().map(change_row).collect()
            }

            pub(crate) async fn insert_webhook(&self, w: &WebhookRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO webhooks (id, client_id, url, secret, scope_kind, scope_code, \
                     cursor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&w.id)
                .bind(&w.client_id)
                .bind(&w.url)
                .bind(&w.secret)
                .bind(&w.scope_kind)
                .bind(&w.scope_code)
                .bind(w.cursor)
                .bind(w.created_at)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            pub(crate) async fn webhooks(
                &self,
                client: Option<&str>,
                due_at: Option<i64>,
            ) -> Result<Vec<WebhookRow>> {
                let sql = format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE deleted_at IS NULL \
                     AND (CAST($1 AS TEXT) IS NULL OR client_id = $1) \
                     AND (CAST($2 AS BIGINT) IS NULL OR next_attempt_at <= $2) \
                     ORDER BY created_at, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(client)
                    .bind(due_at)
                    .fetch_all(&self.read)
                    .await?
                    .iter()
                    .map(webhook_row)
                    .collect()
            }

            pub(crate) async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>> {
                let sql = format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND deleted_at IS NULL"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .as_ref()
                    .map(webhook_row)
                    .transpose()
            }

            pub(crate) async fn delete_webhook(&self, id: &str, at: i64) -> Result<bool> {
                Ok(sqlx::query(
                    "UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&self.write)
                .await?
                .rows_affected()
                    == 1)
            }

            pub(crate) async fn webhook_delivered(
                &self,
                id: &str,
                from: i64,
                to: i64,
            ) -> Result<bool> {
                Ok(sqlx::query(
                    "UPDATE webhooks SET cursor = $3, attempts = 0, next_attempt_at = 0, \
                     last_error = NULL WHERE id = $1 AND cursor = $2",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .execute(&self.write)
                .await?
                .rows_affected()
                    == 1)
            }

            pub(crate) async fn webhook_failed(
                &self,
                id: &str,
                cursor: i64,
                attempts: i64,
                next_at: i64,
                error: &str,
            ) -> Result<bool> {
                Ok(sqlx::query(
                    "UPDATE webhooks SET attempts = $3, next_attempt_at = $4, last_error = $5 \
                     WHERE id = $1 AND cursor = $2",
                )
                .bind(id)
                .bind(cursor)
                .bind(attempts)
                .bind(next_at)
                .bind(error)
                .execute(&self.write)
                .await?
                .rows_affected()
                    == 1)
            }

            pub(crate) async fn webhook_dead_letter(
                &self,
                id: &str,
                from: i64,
                d: &DeadLetterRow,
            ) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let moved = sqlx::query(
                    "UPDATE webhooks SET cursor = $3, attempts = 0, next_attempt_at = 0 \
                     WHERE id = $1 AND cursor = $2",
                )
                .bind(id)
                .bind(from)
                .bind(d.last_seq)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO webhook_dead_letters (webhook_id, first_seq, last_seq, attempts, \
                     last_error, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(d.first_seq)
                .bind(d.last_seq)
                .bind(d.attempts)
                .bind(&d.last_error)
                .bind(&d.payload)
                .bind(d.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            pub(crate) async fn dead_letters(&self, webhook: &str) -> Result<Vec<DeadLetterRow>> {
                sqlx::query(
                    "SELECT id, first_seq, last_seq, attempts, last_error, payload, created_at \
                     FROM webhook_dead_letters WHERE webhook_id = $1 ORDER BY id",
                )
                .bind(webhook)
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|r| {
                    Ok(DeadLetterRow {
                        id: r.try_get("id")?,
                        first_seq: r.try_get("first_seq")?,
                        last_seq: r.try_get("last_seq")?,
                        attempts: r.try_get("attempts")?,
                        last_error: r.try_get("last_error")?,
                        payload: r.try_get("payload")?,
                        created_at: r.try_get("created_at")?,
                    })
                })
                .collect()
            }

            pub(crate) async fn feed_head(&self) -> Result<i64> {
                Ok(sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM changes")
                    .fetch_one(&self.read)
                    .await?
                    .try_get("head")?)
            }

            pub(crate) async fn cursor_at(&self, at: i64) -> Result<i64> {
                Ok(sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM changes WHERE at <= $1")
                    .bind(at)
                    .fetch_one(&self.read)
                    .await?
                    .try_get("head")?)
            }

            pub(crate) async fn pointers_at_head(&self) -> Result<(i64, Vec<(String, String)>)> {
                // Read the head, the pointers, then the head again: equal heads mean no
                // publication came between (a publication moves both in one transaction).
                loop {
                    let head = self.feed_head().await?;
                    let pointers = self.current_pointers().await?;
                    if self.feed_head().await? == head {
                        return Ok((head, pointers));
                    }
                }
            }

            pub(crate) async fn pointers_at(&self, at: i64) -> Result<Vec<(String, String)>> {
                let rows = sqlx::query(
                    "SELECT c.commune, c.revision_id FROM changes c \
                     JOIN (SELECT commune, MAX(seq) AS seq FROM changes \
                           WHERE at <= $1 AND kind IN ('commune.replaced', 'commune.republished') \
                           GROUP BY commune) last ON last.seq = c.seq \
                     ORDER BY c.commune",
                )
                .bind(at)
                .fetch_all(&self.read)
                .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("commune")?, r.try_get("revision_id")?)))
                    .collect()
            }

            pub(crate) async fn events(&self, after: i64, limit: i64) -> Result<Vec<EventRow>> {
                let rows = sqlx::query(
                    "SELECT id, kind, commune, revision_id, previous_revision_id, \
                     addressee_client_id, created_at FROM events WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(event_row).collect()
            }
        }
    };
}
