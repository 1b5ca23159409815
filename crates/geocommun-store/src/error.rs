//! The store's errors: user errors (what the caller asked cannot be done, and why) and
//! internal errors (the database, the mail relay, a bug).

use std::time::Duration;

/// One problem of an operator file (the mairie directory), located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// 1-based physical line (the header is line 1).
    pub line: u64,
    /// The column the problem is about (empty when the whole line is wrong).
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}, field `{}`: {}", self.line, self.field, self.message)
        }
    }
}

/// Everything the store can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- user errors ----
    /// The thing asked for does not exist.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// The request conflicts with the current state (a concurrent publication, a file already
    /// attached, a habilitation already accepted…); `reason` says what to do.
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    /// The client is known but may not do this.
    #[error("forbidden: {reason}")]
    Forbidden { reason: String },
    /// The token is missing, malformed, unknown or revoked.
    #[error("unauthenticated: {reason}")]
    Unauthenticated { reason: &'static str },
    /// A wrong habilitation code; `attempts_left` more tries before the habilitation is
    /// rejected (0: it is rejected now).
    #[error("wrong code: {attempts_left} attempt(s) left")]
    InvalidCode { attempts_left: u32 },
    /// The habilitation code is older than its validity: ask for a new one.
    #[error("the code has expired: ask for a new one")]
    Expired,
    /// Asked again too soon (a code was sent less than 5 minutes ago).
    #[error("a code was sent recently: retry in {} s", retry_after.as_secs())]
    Throttled { retry_after: Duration },
    /// A parameter is wrong: `field` names it, `reason` says what is expected.
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// An operator file with problems; nothing was imported.
    #[error("{file}: {} problem(s), nothing imported; first: {}", problems.len(), problems.first().map(ToString::to_string).unwrap_or_default())]
    InvalidFile { file: String, problems: Vec<FileProblem> },

    // ---- internal errors ----
    /// The database failed (connection, SQL, constraint not expected by the code).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The mail relay refused or could not be reached.
    #[error("could not send the e-mail: {0}")]
    Mail(String),
    /// Stored data the code cannot read (a bug or a manual edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl Error {
    /// Whether the caller caused it (4xx) rather than the platform (5xx).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Database(_) | Self::Migration(_) | Self::Mail(_) | Self::Corrupt(_))
    }

    pub(crate) fn not_found(what: &'static str, id: impl std::fmt::Display) -> Self {
        Self::NotFound { what, id: id.to_string() }
    }

    pub(crate) fn conflict(reason: impl Into<String>) -> Self {
        Self::Conflict { reason: reason.into() }
    }

    pub(crate) fn forbidden(reason: impl Into<String>) -> Self {
        Self::Forbidden { reason: reason.into() }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid { field, reason: reason.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
