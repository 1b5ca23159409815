//! Loading address data: import files (with progress bars) or open a snapshot.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use geocommun_admin::AdminRegistry;
use geocommun_import::{ImportStats, Importer, Source};
use geocommun_model::CommuneAddresses;
use geocommun_search::{Engine, SegmentBuilder};
use indicatif::{ProgressBar, ProgressStyle};

use crate::DataArgs;

pub struct Loaded {
    pub communes: Vec<CommuneAddresses>,
    pub stats: ImportStats,
}

/// The input files: those given, else every `*.csv` / `*.csv.gz` under `<data-dir>/ban/`.
pub fn inputs(args: &DataArgs) -> anyhow::Result<Vec<Source>> {
    if !args.inputs.is_empty() {
        return Ok(args.inputs.iter().map(|s| Source::parse(s)).collect());
    }
    let ban = args.data_dir.join("ban");
    let mut files = Vec::new();
    let mut stack = vec![ban.clone()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).with_context(|| {
            format!(
                "no address files given and {} cannot be read: pass files or URLs \
                 (e.g. adresses-75.csv.gz), or --data-dir / GEOCOMMUN_DATA_DIR pointing at the shared data",
                dir.display()
            )
        })?;
        for e in entries {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".csv.gz")
                || p.extension().is_some_and(|x| x == "csv")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no address file under {}: pass files or URLs", ban.display());
    }
    Ok(files.into_iter().map(Source::Path).collect())
}

/// The administrative reference folder: `--admin-dir`, else `<data-dir>/admin` when present;
/// `None` with `--admin-dir none` or when the default folder is missing.
pub fn admin_dir(args: &DataArgs) -> Option<PathBuf> {
    match &args.admin_dir {
        Some(d) if d.as_os_str() == "none" => None,
        Some(d) => Some(d.clone()),
        None => {
            let d = args.data_dir.join("admin");
            if d.is_dir() {
                Some(d)
            } else {
                tracing::warn!(dir = %d.display(), "no administrative reference data: commune names, populations and context come from the address files");
                None
            }
        }
    }
}

/// The administrative registry (without contours) of [`admin_dir`].
pub fn admin(args: &DataArgs) -> anyhow::Result<Option<AdminRegistry>> {
    let Some(dir) = admin_dir(args) else { return Ok(None) };
    let t = Instant::now();
    let reg = geocommun_import::load_admin_dir(&dir).with_context(|| {
        format!("loading the administrative reference data from {}", dir.display())
    })?;
    tracing::info!(dir = %dir.display(), seconds = t.elapsed().as_secs_f32(), "administrative reference loaded");
    Ok(Some(reg))
}

/// The registry with its contours and indexes, as the API Géo routes serve it.
pub fn load_geo(dir: &std::path::Path) -> anyhow::Result<geocommun_server::routes::geo::GeoData> {
    let t = Instant::now();
    let sources = geocommun_import::AdminSources::from_dir(dir).with_context(|| {
        format!("reading the administrative reference folder {}", dir.display())
    })?;
    let registry = sources.load_registry().with_context(|| format!("loading {}", dir.display()))?;
    let contours = sources
        .load_contours(&registry, &mut |_, _| {})
        .with_context(|| format!("loading the commune contours of {}", dir.display()))?;
    if contours.is_none() {
        tracing::warn!(dir = %dir.display(), "no commune contours: lat/lon filters, contours and the /reverse/ commune fallback are off");
    }
    let geo = geocommun_server::routes::geo::GeoData::new(registry, contours);
    tracing::info!(
        seconds = t.elapsed().as_secs_f32(),
        "administrative reference and contours ready"
    );
    Ok(geo)
}

fn bar(args: &DataArgs, name: &str, total: Option<u64>) -> ProgressBar {
    if args.quiet {
        return ProgressBar::hidden();
    }
    let pb = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:>28} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(name.to_owned());
    pb
}

/// Imports every input into communes.
pub fn import(args: &DataArgs) -> anyhow::Result<Loaded> {
    let sources = inputs(args)?;
    let admin = admin(args)?;
    let mut importer = Importer::new(admin.as_ref());
    let t = Instant::now();
    for source in &sources {
        let name = source.file_name();
        let mut pb: Option<ProgressBar> = None;
        let stats = importer.read(source, &mut |p| {
            let b = pb.get_or_insert_with(|| bar(args, &name, p.total_bytes));
            b.set_position(p.bytes_read);
        });
        if let Some(b) = pb {
            b.finish_and_clear();
        }
        let stats = stats.with_context(|| format!("importing {name}"))?;
        tracing::info!(file = %name, rows = stats.rows, addresses = stats.addresses, skipped = stats.skipped_total, "imported");
    }
    let stats = importer.stats().clone();
    let communes = importer.finish();
    tracing::info!(
        communes = communes.len(),
        addresses = stats.addresses,
        seconds = t.elapsed().as_secs_f32(),
        "import done"
    );
    Ok(Loaded { communes, stats })
}

/// The engine: from the snapshot when given, else imported and built.
pub fn load_engine(args: &DataArgs) -> anyhow::Result<Engine> {
    Ok(load_engine_and_tiles(args, false)?.0)
}

/// The engine and, when `tiles` and the addresses are imported (not read from a snapshot),
/// the address layers of the vector tiles, built from the same communes.
pub fn load_engine_and_tiles(
    args: &DataArgs,
    tiles: bool,
) -> anyhow::Result<(Engine, Option<geocommun_tiles::AddressIndex>)> {
    if let Some(path) = &args.snapshot {
        let t = Instant::now();
        let engine = geocommun_search::snapshot::open(path)?;
        let s = engine.stats();
        tracing::info!(file = %path.display(), documents = s.documents, housenumbers = s.housenumbers, seconds = t.elapsed().as_secs_f32(), "index opened");
        return Ok((engine, None));
    }
    let loaded = import(args)?;
    if loaded.stats.skipped_total > 0 {
        print_report(&loaded.stats, 5);
    }
    let address_tiles = tiles.then(|| {
        let t = Instant::now();
        let index = geocommun_tiles::AddressIndex::build(&loaded.communes);
        tracing::info!(
            communes = index.len(),
            seconds = t.elapsed().as_secs_f32(),
            "address tiles ready"
        );
        index
    });
    let t = Instant::now();
    let mut builder = SegmentBuilder::new();
    for chunk in loaded.communes.chunks(2048) {
        builder.add_communes(chunk);
    }
    drop(loaded);
    let engine = Engine::from_segment(builder.finish());
    let s = engine.stats();
    tracing::info!(
        documents = s.documents,
        housenumbers = s.housenumbers,
        terms = s.terms,
        seconds = t.elapsed().as_secs_f32(),
        "index built"
    );
    Ok((engine, address_tiles))
}

/// The contour layers of the vector tiles, from the administrative reference's contours.
pub fn tile_areas(geo: &geocommun_server::routes::geo::GeoData) -> Option<geocommun_tiles::Areas> {
    let contours = geo.contours.as_ref()?;
    let t = Instant::now();
    let areas = geocommun_tiles::Areas::build(&geo.registry, contours);
    let s = areas.stats();
    tracing::info!(
        communes = s.communes,
        departements = s.departements,
        vertices = s.vertices,
        seconds = t.elapsed().as_secs_f32(),
        "contour tiles ready"
    );
    Some(areas)
}

/// Prints skipped rows (at most `max`) to standard error.
pub fn print_report(stats: &ImportStats, max: usize) {
    eprintln!(
        "{} rows read, {} addresses, {} streets, {} lieux-dits, {} communes; {} rows skipped, {} duplicates",
        stats.rows,
        stats.addresses,
        stats.streets,
        stats.lieux_dits,
        stats.communes,
        stats.skipped_total,
        stats.duplicates
    );
    for issue in stats.skipped.iter().take(max) {
        eprintln!("  {issue}");
    }
    if stats.skipped_total > max.min(stats.skipped.len()) as u64 {
        eprintln!(
            "  … and {} more (use `geocommun import --all-issues`)",
            stats.skipped_total - max.min(stats.skipped.len()) as u64
        );
    }
}
