//! Habilitations: the right of a client to publish for one commune, granted by whoever reads
//! the commune's official mailbox and passes the code on.

use crate::clock::Timestamp;
use crate::ids::{ClientId, HabilitationId};

/// Where a habilitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HabilitationStatus {
    /// Created; a code may have been sent.
    Pending,
    /// The right code was given: the client may publish for the commune, without expiry.
    Accepted,
    /// Too many wrong codes: ask for a new habilitation.
    Rejected,
    /// Withdrawn by the operator (or the client).
    Revoked,
}

impl HabilitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Revoked => "revoked",
        }
    }

    pub(crate) fn from_stored(s: &str) -> crate::Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            "revoked" => Self::Revoked,
            other => return Err(crate::Error::Corrupt(format!("habilitation status `{other}`"))),
        })
    }
}

/// A habilitation (never with its code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Habilitation {
    pub id: HabilitationId,
    pub client_id: ClientId,
    /// INSEE code of the commune.
    pub commune: String,
    pub status: HabilitationStatus,
    /// The official address the last code was sent to.
    pub email: Option<String>,
    pub code_sent_at: Option<Timestamp>,
    pub code_expires_at: Option<Timestamp>,
    /// Wrong codes still accepted before rejection.
    pub attempts_left: u32,
    pub created_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub rejected_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}
