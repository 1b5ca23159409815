//! Measures import throughput: `cargo run --release -p geocommun-import --example
//! import_throughput -- [--admin DIR] [--stream] FILE_OR_URL...`.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use geocommun_import::{Importer, Source, StreamingImporter, load_admin_dir};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let stream = if let Some(i) = args.iter().position(|a| a == "--stream") {
        args.remove(i);
        true
    } else {
        false
    };
    let admin = if let Some(i) = args.iter().position(|a| a == "--admin") {
        args.remove(i);
        let dir = PathBuf::from(args.remove(i));
        let t = Instant::now();
        let admin = load_admin_dir(&dir)?;
        println!(
            "admin registry: {} records in {:.3} s",
            admin.communes().len(),
            t.elapsed().as_secs_f64()
        );
        Some(admin)
    } else {
        None
    };
    let sources: Vec<Source> = args.iter().map(|a| Source::parse(a)).collect();
    let start = Instant::now();
    let mut communes = 0_usize;
    let mut addresses = 0_usize;
    let stats = if stream {
        let mut importer = StreamingImporter::new(admin.as_ref());
        let mut sink = |c: geocommun_model::CommuneAddresses| {
            communes += 1;
            addresses += c.address_count();
        };
        for s in &sources {
            importer.read(s, &mut |_| {}, &mut sink)?;
        }
        importer.finish(&mut sink)
    } else {
        let mut importer = Importer::new(admin.as_ref());
        for s in &sources {
            importer.read(s, &mut |_| {})?;
        }
        let stats = importer.stats().clone();
        let all = importer.finish();
        communes = all.len();
        addresses = all.iter().map(geocommun_model::CommuneAddresses::address_count).sum();
        stats
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} rows in {secs:.3} s = {:.0} rows/s ({} mode); {communes} communes, {addresses} addresses, {} streets, {} lieux-dits, {} duplicates, {} skipped",
        stats.rows,
        stats.rows as f64 / secs,
        if stream { "streaming" } else { "batch" },
        stats.streets,
        stats.lieux_dits,
        stats.duplicates,
        stats.skipped_total,
    );
    for issue in stats.skipped.iter().take(5) {
        println!("  {issue}");
    }
    Ok(())
}
