//! Every magic number of the engine, with the reason for its value.

/// Longest query accepted, in characters (the api-adresse contract answers 413 above it).
pub const QUERY_MAX_CHARS: usize = 200;

/// Tokens of a query beyond this are ignored: no address needs more, and each token costs a
/// dictionary lookup.
pub const QUERY_MAX_TOKENS: usize = 16;

/// Largest `limit` of a search (the api-adresse contract answers 400 above it).
pub const LIMIT_MAX: usize = 100;

/// Most dictionary terms an autocompleted prefix expands to (milli caps derivations too):
/// the most frequent ones are kept, so that "rue de la rép" still finds "republique".
pub const PREFIX_MAX_EXPANSIONS: usize = 48;

/// Terms scanned in the FST for one prefix before keeping the most frequent: bounds the cost
/// of one-letter prefixes.
pub const PREFIX_MAX_SCAN: usize = 4_000;

/// Shortest prefix that is autocompleted (one letter matches too much to rank anything).
pub const PREFIX_MIN_LEN: usize = 2;

/// Most terms one typo-tolerant lookup may bring in.
pub const TYPO_MAX_EXPANSIONS: usize = 32;

/// Token length from which one typo (Levenshtein distance 1) is tolerated, and from which
/// two are (the lengths milli uses: shorter words have too many neighbours).
pub const TYPO_ONE_MIN_LEN: usize = 4;
pub const TYPO_TWO_MIN_LEN: usize = 8;

/// Documents taken from the posting list of the most selective token. Lists are ordered by
/// importance, so when a list is longer the most important documents are taken first.
pub const DRIVER_MAX_DOCS: usize = 1_000;

/// A posting list longer than this is "common" (addok's `COMMON_THRESHOLD` is 10 000): it is
/// intersected with the next token instead of being scanned whole.
pub const COMMON_POSTINGS: usize = 20_000;

/// Candidates kept after the first scoring pass for the second (house-number matching, labels).
pub const RERANK_CANDIDATES: usize = 40;

/// Documents near the bias point added to the candidates when `lat`/`lon` are given.
pub const GEO_BIAS_CANDIDATES: usize = 200;

/// A result whose score is under this is dropped (addok's `MIN_SCORE` is 0.1).
pub const MIN_SCORE: f32 = 0.2;

/// Below this best score the second pass (typo tolerance on every word) runs.
pub const TYPO_PASS_BELOW: f32 = 0.85;

/// Radius of reverse geocoding, in metres: nothing farther is returned as an address.
pub const REVERSE_MAX_DISTANCE_M: f64 = 1_000.0;

/// Points looked at by one reverse query before the exact distance ranking.
pub const REVERSE_NEIGHBOURS: usize = 16;

/// When the best text score of the primary candidates is under this, the documents of the next
/// selective tokens are scored too (the most selective token may be a typo that is another word).
pub const SECONDARY_BELOW: f32 = 0.9;

/// Segments built by [`crate::Engine::replace_communes`] (one per publication) are merged by
/// size tier: a segment of `n` addresses is in tier 0 up to this many, then one tier more each
/// time `n` is [`MERGE_FANOUT`] times larger.
pub const MERGE_TIER_ADDRESSES: usize = 16_000;

/// Segments of one tier merged together: after `k` publications at most `MERGE_FANOUT - 1`
/// segments are left per tier, and each address is rebuilt once per tier it goes through.
pub const MERGE_FANOUT: usize = 4;

/// A merged segment larger than this is sealed: it keeps no copy of its communes and is not
/// merged again (it only loses communes as they are republished).
pub const MERGE_MAX_ADDRESSES: usize = 250_000;
