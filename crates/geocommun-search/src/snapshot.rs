//! Snapshot files: an engine written to one file and memory-mapped back, read in place.
//!
//! Layout (little-endian, every section 8-byte aligned; see `docs/adr/0001-search-index.md`):
//! ```text
//! header   magic "GEOCOMMUNIDX" (12 bytes) · format version u32 · section count u32 · text version u32
//! table    per section: segment u32 · section id u32 · offset u64 · length u64 · crc32 u32 · pad u32
//! data     the sections
//! footer   crc32 of header + table u32 · magic "GCIX" (4 bytes)
//! ```
//! Opening checks the magic, the version, that every section lies inside the file, every
//! section's CRC, and then the structure of each segment ([`Segment`] invariants), so that a
//! corrupted or truncated file is refused with a typed error instead of crashing later.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fst::Map;
use geo_index::rtree::RTreeRef;

use crate::engine::{Engine, SegEntry};
use crate::segment::Segment;
use crate::storage::{Arr, Bytes, StrTable};

const MAGIC: &[u8; 12] = b"GEOCOMMUNIDX";
const FOOTER_MAGIC: &[u8; 4] = b"GCIX";
/// Bump on any change of layout or meaning; older files are refused, not misread.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 24;
const ENTRY_LEN: usize = 32;

/// Why a snapshot cannot be written or opened.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "{path}: not a geocommun index snapshot (bad magic); rebuild it with `geocommun index`"
    )]
    NotASnapshot { path: PathBuf },
    #[error(
        "{path}: snapshot format version {found}, this build reads version {FORMAT_VERSION}; rebuild it with `geocommun index`"
    )]
    Version { path: PathBuf, found: u32 },
    #[error(
        "{path}: snapshot built with text normalisation version {found}, this build uses version {}; rebuild it with `geocommun index`",
        geocommun_model::text::VERSION
    )]
    TextVersion { path: PathBuf, found: u32 },
    #[error("{path}: snapshot is corrupted ({what}); rebuild it with `geocommun index`")]
    Corrupted { path: PathBuf, what: String },
}

/// Section ids, in the order of the [`Segment`] fields.
mod sec {
    pub const COMMUNE_STRS_OFF: u32 = 1;
    pub const COMMUNE_STRS: u32 = 2;
    pub const COMMUNE_POPULATION: u32 = 3;
    pub const COMMUNE_POINT: u32 = 4;
    pub const COMMUNE_DOCS_OFF: u32 = 5;
    pub const COMMUNE_DOCS: u32 = 6;
    pub const COMMUNE_DOC: u32 = 7;
    pub const DOC_KIND: u32 = 8;
    pub const DOC_COMMUNE: u32 = 9;
    pub const DOC_STRS_OFF: u32 = 10;
    pub const DOC_STRS: u32 = 11;
    pub const DOC_POINT: u32 = 12;
    pub const DOC_IMPORTANCE: u32 = 13;
    pub const HN_OFF: u32 = 14;
    pub const DOC_TERMS_OFF: u32 = 15;
    pub const DOC_TERMS: u32 = 16;
    pub const HN_NUMBER: u32 = 17;
    pub const HN_SUFFIX: u32 = 18;
    pub const HN_POINT: u32 = 19;
    pub const HN_EXTRA: u32 = 20;
    pub const HN_EXTRA_STRS_OFF: u32 = 21;
    pub const HN_EXTRA_STRS: u32 = 22;
    pub const SUFFIXES_OFF: u32 = 23;
    pub const SUFFIXES: u32 = 24;
    pub const SUFFIXES_FOLDED_OFF: u32 = 25;
    pub const SUFFIXES_FOLDED: u32 = 26;
    pub const TERMS: u32 = 27;
    pub const POSTINGS_OFF: u32 = 28;
    pub const POSTINGS: u32 = 29;
    pub const PHONETIC: u32 = 30;
    pub const PHON_OFF: u32 = 31;
    pub const PHON_TERMS: u32 = 32;
    pub const IDS: u32 = 33;
    pub const SPATIAL: u32 = 34;
    /// Communes of the segment masked by newer segments.
    pub const MASKED: u32 = 35;
    pub const LAST: u32 = 35;
}

fn sections(seg: &Segment, masked: &[u32]) -> Vec<(u32, Vec<u8>)> {
    fn b(x: &[u8]) -> Vec<u8> {
        x.to_vec()
    }
    vec![
        (sec::COMMUNE_STRS_OFF, b(seg.commune_strs.offsets.bytes())),
        (sec::COMMUNE_STRS, b(&seg.commune_strs.bytes)),
        (sec::COMMUNE_POPULATION, b(seg.commune_population.bytes())),
        (sec::COMMUNE_POINT, b(seg.commune_point.bytes())),
        (sec::COMMUNE_DOCS_OFF, b(seg.commune_docs_off.bytes())),
        (sec::COMMUNE_DOCS, b(seg.commune_docs.bytes())),
        (sec::COMMUNE_DOC, b(seg.commune_doc.bytes())),
        (sec::DOC_KIND, b(seg.doc_kind.bytes())),
        (sec::DOC_COMMUNE, b(seg.doc_commune.bytes())),
        (sec::DOC_STRS_OFF, b(seg.doc_strs.offsets.bytes())),
        (sec::DOC_STRS, b(&seg.doc_strs.bytes)),
        (sec::DOC_POINT, b(seg.doc_point.bytes())),
        (sec::DOC_IMPORTANCE, b(seg.doc_importance.bytes())),
        (sec::HN_OFF, b(seg.hn_off.bytes())),
        (sec::DOC_TERMS_OFF, b(seg.doc_terms_off.bytes())),
        (sec::DOC_TERMS, b(seg.doc_terms.bytes())),
        (sec::HN_NUMBER, b(seg.hn_number.bytes())),
        (sec::HN_SUFFIX, b(seg.hn_suffix.bytes())),
        (sec::HN_POINT, b(seg.hn_point.bytes())),
        (sec::HN_EXTRA, b(seg.hn_extra.bytes())),
        (sec::HN_EXTRA_STRS_OFF, b(seg.hn_extra_strs.offsets.bytes())),
        (sec::HN_EXTRA_STRS, b(&seg.hn_extra_strs.bytes)),
        (sec::SUFFIXES_OFF, b(seg.suffixes.offsets.bytes())),
        (sec::SUFFIXES, b(&seg.suffixes.bytes)),
        (sec::SUFFIXES_FOLDED_OFF, b(seg.suffixes_folded.offsets.bytes())),
        (sec::SUFFIXES_FOLDED, b(&seg.suffixes_folded.bytes)),
        (sec::TERMS, b(seg.terms.as_fst().as_bytes())),
        (sec::POSTINGS_OFF, b(seg.postings_off.bytes())),
        (sec::POSTINGS, b(seg.postings.bytes())),
        (sec::PHONETIC, b(seg.phonetic.as_fst().as_bytes())),
        (sec::PHON_OFF, b(seg.phon_off.bytes())),
        (sec::PHON_TERMS, b(seg.phon_terms.bytes())),
        (sec::IDS, b(seg.ids.as_fst().as_bytes())),
        (sec::SPATIAL, b(&seg.spatial)),
        (sec::MASKED, bytemuck::cast_slice(masked).to_vec()),
    ]
}

/// Writes the engine to `path` (through a temporary file renamed at the end, so that a crash
/// never leaves a half-written snapshot under the final name).
pub fn save(engine: &Engine, path: &Path) -> Result<(), SnapshotError> {
    let io = |source| SnapshotError::Io { path: path.to_owned(), source };
    let mut all: Vec<(u32, u32, Vec<u8>)> = Vec::new();
    for (si, e) in engine.segments.iter().enumerate() {
        let mut masked: Vec<u32> = e.masked.iter().copied().collect();
        masked.sort_unstable();
        for (id, bytes) in sections(&e.seg, &masked) {
            all.push((si as u32, id, bytes));
        }
    }
    let mut header = Vec::with_capacity(HEADER_LEN + all.len() * ENTRY_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&(all.len() as u32).to_le_bytes());
    header.extend_from_slice(&geocommun_model::text::VERSION.to_le_bytes());
    let mut offset = align8(HEADER_LEN + all.len() * ENTRY_LEN) as u64;
    for (si, id, bytes) in &all {
        header.extend_from_slice(&si.to_le_bytes());
        header.extend_from_slice(&id.to_le_bytes());
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        header.extend_from_slice(&crc32fast::hash(bytes).to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes());
        offset = align8(offset as usize + bytes.len()) as u64;
    }
    let tmp = path.with_extension("tmp");
    let file = File::create(&tmp).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(&header).map_err(io)?;
    let mut pos = header.len();
    pad(&mut w, &mut pos).map_err(io)?;
    for (_, _, bytes) in &all {
        w.write_all(bytes).map_err(io)?;
        pos += bytes.len();
        pad(&mut w, &mut pos).map_err(io)?;
    }
    w.write_all(&crc32fast::hash(&header).to_le_bytes()).map_err(io)?;
    w.write_all(FOOTER_MAGIC).map_err(io)?;
    let file = w.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

fn pad(w: &mut impl Write, pos: &mut usize) -> std::io::Result<()> {
    let target = align8(*pos);
    w.write_all(&[0u8; 8][..target - *pos])?;
    *pos = target;
    Ok(())
}

/// Memory-maps a snapshot and checks it.
pub fn open(path: &Path) -> Result<Engine, SnapshotError> {
    let file =
        File::open(path).map_err(|source| SnapshotError::Io { path: path.to_owned(), source })?;
    // SAFETY-free: memmap2's `Mmap::map` is unsafe because another process could modify the
    // file; the workspace forbids unsafe code, so the map is made through a read-only copy
    // when the platform requires it. See `map_file`.
    let map =
        map_file(&file).map_err(|source| SnapshotError::Io { path: path.to_owned(), source })?;
    let len = map.len();
    from_bytes_len(Arc::new(map), len, path)
}

/// Checks and opens a snapshot held in memory (tests and fuzzing use this).
pub fn open_bytes(bytes: &[u8]) -> Result<Engine, SnapshotError> {
    let mut m = memmap2::MmapMut::map_anon(bytes.len().max(1))
        .map_err(|source| SnapshotError::Io { path: PathBuf::from("<memory>"), source })?;
    m[..bytes.len()].copy_from_slice(bytes);
    let map = m
        .make_read_only()
        .map_err(|source| SnapshotError::Io { path: PathBuf::from("<memory>"), source })?;
    from_bytes_len(Arc::new(map), bytes.len(), Path::new("<memory>"))
}

#[allow(unsafe_code)]
fn map_file(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the snapshot is written once through a temporary file and renamed; geocommun
    // never modifies a snapshot in place. Another process truncating the file while it is
    // mapped would be an operator error (documented in the ADR).
    unsafe { memmap2::Mmap::map(file) }
}

#[allow(clippy::needless_pass_by_value)] // the map is cloned into every section
fn from_bytes_len(
    map: Arc<memmap2::Mmap>,
    len: usize,
    path: &Path,
) -> Result<Engine, SnapshotError> {
    let corrupted =
        |what: &str| SnapshotError::Corrupted { path: path.to_owned(), what: what.to_owned() };
    let data = &map[..len];
    if data.len() < HEADER_LEN + 8 || &data[..12] != MAGIC {
        return Err(SnapshotError::NotASnapshot { path: path.to_owned() });
    }
    let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap_or([0; 4]));
    let u64_at = |o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap_or([0; 8]));
    let version = u32_at(12);
    if version != FORMAT_VERSION {
        return Err(SnapshotError::Version { path: path.to_owned(), found: version });
    }
    let text_version = u32_at(20);
    if text_version != geocommun_model::text::VERSION {
        return Err(SnapshotError::TextVersion { path: path.to_owned(), found: text_version });
    }
    if &data[len - 4..] != FOOTER_MAGIC {
        return Err(corrupted("truncated: footer missing"));
    }
    let count = u32_at(16) as usize;
    let table_end = count.checked_mul(ENTRY_LEN).and_then(|n| n.checked_add(HEADER_LEN));
    let Some(table_end) = table_end.filter(|&e| e + 8 <= len) else {
        return Err(corrupted("section table out of bounds"));
    };
    if crc32fast::hash(&data[..table_end]) != u32_at(len - 8) {
        return Err(corrupted("header checksum mismatch"));
    }
    let mut per_segment: BTreeMap<u32, BTreeMap<u32, Bytes>> = BTreeMap::new();
    for i in 0..count {
        let e = HEADER_LEN + i * ENTRY_LEN;
        let (si, id, off, slen, crc) =
            (u32_at(e), u32_at(e + 4), u64_at(e + 8), u64_at(e + 16), u32_at(e + 24));
        let (Ok(off), Ok(slen)) = (usize::try_from(off), usize::try_from(slen)) else {
            return Err(corrupted("section offset too large"));
        };
        let end = off.checked_add(slen).filter(|&end| end <= len - 8);
        if end.is_none() || off % 8 != 0 || off < table_end || id == 0 || id > sec::LAST {
            return Err(corrupted(&format!("section {id} of segment {si} out of bounds")));
        }
        if crc32fast::hash(&data[off..off + slen]) != crc {
            return Err(corrupted(&format!("section {id} of segment {si}: checksum mismatch")));
        }
        per_segment
            .entry(si)
            .or_default()
            .insert(id, Bytes::Mapped { map: map.clone(), start: off, len: slen });
    }
    let mut segments = Vec::with_capacity(per_segment.len());
    for (si, mut s) in per_segment {
        let mut take = |id: u32| {
            s.remove(&id).ok_or_else(|| corrupted(&format!("segment {si}: section {id} missing")))
        };
        macro_rules! arr {
            ($id:expr) => {
                Arr::from_bytes(take($id)?).ok_or_else(|| {
                    corrupted(&format!("segment {si}: section {} misaligned", $id))
                })?
            };
        }
        macro_rules! strs {
            ($off:expr, $bytes:expr) => {
                StrTable { offsets: arr!($off), bytes: take($bytes)? }
            };
        }
        // `Map::new` only checks the FST's header and footer: a corrupted node makes `fst`
        // index out of bounds (found by the `snapshot_open` fuzz target). Its own checksum
        // (CRC-32C of the whole FST, written by `fst` ≥ 0.4) is verified too, so a section whose
        // CRC was made to match its corrupted bytes is still refused. (A file crafted with both
        // checksums right is not defended against: snapshots are written by geocommun.)
        macro_rules! fst_map {
            ($id:expr) => {{
                let map = Map::new(take($id)?)
                    .map_err(|e| corrupted(&format!("segment {si}: dictionary {}: {e}", $id)))?;
                map.as_fst()
                    .verify()
                    .map_err(|e| corrupted(&format!("segment {si}: dictionary {}: {e}", $id)))?;
                map
            }};
        }
        let seg = Segment {
            commune_strs: strs!(sec::COMMUNE_STRS_OFF, sec::COMMUNE_STRS),
            commune_population: arr!(sec::COMMUNE_POPULATION),
            commune_point: arr!(sec::COMMUNE_POINT),
            commune_docs_off: arr!(sec::COMMUNE_DOCS_OFF),
            commune_docs: arr!(sec::COMMUNE_DOCS),
            commune_doc: arr!(sec::COMMUNE_DOC),
            doc_kind: arr!(sec::DOC_KIND),
            doc_commune: arr!(sec::DOC_COMMUNE),
            doc_strs: strs!(sec::DOC_STRS_OFF, sec::DOC_STRS),
            doc_point: arr!(sec::DOC_POINT),
            doc_importance: arr!(sec::DOC_IMPORTANCE),
            hn_off: arr!(sec::HN_OFF),
            doc_terms_off: arr!(sec::DOC_TERMS_OFF),
            doc_terms: arr!(sec::DOC_TERMS),
            hn_number: arr!(sec::HN_NUMBER),
            hn_suffix: arr!(sec::HN_SUFFIX),
            hn_point: arr!(sec::HN_POINT),
            hn_extra: arr!(sec::HN_EXTRA),
            hn_extra_strs: strs!(sec::HN_EXTRA_STRS_OFF, sec::HN_EXTRA_STRS),
            suffixes: strs!(sec::SUFFIXES_OFF, sec::SUFFIXES),
            suffixes_folded: strs!(sec::SUFFIXES_FOLDED_OFF, sec::SUFFIXES_FOLDED),
            terms: fst_map!(sec::TERMS),
            postings_off: arr!(sec::POSTINGS_OFF),
            postings: arr!(sec::POSTINGS),
            phonetic: fst_map!(sec::PHONETIC),
            phon_off: arr!(sec::PHON_OFF),
            phon_terms: arr!(sec::PHON_TERMS),
            ids: fst_map!(sec::IDS),
            spatial: take(sec::SPATIAL)?,
            term_idf: Vec::new(),
            doc_name_idf: Vec::new(),
            doc_name_len: Vec::new(),
            doc_group: Vec::new(),
            group_terms_off: Vec::new(),
            group_terms: Vec::new(),
            expansions: crate::segment::ExpansionCache::for_terms(0),
        };
        let masked: Arr<u32> = arr!(sec::MASKED);
        validate(&seg, &masked).map_err(|what| corrupted(&format!("segment {si}: {what}")))?;
        let masked: HashSet<u32> = masked.iter().copied().collect();
        segments.push(SegEntry {
            seg: Arc::new(seg.derive()),
            masked: Arc::new(masked),
            source: None,
        });
    }
    crate::search::warm_up();
    Ok(Engine { segments, generation: crate::engine::Generation::default() })
}

/// Checks every invariant the query code relies on, so that no access can go out of bounds.
fn validate(seg: &Segment, masked: &[u32]) -> Result<(), String> {
    use crate::segment::{TERM_MASK, com_str, doc_str, hn_str};
    let n_com = seg.commune_population.len();
    let n_doc = seg.doc_kind.len();
    let n_hn = seg.hn_number.len();
    let n_terms = seg.terms.len();
    let check = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_owned()) };
    let offsets_ok = |off: &[u32], items: usize, target: usize| {
        off.len() == items + 1
            && off.first() == Some(&0)
            && off.windows(2).all(|w| w[0] <= w[1])
            && off.last().is_some_and(|&l| l as usize == target)
    };
    check(seg.commune_point.len() == n_com && seg.commune_doc.len() == n_com, "commune arrays")?;
    check(
        seg.commune_strs.len() == n_com * com_str::COUNT && seg.commune_strs.validate(),
        "commune strings",
    )?;
    check(offsets_ok(&seg.commune_docs_off, n_com, seg.commune_docs.len()), "commune documents")?;
    check(seg.commune_docs.iter().all(|&d| (d as usize) < n_doc), "commune document ids")?;
    check(
        seg.commune_doc.iter().all(|&d| d == u32::MAX || (d as usize) < n_doc),
        "municipality ids",
    )?;
    check(
        seg.doc_commune.len() == n_doc
            && seg.doc_point.len() == n_doc
            && seg.doc_importance.len() == n_doc,
        "document arrays",
    )?;
    check(seg.doc_commune.iter().all(|&c| (c as usize) < n_com), "document communes")?;
    check(seg.doc_kind.iter().all(|&k| k <= 2), "document kinds")?;
    check(
        seg.doc_strs.len() == n_doc * doc_str::COUNT && seg.doc_strs.validate(),
        "document strings",
    )?;
    check(offsets_ok(&seg.hn_off, n_doc, n_hn), "house-number ranges")?;
    check(offsets_ok(&seg.doc_terms_off, n_doc, seg.doc_terms.len()), "document terms")?;
    check(
        seg.doc_terms.iter().all(|&t| ((t & TERM_MASK) as usize) < n_terms),
        "document term ids",
    )?;
    check(seg.hn_suffix.len() == n_hn && seg.hn_point.len() == n_hn, "house-number arrays")?;
    check(seg.suffixes.validate() && seg.suffixes_folded.validate(), "suffix strings")?;
    check(seg.suffixes.len() == seg.suffixes_folded.len(), "suffix tables")?;
    check(
        seg.hn_suffix.iter().all(|&s| (s as usize) < seg.suffixes.len().max(1)),
        "house-number suffixes",
    )?;
    check(
        seg.hn_extra.windows(2).all(|w| w[0] < w[1])
            && seg.hn_extra.iter().all(|&h| (h as usize) < n_hn),
        "house-number extras",
    )?;
    check(
        seg.hn_extra_strs.len() == seg.hn_extra.len() * hn_str::COUNT
            && seg.hn_extra_strs.validate(),
        "house-number strings",
    )?;
    check(offsets_ok(&seg.postings_off, n_terms, seg.postings.len()), "postings")?;
    check(seg.postings.iter().all(|&d| (d as usize) < n_doc), "posting document ids")?;
    let mut ok_terms = true;
    let mut st = seg.terms.stream();
    while let Some((_, v)) = fst::Streamer::next(&mut st) {
        ok_terms &= (v as usize) < n_terms;
    }
    check(ok_terms, "dictionary values")?;
    let n_groups = seg.phon_off.len().saturating_sub(1);
    check(offsets_ok(&seg.phon_off, n_groups, seg.phon_terms.len()), "phonetic groups")?;
    check(seg.phon_terms.iter().all(|&t| (t as usize) < n_terms), "phonetic terms")?;
    let mut ok_phon = true;
    let mut st = seg.phonetic.stream();
    while let Some((_, v)) = fst::Streamer::next(&mut st) {
        ok_phon &= (v as usize) < n_groups;
    }
    check(ok_phon, "phonetic values")?;
    let mut ok_ids = true;
    let mut st = seg.ids.stream();
    while let Some((_, v)) = fst::Streamer::next(&mut st) {
        let i = (v & crate::segment::id_kind::MASK) as usize;
        ok_ids &= match v & !crate::segment::id_kind::MASK {
            crate::segment::id_kind::DOC => i < n_doc,
            crate::segment::id_kind::HN => i < n_hn,
            _ => false,
        };
    }
    check(ok_ids, "identifier values")?;
    if n_hn + n_doc > 0 {
        let tree =
            RTreeRef::<f32>::try_new(&seg.spatial).map_err(|e| format!("spatial index: {e}"))?;
        check(
            geo_index::rtree::RTreeIndex::num_items(&tree) as usize == n_hn + n_doc,
            "spatial index size",
        )?;
        // Leaf entries (the first `n_items`) hold item numbers, below `n_items`: the engine
        // maps them to house numbers and documents (the `snapshot_open` fuzz target found a
        // leaf entry between `n_items` and the length of `boxes`, which passed the older check
        // and made reverse index out of bounds). Inner entries are positions in `boxes` where a
        // node's four coordinates start: below its length and multiples of 4, or the traversal
        // would read a box across the end or take inner entries for items.
        let indices = geo_index::rtree::RTreeIndex::indices(&tree);
        let n_nodes = geo_index::rtree::RTreeIndex::num_nodes(&tree);
        let n_boxes = geo_index::rtree::RTreeIndex::boxes(&tree).len();
        let n_items = n_hn + n_doc;
        check((0..n_items).all(|i| indices.get(i) < n_items), "spatial index items")?;
        check(
            (n_items..n_nodes).all(|i| indices.get(i) < n_boxes && indices.get(i) % 4 == 0),
            "spatial index entries",
        )?;
        // Each inner entry points into the level just below its own: otherwise a cycle makes
        // the nearest-neighbour traversal loop, its queue growing without bound (found by the
        // `snapshot_open` fuzz target as an out-of-memory).
        let bounds = geo_index::rtree::RTreeIndex::level_bounds(&tree);
        check(bounds.last() == Some(&n_boxes), "spatial index levels")?;
        for l in 1..bounds.len() {
            let below = if l >= 2 { bounds[l - 2] } else { 0 }..bounds[l - 1];
            let ok = (bounds[l - 1]..bounds[l])
                .step_by(4)
                .all(|pos| below.contains(&indices.get(pos >> 2)));
            check(ok, "spatial index levels")?;
        }
        // A NaN coordinate makes the tree's nearest-neighbour ordering panic.
        check(
            !geo_index::rtree::RTreeIndex::boxes(&tree).iter().any(|v| v.is_nan()),
            "spatial index coordinates",
        )?;
    }
    check(masked.iter().all(|&c| (c as usize) < n_com), "masked communes")?;
    Ok(())
}
