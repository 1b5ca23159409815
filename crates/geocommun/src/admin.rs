//! `geocommun admin import` and `geocommun admin where LON LAT`.

use std::io::Write as _;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use geocommun_admin::{AdminRegistry, CommuneKind, Contours};
use geocommun_import::AdminSources;
use indicatif::{ProgressBar, ProgressStyle};

use crate::DataArgs;
use crate::data::admin_dir;

/// Where the administrative reference comes from.
#[derive(clap::Args, Debug, Clone)]
pub struct AdminArgs {
    /// Folder of the shared data (`admin/`).
    #[arg(long, env = "GEOCOMMUN_DATA_DIR", default_value = "../shared/data")]
    pub data_dir: std::path::PathBuf,
    /// Administrative reference folder (default `<data-dir>/admin`).
    #[arg(long, env = "GEOCOMMUN_ADMIN_DIR")]
    pub admin_dir: Option<std::path::PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    pub quiet: bool,
}

impl AdminArgs {
    fn data(&self) -> DataArgs {
        DataArgs {
            inputs: Vec::new(),
            data_dir: self.data_dir.clone(),
            admin_dir: self.admin_dir.clone(),
            snapshot: None,
            quiet: self.quiet,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Load every administrative reference file and report what was read and matched.
    Import {
        #[command(flatten)]
        args: AdminArgs,
    },
    /// The commune, EPCI, département and région of a point (WGS-84).
    Where {
        #[command(flatten)]
        args: AdminArgs,
        /// Longitude.
        #[arg(allow_hyphen_values = true)]
        lon: f64,
        /// Latitude.
        #[arg(allow_hyphen_values = true)]
        lat: f64,
    },
}

fn load(data: &DataArgs) -> anyhow::Result<(AdminRegistry, Option<Contours>)> {
    let Some(dir) = admin_dir(data) else {
        bail!("no administrative reference folder: give --admin-dir or --data-dir");
    };
    let t = Instant::now();
    let sources = AdminSources::from_dir(&dir).with_context(|| {
        format!("reading the administrative reference folder {}", dir.display())
    })?;
    let registry = sources.load_registry().with_context(|| format!("loading {}", dir.display()))?;
    tracing::info!(seconds = t.elapsed().as_secs_f32(), "registry loaded");
    let pb = if data.quiet {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(sources.contours.len() as u64);
        pb.set_style(
            ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len} files")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb.set_message("contours");
        pb
    };
    let t = Instant::now();
    let contours = sources
        .load_contours(&registry, &mut |done, _| pb.set_position(done as u64))
        .with_context(|| format!("loading the contours of {}", dir.display()))?;
    pb.finish_and_clear();
    tracing::info!(seconds = t.elapsed().as_secs_f32(), "contours built");
    Ok((registry, contours))
}

pub fn run(command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Import { args } => {
            let (r, contours) = load(&args.data())?;
            let count = |k: CommuneKind| r.communes().filter(|c| c.kind == k).count();
            eprintln!(
                "{} communes actuelles, {} déléguées, {} associées, {} arrondissements municipaux",
                count(CommuneKind::Actuelle),
                count(CommuneKind::Deleguee),
                count(CommuneKind::Associee),
                count(CommuneKind::ArrondissementMunicipal)
            );
            eprintln!(
                "{} départements, {} régions, {} EPCI/EPT, {} La Poste rows ({} skipped), {} COG movements (history from {})",
                r.departements().len(),
                r.regions().len(),
                r.epcis().len(),
                r.postcodes().len(),
                r.postcode_rows_skipped(),
                r.movements().len(),
                r.history_since().unwrap_or_else(|| "-".to_owned())
            );
            eprintln!(
                "{} centre codes matched no commune: {:?}",
                r.unmatched_centres().len(),
                r.unmatched_centres()
            );
            match contours {
                None => eprintln!("no commune contours found"),
                Some(c) => {
                    let rep = c.report();
                    eprintln!(
                        "contours: {} features; {} direct, {} via déléguée/associée, {} via movements, {} via anciensCodes; {} communes with a contour",
                        rep.features,
                        rep.direct,
                        rep.via_deleguee,
                        rep.via_movements,
                        rep.via_anciens_codes,
                        c.commune_count()
                    );
                    eprintln!(
                        "  split since the contours' vintage (contour given to none): {:?}",
                        rep.split
                    );
                    eprintln!("  unmatched features: {:?}", rep.unmatched);
                    eprintln!(
                        "  current communes without contour (code, contour holding their centre): {:?}",
                        rep.communes_without_contour
                    );
                }
            }
            Ok(())
        }
        AdminCommand::Where { args, lon, lat } => {
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                bail!(
                    "LON LAT must be WGS-84 degrees (lon in -180..180, lat in -90..90); got {lon} {lat}"
                );
            }
            let (r, contours) = load(&args.data())?;
            let Some(contours) = contours else { bail!("no commune contours are loaded") };
            let Some(c) = contours.pip().locate(lon, lat).and_then(|i| r.commune_at(i)) else {
                bail!("{lon} {lat} is in no commune of the loaded contours");
            };
            let epci = c.epci.as_deref().and_then(|e| r.epci(e));
            let mut out = std::io::stdout().lock();
            writeln!(out, "commune\t{}\t{}", c.code, c.nom)?;
            if let Some(e) = epci {
                writeln!(out, "epci\t{}\t{}", e.code, e.nom)?;
            }
            if let Some(d) = r.departement(&c.departement) {
                writeln!(out, "departement\t{}\t{}", d.code, d.nom)?;
            }
            if let Some(g) = r.region(&c.region) {
                writeln!(out, "region\t{}\t{}", g.code, g.nom)?;
            }
            Ok(())
        }
    }
}
