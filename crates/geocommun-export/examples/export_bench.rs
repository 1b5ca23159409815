//! France-scale export speed: the synthetic France of `geocommun_testkit::france` (the real
//! files of `shared/data/ban` replicated into ~26 million addresses, see that module) streamed
//! through an [`ExportWriter`] into a gzip file, format by format.
//!
//! ```text
//! cargo run --release -p geocommun-export --example export_bench [-- --target 26000000 --format ban --out DIR]
//! ```
//! The generator makes one copy of the base at a time (in parallel); its time is measured
//! apart and not counted: rows/s is rows written / time spent in `push` + `finish`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use geocommun_export::{ExportWriter, Format};
use geocommun_testkit::france::SyntheticFrance;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut target = 26_000_000usize;
    let mut formats = vec![Format::BanCsv];
    let mut out = std::env::temp_dir();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--target" => target = it.next().unwrap().parse().unwrap(),
            "--format" => {
                formats = it.next().unwrap().split(',').map(|f| f.parse().unwrap()).collect();
            }
            "--out" => out = it.next().unwrap().into(),
            other => panic!("unknown argument {other}"),
        }
    }
    let t = Instant::now();
    let france = SyntheticFrance::new(target);
    println!(
        "base: {} communes, {} addresses, imported in {:.1} s; {} copies",
        france.base.len(),
        france.base_addresses,
        t.elapsed().as_secs_f64(),
        france.copies
    );
    for format in formats {
        let path = out.join(format.file_name("france-synthetic"));
        let file =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        let mut w = ExportWriter::new(format, 0, file).unwrap();
        let (mut gen_time, mut write_time) = (0.0, 0.0);
        for cj in 0..france.code_copies {
            let t = Instant::now();
            let chunk = france.chunk(cj);
            gen_time += t.elapsed().as_secs_f64();
            let t = Instant::now();
            for c in chunk {
                w.push(c).unwrap();
            }
            write_time += t.elapsed().as_secs_f64();
        }
        let t = Instant::now();
        let (_, stats) = w.finish().unwrap();
        write_time += t.elapsed().as_secs_f64();
        println!(
            "{}: {} rows, {} communes, {:.0} MiB gzip in {write_time:.1} s = {:.0} rows/s on {} threads (generator {gen_time:.1} s apart) -> {}",
            format.as_str(),
            stats.rows,
            stats.communes,
            stats.bytes as f64 / (1024.0 * 1024.0),
            stats.rows as f64 / write_time,
            rayon::current_num_threads(),
            path.display()
        );
        std::fs::remove_file(&path).unwrap();
    }
}
