//! Arbitrary bytes → `snapshot::open_bytes`; when the bytes open, searches, reverse queries and
//! lookups must answer without panicking. The same bytes are opened a second time with their
//! CRCs recomputed, so that mutations of a section reach the structural validation (opening
//! checks every CRC first, and random mutations almost never keep them right).
#![no_main]

use libfuzzer_sys::fuzz_target;

fn try_open(bytes: &[u8]) {
    // `.into()`: `open_bytes` takes the bytes by value or by reference depending on the version.
    #[allow(clippy::useless_conversion)]
    if let Ok(engine) = geocommun_search::snapshot::open_bytes(bytes.into()) {
        geocommun_fuzz::fixed_queries(&engine);
    }
}

fuzz_target!(|data: &[u8]| {
    try_open(data);
    let mut fixed = data.to_vec();
    if geocommun_fuzz::fix_crcs(&mut fixed) && fixed != data {
        try_open(&fixed);
    }
});
