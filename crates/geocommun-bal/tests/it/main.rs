//! Integration tests of geocommun-bal on the real BAL files, the reference validator's own
//! fixtures and the crafted files of the shared harness, with the reference's recorded
//! outputs (`shared/bench/validateur/out/`) as the expected results.

mod bad_input;
mod draft;
mod fixtures;
mod roundtrip;

use std::sync::LazyLock;

use geocommun_bal::{MiniCog, Options, Report, Validator};

/// The mini-COG built from the real 2026 COG of the shared data.
pub static COG: LazyLock<MiniCog> = LazyLock::new(|| {
    let registry = geocommun_import::load_admin_dir(&geocommun_testkit::data_dir().join("admin"))
        .expect("COG of the shared data");
    MiniCog::from_registry(&registry)
});

pub fn validate(bytes: &[u8]) -> Report {
    Validator::new(&COG, Options::default()).validate_bytes(bytes)
}

pub fn codes(report: &Report) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> =
        report.findings.iter().map(|f| (f.row, f.code.to_string())).collect();
    v.sort();
    v.dedup();
    v
}
