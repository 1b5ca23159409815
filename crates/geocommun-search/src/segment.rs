//! A segment: an immutable, self-contained index of a set of communes.
//!
//! Documents are municipalities, streets and lieux-dits; house numbers live inside their
//! street (as in addok) and are matched after retrieval. Document ids put municipalities
//! first, then the other documents by decreasing importance, so every posting list is ordered
//! that way too: the first entries of a long list are the most important documents.

use std::collections::HashMap;

use fst::Map;
use geocommun_model::LonLat;
use smallvec::SmallVec;

use crate::storage::{Arr, Bytes, StrTable};

/// The kind of a document, and of a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    Municipality = 0,
    Street = 1,
    Locality = 2,
}

impl DocKind {
    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Municipality,
            2 => Self::Locality,
            _ => Self::Street,
        }
    }
}

/// Which label a document term comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Name = 0,
    City = 1,
    Postcode = 2,
}

pub(crate) const FIELD_SHIFT: u32 = 28;
pub(crate) const TERM_MASK: u32 = (1 << FIELD_SHIFT) - 1;

pub(crate) fn field_of(entry: u32) -> Field {
    match entry >> FIELD_SHIFT {
        0 => Field::Name,
        1 => Field::City,
        _ => Field::Postcode,
    }
}

/// Per-commune strings, in this order in [`Segment::commune_strs`].
pub(crate) mod com_str {
    pub const CODE: usize = 0;
    pub const NAME: usize = 1;
    pub const PARENT_CODE: usize = 2;
    pub const PARENT_NAME: usize = 3;
    pub const CONTEXT: usize = 4;
    pub const POSTCODES: usize = 5;
    pub const BAN_ID: usize = 6;
    pub const COUNT: usize = 7;
}

/// Per-document strings, in this order in [`Segment::doc_strs`].
pub(crate) mod doc_str {
    pub const NAME: usize = 0;
    pub const ID: usize = 1;
    pub const POSTCODE: usize = 2;
    pub const OLD_CODE: usize = 3;
    pub const OLD_NAME: usize = 4;
    pub const BAN_ID: usize = 5;
    pub const COUNT: usize = 6;
}

/// Per-house-number exception strings, in this order in [`Segment::hn_extra_strs`].
pub(crate) mod hn_str {
    pub const ID: usize = 0;
    pub const BAN_ID: usize = 1;
    pub const POSTCODE: usize = 2;
    pub const COUNT: usize = 3;
}

/// Lookup keys in [`Segment::ids`]: the high byte says what the low bits index.
pub(crate) mod id_kind {
    pub const DOC: u64 = 1 << 40;
    pub const HN: u64 = 2 << 40;
    pub const MASK: u64 = (1 << 40) - 1;
}

/// Coordinates are stored as degrees × 10⁷ in `i32`: exact for the 6–7 decimals of the sources.
pub(crate) const COORD_SCALE: f64 = 1e7;

pub(crate) fn encode_point(p: LonLat) -> [i32; 2] {
    [(p.lon * COORD_SCALE).round() as i32, (p.lat * COORD_SCALE).round() as i32]
}

pub(crate) fn decode_point(p: [i32; 2]) -> LonLat {
    LonLat::new(f64::from(p[0]) / COORD_SCALE, f64::from(p[1]) / COORD_SCALE)
}

/// Projection used by the spatial index: equirectangular around the point's own latitude, so
/// that squared distances between nearby points are proportional to metres.
pub(crate) fn spatial_xy(p: LonLat) -> (f32, f32) {
    ((p.lon * p.lat.to_radians().cos()) as f32, p.lat as f32)
}

/// One immutable segment of the index. All fields are flat arrays, owned or memory-mapped.
#[derive(Clone)]
pub struct Segment {
    // Communes.
    pub(crate) commune_strs: StrTable,
    pub(crate) commune_population: Arr<u32>,
    pub(crate) commune_point: Arr<[i32; 2]>,
    /// Documents of each commune: `commune_docs[commune_docs_off[c]..commune_docs_off[c+1]]`, sorted.
    pub(crate) commune_docs_off: Arr<u32>,
    pub(crate) commune_docs: Arr<u32>,
    /// The municipality document of each commune.
    pub(crate) commune_doc: Arr<u32>,

    // Documents.
    pub(crate) doc_kind: Arr<u8>,
    pub(crate) doc_commune: Arr<u32>,
    pub(crate) doc_strs: StrTable,
    pub(crate) doc_point: Arr<[i32; 2]>,
    pub(crate) doc_importance: Arr<f32>,
    /// House numbers of document `d`: `hn_off[d]..hn_off[d+1]`, sorted by (number, suffix).
    pub(crate) hn_off: Arr<u32>,
    /// Terms of document `d`: `doc_terms[doc_terms_off[d]..doc_terms_off[d+1]]`, each a term id
    /// with its [`Field`] in the high bits, sorted.
    pub(crate) doc_terms_off: Arr<u32>,
    pub(crate) doc_terms: Arr<u32>,

    // House numbers.
    pub(crate) hn_number: Arr<u32>,
    /// Index into `suffixes` (0 = no suffix).
    pub(crate) hn_suffix: Arr<u32>,
    pub(crate) hn_point: Arr<[i32; 2]>,
    /// House numbers whose id, BAN id or postcode cannot be derived from their street, sorted,
    /// with their strings in `hn_extra_strs`.
    pub(crate) hn_extra: Arr<u32>,
    pub(crate) hn_extra_strs: StrTable,
    /// Suffixes as written (`bis`, `b`, `ter`) and folded (`b`, `b`, `t`).
    pub(crate) suffixes: StrTable,
    pub(crate) suffixes_folded: StrTable,

    // Dictionary.
    pub(crate) terms: Map<Bytes>,
    pub(crate) postings_off: Arr<u32>,
    pub(crate) postings: Arr<u32>,
    /// Phonetic key → group; group `g` holds the terms `phon_terms[phon_off[g]..phon_off[g+1]]`.
    pub(crate) phonetic: Map<Bytes>,
    pub(crate) phon_off: Arr<u32>,
    pub(crate) phon_terms: Arr<u32>,

    // Identifiers (cle_interop, street ids, INSEE codes, BAN ids) → document or house number.
    pub(crate) ids: Map<Bytes>,

    // Spatial index over every house number (items `0..n_hn`) and document (items `n_hn..`).
    pub(crate) spatial: Bytes,

    /// Derived at load, not stored: inverse document frequency of each term.
    pub(crate) term_idf: Vec<f32>,
    /// Derived at load, not stored: the sum of the idf of each document's name terms, the
    /// denominator of its name coverage (scoring then reads the idf of matched terms only).
    pub(crate) doc_name_idf: Vec<f32>,
    /// Derived at load, not stored: how many of each document's terms are name terms (they
    /// come first: the field is in the high bits and the terms are sorted).
    pub(crate) doc_name_len: Vec<u16>,
    /// Derived at load, not stored: the group of each document, the documents whose terms after
    /// the name (city and postcode) are the same; every street of a commune is in one group or
    /// a few. Scoring matches a group's terms once per query ([`Segment::group_terms`]).
    pub(crate) doc_group: Vec<u32>,
    /// Derived at load, not stored: the terms of group `g`,
    /// `group_terms[group_terms_off[g]..group_terms_off[g+1]]`.
    pub(crate) group_terms_off: Vec<u32>,
    pub(crate) group_terms: Vec<u32>,
    /// Derived on use, not stored: what the words of past queries expanded to.
    pub(crate) expansions: ExpansionCache,
}

/// What query words expanded to in this segment (exact, phonetic and prefix matches; typo
/// matches), bounded and shared by every thread: the words of a geocoder's traffic repeat
/// ("rue", "paris", "avenue", a town's streets), and the segment never changes. Walking every
/// term under a short prefix like "de", or a dictionary with a Levenshtein automaton, costs
/// far more than a lookup here. Cloning a segment starts empty.
pub(crate) struct ExpansionCache(quick_cache::sync::Cache<Box<str>, SmallVec<[(u32, f32); 4]>>);

impl ExpansionCache {
    /// A cache sized for a dictionary of `terms` terms.
    pub(crate) fn for_terms(terms: usize) -> Self {
        Self(quick_cache::sync::Cache::new(terms.saturating_mul(2).clamp(256, 65_536)))
    }

    pub(crate) fn get(&self, key: &str) -> Option<SmallVec<[(u32, f32); 4]>> {
        self.0.get(key)
    }

    pub(crate) fn insert(&self, key: Box<str>, value: SmallVec<[(u32, f32); 4]>) {
        self.0.insert(key, value);
    }
}

impl Clone for ExpansionCache {
    fn clone(&self) -> Self {
        Self::for_terms(self.0.capacity() as usize / 2)
    }
}

impl Segment {
    pub fn doc_count(&self) -> usize {
        self.doc_kind.len()
    }

    pub fn housenumber_count(&self) -> usize {
        self.hn_number.len()
    }

    pub fn commune_count(&self) -> usize {
        self.commune_population.len()
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    pub(crate) fn commune_str(&self, c: u32, field: usize) -> &str {
        self.commune_strs.get(c as usize * com_str::COUNT + field)
    }

    pub(crate) fn doc_str(&self, d: u32, field: usize) -> &str {
        self.doc_strs.get(d as usize * doc_str::COUNT + field)
    }

    pub(crate) fn doc_kind(&self, d: u32) -> DocKind {
        DocKind::from_u8(self.doc_kind[d as usize])
    }

    pub(crate) fn doc_terms(&self, d: u32) -> &[u32] {
        let (a, b) = (self.doc_terms_off[d as usize], self.doc_terms_off[d as usize + 1]);
        &self.doc_terms[a as usize..b as usize]
    }

    pub(crate) fn hn_range(&self, d: u32) -> std::ops::Range<usize> {
        self.hn_off[d as usize] as usize..self.hn_off[d as usize + 1] as usize
    }

    /// The document (street) a house number belongs to.
    pub(crate) fn doc_of_hn(&self, hn: u32) -> u32 {
        // `hn_off` is non-decreasing: the owner is the last document starting at or before `hn`.
        let idx = self.hn_off.partition_point(|&start| start <= hn);
        (idx - 1) as u32
    }

    pub(crate) fn postings(&self, term: u32) -> &[u32] {
        let (a, b) = (self.postings_off[term as usize], self.postings_off[term as usize + 1]);
        &self.postings[a as usize..b as usize]
    }

    pub(crate) fn df(&self, term: u32) -> usize {
        (self.postings_off[term as usize + 1] - self.postings_off[term as usize]) as usize
    }

    /// Fills the derived fields (call after construction or loading).
    pub(crate) fn derive(mut self) -> Self {
        let n = self.term_count();
        self.term_idf = (0..n as u32).map(|t| self.idf(self.df(t))).collect();
        let n_docs = self.doc_count();
        let mut doc_name_idf = Vec::with_capacity(n_docs);
        let mut doc_name_len = Vec::with_capacity(n_docs);
        let mut doc_group = Vec::with_capacity(n_docs);
        let mut groups: HashMap<&[u32], u32> = HashMap::new();
        let mut group_terms_off = vec![0u32];
        let mut group_terms = Vec::new();
        for d in 0..n_docs as u32 {
            let terms = self.doc_terms(d);
            let name_len = terms.partition_point(|&e| field_of(e) == Field::Name);
            let name = &terms[..name_len];
            doc_name_idf.push(name.iter().map(|&e| self.term_idf(e & TERM_MASK)).sum());
            // A name of over 65,535 terms (no real one) has its tail scored with the group.
            let split = name_len.min(usize::from(u16::MAX));
            doc_name_len.push(split as u16);
            let rest = &terms[split..];
            let next = groups.len() as u32;
            let g = *groups.entry(rest).or_insert_with(|| {
                group_terms.extend_from_slice(rest);
                group_terms_off.push(group_terms.len() as u32);
                next
            });
            doc_group.push(g);
        }
        drop(groups);
        self.doc_name_idf = doc_name_idf;
        self.doc_name_len = doc_name_len;
        self.doc_group = doc_group;
        self.group_terms_off = group_terms_off;
        self.group_terms = group_terms;
        self.expansions = ExpansionCache::for_terms(n);
        self
    }

    /// The terms of document group `g` (see [`Segment::doc_group`]).
    pub(crate) fn group_terms(&self, g: u32) -> &[u32] {
        let (a, b) = (self.group_terms_off[g as usize], self.group_terms_off[g as usize + 1]);
        &self.group_terms[a as usize..b as usize]
    }

    pub(crate) fn term_idf(&self, term: u32) -> f32 {
        self.term_idf.get(term as usize).copied().unwrap_or(0.0)
    }

    /// Inverse document frequency of a term: how much matching it tells.
    pub(crate) fn idf(&self, df: usize) -> f32 {
        (1.0 + self.doc_count() as f32 / (df.max(1) as f32)).ln()
    }

    pub(crate) fn commune_docs(&self, c: u32) -> &[u32] {
        let (a, b) = (self.commune_docs_off[c as usize], self.commune_docs_off[c as usize + 1]);
        &self.commune_docs[a as usize..b as usize]
    }

    pub(crate) fn hn_extra_str(&self, hn: u32, field: usize) -> Option<&str> {
        let i = self.hn_extra.binary_search(&hn).ok()?;
        Some(self.hn_extra_strs.get(i * hn_str::COUNT + field)).filter(|s| !s.is_empty())
    }

    /// The communes a citycode stands for: the commune itself, and for Paris, Lyon and
    /// Marseille their arrondissements.
    pub(crate) fn communes_answering_for(&self, code: &str) -> Vec<u32> {
        let mut out: Vec<u32> = self.commune_index(code).into_iter().collect();
        if matches!(code, "75056" | "69123" | "13055") {
            out.extend(
                (0..self.commune_count() as u32)
                    .filter(|&c| self.commune_str(c, com_str::PARENT_CODE) == code),
            );
        }
        out
    }

    pub(crate) fn commune_index(&self, code: &str) -> Option<u32> {
        // Communes are few per segment; the ids map has them too, but through their municipality doc.
        let key = self.ids.get(code)?;
        if key & !id_kind::MASK != id_kind::DOC {
            return None;
        }
        let d = (key & id_kind::MASK) as u32;
        (self.doc_kind(d) == DocKind::Municipality).then(|| self.doc_commune[d as usize])
    }
}
