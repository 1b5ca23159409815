//! The two database adapters behind one enum. Everything SQL lives under this module; rows
//! are plain structs that `store.rs` turns into domain types.

#[macro_use]
mod common;
#[macro_use]
pub(crate) mod editor;
pub(crate) mod postgres;
pub(crate) mod sqlite;

use crate::error::Result;

pub(crate) struct ClientRow {
    pub id: String,
    pub name: String,
    pub token_hash: Vec<u8>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub(crate) struct HabilitationRow {
    pub id: String,
    pub client_id: String,
    pub commune: String,
    pub status: String,
    pub email: Option<String>,
    pub code_mac: Option<Vec<u8>>,
    pub code_sent_at: Option<i64>,
    pub code_expires_at: Option<i64>,
    pub attempts_left: i64,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
    pub rejected_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub(crate) struct RevisionRow {
    pub id: String,
    pub commune: String,
    pub client_id: String,
    pub status: String,
    pub author: Option<String>,
    pub organisation: Option<String>,
    pub file_sha256: Option<Vec<u8>>,
    pub file_size: Option<i64>,
    pub report: Option<String>,
    pub address_count: Option<i64>,
    pub base_revision_id: Option<String>,
    pub habilitation_id: Option<String>,
    pub created_at: i64,
    pub computed_at: Option<i64>,
    pub published_at: Option<i64>,
    /// The commune's current revision (from `current_revisions`).
    pub current_id: Option<String>,
}

pub(crate) struct EventRow {
    pub id: i64,
    pub kind: String,
    pub commune: String,
    pub revision_id: String,
    pub previous_revision_id: Option<String>,
    pub addressee_client_id: Option<String>,
    pub created_at: i64,
}

pub(crate) struct NewEvent {
    pub kind: &'static str,
    pub previous_client: Option<String>,
}

/// A change of the feed to write with a publication (numbered by the backend).
pub(crate) struct ChangeArgs {
    pub kind: &'static str,
    pub object_id: String,
    /// The record after the change, as JSON.
    pub data: Option<String>,
}

/// A numbered change as stored.
pub(crate) struct ChangeRow {
    pub seq: i64,
    pub kind: String,
    pub commune: String,
    pub departement: String,
    pub object_id: String,
    pub revision_id: String,
    pub at: i64,
    pub data: Option<String>,
}

/// A webhook as stored.
#[derive(Clone)]
pub(crate) struct WebhookRow {
    pub id: String,
    pub client_id: String,
    pub url: String,
    pub secret: String,
    pub scope_kind: String,
    pub scope_code: Option<String>,
    pub cursor: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// A dead letter as stored.
pub(crate) struct DeadLetterRow {
    pub id: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub payload: String,
    pub created_at: i64,
}

/// Which changes to read.
pub(crate) enum ChangeScope<'a> {
    All,
    Commune(&'a str),
    Departement(&'a str),
    Object(&'a str),
}

pub(crate) struct PublishArgs {
    pub revision_id: String,
    pub commune: String,
    pub departement: String,
    /// What the publication changes in the base, in feed order.
    pub changes: Vec<ChangeArgs>,
    /// The current revision the report was computed against.
    pub base_revision_id: Option<String>,
    pub habilitation_id: Option<String>,
    pub at: i64,
    /// The editor's draft this revision was made from, and the version it was made at: the
    /// draft is closed in the same transaction, if it is still at that version.
    pub close_draft: Option<(String, i64)>,
}

/// A computation to save: the report and the consolidation's identifier table.
#[derive(Clone, Copy)]
pub(crate) struct SavedReport<'a> {
    pub id: &'a str,
    pub status: &'a str,
    pub report: &'a str,
    pub address_count: i64,
    pub base_revision_id: Option<&'a str>,
    pub at: i64,
    pub ids: &'a [crate::consolidate::IdRow],
}

pub(crate) struct PublishOutcome {
    pub event: EventRow,
    /// The feed cursor after the publication's changes (its last change's number).
    pub last_seq: i64,
}

/// One of the two adapters.
pub(crate) enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// Calls the same method on whichever adapter is there.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Backend::Sqlite(b) => b.$method($($arg),*).await,
            Backend::Postgres(b) => b.$method($($arg),*).await,
        }
    };
}

impl Backend {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    pub(crate) async fn close(&self) {
        dispatch!(self.close());
    }

    pub(crate) async fn insert_client(
        &self,
        c: &ClientRow,
        perimeter: &[(&'static str, String)],
    ) -> Result<()> {
        dispatch!(self.insert_client(c, perimeter))
    }
    pub(crate) async fn client(&self, id: &str) -> Result<Option<ClientRow>> {
        dispatch!(self.client(id))
    }
    pub(crate) async fn clients(&self) -> Result<Vec<ClientRow>> {
        dispatch!(self.clients())
    }
    pub(crate) async fn perimeter(&self, client: &str) -> Result<Vec<(String, String)>> {
        dispatch!(self.perimeter(client))
    }
    pub(crate) async fn revoke_client(&self, id: &str, at: i64) -> Result<bool> {
        dispatch!(self.revoke_client(id, at))
    }
    pub(crate) async fn replace_emails(
        &self,
        entries: &[(String, String)],
        at: i64,
    ) -> Result<usize> {
        dispatch!(self.replace_emails(entries, at))
    }
    pub(crate) async fn commune_emails(&self, commune: &str) -> Result<Vec<String>> {
        dispatch!(self.commune_emails(commune))
    }
    pub(crate) async fn insert_habilitation(&self, h: &HabilitationRow) -> Result<()> {
        dispatch!(self.insert_habilitation(h))
    }
    pub(crate) async fn habilitation(&self, id: &str) -> Result<Option<HabilitationRow>> {
        dispatch!(self.habilitation(id))
    }
    pub(crate) async fn accepted_habilitation(
        &self,
        client: &str,
        commune: &str,
    ) -> Result<Option<HabilitationRow>> {
        dispatch!(self.accepted_habilitation(client, commune))
    }
    pub(crate) async fn set_code(
        &self,
        id: &str,
        email: &str,
        mac: &[u8],
        sent_at: i64,
        expires_at: i64,
        not_after: i64,
    ) -> Result<bool> {
        dispatch!(self.set_code(id, email, mac, sent_at, expires_at, not_after))
    }
    pub(crate) async fn clear_code(&self, id: &str, sent_at: i64) -> Result<()> {
        dispatch!(self.clear_code(id, sent_at))
    }
    pub(crate) async fn wrong_code(&self, id: &str, at: i64) -> Result<Option<i64>> {
        dispatch!(self.wrong_code(id, at))
    }
    pub(crate) async fn accept_habilitation(&self, id: &str, mac: &[u8], at: i64) -> Result<bool> {
        dispatch!(self.accept_habilitation(id, mac, at))
    }
    pub(crate) async fn revoke_habilitation(&self, id: &str, at: i64) -> Result<bool> {
        dispatch!(self.revoke_habilitation(id, at))
    }
    pub(crate) async fn insert_revision(&self, r: &RevisionRow) -> Result<()> {
        dispatch!(self.insert_revision(r))
    }
    pub(crate) async fn revision(&self, id: &str) -> Result<Option<RevisionRow>> {
        dispatch!(self.revision(id))
    }
    pub(crate) async fn revisions(&self, commune: &str) -> Result<Vec<RevisionRow>> {
        dispatch!(self.revisions(commune))
    }
    pub(crate) async fn current_revision(&self, commune: &str) -> Result<Option<RevisionRow>> {
        dispatch!(self.current_revision(commune))
    }
    pub(crate) async fn attach_file(&self, id: &str, bytes: &[u8], sha256: &[u8]) -> Result<bool> {
        dispatch!(self.attach_file(id, bytes, sha256))
    }
    pub(crate) async fn file(&self, id: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        dispatch!(self.file(id))
    }
    pub(crate) async fn save_report(&self, c: &SavedReport<'_>) -> Result<bool> {
        dispatch!(self.save_report(c))
    }
    pub(crate) async fn consolidated_ids(
        &self,
        revision_id: &str,
    ) -> Result<Vec<(String, String, String, Option<String>)>> {
        dispatch!(self.consolidated_ids(revision_id))
    }
    pub(crate) async fn current_pointers(&self) -> Result<Vec<(String, String)>> {
        dispatch!(self.current_pointers())
    }
    pub(crate) async fn publish(&self, p: &PublishArgs) -> Result<PublishOutcome> {
        dispatch!(self.publish(p))
    }
    pub(crate) async fn events(&self, after: i64, limit: i64) -> Result<Vec<EventRow>> {
        dispatch!(self.events(after, limit))
    }
    pub(crate) async fn changes(
        &self,
        scope: ChangeScope<'_>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ChangeRow>> {
        dispatch!(self.changes(scope, after, limit))
    }
    pub(crate) async fn feed_head(&self) -> Result<i64> {
        dispatch!(self.feed_head())
    }
    pub(crate) async fn insert_webhook(&self, w: &WebhookRow) -> Result<()> {
        dispatch!(self.insert_webhook(w))
    }
    /// Live webhooks: of one client, or (`None`) those due at `due_at`.
    pub(crate) async fn webhooks(
        &self,
        client: Option<&str>,
        due_at: Option<i64>,
    ) -> Result<Vec<WebhookRow>> {
        dispatch!(self.webhooks(client, due_at))
    }
    pub(crate) async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>> {
        dispatch!(self.webhook(id))
    }
    pub(crate) async fn delete_webhook(&self, id: &str, at: i64) -> Result<bool> {
        dispatch!(self.delete_webhook(id, at))
    }
    /// Moves the cursor from `from` to `to` (delivered), resetting the attempts.
    pub(crate) async fn webhook_delivered(&self, id: &str, from: i64, to: i64) -> Result<bool> {
        dispatch!(self.webhook_delivered(id, from, to))
    }
    pub(crate) async fn webhook_failed(
        &self,
        id: &str,
        cursor: i64,
        attempts: i64,
        next_at: i64,
        error: &str,
    ) -> Result<bool> {
        dispatch!(self.webhook_failed(id, cursor, attempts, next_at, error))
    }
    pub(crate) async fn webhook_dead_letter(
        &self,
        id: &str,
        from: i64,
        d: &DeadLetterRow,
    ) -> Result<bool> {
        dispatch!(self.webhook_dead_letter(id, from, d))
    }
    pub(crate) async fn dead_letters(&self, webhook: &str) -> Result<Vec<DeadLetterRow>> {
        dispatch!(self.dead_letters(webhook))
    }
    pub(crate) async fn cursor_at(&self, at: i64) -> Result<i64> {
        dispatch!(self.cursor_at(at))
    }
    /// The current pointers and the feed's head, read together (an export's cursor).
    pub(crate) async fn pointers_at_head(&self) -> Result<(i64, Vec<(String, String)>)> {
        dispatch!(self.pointers_at_head())
    }
    /// Per commune, the revision that was current at `at` (from the feed's commune changes).
    pub(crate) async fn pointers_at(&self, at: i64) -> Result<Vec<(String, String)>> {
        dispatch!(self.pointers_at(at))
    }
}
