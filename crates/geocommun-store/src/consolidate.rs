//! Consolidation: the rows of a BAL revision → the commune's addresses as the search engine
//! and the exports read them ([`CommuneAddresses`]), with BAN identifiers that stay the same
//! from one revision to the next.
//!
//! Pure and synchronous (no SQL): the store runs it when it computes a revision, against the
//! identifiers of the revision it was computed against, and keeps the resulting identifier
//! table ([`IdRow`]s) with the revision; reading a published revision runs it again with that
//! table, which gives back the same identifiers.
//!
//! Rules:
//! - a street (voie) is one (commune déléguée, folded `voie_nom`) group; a group holding only
//!   `numero` 99999 rows is a lieu-dit (toponyme), and its row gives its position;
//! - an address is one (number, folded suffix) of a street; its rows give its positions,
//!   sorted by [`PositionKind::priority`] (entrée first … segment last);
//! - identifiers: the one the BAL carries (`id_ban_*` columns or `uid_adresse` tokens), else
//!   the previous revision's for the same `cle_interop`, else for the same street key +
//!   number + suffix (a street: same key, else same `cle_interop` street part), else a new
//!   UUID v4; an identifier is never given twice;
//! - flags (warnings in the report, nothing dropped silently): positions far outside the
//!   commune's bounding box, several addresses stacked on one point, addresses without a
//!   usable position, rows whose number cannot be read.

use std::collections::{BTreeMap, HashMap, HashSet};

use geocommun_model::text::{fold, fold_suffix};
use geocommun_model::{
    Address, BanId, CodeInsee, CommuneAddresses, LonLat, Numero, Position, PositionKind, Street,
    StreetKind,
};
use serde::{Deserialize, Serialize};

use crate::limits::REPORT_EXAMPLE_ROWS;
use crate::revision::{Level, PlatformFinding};

/// Beyond this distance (metres) from the commune's bounding box, a position is flagged.
pub const FAR_OUTSIDE_M: f64 = 1_000.0;

/// `numero` of a lieu-dit row.
const LIEU_DIT_NUMBER: u32 = 99_999;

/// What the consolidation knows of the commune besides the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommuneFacts {
    pub name: String,
    /// La Poste postcodes; a single one is given to every street.
    pub postcodes: Vec<String>,
    pub population: u32,
    /// `"71, Saône-et-Loire, Bourgogne-Franche-Comté"`.
    pub context: String,
    pub centre: Option<LonLat>,
    /// South-west and north-east corners.
    pub bbox: Option<(LonLat, LonLat)>,
}

/// Which object an identifier names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    Commune,
    Street,
    Address,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commune => "commune",
            Self::Street => "street",
            Self::Address => "address",
        }
    }

    pub(crate) fn from_stored(s: &str) -> crate::Result<Self> {
        match s {
            "commune" => Ok(Self::Commune),
            "street" => Ok(Self::Street),
            "address" => Ok(Self::Address),
            other => Err(crate::Error::Corrupt(format!("identifier kind `{other}`"))),
        }
    }
}

/// One identifier of a consolidated revision, as kept in the `consolidated_ids` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdRow {
    pub kind: IdKind,
    /// Commune: its code; street: `déléguée|folded name`; address: street key `|number|suffix`.
    pub key: String,
    pub ban_id: BanId,
    /// Address: its `cle_interop`; street: the street part of its addresses' `cle_interop`.
    pub cle_interop: Option<String>,
}

/// Counts and flags of a consolidation, kept in the revision's report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsolidationSummary {
    pub streets: u64,
    pub lieux_dits: u64,
    pub addresses: u64,
    /// Identifiers taken from the file, kept from the previous revision, and new.
    pub ids_from_file: u64,
    pub ids_kept: u64,
    pub ids_new: u64,
    /// Warnings: `consolidation.far_outside_commune`, `consolidation.stacked_positions`,
    /// `consolidation.no_position`, `consolidation.invalid_numero`.
    pub flags: Vec<PlatformFinding>,
}

/// A consolidated revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Consolidation {
    pub commune: CommuneAddresses,
    pub ids: Vec<IdRow>,
    pub summary: ConsolidationSummary,
}

/// The previous identifiers, indexed for matching.
#[derive(Default)]
struct Previous<'a> {
    commune: Option<BanId>,
    street_by_key: HashMap<&'a str, BanId>,
    street_by_code: HashMap<&'a str, BanId>,
    address_by_cle: HashMap<&'a str, BanId>,
    address_by_key: HashMap<&'a str, BanId>,
}

impl<'a> Previous<'a> {
    fn new(rows: &'a [IdRow]) -> Self {
        let mut p = Self::default();
        for r in rows {
            match r.kind {
                IdKind::Commune => p.commune = Some(r.ban_id),
                IdKind::Street => {
                    p.street_by_key.insert(&r.key, r.ban_id);
                    if let Some(c) = &r.cle_interop {
                        p.street_by_code.entry(c).or_insert(r.ban_id);
                    }
                }
                IdKind::Address => {
                    p.address_by_key.insert(&r.key, r.ban_id);
                    if let Some(c) = &r.cle_interop {
                        p.address_by_cle.entry(c).or_insert(r.ban_id);
                    }
                }
            }
        }
        p
    }
}

/// Hands out identifiers, each at most once.
struct Ids<'a> {
    previous: Previous<'a>,
    used: HashSet<BanId>,
    summary: ConsolidationSummary,
}

impl Ids<'_> {
    /// The first candidate not given yet, else a new one.
    fn pick(&mut self, from_file: Option<BanId>, kept: &[Option<BanId>]) -> BanId {
        if let Some(id) = from_file.filter(|id| !self.used.contains(id)) {
            self.used.insert(id);
            self.summary.ids_from_file += 1;
            return id;
        }
        for id in kept.iter().flatten() {
            if self.used.insert(*id) {
                self.summary.ids_kept += 1;
                return *id;
            }
        }
        loop {
            let id = BanId(uuid::Uuid::new_v4());
            if self.used.insert(id) {
                self.summary.ids_new += 1;
                return id;
            }
        }
    }
}

/// The columns the consolidation reads.
struct Columns {
    cle: Option<usize>,
    uid: Option<usize>,
    id_commune: Option<usize>,
    id_toponyme: Option<usize>,
    id_adresse: Option<usize>,
    deleguee: Option<usize>,
    deleguee_nom: Option<usize>,
    voie: Option<usize>,
    numero: Option<usize>,
    suffixe: Option<usize>,
    position: Option<usize>,
    lon: Option<usize>,
    lat: Option<usize>,
    certification: Option<usize>,
    postcode: Option<usize>,
}

impl Columns {
    fn new(header: &[String]) -> Self {
        let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        Self {
            cle: col("cle_interop"),
            uid: col("uid_adresse"),
            id_commune: col("id_ban_commune"),
            id_toponyme: col("id_ban_toponyme"),
            id_adresse: col("id_ban_adresse"),
            deleguee: col("commune_deleguee_insee"),
            deleguee_nom: col("commune_deleguee_nom"),
            voie: col("voie_nom"),
            numero: col("numero"),
            suffixe: col("suffixe"),
            position: col("position"),
            lon: col("long"),
            lat: col("lat"),
            certification: col("certification_commune"),
            postcode: col("code_postal"),
        }
    }
}

fn get(row: &[String], c: Option<usize>) -> &str {
    c.and_then(|c| row.get(c)).map_or("", |v| v.trim())
}

/// BAN ids of a row: the `id_ban_*` columns, else the `uid_adresse` tokens.
fn row_ids(row: &[String], c: &Columns) -> [Option<BanId>; 3] {
    let mut ids = [c.id_commune, c.id_toponyme, c.id_adresse]
        .map(|col| BanId::parse(get(row, col)).ok().filter(|_| !get(row, col).is_empty()));
    for token in get(row, c.uid).split_whitespace() {
        let (slot, value) = match token.split_at_checked(3) {
            Some(("@c:", v)) => (0, v),
            Some(("@v:", v)) => (1, v),
            Some(("@a:", v)) => (2, v),
            _ => continue,
        };
        if ids[slot].is_none() {
            ids[slot] = BanId::parse(value).ok();
        }
    }
    ids
}

fn position_of(row: &[String], c: &Columns) -> Option<LonLat> {
    let lon: f64 = get(row, c.lon).replace(',', ".").parse().ok()?;
    let lat: f64 = get(row, c.lat).replace(',', ".").parse().ok()?;
    let p = LonLat { lon, lat };
    (p.is_valid() && !(lon == 0.0 && lat == 0.0)).then_some(p)
}

struct AddressAcc {
    numero: Numero,
    key: String,
    cle: Option<String>,
    file_id: Option<BanId>,
    positions: Vec<Position>,
    postcode: Option<String>,
    certified: bool,
    first_row: u64,
}

struct StreetAcc {
    key: String,
    name: String,
    old_commune: Option<(CodeInsee, String)>,
    /// Street part of the first `cle_interop` (`71346_0090`).
    code: Option<String>,
    file_id: Option<BanId>,
    /// The position of its `99999` row.
    position: Option<LonLat>,
    addresses: Vec<AddressAcc>,
    by_numero: HashMap<(u32, String), usize>,
}

/// A finding under construction.
struct Flag {
    code: &'static str,
    message: String,
    rows: Vec<u64>,
    count: u64,
}

impl Flag {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), rows: Vec::new(), count: 0 }
    }

    fn add(&mut self, row: u64) {
        self.count += 1;
        if self.rows.len() < REPORT_EXAMPLE_ROWS {
            self.rows.push(row);
        }
    }

    fn finish(mut self, out: &mut Vec<PlatformFinding>) {
        if self.count > 0 {
            self.rows.sort_unstable();
            out.push(PlatformFinding {
                code: self.code.to_owned(),
                level: Level::Warning,
                message: self.message,
                rows: self.rows,
                count: self.count,
            });
        }
    }
}

/// The street part of a `cle_interop`: `71346_0704` of `71346_0704_00008_a`.
fn street_code(cle: &str) -> Option<String> {
    let mut parts = cle.splitn(3, '_');
    let (commune, street) = (parts.next()?, parts.next()?);
    parts.next()?;
    Some(format!("{commune}_{street}"))
}

/// Distance in metres from a point to a bounding box (0 inside).
fn distance_to_bbox(p: LonLat, (min, max): (LonLat, LonLat)) -> f64 {
    let nearest = LonLat { lon: p.lon.clamp(min.lon, max.lon), lat: p.lat.clamp(min.lat, max.lat) };
    p.distance_m(nearest)
}

/// Consolidates the BAL `bytes` of `commune`. `previous` is the identifier table of the
/// revision this one replaces (or of this very revision, to read it again). A file the BAL
/// reader refuses gives a commune without streets (the validator's report says why).
pub fn consolidate(
    code: CodeInsee,
    facts: &CommuneFacts,
    bytes: &[u8],
    previous: &[IdRow],
) -> Consolidation {
    let table = geocommun_bal::read::read_table(bytes).ok();
    let (header, rows) = table.map_or((Vec::new(), Vec::new()), |t| (t.header, t.rows));
    let c = Columns::new(&header);

    let mut commune_file_id = None;
    let mut streets: Vec<StreetAcc> = Vec::new();
    let mut street_index: HashMap<String, usize> = HashMap::new();
    let mut no_position = Flag::new(
        "consolidation.no_position",
        "adresses sans position utilisable (long/lat absents ou invalides) : elles sont \
         publiées mais ne seront pas trouvées sur la carte ; renseignez long et lat",
    );
    let mut bad_numero = Flag::new(
        "consolidation.invalid_numero",
        "lignes dont le numéro ne peut être lu : elles sont ignorées ; corrigez numero et suffixe",
    );
    for (i, row) in rows.iter().enumerate() {
        let line = i as u64 + 1;
        let [id_commune, id_street, id_address] = row_ids(row, &c);
        commune_file_id = commune_file_id.or(id_commune);
        let name = get(row, c.voie);
        let deleguee = get(row, c.deleguee).to_uppercase();
        let street_key = format!("{deleguee}|{}", fold(name));
        let Some(numero) =
            Numero::parse(&format!("{} {}", get(row, c.numero), get(row, c.suffixe)))
                .filter(|_| !name.is_empty())
        else {
            bad_numero.add(line);
            continue;
        };
        let cle = Some(get(row, c.cle).to_lowercase()).filter(|s| !s.is_empty());
        let s = *street_index.entry(street_key.clone()).or_insert_with(|| {
            streets.push(StreetAcc {
                key: street_key.clone(),
                name: name.to_owned(),
                old_commune: CodeInsee::parse(&deleguee)
                    .ok()
                    .map(|d| (d, get(row, c.deleguee_nom).to_owned())),
                code: None,
                file_id: None,
                position: None,
                addresses: Vec::new(),
                by_numero: HashMap::new(),
            });
            streets.len() - 1
        });
        let street = &mut streets[s];
        street.file_id = street.file_id.or(id_street);
        if street.code.is_none() {
            street.code = cle.as_deref().and_then(street_code);
        }
        let point = position_of(row, &c);
        if numero.number == LIEU_DIT_NUMBER {
            street.position = street.position.or(point);
            continue;
        }
        let suffix = numero.suffix.as_deref().map(fold_suffix).unwrap_or_default();
        let a = *street.by_numero.entry((numero.number, suffix.clone())).or_insert_with(|| {
            street.addresses.push(AddressAcc {
                key: format!("{street_key}|{}|{suffix}", numero.number),
                numero,
                cle: cle.clone(),
                file_id: id_address,
                positions: Vec::new(),
                postcode: Some(get(row, c.postcode).to_owned()).filter(|p| !p.is_empty()),
                certified: false,
                first_row: line,
            });
            street.addresses.len() - 1
        });
        let address = &mut street.addresses[a];
        address.file_id = address.file_id.or(id_address);
        address.cle = address.cle.take().or(cle);
        address.certified |= get(row, c.certification) == "1";
        if let Some(point) = point {
            let kind = PositionKind::parse(get(row, c.position)).unwrap_or(PositionKind::Inconnue);
            address.positions.push(Position { kind, point });
        }
    }

    // Identifiers, in file order: streets then their addresses.
    let mut ids = Ids {
        previous: Previous::new(previous),
        used: HashSet::new(),
        summary: ConsolidationSummary::default(),
    };
    let mut id_rows = Vec::new();
    let commune_id = {
        let kept = [ids.previous.commune];
        ids.pick(commune_file_id, &kept)
    };
    id_rows.push(IdRow {
        kind: IdKind::Commune,
        key: code.to_string(),
        ban_id: commune_id,
        cle_interop: None,
    });
    let single_postcode = match facts.postcodes.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    let mut far = Flag::new(
        "consolidation.far_outside_commune",
        format!(
            "positions à plus de {FAR_OUTSIDE_M} m du territoire de la commune : vérifiez-les \
             (coordonnées inversées, autre commune, projection)"
        ),
    );
    let mut stacked: HashMap<(i64, i64), Vec<u64>> = HashMap::new();
    let mut out_streets = Vec::with_capacity(streets.len());
    for s in streets {
        let kept = [
            ids.previous.street_by_key.get(s.key.as_str()).copied(),
            s.code.as_deref().and_then(|k| ids.previous.street_by_code.get(k).copied()),
        ];
        let street_id = ids.pick(s.file_id, &kept);
        id_rows.push(IdRow {
            kind: IdKind::Street,
            key: s.key.clone(),
            ban_id: street_id,
            cle_interop: s.code.clone(),
        });
        let mut addresses = Vec::with_capacity(s.addresses.len());
        let mut postcodes: BTreeMap<String, usize> = BTreeMap::new();
        for mut a in s.addresses {
            let kept = [
                a.cle.as_deref().and_then(|k| ids.previous.address_by_cle.get(k).copied()),
                ids.previous.address_by_key.get(a.key.as_str()).copied(),
            ];
            let ban_id = ids.pick(a.file_id, &kept);
            id_rows.push(IdRow {
                kind: IdKind::Address,
                key: a.key.clone(),
                ban_id,
                cle_interop: a.cle.clone(),
            });
            a.positions.sort_by_key(|p| p.kind.priority());
            match a.positions.first() {
                None => no_position.add(a.first_row),
                Some(best) => {
                    if facts.bbox.is_some_and(|b| distance_to_bbox(best.point, b) > FAR_OUTSIDE_M) {
                        far.add(a.first_row);
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    let cell = (
                        (best.point.lon * 1e7).round() as i64,
                        (best.point.lat * 1e7).round() as i64,
                    );
                    stacked.entry(cell).or_default().push(a.first_row);
                }
            }
            if let Some(p) = a.postcode.as_ref().or(single_postcode.as_ref()) {
                *postcodes.entry(p.clone()).or_default() += 1;
            }
            addresses.push(Address {
                numero: a.numero,
                positions: a.positions,
                cle_interop: a.cle,
                ban_id: Some(ban_id),
                postcode: a.postcode,
                certified: a.certified,
            });
        }
        let kind = if addresses.is_empty() { StreetKind::LieuDit } else { StreetKind::Voie };
        match kind {
            StreetKind::LieuDit => ids.summary.lieux_dits += 1,
            StreetKind::Voie => ids.summary.streets += 1,
        }
        ids.summary.addresses += addresses.len() as u64;
        let postcode = postcodes
            .iter()
            .max_by_key(|(p, n)| (**n, std::cmp::Reverse(*p)))
            .map(|(p, _)| p.clone())
            .or_else(|| single_postcode.clone());
        out_streets.push(Street {
            kind,
            name: s.name,
            code: s.code,
            ban_id: Some(street_id),
            postcode,
            old_commune: s.old_commune,
            position: s.position,
            addresses,
        });
    }
    let mut stack = Flag::new(
        "consolidation.stacked_positions",
        "plusieurs adresses ont exactement la même position : placez chacune sur son entrée \
         ou son bâtiment",
    );
    let mut groups: Vec<Vec<u64>> = stacked.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    for row in groups.into_iter().flatten() {
        stack.add(row);
    }
    let mut flags = Vec::new();
    for f in [far, stack, no_position, bad_numero] {
        f.finish(&mut flags);
    }
    ids.summary.flags = flags;
    let mut postcodes: Vec<String> = out_streets
        .iter()
        .filter_map(|s| s.postcode.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if postcodes.is_empty() {
        postcodes.clone_from(&facts.postcodes);
    }
    let commune = CommuneAddresses {
        code,
        name: facts.name.clone(),
        ban_id: Some(commune_id),
        parent: None,
        postcodes,
        population: facts.population,
        context: facts.context.clone(),
        position: facts.centre,
        streets: out_streets,
    };
    Consolidation { commune, ids: id_rows, summary: ids.summary }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "cle_interop;commune_insee;commune_nom;voie_nom;numero;suffixe;position;long;lat;certification_commune;id_ban_adresse\n";

    fn run(body: &str, previous: &[IdRow]) -> Consolidation {
        let facts = CommuneFacts {
            name: "Perrecy-les-Forges".into(),
            postcodes: vec!["71420".into()],
            bbox: Some((LonLat { lon: 4.1, lat: 46.5 }, LonLat { lon: 4.3, lat: 46.7 })),
            ..CommuneFacts::default()
        };
        let bytes = format!("{HEADER}{body}");
        consolidate(CodeInsee::parse("71346").unwrap(), &facts, bytes.as_bytes(), previous)
    }

    #[test]
    fn positions_by_priority_suffixes_and_lieux_dits() {
        let c = run(
            "71346_0090_00001;71346;P;Rue du Bé;1;;segment;4.21;46.61;0;\n\
             71346_0090_00001;71346;P;Rue du Bé;1;;entrée;4.22;46.62;1;\n\
             71346_0090_00001_bis;71346;P;rue du be;1;bis;parcelle;4.23;46.63;0;\n\
             71346_b001_99999;71346;P;Les Forges;99999;;segment;4.20;46.60;0;\n",
            &[],
        );
        let s = &c.commune.streets;
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].kind, s[0].name.as_str()), (StreetKind::Voie, "Rue du Bé"));
        assert_eq!(s[0].addresses.len(), 2, "1 and 1bis, the two rows of 1 merged");
        let one = &s[0].addresses[0];
        assert_eq!(one.positions[0].kind, PositionKind::Entree);
        assert_eq!(one.positions[1].kind, PositionKind::Segment);
        assert!(one.certified);
        assert_eq!(s[0].addresses[1].numero.to_string(), "1bis");
        assert_eq!(s[1].kind, StreetKind::LieuDit);
        assert_eq!(s[1].position, Some(LonLat { lon: 4.20, lat: 46.60 }));
        assert_eq!(s[0].postcode.as_deref(), Some("71420"));
        assert_eq!(c.summary.ids_new, 5, "the commune, 2 toponymes, 2 addresses");
    }

    #[test]
    fn ids_from_file_then_kept_then_new() {
        let given = "0b7b8f5e-4c1a-4f3e-9d2a-1c2b3d4e5f60";
        let first = run(
            &format!(
                "71346_0090_00001;71346;P;Rue du Bé;1;;entrée;4.22;46.62;1;{given}\n\
                 71346_0090_00003;71346;P;Rue du Bé;3;;entrée;4.23;46.62;1;\n"
            ),
            &[],
        );
        let a = &first.commune.streets[0].addresses;
        assert_eq!(a[0].ban_id.unwrap().to_string(), given);
        // Renamed street, same cle_interop: everything kept; a new number gets a new id.
        let second = run(
            "71346_0090_00001;71346;P;Rue du Bief;1;;entrée;4.22;46.62;1;\n\
             71346_0090_00003;71346;P;Rue du Bief;3;;entrée;4.23;46.62;1;\n\
             71346_0090_00005;71346;P;Rue du Bief;5;;entrée;4.24;46.62;1;\n",
            &first.ids,
        );
        let b = &second.commune.streets[0];
        assert_eq!(b.ban_id, first.commune.streets[0].ban_id);
        assert_eq!(b.addresses[0].ban_id, a[0].ban_id);
        assert_eq!(b.addresses[1].ban_id, a[1].ban_id);
        assert!(!first.ids.iter().any(|r| Some(r.ban_id) == b.addresses[2].ban_id));
        assert_eq!(second.commune.ban_id, first.commune.ban_id);
        assert_eq!((second.summary.ids_kept, second.summary.ids_new), (4, 1));
        // Reading again with its own table gives the same ids.
        let again = run(
            "71346_0090_00001;71346;P;Rue du Bief;1;;entrée;4.22;46.62;1;\n\
             71346_0090_00003;71346;P;Rue du Bief;3;;entrée;4.23;46.62;1;\n\
             71346_0090_00005;71346;P;Rue du Bief;5;;entrée;4.24;46.62;1;\n",
            &second.ids,
        );
        assert_eq!(again.commune, second.commune);
    }

    #[test]
    fn flags_far_stacked_missing_and_unreadable() {
        let c = run(
            "71346_0090_00001;71346;P;Rue du Bé;1;;entrée;2.35;48.85;1;\n\
             71346_0090_00003;71346;P;Rue du Bé;3;;entrée;4.2;46.6;1;\n\
             71346_0090_00005;71346;P;Rue du Bé;5;;entrée;4.2;46.6;1;\n\
             71346_0090_00007;71346;P;Rue du Bé;7;;entrée;;;1;\n\
             71346_0090_0000x;71346;P;Rue du Bé;x7;;entrée;4.2;46.6;1;\n",
            &[],
        );
        let f: Vec<(&str, u64, &[u64])> =
            c.summary.flags.iter().map(|f| (f.code.as_str(), f.count, f.rows.as_slice())).collect();
        assert_eq!(
            f,
            [
                ("consolidation.far_outside_commune", 1, &[1][..]),
                ("consolidation.stacked_positions", 2, &[2, 3][..]),
                ("consolidation.no_position", 1, &[4][..]),
                ("consolidation.invalid_numero", 1, &[5][..]),
            ]
        );
        assert_eq!(c.commune.address_count(), 4, "flagged addresses are kept");
    }
}
