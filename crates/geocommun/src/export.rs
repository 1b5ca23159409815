//! `geocommun export`: the national base (fallback files + the store's BALs) as gzip files,
//! one scope at a time or, with `--all DIR`, every département in every format plus France in
//! the BAN layout, with a manifest that states the feed cursor they match.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use geocommun_export::{ExportStats, ExportWriter, Fallback, Format, Scope, base};
use geocommun_model::CodeInsee;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::DataArgs;
use crate::commons::StoreArgs;

/// What to export.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Write every département in every format, and France in the BAN layout, into DIR
    /// (with `manifest.json`: the feed cursor, files, rows).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["departement", "commune", "output"])]
    pub all: Option<PathBuf>,
    /// Only this département.
    #[arg(long, conflicts_with = "commune")]
    pub departement: Option<String>,
    /// Only this commune (INSEE code).
    #[arg(long)]
    pub commune: Option<String>,
    /// Layouts, comma-separated: ban, ban-with-ids, bal, geojson, addok.
    #[arg(long, default_value = "ban", value_delimiter = ',')]
    pub format: Vec<Format>,
    /// The base as it was at the end of this day (YYYY-MM-DD).
    #[arg(long)]
    pub date: Option<String>,
    /// Output file (one format), default: its standard name in the current folder.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Without the store: fallback files only.
    #[arg(long)]
    pub no_store: bool,
}

/// End of `YYYY-MM-DD` (UTC) in milliseconds.
fn end_of_day(v: &str) -> anyhow::Result<i64> {
    let d: jiff::civil::Date =
        v.parse().with_context(|| format!("--date {v}: give YYYY-MM-DD, e.g. 2026-03-01"))?;
    let next = d.tomorrow()?.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
    Ok(next.as_millisecond() - 1)
}

/// Runs the command; prints one line per file written.
#[allow(clippy::print_stdout)]
pub fn run(args: &ExportArgs, data: &DataArgs, store: &StoreArgs) -> anyhow::Result<()> {
    let registry = crate::data::admin(data)?.map(Arc::new);
    let fallback = Fallback::new(crate::data::inputs(data)?, registry.clone());
    let date = args.date.as_deref().map(end_of_day).transpose()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let scopes: Vec<Scope> = match (&args.all, &args.departement, &args.commune) {
        (Some(_), _, _) => Vec::new(),
        (None, Some(d), _) => vec![Scope::Departement(d.trim().to_uppercase())],
        (None, None, Some(c)) => vec![Scope::Commune(
            CodeInsee::parse(c).with_context(|| format!("--commune {c}: not an INSEE code"))?,
        )],
        (None, None, None) => vec![Scope::France],
    };
    let store = if args.no_store {
        None
    } else {
        let registry = registry.clone().context(
            "the store needs the administrative reference (COG): pass --admin-dir or --data-dir, or --no-store",
        )?;
        Some(rt.block_on(store.open(registry))?)
    };
    let bal_of = |scope: &Scope| -> anyhow::Result<_> {
        match &store {
            Some(s) => Ok(rt.block_on(base::bal_communes(
                s,
                scope,
                date.map(geocommun_store::Timestamp),
            ))?),
            None => Ok((0, std::collections::BTreeMap::default())),
        }
    };
    let Some(dir) = &args.all else {
        anyhow::ensure!(
            args.output.is_none() || args.format.len() == 1,
            "-o names one file: give one --format"
        );
        for scope in scopes {
            let (cursor, bal) = bal_of(&scope)?;
            let formats = &args.format;
            let paths: Vec<PathBuf> = formats
                .iter()
                .map(|f| {
                    args.output.clone().unwrap_or_else(|| PathBuf::from(f.file_name(scope.name())))
                })
                .collect();
            let stats = write(&fallback, &scope, bal, cursor, formats, &paths)?;
            for (p, s) in paths.iter().zip(stats) {
                println!(
                    "{}: {} rows, {} communes, {} bytes, feed cursor {cursor}",
                    p.display(),
                    s.rows,
                    s.communes,
                    s.bytes
                );
            }
        }
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (cursor, _) = bal_of(&Scope::France)?;
    let mut departements: BTreeSet<String> = fallback.departements();
    if let Some(s) = &store {
        for (c, _) in rt.block_on(s.current_at_head())?.1 {
            if let Ok(code) = CodeInsee::parse(&c) {
                departements.insert(code.departement().to_owned());
            }
        }
    }
    let pb = ProgressBar::new(departements.len() as u64 + 1);
    pb.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({elapsed})")?);
    let mut files = Vec::new();
    for d in &departements {
        pb.set_message(format!("département {d}"));
        let scope = Scope::Departement(d.clone());
        let (_, bal) = bal_of(&scope)?;
        let paths: Vec<PathBuf> = Format::ALL.iter().map(|f| dir.join(f.file_name(d))).collect();
        let stats = write(&fallback, &scope, bal, cursor, &Format::ALL, &paths)?;
        files.extend(manifest_entries(&paths, &stats));
        pb.inc(1);
    }
    pb.set_message("France");
    let (_, bal) = bal_of(&Scope::France)?;
    let path = dir.join(Format::BanCsv.file_name("france"));
    let stats = write(
        &fallback,
        &Scope::France,
        bal,
        cursor,
        &[Format::BanCsv],
        std::slice::from_ref(&path),
    )?;
    files.extend(manifest_entries(std::slice::from_ref(&path), &stats));
    pb.finish_and_clear();
    let manifest = json!({
        "feed_cursor": cursor,
        "date": args.date,
        "files": files,
        "note": "apply GET /feed?since=<feed_cursor> to these files to stay current",
    });
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    println!("{} files in {}, feed cursor {cursor}", files.len(), dir.display());
    Ok(())
}

fn manifest_entries(paths: &[PathBuf], stats: &[ExportStats]) -> Vec<serde_json::Value> {
    paths
        .iter()
        .zip(stats)
        .map(|(p, s)| {
            json!({
                "file": p.file_name().map(|n| n.to_string_lossy().into_owned()),
                "rows": s.rows,
                "communes": s.communes,
                "bytes": s.bytes,
            })
        })
        .collect()
}

/// One read of the scope's base, written in every format asked.
fn write(
    fallback: &Fallback,
    scope: &Scope,
    bal: std::collections::BTreeMap<CodeInsee, geocommun_model::CommuneAddresses>,
    cursor: i64,
    formats: &[Format],
    paths: &[PathBuf],
) -> anyhow::Result<Vec<ExportStats>> {
    let mut writers = Vec::with_capacity(formats.len());
    for (f, p) in formats.iter().zip(paths) {
        writers.push(ExportWriter::new(*f, cursor, create(p)?)?);
    }
    base::stream(Some(fallback), scope, bal, &mut |c| {
        for w in &mut writers[1..] {
            w.push(c.clone())?;
        }
        writers[0].push(c)
    })?;
    writers.into_iter().map(|w| Ok(w.finish()?.1)).collect()
}

fn create(p: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    Ok(std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
    ))
}
