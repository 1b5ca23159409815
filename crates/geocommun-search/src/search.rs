//! The query pipeline on one segment: expand tokens (exact, phonetic, prefix, typo, split),
//! retrieve candidates from the most selective token, score them on term ids, match house
//! numbers in the best ones.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;

use fixedbitset::FixedBitSet;
use fst::{Automaton, IntoStreamer, Streamer, automaton::Str};
use geo_index::rtree::{RTreeIndex, RTreeRef};
use geocommun_model::{LonLat, text};
use levenshtein_automata::{DFA, LevenshteinAutomatonBuilder};
use smallvec::SmallVec;

use crate::limits::{
    COMMON_POSTINGS, DRIVER_MAX_DOCS, GEO_BIAS_CANDIDATES, PREFIX_MAX_EXPANSIONS, PREFIX_MAX_SCAN,
    PREFIX_MIN_LEN, RERANK_CANDIDATES, SECONDARY_BELOW, TYPO_MAX_EXPANSIONS, TYPO_ONE_MIN_LEN,
    TYPO_TWO_MIN_LEN,
};
use crate::query::{ParsedQuery, QTok, TokKind};
use crate::segment::{DocKind, Segment, TERM_MASK, decode_point, spatial_xy};
use crate::{Filters, ResultType};

/// How well a query token matched a term.
pub(crate) mod quality {
    pub const EXACT: f32 = 1.0;
    pub const PHONETIC: f32 = 0.92;
    pub const PREFIX: f32 = 0.9;
    pub const SPLIT: f32 = 0.9;
    pub const TYPO1: f32 = 0.8;
    pub const TYPO2: f32 = 0.65;
    /// A house number found without the suffix asked for.
    pub const NUMBER_WITHOUT_SUFFIX: f32 = 0.75;
}

/// Weight of a house-number token: about that of a moderately rare word.
const NUMBER_WEIGHT: f32 = 2.5;

fn lev(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if distance == 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

/// Builds the Levenshtein automaton builders now (tens of milliseconds for distance 2), so
/// that the first typo-tolerant query does not pay for it.
pub(crate) fn warm_up() {
    lev(1);
    lev(2);
}

/// The work on a query's words that does not depend on the segment, done once per search and
/// shared by every segment: phonetic keys and Levenshtein automata. Building a distance-2
/// automaton costs far more than walking a small segment's dictionary with it, so an engine
/// with many small segments (one per published commune) must not build it once per segment.
#[derive(Default)]
pub(crate) struct WordMemo {
    phonetic: RefCell<Vec<(String, Rc<str>)>>,
    dfas: RefCell<Vec<(String, Rc<DFA>)>>,
}

impl WordMemo {
    fn phonetic(&self, word: &str) -> Rc<str> {
        if let Some((_, k)) = self.phonetic.borrow().iter().find(|(w, _)| w == word) {
            return Rc::clone(k);
        }
        let key: Rc<str> = text::phonetic(word).into();
        self.phonetic.borrow_mut().push((word.to_owned(), Rc::clone(&key)));
        key
    }

    /// The automaton of the words within the typo distance allowed for `word`'s length.
    fn dfa(&self, word: &str) -> Rc<DFA> {
        if let Some((_, d)) = self.dfas.borrow().iter().find(|(w, _)| w == word) {
            return Rc::clone(d);
        }
        let distance = if word.len() >= TYPO_TWO_MIN_LEN { 2 } else { 1 };
        let dfa = Rc::new(lev(distance).build_dfa(word));
        self.dfas.borrow_mut().push((word.to_owned(), Rc::clone(&dfa)));
        dfa
    }
}

/// One query token as seen by a segment.
#[derive(Debug)]
pub(crate) struct SegTok {
    pub tok: QTok,
    /// Matching terms and how well they match, best first.
    pub expansions: SmallVec<[(u32, f32); 4]>,
    /// Documents the expansions cover (sum of posting lengths).
    pub df: usize,
    pub weight: f32,
    /// Two halves of a merged word ("saintgermain"): both must match, each worth half.
    pub split_of: Option<usize>,
}

/// A house number found in a street for a query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HnMatch {
    pub hn: u32,
    pub quality: f32,
    /// The number token.
    pub token: usize,
    /// The token that was its suffix, when separate ("21 bz").
    pub suffix_token: Option<usize>,
}

/// A scored candidate.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scored {
    pub doc: u32,
    /// House number chosen inside the document.
    pub hn: Option<u32>,
    pub score: f32,
    pub text: f32,
    pub name_cov: f32,
    pub geo: f32,
    pub hn_quality: f32,
}

pub(crate) struct SegmentQuery<'s> {
    seg: &'s Segment,
    pub toks: Vec<SegTok>,
    /// Which tokens each expansion term stands for, and how well, for scoring documents.
    lookup: TermTable,
    /// A 512-bit Bloom filter of the terms of `lookup`: most terms of a document are not in
    /// the query, and this rejects them without a binary search.
    bloom: [u64; 8],
    /// The segment's arrays read for every candidate, dereferenced once per query (each
    /// dereference of a segment array checks its storage, alignment and length).
    hot: Hot<'s>,
    /// Each token's weight and whether it is a house number, read for every candidate.
    weights: SmallVec<[(f32, bool); 16]>,
}

/// The tokens each expansion term of a query stands for: an open-addressing hash table from
/// term to a run of `(token index, quality)`, probed for every term of every candidate that
/// passes the Bloom filter.
struct TermTable {
    /// `slots.len() - 1`; the length is a power of two at least twice the number of terms.
    mask: usize,
    /// (term, start, end) into `entries`; `u32::MAX` marks an empty slot.
    slots: Vec<(u32, u32, u32)>,
    entries: Vec<(u16, f32)>,
}

impl TermTable {
    /// From `(term, token, quality)` sorted by term.
    fn new(pairs: &[(u32, u16, f32)]) -> Self {
        let terms = pairs.chunk_by(|a, b| a.0 == b.0).count();
        let size = (terms * 2).next_power_of_two().max(8);
        let mut slots = vec![(u32::MAX, 0, 0); size];
        let mut entries = Vec::with_capacity(pairs.len());
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            let start = entries.len() as u32;
            entries.extend(run.iter().map(|&(_, i, q)| (i, q)));
            let mut at = Self::hash(run[0].0) & (size - 1);
            while slots[at].0 != u32::MAX {
                at = (at + 1) & (size - 1);
            }
            slots[at] = (run[0].0, start, entries.len() as u32);
        }
        Self { mask: size - 1, slots, entries }
    }

    fn hash(term: u32) -> usize {
        (term.wrapping_mul(0x9E37_79B1) >> 7) as usize
    }

    fn get(&self, term: u32) -> &[(u16, f32)] {
        let mut at = Self::hash(term) & self.mask;
        loop {
            let (t, a, b) = self.slots[at];
            if t == term {
                return &self.entries[a as usize..b as usize];
            }
            if t == u32::MAX {
                return &[];
            }
            at = (at + 1) & self.mask;
        }
    }
}

/// See [`SegmentQuery::hot`].
/// What the terms of each document group (see `Segment::doc_group`) matched, per query token:
/// computed the first time a group is met in a query, then read for every other document of
/// the group. An open-addressing table of [`GroupMemo::SLOTS`] groups; past three quarters
/// full, a new group is matched again for each of its documents, as without the memo.
pub struct GroupMemo {
    /// Group in each slot (`u32::MAX`: empty) and where its row starts in `rows`.
    slots: [(u32, u32); Self::SLOTS],
    /// One row of per-token qualities per group met.
    rows: Vec<f32>,
    /// The row of a group that found no room.
    spare: Vec<f32>,
    n_toks: usize,
}

impl GroupMemo {
    const SLOTS: usize = 64;

    pub fn new(n_toks: usize) -> Self {
        Self { slots: [(u32::MAX, 0); Self::SLOTS], rows: Vec::new(), spare: Vec::new(), n_toks }
    }

    /// The row of `group`, made by `fill` (from zeros) the first time.
    fn row(&mut self, group: u32, fill: impl FnOnce(&mut [f32])) -> &[f32] {
        let n = self.n_toks;
        let mask = Self::SLOTS - 1;
        let mut at = (group.wrapping_mul(0x9E37_79B1) >> 26) as usize & mask;
        loop {
            let (g, start) = self.slots[at];
            if g == group {
                return &self.rows[start as usize..start as usize + n];
            }
            if g == u32::MAX {
                break;
            }
            at = (at + 1) & mask;
        }
        if self.rows.len() < n * Self::SLOTS * 3 / 4 {
            let start = self.rows.len();
            self.rows.resize(start + n, 0.0);
            fill(&mut self.rows[start..]);
            self.slots[at] = (group, start as u32);
            return &self.rows[start..];
        }
        self.spare.clear();
        self.spare.resize(n, 0.0);
        fill(&mut self.spare);
        &self.spare
    }
}

struct Hot<'s> {
    doc_terms_off: &'s [u32],
    doc_terms: &'s [u32],
    doc_name_idf: &'s [f32],
    doc_name_len: &'s [u16],
    doc_group: &'s [u32],
    term_idf: &'s [f32],
    doc_commune: &'s [u32],
    doc_importance: &'s [f32],
}

impl<'s> Hot<'s> {
    fn new(seg: &'s Segment) -> Self {
        Self {
            doc_terms_off: &seg.doc_terms_off,
            doc_terms: &seg.doc_terms,
            doc_name_idf: &seg.doc_name_idf,
            doc_name_len: &seg.doc_name_len,
            doc_group: &seg.doc_group,
            term_idf: &seg.term_idf,
            doc_commune: &seg.doc_commune,
            doc_importance: &seg.doc_importance,
        }
    }

    fn doc_terms(&self, d: u32) -> &'s [u32] {
        let (a, b) = (self.doc_terms_off[d as usize], self.doc_terms_off[d as usize + 1]);
        &self.doc_terms[a as usize..b as usize]
    }
}

/// Bit of `term` in [`SegmentQuery::bloom`] (Fibonacci hashing: the top 9 bits of the product).
#[inline]
fn bloom_bit(term: u32) -> (usize, u64) {
    let h = term.wrapping_mul(0x9E37_79B1) >> 23;
    ((h >> 6) as usize, 1u64 << (h & 63))
}

/// Expansions of one token in one segment.
pub(crate) type Expansions = SmallVec<[(u32, f32); 4]>;

/// What every segment makes of a query's tokens, computed once per search pass, and the
/// statistics of each token over the whole engine. Token weights and the order in which tokens
/// drive retrieval come from these engine-wide statistics, not from one segment's: a search
/// over many segments (the index as loaded plus one per published commune) ranks as one over
/// a single segment holding them all, and a small segment does not retrieve the documents of
/// a common word ("rue") because the rarer words of the query are not in it.
pub(crate) struct Plan {
    /// Per segment, per token: the matching terms, best first.
    expansions: Vec<Vec<Expansions>>,
    /// Per token.
    stats: Vec<TokStats>,
    /// Documents in every segment.
    docs: usize,
}

#[derive(Clone, Copy, Debug, Default)]
struct TokStats {
    /// Best quality of the exact, phonetic and prefix matches, in any segment.
    known: f32,
    /// Documents of every expansion in every segment.
    df: usize,
    /// Over the segments where the token matches, the sum of its rarest expansion's documents.
    min_df: usize,
}

impl Plan {
    /// Per segment, per token: the exact, phonetic and prefix matches (what does not change
    /// between the two passes of a search).
    pub fn base(
        segments: &[&Segment],
        q: &ParsedQuery,
        autocomplete: bool,
        memo: &WordMemo,
    ) -> Vec<Vec<Expansions>> {
        segments
            .iter()
            .map(|seg| {
                q.tokens
                    .iter()
                    .map(|tok| expand_base(seg, tok, autocomplete && tok.last, memo))
                    .collect()
            })
            .collect()
    }

    /// The plan of a pass: with `typos`, every word also matches the terms within its typo
    /// distance; without, only the words no segment knows otherwise do.
    pub fn new(
        segments: &[&Segment],
        base: &[Vec<Expansions>],
        q: &ParsedQuery,
        typos: bool,
        memo: &WordMemo,
    ) -> Self {
        let mut stats = vec![TokStats::default(); q.tokens.len()];
        for per_seg in base {
            for (st, e) in stats.iter_mut().zip(per_seg) {
                st.known = e.iter().fold(st.known, |m, x| m.max(x.1));
            }
        }
        let mut expansions = base.to_vec();
        for (seg, per_seg) in segments.iter().zip(&mut expansions) {
            for ((tok, e), st) in q.tokens.iter().zip(per_seg.iter_mut()).zip(&mut stats) {
                if typos || st.known == 0.0 {
                    add_typos(seg, tok, memo, e);
                }
                sort_expansions(e);
                if let Some(min) = e.iter().map(|&(t, _)| seg.df(t)).min() {
                    st.df += e.iter().map(|&(t, _)| seg.df(t)).sum::<usize>();
                    st.min_df += min;
                }
            }
        }
        let docs = segments.iter().map(|s| s.doc_count()).sum();
        Self { expansions, stats, docs }
    }

    /// Inverse document frequency over the engine.
    fn idf(&self, df: usize) -> f32 {
        (1.0 + self.docs as f32 / (df.max(1) as f32)).ln()
    }

    /// How much a token counts in the text score.
    fn weight(&self, i: usize, tok: &QTok) -> f32 {
        let st = &self.stats[i];
        match tok.kind {
            TokKind::Number { .. } if st.df == 0 => NUMBER_WEIGHT,
            TokKind::Postcode => 2.0,
            _ if st.df == 0 => 0.6 * self.idf(1),
            _ => self.idf(st.min_df),
        }
    }

    /// Whether segment `si` can give any candidate: one of the tokens that drive retrieval
    /// (see [`SegmentQuery::candidates`]) matches in it, or a filter, a bias point or a merged
    /// word to split brings documents of its own.
    pub fn may_match(&self, si: usize, q: &ParsedQuery, filters: &Filters, center: bool) -> bool {
        if center || !filters.citycodes.is_empty() {
            return true;
        }
        let mut drivers: Vec<usize> = (0..q.tokens.len())
            .filter(|&i| {
                self.stats[i].df > 0 && !matches!(q.tokens[i].kind, TokKind::Number { .. })
            })
            .collect();
        if drivers.is_empty() {
            drivers = (0..q.tokens.len()).filter(|&i| self.stats[i].df > 0).collect();
        }
        drivers.sort_by_key(|&i| self.stats[i].df);
        let local = |i: usize| !self.expansions[si][i].is_empty();
        // A word is split only when nothing matched it at least as well as one typo does (see
        // `SegmentQuery::new`): a prefix or phonetic match anywhere rules it out.
        let splittable = q.tokens.iter().enumerate().any(|(i, t)| {
            t.kind == TokKind::Word && t.text.len() >= 5 && self.stats[i].known < quality::TYPO1
        });
        splittable
            || drivers.first().is_some_and(|&i| local(i))
            || drivers
                .iter()
                .skip(1)
                .take(2)
                .any(|&i| self.stats[i].df <= DRIVER_MAX_DOCS / 4 && local(i))
    }
}

impl<'s> SegmentQuery<'s> {
    /// The query as seen by segment number `si` of the plan.
    pub fn new(
        seg: &'s Segment,
        si: usize,
        q: &ParsedQuery,
        autocomplete: bool,
        plan: &Plan,
        memo: &WordMemo,
    ) -> Self {
        let mut toks = Vec::with_capacity(q.tokens.len());
        for (i, tok) in q.tokens.iter().enumerate() {
            let expansions = plan.expansions[si][i].clone();
            let st = plan.stats[i];
            let best = expansions.first().map_or(0.0, |e| e.1).max(st.known);
            let unknown = tok.kind == TokKind::Word && tok.text.len() >= 5 && best < quality::EXACT;
            if unknown {
                // A merged word: split it when both halves are words and nothing closer than two
                // typos matched ("dulouvre" is "du louvre", not "dulaure"), or when nothing matched.
                let split = split_merged(seg, &tok.text).filter(|(_, right_known, _)| {
                    (*right_known && best < quality::TYPO1) || st.df == 0
                });
                if let Some((a, _, b)) = split {
                    // "ruedela" → "rue" + "dela"…: the left part is a term, the right part is
                    // expanded like any token (it may carry a typo: "rueboossingault").
                    let left = QTok {
                        text: tok.text[..a.1].to_owned(),
                        kind: TokKind::Word,
                        last: false,
                        typed: None,
                    };
                    let first = toks.len();
                    toks.push(seg_tok(seg, left, smallvec::smallvec![(a.0, quality::SPLIT)], None));
                    let right = QTok { text: b, kind: TokKind::Word, last: tok.last, typed: None };
                    let mut ex = expand_base(seg, &right, autocomplete && tok.last, memo);
                    add_typos(seg, &right, memo, &mut ex);
                    sort_expansions(&mut ex);
                    ex.iter_mut().for_each(|e| e.1 = e.1.min(quality::SPLIT));
                    toks.push(seg_tok(seg, right, ex, Some(first)));
                    continue;
                }
            }
            let weight = plan.weight(i, tok);
            let weight = if expansions.len() == 1 && expansions[0].1 == quality::SPLIT {
                weight * 0.5
            } else {
                weight
            };
            toks.push(SegTok { tok: tok.clone(), expansions, df: st.df, weight, split_of: None });
        }
        let mut pairs: Vec<(u32, u16, f32)> = toks
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.expansions.iter().map(move |&(term, ql)| (term, i as u16, ql)))
            .collect();
        pairs.sort_by_key(|e| e.0);
        let mut bloom = [0u64; 8];
        for &(term, _, _) in &pairs {
            let (w, bit) = bloom_bit(term);
            bloom[w] |= bit;
        }
        let weights =
            toks.iter().map(|t| (t.weight, matches!(t.tok.kind, TokKind::Number { .. }))).collect();
        Self { seg, toks, lookup: TermTable::new(&pairs), bloom, hot: Hot::new(seg), weights }
    }

    pub fn segment(&self) -> &'s Segment {
        self.seg
    }

    /// A bound on the score of any result of this segment: every token at the best quality
    /// of its expansions (a house number, and the suffix after it, fully matched), the name
    /// fully covered, the highest importance and distance factor. A segment whose bound is
    /// under the scores already found is not searched.
    pub fn max_score(&self, with_center: bool) -> f32 {
        let mut num = 0.0;
        let mut den = 0.0;
        let mut after_number = false;
        for t in &self.toks {
            let is_number = matches!(t.tok.kind, TokKind::Number { .. });
            let q = if is_number || after_number {
                1.0
            } else {
                t.expansions.first().map_or(0.0, |e| e.1)
            };
            after_number = is_number;
            num += t.weight * q;
            den += t.weight;
        }
        let text = if den > 0.0 { num / den } else { 0.0 };
        let sim = 0.8 * text + 0.2;
        if with_center { (sim + 0.2) / 1.2 } else { (sim + 0.1) / 1.1 }
    }

    /// The candidate documents, before filtering: the primary ones (from the most selective
    /// token, the filters and the bias point), and secondary ones from the next selective tokens,
    /// looked at only when the primary ones match poorly.
    pub fn candidates(&self, filters: &Filters, center: Option<LonLat>) -> (Vec<u32>, Vec<u32>) {
        let seg = self.seg;
        // Tokens that can drive retrieval: words and postcodes that matched something.
        // A token that matches only in other segments keeps its rank (its `df` is engine-wide):
        // it then brings no document here, as in one segment holding every commune.
        let mut drivers: Vec<&SegTok> = self
            .toks
            .iter()
            .filter(|t| t.df > 0 && !matches!(t.tok.kind, TokKind::Number { .. }))
            .collect();
        if drivers.is_empty() {
            drivers = self.toks.iter().filter(|t| t.df > 0).collect();
        }
        drivers.sort_by_key(|t| t.df);

        let mut cands: Vec<u32> = Vec::new();
        let mut secondary: Vec<u32> = Vec::new();
        // A citycode filter restricts to few documents: take them all.
        // A citycode filter restricts to few documents: take them all. A Paris, Lyon or
        // Marseille code stands for its arrondissements; a code this segment does not know as
        // a commune (an ancienne commune) leaves retrieval to the tokens.
        let filter_docs: Option<Vec<u32>> = (!filters.citycodes.is_empty())
            .then(|| {
                let mut v: Vec<u32> = Vec::new();
                for code in &filters.citycodes {
                    let communes = seg.communes_answering_for(code);
                    if communes.is_empty() {
                        return None;
                    }
                    for c in communes {
                        v.extend_from_slice(seg.commune_docs(c));
                    }
                }
                v.sort_unstable();
                v.dedup();
                Some(v)
            })
            .flatten();
        match (&filter_docs, drivers.first()) {
            (Some(fd), Some(d)) if fd.len() <= d.df => cands.extend_from_slice(fd),
            (Some(fd), None) => cands.extend_from_slice(fd),
            (_, Some(first)) => {
                if first.df <= DRIVER_MAX_DOCS || drivers.len() == 1 {
                    union_into(seg, first, DRIVER_MAX_DOCS, &mut cands);
                } else {
                    intersect_into(seg, first, drivers[1], DRIVER_MAX_DOCS, &mut cands);
                }
                // The most selective token may be the wrong one (a typo that is another word):
                // the next selective tokens bring their documents too.
                for d in drivers.iter().skip(1).take(2) {
                    if d.df <= DRIVER_MAX_DOCS / 4 {
                        union_into(seg, d, DRIVER_MAX_DOCS / 4, &mut secondary);
                    }
                }
            }
            (None, None) => {}
        }
        if let Some(c) = center {
            near_docs(seg, c, GEO_BIAS_CANDIDATES, &mut cands);
        }
        // Sorted runs (postings, the bias point's documents): the stable sort merges them,
        // the unstable one sorts them from scratch.
        #[allow(clippy::stable_sort_primitive)]
        cands.sort();
        cands.dedup();
        #[allow(clippy::stable_sort_primitive)]
        secondary.sort();
        secondary.dedup();
        secondary.retain(|d| cands.binary_search(d).is_err());
        (cands, secondary)
    }

    /// Raises `best` (per token) with the query tokens that `term` matches; returns the best
    /// quality it matched with (0 when none).
    #[allow(clippy::inline_always)] // called for every term of every candidate; not inlined by `#[inline]`
    #[inline(always)]
    fn match_term(&self, term: u32, best: &mut [f32]) -> f32 {
        let (w, bit) = bloom_bit(term);
        if self.bloom[w] & bit == 0 {
            return 0.0;
        }
        let mut hit = 0.0f32;
        for &(i, ql) in self.lookup.get(term) {
            let b = &mut best[i as usize];
            if ql > *b {
                *b = ql;
            }
            hit = hit.max(ql);
        }
        hit
    }

    /// Scores a document on its terms (house numbers are matched later). The terms after the
    /// name (city, postcode) are those of the document's group, matched once per query in
    /// `groups`.
    pub fn score_terms(&self, doc: u32, best: &mut [f32], groups: &mut GroupMemo) -> (f32, f32) {
        let hot = &self.hot;
        let group = hot.doc_group[doc as usize];
        best.copy_from_slice(groups.row(group, |row| {
            for &entry in self.seg.group_terms(group) {
                self.match_term(entry & TERM_MASK, row);
            }
        }));
        let name_total = hot.doc_name_idf[doc as usize];
        let mut name_matched = 0.0f32;
        let terms = hot.doc_terms(doc);
        for &entry in &terms[..usize::from(hot.doc_name_len[doc as usize])] {
            let term = entry & TERM_MASK;
            let hit = self.match_term(term, best);
            if hit > 0.0 {
                name_matched += hot.term_idf.get(term as usize).copied().unwrap_or(0.0) * hit;
            }
        }
        let mut num = 0.0;
        let mut den = 0.0;
        for (&(weight, number), &b) in self.weights.iter().zip(best.iter()) {
            if number && b == 0.0 {
                continue; // decided by house-number matching
            }
            num += weight * b;
            den += weight;
        }
        let text = if den > 0.0 { num / den } else { 0.0 };
        let name_cov = if name_total > 0.0 { name_matched / name_total } else { 0.0 };
        (text, name_cov)
    }

    /// Finds the house number asked for in a street. Returns the house number, the quality, the
    /// number token and, when the suffix was the next token ("21 bz", "14 p1"), that token.
    pub fn match_housenumber(&self, doc: u32, best: &[f32]) -> Option<HnMatch> {
        let seg = self.seg;
        let range = seg.hn_range(doc);
        if range.is_empty() {
            return None;
        }
        let numbers = &seg.hn_number[range.clone()];
        for (i, t) in self.toks.iter().enumerate() {
            let TokKind::Number { number, suffix } = &t.tok.kind else { continue };
            // A number found in the street name ("rue du 8 mai 1945") is not the house number,
            // unless the same number is also written again ("15 avenue du 15 septembre").
            let repeated = || self.toks.iter().skip(i + 1).any(|o| o.tok.text == t.tok.text);
            if best[i] > 0.0 && !repeated() {
                continue;
            }
            let lo = numbers.partition_point(|&n| n < *number);
            let hi = numbers.partition_point(|&n| n <= *number);
            if lo == hi {
                continue;
            }
            // A separate suffix: the next token, when short and not matched in the name.
            let next = self
                .toks
                .get(i + 1)
                .filter(|n| suffix.is_none() && n.tok.text.len() <= 4 && best[i + 1] < 1.0)
                .filter(|n| n.tok.text.as_bytes()[0].is_ascii_lowercase())
                .map(|n| geocommun_model::text::fold_suffix(&n.tok.text));
            let mut plain = None;
            for k in lo..hi {
                let h = range.start + k;
                let sfx = seg.suffixes_folded.get(seg.hn_suffix[h] as usize);
                if next.as_deref() == Some(sfx) {
                    return Some(HnMatch {
                        hn: h as u32,
                        quality: quality::EXACT,
                        token: i,
                        suffix_token: Some(i + 1),
                    });
                }
                match suffix {
                    Some(s) if sfx == s => {
                        return Some(HnMatch {
                            hn: h as u32,
                            quality: quality::EXACT,
                            token: i,
                            suffix_token: None,
                        });
                    }
                    _ if sfx.is_empty() => plain = Some(h as u32),
                    _ => {}
                }
            }
            if let Some(h) = plain {
                let q =
                    if suffix.is_some() { quality::NUMBER_WITHOUT_SUFFIX } else { quality::EXACT };
                return Some(HnMatch { hn: h, quality: q, token: i, suffix_token: None });
            }
        }
        None
    }

    /// The text score once house numbers are decided: a number not in the name counts as
    /// found (with the match quality) or as missing; a separate suffix as found.
    fn text_with_numbers(&self, best: &[f32], hn: Option<&HnMatch>) -> f32 {
        let mut num = 0.0;
        let mut den = 0.0;
        for (i, t) in self.toks.iter().enumerate() {
            let mut b = best[i];
            if let Some(m) = hn {
                if m.token == i {
                    b = m.quality;
                } else if m.suffix_token == Some(i) {
                    b = 1.0;
                }
            }
            num += t.weight * b;
            den += t.weight;
        }
        if den > 0.0 { num / den } else { 0.0 }
    }

    /// Runs the whole pipeline on this segment.
    pub fn run(
        &self,
        filters: &Filters,
        center: Option<LonLat>,
        masked: &dyn Fn(u32) -> bool,
        limit: usize,
    ) -> Vec<Scored> {
        let seg = self.seg;
        let (cands, secondary) = self.candidates(filters, center);
        let n_toks = self.toks.len();
        let mut best = vec![0.0f32; n_toks];
        let mut groups = GroupMemo::new(n_toks);
        // The best candidates for the second pass, kept as they are scored, with what each
        // matched for the second pass to read instead of scoring the document again.
        let mut top = TopK::new(RERANK_CANDIDATES.max(limit * 2), n_toks);
        let mut top_text = 0.0f32;
        for (pass, list) in [cands, secondary].iter().enumerate() {
            if pass == 1 && top_text >= SECONDARY_BELOW {
                break;
            }
            let filtered = filters.filters_docs();
            for &d in list {
                if masked(self.hot.doc_commune[d as usize])
                    || (filtered && !filters.accepts_doc(seg, d))
                {
                    continue;
                }
                let (text, name_cov) = self.score_terms(d, &mut best, &mut groups);
                if text <= 0.0 {
                    continue;
                }
                top_text = top_text.max(text);
                let pre = 0.8 * text + 0.2 * name_cov + 0.05 * self.hot.doc_importance[d as usize];
                top.offer(Kept { pre, text, name_cov, doc: d, slot: 0 }, &best);
            }
        }
        let mut out = Vec::with_capacity(top.heap.len());
        let has_numbers = self.toks.iter().any(|t| matches!(t.tok.kind, TokKind::Number { .. }));
        for &Kept { text, name_cov, doc: d, slot, .. } in &top.heap {
            let kind = seg.doc_kind(d);
            if !has_numbers {
                if !filters.wants_housenumber_only() {
                    out.push(self.finish(d, None, text, name_cov, 0.0, center));
                }
                continue;
            }
            let best = top.best(slot);
            let hn =
                if kind == DocKind::Municipality { None } else { self.match_housenumber(d, best) };
            if filters.wants_housenumber_only() && hn.is_none() {
                continue;
            }
            if !filters.accepts_type(kind, hn.is_some()) {
                // A street asked for as a street: drop the number, keep the street.
                if hn.is_some() && filters.accepts_type(kind, false) {
                    let text = self.text_with_numbers(best, None);
                    out.push(self.finish(d, None, text, name_cov, 0.0, center));
                }
                continue;
            }
            let text = self.text_with_numbers(best, hn.as_ref());
            let quality = hn.map_or(0.0, |h| h.quality);
            out.push(self.finish(d, hn.map(|h| h.hn), text, name_cov, quality, center));
        }
        out
    }

    fn finish(
        &self,
        d: u32,
        hn: Option<u32>,
        text: f32,
        name_cov: f32,
        hn_quality: f32,
        center: Option<LonLat>,
    ) -> Scored {
        let seg = self.seg;
        let importance = seg.doc_importance[d as usize];
        let sim = 0.8 * text + 0.2 * name_cov;
        let (geo, score) = match center {
            Some(c) => {
                let p = decode_point(match hn {
                    Some(h) => seg.hn_point[h as usize],
                    None => seg.doc_point[d as usize],
                });
                let km = c.distance_m(p) / 1000.0;
                let geo = (-(km / 50.0).powi(2)).exp() as f32;
                (geo, (sim + 0.1 * importance + 0.1 * geo) / 1.2)
            }
            None => (0.0, (sim + 0.1 * importance) / 1.1),
        };
        Scored { doc: d, hn, score, text, name_cov, geo, hn_quality }
    }
}

/// A candidate kept for the second pass: its first-pass score (`pre`), text score, name
/// coverage, and where its matched qualities are in [`TopK::bests`].
#[derive(Clone, Copy, Debug)]
struct Kept {
    pre: f32,
    text: f32,
    name_cov: f32,
    doc: u32,
    slot: u32,
}

/// The order of [`TopK`]'s heap: the worse candidate is the greater (lower `pre`, then the
/// less important document, a higher id), so the heap's top is the first to leave.
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.pre.total_cmp(&self.pre).then(self.doc.cmp(&other.doc))
    }
}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Kept {}

/// The `k` best candidates by first-pass score (ties: the more important document), chosen
/// while scoring: a candidate worse than the worst kept one costs one comparison, and the
/// qualities it matched are copied only when it is kept, into the slot of the one it replaces.
/// A document is offered once, so the set is the one a sort of every candidate would give.
struct TopK {
    k: usize,
    n_toks: usize,
    heap: std::collections::BinaryHeap<Kept>,
    /// `n_toks` qualities per slot.
    bests: Vec<f32>,
}

impl TopK {
    fn new(k: usize, n_toks: usize) -> Self {
        Self {
            k,
            n_toks,
            heap: std::collections::BinaryHeap::with_capacity(k),
            bests: Vec::with_capacity(k * n_toks),
        }
    }

    fn offer(&mut self, mut c: Kept, best: &[f32]) {
        if self.heap.len() < self.k {
            c.slot = self.heap.len() as u32;
            self.bests.extend_from_slice(best);
            self.heap.push(c);
            return;
        }
        let Some(mut worst) = self.heap.peek_mut() else { return };
        if c < *worst {
            c.slot = worst.slot;
            let at = c.slot as usize * self.n_toks;
            self.bests[at..at + self.n_toks].copy_from_slice(best);
            *worst = c;
        }
    }

    fn best(&self, slot: u32) -> &[f32] {
        let at = slot as usize * self.n_toks;
        &self.bests[at..at + self.n_toks]
    }
}

fn seg_tok(
    seg: &Segment,
    tok: QTok,
    expansions: SmallVec<[(u32, f32); 4]>,
    split_of: Option<usize>,
) -> SegTok {
    let df: usize = expansions.iter().map(|&(t, _)| seg.df(t)).sum();
    let weight = match tok.kind {
        TokKind::Number { .. } if expansions.is_empty() => NUMBER_WEIGHT,
        TokKind::Postcode => 2.0,
        _ if expansions.is_empty() => 0.6 * seg.idf(1),
        _ => {
            let min_df = expansions.iter().map(|&(t, _)| seg.df(t)).min().unwrap_or(1);
            seg.idf(min_df)
        }
    };
    let weight = if split_of.is_some() || expansions.len() == 1 && expansions[0].1 == quality::SPLIT
    {
        weight * 0.5
    } else {
        weight
    };
    SegTok { tok, expansions, df, weight, split_of }
}

/// Terms a token stands for without typos: itself, its phonetic neighbours and, for the last
/// token of an autocompleted query, the words it begins. Not sorted.
fn expand_base(seg: &Segment, tok: &QTok, prefix: bool, memo: &WordMemo) -> Expansions {
    let mut out = Expansions::new();
    if tok.kind != TokKind::Word {
        if let Some(t) = seg.terms.get(&tok.text) {
            out.push((t as u32, quality::EXACT));
        }
        return out;
    }
    let prefix = prefix && tok.text.len() >= PREFIX_MIN_LEN;
    let key = cache_key(if prefix { 'P' } else { 'W' }, tok);
    if let Some(cached) = seg.expansions.get(&key) {
        return cached;
    }
    let exact = seg.terms.get(&tok.text).map(|t| t as u32);
    if let Some(t) = exact {
        out.push((t, quality::EXACT));
    }
    // Phonetic neighbours.
    if let Some(g) = seg.phonetic.get(&*memo.phonetic(&tok.text)) {
        let g = g as usize;
        let (a, b) = (seg.phon_off[g] as usize, seg.phon_off[g + 1] as usize);
        for &t in &seg.phon_terms[a..b] {
            push(&mut out, t, quality::PHONETIC);
        }
    }
    // Autocompletion of the last token.
    if prefix {
        for t in prefix_terms(seg, tok, exact) {
            push(&mut out, t, quality::PREFIX);
        }
    }
    seg.expansions.insert(key, out.clone());
    out
}

/// Key of a word's expansions in [`crate::segment::ExpansionCache`]: what they are (`W` exact
/// and phonetic, `P` with the prefix matches, `T` typo matches), the word and, for prefixes,
/// the word as typed.
fn cache_key(what: char, tok: &QTok) -> Box<str> {
    let typed = if what == 'P' { tok.typed.as_deref().unwrap_or("") } else { "" };
    let mut key = String::with_capacity(2 + tok.text.len() + typed.len());
    key.push(what);
    key.push_str(&tok.text);
    if !typed.is_empty() {
        key.push('\0');
        key.push_str(typed);
    }
    key.into_boxed_str()
}

/// Adds to `out` the terms within the typo distance allowed for the token's length.
fn add_typos(seg: &Segment, tok: &QTok, memo: &WordMemo, out: &mut Expansions) {
    if tok.kind != TokKind::Word || tok.text.len() < TYPO_ONE_MIN_LEN {
        return;
    }
    let key = cache_key('T', tok);
    let found = seg.expansions.get(&key).unwrap_or_else(|| {
        let found = typo_terms(seg, &tok.text, memo);
        seg.expansions.insert(key, found.clone());
        found
    });
    for (t, q) in found {
        push(out, t, q);
    }
}

/// The terms within the typo distance allowed for the word's length, that begin with its
/// first letter, at most [`TYPO_MAX_EXPANSIONS`] (the closest, then the most frequent).
fn typo_terms(seg: &Segment, word: &str, memo: &WordMemo) -> Expansions {
    let dfa = memo.dfa(word);
    // A changed first letter costs too much (milli counts it twice): only the terms that
    // start with the same letter are searched, which also bounds the FST walk.
    let first = word.as_bytes()[0];
    let lo = [first];
    let hi = [first.saturating_add(1)];
    let mut stream = seg.terms.search(&*dfa).ge(lo).lt(hi).into_stream();
    let mut found: Vec<(usize, u32, f32)> = Vec::new();
    while let Some((key, t)) = stream.next() {
        let t = t as u32;
        let d = match dfa.eval(key) {
            levenshtein_automata::Distance::Exact(d) => d,
            levenshtein_automata::Distance::AtLeast(_) => continue,
        };
        let q = if d <= 1 { quality::TYPO1 } else { quality::TYPO2 };
        found.push((seg.df(t), t, q));
        if found.len() >= TYPO_MAX_EXPANSIONS * 8 {
            break;
        }
    }
    if found.len() > TYPO_MAX_EXPANSIONS {
        found.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.0.cmp(&a.0)));
        found.truncate(TYPO_MAX_EXPANSIONS);
    }
    found.into_iter().map(|(_, t, q)| (t, q)).collect()
}

/// Adds a term, or raises its quality if it is there already.
fn push(out: &mut Expansions, t: u32, q: f32) {
    if let Some(e) = out.iter_mut().find(|e| e.0 == t) {
        e.1 = e.1.max(q);
    } else {
        out.push((t, q));
    }
}

/// Best first, then by term: deterministic.
fn sort_expansions(out: &mut Expansions) {
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// The terms an autocompleted token stands for besides itself: at most
/// [`PREFIX_MAX_EXPANSIONS`], the most frequent of the first [`PREFIX_MAX_SCAN`] under the
/// prefix (and under the word as typed, when it differs).
fn prefix_terms(seg: &Segment, tok: &QTok, exact: Option<u32>) -> Box<[u32]> {
    let mut found: Vec<(usize, u32)> = Vec::new();
    for p in std::iter::once(&tok.text).chain(tok.typed.as_ref()) {
        let mut stream = seg.terms.search(Str::new(p).starts_with()).into_stream();
        let mut scanned = 0;
        while let Some((_, t)) = stream.next() {
            let t = t as u32;
            if Some(t) != exact {
                found.push((seg.df(t), t));
            }
            scanned += 1;
            if scanned >= PREFIX_MAX_SCAN {
                break;
            }
        }
    }
    if tok.typed.is_some() {
        // Both spellings may reach the same terms.
        found.sort_unstable_by_key(|f| f.1);
        found.dedup_by_key(|f| f.1);
    }
    if found.len() > PREFIX_MAX_EXPANSIONS {
        found.select_nth_unstable_by(PREFIX_MAX_EXPANSIONS, |a, b| {
            b.0.cmp(&a.0).then(a.1.cmp(&b.1))
        });
        found.truncate(PREFIX_MAX_EXPANSIONS);
    }
    found.into_iter().map(|(_, t)| t).collect()
}

/// Splits a merged word ("saintgermain", "ruebossingault", "passgambetta") into a dictionary
/// term (directly or through an abbreviation) and the rest. Returns the left term and where it
/// ends, whether the rest is a term too, and the rest. Both halves terms are preferred (most
/// balanced split), else the longest known left part with a rest of at least 3 letters
/// (expanded with typo tolerance by the caller).
fn split_merged(seg: &Segment, word: &str) -> Option<((u32, usize), bool, String)> {
    let left_term = |a: &str| {
        seg.terms.get(a).or_else(|| {
            let mut v = Vec::new();
            text::expand_synonyms(a, &mut v);
            (v.len() == 1 && v[0] != a).then(|| seg.terms.get(&v[0])).flatten()
        })
    };
    let mut both: Option<(usize, u32, usize)> = None;
    let mut left_only: Option<(u32, usize)> = None;
    for k in 2..word.len().saturating_sub(1) {
        if !word.is_char_boundary(k) {
            continue;
        }
        let (a, b) = word.split_at(k);
        let Some(ta) = left_term(a) else { continue };
        if seg.terms.get(b).is_some() {
            let balance = a.len().min(b.len());
            if both.is_none_or(|x| balance > x.0) {
                both = Some((balance, ta as u32, k));
            }
        } else if b.len() >= 3 {
            left_only = Some((ta as u32, k));
        }
    }
    if let Some((_, t, k)) = both {
        return Some(((t, k), true, word[k..].to_owned()));
    }
    left_only.map(|(t, k)| ((t, k), false, word[k..].to_owned()))
}

/// Adds the documents of a token's expansions, at most `cap`, most important first.
fn union_into(seg: &Segment, tok: &SegTok, cap: usize, out: &mut Vec<u32>) {
    if tok.expansions.len() == 1 {
        let p = seg.postings(tok.expansions[0].0);
        out.extend_from_slice(&p[..p.len().min(cap)]);
        return;
    }
    let mut all: Vec<u32> = Vec::new();
    for &(t, _) in &tok.expansions {
        let p = seg.postings(t);
        all.extend_from_slice(&p[..p.len().min(cap)]);
    }
    // Sorted runs, one per expansion: the stable sort merges runs (the unstable one does not).
    #[allow(clippy::stable_sort_primitive)]
    all.sort();
    all.dedup();
    all.truncate(cap);
    out.extend_from_slice(&all);
}

/// Documents of `a` that are also in `b`, most important first, at most `cap`; scans at most
/// [`COMMON_POSTINGS`] × 4 postings of `a`. Membership in `b` is a binary search per expansion
/// when `a` is short, else a bitset of `b`'s documents (a prefix like "cha" has dozens of
/// expansions: a binary search in each for every document of "avenue" was the slowest path).
fn intersect_into(seg: &Segment, a: &SegTok, b: &SegTok, cap: usize, out: &mut Vec<u32>) {
    // Documents of `a` scanned before `cap` are found, if `b`'s are spread evenly.
    let n = seg.doc_count().max(1);
    let to_scan = a.df.min(INTERSECT_MAX_SCAN).min(cap.saturating_mul(n) / b.df.max(1));
    // Cost in memory words touched: ~20 per binary search; a bitset over every document of the
    // segment costs its zeroing (one word per 64 documents) and one word per document of `b`.
    let searched = to_scan * b.expansions.len() * 20;
    intersect_with(seg, a, b, cap, searched > b.df + n / 64, out);
}

/// Postings of the first token scanned at most by one intersection.
const INTERSECT_MAX_SCAN: usize = COMMON_POSTINGS * 4;

/// [`intersect_into`] with the way of testing membership in `b` chosen by the caller.
fn intersect_with(
    seg: &Segment,
    a: &SegTok,
    b: &SegTok,
    cap: usize,
    use_bitset: bool,
    out: &mut Vec<u32>,
) {
    let mut lists: Vec<&[u32]> = a.expansions.iter().map(|&(t, _)| seg.postings(t)).collect();
    lists.sort_by_key(|l| std::cmp::Reverse(l.len()));
    let bitset = use_bitset.then(|| {
        let mut set = FixedBitSet::with_capacity(seg.doc_count());
        for &(t, _) in &b.expansions {
            for &d in seg.postings(t) {
                set.insert(d as usize);
            }
        }
        set
    });
    let in_b = |d: u32| match &bitset {
        Some(set) => set.contains(d as usize),
        None => b.expansions.iter().any(|&(t, _)| seg.postings(t).binary_search(&d).is_ok()),
    };
    let mut scanned = 0usize;
    let before = out.len();
    'lists: for l in lists {
        for &d in l {
            if scanned >= INTERSECT_MAX_SCAN {
                break 'lists;
            }
            scanned += 1;
            if in_b(d) {
                out.push(d);
                if out.len() - before >= cap {
                    break 'lists;
                }
            }
        }
    }
    if out.len() == before {
        // Nothing in common: fall back to the most important documents of the rarer token.
        union_into(seg, a, cap / 4, out);
    }
}

/// Documents near a point (a house number counts for its street).
fn near_docs(seg: &Segment, c: LonLat, k: usize, out: &mut Vec<u32>) {
    let Ok(tree) = RTreeRef::<f32>::try_new(&seg.spatial) else { return };
    let (x, y) = spatial_xy(c);
    let n_hn = seg.housenumber_count() as u32;
    for item in tree.neighbors(x, y, Some(k), None) {
        out.push(if item < n_hn { seg.doc_of_hn(item) } else { item - n_hn });
    }
}

impl Filters {
    /// `true` when [`Filters::accepts_doc`] can refuse a document.
    fn filters_docs(&self) -> bool {
        !(self.citycodes.is_empty() && self.postcodes.is_empty() && self.types.is_empty())
    }

    pub(crate) fn accepts_doc(&self, seg: &Segment, d: u32) -> bool {
        if !self.citycodes.is_empty() {
            let c = seg.doc_commune[d as usize];
            let code = seg.commune_str(c, crate::segment::com_str::CODE);
            let parent = seg.commune_str(c, crate::segment::com_str::PARENT_CODE);
            let old = seg.doc_str(d, crate::segment::doc_str::OLD_CODE);
            if !self
                .citycodes
                .iter()
                .any(|cc| cc == code || cc == parent || (!old.is_empty() && cc == old))
            {
                return false;
            }
        }
        if !self.postcodes.is_empty() {
            let pc = seg.doc_str(d, crate::segment::doc_str::POSTCODE);
            let ok = self.postcodes.iter().any(|p| p == pc)
                || (seg.doc_kind(d) == DocKind::Municipality && {
                    let all = seg.commune_str(
                        seg.doc_commune[d as usize],
                        crate::segment::com_str::POSTCODES,
                    );
                    self.postcodes.iter().any(|p| all.split(',').any(|x| x == p))
                });
            if !ok {
                return false;
            }
        }
        if !self.types.is_empty() {
            let kind = seg.doc_kind(d);
            let ok = self.types.iter().any(|t| match t {
                ResultType::Municipality => kind == DocKind::Municipality,
                ResultType::Locality => kind == DocKind::Locality,
                ResultType::Street | ResultType::Housenumber => kind != DocKind::Municipality,
            });
            if !ok {
                return false;
            }
        }
        true
    }

    fn wants_housenumber_only(&self) -> bool {
        !self.types.is_empty() && self.types.iter().all(|t| *t == ResultType::Housenumber)
    }

    fn accepts_type(&self, kind: DocKind, with_number: bool) -> bool {
        if self.types.is_empty() {
            return true;
        }
        let rt = ResultType::of(kind, with_number);
        self.types.contains(&rt)
    }
}

#[cfg(test)]
mod tests {
    use geocommun_testkit::{commune, street};

    use super::*;
    use crate::build::build_segment;
    use crate::query::ParsedQuery;

    /// The heap keeps the set a full sort keeps (score descending, then the lower document id),
    /// with each kept candidate's own matched qualities, ties included.
    #[test]
    fn top_k_keeps_what_a_sort_keeps() {
        let scores: Vec<f32> = (0..500u32).map(|i| ((i * 7919) % 97) as f32 / 97.0).collect();
        for k in [1, 5, 40, 499, 500, 600] {
            let mut top = TopK::new(k, 2);
            for (d, &pre) in scores.iter().enumerate() {
                let kept = Kept { pre, text: pre, name_cov: 0.0, doc: d as u32, slot: 0 };
                top.offer(kept, &[pre, d as f32]);
            }
            let mut got: Vec<u32> = top.heap.iter().map(|c| c.doc).collect();
            got.sort_unstable();
            let mut want: Vec<u32> = (0..scores.len() as u32).collect();
            want.sort_by(|&a, &b| {
                scores[b as usize].total_cmp(&scores[a as usize]).then(a.cmp(&b))
            });
            want.truncate(k);
            want.sort_unstable();
            assert_eq!(got, want, "k {k}");
            for c in &top.heap {
                assert_eq!(top.best(c.slot), &[c.pre, c.doc as f32]);
            }
        }
    }

    /// Both ways of intersecting give the same documents, in the same order, on lists long
    /// enough to reach the cap and with a multi-term prefix ("cha…") as the second token.
    #[test]
    fn intersection_by_bitset_equals_intersection_by_search() {
        let names = ["Chapelle", "Champs", "Chateau", "Chenes", "Moulin", "Ecoles", "Gare"];
        let kinds = ["Rue", "Avenue", "Impasse"];
        let communes: Vec<_> = (0..40)
            .map(|c| {
                let streets = (0..names.len() * kinds.len())
                    .map(|i| {
                        let name = format!("{} des {}", kinds[i % 3], names[i / 3]);
                        let id = format!("{:05}_{i:04}", 10_000 + c);
                        street(&name, &id, "01000", 5.0 + f64::from(c) / 100.0, 46.0, 2)
                    })
                    .collect();
                commune(&format!("{:05}", 10_000 + c), &format!("Commune {c}"), 500, streets)
            })
            .collect();
        let seg = build_segment(&communes);
        let q = ParsedQuery::parse("avenue des cha").unwrap();
        let memo = WordMemo::default();
        let segs = [&seg];
        let plan = Plan::new(&segs, &Plan::base(&segs, &q, true, &memo), &q, false, &memo);
        let sq = SegmentQuery::new(&seg, 0, &q, true, &plan, &memo);
        let avenue = sq.toks.iter().find(|t| t.tok.text == "avenue").unwrap();
        let ch = sq.toks.iter().find(|t| t.tok.text == "cha").unwrap();
        assert!(ch.expansions.len() >= 3, "{:?}", ch.expansions);
        for cap in [5, 50, 1_000] {
            let (mut by_set, mut by_search) = (Vec::new(), Vec::new());
            intersect_with(&seg, avenue, ch, cap, true, &mut by_set);
            intersect_with(&seg, avenue, ch, cap, false, &mut by_search);
            assert_eq!(by_set, by_search, "cap {cap}");
            assert_eq!(by_set.len(), cap.min(40 * 3), "cap {cap}");
        }
    }
}
