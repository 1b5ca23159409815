//! Query clean-up: noise that is not part of an address (addok-france's `clean_query` and
//! `remove_leading_zeros`, hand-written).

use smallvec::SmallVec;

use super::is_street_type;

/// Removes from a raw query (before folding) what is not part of an address, and returns the
/// words that remain, separated by single spaces (`,` and `;` count as spaces).
///
/// * postal boxes: `BP 123`, `B.P. n° 45`, `CS 70001`, `TSA 12345`, `CIDEX 12`, glued or not;
/// * `CEDEX` and its optional number (`Cedex 23`, `CEDEX09`); the postcode before it is kept;
/// * floors: `3e étage`, `2ème étage`, `1er étage`, `étage 4`, `RDC`, `rez-de-chaussée`;
/// * building parts followed by a short designation: `bâtiment B`, `bat. A2`, `escalier 3`,
///   `appartement 12`, `apt 4`, `appt B` (a number right before a street type is kept: in
///   `bat 22 rue x` the 22 is read as the house number);
/// * a leading `lieu-dit` / `lieu dit` / `lieux-dits` when something follows;
/// * `n°` before a number (`n°12` → `12`);
/// * rewrites `s/` → `sur` and `s/s` → `sous` (`Châlons-s/-Marne`, `Neuilly s/ Seine`);
/// * isolates a 5-digit postcode glued to text (`75001paris` → `75001 paris`);
/// * drops leading zeros of numbers that keep 1–3 digits (`0003` → `3`, `0012bis` → `12bis`,
///   but `01000` stays a postcode).
pub fn clean_query(q: &str) -> String {
    let spaced = separate(q);
    let mut words: Vec<Word<'_>> = spaced.split_whitespace().filter_map(Word::new).collect();
    strip_noise(&mut words);
    let mut out = String::with_capacity(spaced.len());
    for w in words.iter().filter(|w| w.keep) {
        let text = strip_leading_zeros(w.text);
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(text);
    }
    out
}

/// `true` for a 5-digit French postcode token.
pub fn is_postcode(token: &str) -> bool {
    token.len() == 5 && token.bytes().all(|b| b.is_ascii_digit())
}

/// One whitespace-separated word of the query.
struct Word<'a> {
    /// The raw text (possibly shortened: `n°12` → `12`).
    text: &'a str,
    /// Folded, without spaces or `°`: `B.P.` → `bp`, `3ème` → `3eme`, `Lieu-Dit` → `lieudit`
    /// (ASCII; inline up to 24 bytes: every query word is keyed).
    key: SmallVec<[u8; 24]>,
    keep: bool,
}

impl<'a> Word<'a> {
    /// `None` for a word that is only a `n°` mark.
    fn new(text: &'a str) -> Option<Self> {
        // `n°12`, `Nº 12`: the mark goes, the number stays.
        let text = match text.strip_prefix(['n', 'N']) {
            Some(rest) if rest.starts_with(['°', 'º']) => {
                &rest[rest.chars().next().map_or(0, char::len_utf8)..]
            }
            _ => text,
        };
        // What `fold` makes of the word without its `°`, spaces removed.
        let mut key = SmallVec::new();
        let mut push = |c: char| {
            if c.is_ascii_alphanumeric() {
                key.push(c.to_ascii_lowercase() as u8);
            }
        };
        for c in text.chars() {
            if c.is_ascii() {
                push(c);
            } else if !matches!(c, '°' | 'º') {
                deunicode::deunicode_char(c).unwrap_or(" ").chars().for_each(&mut push);
            }
        }
        (!text.is_empty()).then_some(Self { text, key, keep: true })
    }

    fn key(&self) -> &str {
        std::str::from_utf8(&self.key).unwrap_or_default()
    }

    fn is_number(&self) -> bool {
        !self.key.is_empty() && self.key.iter().all(u8::is_ascii_digit)
    }
}

/// Character-level pass: `,`/`;` → space, `s/` → `sur`, `s/s` → `sous`, glued postcodes split.
fn separate(q: &str) -> String {
    if !needs_separating(q.as_bytes()) {
        return q.replace([',', ';'], " ");
    }
    let chars: Vec<char> = q.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let boundary = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || c == '-');
    let mut out = String::with_capacity(q.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, 's' | 'S')
            && at(i + 1) == Some('/')
            && boundary(i.checked_sub(1).and_then(at))
        {
            let sous = matches!(at(i + 2), Some('s' | 'S')) && boundary(at(i + 3));
            if out.ends_with('-') {
                out.pop();
            }
            out.push_str(if sous { " sous " } else { " sur " });
            i += if sous { 3 } else { 2 };
            while at(i) == Some('-') {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_digit() {
            let len = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let glued_before = i > 0 && chars[i - 1].is_alphabetic();
            let glued_after = at(i + len).is_some_and(char::is_alphabetic);
            let postcode = len == 5 && (glued_before || glued_after);
            if postcode && glued_before {
                out.push(' ');
            }
            out.extend(&chars[i..i + len]);
            if postcode && glued_after {
                out.push(' ');
            }
            i += len;
            continue;
        }
        out.push(if matches!(c, ',' | ';') { ' ' } else { c });
        i += 1;
    }
    out
}

/// `false` when [`separate`] has only `,` and `;` to replace: no `/` and no run of five digits
/// next to a letter (a non-ASCII character counts as one).
fn needs_separating(q: &[u8]) -> bool {
    if q.contains(&b'/') {
        return true;
    }
    let mut i = 0;
    while i < q.len() {
        if !q[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let len = q[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let letter = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_alphabetic() || !b.is_ascii());
        if len == 5 && (letter(i.checked_sub(1).and_then(|j| q.get(j))) || letter(q.get(i + len))) {
            return true;
        }
        i += len;
    }
    false
}

fn is_ordinal_or_number(key: &str, max_digits: usize) -> bool {
    let digits = key.bytes().take_while(u8::is_ascii_digit).count();
    (1..=max_digits).contains(&digits)
        && matches!(&key[digits..], "" | "e" | "eme" | "ieme" | "er" | "ere" | "re" | "em")
}

/// Marks the noise words of a query as not kept.
fn strip_noise(words: &mut [Word<'_>]) {
    let n = words.len();
    // A leading lieu-dit, when something follows it.
    let key = |i: usize| words.get(i).map_or("", Word::key);
    match [key(0), key(1), key(2)] {
        ["lieudit" | "lieudits" | "lieuxdit" | "lieuxdits", _, _] if n >= 2 => {
            words[0].keep = false;
        }
        ["lieu" | "lieux", "dit" | "dits", _] if n >= 3 => {
            words[0].keep = false;
            words[1].keep = false;
        }
        _ => {}
    }
    let mut i = 0;
    while i < n {
        let key = words[i].key();
        let next_number = words.get(i + 1).is_some_and(Word::is_number);
        let mut drop = 1;
        match key {
            "bp" | "cs" | "tsa" | "cidex" => {
                let marked = words.get(i + 1).is_some_and(|w| matches!(w.key(), "n" | "no"))
                    && words.get(i + 2).is_some_and(Word::is_number);
                drop = if marked {
                    3
                } else if next_number {
                    2
                } else {
                    0
                };
            }
            "cedex" => {
                if words.get(i + 1).is_some_and(|w| w.is_number() && w.key.len() <= 3) {
                    drop = 2;
                }
            }
            "etage" | "etg" => {
                if i > 0 && words[i - 1].keep && is_ordinal_or_number(words[i - 1].key(), 2) {
                    words[i - 1].keep = false;
                } else if words.get(i + 1).is_some_and(|w| is_ordinal_or_number(w.key(), 2)) {
                    drop = 2;
                } else {
                    drop = 0;
                }
            }
            "rdc" | "rezdechaussee" => {}
            "rez"
                if words.get(i + 1).is_some_and(|w| w.key() == "de")
                    && words.get(i + 2).is_some_and(|w| w.key() == "chaussee") =>
            {
                drop = 3;
            }
            "batiment" | "bat" | "bt" | "escalier" | "esc" | "appartement" | "appart" | "appt"
            | "apt" | "app" | "logement" | "lgt" => {
                // `bâtiment B` goes; in `bat 22 rue x` only `bat` goes (22 is the house number);
                // `bâtiment les lilas` may be the only name of the place: kept.
                drop = match words.get(i + 1) {
                    Some(w)
                        if w.is_number()
                            && words.get(i + 2).is_some_and(|a| is_street_type(a.key())) =>
                    {
                        1
                    }
                    Some(w)
                        if w.key.len() <= 2
                            || (w.key.len() <= 5 && w.key.iter().any(u8::is_ascii_digit)) =>
                    {
                        2
                    }
                    _ => 0,
                };
            }
            _ => drop = glued_noise(key).into(),
        }
        for w in words.iter_mut().skip(i).take(drop) {
            w.keep = false;
        }
        i += drop.max(1);
    }
}

/// `true` for a postal box or CEDEX glued to its number: `bp123`, `cs70001`, `bpn12`, `cedex23`.
fn glued_noise(key: &str) -> bool {
    ["bp", "cs", "tsa", "cidex", "cedex"].iter().any(|p| {
        key.strip_prefix(p).is_some_and(|rest| {
            let rest = rest.strip_prefix("no").or_else(|| rest.strip_prefix('n')).unwrap_or(rest);
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// `0003` → `3`, `0012bis` → `12bis`; numbers that would keep more than 3 digits (postcodes such
/// as `01000`) and a lone `0` are left alone.
fn strip_leading_zeros(w: &str) -> &str {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 2 || !w.starts_with('0') || !w[digits..].bytes().all(|b| b.is_ascii_alphabetic()) {
        return w;
    }
    let zeros = w.bytes().take_while(|&b| b == b'0').count().min(digits - 1);
    if digits - zeros <= 3 { &w[zeros..] } else { w }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_queries() {
        let cases = [
            (
                "XYZ bâtiment B 22 rue des Fleurs 59350 Lille Cedex 23",
                "XYZ 22 rue des Fleurs 59350 Lille",
            ),
            ("22 rue des Fleurs BP 123 59350 Lille", "22 rue des Fleurs 59350 Lille"),
            ("B.P. n° 45 22 rue des Fleurs", "22 rue des Fleurs"),
            ("CS 70001 75001 Paris", "75001 Paris"),
            ("cs70001 75001 paris cedex09", "75001 paris"),
            ("TSA 12345 Lyon", "Lyon"),
            ("CIDEX 12 Saint-Jean", "Saint-Jean"),
            ("3 rue x 75001 PARIS CEDEX", "3 rue x 75001 PARIS"),
            ("3e étage 12 rue x", "12 rue x"),
            ("12 rue x, 2ème étage", "12 rue x"),
            ("1er étage 12 rue x", "12 rue x"),
            ("étage 4, 12 rue x", "12 rue x"),
            ("RDC 12 rue x", "12 rue x"),
            ("rez-de-chaussée 12 rue x", "12 rue x"),
            ("rez de chaussée 12 rue x", "12 rue x"),
            ("bat. A2 12 rue x", "12 rue x"),
            ("Bât C, escalier 3, appartement 12, 4 rue x", "4 rue x"),
            ("apt 4 12 rue x", "12 rue x"),
            ("bat 22 rue x", "22 rue x"),
            ("bâtiment les lilas 2 rue x", "bâtiment les lilas 2 rue x"),
            ("lieu-dit Les Fourches 12345 X", "Les Fourches 12345 X"),
            ("Lieu Dit Les Fourches", "Les Fourches"),
            ("lieudit", "lieudit"),
            ("Châlons-s/-Marne", "Châlons sur Marne"),
            ("Neuilly s/ Seine", "Neuilly sur Seine"),
            ("Neuilly s/Seine", "Neuilly sur Seine"),
            ("Bois-s/s-Vent", "Bois sous Vent"),
            ("rue s/s le bois", "rue sous le bois"),
            ("0003 rue x", "3 rue x"),
            ("0012bis rue x", "12bis rue x"),
            ("01000 Bourg", "01000 Bourg"),
            ("00100", "100"),
            ("0", "0"),
            ("n°12 rue x", "12 rue x"),
            ("N° 12 rue x", "12 rue x"),
            ("75001paris", "75001 paris"),
            ("rue x paris75001", "rue x paris 75001"),
            ("123456abc", "123456abc"),
            ("  ", ""),
            ("", ""),
        ];
        for (q, expected) in cases {
            assert_eq!(clean_query(q), expected, "{q}");
        }
    }

    #[test]
    fn postcodes() {
        assert!(is_postcode("75001"));
        assert!(is_postcode("01000"));
        assert!(!is_postcode("7500"));
        assert!(!is_postcode("750011"));
        assert!(!is_postcode("7500a"));
    }
}
