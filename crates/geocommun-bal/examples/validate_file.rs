//! Times the BAL validator phase by phase on one file (a profiling aid; the comparison with
//! the reference is `bench/bal_validate.sh`):
//!
//!     cargo run --release -p geocommun-bal --example validate_file -- FILE.csv [DATA_DIR] [RUNS]
//!
//! Prints, per run, the validation time (read, parse, checks, grading), the time to write the
//! pretty JSON report to a sink, and the rows/s of both together.
#![allow(clippy::print_stdout, reason = "an example prints its figures")]

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use geocommun_bal::{MiniCog, Options, Validator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = PathBuf::from(args.next().ok_or("usage: validate_file FILE [DATA_DIR] [RUNS]")?);
    let data = args.next().map_or_else(geocommun_testkit::data_dir, PathBuf::from);
    let runs: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let t = Instant::now();
    // The communes only, like `geocommun validate`.
    let mut sources = geocommun_import::AdminSources::from_dir(&data.join("admin"))?;
    sources.centres = None;
    sources.epci = None;
    sources.ept = None;
    sources.postcodes = None;
    sources.movements.clear();
    let registry = sources.load_registry()?;
    let cog = MiniCog::from_registry(&registry);
    println!("COG: {:.3} s", t.elapsed().as_secs_f64());
    let validator = Validator::new(&cog, Options::default());
    for _ in 0..runs {
        let t = Instant::now();
        let report = validator.validate_path(&file)?;
        let validate = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::sink());
        report.write_json("file.csv", true, &mut out)?;
        out.flush()?;
        let json = t.elapsed().as_secs_f64();
        let rows = report.rows_count.unwrap_or(0);
        println!(
            "{rows} rows, {} findings: validate {validate:.3} s, JSON {json:.3} s, {:.0} rows/s",
            report.findings.len(),
            rows as f64 / (validate + json)
        );
    }
    Ok(())
}
