//! Point-in-polygon correctness over every address of `<data-dir>/ban/` (Paris BAN 2024,
//! Bondy, the 23 BANO 2015 départements): the commune whose contour holds the address must be
//! the address's commune, brought to the COG 2026 (arrondissements → their PLM commune, the
//! 2018 contours having Paris, Lyon and Marseille whole; déléguées, associées and anciens codes
//! → their current commune). Prints the share and the exceptions by cause, and the in-process
//! lookup throughput on these points (one thread and all threads).
//!
//! ```sh
//! cargo run --release -p geocommun-import --example pip_check [-- DATA_DIR]
//! ```

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use geocommun_admin::{AdminRegistry, CommuneKind, Contours};
use geocommun_import::{AdminSources, Importer, Source};
use geocommun_model::CodeInsee;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.to_string_lossy().ends_with(".csv.gz") || p.to_string_lossy().ends_with(".csv")
        {
            out.push(p);
        }
    }
}

/// The COG 2026 commune an address code stands for, with contours as loaded.
fn current(
    reg: &AdminRegistry,
    anciens: &HashMap<CodeInsee, CodeInsee>,
    code: CodeInsee,
) -> Option<CodeInsee> {
    match reg.commune(&code) {
        Some(c) if c.kind == CommuneKind::Actuelle => Some(c.code),
        Some(c) => c.parent,
        None => anciens.get(&code).copied(),
    }
}

fn main() {
    let data_dir = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("GEOCOMMUN_DATA_DIR").ok())
        .map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    let t = Instant::now();
    let sources = AdminSources::from_dir(&data_dir.join("admin")).unwrap();
    let reg = sources.load_registry().unwrap();
    let contours: Contours = sources.load_contours(&reg, &mut |_, _| {}).unwrap().unwrap();
    println!("admin reference and contours: {:.1} s", t.elapsed().as_secs_f64());
    let mut anciens: HashMap<CodeInsee, CodeInsee> = HashMap::new();
    for c in reg.communes().filter(|c| c.kind == CommuneKind::Actuelle) {
        for a in &c.anciens_codes {
            anciens.entry(*a).or_insert(c.code);
        }
    }
    for m in reg.movements() {
        if let Some(c) = current(&reg, &anciens, m.apres.code) {
            anciens.entry(m.avant.code).or_insert(c);
        }
    }

    let mut paths = Vec::new();
    files(&data_dir.join("ban"), &mut paths);
    let mut importer = Importer::new(None);
    for p in &paths {
        importer.read(&Source::Path(p.clone()), &mut |_| {}).unwrap();
    }
    let communes = importer.finish();
    let mut points: Vec<(f64, f64, CodeInsee)> = Vec::new();
    for c in &communes {
        for s in &c.streets {
            for a in &s.addresses {
                if let Some(p) = a.best_position() {
                    points.push((p.point.lon, p.point.lat, c.code));
                }
            }
        }
    }
    println!("{} addresses in {} files", points.len(), paths.len());

    let pip = contours.pip();
    let mut ok = 0usize;
    let mut ok_by_box = 0usize;
    let mut causes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut examples: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &(lon, lat, code) in &points {
        let expected = current(&reg, &anciens, code);
        let located = pip.locate_detailed(lon, lat);
        let found = located.and_then(|l| reg.commune_at(l.commune)).map(|c| c.code);
        let cause = match (expected, found) {
            (Some(e), Some(f)) if e == f => {
                ok += 1;
                ok_by_box += usize::from(located.is_some_and(|l| l.approximate));
                continue;
            }
            (None, _) => "address code unknown to the COG 2026",
            (Some(e), _) if reg.commune_index(&e).and_then(|i| contours.commune(i)).is_none() => {
                "commune without contour nor reference box (scission after 2018)"
            }
            (Some(_), None) => "outside every contour (coast, river, simplified edge)",
            (Some(e), Some(_)) => {
                // Within ~150 m of its own commune: a border point of the simplified contours.
                let near = [
                    (-1.0, 0.0),
                    (1.0, 0.0),
                    (0.0, -1.0),
                    (0.0, 1.0),
                    (-1.0, -1.0),
                    (1.0, 1.0),
                    (-1.0, 1.0),
                    (1.0, -1.0),
                ]
                .iter()
                .any(|(dx, dy)| {
                    pip.locate(lon + dx * 0.002, lat + dy * 0.0014)
                        .and_then(|i| reg.commune_at(i))
                        .is_some_and(|c| c.code == e)
                });
                if near {
                    "neighbour commune, within ~150 m of the border"
                } else {
                    "another commune, far from the border"
                }
            }
        };
        *causes.entry(cause).or_default() += 1;
        let ex = examples.entry(cause).or_default();
        if ex.len() < 5 {
            ex.push(format!("{code}@{lon:.5},{lat:.5}"));
        }
    }
    let n = points.len();
    println!(
        "agreement: {ok} / {n} = {:.3} % ({ok_by_box} through the reference box of a commune \
         without contour; {:.3} % on contours alone)",
        100.0 * ok as f64 / n as f64,
        100.0 * (ok - ok_by_box) as f64 / n as f64
    );
    for (cause, count) in &causes {
        println!("  {count:>7}  {cause}  e.g. {:?}", examples[cause]);
    }

    // Throughput on these points.
    let rounds = 3;
    let t = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for &(lon, lat, _) in &points {
            hits += usize::from(pip.locate(lon, lat).is_some());
        }
    }
    let one = (rounds * n) as f64 / t.elapsed().as_secs_f64();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let t = Instant::now();
    std::thread::scope(|s| {
        for k in 0..threads {
            let points = &points;
            s.spawn(move || {
                let mut h = 0usize;
                for _ in 0..rounds {
                    for &(lon, lat, _) in points.iter().skip(k).step_by(threads) {
                        h += usize::from(pip.locate(lon, lat).is_some());
                    }
                }
                h
            });
        }
    });
    let all = (rounds * n) as f64 / t.elapsed().as_secs_f64();
    println!("lookups/s: {one:.0} on 1 thread, {all:.0} on {threads} threads ({hits} hits)");
}
