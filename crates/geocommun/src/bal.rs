//! `geocommun validate` and `geocommun fix`: BAL files on the command line.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use geocommun_bal::{Lang, MiniCog, Options, Profile, Validator};

/// Where the COG comes from.
#[derive(clap::Args, Debug, Clone)]
pub struct CogArgs {
    /// Folder of the shared data (its `admin/` holds the 2026 COG).
    #[arg(long, env = "GEOCOMMUN_DATA_DIR", default_value = "../shared/data")]
    pub data_dir: PathBuf,
    /// Administrative reference folder (COG `communes.json[.gz]`…). Default: `<data-dir>/admin`.
    #[arg(long, env = "GEOCOMMUN_ADMIN_DIR")]
    pub admin_dir: Option<PathBuf>,
}

impl CogArgs {
    pub fn load(&self) -> anyhow::Result<MiniCog> {
        let dir = self.admin_dir.clone().unwrap_or_else(|| self.data_dir.join("admin"));
        let context = || {
            format!(
                "cannot load the COG from {}: pass --admin-dir (or --data-dir) pointing at the folder holding communes.json[.gz]",
                dir.display()
            )
        };
        let mut sources = geocommun_import::AdminSources::from_dir(&dir).with_context(context)?;
        // The mini-COG reads the communes only (codes, names, anciens codes): the centres,
        // EPCI, postcodes and movements files annotate the registry and would double the
        // start-up time of `validate`.
        sources.centres = None;
        sources.epci = None;
        sources.ept = None;
        sources.postcodes = None;
        sources.movements.clear();
        sources.contours.clear();
        let registry = sources.load_registry().with_context(context)?;
        Ok(MiniCog::from_registry(&registry))
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    Fr,
    En,
}

/// `geocommun validate`: exit 0 when every file is valid, 1 otherwise. With several files
/// and `--format json`, one compact JSON object per line.
pub fn validate(
    files: &[PathBuf],
    profile: Option<&str>,
    format: Format,
    lang: LangArg,
    cog: &CogArgs,
) -> anyhow::Result<ExitCode> {
    let profile = profile.map(str::parse::<Profile>).transpose()?;
    let cog = cog.load()?;
    let validator = Validator::new(&cog, Options { profile, ..Options::default() });
    // Buffered: stdout is line-buffered, and a pretty JSON report has a line per key.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut all_valid = true;
    for file in files {
        let report = validator
            .validate_path(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let name = file.display().to_string();
        match format {
            Format::Json => {
                report.write_json(&name, files.len() == 1, &mut out)?;
                writeln!(out)?;
            }
            Format::Text => {
                let lang = if lang == LangArg::Fr { Lang::Fr } else { Lang::En };
                out.write_all(report.to_text(&name, lang).as_bytes())?;
            }
        }
        all_valid &= report.refusal.is_none() && report.parse_ok && report.valid;
    }
    out.flush()?;
    Ok(if all_valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `geocommun fix`: writes the fixed file and lists every change on stderr.
pub fn fix(input: &Path, output: &Path, cog: &CogArgs) -> anyhow::Result<ExitCode> {
    let cog = cog.load()?;
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let fixed = geocommun_bal::fix::fix(&bytes, &cog)
        .with_context(|| format!("{} cannot be fixed", input.display()))?;
    std::fs::write(output, &fixed.bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    let mut err = std::io::stderr().lock();
    for c in &fixed.changes {
        writeln!(err, "{c}")?;
    }
    writeln!(err, "{} change(s) written to {}", fixed.changes.len(), output.display())?;
    Ok(ExitCode::SUCCESS)
}
