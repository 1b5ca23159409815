//! The commons' store: clients and their tokens, the mairie directory, habilitations, BAL
//! revisions and their publication, and the event log the change feed reads — on SQLite (one
//! file, the embedded default) or PostgreSQL (production), behind one async API.
//!
//! ```no_run
//! # async fn demo(registry: std::sync::Arc<geocommun_admin::AdminRegistry>) -> geocommun_store::Result<()> {
//! use geocommun_store::{PerimeterEntry, RevisionContext, ServerSecret, Store, StoreConfig};
//! let store = Store::open("sqlite://commons.db", StoreConfig::new(registry, ServerSecret::random())).await?;
//! let new = store.create_client("mes-adresses", vec!["departement:71".parse()?]).await?;
//! let client = store.authenticate(&new.token).await?;
//! let rev = store.create_revision(&client, "71346", RevisionContext::default()).await?;
//! store.upload_file(&client, rev.id, b"cle_interop;...").await?;
//! let rev = store.compute(&client, rev.id).await?;
//! store.publish(&client, rev.id).await?;
//! # Ok(()) }
//! ```
//!
//! The rules (docs/store.md): tokens are shown once and kept as SHA-256; habilitation codes
//! are 6 digits, valid 24 h, 10 attempts, re-sent at most every 5 minutes, kept as HMAC under
//! the server secret; a revision is computed (BAL validation + platform rules) then published
//! atomically per commune, and kept forever.

mod backend;
pub mod client;
pub mod clock;
pub mod consolidate;
pub mod directory;
pub mod editor;
pub mod error;
pub mod feed;
pub mod habilitation;
mod ids;
pub mod limits;
pub mod mail;
mod migrate;
pub mod revision;
pub mod secret;
mod store;
pub mod territory;
pub mod webhook;

pub use client::{Client, NewClient, PerimeterEntry};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use consolidate::{
    CommuneFacts, Consolidation, ConsolidationSummary, IdKind, IdRow, consolidate,
};
pub use directory::{DirectoryEntry, DirectoryImport, parse_directory};
pub use editor::{
    DraftPublication, DraftView, Edited, EditorSession, EditorSignIn, NewEditorSession,
};
pub use error::{Error, FileProblem, Result};
pub use feed::{
    AddressRecord, Change, ChangeKind, CommuneRecord, FeedFilter, FeedPage, FeedState, NewChange,
    PositionRecord, Record, ToponymeRecord,
};
pub use habilitation::{Habilitation, HabilitationStatus};
pub use ids::{ClientId, DraftId, HabilitationId, RevisionId, SessionId};
pub use mail::{Mailer, SmtpConfig};
pub use revision::{
    Deletion, Event, EventKind, FileInfo, Level, PlatformFinding, Publication, Revision,
    RevisionContext, RevisionReport, RevisionStatus, StoredFile,
};
pub use secret::{Code, ServerSecret, SessionToken, Token};
pub use store::{ChangeListener, Store, StoreConfig};
pub use territory::Territory;
pub use webhook::{DeadLetter, Webhook};
