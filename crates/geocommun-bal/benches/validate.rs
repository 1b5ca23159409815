//! BAL validation throughput: the real rows of shared/data/bal/71346.csv replicated to
//! 20,000 rows (renumbered like the shared harness's gen-synthetic.mjs), validated in memory.
//!
//!     cargo bench -p geocommun-bal --bench validate

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geocommun_bal::{MiniCog, Options, Validator};

const ROWS: usize = 20_000;

fn synthetic(real: &str, rows: usize) -> String {
    let mut lines = real.trim_start_matches('\u{feff}').lines();
    let header = lines.next().expect("header");
    let cols: Vec<&str> = header.split(';').collect();
    let num = cols.iter().position(|c| *c == "numero").expect("numero");
    let cle = cols.iter().position(|c| *c == "cle_interop").expect("cle_interop");
    let body: Vec<Vec<&str>> =
        lines.filter(|l| !l.is_empty()).map(|l| l.split(';').collect()).collect();
    let mut out = format!("{header}\n");
    for i in 0..rows {
        let mut r: Vec<String> = body[i % body.len()].iter().map(|s| (*s).to_owned()).collect();
        let n = 1 + i / body.len() * 200 + r[num].parse::<usize>().unwrap_or(0) % 200;
        let n = n.min(99_998);
        r[num] = n.to_string();
        let parts: Vec<&str> = r[cle].split('_').collect();
        if parts.len() >= 3 {
            r[cle] = format!("{}_{}_{n:05}", parts[0], parts[1]);
        }
        out.push_str(&r.join(";"));
        out.push('\n');
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = geocommun_testkit::data_dir();
    let registry = geocommun_import::load_admin_dir(&data.join("admin")).expect("COG");
    let cog = MiniCog::from_registry(&registry);
    let real = std::fs::read_to_string(data.join("bal/71346.csv")).expect("71346.csv");
    let file = synthetic(&real, ROWS);
    let validator = Validator::new(&cog, Options::default());
    let mut g = c.benchmark_group("bal");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    g.bench_function("validate_20k_rows", |b| {
        b.iter(|| validator.validate_bytes(file.as_bytes()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
