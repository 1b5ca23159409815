//! The address layers (`adresses`, `voies`, `lieux_dits`), held commune by commune.
//!
//! Each commune is one immutable [`CommuneTiles`]: its positions and street label points in
//! world units, each set under a KD-tree (geo-index). The [`AddressIndex`] holds the communes
//! and a packed R-tree of their bounding boxes, so a tile visits only the communes it overlaps
//! and, in each, only the points in the tile. Replacing communes (a publication) builds those
//! communes only and a new R-tree over the boxes; every other commune is shared.

use std::sync::Arc;

use foldhash::HashMap;
use geo_index::kdtree::{KDTree, KDTreeBuilder, KDTreeIndex};
use geo_index::rtree::sort::HilbertSort;
use geo_index::rtree::{RTree, RTreeBuilder, RTreeIndex};
use geocommun_model::{BanId, CodeInsee, CommuneAddresses, LonLat, PositionKind, StreetKind};
use rayon::prelude::*;

use crate::limits::{
    ADDRESS_MIN_ZOOM, BUFFER, LIEU_DIT_MIN_ZOOM, SECONDARY_POSITION_MIN_ZOOM, VOIE_MIN_ZOOM,
};
use crate::mvt::{LayerBuilder, Prop, in_buffer, point};
use crate::tile::{TileId, WorldPoint, world_x, world_y};

/// Keys of the `adresses` layer, in tag order.
pub const ADDRESS_KEYS: &[&str] =
    &["numero", "certifie", "type_position", "id", "commune", "principale"];
/// Keys of the `voies` and `lieux_dits` layers.
pub const STREET_KEYS: &[&str] = &["nom", "id", "commune"];

/// A byte range of a commune's text.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    end: u32,
}

/// One address of a commune.
#[derive(Debug)]
struct AddressRec {
    /// `12bis`, the BAN's glued spelling.
    numero: Span,
    ban_id: Option<BanId>,
    /// The `cle_interop` when there is no BAN id (else empty).
    cle: Span,
    certified: bool,
}

/// One position of an address.
#[derive(Clone, Copy, Debug)]
struct PositionRec {
    point: WorldPoint,
    address: u32,
    kind: PositionKind,
    /// The address's position of the best kind (the one shown below
    /// [`SECONDARY_POSITION_MIN_ZOOM`] and labelled).
    principal: bool,
}

/// The label point of a street or lieu-dit.
#[derive(Clone, Copy, Debug)]
struct StreetRec {
    point: WorldPoint,
    name: Span,
    id: Span,
    lieu_dit: bool,
}

/// One commune's points, ready to be cut into tiles.
#[derive(Debug)]
pub struct CommuneTiles {
    code: CodeInsee,
    text: String,
    addresses: Vec<AddressRec>,
    positions: Vec<PositionRec>,
    position_tree: Option<KDTree<u32>>,
    streets: Vec<StreetRec>,
    street_tree: Option<KDTree<u32>>,
    /// `[min_x, min_y, max_x, max_y]` over every point, `None` when there is none.
    bbox: Option<[u32; 4]>,
}

fn push_text(text: &mut String, s: &str) -> Span {
    let start = text.len() as u32;
    text.push_str(s);
    Span { start, end: text.len() as u32 }
}

/// The Morton (Z-order) code of a point: its x and y bits interleaved.
fn morton(p: WorldPoint) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
        v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
        v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(p[0]) | (spread(p[1]) << 1)
}

fn world(p: LonLat) -> Option<WorldPoint> {
    p.is_valid().then(|| [world_x(p.lon), world_y(p.lat)])
}

fn kdtree(points: impl ExactSizeIterator<Item = WorldPoint>) -> Option<KDTree<u32>> {
    if points.len() == 0 {
        return None;
    }
    let mut b = KDTreeBuilder::<u32>::new(points.len() as u32);
    for p in points {
        b.add(p[0], p[1]);
    }
    Some(b.finish())
}

/// The label point of a street: its own position when it has one, else the position of the
/// address nearest to the mean of its addresses (a point on the street, unlike the mean of a
/// curved street).
fn street_point(street: &geocommun_model::Street) -> Option<LonLat> {
    if let Some(p) = street.position.filter(|p| p.is_valid()) {
        return Some(p);
    }
    let points: Vec<LonLat> = street
        .addresses
        .iter()
        .filter_map(|a| a.best_position().map(|p| p.point))
        .filter(|p| p.is_valid())
        .collect();
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let mean = LonLat::new(
        points.iter().map(|p| p.lon).sum::<f64>() / n,
        points.iter().map(|p| p.lat).sum::<f64>() / n,
    );
    let d2 = |p: &LonLat| (p.lon - mean.lon).powi(2) + (p.lat - mean.lat).powi(2);
    points.into_iter().min_by(|a, b| d2(a).total_cmp(&d2(b)))
}

impl CommuneTiles {
    /// Builds the points of one commune. Positions with invalid coordinates are left out.
    ///
    /// Records are laid out in space order (Morton order of the address's main position): the
    /// points of one tile are then close in memory, records and text alike, and cutting a tile
    /// reads memory mostly in sequence instead of jumping across the commune.
    pub fn build(commune: &CommuneAddresses) -> Self {
        struct Pending<'a> {
            key: u64,
            address: &'a geocommun_model::Address,
            positions: Vec<(WorldPoint, PositionKind, bool)>,
        }
        let mut pending: Vec<Pending<'_>> = Vec::with_capacity(commune.address_count());
        let mut named: Vec<(u64, WorldPoint, &geocommun_model::Street)> = Vec::new();
        for street in &commune.streets {
            if let Some(p) = street_point(street).and_then(world) {
                named.push((morton(p), p, street));
            }
            for a in &street.addresses {
                // The first valid position of the best kind is the principal one.
                let best = a
                    .positions
                    .iter()
                    .filter(|p| p.point.is_valid())
                    .min_by_key(|p| p.kind.priority());
                let mut any = false;
                let mut positions = Vec::with_capacity(a.positions.len());
                for pos in &a.positions {
                    let Some(point) = world(pos.point) else { continue };
                    let principal =
                        !any && best.is_some_and(|b| b.kind == pos.kind && b.point == pos.point);
                    any |= principal;
                    positions.push((point, pos.kind, principal));
                }
                let key = positions.iter().find(|p| p.2).map_or(u64::MAX, |p| morton(p.0));
                pending.push(Pending { key, address: a, positions });
            }
        }
        pending.sort_by_key(|p| p.key);
        named.sort_by_key(|n| n.0);

        let mut text = String::new();
        let mut addresses = Vec::with_capacity(pending.len());
        let mut positions = Vec::with_capacity(pending.len());
        for (index, p) in pending.iter().enumerate() {
            let a = p.address;
            let numero = push_text(&mut text, &a.numero.to_string());
            let cle = match (&a.ban_id, &a.cle_interop) {
                (None, Some(c)) => push_text(&mut text, c),
                _ => Span::default(),
            };
            addresses.push(AddressRec { numero, ban_id: a.ban_id, cle, certified: a.certified });
            for &(point, kind, principal) in &p.positions {
                positions.push(PositionRec { point, address: index as u32, kind, principal });
            }
        }
        let mut streets = Vec::with_capacity(named.len());
        for (_, point, street) in named {
            let id = match (&street.ban_id, &street.code) {
                (Some(b), _) => b.to_string(),
                (None, Some(c)) => c.clone(),
                (None, None) => String::new(),
            };
            streets.push(StreetRec {
                point,
                name: push_text(&mut text, &street.name),
                id: push_text(&mut text, &id),
                lieu_dit: street.kind == StreetKind::LieuDit,
            });
        }
        let all = positions.iter().map(|p| p.point).chain(streets.iter().map(|s| s.point));
        let bbox = all.fold(None, |b: Option<[u32; 4]>, p| {
            Some(match b {
                None => [p[0], p[1], p[0], p[1]],
                Some(b) => [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])],
            })
        });
        Self {
            code: commune.code,
            position_tree: kdtree(positions.iter().map(|p| p.point)),
            street_tree: kdtree(streets.iter().map(|s| s.point)),
            text,
            addresses,
            positions,
            streets,
            bbox,
        }
    }

    pub fn code(&self) -> CodeInsee {
        self.code
    }

    /// Number of addresses.
    pub fn address_count(&self) -> usize {
        self.addresses.len()
    }

    fn text(&self, s: Span) -> &str {
        &self.text[s.start as usize..s.end as usize]
    }
}

/// The communes of the address layers and the R-tree of their boxes. Immutable: replacing
/// communes returns a new index that shares the others.
#[derive(Debug, Default)]
pub struct AddressIndex {
    communes: Vec<Arc<CommuneTiles>>,
    by_code: HashMap<CodeInsee, u32>,
    /// Over the boxes of the communes that have points (item = index in `communes`). In f64:
    /// geo-index's packing sums coordinates, which would overflow u32 world units.
    tree: Option<(RTree<f64>, Vec<u32>)>,
}

impl AddressIndex {
    /// The index of these communes (built in parallel). A code given twice keeps the last.
    pub fn build(communes: &[CommuneAddresses]) -> Self {
        Self::default().replace_communes(communes)
    }

    /// A new index where these communes replace those of the same code (or are added);
    /// every other commune is shared with `self`.
    #[must_use]
    pub fn replace_communes(&self, communes: &[CommuneAddresses]) -> Self {
        let built: Vec<CommuneTiles> = communes.par_iter().map(CommuneTiles::build).collect();
        self.replace_built(built.into_iter().map(Arc::new))
    }

    /// Adds the communes whose code the index does not hold yet (the fallback data read after
    /// publications were indexed: a published commune is never replaced by its fallback data).
    #[must_use]
    pub fn extend_missing(&self, communes: &[CommuneAddresses]) -> Self {
        let missing: Vec<&CommuneAddresses> =
            communes.iter().filter(|c| !self.by_code.contains_key(&c.code)).collect();
        let built: Vec<CommuneTiles> = missing.par_iter().map(|c| CommuneTiles::build(c)).collect();
        self.replace_built(built.into_iter().map(Arc::new))
    }

    fn replace_built(&self, built: impl Iterator<Item = Arc<CommuneTiles>>) -> Self {
        let mut communes = self.communes.clone();
        let mut by_code = self.by_code.clone();
        for c in built {
            if let Some(&i) = by_code.get(&c.code) {
                communes[i as usize] = c;
            } else {
                by_code.insert(c.code, communes.len() as u32);
                communes.push(c);
            }
        }
        let with_box: Vec<u32> =
            (0..communes.len() as u32).filter(|&i| communes[i as usize].bbox.is_some()).collect();
        let tree = (!with_box.is_empty()).then(|| {
            let mut b = RTreeBuilder::<f64>::new(with_box.len() as u32);
            for &i in &with_box {
                if let Some([x0, y0, x1, y1]) = communes[i as usize].bbox {
                    b.add(f64::from(x0), f64::from(y0), f64::from(x1), f64::from(y1));
                }
            }
            (b.finish::<HilbertSort>(), with_box)
        });
        Self { communes, by_code, tree }
    }

    /// Number of communes.
    pub fn len(&self) -> usize {
        self.communes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.communes.is_empty()
    }

    /// Number of addresses over every commune.
    pub fn address_count(&self) -> usize {
        self.communes.iter().map(|c| c.address_count()).sum()
    }

    /// The commune of this code, if held.
    pub fn commune(&self, code: &CodeInsee) -> Option<&CommuneTiles> {
        self.by_code.get(code).map(|&i| &*self.communes[i as usize])
    }

    /// Writes the features of `tile` into the three layers.
    pub(crate) fn render<'a>(
        &'a self,
        tile: TileId,
        adresses: &mut LayerBuilder<'a>,
        voies: &mut LayerBuilder<'a>,
        lieux_dits: &mut LayerBuilder<'a>,
    ) {
        let first = ADDRESS_MIN_ZOOM.min(VOIE_MIN_ZOOM).min(LIEU_DIT_MIN_ZOOM);
        let Some((tree, items)) = &self.tree else { return };
        if tile.z < first {
            return;
        }
        let bounds = tile.world_bounds(BUFFER);
        let [x0, y0, x1, y1] = bounds.map(f64::from);
        let mut hits = tree.search(x0, y0, x1, y1);
        hits.sort_unstable();
        // Values every feature repeats, looked up once per tile rather than per feature.
        let mut bools: [[Option<u32>; 2]; 2] = [[None; 2]; 2];
        let mut kinds: [Option<u32>; PositionKind::ALL.len()] = [None; PositionKind::ALL.len()];
        for hit in hits {
            let ci = items[hit as usize];
            let ct = &*self.communes[ci as usize];
            let commune = Prop::Str(ct.code.as_str());
            if tile.z >= ADDRESS_MIN_ZOOM
                && let Some(kd) = &ct.position_tree
            {
                let secondary = tile.z >= SECONDARY_POSITION_MIN_ZOOM;
                let found = kd.range(bounds[0], bounds[1], bounds[2], bounds[3]);
                adresses.reserve(found.len());
                let commune_value = adresses.tag_value(commune);
                for i in found {
                    let pos = &ct.positions[i as usize];
                    if !pos.principal && !secondary {
                        continue;
                    }
                    let (x, y) = tile.to_tile(pos.point);
                    if !in_buffer(x, y) {
                        continue;
                    }
                    let a = &ct.addresses[pos.address as usize];
                    let id = match a.ban_id {
                        Some(ban) => Some(ban.to_string()),
                        None if a.cle.end > a.cle.start => Some(ct.text(a.cle).to_owned()),
                        None => None,
                    };
                    // Below SECONDARY_POSITION_MIN_ZOOM an address has one feature: its id is
                    // a value of its own. Above, its positions share it.
                    let id = id.map(|id| {
                        if secondary {
                            adresses.owned_value((ci, pos.address), || id)
                        } else {
                            adresses.unique_value(id)
                        }
                    });
                    let mut fixed = |slot: &mut Option<u32>, v: Prop<'a>| {
                        *slot.get_or_insert_with(|| adresses.tag_value(v))
                    };
                    let certified =
                        fixed(&mut bools[0][usize::from(a.certified)], Prop::Bool(a.certified));
                    let principal =
                        fixed(&mut bools[1][usize::from(pos.principal)], Prop::Bool(pos.principal));
                    let kind =
                        fixed(&mut kinds[pos.kind as usize], Prop::Str(pos.kind.as_bal_str()));
                    let numero = adresses.tag_value(Prop::Str(ct.text(a.numero)));
                    let mut tags = Vec::with_capacity(12);
                    tags.extend([0, numero, 1, certified, 2, kind]);
                    if let Some(id) = id {
                        tags.extend([3, id]);
                    }
                    tags.extend([4, commune_value, 5, principal]);
                    adresses.push_tags(point(x, y), tags);
                }
            }
            if tile.z >= LIEU_DIT_MIN_ZOOM.min(VOIE_MIN_ZOOM)
                && let Some(kd) = &ct.street_tree
            {
                for i in kd.range(bounds[0], bounds[1], bounds[2], bounds[3]) {
                    let street = &ct.streets[i as usize];
                    let (layer, min_zoom) = if street.lieu_dit {
                        (&mut *lieux_dits, LIEU_DIT_MIN_ZOOM)
                    } else {
                        (&mut *voies, VOIE_MIN_ZOOM)
                    };
                    if tile.z < min_zoom {
                        continue;
                    }
                    let (x, y) = tile.to_tile(street.point);
                    if !in_buffer(x, y) {
                        continue;
                    }
                    let id =
                        (street.id.end > street.id.start).then(|| Prop::Str(ct.text(street.id)));
                    layer.push(
                        point(x, y),
                        &[Some(Prop::Str(ct.text(street.name))), id, Some(commune)],
                    );
                }
            }
        }
    }
}
