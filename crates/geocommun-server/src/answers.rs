//! A cache of the JSON answers of `GET /search/` and `GET /reverse/`, keyed by the engine's
//! [`Generation`] and the raw query string. A geocoder's traffic repeats itself (the prefixes an
//! autocomplete box sends, the addresses of a web form, a client retrying): an answer already
//! made is served again without searching. An answer is only ever served by the engine that
//! made it: a publication swaps in an engine of a new generation, and the older answers are
//! never hit again (they age out). Bounded in bytes; `0` turns it off.

use bytes::Bytes;
use geocommun_search::Generation;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Which route an answer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    Search,
    Reverse,
}

type Key = (Generation, Route, Box<str>);

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Bytes> for ByBytes {
    fn weight(&self, key: &Key, value: &Bytes) -> u64 {
        // The entry's own bookkeeping counts too, so that tiny answers cannot grow it past
        // its budget.
        (key.2.len() + value.len() + 64) as u64
    }
}

/// The answers cache of a server (see the module documentation).
pub struct Answers {
    cache: Option<Cache<Key, Bytes, ByBytes>>,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers").field("bytes", &self.cache.as_ref().map(Cache::weight)).finish()
    }
}

/// Answers larger than this are not kept (a `limit=50` page of long labels is about 40 kB).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

impl Answers {
    /// A cache of at most `bytes` bytes of answers; `0` keeps none.
    pub fn new(bytes: u64) -> Self {
        // quick_cache sizes its tables from an estimate of the number of entries.
        let entries = (bytes / 2_048).max(16) as usize;
        Self { cache: (bytes > 0).then(|| Cache::with_weighter(entries, bytes, ByBytes)) }
    }

    pub fn get(&self, generation: Generation, route: Route, query: &str) -> Option<Bytes> {
        let cache = self.cache.as_ref()?;
        // The key is looked up with a borrowed query through an owned copy: quick_cache's
        // `Equivalent` would need a tuple of references; a copy of a short query is cheap.
        cache.get(&(generation, route, query.into()))
    }

    pub fn insert(&self, generation: Generation, route: Route, query: &str, answer: &Bytes) {
        if let Some(cache) = &self.cache
            && answer.len() <= MAX_ANSWER_BYTES
        {
            cache.insert((generation, route, query.into()), answer.clone());
        }
    }

    /// Whether answers are kept at all.
    pub fn enabled(&self) -> bool {
        self.cache.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_another_generation_or_route_are_not_served() {
        let a = Answers::new(1 << 20);
        let (g1, g2) = (Generation::default(), Generation::default());
        a.insert(g1, Route::Search, "q=rue", &Bytes::from_static(b"one"));
        assert_eq!(a.get(g1, Route::Search, "q=rue").as_deref(), Some(&b"one"[..]));
        assert_eq!(a.get(g2, Route::Search, "q=rue"), None);
        assert_eq!(a.get(g1, Route::Reverse, "q=rue"), None);
        assert_eq!(a.get(g1, Route::Search, "q=rue&limit=1"), None);
    }

    #[test]
    fn a_zero_budget_keeps_nothing_and_the_budget_holds() {
        let off = Answers::new(0);
        off.insert(Generation::default(), Route::Search, "q", &Bytes::from_static(b"x"));
        assert!(!off.enabled());
        assert_eq!(off.get(Generation::default(), Route::Search, "q"), None);

        let small = Answers::new(64 * 1024);
        let g = Generation::default();
        let answer = Bytes::from(vec![b'x'; 1_000]);
        for i in 0..1_000 {
            small.insert(g, Route::Search, &format!("q={i}"), &answer);
        }
        let kept = (0..1_000).filter(|i| small.get(g, Route::Search, &format!("q={i}")).is_some());
        assert!(kept.count() <= 64, "over its budget of 64 kB");
    }
}
