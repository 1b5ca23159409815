//! Grouping rows into communes and streets the way `bench/addok/ban2addok.py` does, then
//! turning each group into a [`CommuneAddresses`].
//!
//! A street is one (`code_insee`, ancienne commune, `nom_voie`, street part of the id) group;
//! a lieu-dit is a `numero` 99999 row. A row whose street already holds its number (and
//! suffix) is a duplicate and is dropped.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use geocommun_admin::{AdminRegistry, CommuneKind};
use geocommun_model::{
    Address, BanId, CodeInsee, CommuneAddresses, LonLat, Numero, Position, Street, StreetKind,
};

use crate::format::{Row, RowNumero};

/// Beyond this distance from every address, the centroid of a street is replaced by its
/// nearest address (`ban2addok.py` `center_of`, a stand-in for BAN's point-on-concave-hull).
const SNAP_DISTANCE_M: f64 = 100.0;

/// "No postcode" in the per-address postcode table.
const NO_POSTCODE: u16 = u16::MAX;

/// What adding a row did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Added {
    Address { new_street: bool },
    LieuDit,
    Duplicate,
}

/// A commune being filled.
#[derive(Debug)]
pub(crate) struct CommuneAcc {
    pub code: CodeInsee,
    data_name: String,
    ban_id: Option<BanId>,
    /// Distinct postcodes seen, zero-padded, in order of appearance.
    postcodes: Vec<String>,
    streets: Vec<StreetAcc>,
    /// Hash of the street key → index; collisions fall back to a scan.
    index: HashMap<u64, u32>,
    last_street: Option<u32>,
    /// BANO only: ids already seen (`bano2ban.py` drops repeated ids).
    seen_ids: Option<HashSet<String>>,
}

#[derive(Debug)]
struct StreetAcc {
    kind: StreetKind,
    name: String,
    /// Street part of the id (`75101_cfq3tf`), empty when unknown.
    prefix: String,
    old_commune: Option<(CodeInsee, String)>,
    ban_id: Option<BanId>,
    /// Lieux-dits: the row's own position.
    position: Option<LonLat>,
    addresses: Vec<Address>,
    /// Postcode index (into `CommuneAcc::postcodes`) of each address, or of the lieu-dit.
    address_postcodes: Vec<u16>,
    /// Numbers already in the street, packed (see [`numero_key`]).
    numeros: HashSet<u64>,
    /// Numbers whose suffix is too long to pack (`quater`, `quinquies`): few, scanned.
    long_numeros: Vec<Numero>,
}

/// A number and a suffix of at most 5 bytes in one `u64`: 17 bits of number (≤ 99 999 fits;
/// larger ones are refused by the parsers), 3 bits of suffix length, 40 bits of suffix.
fn numero_key(numero: &Numero) -> Option<u64> {
    let suffix = numero.suffix.as_deref().unwrap_or("").as_bytes();
    if suffix.len() > 5 || numero.number >= 1 << 17 {
        return None;
    }
    let mut key = u64::from(numero.number) | (suffix.len() as u64) << 17;
    for (i, &b) in suffix.iter().enumerate() {
        key |= u64::from(b) << (20 + 8 * i);
    }
    Some(key)
}

impl StreetAcc {
    fn matches(&self, kind: StreetKind, old: Option<CodeInsee>, name: &str, prefix: &str) -> bool {
        self.kind == kind
            && self.old_commune.as_ref().map(|(c, _)| *c) == old
            && self.name == name
            && self.prefix == prefix
    }
}

fn street_hash(kind: StreetKind, old: Option<CodeInsee>, name: &str, prefix: &str) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    old.hash(&mut h);
    name.hash(&mut h);
    prefix.hash(&mut h);
    h.finish()
}

impl CommuneAcc {
    pub(crate) fn new(code: CodeInsee, dedupe_ids: bool) -> Self {
        Self {
            code,
            data_name: String::new(),
            ban_id: None,
            postcodes: Vec::new(),
            streets: Vec::new(),
            index: HashMap::new(),
            last_street: None,
            seen_ids: dedupe_ids.then(HashSet::new),
        }
    }

    pub(crate) fn set_dedupe_ids(&mut self) {
        if self.seen_ids.is_none() {
            self.seen_ids = Some(HashSet::new());
        }
    }

    fn postcode_index(&mut self, raw: &str) -> u16 {
        if raw.is_empty() {
            return NO_POSTCODE;
        }
        let pad = 5_usize.saturating_sub(raw.len());
        let same = |p: &String| {
            p.len() == pad + raw.len()
                && p.as_bytes()[..pad].iter().all(|&b| b == b'0')
                && &p[pad..] == raw
        };
        if let Some(i) = self.postcodes.iter().position(same) {
            return i as u16;
        }
        if self.postcodes.len() >= usize::from(NO_POSTCODE) {
            return NO_POSTCODE;
        }
        let mut padded = "0".repeat(pad);
        padded.push_str(raw);
        self.postcodes.push(padded);
        (self.postcodes.len() - 1) as u16
    }

    fn find_street(
        &self,
        kind: StreetKind,
        old: Option<CodeInsee>,
        name: &str,
        prefix: &str,
    ) -> Option<u32> {
        if let Some(i) = self.last_street
            && self.streets[i as usize].matches(kind, old, name, prefix)
        {
            return Some(i);
        }
        let hash = street_hash(kind, old, name, prefix);
        match self.index.get(&hash) {
            None => None,
            Some(&i) if self.streets[i as usize].matches(kind, old, name, prefix) => Some(i),
            // A hash collision: rare enough for a scan.
            Some(_) => self
                .streets
                .iter()
                .position(|s| s.matches(kind, old, name, prefix))
                .map(|i| i as u32),
        }
    }

    /// Adds one row.
    pub(crate) fn add(&mut self, row: Row<'_>) -> Added {
        if self.data_name.is_empty() && !row.nom_commune.is_empty() {
            row.nom_commune.clone_into(&mut self.data_name);
        }
        if self.ban_id.is_none() {
            self.ban_id = row.ban_commune;
        }
        if let (Some(seen), Some((cle, _))) = (self.seen_ids.as_mut(), row.cle.as_ref()) {
            if seen.contains(cle) {
                return Added::Duplicate;
            }
            seen.insert(cle.clone());
        }
        let kind = match row.numero {
            RowNumero::LieuDit => StreetKind::LieuDit,
            RowNumero::Number(_) => StreetKind::Voie,
        };
        let old = row.old_commune.map(|(c, _)| c);
        let prefix = row.street_prefix();
        let postcode = self.postcode_index(row.postcode);

        let existing = self.find_street(kind, old, row.nom_voie, prefix);
        let new_street = existing.is_none();
        let idx = if let Some(i) = existing {
            i
        } else {
            let i = self.streets.len() as u32;
            self.index.entry(street_hash(kind, old, row.nom_voie, prefix)).or_insert(i);
            self.streets.push(StreetAcc {
                kind,
                name: row.nom_voie.to_owned(),
                prefix: prefix.to_owned(),
                old_commune: row.old_commune.map(|(c, n)| (c, n.to_owned())),
                ban_id: row.ban_toponyme,
                position: None,
                addresses: Vec::new(),
                address_postcodes: Vec::new(),
                numeros: HashSet::new(),
                long_numeros: Vec::new(),
            });
            i
        };
        self.last_street = Some(idx);
        let street = &mut self.streets[idx as usize];
        match row.numero {
            RowNumero::LieuDit => {
                if !new_street {
                    return Added::Duplicate;
                }
                street.position = Some(row.point);
                street.address_postcodes.push(postcode);
                Added::LieuDit
            }
            RowNumero::Number(numero) => {
                let is_new = match numero_key(&numero) {
                    Some(key) => street.numeros.insert(key),
                    None if street.long_numeros.contains(&numero) => false,
                    None => {
                        street.long_numeros.push(numero.clone());
                        true
                    }
                };
                if !is_new {
                    return Added::Duplicate;
                }
                if street.ban_id.is_none() {
                    street.ban_id = row.ban_toponyme;
                }
                street.addresses.push(Address {
                    numero,
                    positions: vec![Position { kind: row.kind, point: row.point }],
                    cle_interop: row.cle.map(|(cle, _)| cle),
                    ban_id: row.ban_adresse,
                    postcode: None,
                    certified: row.certified,
                });
                street.address_postcodes.push(postcode);
                Added::Address { new_street }
            }
        }
    }

    /// The commune as the model holds it, names and figures from `admin` when it knows the code.
    pub(crate) fn finish(self, admin: Option<&AdminRegistry>) -> CommuneAddresses {
        let code = self.code;
        let known = admin.and_then(|a| a.commune(&code));
        let name = match known {
            Some(c) => c.nom.clone(),
            None if !self.data_name.is_empty() => self.data_name.clone(),
            None => code.to_string(),
        };
        let parent = plm_parent(code, admin);
        let postcodes = match known {
            Some(c) if !c.codes_postaux.is_empty() => c.codes_postaux.clone(),
            _ => {
                let mut seen = self.postcodes.clone();
                seen.sort_unstable();
                seen
            }
        };
        let context =
            admin.map_or_else(|| code.departement().to_owned(), |a| a.context(code.departement()));
        let postcode_names = self.postcodes;
        let mut streets: Vec<Street> =
            self.streets.into_iter().map(|s| finish_street(s, &postcode_names)).collect();
        // A commune merged or renamed since the file was made (BANO 2015 "Sainte-Enimie" is
        // 48146 "Gorges du Tarn Causses" in the COG 2026): the name of the file stays
        // searchable, as the ancienne commune of its streets.
        if known.is_some()
            && parent.is_none()
            && !self.data_name.is_empty()
            && geocommun_model::text::fold(&self.data_name) != geocommun_model::text::fold(&name)
        {
            for s in streets.iter_mut().filter(|s| s.old_commune.is_none()) {
                s.old_commune = Some((code, self.data_name.clone()));
            }
        }
        let position = known.and_then(|c| c.centre).or_else(|| {
            let points: Vec<LonLat> = streets
                .iter()
                .filter(|s| s.kind == StreetKind::Voie)
                .flat_map(|s| s.addresses.iter().filter_map(|a| a.positions.first()))
                .map(|p| p.point)
                .collect();
            center_of(&points)
        });
        CommuneAddresses {
            code,
            name,
            ban_id: self.ban_id,
            parent,
            postcodes,
            population: known.map_or(0, |c| c.population),
            context,
            position,
            streets,
        }
    }
}

/// The PLM commune of an arrondissement municipal, with its name.
fn plm_parent(code: CodeInsee, admin: Option<&AdminRegistry>) -> Option<(CodeInsee, String)> {
    if let Some(admin) = admin
        && let Some(c) = admin.commune(&code)
        && c.kind == CommuneKind::ArrondissementMunicipal
        && let Some(parent) = c.parent
    {
        let name = admin.commune(&parent).map_or_else(|| plm_name(parent), |p| p.nom.clone());
        return Some((parent, name));
    }
    let parent = code.plm_parent()?;
    let name =
        admin.and_then(|a| a.commune(&parent)).map_or_else(|| plm_name(parent), |p| p.nom.clone());
    Some((parent, name))
}

fn plm_name(code: CodeInsee) -> String {
    match code.as_str() {
        "75056" => "Paris",
        "13055" => "Marseille",
        "69123" => "Lyon",
        other => other,
    }
    .to_owned()
}

fn finish_street(s: StreetAcc, postcode_names: &[String]) -> Street {
    let postcode_idx = most_frequent(&s.address_postcodes);
    let mut addresses = s.addresses;
    for (address, &pc) in addresses.iter_mut().zip(&s.address_postcodes) {
        if pc != NO_POSTCODE && Some(pc) != postcode_idx {
            address.postcode = Some(postcode_names[usize::from(pc)].clone());
        }
    }
    let position = s.position.or_else(|| {
        let points: Vec<LonLat> =
            addresses.iter().filter_map(|a| a.positions.first()).map(|p| p.point).collect();
        center_of(&points)
    });
    Street {
        kind: s.kind,
        name: s.name,
        code: (!s.prefix.is_empty()).then_some(s.prefix),
        ban_id: s.ban_id,
        postcode: postcode_idx.map(|i| postcode_names[usize::from(i)].clone()),
        old_commune: s.old_commune,
        position,
        addresses,
    }
}

/// The most frequent postcode, the first seen among equals (Python's `Counter.most_common`).
fn most_frequent(postcodes: &[u16]) -> Option<u16> {
    let mut counts: Vec<(u16, u32)> = Vec::new();
    for &pc in postcodes.iter().filter(|&&p| p != NO_POSTCODE) {
        match counts.iter_mut().find(|(p, _)| *p == pc) {
            Some((_, n)) => *n += 1,
            None => counts.push((pc, 1)),
        }
    }
    let mut best: Option<(u16, u32)> = None;
    for (pc, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((pc, n));
        }
    }
    best.map(|(pc, _)| pc)
}

/// `ban2addok.py` `center_of`: the centroid, replaced by the nearest point (lat weighted 1.5)
/// when more than 3 points and that point is more than 100 m from the centroid.
pub(crate) fn center_of(points: &[LonLat]) -> Option<LonLat> {
    match points {
        [] => None,
        [one] => Some(*one),
        _ => {
            let n = points.len() as f64;
            let lon = points.iter().map(|p| p.lon).sum::<f64>() / n;
            let lat = points.iter().map(|p| p.lat).sum::<f64>() / n;
            let centroid = LonLat::new(lon, lat);
            if points.len() > 3 {
                let score = |p: &LonLat| (p.lon - lon).powi(2) + ((p.lat - lat) * 1.5).powi(2);
                let mut best = points[0];
                let mut best_score = score(&best);
                for p in &points[1..] {
                    let s = score(p);
                    if s < best_score {
                        best = *p;
                        best_score = s;
                    }
                }
                if centroid.distance_m(best) > SNAP_DISTANCE_M {
                    return Some(best);
                }
            }
            Some(centroid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_snaps_to_the_nearest_point_when_far() {
        assert_eq!(center_of(&[]), None);
        let p = LonLat::new(2.0, 48.0);
        assert_eq!(center_of(&[p]), Some(p));
        // A street bent in an L: the centroid is off the street.
        let l: Vec<LonLat> = (0..10)
            .map(|i| LonLat::new(2.0 + f64::from(i) * 0.001, 48.0))
            .chain((1..10).map(|i| LonLat::new(2.009, 48.0 + f64::from(i) * 0.001)))
            .collect();
        let c = center_of(&l).unwrap();
        assert!(l.contains(&c), "{c:?}");
        // A short straight street: the centroid.
        let s = [
            LonLat::new(2.0, 48.0),
            LonLat::new(2.0002, 48.0),
            LonLat::new(2.0004, 48.0),
            LonLat::new(2.0006, 48.0),
        ];
        let c = center_of(&s).unwrap();
        assert!((c.lon - 2.0003).abs() < 1e-12 && (c.lat - 48.0).abs() < 1e-12);
    }

    #[test]
    fn numero_keys_are_exact() {
        let key = |n, s| numero_key(&Numero::new(n, s));
        assert_ne!(key(1, None), key(1, Some("a")));
        assert_ne!(key(1, Some("a")), key(1, Some("a\0")));
        assert_ne!(key(99_999, Some("bis")), key(99_998, Some("bis")));
        assert_eq!(key(12, Some("BIS")), key(12, Some("bis")));
        assert_eq!(key(12, Some("quater")), None);
        assert_eq!(key(1 << 17, None), None);
    }

    #[test]
    fn most_frequent_postcode_prefers_the_first_among_equals() {
        assert_eq!(most_frequent(&[]), None);
        assert_eq!(most_frequent(&[NO_POSTCODE]), None);
        assert_eq!(most_frequent(&[1, 0, 0, 1]), Some(1));
        assert_eq!(most_frequent(&[1, 0, 0]), Some(0));
    }
}
