//! Every number of the publication rules, with its reason.

use std::time::Duration;

/// How long a habilitation code stays valid: a day lets a mairie secretary who reads mail
/// once a day answer (api-depot's rule).
pub const CODE_VALIDITY: Duration = Duration::from_hours(24);

/// Wrong codes accepted per habilitation before it is rejected. 10 tries against 10^6
/// codes: one chance in 100,000 for a guesser; the count is per habilitation, not per code,
/// so re-sending does not give more tries.
pub const CODE_ATTEMPTS: u32 = 10;

/// A new code is not sent within this delay of the last one (api-depot answers 409): it stops
/// the directory's addresses being flooded.
pub const CODE_RESEND_DELAY: Duration = Duration::from_mins(5);

/// Digits of a habilitation code.
pub const CODE_DIGITS: u32 = 6;

/// Random characters of an API token (base 62: about 238 bits).
pub const TOKEN_SECRET_CHARS: usize = 40;

/// Largest BAL file accepted for a revision. Paris, the largest commune, publishes about
/// 30 MB; four times that leaves room without letting one upload fill the database.
pub const MAX_FILE_BYTES: usize = 128 * 1024 * 1024;

/// Above this share of the current addresses removed, a revision is refused (api-depot's
/// `rows.delete_too_many_addresses`).
pub const DELETE_ERROR_RATIO: f64 = 0.8;

/// Above this share removed, a revision carries a warning (`rows.delete_many_addresses`).
pub const DELETE_WARNING_RATIO: f64 = 0.2;

/// Rows listed per platform finding in a report (the count is always complete).
pub const REPORT_EXAMPLE_ROWS: usize = 20;

/// Problems listed when a mairie directory file is refused.
pub const MAX_FILE_PROBLEMS: usize = 100;

/// Most changes one read of the feed returns (`GET /feed?limit=`).
pub const FEED_PAGE_MAX: i64 = 10_000;

/// How long an editor session lasts: a working day. The draft is kept server-side, so a
/// session that ends loses nothing; signing in again takes a new code.
pub const SESSION_VALIDITY: Duration = Duration::from_hours(12);

/// Drafts kept in memory, as built at one of their versions (a draft is rebuilt from its
/// snapshot and operations otherwise). A large commune's draft weighs tens of MB.
pub const DRAFT_CACHE_ENTRIES: usize = 6;
