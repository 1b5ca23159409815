//! Rate limits of the publication API, with `governor` (GCRA: a budget of `requests` that
//! refills evenly over `per`, so a burst of `requests` is allowed and then one request every
//! `per / requests`).
//!
//! Three limiters, each optional:
//! - per **client** (the token's client), on the writing routes: a runaway integration cannot
//!   flood the store (every revision and file is kept forever);
//! - per **IP**, on **authentication failures**: token guessing is bounded, and once an
//!   address is over its budget every authenticated request from it is refused until
//!   `Retry-After`, valid token or not (otherwise a lucky guess would still get through);
//! - per **IP**, on **habilitation code** sends and validations: on top of the store's 10
//!   attempts per habilitation and 5 minutes between sends.
//!
//! The IP is the peer address of the connection, or with `trust_forwarded_for` the last
//! address of `X-Forwarded-For` (the one the reverse proxy in front appended; the ones before
//! it are whatever the caller sent).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use geocommun_store::ClientId;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ErrorCode};

/// At most `requests` every `per`: the text form is `N:SECS` (`300:60`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `secs` seconds.
    ///
    /// # Panics
    /// When `requests` or `secs` is zero (a constant in the code).
    pub const fn new(requests: u32, secs: u64) -> Self {
        assert!(requests > 0 && secs > 0, "a rate limit allows at least 1 request per second");
        match NonZeroU32::new(requests) {
            Some(requests) => Self { requests, per: Duration::from_secs(secs) },
            None => unreachable!(),
        }
    }

    fn quota(self) -> Quota {
        let period = self.per / self.requests.get();
        Quota::with_period(period.max(Duration::from_nanos(1)))
            .expect("a non-zero period")
            .allow_burst(self.requests)
    }

    /// `N:SECS`, or `off` (`None`: no limit).
    pub fn parse_setting(s: &str) -> Result<Option<Self>, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || {
            format!(
                "`{s}`: expected N:SECS (e.g. 300:60, at most N requests every SECS seconds) or off"
            )
        };
        let (n, secs) = s.split_once(':').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        let secs: u64 = secs.trim().parse().map_err(|_| bad())?;
        if n == 0 || secs == 0 {
            return Err(bad());
        }
        Ok(Some(Self::new(n, secs)))
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.requests, self.per.as_secs())
    }
}

/// The rate limits of the server (`None`: that limit is off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Per client, on the writing routes (all but `GET`). Default 300 per 60 s.
    pub client: Option<RateLimit>,
    /// Per IP, on authentication failures (401). Default 30 per 10 s.
    pub auth_failures: Option<RateLimit>,
    /// Per IP, on habilitation code sends and validations. Default 6 per 20 s.
    pub codes: Option<RateLimit>,
    /// Key IP limits by the last `X-Forwarded-For` address instead of the peer (only behind a
    /// reverse proxy that sets it: otherwise any caller picks its own key).
    pub trust_forwarded_for: bool,
}

impl RateLimits {
    pub const DEFAULT_CLIENT: RateLimit = RateLimit::new(300, 60);
    pub const DEFAULT_AUTH_FAILURES: RateLimit = RateLimit::new(30, 10);
    pub const DEFAULT_CODES: RateLimit = RateLimit::new(6, 20);

    /// Every limit off.
    pub const OFF: Self =
        Self { client: None, auth_failures: None, codes: None, trust_forwarded_for: false };
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            client: Some(Self::DEFAULT_CLIENT),
            auth_failures: Some(Self::DEFAULT_AUTH_FAILURES),
            codes: Some(Self::DEFAULT_CODES),
            trust_forwarded_for: false,
        }
    }
}

/// A request refused by a rate limit: a 429 with `Retry-After`.
#[derive(Debug)]
pub struct Limited {
    pub error: ApiError,
    /// Whole seconds, at least 1.
    pub retry_after: u64,
}

/// One keyed limiter, pruned of idle keys now and then so that its memory stays bounded by
/// the keys active within one refill period.
struct Keyed<K: Hash + Eq + Clone> {
    limit: RateLimit,
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU32,
}

/// Checks between two prunings of idle keys.
const PRUNE_EVERY: u32 = 4096;

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(limit: RateLimit) -> Self {
        Self { limit, limiter: RateLimiter::keyed(limit.quota()), checks: AtomicU32::new(0) }
    }

    /// Counts one request of `key`; `Err(wait)` when it is over its budget.
    fn check(&self, key: &K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// The limiters of a server, built from its [`RateLimits`].
pub struct Limiters {
    settings: RateLimits,
    client: Option<Keyed<ClientId>>,
    /// The editor's sessions, with the budget of a client (the editor is one client for the
    /// store, but each signed-in person has a budget of their own).
    sessions: Option<Keyed<geocommun_store::SessionId>>,
    auth_failures: Option<Keyed<IpAddr>>,
    codes: Option<Keyed<IpAddr>>,
    /// Addresses over their authentication-failure budget, until when: refused before their
    /// token is even looked at.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Whole seconds to wait, at least 1 (`Retry-After` has a one-second resolution).
fn retry_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

fn limited(what: &str, wait: Duration) -> Limited {
    let retry_after = retry_secs(wait);
    Limited {
        error: ApiError::new(ErrorCode::RateLimited, format!("{what}; retry in {retry_after} s")),
        retry_after,
    }
}

impl Limiters {
    pub fn new(settings: RateLimits) -> Self {
        Self {
            settings,
            client: settings.client.map(Keyed::new),
            sessions: settings.client.map(Keyed::new),
            auth_failures: settings.auth_failures.map(Keyed::new),
            codes: settings.codes.map(Keyed::new),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    pub fn settings(&self) -> RateLimits {
        self.settings
    }

    /// The address a request's IP limits are keyed by.
    pub fn client_ip(&self, parts: &Parts) -> IpAddr {
        if self.settings.trust_forwarded_for
            && let Some(ip) = forwarded_for(parts)
        {
            return ip;
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
    }

    /// Refuses every authenticated request of an address over its authentication-failure
    /// budget.
    pub fn check_not_blocked(&self, ip: IpAddr) -> Result<(), Limited> {
        let Some(keyed) = &self.auth_failures else { return Ok(()) };
        let mut blocked = self.blocked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        match blocked.get(&ip) {
            Some(&until) if until > now => Err(limited(
                &format!(
                    "too many authentication failures from this address (at most {} every {} s)",
                    keyed.limit.requests,
                    keyed.limit.per.as_secs()
                ),
                until - now,
            )),
            Some(_) => {
                blocked.remove(&ip);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts an authentication failure of `ip`: `Err` (429 instead of 401) when it goes over
    /// the budget, and the address is refused until it may try again.
    pub fn authentication_failed(&self, ip: IpAddr) -> Result<(), Limited> {
        let Some(keyed) = &self.auth_failures else { return Ok(()) };
        let Err(wait) = keyed.check(&ip) else { return Ok(()) };
        let mut blocked = self.blocked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if blocked.len() >= 4096 {
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(ip, now + wait);
        tracing::warn!(%ip, "authentication failures over the limit");
        Err(limited(
            &format!(
                "too many authentication failures from this address (at most {} every {} s)",
                keyed.limit.requests,
                keyed.limit.per.as_secs()
            ),
            wait,
        ))
    }

    /// Counts a writing request of `client`.
    pub fn check_client(&self, client: ClientId) -> Result<(), Limited> {
        let Some(keyed) = &self.client else { return Ok(()) };
        keyed.check(&client).map_err(|wait| {
            limited(
                &format!(
                    "too many requests from this client (at most {} every {} s on the writing \
                     routes)",
                    keyed.limit.requests,
                    keyed.limit.per.as_secs()
                ),
                wait,
            )
        })
    }

    /// Counts a writing request of an editor session (the client limit, per session).
    pub fn check_session(&self, session: geocommun_store::SessionId) -> Result<(), Limited> {
        let Some(keyed) = &self.sessions else { return Ok(()) };
        keyed.check(&session).map_err(|wait| {
            limited(
                &format!(
                    "too many changes from this editor session (at most {} every {} s)",
                    keyed.limit.requests,
                    keyed.limit.per.as_secs()
                ),
                wait,
            )
        })
    }

    /// Whether the request came over HTTPS: behind a trusted reverse proxy, its
    /// `X-Forwarded-Proto` (or `Forwarded: proto=`) says so; a direct connection to this
    /// server is plain HTTP.
    pub fn is_https(&self, parts: &Parts) -> bool {
        if !self.settings.trust_forwarded_for {
            return false;
        }
        let last = |name: &str| {
            parts
                .headers
                .get_all(name)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(|v| v.trim().to_ascii_lowercase())
        };
        if let Some(proto) = last("x-forwarded-proto") {
            return proto == "https";
        }
        last("forwarded")
            .is_some_and(|f| f.split(';').any(|kv| kv.trim().eq_ignore_ascii_case("proto=https")))
    }

    /// Counts a habilitation code send or validation from `ip`.
    pub fn check_code(&self, ip: IpAddr) -> Result<(), Limited> {
        let Some(keyed) = &self.codes else { return Ok(()) };
        keyed.check(&ip).map_err(|wait| {
            limited(
                &format!(
                    "too many habilitation code requests from this address (at most {} every {} \
                     s)",
                    keyed.limit.requests,
                    keyed.limit.per.as_secs()
                ),
                wait,
            )
        })
    }
}

/// The last address of `X-Forwarded-For` (the last header if there are several).
fn forwarded_for(parts: &Parts) -> Option<IpAddr> {
    let last = parts.headers.get_all("x-forwarded-for").iter().next_back()?;
    let hop = last.to_str().ok()?.rsplit(',').next()?.trim();
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse() {
        assert_eq!(RateLimit::parse_setting("300:60"), Ok(Some(RateLimit::new(300, 60))));
        assert_eq!(RateLimit::parse_setting(" OFF "), Ok(None));
        for bad in ["", "300", "0:60", "3:0", "a:b", "-1:5", "1:2:3"] {
            assert!(RateLimit::parse_setting(bad).is_err(), "{bad}");
        }
        assert_eq!(RateLimit::new(6, 20).to_string(), "6:20");
    }

    #[test]
    fn burst_then_refused_with_a_wait() {
        let l = Limiters::new(RateLimits { codes: Some(RateLimit::new(3, 30)), ..RateLimits::OFF });
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        for _ in 0..3 {
            l.check_code(ip).unwrap();
        }
        let e = l.check_code(ip).unwrap_err();
        assert_eq!(e.error.code, ErrorCode::RateLimited);
        assert!((1..=10).contains(&e.retry_after), "{}", e.retry_after);
        // Another address has its own budget.
        l.check_code(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))).unwrap();
        // Limits off: never refused.
        let off = Limiters::new(RateLimits::OFF);
        for _ in 0..1000 {
            off.check_code(ip).unwrap();
            off.authentication_failed(ip).unwrap();
        }
    }

    #[test]
    fn an_address_over_its_failure_budget_is_blocked() {
        let l = Limiters::new(RateLimits {
            auth_failures: Some(RateLimit::new(2, 60)),
            ..RateLimits::OFF
        });
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        l.check_not_blocked(ip).unwrap();
        l.authentication_failed(ip).unwrap();
        l.authentication_failed(ip).unwrap();
        assert!(l.authentication_failed(ip).is_err());
        let e = l.check_not_blocked(ip).unwrap_err();
        assert!(e.retry_after >= 1 && e.retry_after <= 30, "{}", e.retry_after);
        l.check_not_blocked(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))).unwrap();
    }

    #[test]
    fn forwarded_for_takes_the_last_hop() {
        let req = axum::http::Request::builder()
            .header("x-forwarded-for", "1.2.3.4, 10.0.0.7")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        assert_eq!(forwarded_for(&parts), Some("10.0.0.7".parse().unwrap()));
        let trusting = Limiters::new(RateLimits { trust_forwarded_for: true, ..RateLimits::OFF });
        assert_eq!(trusting.client_ip(&parts), "10.0.0.7".parse::<IpAddr>().unwrap());
        let not = Limiters::new(RateLimits::OFF);
        assert_eq!(not.client_ip(&parts), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
}
