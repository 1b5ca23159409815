//! Secrets: API tokens (shown once, stored as SHA-256, compared in constant time) and
//! habilitation codes (stored as HMAC-SHA-256 under the server secret). No type here prints
//! its secret in `Debug`.

use hmac::{KeyInit, Mac};
use rand::RngExt;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ids::ClientId;
use crate::limits::{CODE_DIGITS, TOKEN_SECRET_CHARS};

/// Prefix of every token: recognisable in logs and by secret scanners.
const TOKEN_PREFIX: &str = "gc_";

/// An API token: `gc_<client id, 32 hex>_<40 random alphanumerics>`. The client id lets the
/// store find the client, the random part is compared by hash in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// `n` random alphanumeric characters (a webhook's signing secret).
pub(crate) fn random_alphanumeric(n: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(n).map(char::from).collect()
}

impl Token {
    pub(crate) fn generate(client: ClientId) -> Self {
        let secret: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(TOKEN_SECRET_CHARS)
            .map(char::from)
            .collect();
        Self(format!("{TOKEN_PREFIX}{}_{secret}", client.0.simple()))
    }

    /// A token as presented by a caller (e.g. an `Authorization: Bearer` header).
    pub fn from_presented(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The token itself: to hand it to its owner once, or to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The client id and the SHA-256 of the random part, if the token is well formed.
    pub(crate) fn parts(&self) -> Option<(ClientId, [u8; 32])> {
        let rest = self.0.strip_prefix(TOKEN_PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        if id.len() != 32 || secret.is_empty() {
            return None;
        }
        let id = uuid::Uuid::try_parse(id).ok()?;
        Some((ClientId(id), sha256(secret.as_bytes())))
    }

    /// What the database keeps.
    pub(crate) fn hash(&self) -> Option<[u8; 32]> {
        self.parts().map(|(_, h)| h)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Prefix of editor session tokens.
const SESSION_PREFIX: &str = "ges_";

/// An editor session token: `ges_<session id, 32 hex>_<40 random alphanumerics>`, like an API
/// token: the id finds the session, the random part is compared by hash in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub(crate) fn generate(session: crate::ids::SessionId) -> Self {
        Self(format!(
            "{SESSION_PREFIX}{}_{}",
            session.0.simple(),
            random_alphanumeric(TOKEN_SECRET_CHARS)
        ))
    }

    /// A token as presented (a cookie, an `Authorization: Bearer` header).
    pub fn from_presented(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The token itself: to put it in the cookie, once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it has the shape of a session token (`ges_…`), whatever its validity.
    pub fn looks_like_one(s: &str) -> bool {
        s.starts_with(SESSION_PREFIX)
    }

    /// The session id and the SHA-256 of the random part, if well formed.
    pub(crate) fn parts(&self) -> Option<(crate::ids::SessionId, [u8; 32])> {
        let rest = self.0.strip_prefix(SESSION_PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        if id.len() != 32 || secret.is_empty() {
            return None;
        }
        let id = uuid::Uuid::try_parse(id).ok()?;
        Some((crate::ids::SessionId(id), sha256(secret.as_bytes())))
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// The server secret that keys the HMAC of habilitation codes: with it, a copy of the
/// database is not enough to find a code by trying the 10^6 candidates.
#[derive(Clone)]
pub struct ServerSecret(Vec<u8>);

impl ServerSecret {
    /// From configuration. At least 16 bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, crate::Error> {
        let bytes = bytes.into();
        if bytes.len() < 16 {
            return Err(crate::Error::invalid(
                "server secret",
                "at least 16 bytes are needed (e.g. 32 random characters)",
            ));
        }
        Ok(Self(bytes))
    }

    /// A random secret (tests, or a single-process server whose pending codes may be lost
    /// when it restarts).
    pub fn random() -> Self {
        let mut b = vec![0u8; 32];
        rand::rng().fill(&mut b[..]);
        Self(b)
    }

    /// HMAC-SHA-256 of `code` bound to the habilitation it was sent for.
    pub(crate) fn code_mac(&self, habilitation: &str, code: &Code) -> Vec<u8> {
        let mut mac =
            hmac::Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(habilitation.as_bytes());
        mac.update(b":");
        mac.update(code.0.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(<redacted>)")
    }
}

/// A habilitation code: 6 digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    pub(crate) fn generate() -> Self {
        let n = rand::rng().random_range(0..10u32.pow(CODE_DIGITS));
        Self(format!("{n:0width$}", width = CODE_DIGITS as usize))
    }

    /// A code typed by a user; surrounding spaces are ignored.
    pub fn from_user(s: &str) -> Self {
        Self(s.trim().to_owned())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_well_formed(&self) -> bool {
        self.0.len() == CODE_DIGITS as usize && self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(<redacted>)")
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Constant-time equality of two hashes.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip_and_redaction() {
        let id = ClientId::new();
        let t = Token::generate(id);
        let (pid, h) = t.parts().unwrap();
        assert_eq!(pid, id);
        assert_eq!(Some(h), t.hash());
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert!(!format!("{:?}", Code::generate()).contains(|c: char| c.is_ascii_digit()));
        assert!(Token::from_presented("gc_nope").parts().is_none());
        assert!(Token::from_presented("").parts().is_none());
    }

    #[test]
    fn session_tokens_round_trip_and_are_redacted() {
        let id = crate::ids::SessionId::new();
        let t = SessionToken::generate(id);
        assert!(SessionToken::looks_like_one(t.expose()));
        assert_eq!(t.parts().unwrap().0, id);
        assert_eq!(format!("{t:?}"), "SessionToken(<redacted>)");
        assert!(SessionToken::from_presented("ges_x_y").parts().is_none());
        assert!(SessionToken::from_presented(t.expose().replace("ges_", "gc_")).parts().is_none());
    }

    #[test]
    fn codes_are_six_digits_and_macs_bind_the_habilitation() {
        let c = Code::generate();
        assert!(c.is_well_formed());
        let s = ServerSecret::random();
        assert_ne!(s.code_mac("a", &c), s.code_mac("b", &c));
        assert!(same(
            &s.code_mac("a", &c),
            &s.code_mac("a", &Code::from_user(&format!(" {} ", c.0)))
        ));
        assert!(ServerSecret::new("short").is_err());
    }
}
