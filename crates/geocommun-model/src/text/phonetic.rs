//! Phonetic folding of one token: a key that typos of the same sound share.
//!
//! In the spirit of addok-fr's `phonemicize`, hand-written over ASCII bytes (no regex), with one
//! difference that matters to an index: the key is a **fixed point** — `phonetic(phonetic(x)) ==
//! phonetic(x)` — so a key can be stored, compared with a query's key, or re-folded by any later
//! stage without drifting. A round of rules is applied until it changes nothing (real words need
//! one round plus the check; contrived inputs a few more), and the rules are written so that
//! their output reads the same way again (see *hard g* below).
//!
//! # Rules, in the order a round applies them
//!
//! 1. **Letters.** `y` → `i`, `w` → `v`, `z` → `s` (so *s* and *z* merge: `rose` ≡ `roze`); `h` is
//!    dropped unless it follows `c`, `s` or `p` (`thierry` → `tierri`, `hameau` → `ameau`).
//! 2. **Vowels and `c g q`** (left to right, looking at the letters that follow):
//!    * `eau`, `au` → `o`; `oeu` → `eu` (`coeur` → `keur`);
//!    * `ai`, `ei` → `i` when nasal (followed by `n`/`m` then a consonant or the end: `saint` →
//!      `sint`, `plein` → `plin`), else `e` (`laine` → `lene`, `maison` → `meson`);
//!    * `c` → `s` before `e`/`i` (`place` → `plase`), stays in `ch`, is dropped at the end after
//!      `n` (`blanc` → `blan`), else → `k` (`lac` → `lak`, `ck` → `k`);
//!    * `qu`, `q` → `k` (`dunkerque` → `dunkerk`);
//!    * `g` → `j` before `e`/`i` (`george` → `jeorj`); **hard g** before a front vowel is written
//!      `gu`: `gu` is kept as is (`guerre` → `guer`), and `g` + `ai` becomes `gu` + `e`
//!      (`gaillard` → `guelar`), because a bare `ge` in a key would read as soft on the next
//!      round. (addok-fr turns `gue` into `ge`; its keys are not fixed points.)
//! 3. **Consonant groups**, doubled letters collapsed on the way (`rivolli` ≡ `rivoli`,
//!    `philippe` → `filipe`):
//!    * `ph` → `f`; `sh`, `sch` → `ch`; `chr`, `chl` → `kr`, `kl`;
//!    * `m` → `n` before a consonant (`champ` → `chanp`, `comte` ≡ `conte`);
//!    * `d`/`t` between `n` and a consonant other than `r` is dropped (`montbrun` → `monbrun`),
//!      and so is the `g` of `ngt` (`vingt` → `vint`).
//! 4. **Silent endings**, repeated while one applies and at least 3 letters remain (a key is never
//!    shorter than 2 letters unless the token was):
//!    * final `s`, `d`, `g` (`faubourg` → `fobour`, `grand` → `gran`); final `x` after `u`/`o`
//!      (`eaux` → `o`, `deux` → `deu`); final `t` after a vowel, `n` or `r` (`saint` → `sin`,
//!      `fort` → `for`; kept in `est`, `ouest`); final `p` after `n`, `m`, `u` (`champ` → `chan`,
//!      `loup` → `lou`);
//!    * final `e` unless the letter before it would itself be silent as a last letter — so the
//!      `e` keeps its consonant audible: `porte` → `porte` (not `port` → `por`), `place` →
//!      `plase`, `monde` → `monde`; but `rue` → `ru`, `pierre` → `pier`, `allee` → `al`.
//!
//! # Decisions
//! * `champs` ≡ `chants` ≡ `champ` ≡ `chant` (`chan`): homophones; the field/song ambiguity is
//!   left to the other words of the query.
//! * `saint` (`sin`) and `sainte` (`sinte`) stay distinct (as do `mont`/`montee`, `port`/`pont`);
//!   `cour` ≡ `cours` (`kour`) merge, as homophones must.
//! * `rivoli` (`rivoli`) vs `rivaud` (`rivo`), `rue` (`ru`) vs `route` (`route`) stay distinct.
//! * Typos absorbed: `rivolli`/`rivoli`, `faubourg`/`fobourg`, `philippe`/`filipe`/`filippe`,
//!   `thierry`/`tiery`, `dunkerque`/`dunkerk`, `caisse`/`kesse`, `gaulle`/`gole`.
//!
//! # Inputs that are returned unchanged
//! Tokens containing anything but `a`–`z` (digits: house numbers, postcodes, `3bis`; upper case;
//! non-ASCII — fold first), and tokens longer than 64 bytes.

/// Tokens longer than this are returned unchanged (no French word is that long).
const MAX_LEN: usize = 64;
/// Rounds before giving up on reaching a fixed point. Real words need one round plus the check;
/// contrived vowel runs (`aeaeain`) a few more. The bound is never reached: after the first
/// round every round that changes something either shortens the word or turns one `g`/`m` into
/// `j`/`gu`/`n`, which no rule turns back.
const MAX_ROUNDS: usize = 2 * MAX_LEN + 2;

/// A small stack buffer of ASCII letters.
#[derive(Clone, Copy)]
struct Buf {
    bytes: [u8; MAX_LEN],
    len: usize,
}

impl Buf {
    const EMPTY: Self = Self { bytes: [0; MAX_LEN], len: 0 };

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn last(&self) -> Option<u8> {
        self.len.checked_sub(1).map(|i| self.bytes[i])
    }

    fn push(&mut self, b: u8) {
        // Every pass writes at most as many letters as it reads, and inputs are ≤ MAX_LEN.
        if self.len < MAX_LEN {
            self.bytes[self.len] = b;
            self.len += 1;
        }
    }

    /// Pushes unless `b` doubles the last letter (`ll` → `l`).
    fn push_single(&mut self, b: u8) {
        if self.last() != Some(b) {
            self.push(b);
        }
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn is_consonant(b: Option<u8>) -> bool {
    b.is_some_and(|b| !is_vowel(b))
}

/// Folds a token to its phonetic key (see the module documentation for the rules):
/// `dunkerque` → `dunkerk`, `faubourg` → `fobour`, `philippe` → `filipe`.
///
/// Tokens with digits or anything but `a`–`z` are returned unchanged. The result is non-empty
/// when the input is, and a fixed point: `phonetic(&phonetic(x)) == phonetic(x)`.
pub fn phonetic(token: &str) -> String {
    let mut out = String::new();
    phonetic_into(token, &mut out);
    out
}

/// [`phonetic`] into a reused buffer (cleared first): no allocation once `out` has grown.
pub fn phonetic_into(token: &str, out: &mut String) {
    out.clear();
    let bytes = token.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_LEN || !bytes.iter().all(u8::is_ascii_lowercase) {
        out.push_str(token);
        return;
    }
    let mut cur = Buf::EMPTY;
    cur.bytes[..bytes.len()].copy_from_slice(bytes);
    cur.len = bytes.len();
    for _ in 0..MAX_ROUNDS {
        let next = round(cur.as_slice());
        // An empty round result (`h`, `hh`) keeps the last non-empty form, itself a fixed point.
        if next.len == 0 || next.as_slice() == cur.as_slice() {
            break;
        }
        cur = next;
    }
    out.extend(cur.as_slice().iter().map(|&b| char::from(b)));
}

/// One application of all the rules.
fn round(word: &[u8]) -> Buf {
    let letters = map_letters(word);
    let sounds = vowels_and_cgq(letters.as_slice());
    let mut key = consonant_groups(sounds.as_slice());
    strip_silent_endings(&mut key);
    key
}

/// Rule 1: `y w z` and the silent `h`.
fn map_letters(w: &[u8]) -> Buf {
    let mut out = Buf::EMPTY;
    for (i, &b) in w.iter().enumerate() {
        match b {
            b'y' => out.push(b'i'),
            b'w' => out.push(b'v'),
            b'z' => out.push(b's'),
            b'h' => {
                if i > 0 && matches!(w[i - 1], b'c' | b's' | b'p') {
                    out.push(b'h');
                }
            }
            _ => out.push(b),
        }
    }
    out
}

/// Rule 2: vowel groups, and `c g q` decided on the letters that follow them.
fn vowels_and_cgq(w: &[u8]) -> Buf {
    let at = |i: usize| w.get(i).copied();
    // `ai`/`ei` at `i`: `Some(nasal)` when the pair reads as one vowel.
    let ai = |i: usize| {
        (matches!(at(i), Some(b'a' | b'e')) && at(i + 1) == Some(b'i')).then(|| {
            matches!(at(i + 2), Some(b'n' | b'm')) && at(i + 3).is_none_or(|c| !is_vowel(c))
        })
    };
    let mut out = Buf::EMPTY;
    let mut i = 0;
    while i < w.len() {
        let b = w[i];
        let (n1, n2) = (at(i + 1), at(i + 2));
        match b {
            b'e' if n1 == Some(b'a') && n2 == Some(b'u') => {
                out.push(b'o');
                i += 3;
            }
            b'o' if n1 == Some(b'e') && n2 == Some(b'u') && (i == 0 || w[i - 1] != b'g') => {
                out.push(b'e');
                out.push(b'u');
                i += 3;
            }
            b'a' if n1 == Some(b'u') => {
                out.push(b'o');
                i += 2;
            }
            b'a' | b'e' if n1 == Some(b'i') => {
                out.push(if ai(i) == Some(true) { b'i' } else { b'e' });
                i += 2;
            }
            b'c' => {
                match n1 {
                    Some(b'h') => out.push(b'c'),
                    Some(b'e' | b'i' | b'y') => out.push(b's'),
                    None if i > 0 && w[i - 1] == b'n' => {}
                    _ => out.push(b'k'),
                }
                i += 1;
            }
            b'q' => {
                out.push(b'k');
                i += if n1 == Some(b'u') { 2 } else { 1 };
            }
            b'g' => {
                match n1 {
                    Some(b'u') => {
                        out.push(b'g');
                        out.push(b'u');
                        i += 1;
                    }
                    Some(b'e' | b'i' | b'y') => out.push(b'j'),
                    // `g` + `ai`: a hard g before what will be written as a front vowel.
                    Some(b'a') if ai(i + 1).is_some() => {
                        out.push(b'g');
                        out.push(b'u');
                    }
                    _ => out.push(b'g'),
                }
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Rule 3: consonant groups, and doubled letters collapsed.
fn consonant_groups(w: &[u8]) -> Buf {
    let at = |i: usize| w.get(i).copied();
    let mut out = Buf::EMPTY;
    let mut i = 0;
    while i < w.len() {
        let b = w[i];
        let n1 = at(i + 1);
        match b {
            b'c' if n1 == Some(b'h') => {
                if matches!(at(i + 2), Some(b'r' | b'l')) {
                    out.push_single(b'k');
                } else {
                    out.push_single(b'c');
                    out.push(b'h');
                }
                i += 2;
            }
            // Only `ch` reaches this pass; anything else is read as hard.
            b'c' => {
                out.push_single(b'k');
                i += 1;
            }
            b's' if n1 == Some(b'h') => {
                out.push_single(b'c');
                out.push(b'h');
                i += 2;
            }
            b's' if n1 == Some(b'c') && at(i + 2) == Some(b'h') => i += 1,
            b'p' if n1 == Some(b'h') => {
                out.push_single(b'f');
                i += 2;
            }
            b'h' => i += 1,
            b'm' if is_consonant(n1) && !matches!(n1, Some(b'm' | b'n')) => {
                out.push_single(b'n');
                i += 1;
            }
            b'd' | b't' if out.last() == Some(b'n') && is_consonant(n1) && n1 != Some(b'r') => {
                i += 1;
            }
            b'g' if out.last() == Some(b'n') && n1 == Some(b't') => i += 1,
            _ => {
                out.push_single(b);
                i += 1;
            }
        }
    }
    out
}

/// `true` when the last letter of `w` is not pronounced at the end of a word.
fn silent_final(w: &[u8]) -> bool {
    let [.., prev, last] = *w else { return false };
    match last {
        b's' | b'd' | b'g' => true,
        b'x' => matches!(prev, b'u' | b'o'),
        b't' => is_vowel(prev) || matches!(prev, b'n' | b'r'),
        b'p' => matches!(prev, b'n' | b'm' | b'u'),
        _ => false,
    }
}

/// Rule 4: silent final letters, repeatedly, keeping at least 2 letters.
fn strip_silent_endings(key: &mut Buf) {
    while key.len >= 3 {
        let w = key.as_slice();
        let silent = match w.split_last() {
            Some((b'e', stem)) => !silent_final(stem),
            _ => silent_final(w),
        };
        if !silent {
            break;
        }
        key.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_keys() {
        let cases = [
            ("dunkerque", "dunkerk"),
            ("rivoli", "rivoli"),
            ("rivaud", "rivo"),
            ("faubourg", "fobour"),
            ("philippe", "filip"),
            ("thierry", "tieri"),
            ("champs", "chan"),
            ("saint", "sin"),
            ("sainte", "sinte"),
            ("place", "plase"),
            ("porte", "porte"),
            ("rue", "ru"),
            ("allee", "al"),
            ("chateau", "chato"),
            ("eaux", "ox"),
            ("beaux", "bo"),
            ("guerre", "guer"),
            ("gaillard", "guelar"),
            ("george", "jeorj"),
            ("coeur", "keur"),
            ("vingt", "vin"),
            ("blanc", "blan"),
            ("leclerc", "leklerk"),
            ("gambetta", "ganbeta"),
            ("christophe", "kristof"),
            ("schneider", "chneder"),
            ("est", "est"),
            ("ouest", "ouest"),
            ("de", "de"),
            ("a", "a"),
            ("h", "h"),
            ("hh", "hh"),
            ("ch", "ch"),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(word, key)| (word, key, phonetic(word)))
            .filter(|(_, key, got)| **key != got.as_str())
            .collect();
        assert!(wrong.is_empty(), "(word, expected, got): {wrong:?}");
    }

    #[test]
    fn absorbs_typos() {
        let same = [
            ("rivolli", "rivoli"),
            ("faubourg", "fobourg"),
            ("philippe", "filipe"),
            ("philippe", "filippe"),
            ("thierry", "tiery"),
            ("champs", "chants"),
            ("champs", "champ"),
            ("dunkerque", "dunkerk"),
            ("gaulle", "gole"),
            ("caisse", "kesse"),
            ("comte", "conte"),
            ("cour", "cours"),
            ("jaures", "jores"),
            ("lafayette", "lafaiete"),
            ("marseille", "marseile"),
            ("roze", "rose"),
        ];
        let wrong: Vec<_> =
            same.iter().map(|(a, b)| (phonetic(a), phonetic(b))).filter(|(a, b)| a != b).collect();
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn keeps_street_words_apart() {
        let words = [
            "rue",
            "avenue",
            "boulevard",
            "place",
            "impasse",
            "chemin",
            "route",
            "allee",
            "quai",
            "cours",
            "square",
            "passage",
            "sentier",
            "sente",
            "voie",
            "residence",
            "lotissement",
            "hameau",
            "lieu",
            "dit",
            "faubourg",
            "promenade",
            "esplanade",
            "rond",
            "point",
            "villa",
            "ville",
            "cite",
            "parvis",
            "pont",
            "port",
            "porte",
            "montee",
            "mont",
            "cote",
            "mail",
            "ruelle",
            "venelle",
            "traverse",
            "carrefour",
            "chaussee",
            "clos",
            "domaine",
            "parc",
            "quartier",
            "zone",
            "saint",
            "sainte",
            "rivoli",
            "rivaud",
            "general",
            "marechal",
            "president",
            "docteur",
            "republique",
            "liberte",
            "eglise",
            "gare",
            "moulin",
            "fontaine",
            "chateau",
            "chapelle",
            "pre",
            "prairie",
            "croix",
            "bois",
            "champ",
            "grande",
            "grand",
            "petit",
            "petite",
            "neuve",
            "vieille",
            "haut",
            "haute",
            "bas",
            "basse",
            "nord",
            "sud",
            "est",
            "ouest",
        ];
        let mut seen = std::collections::HashMap::new();
        for w in words {
            if let Some(other) = seen.insert(phonetic(w), w) {
                panic!("{w} and {other} share the key {}", phonetic(w));
            }
        }
    }

    #[test]
    fn unchanged_inputs() {
        for t in ["", "12", "3bis", "75001", "1er", "Rue", "église", "a-b", "x y"] {
            assert_eq!(phonetic(t), t);
        }
        let long = "a".repeat(MAX_LEN + 1);
        assert_eq!(phonetic(&long), long);
    }

    #[test]
    fn into_reuses_the_buffer() {
        let mut out = String::from("stale");
        phonetic_into("faubourg", &mut out);
        assert_eq!(out, "fobour");
        phonetic_into("12", &mut out);
        assert_eq!(out, "12");
    }
}
