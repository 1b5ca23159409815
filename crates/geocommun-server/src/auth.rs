//! [`Authenticated`]: the extractor of every route that needs a client token.
//!
//! In this order: an address over its authentication-failure budget is refused (429) before
//! its token is looked at; the `Authorization: Bearer gc_…` token is checked against the store
//! (401 when missing, malformed, unknown or revoked — each failure counted against the
//! address, the one over the budget answered 429); then a writing request (anything but `GET`
//! and `HEAD`) counts against the client's budget (429). The token itself is never logged nor
//! put in an answer: only the client it belongs to goes further.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use geocommun_store::{Client, Store, Token};

use crate::AppState;
use crate::routes::publication::{PublicationError, store};

/// The client of a request's bearer token, with the store and the caller's address.
#[derive(Debug)]
pub struct Authenticated {
    pub store: Arc<Store>,
    pub client: Client,
    /// The address IP rate limits are keyed by (see [`crate::rate_limit`]).
    pub ip: IpAddr,
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = PublicationError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let store = store(state)?;
        let limits = state.limiters();
        let ip = limits.client_ip(parts);
        limits.check_not_blocked(ip)?;
        let authenticated = match bearer(parts) {
            Some(token) => store.authenticate(&Token::from_presented(token)).await,
            None => Err(geocommun_store::Error::Unauthenticated { reason: "no bearer token" }),
        };
        let client = match authenticated {
            Ok(client) => client,
            Err(e @ geocommun_store::Error::Unauthenticated { .. }) => {
                limits.authentication_failed(ip)?;
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        if parts.method != Method::GET && parts.method != Method::HEAD {
            limits.check_client(client.id)?;
        }
        Ok(Self { store, client, ip })
    }
}
