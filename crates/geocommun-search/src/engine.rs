//! The engine: segments, masks of replaced communes, and the three queries.

use std::collections::HashSet;
use std::sync::Arc;

use geo_index::rtree::{RTreeIndex, RTreeRef};
use geocommun_model::CommuneAddresses;

use crate::build::{build_segment, derive_hn_id};
use crate::limits::{
    LIMIT_MAX, MIN_SCORE, REVERSE_MAX_DISTANCE_M, REVERSE_NEIGHBOURS, TYPO_PASS_BELOW,
};
use crate::query::{ParsedQuery, QueryError, TokKind};
use crate::search::{GroupMemo, Plan, Scored, SegmentQuery, WordMemo, quality};
use crate::segment::{
    DocKind, Segment, com_str, decode_point, doc_str, hn_str, id_kind, spatial_xy,
};
use crate::{Explain, Filters, Hit, ResultType, ReverseRequest, SearchRequest};

/// A segment with the communes it no longer answers for (replaced by a newer segment).
#[derive(Clone)]
pub(crate) struct SegEntry {
    pub seg: Arc<Segment>,
    pub masked: Arc<HashSet<u32>>,
    /// The communes it was built from, kept while it is small enough to be merged again
    /// (see [`crate::merge`]); `None` for a sealed segment (the index as loaded, a snapshot).
    pub source: Option<Arc<Vec<CommuneAddresses>>>,
}

/// An immutable set of segments. Replacing communes returns a new engine that shares the
/// untouched segments, so a server swaps engines atomically while readers keep the old one.
#[derive(Clone, Default)]
pub struct Engine {
    pub(crate) segments: Vec<SegEntry>,
    pub(crate) generation: Generation,
}

/// Names an engine's content: every engine built, loaded, changed or merged gets a new one
/// (a clone, with the same content, keeps it). A cache of answers keys on it, so that an
/// answer of an older engine is never served by a newer one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Generation(u64);

impl Default for Generation {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// Sizes of an engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub segments: usize,
    pub communes: usize,
    pub documents: usize,
    pub housenumbers: usize,
    pub terms: usize,
}

impl Engine {
    /// Builds an engine of one segment.
    pub fn build(communes: &[CommuneAddresses]) -> Self {
        Self::from_segment(build_segment(communes))
    }

    pub fn from_segment(seg: Segment) -> Self {
        crate::search::warm_up();
        Self {
            segments: vec![SegEntry { seg: Arc::new(seg), masked: Arc::default(), source: None }],
            generation: Generation::default(),
        }
    }

    pub fn segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().map(|e| &*e.seg)
    }

    /// A new engine where these communes answer from a new segment built from `communes`,
    /// and no longer from older segments. An empty commune (no streets) still answers as a
    /// municipality; to remove a commune entirely, use [`Engine::remove_communes`].
    ///
    /// The new segment is small; merging small segments ([`Engine::plan_merge`],
    /// [`Engine::merged`]) keeps their number, and the cost of a search, bounded.
    #[must_use]
    pub fn replace_communes(&self, communes: &[CommuneAddresses]) -> Self {
        let codes: Vec<String> = communes.iter().map(|c| c.code.to_string()).collect();
        let mut next = self.remove_communes(&codes);
        if !communes.is_empty() {
            next.segments.push(SegEntry::built(communes.to_vec()));
        }
        next
    }

    /// A new engine without these communes.
    #[must_use]
    pub fn remove_communes(&self, codes: &[String]) -> Self {
        let segments = self
            .segments
            .iter()
            .filter_map(|e| {
                let mut masked = (*e.masked).clone();
                let mut changed = false;
                for code in codes {
                    if let Some(c) = e.seg.commune_index(code) {
                        changed |= masked.insert(c);
                    }
                }
                if masked.len() >= e.seg.commune_count() && e.seg.commune_count() > 0 {
                    return None; // nothing left to answer for
                }
                Some(if changed {
                    SegEntry { masked: Arc::new(masked), ..e.clone() }
                } else {
                    e.clone()
                })
            })
            .collect();
        Self { segments, generation: Generation::default() }
    }

    /// What this engine's answers are answers of (see [`Generation`]).
    pub fn generation(&self) -> Generation {
        self.generation
    }

    pub fn stats(&self) -> EngineStats {
        let mut s = EngineStats { segments: self.segments.len(), ..EngineStats::default() };
        for e in &self.segments {
            s.communes += e.seg.commune_count() - e.masked.len();
            s.documents += e.seg.doc_count();
            s.housenumbers += e.seg.housenumber_count();
            s.terms += e.seg.term_count();
        }
        s
    }

    /// Free-text search. A bias point that is not a WGS-84 point (NaN, infinite, out of range)
    /// is ignored: the spatial index cannot rank distances to it.
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<Hit>, QueryError> {
        self.search_built(req, usize::MAX).map(|(hits, _)| hits)
    }

    /// The best result of `req` (at most one, whatever its limit) and the score of the next
    /// one, which is not built: what the batch CSV reports (`result_score_next`).
    pub fn search_first(
        &self,
        req: &SearchRequest,
    ) -> Result<(Option<Hit>, Option<f32>), QueryError> {
        let req = SearchRequest { limit: 2, ..req.clone() };
        self.search_built(&req, 1).map(|(mut hits, next)| (hits.pop(), next))
    }

    /// The results of `req`, the first `built` of them as hits, and the score of the result
    /// after the last one built.
    fn search_built(
        &self,
        req: &SearchRequest,
        built: usize,
    ) -> Result<(Vec<Hit>, Option<f32>), QueryError> {
        if req.center.is_some_and(|c| !c.is_valid()) {
            return self.search_built(&SearchRequest { center: None, ..req.clone() }, built);
        }
        let parsed = ParsedQuery::parse(&req.q)?;
        let limit = req.limit.clamp(1, LIMIT_MAX);
        let memo = WordMemo::default();
        let segs: Vec<&Segment> = self.segments().collect();
        let base = Plan::base(&segs, &parsed, req.autocomplete, &memo);
        let plan = Plan::new(&segs, &base, &parsed, false, &memo);
        let mut results = self.search_pass(&parsed, req, limit, &plan, &memo);
        let best = results.first().map_or(0.0, |r| r.2.score);
        let mut typo_plan = None;
        if best < TYPO_PASS_BELOW
            && parsed
                .tokens
                .iter()
                .any(|t| t.kind == TokKind::Word && t.text.len() >= crate::limits::TYPO_ONE_MIN_LEN)
        {
            let plan2 = Plan::new(&segs, &base, &parsed, true, &memo);
            let second = self.search_pass(&parsed, req, limit, &plan2, &memo);
            if second.first().map_or(0.0, |r| r.2.score) > best {
                results = second;
                typo_plan = Some(plan2);
            }
        }
        let typo_pass = typo_plan.is_some();
        let plan = typo_plan.unwrap_or(plan);
        let mut kept = results.into_iter().filter(|r| r.2.score >= MIN_SCORE).take(limit);
        let hits = kept
            .by_ref()
            .take(built)
            .map(|(si, _, s)| {
                let e = &self.segments[si];
                let mut hit = make_hit(&e.seg, s.doc, s.hn, s.score);
                if req.center.is_some() {
                    hit.distance = req.center.map(|c| c.distance_m(hit.position));
                }
                if req.explain {
                    let sq = SegmentQuery::new(&e.seg, si, &parsed, req.autocomplete, &plan, &memo);
                    hit.explain = Some(explain(&sq, typo_pass, &s));
                }
                hit
            })
            .collect();
        Ok((hits, kept.next().map(|r| r.2.score)))
    }

    fn search_pass(
        &self,
        parsed: &ParsedQuery,
        req: &SearchRequest,
        limit: usize,
        plan: &Plan,
        memo: &WordMemo,
    ) -> Vec<(usize, f32, Scored)> {
        let mut all: Vec<(usize, f32, Scored)> = Vec::new();
        let mut threshold = MIN_SCORE;
        let mut scores: Vec<f32> = Vec::new();
        for (si, e) in self.segments.iter().enumerate() {
            if !plan.may_match(si, parsed, &req.filters, req.center.is_some()) {
                continue;
            }
            let sq = SegmentQuery::new(&e.seg, si, parsed, req.autocomplete, plan, memo);
            // Segments that cannot beat the results found so far are skipped: the many small
            // segments of published communes cost nothing to searches of other communes.
            if sq.max_score(req.center.is_some()) < threshold {
                continue;
            }
            let masked = |c: u32| e.masked.contains(&c);
            for s in sq.run(&req.filters, req.center, &masked, limit) {
                all.push((si, e.seg.doc_importance[s.doc as usize], s));
            }
            if all.len() >= limit && si + 1 < self.segments.len() {
                scores.clear();
                scores.extend(all.iter().map(|a| a.2.score));
                let (_, kth, _) = scores.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a));
                threshold = threshold.max(*kth);
            }
        }
        // Score, then importance, then a stable identity: deterministic across runs.
        let order = |a: &(usize, f32, Scored), b: &(usize, f32, Scored)| {
            b.2.score
                .total_cmp(&a.2.score)
                .then(b.1.total_cmp(&a.1))
                .then(a.0.cmp(&b.0))
                .then(a.2.doc.cmp(&b.2.doc))
                .then(a.2.hn.cmp(&b.2.hn))
        };
        // A (segment, document, house number) is scored once: no duplicates to keep room for,
        // so only the first `limit` need sorting.
        if all.len() > limit {
            all.select_nth_unstable_by(limit - 1, order);
            all.truncate(limit);
        }
        all.sort_unstable_by(order);
        all
    }

    /// Nearest addresses (or streets, lieux-dits, communes with a type filter) to a point.
    #[allow(clippy::many_single_char_names)]
    pub fn reverse(&self, req: &ReverseRequest) -> Vec<Hit> {
        // Nothing is near a point that is not a WGS-84 point; a NaN would also make the
        // spatial index's distance ordering panic.
        if !req.point.is_valid() {
            return Vec::new();
        }
        let limit = req.limit.clamp(1, LIMIT_MAX);
        let mut found: Vec<(f64, usize, u32, Option<u32>)> = Vec::new();
        let (x, y) = spatial_xy(req.point);
        for (si, e) in self.segments.iter().enumerate() {
            let seg = &e.seg;
            let Ok(tree) = RTreeRef::<f32>::try_new(&seg.spatial) else { continue };
            let n_hn = seg.housenumber_count() as u32;
            let mut k = REVERSE_NEIGHBOURS.max(limit * 2);
            loop {
                let before = found.len();
                let items = tree.neighbors(x, y, Some(k), None);
                let exhausted = items.len() < k;
                for item in items {
                    let (doc, hn) = if item < n_hn {
                        (seg.doc_of_hn(item), Some(item))
                    } else {
                        (item - n_hn, None)
                    };
                    if e.masked.contains(&seg.doc_commune[doc as usize]) {
                        continue;
                    }
                    let Some((doc, hn)) = reverse_accepts(seg, &req.filters, doc, hn) else {
                        continue;
                    };
                    let p = decode_point(match hn {
                        Some(h) => seg.hn_point[h as usize],
                        None => seg.doc_point[doc as usize],
                    });
                    let d = req.point.distance_m(p);
                    if d <= REVERSE_MAX_DISTANCE_M {
                        found.push((d, si, doc, hn));
                    }
                }
                if found.len() - before >= limit || exhausted || k >= 4096 {
                    break;
                }
                k *= 4;
            }
        }
        found.sort_by(|a, b| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3))
        });
        found.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2 && a.3 == b.3);
        found
            .into_iter()
            .take(limit)
            .map(|(d, si, doc, hn)| {
                let score = (1.0 - d / REVERSE_MAX_DISTANCE_M).max(0.0) as f32;
                let mut h = make_hit(&self.segments[si].seg, doc, hn, score);
                h.distance = Some(d);
                h
            })
            .collect()
    }

    /// A commune, street, lieu-dit or address by INSEE code, `cle_interop`, street id or BAN id.
    pub fn lookup(&self, id: &str) -> Option<Hit> {
        let id = id.trim();
        let lower = id.to_ascii_lowercase();
        for e in self.segments.iter().rev() {
            let seg = &e.seg;
            let found = [id, lower.as_str()].iter().find_map(|k| seg.ids.get(k)).map(|key| {
                let v = (key & id_kind::MASK) as u32;
                if key & !id_kind::MASK == id_kind::HN {
                    (seg.doc_of_hn(v), Some(v))
                } else {
                    (v, None)
                }
            });
            let found = found.or_else(|| lookup_derived(seg, &lower));
            if let Some((doc, hn)) = found
                && !e.masked.contains(&seg.doc_commune[doc as usize])
            {
                return Some(make_hit(seg, doc, hn, 1.0));
            }
        }
        None
    }
}

/// `75101_cfq3tf_00022_s` → the street `75101_cfq3tf`, number 22, suffix `s`.
fn lookup_derived(seg: &Segment, id: &str) -> Option<(u32, Option<u32>)> {
    let parts: Vec<&str> = id.split('_').collect();
    if parts.len() < 3 {
        return None;
    }
    let street = format!("{}_{}", parts[0], parts[1]);
    let key = seg.ids.get(&street)?;
    if key & !id_kind::MASK != id_kind::DOC {
        return None;
    }
    let doc = (key & id_kind::MASK) as u32;
    let number: u32 = parts[2].parse().ok()?;
    let suffix = parts.get(3).copied().unwrap_or("");
    let range = seg.hn_range(doc);
    for h in range {
        if seg.hn_number[h] == number && seg.suffixes.get(seg.hn_suffix[h] as usize) == suffix {
            let h = h as u32;
            let expected = derive_hn_id(&street, number, (!suffix.is_empty()).then_some(suffix));
            // Only a number whose id is derived answers to the derived id.
            if seg.hn_extra_str(h, hn_str::ID).is_none() && expected == id {
                return Some((doc, Some(h)));
            }
        }
    }
    None
}

fn reverse_accepts(
    seg: &Segment,
    f: &Filters,
    doc: u32,
    hn: Option<u32>,
) -> Option<(u32, Option<u32>)> {
    let kind = seg.doc_kind(doc);
    if !f.postcodes.is_empty()
        && !f.postcodes.iter().any(|p| p == seg.doc_str(doc, doc_str::POSTCODE))
    {
        return None;
    }
    if !f.citycodes.is_empty() {
        let c = seg.doc_commune[doc as usize];
        let code = seg.commune_str(c, com_str::CODE);
        let parent = seg.commune_str(c, com_str::PARENT_CODE);
        if !f.citycodes.iter().any(|x| x == code || x == parent) {
            return None;
        }
    }
    if f.types.is_empty() {
        // By default reverse answers addresses, else streets and lieux-dits.
        return (hn.is_some() || kind != DocKind::Municipality).then_some((doc, hn));
    }
    let t = ResultType::of(kind, hn.is_some());
    if f.types.contains(&t) {
        return Some((doc, hn));
    }
    // A house number stands for its street when streets are asked for.
    if hn.is_some() && f.types.contains(&ResultType::of(kind, false)) {
        return Some((doc, None));
    }
    if f.types.contains(&ResultType::Municipality) {
        let c = seg.doc_commune[doc as usize];
        let m = seg.commune_doc[c as usize];
        if m != u32::MAX {
            return Some((m, None));
        }
    }
    None
}

fn explain(sq: &SegmentQuery<'_>, typo_pass: bool, s: &Scored) -> Explain {
    let seg = sq.segment();
    let mut best = vec![0.0f32; sq.toks.len()];
    sq.score_terms(s.doc, &mut best, &mut GroupMemo::new(sq.toks.len()));
    let tokens = sq
        .toks
        .iter()
        .zip(&best)
        .map(|(t, &b)| {
            let how = if b >= quality::EXACT {
                Some("exact")
            } else if b >= quality::PHONETIC {
                Some("phonetic")
            } else if b >= quality::PREFIX {
                Some(
                    if t.split_of.is_some() || t.expansions.iter().all(|e| e.1 == quality::SPLIT) {
                        "split"
                    } else {
                        "prefix"
                    },
                )
            } else if b > 0.0 {
                Some("typo")
            } else if matches!(t.tok.kind, TokKind::Number { .. }) && s.hn_quality > 0.0 {
                Some("housenumber")
            } else {
                None
            };
            (t.tok.text.clone(), how)
        })
        .collect();
    Explain {
        text: s.text,
        name_coverage: s.name_cov,
        importance: seg.doc_importance[s.doc as usize],
        geo: s.geo,
        housenumber: s.hn_quality,
        typo_pass,
        tokens,
    }
}

/// Builds the result of a document (and optionally one of its house numbers).
pub(crate) fn make_hit(seg: &Segment, doc: u32, hn: Option<u32>, score: f32) -> Hit {
    let kind = seg.doc_kind(doc);
    let c = seg.doc_commune[doc as usize];
    let commune_name = seg.commune_str(c, com_str::NAME);
    let parent_name = seg.commune_str(c, com_str::PARENT_NAME);
    let (city, district) = if parent_name.is_empty() {
        (commune_name, None)
    } else {
        (parent_name, Some(commune_name.to_owned()))
    };
    let doc_name = seg.doc_str(doc, doc_str::NAME);
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let doc_id = seg.doc_str(doc, doc_str::ID);
    // The street (or lieu-dit, or commune) itself; a house number then refines it. Every
    // string is made once (results are built for every answer).
    let mut result_type = match kind {
        DocKind::Municipality => ResultType::Municipality,
        DocKind::Locality => ResultType::Locality,
        DocKind::Street => ResultType::Street,
    };
    let mut postcode = seg.doc_str(doc, doc_str::POSTCODE);
    let (label, name, housenumber, id, ban_id, street, position);
    if let (Some(h), DocKind::Street | DocKind::Locality) = (hn, kind) {
        let number = seg.hn_number[h as usize];
        let suffix = seg.suffixes.get(seg.hn_suffix[h as usize] as usize);
        let mut number_text = String::with_capacity(6 + suffix.len());
        // Writing to a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut number_text, format_args!("{number}"));
        number_text.push_str(suffix);
        if let Some(p) = seg.hn_extra_str(h, hn_str::POSTCODE) {
            postcode = p;
        }
        result_type = ResultType::Housenumber;
        id = seg.hn_extra_str(h, hn_str::ID).map_or_else(
            || derive_hn_id(doc_id, number, (!suffix.is_empty()).then_some(suffix)),
            str::to_owned,
        );
        label = join(&[&number_text, doc_name, postcode, city]);
        name = join(&[&number_text, doc_name]);
        ban_id = seg.hn_extra_str(h, hn_str::BAN_ID).map(str::to_owned);
        street = Some(doc_name.to_owned());
        position = decode_point(seg.hn_point[h as usize]);
        housenumber = Some(number_text);
    } else {
        label = if kind == DocKind::Municipality {
            doc_name.to_owned()
        } else {
            join(&[doc_name, postcode, city])
        };
        name = doc_name.to_owned();
        housenumber = None;
        id = doc_id.to_owned();
        ban_id = non_empty(seg.doc_str(doc, doc_str::BAN_ID));
        // A street result names its street too, as api-adresse does (`street` is "the name
        // of the road" in its documentation).
        street = (kind == DocKind::Street).then(|| doc_name.to_owned());
        position = decode_point(seg.doc_point[doc as usize]);
    }
    Hit {
        result_type,
        score,
        label,
        name,
        housenumber,
        id,
        ban_id,
        street,
        postcode: postcode.to_owned(),
        citycode: seg.commune_str(c, com_str::CODE).to_owned(),
        city: city.to_owned(),
        district,
        oldcitycode: non_empty(seg.doc_str(doc, doc_str::OLD_CODE)),
        oldcity: non_empty(seg.doc_str(doc, doc_str::OLD_NAME)),
        context: seg.commune_str(c, com_str::CONTEXT).to_owned(),
        importance: seg.doc_importance[doc as usize],
        position,
        population: (kind == DocKind::Municipality).then(|| seg.commune_population[c as usize]),
        distance: None,
        explain: None,
    }
}

/// The parts separated by one space, in one allocation (labels are built for every result).
fn join(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_send_and_sync() {
        fn is<T: Send + Sync>() {}
        is::<super::Engine>();
    }
}
