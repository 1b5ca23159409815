//! Tile generation speed: every z14 tile over Paris, then a random sample of tiles over France at
//! every zoom; tiles/s (one thread and every core) and the latency distribution per tile.
//!
//! ```sh
//! cargo run --release -p geocommun-tiles --example tile_bench            # Paris BAN + contours
//! cargo run --release -p geocommun-tiles --example tile_bench -- FILES   # other address files
//! ```
//! `ROUNDS=N` repeats the Paris set N times (default 20); `SAMPLE=N` sizes the random sample
//! (default 5000); `ONLY_Z14=1` measures the z14 Paris set only (for profilers: with
//! `valgrind --tool=callgrind --toggle-collect='*TileIndex*render*'`, instruction and cache
//! miss counts do not depend on what else the machine runs). Data from `GEOCOMMUN_DATA_DIR`
//! (default `../shared/data`).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::pedantic)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use geocommun_tiles::{AddressIndex, Areas, TileId, TileIndex};
use rayon::prelude::*;

// The allocator of the `geocommun` binary, so that the figures are those of the server.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn report(name: &str, tiles: &[TileId], index: &TileIndex, rounds: usize) {
    // One thread: the latency of each tile.
    let mut times = Vec::with_capacity(tiles.len() * rounds);
    let (mut bytes, mut empty) = (0usize, 0usize);
    let t = Instant::now();
    for _ in 0..rounds {
        for &tile in tiles {
            let t0 = Instant::now();
            let out = index.render(tile);
            times.push(t0.elapsed());
            match out {
                Some(b) => bytes += b.len(),
                None => empty += 1,
            }
        }
    }
    let one = t.elapsed();
    times.sort_unstable();
    let n = times.len();
    // Every core (rayon), as a server answers concurrent requests.
    let t = Instant::now();
    (0..rounds).into_par_iter().for_each(|_| {
        tiles.par_iter().for_each(|&tile| {
            std::hint::black_box(index.render(tile));
        });
    });
    let all = t.elapsed();
    println!(
        "{name}: {} tiles × {rounds}: {:.0} tiles/s on one thread, {:.0} tiles/s on {} threads; \
         p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; mean {:.1} KB, {} empty",
        tiles.len(),
        n as f64 / one.as_secs_f64(),
        n as f64 / all.as_secs_f64(),
        rayon::current_num_threads(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times[n - 1].as_secs_f64() * 1e3,
        bytes as f64 / (n - empty).max(1) as f64 / 1024.0,
        empty / rounds,
    );
}

fn main() {
    let data = std::env::var_os("GEOCOMMUN_DATA_DIR")
        .map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let sample: usize = std::env::var("SAMPLE").ok().and_then(|s| s.parse().ok()).unwrap_or(5000);
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        files.push(data.join("ban/ban-2024/adresses-75.csv.gz").display().to_string());
    }

    let t = Instant::now();
    let sources = geocommun_import::AdminSources::from_dir(&data.join("admin")).unwrap();
    let registry = sources.load_registry().unwrap();
    let contours = sources.load_contours(&registry, &mut |_, _| {}).unwrap().unwrap();
    println!("admin reference and contours read in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let areas = Arc::new(Areas::build(&registry, &contours));
    println!("contour layers built in {:.1} s: {:?}", t.elapsed().as_secs_f64(), areas.stats());

    let mut importer = geocommun_import::Importer::new(Some(&registry));
    for f in &files {
        importer.read(&geocommun_import::Source::parse(f), &mut |_| {}).unwrap();
    }
    let communes = importer.finish();
    let t = Instant::now();
    let addresses = Arc::new(AddressIndex::build(&communes));
    println!(
        "address layers built in {:.2} s: {} communes, {} addresses",
        t.elapsed().as_secs_f64(),
        addresses.len(),
        addresses.address_count()
    );
    let index = TileIndex::new(Some(areas), addresses);

    // Every z14 tile over the addresses of Paris (its bounding box).
    let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in communes.iter().filter(|c| c.code.departement() == "75") {
        for a in c.streets.iter().flat_map(|s| &s.addresses) {
            if let Some(p) = a.best_position() {
                west = west.min(p.point.lon);
                east = east.max(p.point.lon);
                south = south.min(p.point.lat);
                north = north.max(p.point.lat);
            }
        }
    }
    let nw = TileId::at_lonlat(14, west, north);
    let se = TileId::at_lonlat(14, east, south);
    let paris: Vec<TileId> =
        (nw.x..=se.x).flat_map(|x| (nw.y..=se.y).map(move |y| TileId { z: 14, x, y })).collect();
    report("z14 over Paris", &paris, &index, rounds);
    if std::env::var_os("ONLY_Z14").is_some() {
        return;
    }
    for z in [15u8, 16] {
        let nw = TileId::at_lonlat(z, west, north);
        let se = TileId::at_lonlat(z, east, south);
        let tiles: Vec<TileId> =
            (nw.x..=se.x).flat_map(|x| (nw.y..=se.y).map(move |y| TileId { z, x, y })).collect();
        report(&format!("z{z} over Paris"), &tiles, &index, (rounds / 4).max(1));
    }

    // A random sample (fixed seed): zooms 0–16 over metropolitan France, zooms 14–18 in Paris.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let france: Vec<TileId> = (0..sample)
        .map(|_| {
            let z = (next() * 17.0) as u8;
            TileId::at_lonlat(z, -5.0 + next() * 14.5, 42.0 + next() * 9.0)
        })
        .collect();
    report("random tiles over France, z0–16", &france, &index, 1);
    let in_paris: Vec<TileId> = (0..sample)
        .map(|_| {
            let z = 14 + (next() * 5.0) as u8;
            TileId::at_lonlat(z, west + next() * (east - west), south + next() * (north - south))
        })
        .collect();
    report("random tiles in Paris, z14–18", &in_paris, &index, 1);
}
