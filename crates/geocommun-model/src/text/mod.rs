//! French text normalisation, shared by validation, import and search.
//!
//! The pipeline, applied identically to indexed labels and to queries:
//! 1. [`clean_query`] (queries only): removes CEDEX / BP / CS / étage noise.
//! 2. [`fold`]: lower-case ASCII (œ → oe, æ → ae, accents dropped), every other character a space.
//! 3. [`tokens`]: split, glue `3 bis` → `3bis`, expand abbreviations and synonyms (`bd` → `boulevard`).
//! 4. [`phonetic`]: per-token phonetic folding for typo-tolerant matching (`dunkerque` → `dunkerk`).

mod phonetic;
mod query;
mod synonyms;

pub use phonetic::phonetic;
pub use query::{clean_query, is_postcode};
pub use synonyms::{expand_synonyms, is_street_type};

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

/// Folds and splits into tokens, glues house-number suffixes (`3 bis` → `3bis`) and expands
/// abbreviations and synonyms (`bd` → `boulevard`, `st` → `saint`, `1er` → `premier`).
pub fn tokens(s: &str) -> Vec<String> {
    let folded = fold(s);
    let raw: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let t = raw[i];
        // Glue a separated suffix to the number before it: "3 bis" → "3bis", "12 b" → "12b".
        if t.bytes().all(|b| b.is_ascii_digit()) && i + 1 < raw.len() && is_suffix_word(raw[i + 1])
        {
            let next_is_end_or_word = raw.get(i + 2).is_none_or(|n| !n.is_empty());
            if next_is_end_or_word {
                out.push(format!("{t}{}", raw[i + 1]));
                i += 2;
                continue;
            }
        }
        expand_synonyms(t, &mut out);
        i += 1;
    }
    out
}

/// Words that, right after a number, are its suffix.
fn is_suffix_word(t: &str) -> bool {
    matches!(t, "bis" | "ter" | "quater" | "quinquies" | "sexies")
        || (t.len() == 1 && t.as_bytes()[0].is_ascii_lowercase() && !matches!(t, "a" | "y"))
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
    fn gluing() {
        assert_eq!(tokens("3 bis rue x"), ["3bis", "rue", "x"]);
    }
}
