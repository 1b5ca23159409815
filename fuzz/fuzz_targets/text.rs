//! Every public function of `geocommun_model::text` on arbitrary strings: nothing may panic.
//! The first byte chooses how the bytes become a string (lossy UTF-8, or Latin-1 so that every
//! byte is a character), so accents, ligatures and odd Unicode are reached quickly.
#![no_main]

use geocommun_model::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let s: String = if mode & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        rest.iter().map(|&b| char::from(b)).collect()
    };
    let folded = text::fold(&s);
    let _ = text::fold_suffix(&s);
    let toks = text::tokens(&s);
    let cleaned = text::clean_query(&s);
    let _ = text::tokens(&cleaned);
    let _ = text::is_postcode(&s);
    let _ = text::is_street_type(&s);
    let _ = text::phonetic(&s);
    let mut out = String::new();
    text::phonetic_into(&folded, &mut out);
    let mut syn = Vec::new();
    text::expand_synonyms(&s, &mut syn);
    text::expand_synonyms(&folded, &mut syn);
    for t in &toks {
        let _ = text::phonetic(t);
        let _ = text::is_postcode(t);
        let _ = text::is_street_type(t);
        let _ = text::fold_suffix(t);
        text::expand_synonyms(t, &mut syn);
    }
    // Documented invariants (module docs of `text`), checked only when asked:
    // GEOCOMMUN_FUZZ_INVARIANTS=1.
    if invariants() {
        assert_eq!(text::fold(&folded), folded, "fold is idempotent");
        assert_eq!(text::tokens(&toks.join(" ")), toks, "tokens is stable");
        for t in &toks {
            let p = text::phonetic(t);
            assert_eq!(text::phonetic(&p), p, "phonetic of a key is the key ({t})");
        }
    }
});

fn invariants() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("GEOCOMMUN_FUZZ_INVARIANTS").is_some_and(|v| v == "1"))
}
