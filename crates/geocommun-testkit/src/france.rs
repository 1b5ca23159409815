//! The synthetic France of the scale benchmarks: the real files of `shared/data/ban`
//! (879,729 addresses) replicated about 30 times into 26 million addresses with new valid INSEE
//! codes, names, postcodes, ids and shifted coordinates. How each copy is made is described in
//! `crates/geocommun-search/examples/france_scale.rs`; the index benchmark
//! (`france_scale`) and the export benchmark (`geocommun-export`'s `export_bench`) share it.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use geocommun_import::{Importer, Source, load_admin_dir};
use geocommun_model::{BanId, CodeInsee, CommuneAddresses, LonLat, Street};
use rayon::prelude::*;

const SUFFIXES: [&str; 31] = [
    "",
    "-sur-Loire",
    "-le-Haut",
    "-le-Bas",
    "-sur-Seine",
    "-en-Vexin",
    "-la-Forêt",
    "-les-Bains",
    "-sur-Mer",
    "-le-Château",
    "-la-Rivière",
    "-sur-Marne",
    "-le-Grand",
    "-le-Petit",
    "-la-Ville",
    "-les-Vignes",
    "-sur-Rhône",
    "-en-Forez",
    "-la-Montagne",
    "-sur-Garonne",
    "-les-Pins",
    "-le-Vieux",
    "-la-Neuve",
    "-sur-Oise",
    "-en-Auge",
    "-les-Mines",
    "-sur-Lot",
    "-en-Barrois",
    "-la-Vallée",
    "-les-Prés",
    "-sur-Yonne",
];
const STREET_WORDS: [&str; 31] = [
    "",
    "Haute",
    "Basse",
    "Neuve",
    "Vieille",
    "Prolongée",
    "du Nord",
    "du Sud",
    "de l'Est",
    "de l'Ouest",
    "Grande",
    "Petite",
    "Supérieure",
    "Inférieure",
    "du Haut",
    "du Bas",
    "Centrale",
    "du Moulin",
    "de la Gare",
    "du Château",
    "des Écoles",
    "du Stade",
    "de l'Église",
    "du Lavoir",
    "des Vignes",
    "du Pont",
    "de la Mairie",
    "du Bourg",
    "des Champs",
    "du Port",
    "des Bois",
];
const LAT_ROWS: [f64; 4] = [0.0, 25.0, -50.0, -75.0];

/// Reads the base: every BAN / BANO file of `<data>/ban`.
pub fn import_base() -> Vec<CommuneAddresses> {
    let data = crate::data_dir();
    let admin = load_admin_dir(&data.join("admin")).unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["ban-2024", "bano-2015", "other"] {
        let mut f: Vec<PathBuf> = std::fs::read_dir(data.join("ban").join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".csv.gz"))
            .collect();
        f.sort();
        files.extend(f);
    }
    let mut imp = Importer::new(Some(&admin));
    for f in &files {
        imp.read(&Source::Path(f.clone()), &mut |_| {}).unwrap();
    }
    imp.finish()
}

/// The valid INSEE codes, in order, without the reserved ones.
fn code_pool(reserved: &HashSet<String>) -> Vec<CodeInsee> {
    let mut out = Vec::new();
    let seconds: Vec<char> = ('0'..='9').collect();
    let mut push = |s: String| {
        let n: Option<u32> = s.parse().ok();
        let plm = n.is_some_and(|n| {
            (75101..=75120).contains(&n)
                || (13201..=13216).contains(&n)
                || (69381..=69389).contains(&n)
        });
        if !plm && !reserved.contains(&s) && !["75056", "13055", "69123"].contains(&s.as_str()) {
            out.push(CodeInsee::parse(&s).unwrap());
        }
    };
    for first in '0'..='9' {
        for &second in &seconds {
            for rest in 0..1000 {
                push(format!("{first}{second}{rest:03}"));
            }
        }
    }
    for second in ['A', 'B'] {
        for rest in 0..1000 {
            push(format!("2{second}{rest:03}"));
        }
    }
    out
}

/// How copy `j` is made.
struct Plan {
    /// New code of each base commune (copy 0: the real ones), per code copy.
    codes: Vec<Vec<CodeInsee>>,
    /// New code of each PLM parent, per code copy.
    parents: Vec<HashMap<CodeInsee, CodeInsee>>,
}

fn copy_suffix(j: usize) -> String {
    SUFFIXES.get(j).map_or_else(|| format!("-{j}"), |s| (*s).to_owned())
}

fn street_word(j: usize) -> String {
    STREET_WORDS.get(j).map_or_else(|| format!("{j}"), |s| (*s).to_owned())
}

fn offset(j: usize) -> (f64, f64) {
    (36.0 * ((j % 8) as f64 - 3.0), LAT_ROWS[(j / 8) % LAT_ROWS.len()])
}

fn replace_prefix(id: &str, old: &str, new: &str, street_copy: Option<usize>) -> String {
    let old_l = old.to_ascii_lowercase();
    let new_l = new.to_ascii_lowercase();
    let rest = id
        .strip_prefix(&old_l)
        .or_else(|| id.strip_prefix(old))
        .map_or_else(|| format!("_{id}"), str::to_owned);
    match street_copy {
        // `75101_cfq3tf` → `<new>_<j>_cfq3tf`
        Some(j) => format!("{new_l}_{j}{rest}"),
        None => format!("{new_l}{rest}"),
    }
}

fn new_postcode(pc: &str, code: &str) -> String {
    let dep = if code.starts_with("2A") || code.starts_with("2B") { "20" } else { &code[..2] };
    if pc.len() == 5 { format!("{dep}{}", &pc[2..]) } else { pc.to_owned() }
}

fn shift(p: LonLat, d: (f64, f64)) -> LonLat {
    LonLat::new(p.lon + d.0, p.lat + d.1)
}

fn new_ban_id(b: BanId, j: usize) -> BanId {
    let s = b.0.to_string();
    BanId::parse(&format!("{}{:04x}", &s[..32], j & 0xffff)).unwrap_or(b)
}

/// Copy `j` of a street (`street_copy`: the copy number when the commune code is shared with
/// another copy, see the file header).
fn copy_street(
    s: &Street,
    old: &str,
    new: &str,
    j: usize,
    d: (f64, f64),
    street_copy: Option<usize>,
) -> Street {
    let mut s = s.clone();
    if let Some(k) = street_copy {
        s.name = format!("{} {}", s.name, street_word(k));
    }
    s.code = s.code.map(|c| replace_prefix(&c, old, new, street_copy));
    s.ban_id = s.ban_id.map(|b| new_ban_id(b, j));
    s.postcode = s.postcode.map(|p| new_postcode(&p, new));
    s.position = s.position.map(|p| shift(p, d));
    for a in &mut s.addresses {
        a.cle_interop = a.cle_interop.take().map(|c| replace_prefix(&c, old, new, street_copy));
        a.ban_id = a.ban_id.map(|b| new_ban_id(b, j));
        a.postcode = a.postcode.take().map(|p| new_postcode(&p, new));
        for p in &mut a.positions {
            p.point = shift(p.point, d);
        }
    }
    s
}

/// Copy `j` of commune `i`, with `extra` copies (sharing its code) of its streets appended.
fn copy_commune(
    c: &CommuneAddresses,
    i: usize,
    j: usize,
    extra: &[usize],
    plan: &Plan,
    code_copies: usize,
) -> CommuneAddresses {
    let cj = j % code_copies;
    let new = plan.codes[cj][i];
    let old_s = c.code.to_string();
    let new_s = new.to_string();
    let mut out = CommuneAddresses {
        code: new,
        name: format!("{}{}", c.name, copy_suffix(cj)),
        ban_id: c.ban_id.map(|b| new_ban_id(b, j)),
        parent: c.parent.as_ref().map(|(pc, pn)| {
            (plan.parents[cj].get(pc).copied().unwrap_or(*pc), format!("{pn}{}", copy_suffix(cj)))
        }),
        postcodes: c.postcodes.iter().map(|p| new_postcode(p, &new_s)).collect(),
        population: c.population,
        context: if cj == 0 {
            c.context.clone()
        } else {
            match c.context.split_once(',') {
                Some((_, rest)) => format!("{},{rest}", new.departement()),
                None => new.departement().to_owned(),
            }
        },
        position: c.position.map(|p| shift(p, offset(j))),
        streets: Vec::with_capacity(c.streets.len() * (1 + extra.len())),
    };
    let plain = j == cj;
    for s in &c.streets {
        out.streets.push(copy_street(s, &old_s, &new_s, j, offset(j), (!plain).then_some(j)));
    }
    for &k in extra {
        for s in &c.streets {
            out.streets.push(copy_street(s, &old_s, &new_s, k, offset(k), Some(k)));
        }
    }
    // Distinct old communes keep their real codes (none in these files).
    out
}

/// The synthetic France: the base, and the codes of each copy.
pub struct SyntheticFrance {
    pub base: Vec<CommuneAddresses>,
    pub base_addresses: usize,
    pub copies: usize,
    /// Copies with codes of their own (the others share them, with distinct streets).
    pub code_copies: usize,
    plan: Plan,
}

impl SyntheticFrance {
    /// Imports the base and plans copies for about `target` addresses.
    pub fn new(target: usize) -> Self {
        let base = import_base();
        let base_addresses: usize = base.iter().map(CommuneAddresses::address_count).sum();
        let copies = ((target as f64 / base_addresses as f64).round() as usize).max(1);
        let mut reserved: HashSet<String> = base.iter().map(|c| c.code.to_string()).collect();
        let parent_codes: Vec<CodeInsee> = {
            let mut v: Vec<CodeInsee> =
                base.iter().filter_map(|c| c.parent.as_ref().map(|p| p.0)).collect();
            v.sort();
            v.dedup();
            v
        };
        reserved.extend(parent_codes.iter().map(ToString::to_string));
        let pool = code_pool(&reserved);
        let per_copy = base.len() + parent_codes.len();
        let code_copies = (1 + pool.len() / per_copy).min(copies);
        let mut plan = Plan {
            codes: vec![base.iter().map(|c| c.code).collect()],
            parents: vec![parent_codes.iter().map(|&p| (p, p)).collect()],
        };
        let mut next = pool.into_iter();
        for _ in 1..code_copies {
            plan.codes.push(base.iter().filter_map(|_| next.next()).collect());
            plan.parents
                .push(parent_codes.iter().filter_map(|&p| Some((p, next.next()?))).collect());
        }
        Self { base, base_addresses, copies, code_copies, plan }
    }

    /// Copy `cj` (`0..code_copies`) of every commune, with the copies that share its codes,
    /// made in parallel over communes.
    pub fn chunk(&self, cj: usize) -> Vec<CommuneAddresses> {
        let extra: Vec<usize> =
            (self.code_copies..self.copies).filter(|k| k % self.code_copies == cj).collect();
        self.base
            .par_iter()
            .enumerate()
            .map(|(i, c)| copy_commune(c, i, cj, &extra, &self.plan, self.code_copies))
            .collect()
    }
}
