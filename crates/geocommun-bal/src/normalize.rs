//! Text normalisations of the reference: lodash `deburr` and @ban-team/adresses-util
//! `normalize` (used to compare voie names).

use unicode_normalization::UnicodeNormalization;

/// lodash `deburr`: Latin-1 Supplement and Latin Extended-A letters to basic Latin, then
/// combining marks removed. Other characters are kept as they are.
pub fn deburr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{300}'..='\u{36F}' | '\u{FE20}'..='\u{FE2F}' | '\u{20D0}'..='\u{20FF}' => {}
            '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{17F}' => match special(c) {
                Some(rep) => out.push_str(rep),
                None => out.extend(c.nfd().filter(|d| !('\u{300}'..='\u{36F}').contains(d))),
            },
            c => out.push(c),
        }
    }
    out
}

fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'Æ' => "Ae",
        'æ' => "ae",
        'Ð' | 'Đ' => "D",
        'ð' | 'đ' => "d",
        'Ø' => "O",
        'ø' => "o",
        'Þ' => "Th",
        'þ' => "th",
        'ß' => "ss",
        'Ħ' => "H",
        'ħ' => "h",
        'ı' => "i",
        'Ĳ' => "IJ",
        'ĳ' => "ij",
        'ĸ' => "k",
        'Ŀ' | 'Ł' => "L",
        'ŀ' | 'ł' => "l",
        'ŉ' => "'n",
        'Ŋ' => "N",
        'ŋ' => "n",
        'Œ' => "Oe",
        'œ' => "oe",
        'Ŧ' => "T",
        'ŧ' => "t",
        'ſ' => "s",
        _ => return None,
    })
}

const STOP_WORDS: [&str; 18] = [
    "la", "le", "les", "l", "d", "du", "de", "des", "dos", "las", "los", "sur", "sous", "a", "par",
    "et", "au", "aux",
];

fn expand_first(w: &str) -> Option<&'static str> {
    Some(match w {
        "pl" => "place",
        "av" => "avenue",
        "bd" => "boulevard",
        "sq" => "square",
        "che" | "chem" => "chemin",
        "rte" => "route",
        "all" => "allee",
        "pas" => "passage",
        "vla" => "villa",
        "imp" => "impasse",
        "qu" => "quai",
        "ham" => "hammeau",
        "prt" => "porte",
        "parv" => "parvis",
        "lot" => "lotissement",
        "sen" | "snt" => "sente",
        "r" => "rue",
        "rle" => "ruelle",
        "car" => "carrefour",
        "mte" => "montee",
        "ptte" => "placette",
        "str" => "sentier",
        "tsse" => "terrasse",
        _ => return None,
    })
}

fn expand_other(w: &str) -> Option<&'static str> {
    Some(match w {
        "st" => "saint",
        "ste" => "sainte",
        "gal" => "general",
        "mal" => "marechal",
        _ => return None,
    })
}

/// Words as lodash `words` cuts a lower-cased string: runs of letters, runs of digits.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in s.chars() {
        let digit = c.is_ascii_digit();
        if c.is_alphanumeric() {
            if !cur.is_empty() && digit != cur_digit {
                out.push(std::mem::take(&mut cur));
            }
            cur_digit = digit;
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// @ban-team/adresses-util `normalize`, for equality tests between voie names: accents
/// removed, lower case, first-word abbreviations and `st`/`ste`/`gal`/`mal` expanded, a
/// leading "rue" dropped before a word ending in "rue", a leading "lieu dit" dropped, stop
/// words dropped. Digit words are kept as their number (the reference spells them out in
/// French: both compare equal exactly when the numbers are equal, except against a name
/// that spells the number itself, e.g. "rue 1" vs "rue un").
pub fn normalize(s: Option<&str>) -> String {
    let Some(s) = s else { return String::new() };
    let base = deburr(s).to_lowercase();
    let mut ws: Vec<String> = words(&base)
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let rep = if i == 0 { expand_first(&w) } else { expand_other(&w) };
            rep.map_or(w, str::to_owned)
        })
        .collect();
    if ws.len() > 1 && ws[0] == "rue" && ws[1..].iter().any(|w| w.ends_with("rue")) {
        ws.remove(0);
    }
    if ws.len() > 2 && ws[0] == "lieu" && ws[1] == "dit" {
        ws.drain(..2);
    }
    let kept: Vec<String> = ws
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if w.bytes().all(|b| b.is_ascii_digit()) {
                let t = w.trim_start_matches('0');
                format!("#{}", if t.is_empty() { "0" } else { t })
            } else {
                w
            }
        })
        .collect();
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deburr_like_lodash() {
        assert_eq!(deburr("Entrée"), "Entree");
        assert_eq!(deburr("Œuvre Ærø"), "Oeuvre Aero");
        assert_eq!(deburr("cage d’escalier"), "cage d’escalier");
    }

    #[test]
    fn normalize_like_adresses_util() {
        assert_eq!(normalize(Some("R. de la Gare")), "rue gare");
        assert_eq!(normalize(Some("Lieu-dit Les Bois")), "bois");
        assert_eq!(normalize(Some("Rue St Jean")), "rue saint jean");
        assert_eq!(normalize(None), "");
        assert_eq!(normalize(Some("Chemin 12")), normalize(Some("chemin 012")));
    }
}
