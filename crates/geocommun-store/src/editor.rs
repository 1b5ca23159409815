//! The editor of the web UI (issue #7, docs/editor.md): a person of a mairie signs in with a
//! code sent to the commune's official addresses, edits the commune's draft, and publishes it.
//!
//! - **The built-in editor client.** The editor acts as a client of the store, like any
//!   application, so that its publications go through the same rules (revision, file,
//!   compute, publish, habilitation, event, feed). It is one row of `clients` marked
//!   `builtin = 'editor'`, made on first use; it has no token (nobody can authenticate as
//!   it) and no perimeter: each of its actions is made with the accepted habilitation of the
//!   session that asked, and that one only.
//! - **Sign-in** creates a habilitation of the editor client for the commune and sends its
//!   code to every official address of the mairie at once; within 5 minutes of a code, a new
//!   sign-in answers the same habilitation instead of mailing again. The right code accepts
//!   the habilitation and opens a **session**: a random token (`ges_…`, shown once), kept as
//!   its SHA-256, valid 12 hours, bound to the commune and the habilitation (revoking the
//!   habilitation ends the session at once).
//! - **Drafts** are kept server-side, one open per commune, with every version: version 0 is
//!   the draft as built from the commune's current BAL revision (else its fallback data,
//!   given by the caller as a BAL), every operation appends a version, and undo appends a
//!   version whose state is an earlier one. Nothing is ever deleted or updated in the
//!   versions (triggers refuse it); a draft moves from version N to N + 1 only if it is still
//!   at N, so two people editing at once never lose each other's work silently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use geocommun_bal::draft::{Base, Context, Draft, Operation, Origin, Refusal};
use geocommun_bal::{Date, Options, Validator};

use crate::backend::editor::{DraftRow, SessionRow, VersionRow};
use crate::backend::{ClientRow, HabilitationRow};
use crate::clock::Timestamp;
use crate::consolidate::consolidate;
use crate::error::{Error, Result};
use crate::feed::{self, ChangeKind, NewChange, Record};
use crate::habilitation::HabilitationStatus;
use crate::ids::{ClientId, DraftId, HabilitationId, RevisionId, SessionId};
use crate::limits::{
    CODE_ATTEMPTS, CODE_RESEND_DELAY, CODE_VALIDITY, DRAFT_CACHE_ENTRIES, SESSION_VALIDITY,
};
use crate::revision::{Publication, Revision, RevisionContext, RevisionStatus};
use crate::secret::{Code, SessionToken, same};
use crate::store::{Store, habilitation_from};

/// The `builtin` mark of the editor's client.
pub const EDITOR_BUILTIN: &str = "editor";

/// The name of the editor's client (shown as the publisher of its revisions).
pub const EDITOR_CLIENT_NAME: &str = "éditeur geocommun";

/// Why a session token is refused (the `reason` of [`Error::Unauthenticated`]).
pub mod refusal {
    /// Not a session token at all.
    pub const MALFORMED: &str = "malformed session token";
    /// No such session, or the wrong secret: a guess.
    pub const UNKNOWN: &str = "unknown session";
    pub const EXPIRED: &str = "session expired";
    pub const ENDED: &str = "signed out";
    /// The habilitation the session was opened with was revoked (or rejected).
    pub const REVOKED: &str = "habilitation revoked";
}

/// A draft as built at one of its versions: `((draft id, version), state)`.
type CachedDraft = ((String, i64), Arc<Draft>);

/// What the store keeps in memory for the editor.
#[derive(Default)]
pub(crate) struct EditorMemory {
    client: tokio::sync::OnceCell<ClientId>,
    /// Drafts as built at a version (`(draft, version)` → state), newest used last.
    drafts: Mutex<Vec<CachedDraft>>,
}

impl EditorMemory {
    fn get(&self, draft: &str, version: i64) -> Option<Arc<Draft>> {
        let mut cache = self.drafts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = cache.iter().position(|((d, v), _)| d == draft && *v == version)?;
        let entry = cache.remove(i);
        let state = Arc::clone(&entry.1);
        cache.push(entry);
        Some(state)
    }

    fn put(&self, draft: &str, version: i64, state: Arc<Draft>) {
        let mut cache = self.drafts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.retain(|((d, v), _)| !(d == draft && *v == version));
        if cache.len() >= DRAFT_CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push(((draft.to_owned(), version), state));
    }

    fn forget(&self, draft: &str) {
        let mut cache = self.drafts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.retain(|((d, _), _)| d != draft);
    }
}

/// A sign-in under way: the habilitation whose code went to the mairie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditorSignIn {
    pub habilitation: HabilitationId,
    /// The official addresses the code went to.
    pub emails: Vec<String>,
    /// When the code expires.
    pub expires_at: Timestamp,
    /// `false`: a code had been sent less than 5 minutes before; this is that sign-in again,
    /// and no new mail was sent.
    pub code_sent: bool,
}

/// A signed-in person of a mairie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditorSession {
    pub id: SessionId,
    pub commune: String,
    pub habilitation: HabilitationId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A session just opened, with its token (shown once).
#[derive(Debug)]
pub struct NewEditorSession {
    pub session: EditorSession,
    pub token: SessionToken,
}

/// A draft at its latest version.
#[derive(Clone)]
pub struct DraftView {
    pub id: DraftId,
    pub commune: String,
    /// The latest version (0 when just opened; undo adds a version too).
    pub version: i64,
    /// Whether an operation can be undone.
    pub can_undo: bool,
    /// The revision it was built from (`None`: the fallback data).
    pub base_revision: Option<RevisionId>,
    pub created_at: Timestamp,
    pub draft: Arc<Draft>,
}

impl std::fmt::Debug for DraftView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftView")
            .field("id", &self.id)
            .field("commune", &self.commune)
            .field("version", &self.version)
            .field("can_undo", &self.can_undo)
            .field("base_revision", &self.base_revision)
            .field("voies", &self.draft.voies.len())
            .field("numeros", &self.draft.numeros.len())
            .finish_non_exhaustive()
    }
}

/// What an operation came to.
#[derive(Clone, Debug)]
pub enum Edited {
    Applied(DraftView),
    /// Refused by the rules; the draft is unchanged.
    Refused(Refusal),
}

/// What publishing a draft came to.
#[derive(Clone, Debug)]
pub enum DraftPublication {
    /// Published: the draft is closed.
    Published(Publication),
    /// The revision made from the draft has errors (its report says which): nothing was
    /// published and the draft stays open.
    Invalid(Revision),
}

/// The day of a timestamp, as the validator's dates.
fn date(t: Timestamp) -> Date {
    Date::from_days(t.days())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!("{what}: {e}"))
}

impl Store {
    // ---------------------------------------------------------------- the editor's client

    /// The built-in editor client, made on first use. Refused when the operator revoked it
    /// (`geocommun client revoke`): that switches the editor off.
    pub async fn editor_client(&self) -> Result<crate::client::Client> {
        let id = self
            .editor
            .client
            .get_or_try_init(|| async {
                if let Some(row) = self.backend.builtin_client(EDITOR_BUILTIN).await? {
                    return ClientId::parse_stored(&row.id);
                }
                let row = ClientRow {
                    id: ClientId::new().to_string(),
                    name: EDITOR_CLIENT_NAME.to_owned(),
                    // No token: an empty hash matches none (see `Store::authenticate`).
                    token_hash: Vec::new(),
                    created_at: self.now().0,
                    revoked_at: None,
                };
                self.backend.insert_builtin_client(&row, EDITOR_BUILTIN).await?;
                // Another server may have made it first: read the one that is there.
                let row = self
                    .backend
                    .builtin_client(EDITOR_BUILTIN)
                    .await?
                    .ok_or_else(|| corrupt("editor client", "not found after insertion"))?;
                tracing::info!(client = %row.id, "editor client created");
                ClientId::parse_stored(&row.id)
            })
            .await?;
        let client = self.client(*id).await?;
        if !client.is_active() {
            return Err(Error::forbidden(
                "the editor is switched off on this server (the operator revoked its client)",
            ));
        }
        Ok(client)
    }

    // ---------------------------------------------------------------- sign-in and sessions

    /// Sends a sign-in code to every official address of the commune's mairie. Within 5
    /// minutes of the last code for the commune, answers that sign-in again without mailing.
    pub async fn editor_sign_in(&self, commune: &str) -> Result<EditorSignIn> {
        let name =
            self.commune_name(commune).ok_or_else(|| Error::not_found("commune", commune))?;
        let Some(mailer) = self.config.mailer.clone() else {
            return Err(Error::Mail("no SMTP relay is configured".to_owned()));
        };
        let emails = self.commune_emails(commune).await?;
        if emails.is_empty() {
            return Err(Error::conflict(format!(
                "no official e-mail address of the mairie of {name} ({commune}) is known: ask \
                 the operator of this server to import it into the mairie directory \
                 (`geocommun directory import`)"
            )));
        }
        let client = self.editor_client().await?;
        let now = self.now();
        let since = now.0 - i64::try_from(CODE_RESEND_DELAY.as_millis()).unwrap_or(0);
        if let Some(h) =
            self.backend.recent_pending_habilitation(&client.id.to_string(), commune, since).await?
        {
            let h = habilitation_from(h)?;
            return Ok(EditorSignIn {
                habilitation: h.id,
                emails,
                expires_at: h.code_expires_at.unwrap_or(now),
                code_sent: false,
            });
        }
        let id = HabilitationId::new();
        self.backend
            .insert_habilitation(&HabilitationRow {
                id: id.to_string(),
                client_id: client.id.to_string(),
                commune: commune.to_owned(),
                status: HabilitationStatus::Pending.as_str().to_owned(),
                email: None,
                code_mac: None,
                code_sent_at: None,
                code_expires_at: None,
                attempts_left: i64::from(CODE_ATTEMPTS),
                created_at: now.0,
                accepted_at: None,
                rejected_at: None,
                revoked_at: None,
            })
            .await?;
        let code = Code::generate();
        let mac = self.config.secret.code_mac(&id.to_string(), &code);
        let expires = now.plus(CODE_VALIDITY);
        let to = emails.join(", ");
        if !self.backend.set_code(&id.to_string(), &to, &mac, now.0, expires.0, now.0).await? {
            return Err(corrupt("sign-in", "the new habilitation took no code"));
        }
        if let Err(e) = mailer.send_editor_code(&emails, commune, &name, &code).await {
            self.backend.clear_code(&id.to_string(), now.0).await?;
            return Err(e);
        }
        tracing::info!(habilitation = %id, commune, "editor sign-in code sent");
        Ok(EditorSignIn { habilitation: id, emails, expires_at: expires, code_sent: true })
    }

    /// Checks a sign-in code: the right one accepts the habilitation and opens a session
    /// (wrong codes, expiry and rejection as for any habilitation).
    pub async fn editor_validate_code(
        &self,
        habilitation: HabilitationId,
        code: &Code,
    ) -> Result<NewEditorSession> {
        let client = self.editor_client().await?;
        let h = self.habilitation(habilitation).await?;
        if h.client_id != client.id {
            // Another client's habilitation is none of the editor's business.
            return Err(Error::not_found("sign-in", habilitation));
        }
        let h = self.validate_code(&client, habilitation, code).await?;
        let id = SessionId::new();
        let token = SessionToken::generate(id);
        let (_, hash) = token.parts().ok_or_else(|| corrupt("session token", "malformed"))?;
        let now = self.now();
        let session = EditorSession {
            id,
            commune: h.commune.clone(),
            habilitation: h.id,
            created_at: now,
            expires_at: now.plus(SESSION_VALIDITY),
        };
        self.backend
            .insert_session(&SessionRow {
                id: id.to_string(),
                token_hash: hash.to_vec(),
                commune: h.commune,
                habilitation_id: h.id.to_string(),
                created_at: now.0,
                expires_at: session.expires_at.0,
                ended_at: None,
                habilitation_status: String::new(),
            })
            .await?;
        tracing::info!(session = %id, commune = %session.commune, "editor session opened");
        Ok(NewEditorSession { session, token })
    }

    /// The session of a token; [`Error::Unauthenticated`] with one of the [`refusal`]
    /// reasons otherwise.
    pub async fn editor_session(&self, token: &SessionToken) -> Result<EditorSession> {
        let refuse = |reason| Err(Error::Unauthenticated { reason });
        let Some((id, hash)) = token.parts() else { return refuse(refusal::MALFORMED) };
        let Some(row) = self.backend.session(&id.to_string()).await? else {
            return refuse(refusal::UNKNOWN);
        };
        if !same(&row.token_hash, &hash) {
            return refuse(refusal::UNKNOWN);
        }
        if row.ended_at.is_some() {
            return refuse(refusal::ENDED);
        }
        if self.now().0 >= row.expires_at {
            return refuse(refusal::EXPIRED);
        }
        if row.habilitation_status != HabilitationStatus::Accepted.as_str() {
            return refuse(refusal::REVOKED);
        }
        Ok(EditorSession {
            id: SessionId::parse_stored(&row.id)?,
            commune: row.commune,
            habilitation: HabilitationId::parse_stored(&row.habilitation_id)?,
            created_at: Timestamp(row.created_at),
            expires_at: Timestamp(row.expires_at),
        })
    }

    /// Ends a session: its token stops working at once.
    pub async fn editor_sign_out(&self, session: &EditorSession) -> Result<()> {
        self.backend.end_session(&session.id.to_string(), self.now().0).await?;
        tracing::info!(session = %session.id, "editor session ended");
        Ok(())
    }

    // ---------------------------------------------------------------- drafts

    /// The commune's open draft, if there is one.
    pub async fn open_draft(&self, session: &EditorSession) -> Result<Option<DraftView>> {
        match self.backend.open_draft(&session.commune).await? {
            Some(row) => Ok(Some(self.view(row).await?)),
            None => Ok(None),
        }
    }

    /// Opens the commune's draft: from its current BAL revision, else from `fallback` (its
    /// fallback data written as a BAL; `None`: an empty draft). When another draft was opened
    /// meanwhile, that one.
    pub async fn create_draft(
        &self,
        session: &EditorSession,
        fallback: Option<Vec<u8>>,
    ) -> Result<DraftView> {
        let commune = session.commune.clone();
        let commune_nom =
            self.commune_name(&commune).ok_or_else(|| Error::not_found("commune", &commune))?;
        let current = self.current_revision(&commune).await?;
        let (bytes, origin, ids) = match &current {
            Some(r) => (self.file(r.id).await?.bytes, Origin::Bal, self.id_rows(r.id).await?),
            None => (
                fallback.unwrap_or_else(|| {
                    let header: Vec<&str> = geocommun_bal::Format::V1_4
                        .fields()
                        .map(geocommun_bal::Field::name)
                        .collect();
                    format!("{}\n", header.join(";")).into_bytes()
                }),
                Origin::Ban,
                Vec::new(),
            ),
        };
        let today = date(self.now());
        let built = self
            .cpu(move || -> Result<(Draft, String)> {
                let base = Base { commune: &commune, commune_nom: &commune_nom, origin, today };
                let mut draft =
                    Draft::from_bal(&bytes, &base).map_err(|e| corrupt("draft base", e))?;
                let mut streets = HashMap::new();
                let mut addresses = HashMap::new();
                for r in ids {
                    let map = match r.kind {
                        crate::consolidate::IdKind::Street => &mut streets,
                        crate::consolidate::IdKind::Address => &mut addresses,
                        crate::consolidate::IdKind::Commune => continue,
                    };
                    map.insert(r.key, r.ban_id.to_string());
                }
                draft.attach_ban_ids(|k| streets.get(k).cloned(), |k| addresses.get(k).cloned());
                let snapshot = serde_json::to_string(&draft).map_err(|e| corrupt("draft", e))?;
                Ok((draft, snapshot))
            })
            .await??;
        let (draft, snapshot) = built;
        let now = self.now();
        let row = DraftRow {
            id: DraftId::new().to_string(),
            commune: session.commune.clone(),
            base_revision_id: current.map(|r| r.id.to_string()),
            head_version: 0,
            created_by: session.id.to_string(),
            created_at: now.0,
            closed_at: None,
            closed_reason: None,
            revision_id: None,
        };
        if self.backend.insert_draft(&row, &snapshot).await? {
            tracing::info!(draft = %row.id, commune = %row.commune, "draft opened");
            self.editor.put(&row.id, 0, Arc::new(draft));
            return self.view(row).await;
        }
        // Opened by someone else meanwhile.
        let row = self
            .backend
            .open_draft(&session.commune)
            .await?
            .ok_or_else(|| Error::conflict("the draft was closed while it was being opened"))?;
        self.view(row).await
    }

    /// A draft of the session's commune (403 for another commune's).
    pub async fn editor_draft(&self, session: &EditorSession, id: DraftId) -> Result<DraftView> {
        let row = self.own_draft(session, id).await?;
        self.view(row).await
    }

    async fn own_draft(&self, session: &EditorSession, id: DraftId) -> Result<DraftRow> {
        let row =
            self.backend.draft(&id.to_string()).await?.ok_or(Error::not_found("draft", id))?;
        if row.commune != session.commune {
            return Err(Error::forbidden(format!(
                "draft {id} is a draft of commune {}; this session may edit commune {} only",
                row.commune, session.commune
            )));
        }
        Ok(row)
    }

    /// The draft, refused when closed.
    async fn open_own_draft(&self, session: &EditorSession, id: DraftId) -> Result<DraftRow> {
        let row = self.own_draft(session, id).await?;
        if row.closed_at.is_some() {
            let what = match (row.closed_reason.as_deref().unwrap_or(""), &row.revision_id) {
                ("published", Some(r)) => format!("was published (revision {r})"),
                _ => "was abandoned".to_owned(),
            };
            return Err(Error::conflict(format!(
                "draft {id} {what}: open the commune's draft again to start a new one"
            )));
        }
        Ok(row)
    }

    async fn view(&self, row: DraftRow) -> Result<DraftView> {
        let versions = self.backend.versions(&row.id).await?;
        let head = versions.last().ok_or_else(|| corrupt("draft", "no version"))?;
        let (version, state_of) = (head.version, head.state_of);
        let draft = self.draft_state(&row.id, &versions, state_of).await?;
        Ok(DraftView {
            id: DraftId::parse_stored(&row.id)?,
            commune: row.commune,
            version,
            can_undo: state_of != 0,
            base_revision: row
                .base_revision_id
                .as_deref()
                .map(RevisionId::parse_stored)
                .transpose()?,
            created_at: Timestamp(row.created_at),
            draft,
        })
    }

    /// The draft as it is at version `target` (an operation's version, or 0): from memory,
    /// else its snapshot and operations applied again.
    async fn draft_state(
        &self,
        draft: &str,
        versions: &[VersionRow],
        target: i64,
    ) -> Result<Arc<Draft>> {
        if let Some(d) = self.editor.get(draft, target) {
            return Ok(d);
        }
        let by_version: HashMap<i64, &VersionRow> =
            versions.iter().map(|v| (v.version, v)).collect();
        let mut chain: Vec<VersionRow> = Vec::new();
        let mut v = target;
        let start = loop {
            if let Some(d) = self.editor.get(draft, v) {
                break d;
            }
            if v == 0 {
                let snapshot = self
                    .backend
                    .snapshot(draft)
                    .await?
                    .ok_or_else(|| corrupt("draft", "no snapshot"))?;
                let d: Draft = self
                    .cpu(move || serde_json::from_str(&snapshot))
                    .await?
                    .map_err(|e| corrupt("draft snapshot", e))?;
                let d = Arc::new(d);
                self.editor.put(draft, 0, Arc::clone(&d));
                break d;
            }
            let row = by_version.get(&v).ok_or_else(|| corrupt("draft", "missing version"))?;
            chain.push((*row).clone());
            v = row.parent.ok_or_else(|| corrupt("draft", "an operation without parent"))?;
        };
        if chain.is_empty() {
            return Ok(start);
        }
        let state = self
            .cpu(move || -> Result<Draft> {
                let mut d = (*start).clone();
                for row in chain.iter().rev() {
                    let json = row.operation.as_deref().ok_or_else(|| corrupt("draft", "no op"))?;
                    let mut op: Operation =
                        serde_json::from_str(json).map_err(|e| corrupt("draft operation", e))?;
                    let mut new_id = || uuid::Uuid::new_v4().to_string();
                    let mut cx =
                        Context { today: date(Timestamp(row.created_at)), new_ban_id: &mut new_id };
                    d.apply(&mut op, &mut cx).map_err(|e| {
                        corrupt(&format!("draft operation {} replayed", row.version), e)
                    })?;
                }
                Ok(d)
            })
            .await??;
        let state = Arc::new(state);
        self.editor.put(draft, target, Arc::clone(&state));
        Ok(state)
    }

    /// Applies one operation to the draft. `expected`: the version the caller saw (a
    /// conflict when the draft moved on); without it, an operation that meets a concurrent
    /// one is applied again on top of it.
    pub async fn apply_operation(
        &self,
        session: &EditorSession,
        id: DraftId,
        op: Operation,
        expected: Option<i64>,
    ) -> Result<Edited> {
        let row = self.open_own_draft(session, id).await?;
        for _ in 0..5 {
            let versions = self.backend.versions(&row.id).await?;
            let head = versions.last().ok_or_else(|| corrupt("draft", "no version"))?.clone();
            check_expected(expected, head.version)?;
            let state = self.draft_state(&row.id, &versions, head.state_of).await?;
            let today = date(self.now());
            let mut op = op.clone();
            let applied = self
                .cpu(move || {
                    let mut d = (*state).clone();
                    let mut new_id = || uuid::Uuid::new_v4().to_string();
                    let mut cx = Context { today, new_ban_id: &mut new_id };
                    d.apply(&mut op, &mut cx).map(|()| (d, op))
                })
                .await?;
            let (draft, op) = match applied {
                Ok(x) => x,
                Err(refusal) => return Ok(Edited::Refused(refusal)),
            };
            let version = head.version + 1;
            let new = VersionRow {
                version,
                state_of: version,
                parent: Some(head.state_of),
                operation: Some(serde_json::to_string(&op).map_err(|e| corrupt("operation", e))?),
                session_id: session.id.to_string(),
                created_at: self.now().0,
            };
            if self.backend.append_version(&row.id, head.version, &new).await? {
                let draft = Arc::new(draft);
                self.editor.put(&row.id, version, Arc::clone(&draft));
                return Ok(Edited::Applied(DraftView {
                    id,
                    commune: row.commune,
                    version,
                    can_undo: true,
                    base_revision: row
                        .base_revision_id
                        .as_deref()
                        .map(RevisionId::parse_stored)
                        .transpose()?,
                    created_at: Timestamp(row.created_at),
                    draft,
                }));
            }
            // Another version came first, or the draft was closed.
            self.open_own_draft(session, id).await?;
            check_expected(expected, head.version + 1)?;
        }
        Err(Error::conflict(format!(
            "draft {id} is being edited by someone else at this very moment: try again"
        )))
    }

    /// Undoes the last operation still in effect: a new version whose state is the one
    /// before it. Nothing is lost (the undone operation stays in the history).
    pub async fn undo(
        &self,
        session: &EditorSession,
        id: DraftId,
        expected: Option<i64>,
    ) -> Result<DraftView> {
        let row = self.open_own_draft(session, id).await?;
        let versions = self.backend.versions(&row.id).await?;
        let head = versions.last().ok_or_else(|| corrupt("draft", "no version"))?.clone();
        check_expected(expected, head.version)?;
        if head.state_of == 0 {
            return Err(Error::conflict(format!(
                "nothing to undo: draft {id} is as it was opened"
            )));
        }
        let effective = versions
            .iter()
            .find(|v| v.version == head.state_of)
            .ok_or_else(|| corrupt("draft", "missing version"))?;
        let back_to = effective.parent.ok_or_else(|| corrupt("draft", "no parent"))?;
        let new = VersionRow {
            version: head.version + 1,
            state_of: back_to,
            parent: None,
            operation: None,
            session_id: session.id.to_string(),
            created_at: self.now().0,
        };
        if !self.backend.append_version(&row.id, head.version, &new).await? {
            self.open_own_draft(session, id).await?;
            return Err(Error::conflict(format!(
                "draft {id} changed meanwhile: reload it, then undo again if needed"
            )));
        }
        self.editor_draft(session, id).await
    }

    /// Closes the draft without publishing it (the next opening starts from the base again).
    pub async fn abandon_draft(&self, session: &EditorSession, id: DraftId) -> Result<()> {
        let row = self.open_own_draft(session, id).await?;
        if !self.backend.abandon_draft(&row.id, row.head_version, self.now().0).await? {
            return Err(Error::conflict(format!("draft {id} changed meanwhile: try again")));
        }
        self.editor.forget(&row.id);
        tracing::info!(draft = %id, commune = %row.commune, "draft abandoned");
        Ok(())
    }

    /// The draft as a BAL 1.4 file.
    pub async fn draft_bal(&self, session: &EditorSession, id: DraftId) -> Result<Vec<u8>> {
        let view = self.editor_draft(session, id).await?;
        self.cpu(move || view.draft.to_bal().into_bytes()).await
    }

    /// The validator's report of the draft's file (the JSON of `POST /bal/validate`).
    pub async fn draft_report(
        &self,
        session: &EditorSession,
        id: DraftId,
    ) -> Result<serde_json::Value> {
        let view = self.editor_draft(session, id).await?;
        let cog = Arc::clone(&self.config.cog);
        let today = date(self.now());
        let name = format!("brouillon-{}.csv", view.commune);
        self.cpu(move || {
            let bytes = view.draft.to_bal();
            let report = Validator::new(&cog, Options { today, ..Options::default() })
                .validate_bytes(bytes.as_bytes());
            serde_json::to_value(report.to_json(&name)).map_err(|e| corrupt("report", e))
        })
        .await?
    }

    /// What publishing the draft would change in the national base, as the feed's changes
    /// (`feed::diff` of the commune's current consolidation and the draft's). For a commune
    /// still on its fallback data, the base is that data as the draft took it (a real first
    /// publication replaces it: the commune's change is then `commune.replaced`).
    pub async fn draft_diff(&self, session: &EditorSession, id: DraftId) -> Result<Vec<NewChange>> {
        let view = self.editor_draft(session, id).await?;
        let (code, facts) = self.consolidation_input(&view.commune)?;
        let current = self.current_revision(&view.commune).await?;
        let (before, previous) = match &current {
            Some(r) => {
                let c = self.consolidated_revision(r.id).await?;
                (Some(feed::records(&c.commune, Some(r.id))), self.id_rows(r.id).await?)
            }
            None => (None, Vec::new()),
        };
        let base = if before.is_some() {
            None
        } else {
            let versions = self.backend.versions(&view.id.to_string()).await?;
            Some(self.draft_state(&view.id.to_string(), &versions, 0).await?)
        };
        self.cpu(move || {
            let (before, previous) = match base {
                None => (before.unwrap_or_default(), previous),
                Some(base) => {
                    let c = consolidate(code, &facts, base.to_bal().as_bytes(), &[]);
                    (feed::records(&c.commune, None), c.ids)
                }
            };
            let after = consolidate(code, &facts, view.draft.to_bal().as_bytes(), &previous);
            let mut after = feed::records(&after.commune, None);
            for r in &mut after {
                if let Record::Commune(c) = r {
                    "bal".clone_into(&mut c.source);
                }
            }
            let mut changes = feed::diff(Some(&before), &after);
            if current.is_none() {
                for c in &mut changes {
                    if c.kind == ChangeKind::CommuneRepublished {
                        c.kind = ChangeKind::CommuneReplaced;
                    }
                }
            }
            changes
        })
        .await
    }

    /// Publishes the draft through the same path as any client (revision, file, compute,
    /// publish, with the session's habilitation); the draft is closed in the publication's
    /// transaction. Refused when the commune was published by someone else since the draft
    /// was opened (publishing would overwrite that publication).
    pub async fn publish_draft(
        &self,
        session: &EditorSession,
        id: DraftId,
        expected: Option<i64>,
    ) -> Result<DraftPublication> {
        let row = self.open_own_draft(session, id).await?;
        let view = self.view(row.clone()).await?;
        check_expected(expected, view.version)?;
        let current = self.current_revision(&row.commune).await?;
        if current.as_ref().map(|r| r.id.to_string()) != row.base_revision_id {
            let what = match &current {
                Some(r) => format!(
                    "revision {} was published on {} (ms since 1970: {})",
                    r.id,
                    date(r.published_at.unwrap_or(r.created_at)).iso(),
                    r.published_at.map_or(0, Timestamp::as_millis)
                ),
                None => "its BAL was withdrawn".to_owned(),
            };
            return Err(Error::conflict(format!(
                "the national base of commune {} changed since this draft was opened: {what}. \
                 Publishing the draft would overwrite it: abandon the draft and open a new one \
                 from the new base",
                row.commune
            )));
        }
        let draft = Arc::clone(&view.draft);
        let bytes = self.cpu(move || draft.to_bal().into_bytes()).await?;
        let client = self.editor_client().await?;
        let pinned = Some(session.habilitation);
        let name = self.commune_name(&row.commune).unwrap_or_default();
        let context = RevisionContext {
            author: None,
            organisation: Some(format!("Commune de {name} (éditeur)")),
        };
        let revision = self.create_revision_as(&client, pinned, &row.commune, context).await?;
        self.upload_file_as(&client, pinned, revision.id, &bytes).await?;
        let revision = self.compute_as(&client, pinned, revision.id).await?;
        if revision.status != RevisionStatus::Ready {
            return Ok(DraftPublication::Invalid(revision));
        }
        let publication = self
            .publish_as(&client, pinned, revision.id, Some((row.id.clone(), view.version)))
            .await?;
        self.editor.forget(&row.id);
        tracing::info!(draft = %id, revision = %revision.id, commune = %row.commune, "draft published");
        Ok(DraftPublication::Published(publication))
    }
}

fn check_expected(expected: Option<i64>, head: i64) -> Result<()> {
    match expected {
        Some(e) if e != head => Err(Error::conflict(format!(
            "the draft is at version {head}, not {e}: someone else changed it; reload it and \
             make your change again"
        ))),
        _ => Ok(()),
    }
}
