//! The BAL reader and validator on arbitrary bytes: nothing may panic, whatever the encoding,
//! separators, quotes, NUL bytes or line lengths. The first byte chooses a profile (or
//! auto-detection) so every grading path is reached; a small mini-COG (3 communes, one with an
//! ancien code) makes the commune checks pass and fail.
#![no_main]

use std::sync::OnceLock;

use geocommun_bal::{MiniCog, Options, Profile, Validator};
use libfuzzer_sys::fuzz_target;

fn cog() -> &'static MiniCog {
    static C: OnceLock<MiniCog> = OnceLock::new();
    C.get_or_init(|| {
        MiniCog::from_entries([
            ("71346".to_owned(), "Perrecy-les-Forges".to_owned(), vec!["71999".to_owned()]),
            ("01015".to_owned(), "Arboys en Bugey".to_owned(), vec!["01340".to_owned()]),
            ("75101".to_owned(), "Paris 1er Arrondissement".to_owned(), vec![]),
        ])
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let profile = Profile::ALL.get(usize::from(mode % 8)).copied();
    let options = Options {
        profile,
        today: geocommun_bal::Date { year: 2026, month: 11, day: 23 },
        ..Options::default()
    };
    let report = Validator::new(cog(), options).validate_bytes(rest);
    let _ = serde_json::to_string(&report.to_json("fuzz.csv")).expect("serialisable");
    let _ = report.to_text("fuzz.csv", geocommun_bal::Lang::Fr);
    if mode & 0x80 != 0 {
        let _ = geocommun_bal::fix::fix(rest, cog());
        let _ = geocommun_bal::write::read_bal(rest, cog());
    }
});
