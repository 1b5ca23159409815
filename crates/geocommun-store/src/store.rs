//! [`Store`]: the one interface over both backends, with the rules of clients,
//! habilitations and revisions. The adapters only read and write rows.

use std::sync::Arc;

use geocommun_admin::AdminRegistry;
use geocommun_bal::{MiniCog, Options, Severity, Validator};
use geocommun_model::{BanId, CodeInsee};

use crate::backend::{
    Backend, ChangeArgs, ChangeScope, ClientRow, HabilitationRow, PublishArgs, RevisionRow,
    SavedReport, postgres, sqlite,
};
use crate::client::{Client, NewClient, PerimeterEntry};
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::consolidate::{CommuneFacts, Consolidation, IdKind, IdRow, consolidate};
use crate::directory::{DirectoryImport, parse_directory};
use crate::error::{Error, Result};
use crate::feed::{self, Change, ChangeKind, FeedFilter, FeedPage, Record};
use crate::habilitation::{Habilitation, HabilitationStatus};
use crate::ids::{ClientId, HabilitationId, RevisionId};
use crate::limits::{CODE_ATTEMPTS, CODE_RESEND_DELAY, CODE_VALIDITY, MAX_FILE_BYTES};
use crate::mail::Mailer;
use crate::revision::{
    Event, EventKind, FileInfo, Level, Publication, Revision, RevisionContext, RevisionReport,
    RevisionStatus, StoredFile, file_facts, platform_findings,
};
use crate::secret::{Code, ServerSecret, Token, hex, same, sha256};
use crate::territory::Territory;

/// What the store needs besides its database.
#[derive(Clone)]
pub struct StoreConfig {
    /// Which communes exist and what perimeters cover.
    pub territory: Arc<dyn Territory>,
    /// The BAL validator's COG.
    pub cog: Arc<MiniCog>,
    /// Keys the HMAC of habilitation codes.
    pub secret: ServerSecret,
    pub clock: Arc<dyn Clock>,
    /// The SMTP relay for habilitation codes; without one, sending a code fails with
    /// [`Error::Mail`].
    pub mailer: Option<Mailer>,
    /// Where validation and consolidation run (a server gives a pool of low-priority threads
    /// so that publications never take the CPU from searches); `None`: tokio's blocking pool.
    pub background: Option<Arc<rayon::ThreadPool>>,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("cog_communes", &self.cog.len())
            .field("secret", &self.secret)
            .field("clock", &self.clock)
            .field("mailer", &self.mailer)
            .finish_non_exhaustive()
    }
}

impl StoreConfig {
    /// The territory and validator COG from the registry, the system clock, no mailer.
    pub fn new(registry: Arc<AdminRegistry>, secret: ServerSecret) -> Self {
        let cog = Arc::new(MiniCog::from_registry(&registry));
        Self {
            territory: registry,
            cog,
            secret,
            clock: Arc::new(SystemClock),
            mailer: None,
            background: None,
        }
    }

    #[must_use]
    pub fn with_background(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.background = Some(pool);
        self
    }

    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    #[must_use]
    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }
}

/// The commons' store, on SQLite or PostgreSQL.
pub struct Store {
    pub(crate) backend: Backend,
    pub(crate) config: StoreConfig,
    /// The editor's built-in client and the drafts built lately (`editor.rs`).
    pub(crate) editor: crate::editor::EditorMemory,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend.name()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `url` and applies the migrations: `sqlite://path/to/file.db`
    /// (created if missing), `sqlite::memory:`, or `postgres://user@host/db`.
    pub async fn open(url: &str, config: StoreConfig) -> Result<Self> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite(sqlite::SqliteStore::open(url).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::PgStore::open(url).await?)
        } else {
            return Err(Error::invalid(
                "database url",
                format!("`{url}`: expected sqlite://PATH or postgres://USER@HOST/DB"),
            ));
        };
        tracing::debug!(backend = backend.name(), "store opened");
        Ok(Self { backend, config, editor: crate::editor::EditorMemory::default() })
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// The COG the BAL validator checks against.
    pub fn cog(&self) -> &Arc<MiniCog> {
        &self.config.cog
    }

    /// Whether an SMTP relay is configured (codes can be sent).
    pub fn has_mailer(&self) -> bool {
        self.config.mailer.is_some()
    }

    /// The name of a current commune (`None`: not a current commune of the COG).
    pub fn commune_name(&self, code: &str) -> Option<String> {
        self.config.territory.commune_name(code)
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.backend.close().await;
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.config.clock.now()
    }

    // ---------------------------------------------------------------- clients

    /// Creates a client. Its token is in the answer and nowhere else, ever.
    pub async fn create_client(
        &self,
        name: &str,
        perimeter: Vec<PerimeterEntry>,
    ) -> Result<NewClient> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "a client needs a name"));
        }
        for entry in &perimeter {
            if !self.config.territory.knows(entry) {
                return Err(Error::invalid(
                    "perimeter",
                    format!("{entry}: no such {} in the COG", entry.kind()),
                ));
            }
        }
        let id = ClientId::new();
        let token = Token::generate(id);
        let hash = token.hash().expect("a generated token is well formed");
        let now = self.now();
        let mut perimeter = perimeter;
        perimeter.sort();
        perimeter.dedup();
        let rows: Vec<(&'static str, String)> =
            perimeter.iter().map(|e| (e.kind(), e.code().to_owned())).collect();
        self.backend
            .insert_client(
                &ClientRow {
                    id: id.to_string(),
                    name: name.to_owned(),
                    token_hash: hash.to_vec(),
                    created_at: now.0,
                    revoked_at: None,
                },
                &rows,
            )
            .await?;
        tracing::info!(client = %id, name, "client created");
        let client =
            Client { id, name: name.to_owned(), perimeter, created_at: now, revoked_at: None };
        Ok(NewClient { client, token })
    }

    pub async fn client(&self, id: ClientId) -> Result<Client> {
        let row =
            self.backend.client(&id.to_string()).await?.ok_or(Error::not_found("client", id))?;
        self.client_from(row).await
    }

    pub async fn clients(&self) -> Result<Vec<Client>> {
        let mut out = Vec::new();
        for row in self.backend.clients().await? {
            out.push(self.client_from(row).await?);
        }
        Ok(out)
    }

    /// Revokes a client: its token stops working at once. Revoking twice is a conflict.
    pub async fn revoke_client(&self, id: ClientId) -> Result<Client> {
        let client = self.client(id).await?;
        if !self.backend.revoke_client(&id.to_string(), self.now().0).await? {
            return Err(Error::conflict(format!("client {} is already revoked", client.id)));
        }
        tracing::info!(client = %id, "client revoked");
        self.client(id).await
    }

    /// The active client holding this token.
    pub async fn authenticate(&self, token: &Token) -> Result<Client> {
        let Some((id, hash)) = token.parts() else {
            return Err(Error::Unauthenticated { reason: "malformed token" });
        };
        let row = self
            .backend
            .client(&id.to_string())
            .await?
            .ok_or(Error::Unauthenticated { reason: "unknown token" })?;
        // A built-in client (the editor) has no token: an empty hash matches none.
        if row.token_hash.is_empty() || !same(&row.token_hash, &hash) {
            return Err(Error::Unauthenticated { reason: "unknown token" });
        }
        if row.revoked_at.is_some() {
            return Err(Error::Unauthenticated { reason: "revoked token" });
        }
        self.client_from(row).await
    }

    async fn client_from(&self, row: ClientRow) -> Result<Client> {
        let perimeter = self
            .backend
            .perimeter(&row.id)
            .await?
            .into_iter()
            .map(|(kind, code)| PerimeterEntry::from_stored(&kind, code))
            .collect::<Result<_>>()?;
        Ok(Client {
            id: ClientId::parse_stored(&row.id)?,
            name: row.name,
            perimeter,
            created_at: Timestamp(row.created_at),
            revoked_at: row.revoked_at.map(Timestamp),
        })
    }

    /// The client as stored now, refused if revoked.
    pub(crate) async fn active(&self, client: &Client) -> Result<Client> {
        let c = self.client(client.id).await?;
        if c.is_active() { Ok(c) } else { Err(Error::Unauthenticated { reason: "revoked token" }) }
    }

    fn perimeter_covers(&self, client: &Client, commune: &str) -> bool {
        client.perimeter.iter().any(|e| self.config.territory.covers(e, commune))
    }

    fn check_commune(&self, commune: &str) -> Result<String> {
        self.config.territory.commune_name(commune).ok_or_else(|| {
            Error::invalid(
                "commune",
                format!("`{commune}` is not the INSEE code of a current commune"),
            )
        })
    }

    // ---------------------------------------------------------------- directory

    /// Imports the mairie directory (format in docs/store.md): for every commune of the file,
    /// its addresses are replaced by the file's. A file with any problem imports nothing.
    pub async fn import_mairie_directory(
        &self,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<DirectoryImport> {
        let entries = parse_directory(file_name, bytes, self.config.territory.as_ref())?;
        let pairs: Vec<(String, String)> =
            entries.into_iter().map(|e| (e.commune, e.email)).collect();
        let communes = self.backend.replace_emails(&pairs, self.now().0).await?;
        tracing::info!(
            file = file_name,
            communes,
            emails = pairs.len(),
            "mairie directory imported"
        );
        Ok(DirectoryImport { communes, emails: pairs.len() })
    }

    /// The official addresses of a commune, among which the user chooses where the code goes.
    pub async fn commune_emails(&self, commune: &str) -> Result<Vec<String>> {
        self.backend.commune_emails(commune).await
    }

    // ---------------------------------------------------------------- habilitations

    /// Asks for the right to publish for `commune`.
    pub async fn create_habilitation(
        &self,
        client: &Client,
        commune: &str,
    ) -> Result<Habilitation> {
        let client = self.active(client).await?;
        self.check_commune(commune)?;
        if let Some(h) = self.backend.accepted_habilitation(&client.id.to_string(), commune).await?
        {
            return Err(Error::conflict(format!(
                "client {} already holds accepted habilitation {} for commune {commune}",
                client.id, h.id
            )));
        }
        let id = HabilitationId::new();
        let row = HabilitationRow {
            id: id.to_string(),
            client_id: client.id.to_string(),
            commune: commune.to_owned(),
            status: HabilitationStatus::Pending.as_str().to_owned(),
            email: None,
            code_mac: None,
            code_sent_at: None,
            code_expires_at: None,
            attempts_left: i64::from(CODE_ATTEMPTS),
            created_at: self.now().0,
            accepted_at: None,
            rejected_at: None,
            revoked_at: None,
        };
        self.backend.insert_habilitation(&row).await?;
        habilitation_from(row)
    }

    pub async fn habilitation(&self, id: HabilitationId) -> Result<Habilitation> {
        habilitation_from(self.habilitation_row(id).await?)
    }

    async fn habilitation_row(&self, id: HabilitationId) -> Result<HabilitationRow> {
        self.backend
            .habilitation(&id.to_string())
            .await?
            .ok_or(Error::not_found("habilitation", id))
    }

    async fn own_habilitation(&self, client: &Client, id: HabilitationId) -> Result<Habilitation> {
        let client = self.active(client).await?;
        let h = self.habilitation(id).await?;
        if h.client_id != client.id {
            return Err(Error::forbidden(format!("habilitation {id} belongs to another client")));
        }
        Ok(h)
    }

    /// The accepted habilitation of a client for a commune, if any.
    pub async fn accepted_habilitation(
        &self,
        client: ClientId,
        commune: &str,
    ) -> Result<Option<Habilitation>> {
        self.backend
            .accepted_habilitation(&client.to_string(), commune)
            .await?
            .map(habilitation_from)
            .transpose()
    }

    /// Sends a new 6-digit code to `email`, which must be one of the commune's official
    /// addresses. Refused within 5 minutes of the previous code.
    pub async fn send_code(
        &self,
        client: &Client,
        id: HabilitationId,
        email: &str,
    ) -> Result<Habilitation> {
        let h = self.own_habilitation(client, id).await?;
        not_pending(&h)?;
        let email = email.trim().to_lowercase();
        let official = self.backend.commune_emails(&h.commune).await?;
        if official.is_empty() {
            return Err(Error::forbidden(format!(
                "no official address is known for commune {}: the operator must import it \
                 into the mairie directory",
                h.commune
            )));
        }
        if !official.contains(&email) {
            return Err(Error::forbidden(format!(
                "`{email}` is not an official address of commune {}: choose one of its {} \
                 address(es)",
                h.commune,
                official.len()
            )));
        }
        let now = self.now();
        if let Some(sent) = h.code_sent_at {
            let next = sent.plus(CODE_RESEND_DELAY);
            if now < next {
                return Err(Error::Throttled { retry_after: now.until(next) });
            }
        }
        let code = Code::generate();
        let mac = self.config.secret.code_mac(&h.id.to_string(), &code);
        let not_after =
            Timestamp(now.0 - i64::try_from(CODE_RESEND_DELAY.as_millis()).unwrap_or(0));
        let stored = self
            .backend
            .set_code(
                &h.id.to_string(),
                &email,
                &mac,
                now.0,
                now.plus(CODE_VALIDITY).0,
                not_after.0,
            )
            .await?;
        if !stored {
            // Someone sent one meanwhile, or the habilitation changed state.
            let h = self.habilitation(id).await?;
            not_pending(&h)?;
            let next = h.code_sent_at.unwrap_or(now).plus(CODE_RESEND_DELAY);
            return Err(Error::Throttled { retry_after: now.until(next) });
        }
        let name = self.config.territory.commune_name(&h.commune).unwrap_or_default();
        let sent = match &self.config.mailer {
            None => Err(Error::Mail("no SMTP relay is configured".to_owned())),
            Some(m) => m.send_code(&email, &h.commune, &name, &client.name, &code).await,
        };
        if let Err(e) = sent {
            self.backend.clear_code(&h.id.to_string(), now.0).await?;
            return Err(e);
        }
        tracing::info!(habilitation = %id, commune = %h.commune, "habilitation code sent");
        self.habilitation(id).await
    }

    /// Checks a code: the right one accepts the habilitation (for good, until revoked); a
    /// wrong one uses an attempt, and the 10th wrong one rejects it.
    pub async fn validate_code(
        &self,
        client: &Client,
        id: HabilitationId,
        code: &Code,
    ) -> Result<Habilitation> {
        let h = self.own_habilitation(client, id).await?;
        not_pending(&h)?;
        let row = self.habilitation_row(id).await?;
        let (Some(stored), Some(expires)) = (row.code_mac, row.code_expires_at) else {
            return Err(Error::conflict("no code was sent for this habilitation: send one first"));
        };
        let now = self.now();
        if now.0 >= expires {
            return Err(Error::Expired);
        }
        if !code.is_well_formed() {
            return Err(Error::invalid("code", "the code has 6 digits"));
        }
        let mac = self.config.secret.code_mac(&row.id, code);
        if same(&mac, &stored) {
            if self.backend.accept_habilitation(&row.id, &mac, now.0).await? {
                tracing::info!(habilitation = %id, commune = %h.commune, "habilitation accepted");
                return self.habilitation(id).await;
            }
            // A new code was sent or the state changed meanwhile.
            let h = self.habilitation(id).await?;
            not_pending(&h)?;
            return Err(Error::conflict("a new code was sent meanwhile: use the latest one"));
        }
        if let Some(left) = self.backend.wrong_code(&row.id, now.0).await? {
            return Err(Error::InvalidCode { attempts_left: u32::try_from(left).unwrap_or(0) });
        }
        // No longer pending meanwhile: say why.
        let h = self.habilitation(id).await?;
        not_pending(&h)?;
        Err(Error::InvalidCode { attempts_left: 0 })
    }

    /// Withdraws a habilitation (pending or accepted).
    pub async fn revoke_habilitation(&self, id: HabilitationId) -> Result<Habilitation> {
        let h = self.habilitation(id).await?;
        if !self.backend.revoke_habilitation(&id.to_string(), self.now().0).await? {
            return Err(Error::conflict(format!(
                "habilitation {id} is {}: only a pending or accepted one can be revoked",
                h.status.as_str()
            )));
        }
        tracing::info!(habilitation = %id, commune = %h.commune, "habilitation revoked");
        self.habilitation(id).await
    }

    /// How the client may publish for the commune: by perimeter (`None`) or by this
    /// accepted habilitation. Without either, [`Error::Forbidden`]: creating a revision,
    /// uploading, computing and publishing all need it (a file is kept forever, so one is only
    /// taken from a client that may publish it).
    async fn authority(
        &self,
        client: &Client,
        commune: &str,
        pinned: Option<HabilitationId>,
    ) -> Result<Option<HabilitationId>> {
        if let Some(h) = pinned {
            // The editor acts with the habilitation its session was opened with, and no other.
            let h = self.habilitation(h).await?;
            if h.client_id == client.id
                && h.commune == commune
                && h.status == HabilitationStatus::Accepted
            {
                return Ok(Some(h.id));
            }
            return Err(Error::forbidden(format!(
                "habilitation {} does not allow publishing for commune {commune} (it is {}): \
                 sign in again",
                h.id,
                h.status.as_str()
            )));
        }
        if self.perimeter_covers(client, commune) {
            return Ok(None);
        }
        match self.accepted_habilitation(client.id, commune).await? {
            Some(h) => Ok(Some(h.id)),
            None => Err(Error::forbidden(format!(
                "commune {commune} is outside the perimeter of client {} and the client holds \
                 no accepted habilitation for it: ask for one (a code is sent to the mairie)",
                client.id
            ))),
        }
    }

    // ---------------------------------------------------------------- revisions

    /// Starts a revision for a commune.
    pub async fn create_revision(
        &self,
        client: &Client,
        commune: &str,
        context: RevisionContext,
    ) -> Result<Revision> {
        self.create_revision_as(client, None, commune, context).await
    }

    /// [`Self::create_revision`], with the habilitation `pinned` when given (the editor).
    pub(crate) async fn create_revision_as(
        &self,
        client: &Client,
        pinned: Option<HabilitationId>,
        commune: &str,
        context: RevisionContext,
    ) -> Result<Revision> {
        let client = self.active(client).await?;
        self.check_commune(commune)?;
        self.authority(&client, commune, pinned).await?;
        let id = RevisionId::new();
        let row = RevisionRow {
            id: id.to_string(),
            commune: commune.to_owned(),
            client_id: client.id.to_string(),
            status: RevisionStatus::Pending.as_str().to_owned(),
            author: context.author,
            organisation: context.organisation,
            file_sha256: None,
            file_size: None,
            report: None,
            address_count: None,
            base_revision_id: None,
            habilitation_id: None,
            created_at: self.now().0,
            computed_at: None,
            published_at: None,
            current_id: None,
        };
        self.backend.insert_revision(&row).await?;
        self.revision(id).await
    }

    /// The revision, if the client owns it and may still publish for its commune (see
    /// [`Self::authority`]). Every writing action on a revision starts here, so that who may
    /// act is decided (401, 403) before what state the revision is in (409).
    async fn own_revision(
        &self,
        client: &Client,
        pinned: Option<HabilitationId>,
        id: RevisionId,
    ) -> Result<(Client, Revision, Option<HabilitationId>)> {
        let client = self.active(client).await?;
        let r = self.revision(id).await?;
        if r.client_id != client.id {
            return Err(Error::forbidden(format!("revision {id} belongs to another client")));
        }
        let habilitation = self.authority(&client, &r.commune, pinned).await?;
        Ok((client, r, habilitation))
    }

    /// Attaches the BAL file (once; the revision must be pending).
    pub async fn upload_file(
        &self,
        client: &Client,
        id: RevisionId,
        bytes: &[u8],
    ) -> Result<Revision> {
        self.upload_file_as(client, None, id, bytes).await
    }

    pub(crate) async fn upload_file_as(
        &self,
        client: &Client,
        pinned: Option<HabilitationId>,
        id: RevisionId,
        bytes: &[u8],
    ) -> Result<Revision> {
        let (_, r, _) = self.own_revision(client, pinned, id).await?;
        if bytes.is_empty() {
            return Err(Error::invalid("file", "the file is empty"));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(Error::invalid(
                "file",
                format!("{} bytes: at most {MAX_FILE_BYTES} are accepted", bytes.len()),
            ));
        }
        let hash = sha256(bytes);
        if !self.backend.attach_file(&id.to_string(), bytes, &hash).await? {
            let why = if r.file.is_some() {
                "a file is already attached: create a new revision for another file".to_owned()
            } else {
                format!("revision {id} is {}: files attach to pending revisions", r.status.as_str())
            };
            return Err(Error::conflict(why));
        }
        self.revision(id).await
    }

    /// Validates the file and applies the platform rules; the revision becomes `ready` (no
    /// error) or `invalid`. May be run again until the revision is published.
    pub async fn compute(&self, client: &Client, id: RevisionId) -> Result<Revision> {
        self.compute_as(client, None, id).await
    }

    pub(crate) async fn compute_as(
        &self,
        client: &Client,
        pinned: Option<HabilitationId>,
        id: RevisionId,
    ) -> Result<Revision> {
        let (_, r, _) = self.own_revision(client, pinned, id).await?;
        if r.status == RevisionStatus::Published {
            return Err(Error::conflict(format!("revision {id} is published: it never changes")));
        }
        let Some((bytes, _)) = self.backend.file(&id.to_string()).await? else {
            return Err(Error::conflict("no file: upload the BAL first"));
        };
        let current = self.backend.current_revision(&r.commune).await?;
        let current = match &current {
            Some(c) => Some((
                RevisionId::parse_stored(&c.id)?,
                u64::try_from(c.address_count.unwrap_or(0)).unwrap_or(0),
            )),
            None => None,
        };
        let previous = match &current {
            Some((c, _)) => self.id_rows(*c).await?,
            None => Vec::new(),
        };
        let cog = Arc::clone(&self.config.cog);
        let today = geocommun_bal::Date::from_days(self.now().days());
        let commune = r.commune.clone();
        let (code, commune_facts) = self.consolidation_input(&r.commune)?;
        let (bal, facts, consolidation) = self
            .cpu(move || {
                let options = Options { today, ..Options::default() };
                let report = Validator::new(&cog, options).validate_bytes(&bytes);
                let facts = file_facts(&bytes, &commune);
                let consolidation = consolidate(code, &commune_facts, &bytes, &previous);
                (report, facts, consolidation)
            })
            .await?;
        let (platform, deletion) = platform_findings(&r.commune, &facts, current);
        let codes = |sev: Severity| -> Vec<String> {
            bal.global.iter().filter(|(_, s)| *s == sev).map(|(c, _)| c.clone()).collect()
        };
        let mut errors = codes(Severity::Error);
        let mut warnings = codes(Severity::Warning);
        let infos = codes(Severity::Info);
        for f in &platform {
            match f.level {
                Level::Error => errors.push(f.code.clone()),
                Level::Warning => warnings.push(f.code.clone()),
            }
        }
        let bal_valid = bal.valid && bal.refusal.is_none() && bal.io_error.is_none();
        let valid = bal_valid && !platform.iter().any(|f| f.level == Level::Error);
        let validation = serde_json::to_value(bal.to_json("bal.csv"))
            .map_err(|e| Error::Corrupt(format!("validation report: {e}")))?;
        let report = RevisionReport {
            valid,
            profile: bal.profile.map(|p| p.code().to_owned()),
            rows_count: bal.rows_count.unwrap_or(facts.rows),
            address_count: facts.addresses,
            errors,
            warnings,
            infos,
            platform,
            deletion,
            validation,
            consolidation: Some(consolidation.summary),
        };
        let json =
            serde_json::to_string(&report).map_err(|e| Error::Corrupt(format!("report: {e}")))?;
        let status = if valid { RevisionStatus::Ready } else { RevisionStatus::Invalid };
        let base = current.map(|(c, _)| c.to_string());
        let saved = self
            .backend
            .save_report(&SavedReport {
                id: &id.to_string(),
                status: status.as_str(),
                report: &json,
                address_count: i64::try_from(facts.addresses).unwrap_or(i64::MAX),
                base_revision_id: base.as_deref(),
                at: self.now().0,
                ids: &consolidation.ids,
            })
            .await?;
        if !saved {
            return Err(Error::conflict(format!("revision {id} was published meanwhile")));
        }
        tracing::info!(revision = %id, commune = %r.commune, valid, "revision computed");
        self.revision(id).await
    }

    /// Makes a ready revision the commune's current one, atomically. Refused with
    /// [`Error::Forbidden`] when the client may not publish for the commune (checked first:
    /// whatever state the revision is in), with [`Error::Conflict`] when it is not ready or a
    /// concurrent publication for the same commune came first.
    pub async fn publish(&self, client: &Client, id: RevisionId) -> Result<Publication> {
        self.publish_as(client, None, id, None).await
    }

    /// [`Self::publish`], with the habilitation `pinned` when given, closing the editor's
    /// draft `close_draft` (id, version it was made at) in the same transaction.
    pub(crate) async fn publish_as(
        &self,
        client: &Client,
        pinned: Option<HabilitationId>,
        id: RevisionId,
        close_draft: Option<(String, i64)>,
    ) -> Result<Publication> {
        let (_, r, habilitation) = self.own_revision(client, pinned, id).await?;
        if r.status != RevisionStatus::Ready {
            return Err(Error::conflict(format!(
                "revision {id} is {}: only a ready revision (computed without errors) can be \
                 published",
                r.status.as_str()
            )));
        }
        let row = self
            .backend
            .revision(&id.to_string())
            .await?
            .ok_or(Error::not_found("revision", id))?;
        let changes = self.changes_of(id, row.base_revision_id.as_deref()).await?;
        let change_count = changes.len() as u64;
        let departement = self.consolidation_input(&r.commune)?.0.departement().to_owned();
        let outcome = self
            .backend
            .publish(&PublishArgs {
                revision_id: id.to_string(),
                commune: r.commune.clone(),
                departement,
                changes,
                base_revision_id: row.base_revision_id.clone(),
                habilitation_id: habilitation.map(|h| h.to_string()),
                at: self.now().0,
                close_draft,
            })
            .await?;
        let e = outcome.event;
        let event = Event {
            id: e.id,
            kind: EventKind::from_stored(&e.kind)?,
            commune: e.commune,
            revision_id: RevisionId::parse_stored(&e.revision_id)?,
            previous_revision_id: e
                .previous_revision_id
                .as_deref()
                .map(RevisionId::parse_stored)
                .transpose()?,
            addressee: e.addressee_client_id.as_deref().map(ClientId::parse_stored).transpose()?,
            created_at: Timestamp(e.created_at),
        };
        tracing::info!(revision = %id, commune = %r.commune, event = event.id, "revision published");
        Ok(Publication {
            revision: self.revision(id).await?,
            previous: event.previous_revision_id,
            event,
            changes: change_count,
            feed_cursor: outcome.last_seq,
        })
    }

    /// The feed's changes that publishing `id` over `base` makes (`base`: the revision it
    /// replaces, `None` for the commune's first BAL).
    async fn changes_of(&self, id: RevisionId, base: Option<&str>) -> Result<Vec<ChangeArgs>> {
        let after = self.consolidated_revision(id).await?;
        let before = match base {
            Some(b) => {
                let b = RevisionId::parse_stored(b)?;
                Some(feed::records(&self.consolidated_revision(b).await?.commune, Some(b)))
            }
            None => None,
        };
        let after = feed::records(&after.commune, Some(id));
        feed::diff(before.as_deref(), &after)
            .into_iter()
            .map(|c| {
                Ok(ChangeArgs {
                    kind: c.kind.as_str(),
                    object_id: c.object_id,
                    data: c
                        .data
                        .map(|d| serde_json::to_string(&d))
                        .transpose()
                        .map_err(|e| Error::Corrupt(format!("change record: {e}")))?,
                })
            })
            .collect()
    }

    /// A page of the change feed: the changes after cursor `since` (0: from the start) that
    /// `filter` keeps, oldest first, at most `limit`.
    pub async fn feed(&self, filter: &FeedFilter, since: i64, limit: u32) -> Result<FeedPage> {
        let head = self.backend.feed_head().await?;
        if since < 0 {
            return Err(Error::invalid("since", format!("`{since}`: a cursor is 0 or more")));
        }
        if since > head {
            return Err(Error::invalid(
                "since",
                format!(
                    "cursor {since} is ahead of the feed, whose newest change is {head}: resume \
                     from a cursor the feed or an export gave"
                ),
            ));
        }
        let scope = match filter {
            FeedFilter::All => ChangeScope::All,
            FeedFilter::Commune(c) => ChangeScope::Commune(c),
            FeedFilter::Departement(d) => ChangeScope::Departement(d),
        };
        let changes: Vec<Change> = self
            .backend
            .changes(scope, since, i64::from(limit))
            .await?
            .into_iter()
            .map(change_from)
            .collect::<Result<_>>()?;
        let next = changes.last().map_or(since, |c| c.seq);
        Ok(FeedPage { changes, next, head })
    }

    /// The newest change's cursor (0 when nothing was ever published).
    pub async fn feed_head(&self) -> Result<i64> {
        self.backend.feed_head().await
    }

    /// Every change of one object (commune code, toponyme or address id), oldest first: its
    /// versions, each valid from its change until the next one.
    pub async fn history(&self, object_id: &str) -> Result<Vec<Change>> {
        let mut out = Vec::new();
        loop {
            let after = out.last().map_or(0, |c: &Change| c.seq);
            let page = self
                .backend
                .changes(ChangeScope::Object(object_id), after, crate::limits::FEED_PAGE_MAX)
                .await?;
            let full = page.len() as i64 == crate::limits::FEED_PAGE_MAX;
            for row in page {
                out.push(change_from(row)?);
            }
            if !full {
                return Ok(out);
            }
        }
    }

    /// The current revision of every commune with a BAL, and the feed cursor they correspond
    /// to (read together: no publication in between).
    pub async fn current_at_head(&self) -> Result<(i64, Vec<(String, RevisionId)>)> {
        let (head, pointers) = self.backend.pointers_at_head().await?;
        let pointers = pointers
            .into_iter()
            .map(|(c, id)| Ok((c, RevisionId::parse_stored(&id)?)))
            .collect::<Result<_>>()?;
        Ok((head, pointers))
    }

    /// Something that wakes up when any server on this database publishes (PostgreSQL
    /// `LISTEN`); on SQLite, or when the connection is lost, it only wakes at its timeout, and
    /// the caller catches up by reading the feed from its cursor.
    pub async fn listen(&self) -> Result<ChangeListener> {
        Ok(ChangeListener {
            pg: match &self.backend {
                Backend::Postgres(b) => Some(b.listen().await?),
                Backend::Sqlite(_) => None,
            },
        })
    }

    /// The feed cursor of the base as it was at `at`: the last change made then.
    pub async fn cursor_at(&self, at: Timestamp) -> Result<i64> {
        self.backend.cursor_at(at.0).await
    }

    /// The revision of every commune that had a BAL at `at` (by the feed: a commune published
    /// later had its fallback data then).
    pub async fn revisions_at(&self, at: Timestamp) -> Result<Vec<(String, RevisionId)>> {
        self.backend
            .pointers_at(at.0)
            .await?
            .into_iter()
            .map(|(c, id)| Ok((c, RevisionId::parse_stored(&id)?)))
            .collect()
    }

    /// The records of every commune with a BAL, at the feed cursor returned with them.
    pub async fn bal_records(&self) -> Result<(i64, Vec<Record>)> {
        let (head, pointers) = self.current_at_head().await?;
        let mut out = Vec::new();
        for (_, id) in pointers {
            out.extend(feed::records(&self.consolidated_revision(id).await?.commune, Some(id)));
        }
        Ok((head, out))
    }

    /// The commune code and what consolidation needs to know of it.
    pub(crate) fn consolidation_input(&self, commune: &str) -> Result<(CodeInsee, CommuneFacts)> {
        let code =
            CodeInsee::parse(commune).map_err(|e| Error::invalid("commune", e.to_string()))?;
        let facts = self.config.territory.commune_facts(commune).ok_or_else(|| {
            Error::invalid("commune", format!("`{commune}` is not a current commune"))
        })?;
        Ok((code, facts))
    }

    /// The identifier table a revision's computation gave (empty if never computed).
    pub async fn id_rows(&self, id: RevisionId) -> Result<Vec<IdRow>> {
        self.backend
            .consolidated_ids(&id.to_string())
            .await?
            .into_iter()
            .map(|(kind, key, ban_id, cle_interop)| {
                Ok(IdRow {
                    kind: IdKind::from_stored(&kind)?,
                    key,
                    ban_id: BanId::parse(&ban_id)
                        .map_err(|e| Error::Corrupt(format!("consolidated id: {e}")))?,
                    cle_interop,
                })
            })
            .collect()
    }

    /// A computed revision consolidated: its file read again with the identifiers its
    /// computation gave, so the same revision always gives the same identifiers.
    pub async fn consolidated_revision(&self, id: RevisionId) -> Result<Consolidation> {
        let r = self.revision(id).await?;
        if r.computed_at.is_none() {
            return Err(Error::conflict(format!("revision {id} is not computed yet")));
        }
        let file = self.file(id).await?;
        let ids = self.id_rows(id).await?;
        let (code, facts) = self.consolidation_input(&r.commune)?;
        self.cpu(move || consolidate(code, &facts, &file.bytes, &ids)).await
    }

    /// Runs CPU work off the async threads: on the background pool when there is one.
    pub(crate) async fn cpu<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let pool = self.config.background.clone();
        tokio::task::spawn_blocking(move || match pool {
            Some(p) => p.install(f),
            None => f(),
        })
        .await
        .map_err(|e| Error::Corrupt(format!("validation or consolidation task failed: {e}")))
    }

    /// The commune's current revision consolidated (`None`: no published BAL, the national
    /// base keeps the fallback data for it).
    pub async fn consolidated(&self, commune: &str) -> Result<Option<Consolidation>> {
        match self.backend.current_revision(commune).await? {
            Some(row) => {
                Ok(Some(self.consolidated_revision(RevisionId::parse_stored(&row.id)?).await?))
            }
            None => Ok(None),
        }
    }

    /// Every commune with a current revision, with that revision, by code.
    pub async fn current_revisions(&self) -> Result<Vec<(String, RevisionId)>> {
        self.backend
            .current_pointers()
            .await?
            .into_iter()
            .map(|(c, id)| Ok((c, RevisionId::parse_stored(&id)?)))
            .collect()
    }

    /// One revision, with its report.
    pub async fn revision(&self, id: RevisionId) -> Result<Revision> {
        let row = self
            .backend
            .revision(&id.to_string())
            .await?
            .ok_or(Error::not_found("revision", id))?;
        revision_from(row, true)
    }

    /// The revisions of a commune, newest first, without their reports.
    pub async fn revisions(&self, commune: &str) -> Result<Vec<Revision>> {
        self.backend
            .revisions(commune)
            .await?
            .into_iter()
            .map(|r| revision_from(r, false))
            .collect()
    }

    /// The commune's current revision, with its report.
    pub async fn current_revision(&self, commune: &str) -> Result<Option<Revision>> {
        self.backend.current_revision(commune).await?.map(|r| revision_from(r, true)).transpose()
    }

    /// The file of a revision.
    pub async fn file(&self, id: RevisionId) -> Result<StoredFile> {
        let (bytes, sha) = self
            .backend
            .file(&id.to_string())
            .await?
            .ok_or(Error::not_found("file of revision", id))?;
        Ok(StoredFile { bytes, sha256: hex(&sha) })
    }

    /// Events after `after` (exclusive), oldest first, at most `limit`.
    pub async fn events(&self, after: i64, limit: u32) -> Result<Vec<Event>> {
        self.backend
            .events(after, i64::from(limit))
            .await?
            .into_iter()
            .map(|e| {
                Ok(Event {
                    id: e.id,
                    kind: EventKind::from_stored(&e.kind)?,
                    commune: e.commune,
                    revision_id: RevisionId::parse_stored(&e.revision_id)?,
                    previous_revision_id: e
                        .previous_revision_id
                        .as_deref()
                        .map(RevisionId::parse_stored)
                        .transpose()?,
                    addressee: e
                        .addressee_client_id
                        .as_deref()
                        .map(ClientId::parse_stored)
                        .transpose()?,
                    created_at: Timestamp(e.created_at),
                })
            })
            .collect()
    }
}

/// Refuses anything on a habilitation that is no longer pending, saying why.
fn not_pending(h: &Habilitation) -> Result<()> {
    match h.status {
        HabilitationStatus::Pending => Ok(()),
        HabilitationStatus::Accepted => {
            Err(Error::conflict(format!("habilitation {} is already accepted", h.id)))
        }
        HabilitationStatus::Rejected => Err(Error::forbidden(format!(
            "habilitation {} was rejected after {CODE_ATTEMPTS} wrong codes: ask for a new one",
            h.id
        ))),
        HabilitationStatus::Revoked => {
            Err(Error::forbidden(format!("habilitation {} was revoked", h.id)))
        }
    }
}

pub(crate) fn habilitation_from(r: HabilitationRow) -> Result<Habilitation> {
    Ok(Habilitation {
        id: HabilitationId::parse_stored(&r.id)?,
        client_id: ClientId::parse_stored(&r.client_id)?,
        commune: r.commune,
        status: HabilitationStatus::from_stored(&r.status)?,
        email: r.email,
        code_sent_at: r.code_sent_at.map(Timestamp),
        code_expires_at: r.code_expires_at.map(Timestamp),
        attempts_left: u32::try_from(r.attempts_left).unwrap_or(0),
        created_at: Timestamp(r.created_at),
        accepted_at: r.accepted_at.map(Timestamp),
        rejected_at: r.rejected_at.map(Timestamp),
        revoked_at: r.revoked_at.map(Timestamp),
    })
}

fn revision_from(r: RevisionRow, with_report: bool) -> Result<Revision> {
    let report = match (&r.report, with_report) {
        (Some(json), true) => Some(
            serde_json::from_str(json)
                .map_err(|e| Error::Corrupt(format!("report of revision {}: {e}", r.id)))?,
        ),
        _ => None,
    };
    let file = match (r.file_sha256, r.file_size) {
        (Some(sha), Some(size)) => {
            Some(FileInfo { sha256: hex(&sha), size: u64::try_from(size).unwrap_or(0) })
        }
        _ => None,
    };
    Ok(Revision {
        current: r.current_id.as_deref() == Some(r.id.as_str()),
        id: RevisionId::parse_stored(&r.id)?,
        commune: r.commune,
        client_id: ClientId::parse_stored(&r.client_id)?,
        status: RevisionStatus::from_stored(&r.status)?,
        context: RevisionContext { author: r.author, organisation: r.organisation },
        file,
        report,
        habilitation_id: r
            .habilitation_id
            .as_deref()
            .map(HabilitationId::parse_stored)
            .transpose()?,
        created_at: Timestamp(r.created_at),
        computed_at: r.computed_at.map(Timestamp),
        published_at: r.published_at.map(Timestamp),
    })
}

fn change_from(r: crate::backend::ChangeRow) -> Result<Change> {
    Ok(Change {
        seq: r.seq,
        kind: ChangeKind::from_stored(&r.kind)?,
        commune: r.commune,
        departement: r.departement,
        object_id: r.object_id,
        revision: RevisionId::parse_stored(&r.revision_id)?,
        at: Timestamp(r.at),
        data: r
            .data
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| Error::Corrupt(format!("change {} record: {e}", r.seq)))?,
    })
}

/// See [`Store::listen`].
pub struct ChangeListener {
    pg: Option<sqlx::postgres::PgListener>,
}

impl ChangeListener {
    /// Waits for a publication by any server, at most `timeout`. Returns whether a
    /// notification came (a lost connection is reconnected by the next call).
    pub async fn wait(&mut self, timeout: std::time::Duration) -> bool {
        let Some(l) = &mut self.pg else {
            tokio::time::sleep(timeout).await;
            return false;
        };
        match tokio::time::timeout(timeout, l.recv()).await {
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                tracing::warn!("change listener: {e}; catching up from the feed");
                tokio::time::sleep(timeout.min(std::time::Duration::from_secs(1))).await;
                false
            }
            Err(_) => false,
        }
    }
}
