//! Merging the small segments that publications add, so that the number of segments a search
//! goes through stays small.
//!
//! Each publication adds a segment of its communes ([`Engine::replace_communes`]). A segment
//! built this way keeps its [`CommuneAddresses`] (while it is small), and segments of the same
//! size tier are rebuilt into one, the communes masked since left out: a size-tiered policy,
//! like Lucene's, in which an address is rebuilt once per tier it goes through.
//!
//! The work is split so that a server never blocks its readers nor its publications on it:
//! [`Engine::plan_merge`] picks the segments (cheap), [`MergePlan::build`] builds the merged
//! segment (slow, outside any lock), and [`Engine::install_merge`] swaps it in for its inputs
//! in whatever engine is current by then, masking the communes republished meanwhile.

use std::collections::HashSet;
use std::sync::Arc;

use geocommun_model::CommuneAddresses;

use crate::build::build_segment;
use crate::engine::{Engine, SegEntry};
use crate::limits::{MERGE_FANOUT, MERGE_MAX_ADDRESSES, MERGE_TIER_ADDRESSES};
use crate::segment::{Segment, com_str};

/// Segments to merge, with what they held when the merge was planned.
pub struct MergePlan {
    /// The input segments, with the communes each had masked when the merge was planned.
    inputs: Vec<(Arc<Segment>, Arc<HashSet<u32>>)>,
    communes: Vec<CommuneAddresses>,
}

/// A merged segment, ready to take the place of its inputs.
pub struct Merged {
    inputs: Vec<(Arc<Segment>, Arc<HashSet<u32>>)>,
    entry: SegEntry,
}

/// Size tier of a segment of `n` addresses.
fn tier(n: usize) -> u32 {
    let mut t = 0;
    let mut cap = MERGE_TIER_ADDRESSES;
    while n > cap {
        t += 1;
        cap = cap.saturating_mul(MERGE_FANOUT);
    }
    t
}

/// Addresses of a segment's communes that are not masked.
fn live(e: &SegEntry, source: &[CommuneAddresses]) -> Vec<CommuneAddresses> {
    source
        .iter()
        .filter(|c| e.seg.commune_index(c.code.as_str()).is_none_or(|i| !e.masked.contains(&i)))
        .cloned()
        .collect()
}

impl SegEntry {
    /// A segment of these communes, keeping them for later merges when it is small enough.
    pub(crate) fn built(communes: Vec<CommuneAddresses>) -> Self {
        let seg = Arc::new(build_segment(&communes));
        let addresses: usize = communes.iter().map(CommuneAddresses::address_count).sum();
        let source = (addresses <= MERGE_MAX_ADDRESSES).then(|| Arc::new(communes));
        Self { seg, masked: Arc::default(), source }
    }

    fn live_addresses(&self) -> Option<usize> {
        let source = self.source.as_ref()?;
        Some(
            source
                .iter()
                .filter(|c| {
                    self.seg
                        .commune_index(c.code.as_str())
                        .is_none_or(|i| !self.masked.contains(&i))
                })
                .map(CommuneAddresses::address_count)
                .sum(),
        )
    }
}

impl Engine {
    /// The segments the merge policy would merge now: the mergeable segments of the lowest
    /// tier that holds [`MERGE_FANOUT`] of them. `None` when nothing needs merging.
    pub fn plan_merge(&self) -> Option<MergePlan> {
        let mut by_tier: Vec<(u32, usize)> = self
            .segments
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.live_addresses().map(|n| (tier(n), i)))
            .collect();
        by_tier.sort_unstable();
        let group = by_tier.chunk_by(|a, b| a.0 == b.0).find(|g| g.len() >= MERGE_FANOUT)?;
        let mut inputs = Vec::with_capacity(group.len());
        let mut communes = Vec::new();
        for &(_, i) in group {
            let e = &self.segments[i];
            inputs.push((Arc::clone(&e.seg), Arc::clone(&e.masked)));
            if let Some(source) = &e.source {
                communes.extend(live(e, source));
            }
        }
        Some(MergePlan { inputs, communes })
    }

    /// Puts a merged segment in place of its inputs. A commune replaced or removed since the
    /// merge was planned is masked in the merged segment; inputs no longer in this engine
    /// (all their communes replaced since) are left out.
    #[must_use]
    pub fn install_merge(&self, merged: Merged) -> Self {
        let Merged { inputs, mut entry } = merged;
        let mut masked: HashSet<u32> = HashSet::new();
        let mut segments = Vec::with_capacity(self.segments.len());
        let mut found = vec![false; inputs.len()];
        // Only what was masked after the plan: a commune masked in one input when the merge
        // was planned may be live in another input (republished into it), and so in the merge.
        let mut mask_since = |seg: &Segment, at_plan: &HashSet<u32>, c: u32| {
            if !at_plan.contains(&c)
                && let Some(m) = entry.seg.commune_index(seg.commune_str(c, com_str::CODE))
            {
                masked.insert(m);
            }
        };
        for e in &self.segments {
            let Some(k) = inputs.iter().position(|(s, _)| Arc::ptr_eq(s, &e.seg)) else {
                segments.push(e.clone());
                continue;
            };
            found[k] = true;
            for &c in e.masked.iter() {
                mask_since(&e.seg, &inputs[k].1, c);
            }
        }
        // An input gone from the engine: every one of its live communes was replaced since.
        for ((s, at_plan), _) in inputs.iter().zip(&found).filter(|(_, f)| !**f) {
            for c in 0..s.commune_count() as u32 {
                mask_since(s, at_plan, c);
            }
        }
        if masked.len() < entry.seg.commune_count() {
            entry.masked = Arc::new(masked);
            segments.push(entry);
        }
        Self { segments, generation: crate::engine::Generation::default() }
    }

    /// Merges until the policy is satisfied, in the calling thread (a server merges in the
    /// background with [`Engine::plan_merge`] and [`Engine::install_merge`] instead).
    #[must_use]
    pub fn merged(&self) -> Self {
        let mut engine = self.clone();
        while let Some(plan) = engine.plan_merge() {
            engine = engine.install_merge(plan.build());
        }
        engine
    }
}

impl MergePlan {
    /// Builds the merged segment (the slow part: call it outside any lock).
    pub fn build(self) -> Merged {
        Merged { inputs: self.inputs, entry: SegEntry::built(self.communes) }
    }

    /// Segments merged.
    pub fn segments(&self) -> usize {
        self.inputs.len()
    }

    /// Addresses rebuilt.
    pub fn addresses(&self) -> usize {
        self.communes.iter().map(CommuneAddresses::address_count).sum()
    }
}
