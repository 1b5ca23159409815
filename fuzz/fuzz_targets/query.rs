//! Arbitrary bytes → a search (limit, autocomplete, explain, filters, bias point from the first
//! bytes, the query text from the rest), a reverse query and a lookup on a small engine built
//! once. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    geocommun_fuzz::exercise(geocommun_fuzz::engine(), data);
});
