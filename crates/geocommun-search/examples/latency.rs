//! In-process latency and accuracy of the engine, for tuning (`geocommun eval` is the user-facing
//! accuracy command; `bench/http_bench.sh` the HTTP comparison with addok).
//!
//! ```sh
//! cargo run --release -p geocommun-search --example latency -- QUERIES FILES
//! ```
//! QUERIES: a `.txt` query mix (one query per line, the addok harness's `search-mix.txt`):
//! prints queries/s, p50, p99 and the slowest queries; a `.tsv` of `bench/relevance_queries.py`:
//! prints top-1 accuracy per rule and writes misses to `/tmp/fails.tsv`; or `q:<query>`: the
//! top 3 results with their score parts. FILES: comma-separated address files.
//!
//! `WARM=1` runs the mix once untimed first (caches filled, as on a server under load).
//! `PUBLISH=N PUBLISH_FROM=FILE` first replaces N communes of FILE one at a time, as N
//! publications do on a live server, so that the figures are those of an engine after them
//! (with the server's segment merging; `MERGE=0` without).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::pedantic)]
use geocommun_import::{Importer, Source};
use geocommun_search::{Engine, SearchRequest, SegmentBuilder};
use std::time::Instant;

// The allocator of the `geocommun` binary, so that the figures are those of the server.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let admin =
        geocommun_import::load_admin_dir(std::path::Path::new("../shared/data/admin")).unwrap();
    let mut imp = Importer::new(Some(&admin));
    let t = Instant::now();
    for f in args[2].split(',') {
        imp.read(&Source::parse(f), &mut |_| {}).unwrap();
    }
    let communes = imp.finish();
    eprintln!("import {:?}", t.elapsed());
    let t = Instant::now();
    let mut b = SegmentBuilder::new();
    b.add_communes(&communes);
    let mut e = Engine::from_segment(b.finish());
    eprintln!("build {:?} {:?}", t.elapsed(), e.stats());
    let publish: usize = std::env::var("PUBLISH").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    if publish > 0 {
        let from = std::env::var("PUBLISH_FROM").expect("PUBLISH_FROM: an address file");
        let mut imp = Importer::new(Some(&admin));
        imp.read(&Source::parse(&from), &mut |_| {}).unwrap();
        let published = imp.finish();
        let t = Instant::now();
        let merge = std::env::var("MERGE").map_or(true, |v| v != "0");
        for c in published.iter().take(publish) {
            e = e.replace_communes(std::slice::from_ref(c));
            if merge {
                e = e.merged();
            }
        }
        eprintln!("{publish} publications {:?} {:?}", t.elapsed(), e.stats());
    }
    if let Some(q) = args[1].strip_prefix("q:") {
        let t1 = Instant::now();
        let r = e
            .search(&SearchRequest {
                q: q.to_string(),
                limit: 3,
                autocomplete: true,
                explain: true,
                ..Default::default()
            })
            .unwrap();
        eprintln!("{:?}", t1.elapsed());
        for h in r {
            eprintln!("{} {} {:.3} {:?}", h.id, h.label, h.score, h.explain);
        }
        return;
    }
    if args[1].ends_with(".txt") {
        let text = std::fs::read_to_string(&args[1]).unwrap();
        let qs: Vec<&str> = text.lines().collect();
        // `WARM=1`: run the mix once before timing it, as a server that has seen the queries
        // (its per-segment expansion caches filled) answers them.
        if std::env::var("WARM").is_ok_and(|v| v == "1") {
            for q in &qs {
                let _ = e.search(&SearchRequest {
                    q: q.to_string(),
                    limit: 5,
                    autocomplete: true,
                    ..Default::default()
                });
            }
        }
        let t = Instant::now();
        let mut worst = (0u128, String::new());
        let mut lat = Vec::new();
        let mut slow: Vec<(u128, String)> = Vec::new();
        for q in &qs {
            let t1 = Instant::now();
            timed(&e, q);
            let el = t1.elapsed().as_micros();
            lat.push(el);
            slow.push((el, q.to_string()));
            if el > worst.0 {
                worst = (el, q.to_string());
            }
        }
        lat.sort();
        slow.sort();
        let total: u128 = lat.iter().sum();
        let share = |n: usize| lat.iter().rev().take(n).sum::<u128>() as f64 / total as f64;
        eprintln!(
            "time share of the slowest 1%: {:.0}%, 10%: {:.0}%, 50%: {:.0}%",
            100.0 * share(lat.len() / 100),
            100.0 * share(lat.len() / 10),
            100.0 * share(lat.len() / 2)
        );
        // Slowest distinct queries by their fastest run (a query repeated in the mix is timed
        // several times: the minimum filters out the noise of a shared machine).
        let mut fastest: std::collections::HashMap<&str, u128> = Default::default();
        for (el, q) in &slow {
            let f = fastest.entry(q.as_str()).or_insert(u128::MAX);
            *f = (*f).min(*el);
        }
        let mut by_min: Vec<(u128, &str)> = fastest.into_iter().map(|(q, t)| (t, q)).collect();
        by_min.sort_unstable();
        let per_query_min: u128 = by_min.iter().map(|x| x.0).sum();
        eprintln!(
            "noise-free estimate (each distinct query at its fastest run): {:.0} q/s, mean {:.1} us",
            by_min.len() as f64 / (per_query_min as f64 / 1e6),
            per_query_min as f64 / by_min.len() as f64
        );
        let top: usize = std::env::var("SLOWEST").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
        for (t, q) in by_min.iter().rev().take(top) {
            eprintln!("{t} {q}");
        }
        eprintln!(
            "{} mix queries {:?} -> {:.0} q/s; p50 {}us p99 {}us max {:?}",
            qs.len(),
            t.elapsed(),
            qs.len() as f64 / t.elapsed().as_secs_f64(),
            lat[lat.len() / 2],
            lat[lat.len() * 99 / 100],
            worst
        );
        return;
    }
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let mut by: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let t = Instant::now();
    let mut fails = String::new();
    for line in text.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let r = e
            .search(&SearchRequest {
                q: c[3].into(),
                limit: 1,
                autocomplete: false,
                ..Default::default()
            })
            .unwrap_or_default();
        let ok = r.first().is_some_and(|h| h.id == c[4]);
        let x = by.entry(c[1].to_string()).or_default();
        x.0 += 1;
        if ok {
            x.1 += 1
        } else {
            fails.push_str(&format!(
                "{}\t{}\t{}\t{}\n",
                c[1],
                c[3],
                c[4],
                r.first().map_or(String::new(), |h| format!("{} {} {:.3}", h.id, h.label, h.score))
            ));
        }
    }
    let n: usize = by.values().map(|x| x.0).sum();
    eprintln!("{} queries {:?} -> {:.0} q/s", n, t.elapsed(), n as f64 / t.elapsed().as_secs_f64());
    for (k, (n, ok)) in by {
        println!("{k:<12} {n} {:.2}", 100.0 * ok as f64 / n as f64);
    }
    std::fs::write("/tmp/fails.tsv", fails).unwrap();
}

/// The timed search (a function of its own, for `valgrind --toggle-collect=latency::timed`).
#[inline(never)]
fn timed(e: &Engine, q: &str) {
    let _ = e.search(&SearchRequest {
        q: q.to_string(),
        limit: 5,
        autocomplete: true,
        ..Default::default()
    });
}
