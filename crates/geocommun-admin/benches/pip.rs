//! Point-in-polygon lookups on the real commune contours (france-geojson 2018 matched to the
//! COG 2026): one lookup at each commune centre (the BAN reference centres), in a loop.
//!
//! `cargo bench -p geocommun-admin --bench pip` (data: `$GEOCOMMUN_DATA_DIR`, default
//! `../shared/data`). The throughput over every BAN/BANO address, on one and on all threads,
//! is printed by `cargo run --release -p geocommun-import --example pip_check`.

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geocommun_admin::{AdminRegistry, Contours};

fn data_dir() -> PathBuf {
    std::env::var_os("GEOCOMMUN_DATA_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn read(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
        out
    } else {
        bytes
    }
}

fn bench(c: &mut Criterion) {
    let admin = data_dir().join("admin");
    let dec = admin.join("decoupage-administratif-6.0.0");
    let registry = AdminRegistry::from_readers(
        &read(&dec.join("communes.json.gz"))[..],
        &read(&dec.join("departements.json"))[..],
        &read(&dec.join("regions.json"))[..],
    )
    .unwrap()
    .with_centres(&read(&admin.join("ban-plateforme-communes-center-bbox.json.gz"))[..])
    .unwrap();
    let dir = admin.join("france-geojson/communes");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let files: Vec<_> = paths.iter().map(|p| std::io::Cursor::new(read(p))).collect();
    let contours = Contours::build(&registry, files).unwrap();
    let points: Vec<(f64, f64)> =
        registry.communes().filter_map(|c| c.centre).map(|p| (p.lon, p.lat)).collect();
    let pip = contours.pip();
    let mut g = c.benchmark_group("pip");
    g.throughput(Throughput::Elements(points.len() as u64));
    g.bench_function("locate_commune_centres", |b| {
        b.iter(|| points.iter().filter(|&&(x, y)| pip.locate(x, y).is_some()).count());
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
