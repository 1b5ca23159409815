//! Name search for communes, EPCI, départements and régions, in the manner of API Géo:
//! accents, case, hyphens, apostrophes and spaces are ignored (`Saint-Étienne` = `saintetienne`),
//! `st`/`ste` read as `saint`/`sainte`, and a name also matches from any of its words
//! (`havre` finds `Le Havre`). When nothing matches that way, names within one or two typos are
//! tried (typo tolerance, which lunr in API Géo lacks).
//!
//! Lookups are binary searches over sorted keys; only the typo fallback scans every name.

use std::collections::HashMap;

use geocommun_model::text::fold;

/// Score of an exact match (the whole name).
const EXACT: f64 = 1.0;

/// A sorted index of folded names.
#[derive(Clone, Debug, Default)]
pub struct NameIndex {
    /// `(key, id, offset)`: the folded name without spaces from each word start (`offset` > 0
    /// for the suffixes), sorted by key.
    entries: Vec<(Box<str>, u32, u16)>,
    /// Id → folded name without spaces.
    full: HashMap<u32, Box<str>>,
}

/// Folds a name or a query into its key: lower-case ASCII letters and digits only, with
/// `st`/`ste`/`sts` words expanded; also returns the byte offsets where words start.
pub fn key(s: &str) -> (String, Vec<usize>) {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len() + 8);
    let mut starts = Vec::new();
    for word in folded.split(' ').filter(|w| !w.is_empty()) {
        starts.push(out.len());
        out.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            "sts" => "saints",
            "stes" => "saintes",
            w => w,
        });
    }
    (out, starts)
}

impl NameIndex {
    /// Indexes `(id, name)` pairs.
    pub fn new<'a>(names: impl IntoIterator<Item = (u32, &'a str)>) -> Self {
        let mut entries = Vec::new();
        let mut full = HashMap::new();
        for (id, name) in names {
            let (k, starts) = key(name);
            for &s in &starts {
                entries.push((Box::from(&k[s..]), id, s as u16));
            }
            full.insert(id, k.into_boxed_str());
        }
        entries.sort_unstable();
        entries.dedup();
        Self { entries, full }
    }

    /// Ids whose name matches `query`, with a score in `(0, 1]`: 1 for the exact name, then
    /// prefixes of the name, prefixes of a later word, and names within one or two typos.
    /// Unsorted; an empty query matches nothing.
    pub fn search(&self, query: &str) -> Vec<(u32, f64)> {
        let (q, _) = key(query);
        if q.is_empty() {
            return Vec::new();
        }
        let start = self.entries.partition_point(|(k, _, _)| k.as_ref() < q.as_str());
        let mut best: HashMap<u32, f64> = HashMap::new();
        for (k, id, offset) in &self.entries[start..] {
            if !k.starts_with(q.as_str()) {
                break;
            }
            let ratio = q.len() as f64 / k.len() as f64;
            let score = match (*offset, k.len() == q.len()) {
                (0, true) => EXACT,
                (0, false) => 0.6 + 0.35 * ratio,
                (_, true) => 0.5 + 0.1 * ratio,
                (_, false) => 0.3 + 0.2 * ratio,
            };
            let e = best.entry(*id).or_insert(0.0);
            *e = e.max(score);
        }
        if best.is_empty() && q.len() >= 4 {
            let max = if q.len() >= 8 { 2 } else { 1 };
            for (id, k) in &self.full {
                let whole = bounded_levenshtein(q.as_bytes(), k.as_bytes(), max);
                let prefix = k
                    .get(..q.len())
                    .map_or(usize::MAX, |p| bounded_levenshtein(q.as_bytes(), p.as_bytes(), max));
                let d = whole.min(prefix);
                if d <= max {
                    let ratio = (q.len().min(k.len()) as f64) / (k.len().max(q.len()) as f64);
                    let score = (0.25 + 0.2 * ratio) * (1.0 - d as f64 / q.len() as f64);
                    best.insert(*id, if whole <= max { score + 0.1 } else { score });
                }
            }
        }
        best.into_iter().collect()
    }
}

/// Levenshtein distance of two byte strings, or `usize::MAX` when it exceeds `max`.
fn bounded_levenshtein(a: &[u8], b: &[u8], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return usize::MAX;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    if prev[b.len()] <= max { prev[b.len()] } else { usize::MAX }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> NameIndex {
        NameIndex::new([
            (0, "Saint-Étienne"),
            (1, "Le Havre"),
            (2, "L'Haÿ-les-Roses"),
            (3, "Saint-Étienne-du-Rouvray"),
            (4, "Paris"),
        ])
    }

    fn ids(q: &str) -> Vec<u32> {
        let mut r = index().search(q);
        r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        r.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn accents_case_hyphens_apostrophes_are_ignored() {
        assert_eq!(ids("saint etienne"), [0, 3]);
        assert_eq!(ids("SAINT-ETIENNE"), [0, 3]);
        assert_eq!(ids("st étienne"), [0, 3]);
        assert_eq!(ids("lhay les roses"), [2]);
        assert_eq!(ids("l'haÿ"), [2]);
    }

    #[test]
    fn words_and_typos() {
        assert_eq!(ids("havre"), [1]);
        assert_eq!(ids("pariss"), [4]);
        assert_eq!(ids("saint etiene"), [0, 3]);
        assert!(ids("zzzz").is_empty());
        assert!(ids("--").is_empty());
    }

    #[test]
    fn levenshtein() {
        assert_eq!(bounded_levenshtein(b"paris", b"pariss", 1), 1);
        assert_eq!(bounded_levenshtein(b"paris", b"lyon", 2), usize::MAX);
        assert_eq!(bounded_levenshtein(b"abc", b"abc", 0), 0);
    }
}
