//! French text normalisation, shared by validation, import and search.
//!
//! The pipeline, applied identically to indexed labels and to queries (addok-france's
//! processors, see ANCHORS.md §1.3):
//! 1. [`clean_query`] (queries only): removes CEDEX / BP / CS / étage / bâtiment noise, rewrites
//!    `s/` → `sur`, isolates glued postcodes, drops leading zeros (`0003` → `3`).
//! 2. [`fold`]: lower-case ASCII (œ → oe, æ → ae, accents dropped), every other character a space.
//! 3. [`tokens`]: split, glue and fold house-number suffixes (`3 bis` → `3b`), read ordinals
//!    (`1er` → `premier`), expand abbreviations and synonyms (`bd` → `boulevard`).
//! 4. [`phonetic`]: per-token phonetic key for typo-tolerant matching (`dunkerque` → `dunkerk`).
//!
//! Everything here is deterministic, allocation-light (one `String` per output token), panics on
//! no input, and stable: `tokens` of the joined tokens gives the same tokens, `phonetic` of a key
//! gives the key. Autocompletion note: abbreviations are expanded on the last query token too
//! (`bou` → `boulevard`), so prefix matching should also try the folded last word as typed.

mod phonetic;
mod query;
mod synonyms;

pub use phonetic::{phonetic, phonetic_into};
pub use query::{clean_query, is_postcode};
pub use synonyms::{expand_synonyms, is_street_type};

/// Version of the normalisation rules. Anything built from normalised text (a search index
/// snapshot) records it and is rebuilt when it changes: bump it with any change of output.
pub const VERSION: u32 = 1;

/// Lower-case ASCII folding: accents dropped, ligatures expanded (`œ` → `oe`), every character
/// that is not a letter or a digit becomes a space, runs of spaces collapse, ends are trimmed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_space = true;
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            push(c, &mut out);
        } else {
            for d in deunicode::deunicode_char(c).unwrap_or(" ").chars() {
                push(d, &mut out);
            }
        }
    }
    out
}

/// Folds a house-number suffix: `bis` → `b`, `ter` → `t`, `quater` → `q`, `quinquies` → `c`,
/// `sexies` → `s`; anything else is folded (`B` → `b`, `A1` → `a1`).
pub fn fold_suffix(s: &str) -> String {
    let f = fold(s).replace(' ', "");
    match f.as_str() {
        "bis" => "b".into(),
        "ter" => "t".into(),
        "quater" | "qua" => "q".into(),
        "quinquies" | "quinques" => "c".into(),
        "sexies" => "s".into(),
        _ => f,
    }
}

/// Folds and splits into tokens, glues and folds house-number suffixes, reads ordinals and
/// expands abbreviations (see [`expand_synonyms`]).
///
/// Used identically on indexed labels and on queries; it is deterministic and stable:
/// `tokens(&tokens(x).join(" ")) == tokens(x)`.
///
/// * A number is never expanded. A 1–4 digit number takes the suffix that follows it, folded
///   (`bis` → `b`, `ter` → `t`, `quater` → `q`, `quinquies` → `c`, `sexies` → `s`):
///   `3 bis`, `3bis`, `3 b`, `3B` all give `3b`; `12 ter` gives `12t`.
///   * `bis`, `ter`, `quater`, `quinquies`, `sexies` are glued whatever follows;
///   * a separated single letter only when followed by the end, a street type or a postcode
///     (`3 b rue x` → `3b`, but `3 a la` stays `3`, `a`, `la`), as addok-france does;
///   * `e` is also an ordinal mark (`3e régiment`): `3e`/`3 e` is a house number only before a
///     street type (`3e rue x` → `3e`), otherwise `3e` is the ordinal `troisieme`.
/// * Ordinals: `1er`, `1re`, `1ere`, `premiere` → `premier`; `2e`, `2eme`, `2nd`, `second`, `iie`
///   → `deuxieme`; … up to `20e` → `vingtieme` (`17e` → `dix septieme`); above 20 the
///   canonical form is `<n>e` (`21eme` → `21e`). Other digit-letter mixes (`12bz`) are kept.
/// * Every other token goes through [`expand_synonyms`] (`bd` → `boulevard`, `nd` → `notre dame`).
pub fn tokens(s: &str) -> Vec<String> {
    let folded = fold(s);
    let mut out = Vec::with_capacity(folded.len() / 4 + 1);
    let mut words = folded.split(' ').filter(|w| !w.is_empty());
    let mut window = [words.next(), words.next(), words.next()];
    while let [Some(token), next, after] = window {
        let consumed = push_token(token, next, after, &mut out);
        for _ in 0..consumed {
            window = [window[1], window[2], words.next()];
        }
    }
    out
}

/// Pushes the token(s) for `token`; returns how many words it consumed (2 when it glued `next`).
fn push_token(
    token: &str,
    next: Option<&str>,
    after: Option<&str>,
    out: &mut Vec<String>,
) -> usize {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        expand_synonyms(token, out);
        return 1;
    }
    let (number, rest) = token.split_at(digits);
    if rest.is_empty() {
        if digits <= 4
            && let Some(suffix) = next.and_then(|n| separated_suffix(n, after))
        {
            let mut glued = String::with_capacity(digits + suffix.len());
            glued.push_str(number);
            glued.push_str(suffix);
            out.push(glued);
            return 2;
        }
    } else if digits <= 4 && rest.bytes().all(|b| b.is_ascii_lowercase()) {
        if let Some(suffix) = suffix_word(rest) {
            let mut glued = String::with_capacity(digits + 1);
            glued.push_str(number);
            glued.push_str(suffix);
            out.push(glued);
            return 1;
        }
        let house_number_e = rest == "e" && next.is_some_and(is_street_type);
        if !house_number_e && push_ordinal(number, rest, out) {
            return 1;
        }
    }
    out.push(token.to_owned());
    1
}

/// Folded form of a multi-letter house-number suffix (`bis` → `b`).
fn suffix_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "bis" => "b",
        "ter" => "t",
        "quater" | "qua" => "q",
        "quinquies" | "quinques" => "c",
        "sexies" => "s",
        _ => return None,
    })
}

/// The suffix `word` stands for when it follows a 1–4 digit number, `after` being the word after
/// it; `None` when it is not a suffix there.
fn separated_suffix<'a>(word: &'a str, after: Option<&str>) -> Option<&'a str> {
    if word != "qua"
        && let Some(s) = suffix_word(word)
    {
        return Some(s);
    }
    let &[letter] = word.as_bytes() else { return None };
    if !letter.is_ascii_lowercase() {
        return None;
    }
    let suffix_context = if letter == b'e' {
        after.is_some_and(is_street_type)
    } else {
        after.is_none_or(|a| is_street_type(a) || is_postcode(a))
    };
    suffix_context.then_some(word)
}

/// Canonical words of the ordinals 1 to 20.
const ORDINALS: [&[&str]; 20] = [
    &["premier"],
    &["deuxieme"],
    &["troisieme"],
    &["quatrieme"],
    &["cinquieme"],
    &["sixieme"],
    &["septieme"],
    &["huitieme"],
    &["neuvieme"],
    &["dixieme"],
    &["onzieme"],
    &["douzieme"],
    &["treizieme"],
    &["quatorzieme"],
    &["quinzieme"],
    &["seizieme"],
    &["dix", "septieme"],
    &["dix", "huitieme"],
    &["dix", "neuvieme"],
    &["vingtieme"],
];

/// Pushes the canonical form of the ordinal `number` + `mark` (`1` + `er`, `2` + `nd`, `21` +
/// `eme`) and returns `true`, or returns `false` when it is not an ordinal.
fn push_ordinal(number: &str, mark: &str, out: &mut Vec<String>) -> bool {
    let Ok(n) = number.parse::<u16>() else { return false };
    let valid = match mark {
        "e" | "eme" | "ieme" | "em" => n > 0,
        "er" | "ere" | "re" | "iere" | "ier" => n == 1,
        "nd" | "nde" => n == 2,
        _ => false,
    };
    if !valid {
        return false;
    }
    match ORDINALS.get(usize::from(n) - 1) {
        Some(words) => out.extend(words.iter().map(|w| (*w).to_owned())),
        None => out.push(format!("{n}e")),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("  Rue de l'Église  "), "rue de l eglise");
        assert_eq!(fold("Cœur-Œuvre Ægidius"), "coeur oeuvre aegidius");
        assert_eq!(fold("Général LECLERC"), "general leclerc");
        assert_eq!(fold("ÎLE—DE—FRANCE"), "ile de france");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn suffixes() {
        assert_eq!(fold_suffix("bis"), "b");
        assert_eq!(fold_suffix("TER"), "t");
        assert_eq!(fold_suffix("B"), "b");
        assert_eq!(fold_suffix("quinquies"), "c");
    }

    #[test]
    fn tokenizing() {
        let cases: &[(&str, &[&str])] = &[
            // House-number suffixes, glued and folded.
            ("3 bis rue x", &["3b", "rue", "x"]),
            ("3bis rue x", &["3b", "rue", "x"]),
            ("3 b rue x", &["3b", "rue", "x"]),
            ("3B rue x", &["3b", "rue", "x"]),
            ("3 B, bd x", &["3b", "boulevard", "x"]),
            ("12 ter av x", &["12t", "avenue", "x"]),
            ("12 quater x", &["12q", "x"]),
            ("12 quinquies", &["12c"]),
            ("12 sexies", &["12s"]),
            ("12Ter", &["12t"]),
            ("rue x 12 b", &["rue", "x", "12b"]),
            ("12 a 75001 paris", &["12a", "75001", "paris"]),
            ("3 a la ferme", &["3", "a", "la", "ferme"]),
            ("12345 b", &["12345", "b"]),
            ("12bz rue x", &["12bz", "rue", "x"]),
            // `e`: house number before a street type, ordinal otherwise.
            ("3 e rue x", &["3e", "rue", "x"]),
            ("3e rue x", &["3e", "rue", "x"]),
            ("3e regiment", &["troisieme", "regiment"]),
            ("3 e regiment", &["3", "e", "regiment"]),
            ("paris 16e", &["paris", "seizieme"]),
            // Ordinals.
            ("rue du 1er mai", &["rue", "du", "premier", "mai"]),
            ("1ère armée", &["premier", "armee"]),
            ("1re", &["premier"]),
            ("premiere", &["premier"]),
            ("2nd empire", &["deuxieme", "empire"]),
            ("second empire", &["deuxieme", "empire"]),
            ("2ème", &["deuxieme"]),
            ("IIe", &["deuxieme"]),
            ("17e", &["dix", "septieme"]),
            ("21eme", &["21e"]),
            ("101e", &["101e"]),
            ("2er", &["2er"]),
            ("0e", &["0e"]),
            // Synonyms; numbers never expanded.
            ("Bd St-Michel", &["boulevard", "saint", "michel"]),
            ("N.-D. de Lorette", &["n", "d", "de", "lorette"]),
            ("Nd de Lorette", &["notre", "dame", "de", "lorette"]),
            ("r. de l'Église", &["rue", "de", "l", "eglise"]),
            ("av gal leclerc", &["avenue", "general", "leclerc"]),
            ("8 mai 1945", &["8", "mai", "1945"]),
            ("75001 Paris", &["75001", "paris"]),
            ("Louis XIV", &["louis", "xiv"]),
            ("François Ier", &["francois", "premier"]),
            // Real words that look like abbreviations stay.
            ("Route du Col", &["route", "du", "col"]),
            ("Cap d'Agde", &["cap", "d", "agde"]),
            ("Rue des Prés", &["rue", "des", "pres"]),
            ("Pont-Aven", &["pont", "aven"]),
            ("Rue de la Vie", &["rue", "de", "la", "vie"]),
            ("", &[]),
            (" - ", &[]),
        ];
        for (input, expected) in cases {
            assert_eq!(tokens(input), *expected, "{input:?}");
        }
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// Address-like words, so that gluing, ordinals and synonyms are exercised.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(
                &[
                    "3", "12", "1", "2", "17", "0003", "12345", "75001", "bis", "ter", "quater",
                    "qua", "b", "a", "e", "r", "c", "d", "l", "er", "1er", "3e", "2nd", "21eme",
                    "3bis", "rue", "av", "bd", "rpt", "zi", "nd", "st", "de", "la", "iie", "xxe",
                    "premiere", "le", "lieu", "dit", "ld",
                ][..]
            )
            .prop_map(str::to_owned),
            "[a-z0-9]{1,6}",
            "\\PC{1,4}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn fold_is_ascii_and_idempotent(s in "\\PC*") {
            let f = fold(&s);
            prop_assert!(f.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
            prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
            prop_assert_eq!(fold(&f), f);
        }

        #[test]
        fn tokens_are_stable(words in prop::collection::vec(word(), 0..8)) {
            let once = tokens(&words.join(" "));
            let twice = tokens(&once.join(" "));
            prop_assert_eq!(&twice, &once);
            prop_assert!(once.iter().all(|t| !t.is_empty() && !t.contains(' ')));
        }

        #[test]
        fn phonetic_is_a_fixed_point(w in "[a-z]{1,24}") {
            let key = phonetic(&w);
            prop_assert!(!key.is_empty());
            prop_assert!(key.len() <= w.len());
            prop_assert_eq!(phonetic(&key), key);
        }

        #[test]
        fn phonetic_of_french_like_words(w in "[bcdfghjklmnpqrstvwxz]?([aeiouy]{1,3}[bcdfghjklmnpqrstvwxz]{1,3}){1,4}e?s?") {
            let key = phonetic(&w);
            prop_assert_eq!(phonetic(&key), key);
        }

        #[test]
        fn phonetic_fixed_point_on_cascades(w in "(a|e|i|ai|ei|au|eau|oe|oeu|g|c|m|n|h|gu|qu|t|s){1,24}") {
            let key = phonetic(&w);
            prop_assert_eq!(phonetic(&key), key);
        }

        #[test]
        fn nothing_panics(s in "\\PC*", t in any::<String>()) {
            for input in [&s, &t] {
                let _ = fold(input);
                let _ = fold_suffix(input);
                let _ = tokens(input);
                let _ = phonetic(input);
                let _ = clean_query(input);
                let _ = is_postcode(input);
                let _ = is_street_type(input);
                let mut out = Vec::new();
                expand_synonyms(input, &mut out);
                for token in tokens(&clean_query(input)) {
                    let _ = phonetic(&token);
                }
            }
        }
    }
}
