//! France-scale test: a synthetic dataset of about 26 million addresses, made by transforming
//! the real files of `shared/data/ban`, is indexed, saved to a snapshot, and the snapshot is
//! opened and queried in a fresh process.
//!
//! ```text
//! cargo run --release -p geocommun-search --example france_scale [-- --target 26000000 --out DIR]
//! ```
//!
//! # How the dataset is made
//! 1. The real files are imported with `geocommun_import::Importer` and the admin registry of
//!    `<data>/admin` (`load_admin_dir`): Paris BAN 2024 (`ban/ban-2024`), the 23 BANO 2015
//!    départements (`ban/bano-2015`) and Bondy (`ban/other`): 879,729 addresses in 1,669 communes. This is the
//!    *base*; `<data>` is `GEOCOMMUN_DATA_DIR` or `../shared/data`.
//! 2. The base is replicated `K = round(target / base addresses)` times (30 for 26 M). Copy 0 is
//!    the real data, unchanged. Copy `j ≥ 1` of each commune gets:
//!    - **INSEE code**: the next free code of the valid 5-character code space (`00000`–`99999`
//!      then `2A000`–`2B999`, in that order), skipping every real code of the base, the
//!      Paris/Lyon/Marseille parents and arrondissement ranges (so `CodeInsee::parse` accepts
//!      it and no two communes share a code). A Paris arrondissement's parent (75056, which
//!      the builder synthesises) gets its own new code per copy too.
//!    - **name**: the real name with a suffix of copy `j` (`-sur-Loire`, `-le-Haut`, …; past the
//!      list `-<j>`), and the same for the parent's name;
//!    - **context**: the new code's département, then the real context after its first comma;
//!    - **postcodes**: the first two digits replaced by the new code's (`20` for `2A`/`2B`);
//!    - **street ids** (`code`) and **`cle_interop`**: the leading old INSEE code replaced by the
//!      new one (lower-case), so a number's id is still derived from its street's; BAN UUIDs get
//!      their last 4 hex digits replaced by `j` (none in these files);
//!    - **coordinates**: shifted by `(dlon, dlat) = (36·((j mod 8) − 3)°, [0, 25, −50, −75][j div 8]°)`.
//!      The base spans lon −61.9..9.6 (Antilles, Guyane, metropolitan France) and lat
//!      2.1..51.1; with this grid the metropolitan footprints (15° × 10°) and the overseas ones
//!      (10.4° × 14.5°) of different copies never overlap, and every point stays a valid
//!      WGS-84 point (lon −170..154, lat −73..76). Copy 0 has offset (0, 0).
//!    - populations, street names, numbers, suffixes and every other field are kept.
//!
//!    The base has 1,669 communes and one parent (Paris, 75056), so 30 copies take 29 × 1,670 = 48,430 new
//!    codes of the ~102 k valid ones (50,100 communes in the index). Past ~60 copies
//!    (`--target` above ~52 M) the code space runs out; then copy `j` re-uses the codes of
//!    copy `j mod copies_with_codes` and makes its streets distinct instead: each street name
//!    gets a word of copy `j` (`Rue de Rivoli Haute`), street ids the copy number after the
//!    code (`75101_7_cfq3tf`), positions copy `j`'s offset, and those streets are added to the
//!    commune copy that owns the code; every commune code, street id and `cle_interop` stays
//!    unique. (Not used at 26 M.)
//! 3. Copies are made one at a time (in parallel over communes) and fed to
//!    `SegmentBuilder::add_communes`, then dropped: at most the base and one copy (≈ 900 k
//!    addresses) are held as model values at once; the builder keeps its compact arrays.
//!    Hence a copy that re-uses codes goes into the same `add_communes` call as the copy that
//!    owns them (the builder needs a commune's streets together).
//!
//! # What is measured
//! Build: wall time of `add_communes` + `finish` (the generator's time is reported apart),
//! peak RSS during the build (`VmHWM`, reset after the import through `/proc/self/clear_refs`;
//! it includes the base model values, also reported), snapshot save time and size. Then the
//! example re-executes itself (`france_scale open <snapshot> <queries>`): `snapshot::open`
//! time, RSS after open, 10,000 searches (full addresses drawn from the data, as typed:
//! `<numero> <voie> <postcode> <commune>`, default request: limit 5, autocomplete) and 10,000
//! reverse queries (the same addresses' positions, limit 1), queries/s, accuracy of the top
//! result, and RSS after the queries.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::too_many_lines)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use geocommun_model::{CommuneAddresses, LonLat};
use geocommun_search::{Engine, ReverseRequest, SearchRequest, SegmentBuilder, snapshot};
use geocommun_testkit::france::SyntheticFrance;

const QUERIES: usize = 10_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("open") {
        open_and_query(Path::new(&args[2]), Path::new(&args[3]));
        return;
    }
    let mut target = 26_000_000usize;
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--target" => target = it.next().unwrap().parse().unwrap(),
            "--out" => out = Some(PathBuf::from(it.next().unwrap())),
            other => panic!("unknown argument {other}"),
        }
    }
    let tmp = tempfile::tempdir_in(out.as_deref().unwrap_or(&std::env::temp_dir())).unwrap();
    build(target, tmp.path());
}

fn status(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

fn mib(b: u64) -> String {
    format!("{:.0} MiB", b as f64 / (1024.0 * 1024.0))
}

fn build(target: usize, dir: &Path) {
    let t = Instant::now();
    let france = SyntheticFrance::new(target);
    let base = &france.base;
    let base_addresses = france.base_addresses;
    let base_streets: usize = base.iter().map(|c| c.streets.len()).sum();
    println!(
        "base: {} communes, {base_streets} streets, {base_addresses} addresses, imported in {:.1} s",
        base.len(),
        t.elapsed().as_secs_f64()
    );
    let (copies, code_copies) = (france.copies, france.code_copies);
    println!(
        "copies: {copies} ({code_copies} with their own codes, {} sharing them with distinct streets)",
        copies - code_copies
    );
    let base_rss = status("VmRSS:");
    // Reset the peak so that it covers the build only (plus the base model values).
    let _ = std::fs::write("/proc/self/clear_refs", "5");

    let mut builder = SegmentBuilder::new();
    let mut gen_time = 0.0;
    let mut add_time = 0.0;
    let mut total_addresses = 0usize;
    let mut queries: Vec<(String, String, LonLat)> = Vec::new();
    let stride = (base_addresses * copies / QUERIES).max(1);
    let mut counter = 0usize;
    for cj in 0..code_copies {
        // This chunk: copy `cj`, plus the copies that share its codes.
        let t = Instant::now();
        let chunk = france.chunk(cj);
        gen_time += t.elapsed().as_secs_f64();
        for c in &chunk {
            for s in &c.streets {
                for a in &s.addresses {
                    counter += 1;
                    if counter.is_multiple_of(stride) && queries.len() < QUERIES {
                        let (Some(id), Some(p)) = (&a.cle_interop, a.best_position()) else {
                            continue;
                        };
                        let pc = s.postcode.clone().unwrap_or_default();
                        let q = format!("{} {} {pc} {}", a.numero, s.name, c.name);
                        queries.push((q, id.clone(), p.point));
                    }
                }
            }
        }
        total_addresses += chunk.iter().map(CommuneAddresses::address_count).sum::<usize>();
        let t = Instant::now();
        builder.add_communes(&chunk);
        add_time += t.elapsed().as_secs_f64();
        drop(chunk);
    }
    let t = Instant::now();
    let seg = builder.finish();
    let finish_time = t.elapsed().as_secs_f64();
    let engine = Engine::from_segment(seg);
    let build_peak = status("VmHWM:");
    let stats = engine.stats();
    println!(
        "dataset: {total_addresses} addresses; index: {} communes, {} documents, {} house numbers, {} terms",
        stats.communes, stats.documents, stats.housenumbers, stats.terms
    );
    println!(
        "build: {:.1} s (add_communes {add_time:.1} s + finish {finish_time:.1} s) on {} threads; generator {gen_time:.1} s apart",
        add_time + finish_time,
        rayon::current_num_threads()
    );
    println!(
        "build peak RSS (VmHWM): {} (of which base model values before the build: {})",
        mib(build_peak),
        mib(base_rss)
    );
    println!("RSS after build: {}", mib(status("VmRSS:")));
    drop(france);

    let path = dir.join("france.gcx");
    let t = Instant::now();
    snapshot::save(&engine, &path).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    println!("snapshot save: {:.1} s, {} ({size} bytes)", t.elapsed().as_secs_f64(), mib(size));
    drop(engine);

    let qpath = dir.join("queries.tsv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&qpath).unwrap());
    for (q, id, p) in &queries {
        writeln!(w, "{q}\t{id}\t{}\t{}", p.lon, p.lat).unwrap();
    }
    drop(w);
    // Drop the snapshot from the page cache? No: a server starts from a file it just wrote or
    // copied, usually cached; the cold figure depends on the disk. Measured warm.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("open")
        .arg(&path)
        .arg(&qpath)
        .status()
        .unwrap();
    assert!(status.success());
}

fn open_and_query(path: &Path, qpath: &Path) {
    let rss0 = status("VmRSS:");
    let t = Instant::now();
    let engine = snapshot::open(path).unwrap();
    let open_s = t.elapsed().as_secs_f64();
    println!(
        "[fresh process] snapshot::open: {open_s:.3} s; RSS after open: {} (before: {})",
        mib(status("VmRSS:")),
        mib(rss0)
    );
    let text = std::fs::read_to_string(qpath).unwrap();
    let rows: Vec<(String, String, LonLat)> = text
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].to_owned(),
                c[1].to_owned(),
                LonLat::new(c[2].parse().unwrap(), c[3].parse().unwrap()),
            )
        })
        .collect();
    let t = Instant::now();
    let mut ok = 0usize;
    for (q, id, _) in &rows {
        let hits = engine.search(&SearchRequest { q: q.clone(), ..SearchRequest::default() });
        ok +=
            usize::from(hits.ok().and_then(|h| h.into_iter().next()).is_some_and(|h| &h.id == id));
    }
    let search_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut rev_ok = 0usize;
    for (_, _, p) in &rows {
        let hits = engine.reverse(&ReverseRequest {
            point: *p,
            limit: 1,
            filters: geocommun_search::Filters::default(),
        });
        rev_ok += usize::from(hits.first().is_some_and(|h| h.distance.unwrap_or(1e9) < 0.5));
    }
    let reverse_s = t.elapsed().as_secs_f64();
    let n = rows.len() as f64;
    println!(
        "[fresh process] {} searches: {search_s:.2} s, {:.0} q/s, top-1 id right {:.1} %",
        rows.len(),
        n / search_s,
        100.0 * ok as f64 / n
    );
    println!(
        "[fresh process] {} reverse: {reverse_s:.2} s, {:.0} q/s, address found at < 0.5 m {:.1} %",
        rows.len(),
        n / reverse_s,
        100.0 * rev_ok as f64 / n
    );
    println!(
        "[fresh process] RSS after queries: {} (peak {})",
        mib(status("VmRSS:")),
        mib(status("VmHWM:"))
    );
}
