//! Shared pieces of the fuzz targets: a small engine built once, a byte reader that turns fuzz
//! input into requests, the queries run on every engine, and the CRC fix-up that lets mutated
//! snapshots get past the checksums into the structural validation.

use std::sync::OnceLock;

use geocommun_model::{LonLat, Street, StreetKind};
use geocommun_search::{Engine, Filters, ResultType, ReverseRequest, SearchRequest};
use geocommun_testkit::{address, commune, street};

/// A small engine of two segments (the second replaces a commune of the first, so masks are
/// exercised): Paris and Lyon arrondissements with their parent, suffixes, a lieu-dit without
/// numbers, numbers in street names, Corsica and overseas codes.
pub fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(build_engine)
}

pub fn build_engine() -> Engine {
    let mut rivoli = street("Rue de Rivoli", "75101_rivo01", "75001", 2.3400, 48.8600, 30);
    rivoli.addresses.push(address(12, Some("bis"), 2.3418, 48.8601, "75101_rivo01_00012_bis"));
    rivoli.addresses.push(address(12, Some("ter"), 2.3419, 48.8601, "75101_rivo01_00012_ter"));
    rivoli.addresses.push(address(77, Some("p5"), 2.3420, 48.8602, "75101_rivo01_00077_p5"));
    // An address whose id is not derived from its street's, with its own postcode.
    let mut odd = address(40, None, 2.3421, 48.8603, "75101_xxxx01_00040");
    odd.postcode = Some("75002".into());
    rivoli.addresses.push(odd);
    let mut paris1 = commune(
        "75101",
        "Paris 1er Arrondissement",
        16_000,
        vec![
            rivoli,
            street("Avenue du Général Lemonnier", "75101_lemo01", "75001", 2.3300, 48.8613, 12),
            street("Rue Saint-Honoré", "75101_hono01", "75001", 2.3380, 48.8630, 40),
        ],
    );
    paris1.parent = Some((geocommun_model::CodeInsee::parse("75056").expect("code"), "Paris".into()));
    let mut lyon = commune(
        "69381",
        "Lyon 1er Arrondissement",
        30_000,
        vec![street("Rue de la République", "69381_repu01", "69001", 4.8357, 45.7640, 50)],
    );
    lyon.parent = Some((geocommun_model::CodeInsee::parse("69123").expect("code"), "Lyon".into()));
    let bourg = commune(
        "01053",
        "Bourg-en-Bresse",
        41_000,
        vec![
            street("Boulevard de Brou", "01053_brou01", "01000", 5.2280, 46.2000, 20),
            street("Rue de la République", "01053_repu01", "01000", 5.2250, 46.2050, 10),
            street("Avenue du 15 Septembre 1945", "01053_sept01", "01000", 5.2210, 46.2070, 20),
            Street {
                kind: StreetKind::LieuDit,
                name: "Les Vennes".into(),
                code: Some("01053_b001".into()),
                ban_id: None,
                postcode: Some("01000".into()),
                old_commune: None,
                position: Some(LonLat::new(5.2400, 46.2100)),
                addresses: Vec::new(),
            },
        ],
    );
    let afa = commune(
        "2A001",
        "Afa",
        3_000,
        vec![street("Lotissement U Furellu", "2a001_a003", "20167", 8.8049, 41.9844, 5)],
    );
    let stdenis = commune(
        "97411",
        "Saint-Denis",
        150_000,
        vec![street("Rue de Paris", "97411_pari01", "97400", 55.4500, -20.8800, 8)],
    );
    let empty = commune("55001", "Abainville", 300, Vec::new());
    let base = Engine::build(&[paris1, lyon, bourg, afa, stdenis, empty]);
    base.replace_communes(&[commune(
        "01053",
        "Bourg-en-Bresse",
        41_000,
        vec![street("Boulevard Édouard Herriot", "01053_herr01", "01000", 5.2280, 46.2000, 20)],
    )])
}

/// Reads fuzz input field by field; past the end every read gives zeros.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn u8(&mut self) -> u8 {
        let Some((&b, rest)) = self.data.split_first() else { return 0 };
        self.data = rest;
        b
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A coordinate: either raw bits (NaN, infinities, huge values) or a point near the data.
    pub fn f64(&mut self, near: f64) -> f64 {
        let mode = self.u8();
        let v = self.u32();
        match mode % 4 {
            0 => f64::from_bits(u64::from(v) << 32 | u64::from(v)),
            1 => f64::from(f32::from_bits(v)),
            _ => near + f64::from(v as i32) / 1e7,
        }
    }

    /// A string of `len` bytes (lossy UTF-8).
    pub fn string(&mut self, len: usize) -> String {
        let n = len.min(self.data.len());
        let (s, rest) = self.data.split_at(n);
        self.data = rest;
        String::from_utf8_lossy(s).into_owned()
    }

    /// The rest of the input (lossy UTF-8).
    pub fn rest(&mut self) -> String {
        let s = String::from_utf8_lossy(self.data).into_owned();
        self.data = &[];
        s
    }
}

const TYPES: [ResultType; 4] = [
    ResultType::Housenumber,
    ResultType::Street,
    ResultType::Locality,
    ResultType::Municipality,
];
const CODES: [&str; 8] = ["75101", "75056", "69123", "01053", "2A001", "97411", "", "99999"];
const POSTCODES: [&str; 6] = ["75001", "75002", "69001", "01000", "20167", "00000"];

fn filters(r: &mut Reader<'_>) -> Filters {
    let bits = r.u8();
    let mut f = Filters::default();
    for (i, t) in TYPES.iter().enumerate() {
        if bits & (1 << i) != 0 {
            f.types.push(*t);
        }
    }
    if bits & 0x10 != 0 {
        f.citycodes.push(CODES[usize::from(r.u8()) % CODES.len()].to_owned());
    }
    if bits & 0x20 != 0 {
        f.postcodes.push(POSTCODES[usize::from(r.u8()) % POSTCODES.len()].to_owned());
    }
    if bits & 0x40 != 0 {
        let n = usize::from(r.u8() % 8);
        f.citycodes.push(r.string(n));
    }
    f
}

/// A search request from the input: header fields, then the query text (the rest).
pub fn search_request(r: &mut Reader<'_>) -> SearchRequest {
    let flags = r.u8();
    let limit = match r.u8() {
        0 => 0,
        255 => usize::MAX,
        254 => 101,
        n => usize::from(n % 24),
    };
    let center = (flags & 4 != 0).then(|| {
        let lon = r.f64(2.34);
        let lat = r.f64(48.86);
        LonLat::new(lon, lat)
    });
    let filters = filters(r);
    SearchRequest {
        q: String::new(),
        limit,
        autocomplete: flags & 1 != 0,
        center,
        filters,
        explain: flags & 2 != 0,
    }
}

/// A reverse request from the input.
pub fn reverse_request(r: &mut Reader<'_>) -> ReverseRequest {
    let lon = r.f64(2.34);
    let lat = r.f64(48.86);
    let limit = usize::from(r.u8());
    ReverseRequest { point: LonLat::new(lon, lat), limit, filters: filters(r) }
}

/// Runs the three queries, with the answers' invariants that must hold on any engine.
pub fn exercise(engine: &Engine, data: &[u8]) {
    let mut r = Reader::new(data);
    let mut req = search_request(&mut r);
    let rev = reverse_request(&mut r);
    req.q = r.rest();
    check_hits(&req, engine.search(&req).unwrap_or_default());
    for h in engine.reverse(&rev) {
        assert!(h.distance.is_some(), "reverse hit without distance");
    }
    let _ = engine.lookup(&req.q);
    let _ = engine.stats();
}

fn check_hits(req: &SearchRequest, hits: Vec<geocommun_search::Hit>) {
    assert!(hits.len() <= req.limit.clamp(1, geocommun_search::limits::LIMIT_MAX));
    for h in &hits {
        assert_eq!(h.explain.is_some(), req.explain);
    }
}

/// Fixed queries run on every engine a snapshot opened into (data drawn from `build_engine`).
pub fn fixed_queries(engine: &Engine) {
    for q in [
        "12 rue de rivoli 75001 paris",
        "12bis rue de rivoli",
        "3 av du gal lemonier",
        "rue de la rep",
        "bourg en bresse",
        "paris",
        "lyon 69001",
        "a",
        "75101_rivo01_00012_bis",
        "7 avenue du 15 septembre 1945 bourg",
        "les vennes",
    ] {
        for (autocomplete, explain) in [(true, false), (false, true)] {
            let req = SearchRequest {
                q: q.to_owned(),
                limit: 10,
                autocomplete,
                explain,
                ..SearchRequest::default()
            };
            let _ = engine.search(&req);
        }
        let _ = engine.lookup(q);
    }
    for id in ["75101_rivo01_00003", "75101_rivo01_00012_bis", "01053", "75056", "2a001_a003"] {
        let _ = engine.lookup(id);
    }
    for (lon, lat) in [(2.34137, 48.86001), (5.2280, 46.2000), (55.45, -20.88), (0.0, 0.0)] {
        for types in [vec![], vec![ResultType::Street], vec![ResultType::Municipality]] {
            let _ = engine.reverse(&ReverseRequest {
                point: LonLat::new(lon, lat),
                limit: 5,
                filters: Filters { types, ..Filters::default() },
            });
        }
    }
    let _ = engine.stats();
}

/// Snapshot layout constants (see `geocommun_search::snapshot`).
const HEADER_LEN: usize = 24;
const ENTRY_LEN: usize = 32;

/// Recomputes every section CRC and the header CRC of a snapshot in place, so that mutations
/// of the sections' contents reach the structural validation instead of stopping at the
/// checksums. Returns `false` when the bytes are not shaped like a snapshot's table.
pub fn fix_crcs(b: &mut [u8]) -> bool {
    let len = b.len();
    if len < HEADER_LEN + 8 {
        return false;
    }
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let u64_at = |b: &[u8], o: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[o..o + 8]);
        u64::from_le_bytes(a)
    };
    let count = u32_at(b, 16) as usize;
    let Some(table_end) = count.checked_mul(ENTRY_LEN).and_then(|n| n.checked_add(HEADER_LEN))
    else {
        return false;
    };
    if table_end + 8 > len {
        return false;
    }
    for i in 0..count {
        let e = HEADER_LEN + i * ENTRY_LEN;
        let (off, slen) = (u64_at(b, e + 8), u64_at(b, e + 16));
        let (Ok(off), Ok(slen)) = (usize::try_from(off), usize::try_from(slen)) else { continue };
        let Some(end) = off.checked_add(slen).filter(|&end| end <= len - 8) else { continue };
        let crc = crc32(&b[off..end]);
        b[e + 24..e + 28].copy_from_slice(&crc.to_le_bytes());
    }
    let crc = crc32(&b[..table_end]);
    b[len - 8..len - 4].copy_from_slice(&crc.to_le_bytes());
    true
}

/// CRC-32 (IEEE), as the snapshot writer computes it.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the seed snapshot of the `snapshot_open` target
    /// (`corpus/snapshot_open/testkit.gcx`) and checks the CRC fix-up is a no-op on it.
    #[test]
    fn seed_snapshot() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/snapshot_open");
        std::fs::create_dir_all(&dir).expect("corpus dir");
        let path = dir.join("testkit.gcx");
        geocommun_search::snapshot::save(&build_engine(), &path).expect("save");
        let bytes = std::fs::read(&path).expect("read");
        let mut fixed = bytes.clone();
        assert!(fix_crcs(&mut fixed));
        assert_eq!(bytes, fixed, "fix_crcs must reproduce the writer's checksums");
        #[allow(clippy::useless_conversion)] // by value or by reference depending on the version
        let e = geocommun_search::snapshot::open_bytes(bytes.as_slice().into()).expect("opens");
        fixed_queries(&e);
        exercise(&e, b"\x03\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0012 rue de rivoli");
    }
}
