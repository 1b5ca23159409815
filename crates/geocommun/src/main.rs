//! `geocommun`: the command line. Only this crate reads the environment, prints, installs the
//! tracing subscriber and exits.

mod admin;
mod bal;
mod commons;
mod data;
mod eval;
mod export;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An open geo-commons for French addresses: geocoder, BAL tools, publication.
#[derive(Parser, Debug)]
#[command(name = "geocommun", version, about)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, env = "GEOCOMMUN_LOG_FORMAT", default_value = "compact")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LogFormat {
    Compact,
    Json,
}

/// Where the address data comes from.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// Address files to load (BAN `adresses-XX.csv[.gz]`, BANO, R exports), local paths or
    /// http(s) URLs. Default: every file under `<data-dir>/ban/`.
    #[arg(value_name = "FILE_OR_URL")]
    pub inputs: Vec<String>,
    /// Folder of the shared data (`ban/`, `admin/`).
    #[arg(long, env = "GEOCOMMUN_DATA_DIR", default_value = "../shared/data")]
    pub data_dir: PathBuf,
    /// Administrative reference folder (COG JSON files, commune centres). Default:
    /// `<data-dir>/admin`; `none` to do without (names and context then come from the data).
    #[arg(long, env = "GEOCOMMUN_ADMIN_DIR")]
    pub admin_dir: Option<PathBuf>,
    /// Load the index from this snapshot instead of importing files (see `geocommun index`).
    #[arg(long, env = "GEOCOMMUN_SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// A rate limit setting: `N:SECS` (at most N requests every SECS seconds) or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LimitSetting(Option<geocommun_server::RateLimit>);

impl std::str::FromStr for LimitSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        geocommun_server::RateLimit::parse_setting(s).map(Self)
    }
}

impl std::fmt::Display for LimitSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(l) => l.fmt(f),
            None => f.write_str("off"),
        }
    }
}

/// The rate limits of the publication API (docs/store.md, "Rate limits").
#[derive(clap::Args, Debug, Clone)]
struct RateLimitArgs {
    /// Per client token, on the writing routes: N:SECS or off.
    #[arg(long, env = "GEOCOMMUN_RATE_LIMIT_CLIENT", value_name = "N:SECS|off",
          default_value_t = LimitSetting(Some(geocommun_server::RateLimits::DEFAULT_CLIENT)))]
    rate_limit_client: LimitSetting,
    /// Per IP address, on authentication failures (an address over it is refused until
    /// Retry-After, valid token or not): N:SECS or off.
    #[arg(long, env = "GEOCOMMUN_RATE_LIMIT_AUTH_FAILURES", value_name = "N:SECS|off",
          default_value_t = LimitSetting(Some(geocommun_server::RateLimits::DEFAULT_AUTH_FAILURES)))]
    rate_limit_auth_failures: LimitSetting,
    /// Per IP address, on habilitation code sends and validations: N:SECS or off.
    #[arg(long, env = "GEOCOMMUN_RATE_LIMIT_CODES", value_name = "N:SECS|off",
          default_value_t = LimitSetting(Some(geocommun_server::RateLimits::DEFAULT_CODES)))]
    rate_limit_codes: LimitSetting,
    /// Key the IP limits by the last address of X-Forwarded-For (behind a reverse proxy that
    /// sets it) instead of the connection's peer address.
    #[arg(long, env = "GEOCOMMUN_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
}

impl RateLimitArgs {
    fn limits(&self) -> geocommun_server::RateLimits {
        geocommun_server::RateLimits {
            client: self.rate_limit_client.0,
            auth_failures: self.rate_limit_auth_failures.0,
            codes: self.rate_limit_codes.0,
            trust_forwarded_for: self.trust_forwarded_for,
        }
    }
}

/// An optional raster basemap drawn under the map's own layers (`GET /tiles/style.json`).
#[derive(clap::Args, Debug, Clone)]
struct BasemapArgs {
    /// Tile URL template of a raster basemap, e.g. https://tiles.example.org/{z}/{x}/{y}.png
    /// (the browser fetches it; without it the map shows our own layers only).
    #[arg(
        id = "basemap_url",
        long = "basemap-url",
        env = "GEOCOMMUN_BASEMAP_URL",
        value_name = "URL"
    )]
    url: Option<String>,
    /// The attribution its licence asks for, shown on the map.
    #[arg(
        id = "basemap_attribution",
        long = "basemap-attribution",
        env = "GEOCOMMUN_BASEMAP_ATTRIBUTION",
        default_value = "",
        value_name = "TEXT"
    )]
    attribution: String,
    /// Pixels across one of its tiles.
    #[arg(
        id = "basemap_tile_size",
        long = "basemap-tile-size",
        env = "GEOCOMMUN_BASEMAP_TILE_SIZE",
        default_value_t = 256,
        value_name = "PIXELS"
    )]
    tile_size: u32,
}

impl BasemapArgs {
    fn basemap(&self) -> anyhow::Result<Option<geocommun_server::Basemap>> {
        let Some(url) = &self.url else { return Ok(None) };
        if self.attribution.trim().is_empty() {
            tracing::warn!(
                "--basemap-url without --basemap-attribution: most tile services' licences ask for one"
            );
        }
        geocommun_server::Basemap::new(url, &self.attribution, self.tile_size)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--basemap-url / GEOCOMMUN_BASEMAP_URL: {e}"))
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the HTTP API (geocoding) on the given address.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "GEOCOMMUN_LISTEN", default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        store: commons::StoreArgs,
        /// Serve without the store (no publication routes, fallback data only).
        #[arg(long)]
        no_store: bool,
        #[command(flatten)]
        limits: RateLimitArgs,
        #[command(flatten)]
        basemap: BasemapArgs,
        /// Megabytes of `/search/` and `/reverse/` answers kept to serve again to the same
        /// query (dropped when a publication changes the index); 0 turns the cache off.
        #[arg(long, env = "GEOCOMMUN_ANSWERS_CACHE_MB", default_value_t = 64)]
        answers_cache_mb: u64,
        /// Threads serving HTTP connections, each with its own event loop (0: one per core).
        #[arg(long, env = "GEOCOMMUN_HTTP_THREADS", default_value_t = 0)]
        http_threads: usize,
    },
    /// Clients of the publication API and their tokens (operator).
    Client {
        #[command(subcommand)]
        command: commons::ClientCommand,
        #[command(flatten)]
        store: commons::StoreArgs,
        #[command(flatten)]
        admin: commons::AdminArgs,
    },
    /// The directory of the mairies' official e-mail addresses (operator).
    Directory {
        #[command(subcommand)]
        command: commons::DirectoryCommand,
        #[command(flatten)]
        store: commons::StoreArgs,
        #[command(flatten)]
        admin: commons::AdminArgs,
    },
    /// Publish a BAL for a commune: create a revision, upload, compute, publish, print the
    /// report summary (exit 1 when the file is refused). A running server picks it up at its
    /// next start; publish through the HTTP API to update a running server at once.
    Publish {
        /// INSEE code of the commune.
        commune: String,
        /// The BAL CSV file.
        file: PathBuf,
        /// Publish as this client (`gc_…`); without it, as the operator.
        #[arg(long, env = "GEOCOMMUN_CLIENT_TOKEN", hide_env_values = true)]
        client_token: Option<commons::SecretArg>,
        #[command(flatten)]
        store: commons::StoreArgs,
        #[command(flatten)]
        admin: commons::AdminArgs,
    },
    /// Export the national base (fallback files + published BALs) as gzip files: BAN CSV,
    /// BAN CSV with ids, BAL 1.4, GeoJSON, addok NDJSON; `--all DIR` writes the whole set.
    Export {
        #[command(flatten)]
        export: export::ExportArgs,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        store: commons::StoreArgs,
    },
    /// Import address files and report what was read and what was skipped.
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// Print every skipped row (default: the first 20).
        #[arg(long)]
        all_issues: bool,
    },
    /// Build the search index from address files and save it as a snapshot file.
    Index {
        #[command(flatten)]
        data: DataArgs,
        /// Snapshot file to write.
        #[arg(short, long, default_value = "geocommun-index.gcx")]
        output: PathBuf,
    },
    /// Geocode a CSV file without the HTTP server (same columns as `POST /search/csv/`).
    Geocode {
        /// Input CSV (`,` `;` `|` or tab separated; UTF-8 or Latin-1).
        input: PathBuf,
        /// Output CSV.
        #[arg(short, long)]
        output: PathBuf,
        /// Columns to join as the query (repeatable; default: all).
        #[arg(long = "columns")]
        columns: Vec<String>,
        /// Column holding a postcode filter.
        #[arg(long)]
        postcode: Option<String>,
        /// Column holding an INSEE code filter.
        #[arg(long)]
        citycode: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Validate a BAL file like the reference validator (exit 1 when invalid).
    Validate {
        /// The BAL CSV file(s).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Profile: 1.1-strict, 1.2-strict, 1.3-strict, 1.3-relax, 1.3, 1.4, 1.5 (default:
        /// auto-detected from the header, like the reference).
        #[arg(long)]
        profile: Option<String>,
        /// Output format: a human report grouped by code, or the reference wrapper's JSON.
        #[arg(long, value_enum, default_value = "text")]
        format: bal::Format,
        /// Language of the human report.
        #[arg(long, value_enum, default_value = "fr")]
        lang: bal::LangArg,
        #[command(flatten)]
        cog: bal::CogArgs,
    },
    /// Apply the safe fixes to a BAL file (encoding, separator, decimal commas, dates,
    /// commune names and codes, position spelling, spaces, key case) and list each change.
    Fix {
        /// The BAL CSV file to fix.
        input: PathBuf,
        /// Where to write the fixed file (UTF-8, `;`, LF).
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        cog: bal::CogArgs,
    },
    /// The administrative reference (COG, EPCI, postcodes, movements, contours).
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Measure top-1 exact-id accuracy on query files (TSV of `bench/relevance_queries.py`).
    Eval {
        /// Query files.
        #[arg(long = "queries", required = true)]
        queries: Vec<PathBuf>,
        /// Write one line per query (rule, query, expected, got) to this TSV.
        #[arg(long)]
        details: Option<PathBuf>,
        /// Autocomplete on (default off, like the accuracy benchmark of addok).
        #[arg(long)]
        autocomplete: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Compact => builder.compact().init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate { files, profile, format, lang, cog } => {
            bal::validate(&files, profile.as_deref(), format, lang, &cog)
        }
        Command::Fix { input, output, cog } => bal::fix(&input, &output, &cog),
        Command::Publish { commune, file, client_token, store, admin } => {
            let token = client_token.as_ref().map(commons::SecretArg::expose);
            let ok = commons::publish(&commune, &file, token, &store, &admin)?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        other => run_other(other).map(|()| ExitCode::SUCCESS),
    }
}

fn run_other(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            listen,
            data,
            store,
            no_store,
            limits,
            basemap,
            answers_cache_mb,
            http_threads,
        } => {
            let config = geocommun_server::ServerConfig {
                rate_limits: limits.limits(),
                basemap: basemap.basemap()?,
                answers_cache_bytes: answers_cache_mb.saturating_mul(1024 * 1024),
                ..geocommun_server::ServerConfig::default()
            };
            serve(listen, http_threads, config, &data, (!no_store).then_some(&store))
        }
        Command::Client { command, store, admin } => commons::client(command, &store, &admin),
        Command::Directory { command, store, admin } => commons::directory(command, &store, &admin),
        Command::Import { data, all_issues } => {
            let loaded = data::import(&data)?;
            data::print_report(&loaded.stats, if all_issues { usize::MAX } else { 20 });
            Ok(())
        }
        Command::Index { data, output } => {
            let engine = data::load_engine(&data)?;
            let t = std::time::Instant::now();
            geocommun_search::snapshot::save(&engine, &output)?;
            tracing::info!(file = %output.display(), seconds = t.elapsed().as_secs_f32(), "snapshot written");
            Ok(())
        }
        Command::Geocode { input, output, columns, postcode, citycode, data } => {
            let engine = data::load_engine(&data)?;
            let opts = geocommun_server::csv::CsvOptions {
                columns,
                postcode,
                citycode,
                ..Default::default()
            };
            let t = std::time::Instant::now();
            let rows = geocommun_server::csv::geocode_file(&engine, &input, &output, &opts)
                .with_context(|| format!("geocoding {}", input.display()))?;
            let secs = t.elapsed().as_secs_f64();
            tracing::info!(rows, seconds = secs, rows_per_s = rows as f64 / secs, output = %output.display(), "geocoded");
            Ok(())
        }
        Command::Admin { command } => admin::run(command),
        Command::Export { export, data, store } => export::run(&export, &data, &store),
        Command::Eval { queries, details, autocomplete, data } => {
            let engine = data::load_engine(&data)?;
            eval::run(&engine, &queries, details.as_deref(), autocomplete)
        }
        Command::Validate { .. } | Command::Fix { .. } | Command::Publish { .. } => {
            unreachable!("handled by run")
        }
    }
}

fn serve(
    listen: SocketAddr,
    http_threads: usize,
    config: geocommun_server::ServerConfig,
    data: &DataArgs,
    store: Option<&commons::StoreArgs>,
) -> anyhow::Result<()> {
    if let Some(s) = store {
        commons::check_url(&s.url)?;
    }
    // The administrative reference (contours, unions) is prepared while the addresses load.
    let admin_dir = data::admin_dir(data);
    // The contour layers of the tiles are made from it on the same thread.
    let geo = std::thread::spawn(move || {
        admin_dir
            .map(|d| {
                let geo = data::load_geo(&d)?;
                let areas = data::tile_areas(&geo);
                anyhow::Ok((geo, areas))
            })
            .transpose()
    });
    let (engine, address_tiles) = data::load_engine_and_tiles(data, true)?;
    let (geo, tile_areas) = match geo
        .join()
        .map_err(|_| anyhow::anyhow!("loading the administrative reference panicked"))??
    {
        Some((geo, areas)) => (Some(geo), areas),
        None => (None, None),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}: is another server running there? choose another with --listen"))?;
        let bound = listener.local_addr().with_context(|| format!("listening on {listen}"))?;
        tracing::info!(limits = ?config.rate_limits, "publication rate limits");
        let state = geocommun_server::AppState::new(engine, config);
        if let Some(areas) = tile_areas {
            state.set_tile_areas(std::sync::Arc::new(areas));
        } else {
            tracing::warn!("no commune contours: the tiles have no contour layers");
        }
        if let Some(addresses) = address_tiles {
            state.set_tile_addresses(std::sync::Arc::new(addresses));
        } else if data.inputs.is_empty() {
            tracing::warn!(
                "--snapshot without address files: the tiles show the published communes only \
                 (give the files the snapshot was built from to draw the others)"
            );
        } else {
            // From a snapshot: the tiles need the model values, read again from the files in
            // the background (published communes keep their own).
            let (state, mut args) = (state.clone(), data.clone());
            args.quiet = true; // no progress bars among the server's logs
            tokio::spawn(async move {
                match tokio::task::spawn_blocking(move || data::import(&args)).await {
                    Ok(Ok(loaded)) => state.add_fallback_tiles(loaded.communes).await,
                    Ok(Err(e)) => tracing::error!("address tiles: {e:#}"),
                    Err(e) => tracing::error!("address tiles: {e}"),
                }
            });
        }
        let registry = geo.as_ref().map(|g| std::sync::Arc::new(g.registry.clone()));
        // Exports read the fallback data again from the files the index was built from (not
        // known when the index comes from a snapshot without files given).
        if data.snapshot.is_none() || !data.inputs.is_empty() {
            let sources = data::inputs(data)?;
            state.set_fallback(std::sync::Arc::new(geocommun_export::Fallback::new(
                sources,
                registry.clone(),
            )));
        }
        if let Some(geo) = geo {
            // The BAL validator checks communes against the same COG as the API Géo routes.
            state.set_bal_cog(std::sync::Arc::new(geocommun_bal::MiniCog::from_registry(
                &geo.registry,
            )));
            state.set_geo(std::sync::Arc::new(geo));
        } else {
            tracing::warn!("no administrative reference: POST /bal/validate answers 503");
        }
        match (store, registry) {
            (Some(args), Some(registry)) => {
                let store = args.open(registry).await?;
                // The feed cursor before the base is read: what comes later is followed.
                let head = store.feed_head().await?;
                state.set_store(std::sync::Arc::new(store));
                // The national base: each commune's current BAL, over the fallback files.
                let n = state.index_published().await?;
                tracing::info!(communes = n, "published BALs indexed");
                // Publications through other servers on the same database.
                state.follow_feed(head);
                state.start_webhooks();
            }
            (Some(_), None) => tracing::warn!(
                "no administrative reference: the store is not opened, publication answers 503"
            ),
            (None, _) => tracing::info!("--no-store: publication answers 503"),
        }
        let app = geocommun_server::router(state);
        // The bound address (`--listen 127.0.0.1:0` picks a free port): tests read it here.
        tracing::info!(address = %bound, "serving on http://{bound}/ (try http://{bound}/search/?q=12+rue+de+rivoli+paris)");
        let threads = match http_threads {
            0 => std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            n => n,
        };
        geocommun_server::serve_threads(listener, app, shutdown_signal(), threads).await?;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_given_on_the_command_line_are_not_in_debug() {
        let cli = Cli::parse_from([
            "geocommun",
            "publish",
            "71346",
            "bal.csv",
            "--client-token",
            "gc_0123456789abcdef0123456789abcdef_SECRETSECRETSECRET",
            "--secret",
            "the-server-secret-of-32-bytes!!",
            "--store",
            "postgres://geocommun:pg-password@db.example.org/commons",
        ]);
        let debug = format!("{cli:?}");
        for secret in ["SECRETSECRETSECRET", "the-server-secret", "pg-password"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("postgres://geocommun@db.example.org/commons"), "{debug}");
    }

    #[test]
    fn the_basemap_is_checked_at_start() {
        let basemap = |args: &[&str]| {
            let cli = Cli::parse_from(["geocommun", "serve"].iter().chain(args));
            let Command::Serve { basemap, .. } = cli.command else { unreachable!() };
            basemap.basemap()
        };
        assert_eq!(basemap(&[]).unwrap(), None);
        let b = basemap(&[
            "--basemap-url",
            "https://tiles.example.org/{z}/{x}/{y}.png",
            "--basemap-attribution",
            "© Example",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (b.url.as_str(), b.attribution.as_str(), b.tile_size),
            ("https://tiles.example.org/{z}/{x}/{y}.png", "© Example", 256)
        );
        let err = basemap(&["--basemap-url", "tiles.example.org/{z}/{x}/{y}.png"]).unwrap_err();
        assert!(err.to_string().contains("--basemap-url"), "{err}");
        let err = basemap(&["--basemap-url", "https://tiles.example.org/tile.png"]).unwrap_err();
        assert!(err.to_string().contains("placeholders"), "{err}");
    }

    #[test]
    fn rate_limits_are_set_by_flags_with_defaults() {
        let limits = |args: &[&str]| {
            let cli = Cli::parse_from(["geocommun", "serve"].iter().chain(args));
            let Command::Serve { limits, .. } = cli.command else { unreachable!() };
            limits.limits()
        };
        assert_eq!(limits(&[]), geocommun_server::RateLimits::default());
        let set = limits(&[
            "--rate-limit-client",
            "off",
            "--rate-limit-auth-failures",
            "5:1",
            "--rate-limit-codes",
            "2:30",
            "--trust-forwarded-for",
        ]);
        assert_eq!(set.client, None);
        assert_eq!(set.auth_failures, Some(geocommun_server::RateLimit::new(5, 1)));
        assert_eq!(set.codes, Some(geocommun_server::RateLimit::new(2, 30)));
        assert!(set.trust_forwarded_for);
        let bad = Cli::try_parse_from(["geocommun", "serve", "--rate-limit-client", "300"]);
        let err = bad.unwrap_err().to_string();
        assert!(err.contains("N:SECS"), "{err}");
    }
}
