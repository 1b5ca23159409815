//! Building a [`Segment`] from model values. The engine never reads files: it is fed
//! [`CommuneAddresses`], from an import or from the store.

use std::collections::HashMap;

use fst::{Map, MapBuilder};
use geo_index::rtree::RTreeBuilder;
use geo_index::rtree::sort::HilbertSort;
use geocommun_model::{CommuneAddresses, LonLat, StreetKind, text};
use rayon::prelude::*;

use crate::segment::{
    DocKind, FIELD_SHIFT, Field, Segment, com_str, doc_str, encode_point, hn_str, id_kind,
    spatial_xy,
};
use crate::storage::{Arr, Bytes, StrTableBuilder};

/// BAN's importance: `(ln(1 + population / 3) + ln(1 + numbers)) / 20`, clamped to `0..=1`.
pub fn importance(population: u32, numbers: usize) -> f32 {
    let v = ((1.0 + f64::from(population) / 3.0).ln() + (1.0 + numbers as f64).ln()) / 20.0;
    v.clamp(0.0, 1.0) as f32
}

/// A document before the final ordering.
struct PreDoc {
    kind: DocKind,
    strs: [String; doc_str::COUNT],
    point: [i32; 2],
    importance: f32,
    /// Term strings with their field, interned when the chunk is merged.
    terms: Vec<(String, Field)>,
    /// Range of its house numbers in the builder's arrays.
    hn: std::ops::Range<u32>,
}

/// A house number before the final ordering.
struct PreHn {
    number: u32,
    suffix: Option<String>,
    point: [i32; 2],
    /// Id, BAN id, postcode when not derivable from the street.
    extra: Option<[String; hn_str::COUNT]>,
}

struct PreCommune {
    strs: [String; com_str::COUNT],
    population: u32,
    point: [i32; 2],
    docs: Vec<PreDoc>,
    hns: Vec<PreHn>,
}

/// Accumulates communes, then [`SegmentBuilder::finish`] orders and packs everything.
#[derive(Default)]
pub struct SegmentBuilder {
    communes: Vec<([String; com_str::COUNT], u32, [i32; 2])>,
    docs: Vec<PreDocPacked>,
    /// The strings of every document, in insertion order, `doc_str::COUNT` per document:
    /// string `i` is `doc_str_bytes[doc_str_ends[i - 1]..doc_str_ends[i]]`. Flat rather than
    /// six `String`s per document: at France scale (2 M documents) the allocations cost more
    /// than the text.
    doc_str_bytes: Vec<u8>,
    doc_str_ends: Vec<u32>,
    /// The term ids of every document (`PreDocPacked::terms` ranges), flat for the same reason.
    doc_term_ids: Vec<u32>,
    terms: HashMap<String, u32>,
    term_strings: Vec<String>,
    hn_number: Vec<u32>,
    hn_suffix: Vec<u32>,
    hn_point: Vec<[i32; 2]>,
    hn_extra: Vec<(u32, [String; hn_str::COUNT])>,
    suffixes: HashMap<String, u32>,
    suffix_strings: Vec<String>,
    /// PLM parents seen as `parent` of an arrondissement but not given as communes.
    parents: HashMap<String, ParentAcc>,
    given_codes: std::collections::HashSet<String>,
}

struct PreDocPacked {
    kind: DocKind,
    commune: u32,
    point: [i32; 2],
    importance: f32,
    /// Range in `SegmentBuilder::doc_term_ids`.
    terms: std::ops::Range<u32>,
    hn: std::ops::Range<u32>,
}

#[derive(Default)]
struct ParentAcc {
    name: String,
    context: String,
    population: u32,
    postcodes: Vec<String>,
    points: Vec<LonLat>,
}

impl SegmentBuilder {
    pub fn new() -> Self {
        Self { suffix_strings: vec![String::new()], ..Self::default() }
    }

    /// Adds communes (tokenised in parallel).
    pub fn add_communes(&mut self, communes: &[CommuneAddresses]) {
        let pre: Vec<PreCommune> = communes.par_iter().map(prepare_commune).collect();
        for (c, p) in communes.iter().zip(pre) {
            self.given_codes.insert(c.code.to_string());
            if let Some((pcode, pname)) = &c.parent {
                let acc = self.parents.entry(pcode.to_string()).or_default();
                acc.name.clone_from(pname);
                acc.context.clone_from(&c.context);
                acc.population += c.population;
                acc.postcodes.extend(c.postcodes.iter().cloned());
                if let Some(pt) = c.position.or_else(|| commune_centre(c)) {
                    acc.points.push(pt);
                }
            }
            self.push_commune(p);
        }
    }

    fn push_commune(&mut self, p: PreCommune) {
        let commune = self.communes.len() as u32;
        self.communes.push((p.strs, p.population, p.point));
        let hn_base = self.hn_number.len() as u32;
        for h in p.hns {
            let idx = self.hn_number.len() as u32;
            self.hn_number.push(h.number);
            let suffix = match h.suffix {
                None => 0,
                Some(s) => {
                    let next = self.suffix_strings.len() as u32;
                    *self.suffixes.entry(s.clone()).or_insert_with(|| {
                        self.suffix_strings.push(s);
                        next
                    })
                }
            };
            self.hn_suffix.push(suffix);
            self.hn_point.push(h.point);
            if let Some(extra) = h.extra {
                self.hn_extra.push((idx, extra));
            }
        }
        for d in p.docs {
            let mut terms: Vec<u32> = d
                .terms
                .into_iter()
                .map(|(t, f)| {
                    let next = self.term_strings.len() as u32;
                    let id = *self.terms.entry(t.clone()).or_insert_with(|| {
                        self.term_strings.push(t);
                        next
                    });
                    id | ((f as u32) << FIELD_SHIFT)
                })
                .collect();
            terms.sort_unstable();
            terms.dedup();
            for st in &d.strs {
                self.doc_str_bytes.extend_from_slice(st.as_bytes());
                self.doc_str_ends.push(
                    u32::try_from(self.doc_str_bytes.len()).expect("document strings over 4 GiB"),
                );
            }
            let t0 = self.doc_term_ids.len() as u32;
            self.doc_term_ids.extend_from_slice(&terms);
            self.docs.push(PreDocPacked {
                kind: d.kind,
                commune,
                point: d.point,
                importance: d.importance,
                terms: t0..self.doc_term_ids.len() as u32,
                hn: d.hn.start + hn_base..d.hn.end + hn_base,
            });
        }
    }

    /// String `field` of the document inserted `doc`-th.
    fn doc_str(&self, doc: usize, field: usize) -> &str {
        let i = doc * doc_str::COUNT + field;
        let start = if i == 0 { 0 } else { self.doc_str_ends[i - 1] as usize };
        // Only `&str`s are ever pushed, whole.
        std::str::from_utf8(&self.doc_str_bytes[start..self.doc_str_ends[i] as usize])
            .unwrap_or_default()
    }

    /// Adds a municipality document for each Paris / Lyon / Marseille parent whose
    /// arrondissements were given but which was not given itself.
    fn add_missing_parents(&mut self) {
        let mut parents: Vec<(String, ParentAcc)> = std::mem::take(&mut self.parents)
            .into_iter()
            .filter(|(code, _)| !self.given_codes.contains(code))
            .collect();
        parents.sort_by(|a, b| a.0.cmp(&b.0));
        for (code, mut acc) in parents {
            acc.postcodes.sort();
            acc.postcodes.dedup();
            let n = acc.points.len().max(1) as f64;
            let centre = LonLat::new(
                acc.points.iter().map(|p| p.lon).sum::<f64>() / n,
                acc.points.iter().map(|p| p.lat).sum::<f64>() / n,
            );
            let Ok(code_insee) = geocommun_model::CodeInsee::parse(&code) else { continue };
            let parent = CommuneAddresses {
                code: code_insee,
                name: acc.name,
                ban_id: None,
                parent: None,
                postcodes: acc.postcodes,
                population: acc.population,
                context: acc.context,
                position: Some(centre),
                streets: Vec::new(),
            };
            let p = prepare_commune(&parent);
            self.push_commune(p);
        }
    }

    /// Orders documents by importance and packs every structure.
    pub fn finish(mut self) -> Segment {
        self.add_missing_parents();
        // Final document order: municipalities first (few, and what a one-word query wants
        // even when the word is in thousands of street documents), then importance
        // descending, then insertion order (deterministic).
        let mut order: Vec<u32> = (0..self.docs.len() as u32).collect();
        let is_municipality = |d: u32| self.docs[d as usize].kind == DocKind::Municipality;
        order.sort_by(|&a, &b| {
            is_municipality(b)
                .cmp(&is_municipality(a))
                .then(self.docs[b as usize].importance.total_cmp(&self.docs[a as usize].importance))
                .then(a.cmp(&b))
        });

        // Terms in lexicographic order (the FST needs sorted keys): remap ids.
        let mut by_lex: Vec<u32> = (0..self.term_strings.len() as u32).collect();
        by_lex.sort_by(|&a, &b| self.term_strings[a as usize].cmp(&self.term_strings[b as usize]));
        let mut remap = vec![0u32; by_lex.len()];
        for (new, &old) in by_lex.iter().enumerate() {
            remap[old as usize] = new as u32;
        }

        let n_docs = order.len();
        let mut doc_kind = Vec::with_capacity(n_docs);
        let mut doc_commune = Vec::with_capacity(n_docs);
        let mut doc_point = Vec::with_capacity(n_docs);
        let mut doc_importance = Vec::with_capacity(n_docs);
        let mut doc_strs = StrTableBuilder::new();
        let mut doc_terms_off = Vec::with_capacity(n_docs + 1);
        let mut doc_terms = Vec::new();
        let mut hn_off = Vec::with_capacity(n_docs + 1);
        // Old index of each house number, in the final order; the arrays are permuted after the
        // loop, one at a time, so that only one old and one new array are alive together.
        let mut hn_perm: Vec<u32> = Vec::with_capacity(self.hn_number.len());
        let mut hn_extra_map: HashMap<u32, usize> =
            self.hn_extra.iter().enumerate().map(|(i, (h, _))| (*h, i)).collect();
        let mut hn_extra = Vec::new();
        let mut hn_extra_strs = StrTableBuilder::new();
        let mut postings: Vec<Vec<u32>> = vec![Vec::new(); by_lex.len()];
        let mut commune_docs: Vec<Vec<u32>> = vec![Vec::new(); self.communes.len()];
        let mut commune_doc = vec![u32::MAX; self.communes.len()];
        let mut ids: Vec<(String, u64)> = Vec::new();
        doc_terms_off.push(0u32);
        hn_off.push(0u32);

        for (new_id, &old) in order.iter().enumerate() {
            let new_id = new_id as u32;
            let d = &self.docs[old as usize];
            doc_kind.push(d.kind as u8);
            doc_commune.push(d.commune);
            doc_point.push(d.point);
            doc_importance.push(d.importance);
            for f in 0..doc_str::COUNT {
                doc_strs.push(self.doc_str(old as usize, f));
            }
            let mut terms: Vec<u32> = self.doc_term_ids
                [d.terms.start as usize..d.terms.end as usize]
                .iter()
                .map(|&t| {
                    remap[(t & crate::segment::TERM_MASK) as usize]
                        | (t & !crate::segment::TERM_MASK)
                })
                .collect();
            terms.sort_unstable();
            for &t in &terms {
                let p = &mut postings[(t & crate::segment::TERM_MASK) as usize];
                if p.last() != Some(&new_id) {
                    p.push(new_id);
                }
            }
            doc_terms.extend_from_slice(&terms);
            doc_terms_off.push(doc_terms.len() as u32);
            commune_docs[d.commune as usize].push(new_id);
            if d.kind == DocKind::Municipality && commune_doc[d.commune as usize] == u32::MAX {
                commune_doc[d.commune as usize] = new_id;
            }
            let id = self.doc_str(old as usize, doc_str::ID);
            if !id.is_empty() {
                ids.push((id.to_owned(), id_kind::DOC | u64::from(new_id)));
            }
            let ban = self.doc_str(old as usize, doc_str::BAN_ID);
            if !ban.is_empty() {
                ids.push((ban.to_owned(), id_kind::DOC | u64::from(new_id)));
            }
            // House numbers, sorted by (number, folded suffix).
            let mut hns: Vec<u32> = d.hn.clone().collect();
            hns.sort_by(|&a, &b| {
                self.hn_number[a as usize].cmp(&self.hn_number[b as usize]).then_with(|| {
                    self.suffix_strings[self.hn_suffix[a as usize] as usize]
                        .cmp(&self.suffix_strings[self.hn_suffix[b as usize] as usize])
                })
            });
            for old_hn in hns {
                let new_hn = hn_perm.len() as u32;
                hn_perm.push(old_hn);
                if let Some(i) = hn_extra_map.remove(&old_hn) {
                    let strs = std::mem::take(&mut self.hn_extra[i].1);
                    if !strs[hn_str::ID].is_empty() {
                        ids.push((strs[hn_str::ID].clone(), id_kind::HN | u64::from(new_hn)));
                    }
                    if !strs[hn_str::BAN_ID].is_empty() {
                        ids.push((strs[hn_str::BAN_ID].clone(), id_kind::HN | u64::from(new_hn)));
                    }
                    hn_extra.push(new_hn);
                    for s in &strs {
                        hn_extra_strs.push(s);
                    }
                }
            }
            hn_off.push(hn_perm.len() as u32);
        }
        // The builder's per-document state is no longer needed: free it before the big arrays.
        drop(remap);
        drop(order);
        self.docs = Vec::new();
        self.doc_str_bytes = Vec::new();
        self.doc_str_ends = Vec::new();
        self.doc_term_ids = Vec::new();
        self.hn_extra = Vec::new();
        let doc_kind = Arr::from_vec(doc_kind);
        let doc_commune = Arr::from_vec(doc_commune);
        let doc_point = Arr::from_vec(doc_point);
        let doc_importance = Arr::from_vec(doc_importance);
        let doc_strs = doc_strs.finish();
        let doc_terms_off = Arr::from_vec(doc_terms_off);
        let doc_terms = Arr::from_vec(doc_terms);
        let hn_off = Arr::from_vec(hn_off);
        let hn_extra = Arr::from_vec(hn_extra);
        let hn_extra_strs = hn_extra_strs.finish();
        let hn_number = Arr::from_vec(permute(&hn_perm, std::mem::take(&mut self.hn_number)));
        let hn_suffix = Arr::from_vec(permute(&hn_perm, std::mem::take(&mut self.hn_suffix)));
        let hn_point = Arr::from_vec(permute(&hn_perm, std::mem::take(&mut self.hn_point)));
        drop(hn_perm);

        let mut commune_strs = StrTableBuilder::new();
        let mut commune_population = Vec::with_capacity(self.communes.len());
        let mut commune_point = Vec::with_capacity(self.communes.len());
        for (strs, pop, pt) in &self.communes {
            for s in strs {
                commune_strs.push(s);
            }
            commune_population.push(*pop);
            commune_point.push(*pt);
        }
        let mut commune_docs_off = vec![0u32];
        let mut commune_docs_flat = Vec::with_capacity(n_docs);
        for list in &commune_docs {
            commune_docs_flat.extend_from_slice(list);
            commune_docs_off.push(commune_docs_flat.len() as u32);
        }

        // Dictionary FST and postings.
        let mut fst_builder = MapBuilder::memory();
        let mut postings_off = Vec::with_capacity(by_lex.len() + 1);
        let mut postings_flat = Vec::new();
        postings_off.push(0u32);
        for (new, &old) in by_lex.iter().enumerate() {
            fst_builder
                .insert(&self.term_strings[old as usize], new as u64)
                .expect("terms are sorted and unique");
            postings_flat.extend_from_slice(&postings[new]);
            postings_off.push(postings_flat.len() as u32);
        }
        drop(postings);
        let terms = Map::new(Bytes::from_vec(fst_builder.into_inner().expect("in-memory FST")))
            .expect("valid FST");
        let postings_off = Arr::from_vec(postings_off);
        let postings = Arr::from_vec(postings_flat);

        // Phonetic groups.
        let mut phon: Vec<(String, u32)> = by_lex
            .iter()
            .enumerate()
            .filter(|(_, old)| {
                !self.term_strings[**old as usize].bytes().any(|b| b.is_ascii_digit())
            })
            .map(|(new, &old)| (text::phonetic(&self.term_strings[old as usize]), new as u32))
            .collect();
        phon.sort();
        let mut phon_builder = MapBuilder::memory();
        let mut phon_off = vec![0u32];
        let mut phon_terms = Vec::with_capacity(phon.len());
        let mut i = 0;
        while i < phon.len() {
            let key = &phon[i].0;
            let mut j = i;
            while j < phon.len() && phon[j].0 == *key {
                phon_terms.push(phon[j].1);
                j += 1;
            }
            phon_builder.insert(key, (phon_off.len() - 1) as u64).expect("sorted phonetic keys");
            phon_off.push(phon_terms.len() as u32);
            i = j;
        }
        drop(phon);
        let phonetic = Map::new(Bytes::from_vec(phon_builder.into_inner().expect("in-memory FST")))
            .expect("valid FST");

        // Identifiers.
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        ids.dedup_by(|a, b| a.0 == b.0);
        let mut id_builder = MapBuilder::memory();
        for (k, v) in &ids {
            id_builder.insert(k, *v).expect("sorted unique ids");
        }
        drop(ids);
        let ids = Map::new(Bytes::from_vec(id_builder.into_inner().expect("in-memory FST")))
            .expect("valid FST");

        let mut suffixes = StrTableBuilder::new();
        let mut suffixes_folded = StrTableBuilder::new();
        for s in &self.suffix_strings {
            suffixes.push(s);
            suffixes_folded.push(&text::fold_suffix(s));
        }
        drop(self);

        // Spatial index, last, when everything else is packed: every house number, then every
        // document. (The tree, its sort and its copy into `Bytes` are the largest transients.)
        let n_items = hn_point.len() + doc_point.len();
        let spatial = if n_items == 0 {
            Vec::new()
        } else {
            let mut rb = RTreeBuilder::<f32>::new(n_items as u32);
            for p in hn_point.iter().chain(doc_point.iter()) {
                let (x, y) = spatial_xy(crate::segment::decode_point(*p));
                rb.add(x, y, x, y);
            }
            rb.finish::<HilbertSort>().into_inner()
        };

        Segment {
            commune_strs: commune_strs.finish(),
            commune_population: Arr::from_vec(commune_population),
            commune_point: Arr::from_vec(commune_point),
            commune_docs_off: Arr::from_vec(commune_docs_off),
            commune_docs: Arr::from_vec(commune_docs_flat),
            commune_doc: Arr::from_vec(commune_doc),
            doc_kind,
            doc_commune,
            doc_strs,
            doc_point,
            doc_importance,
            hn_off,
            doc_terms_off,
            doc_terms,
            hn_number,
            hn_suffix,
            hn_point,
            hn_extra,
            hn_extra_strs,
            suffixes: suffixes.finish(),
            suffixes_folded: suffixes_folded.finish(),
            terms,
            postings_off,
            postings,
            phonetic,
            phon_off: Arr::from_vec(phon_off),
            phon_terms: Arr::from_vec(phon_terms),
            ids,
            spatial: Bytes::from_vec(spatial),
            term_idf: Vec::new(),
            doc_name_idf: Vec::new(),
            doc_name_len: Vec::new(),
            doc_group: Vec::new(),
            group_terms_off: Vec::new(),
            group_terms: Vec::new(),
            expansions: crate::segment::ExpansionCache::for_terms(0),
        }
        .derive()
    }
}

/// `old[perm[i]]` for every `i`; consumes `old` so that it is freed as soon as it is read.
#[allow(clippy::needless_pass_by_value)] // takes the old array so that it is freed as soon as the new one exists
fn permute<T: Copy>(perm: &[u32], old: Vec<T>) -> Vec<T> {
    perm.iter().map(|&o| old[o as usize]).collect()
}

/// Builds a segment from communes in one call.
pub fn build_segment(communes: &[CommuneAddresses]) -> Segment {
    let mut b = SegmentBuilder::new();
    b.add_communes(communes);
    b.finish()
}

fn commune_centre(c: &CommuneAddresses) -> Option<LonLat> {
    let pts: Vec<LonLat> = c
        .streets
        .iter()
        .flat_map(|s| s.addresses.iter().filter_map(|a| a.best_position().map(|p| p.point)))
        .collect();
    if pts.is_empty() {
        return c.streets.iter().find_map(|s| s.position);
    }
    let n = pts.len() as f64;
    Some(LonLat::new(
        pts.iter().map(|p| p.lon).sum::<f64>() / n,
        pts.iter().map(|p| p.lat).sum::<f64>() / n,
    ))
}

fn push_terms(out: &mut Vec<(String, Field)>, s: &str, field: Field) {
    for t in text::tokens(s) {
        out.push((t, field));
    }
}

/// Tokenises one commune into documents and house numbers.
fn prepare_commune(c: &CommuneAddresses) -> PreCommune {
    let code = c.code.to_string();
    let (parent_code, parent_name) =
        c.parent.as_ref().map(|(pc, pn)| (pc.to_string(), pn.clone())).unwrap_or_default();
    let centre = c.position.or_else(|| commune_centre(c)).unwrap_or(LonLat::new(0.0, 0.0));
    let mut strs: [String; com_str::COUNT] = Default::default();
    strs[com_str::CODE].clone_from(&code);
    strs[com_str::NAME].clone_from(&c.name);
    strs[com_str::PARENT_CODE] = parent_code;
    strs[com_str::PARENT_NAME].clone_from(&parent_name);
    strs[com_str::CONTEXT].clone_from(&c.context);
    strs[com_str::POSTCODES] = c.postcodes.join(",");
    strs[com_str::BAN_ID] = c.ban_id.map(|b| b.to_string()).unwrap_or_default();

    let mut city_terms = Vec::new();
    push_terms(&mut city_terms, &c.name, Field::City);
    if !parent_name.is_empty() {
        push_terms(&mut city_terms, &parent_name, Field::City);
    }

    let mut docs = Vec::with_capacity(c.streets.len() + 1);
    let mut hns = Vec::with_capacity(c.address_count());

    // The municipality itself.
    let mut mterms = Vec::new();
    push_terms(&mut mterms, &c.name, Field::Name);
    if !parent_name.is_empty() {
        push_terms(&mut mterms, &parent_name, Field::City);
    }
    for pc in &c.postcodes {
        mterms.push((pc.clone(), Field::Postcode));
    }
    let mut mstrs: [String; doc_str::COUNT] = Default::default();
    mstrs[doc_str::NAME].clone_from(&c.name);
    mstrs[doc_str::ID].clone_from(&code);
    mstrs[doc_str::POSTCODE] = c.postcodes.first().cloned().unwrap_or_default();
    mstrs[doc_str::BAN_ID] = c.ban_id.map(|b| b.to_string()).unwrap_or_default();
    docs.push(PreDoc {
        kind: DocKind::Municipality,
        strs: mstrs,
        point: encode_point(centre),
        importance: importance(c.population, 0),
        terms: mterms,
        hn: 0..0,
    });

    for street in &c.streets {
        let hn_start = hns.len() as u32;
        let postcode =
            street.postcode.clone().or_else(|| c.postcodes.first().cloned()).unwrap_or_default();
        let street_id = street.code.clone().unwrap_or_default();
        let mut extra_postcodes: Vec<&str> = Vec::new();
        let mut points = Vec::with_capacity(street.addresses.len());
        for a in &street.addresses {
            let Some(pos) = a.best_position() else { continue };
            points.push(pos.point);
            let suffix = a.numero.suffix.clone();
            let derived = derive_hn_id(&street_id, a.numero.number, suffix.as_deref());
            let id = a.cle_interop.clone().unwrap_or_default();
            let own_postcode = a.postcode.as_deref().filter(|p| *p != postcode);
            if let Some(p) = own_postcode {
                extra_postcodes.push(p);
            }
            let extra =
                if (id.is_empty() || id == derived) && a.ban_id.is_none() && own_postcode.is_none()
                {
                    None
                } else {
                    Some([
                        if id == derived { String::new() } else { id },
                        a.ban_id.map(|b| b.to_string()).unwrap_or_default(),
                        own_postcode.unwrap_or_default().to_owned(),
                    ])
                };
            hns.push(PreHn {
                number: a.numero.number,
                suffix,
                point: encode_point(pos.point),
                extra,
            });
        }
        let point = street.position.or_else(|| {
            let n = points.len() as f64;
            (n > 0.0).then(|| {
                LonLat::new(
                    points.iter().map(|p| p.lon).sum::<f64>() / n,
                    points.iter().map(|p| p.lat).sum::<f64>() / n,
                )
            })
        });
        let Some(point) = point else { continue };
        let mut terms = Vec::new();
        push_terms(&mut terms, &street.name, Field::Name);
        terms.extend(city_terms.iter().cloned());
        let (old_code, old_name) = street
            .old_commune
            .as_ref()
            .map(|(oc, on)| (oc.to_string(), on.clone()))
            .unwrap_or_default();
        if !old_name.is_empty() {
            push_terms(&mut terms, &old_name, Field::City);
        }
        if !postcode.is_empty() {
            terms.push((postcode.clone(), Field::Postcode));
        }
        extra_postcodes.sort_unstable();
        extra_postcodes.dedup();
        for p in extra_postcodes {
            terms.push((p.to_owned(), Field::Postcode));
        }
        let mut s: [String; doc_str::COUNT] = Default::default();
        s[doc_str::NAME].clone_from(&street.name);
        s[doc_str::ID] = street_id;
        s[doc_str::POSTCODE] = postcode;
        s[doc_str::OLD_CODE] = old_code;
        s[doc_str::OLD_NAME] = old_name;
        s[doc_str::BAN_ID] = street.ban_id.map(|b| b.to_string()).unwrap_or_default();
        docs.push(PreDoc {
            kind: if street.kind == StreetKind::LieuDit {
                DocKind::Locality
            } else {
                DocKind::Street
            },
            strs: s,
            point: encode_point(point),
            importance: importance(c.population, street.addresses.len()),
            terms,
            hn: hn_start..hns.len() as u32,
        });
    }
    PreCommune { strs, population: c.population, point: encode_point(centre), docs, hns }
}

/// The BAN `cle_interop` of a number, derived from its street's: `75101_cfq3tf_00022_s`.
pub(crate) fn derive_hn_id(street_id: &str, number: u32, suffix: Option<&str>) -> String {
    if street_id.is_empty() {
        return String::new();
    }
    match suffix {
        Some(s) => format!("{street_id}_{number:05}_{s}"),
        None => format!("{street_id}_{number:05}"),
    }
}
