//! `geocommun eval`: top-1 exact-id accuracy of the engine, in process, on the query files of
//! `bench/relevance_queries.py` (the same TSV layout as the addok harness's `queries.py`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use geocommun_model::LonLat;
use geocommun_search::{Engine, SearchRequest};
use rayon::prelude::*;

struct EvalQuery {
    rule: String,
    query: String,
    expected: String,
    point: Option<LonLat>,
}

fn read(path: &Path) -> anyhow::Result<Vec<EvalQuery>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| {
            format!(
                "{}: no `{name}` column; expected the TSV of bench/relevance_queries.py",
                path.display()
            )
        })
    };
    let (rule, query, expected, lon, lat) =
        (col("rule")?, col("query")?, col("expected_id")?, col("lon")?, col("lat")?);
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_owned();
        let point = match (get(lon).parse::<f64>(), get(lat).parse::<f64>()) {
            (Ok(lon), Ok(lat)) => Some(LonLat::new(lon, lat)),
            _ => None,
        };
        out.push(EvalQuery { rule: get(rule), query: get(query), expected: get(expected), point });
    }
    Ok(out)
}

#[derive(Default)]
struct Tally {
    n: usize,
    exact: usize,
    within_50m: usize,
    empty: usize,
}

#[allow(clippy::print_stdout)]
pub fn run(
    engine: &Engine,
    files: &[std::path::PathBuf],
    details: Option<&Path>,
    autocomplete: bool,
) -> anyhow::Result<()> {
    let mut queries = Vec::new();
    for f in files {
        queries.extend(read(f)?);
    }
    if queries.is_empty() {
        bail!("no queries in {files:?}");
    }
    let t = Instant::now();
    let answers: Vec<Option<(String, LonLat, String)>> = queries
        .par_iter()
        .map(|q| {
            let req = SearchRequest {
                q: q.query.clone(),
                limit: 1,
                autocomplete,
                ..SearchRequest::default()
            };
            engine
                .search(&req)
                .ok()
                .and_then(|h| h.into_iter().next())
                .map(|h| (h.id, h.position, h.label))
        })
        .collect();
    let secs = t.elapsed().as_secs_f64();
    let mut by_rule: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut out = details.map(std::fs::File::create).transpose()?.map(std::io::BufWriter::new);
    if let Some(w) = out.as_mut() {
        writeln!(w, "rule\tok\tquery\texpected_id\tgot_id\tgot_label\tdistance_m")?;
    }
    for (q, a) in queries.iter().zip(&answers) {
        let t = by_rule.entry(q.rule.as_str()).or_default();
        t.n += 1;
        let (ok, dist) = match a {
            None => {
                t.empty += 1;
                (false, None)
            }
            Some((id, pos, _)) => {
                let d = q.point.map(|p| p.distance_m(*pos));
                if d.is_some_and(|d| d <= 50.0) {
                    t.within_50m += 1;
                }
                (id == &q.expected, d)
            }
        };
        if ok {
            t.exact += 1;
        }
        if let Some(w) = out.as_mut() {
            let (id, label) = a.as_ref().map_or(("", ""), |(i, _, l)| (i.as_str(), l.as_str()));
            writeln!(
                w,
                "{}\t{}\t{}\t{}\t{id}\t{label}\t{}",
                q.rule,
                u8::from(ok),
                q.query,
                q.expected,
                dist.map_or(String::new(), |d| format!("{d:.0}"))
            )?;
        }
    }
    println!("{:<12} {:>6} {:>9} {:>9} {:>7}", "rule", "n", "top1 %", "≤50 m %", "empty");
    for (rule, t) in &by_rule {
        let pct = |x: usize| 100.0 * x as f64 / t.n as f64;
        println!(
            "{rule:<12} {:>6} {:>9.2} {:>9.2} {:>7}",
            t.n,
            pct(t.exact),
            pct(t.within_50m),
            t.empty
        );
    }
    println!(
        "{} queries in {secs:.2} s ({:.0} queries/s on {} threads)",
        queries.len(),
        queries.len() as f64 / secs,
        rayon::current_num_threads()
    );
    Ok(())
}
