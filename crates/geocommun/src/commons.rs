//! The commons' store from the command line: where it is (`--store`), the operator commands
//! (`client create`, `directory import`, `publish`) and what `serve` needs of it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use geocommun_admin::AdminRegistry;
use geocommun_store::{
    Mailer, PerimeterEntry, RevisionContext, RevisionStatus, ServerSecret, SmtpConfig, Store,
    StoreConfig, Token,
};

use crate::DataArgs;

/// A secret given on the command line or in the environment (a token, the HMAC key): its
/// `Debug` never shows it.
#[derive(Clone)]
pub struct SecretArg(String);

impl SecretArg {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the store is and how it sends habilitation codes.
#[derive(clap::Args, Clone)]
pub struct StoreArgs {
    /// The store: `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`. Default:
    /// `geocommun.db` in the working directory.
    #[arg(
        global = true,
        long = "store",
        env = "GEOCOMMUN_STORE",
        default_value = "sqlite://geocommun.db"
    )]
    pub url: String,
    /// Key of the habilitation codes' HMAC (at least 16 bytes). Without it a random key is
    /// used and codes sent before a restart stop working.
    #[arg(global = true, long, env = "GEOCOMMUN_SECRET", hide_env_values = true)]
    pub secret: Option<SecretArg>,
    /// SMTP relay for habilitation codes (host); without it, sending a code answers 503.
    #[arg(global = true, long, env = "GEOCOMMUN_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(global = true, long, env = "GEOCOMMUN_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// Sender of the codes.
    #[arg(
        global = true,
        long,
        env = "GEOCOMMUN_SMTP_FROM",
        default_value = "geocommun <no-reply@localhost>"
    )]
    pub smtp_from: String,
    /// Talk to the relay without STARTTLS (a relay on the same host only).
    #[arg(global = true, long, env = "GEOCOMMUN_SMTP_NO_TLS")]
    pub smtp_no_tls: bool,
}

impl StoreArgs {
    /// Opens the store (applying migrations) over this administrative registry.
    pub async fn open(&self, registry: Arc<AdminRegistry>) -> anyhow::Result<Store> {
        let secret = if let Some(s) = &self.secret {
            ServerSecret::new(s.expose().as_bytes().to_vec())
                .context("GEOCOMMUN_SECRET / --secret: at least 16 bytes")?
        } else {
            tracing::warn!(
                "no --secret / GEOCOMMUN_SECRET: habilitation codes sent before a restart will not validate after it"
            );
            ServerSecret::random()
        };
        let mut config = StoreConfig::new(registry, secret);
        // Validation and consolidation yield to searches (see `background_pool`).
        if let Some(pool) = geocommun_server::background_pool() {
            config = config.with_background(pool);
        }
        if let Some(host) = &self.smtp_host {
            let credentials = match (
                std::env::var("GEOCOMMUN_SMTP_USER"),
                std::env::var("GEOCOMMUN_SMTP_PASSWORD"),
            ) {
                (Ok(u), Ok(p)) => Some((u, p)),
                _ => None,
            };
            let mailer = Mailer::new(&SmtpConfig {
                host: host.clone(),
                port: self.smtp_port,
                from: self.smtp_from.clone(),
                credentials,
                tls: !self.smtp_no_tls,
            })
            .context("configuring the SMTP relay")?;
            config = config.with_mailer(mailer);
        }
        let store = Store::open(&self.url, config)
            .await
            .with_context(|| format!("opening the store {}", redact(&self.url)))?;
        tracing::info!(store = %redact(&self.url), backend = store.backend_name(), "store opened");
        Ok(store)
    }
}

/// The URL without its password, the secret hidden.
impl std::fmt::Debug for StoreArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreArgs")
            .field("url", &redact(&self.url))
            .field("secret", &self.secret)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_from", &self.smtp_from)
            .field("smtp_no_tls", &self.smtp_no_tls)
            .finish()
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = &url[s + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Where the administrative reference is (for the store's COG).
#[derive(clap::Args, Debug, Clone)]
pub struct AdminArgs {
    /// Folder of the shared data (`admin/`).
    #[arg(global = true, long, env = "GEOCOMMUN_DATA_DIR", default_value = "../shared/data")]
    pub data_dir: PathBuf,
    /// Administrative reference folder. Default: `<data-dir>/admin`.
    #[arg(global = true, long, env = "GEOCOMMUN_ADMIN_DIR")]
    pub admin_dir: Option<PathBuf>,
}

impl AdminArgs {
    fn registry(&self) -> anyhow::Result<Arc<AdminRegistry>> {
        let data = DataArgs {
            inputs: Vec::new(),
            data_dir: self.data_dir.clone(),
            admin_dir: self.admin_dir.clone(),
            snapshot: None,
            quiet: true,
        };
        crate::data::admin(&data)?.map(Arc::new).context(
            "the store needs the administrative reference (COG): pass --admin-dir or --data-dir",
        )
    }
}

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Create a client and print its token (shown once, never again).
    Create {
        /// Its name (`mes-adresses`, `Mairie de Perrecy`).
        name: String,
        /// Communes it may publish for without habilitation: `commune:71346`, `epci:SIREN`,
        /// `departement:71` (repeatable).
        #[arg(long = "perimeter")]
        perimeter: Vec<String>,
    },
    /// Revoke a client: its token stops working at once.
    Revoke { id: String },
    /// List the clients.
    List,
}

#[derive(Subcommand, Debug)]
pub enum DirectoryCommand {
    /// Import the mairies' official e-mail addresses (CSV with `code_insee` and `email`);
    /// replaces the addresses of every commune in the file.
    Import { file: PathBuf },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

pub fn client(command: ClientCommand, store: &StoreArgs, admin: &AdminArgs) -> anyhow::Result<()> {
    let registry = admin.registry()?;
    runtime()?.block_on(async {
        let s = store.open(registry).await?;
        match command {
            ClientCommand::Create { name, perimeter } => {
                let perimeter = perimeter
                    .iter()
                    .map(|p| p.parse::<PerimeterEntry>())
                    .collect::<Result<Vec<_>, _>>()?;
                let new = s.create_client(&name, perimeter).await?;
                eprintln!(
                    "client {} created; its token (shown once, keep it secret):",
                    new.client.id
                );
                #[allow(clippy::print_stdout)]
                {
                    println!("{}", new.token.expose());
                }
            }
            ClientCommand::Revoke { id } => {
                let id = id.parse().map_err(|_| anyhow::anyhow!("`{id}` is not a client id"))?;
                let c = s.revoke_client(id).await?;
                eprintln!("client {} ({}) revoked", c.id, c.name);
            }
            ClientCommand::List => {
                for c in s.clients().await? {
                    #[allow(clippy::print_stdout)]
                    {
                        println!(
                            "{}\t{}\t{}",
                            c.id,
                            if c.is_active() { "active" } else { "revoked" },
                            c.name
                        );
                    }
                }
            }
        }
        s.close().await;
        anyhow::Ok(())
    })
}

pub fn directory(
    command: DirectoryCommand,
    store: &StoreArgs,
    admin: &AdminArgs,
) -> anyhow::Result<()> {
    let DirectoryCommand::Import { file } = command;
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let registry = admin.registry()?;
    runtime()?.block_on(async {
        let s = store.open(registry).await?;
        let name = file.display().to_string();
        let import = s.import_mairie_directory(&name, &bytes).await?;
        eprintln!("{import:?}");
        s.close().await;
        anyhow::Ok(())
    })
}

/// `geocommun publish`: with a client token, as that client; without, as the operator (a
/// client `operator (cli)` whose perimeter is the commune, revoked once done).
pub fn publish(
    commune: &str,
    file: &PathBuf,
    token: Option<&str>,
    store: &StoreArgs,
    admin: &AdminArgs,
) -> anyhow::Result<bool> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let registry = admin.registry()?;
    runtime()?.block_on(async {
        let s = store.open(registry).await?;
        let (client, operator) = if let Some(t) = token {
            (s.authenticate(&Token::from_presented(t)).await?, None)
        } else {
            let entry: PerimeterEntry = format!("commune:{commune}").parse()?;
            let new = s.create_client("operator (cli)", vec![entry]).await?;
            (s.authenticate(&new.token).await?, Some(new.client.id))
        };
        let context = RevisionContext { author: None, organisation: Some("geocommun CLI".into()) };
        let r = s.create_revision(&client, commune, context).await?;
        s.upload_file(&client, r.id, &bytes).await?;
        let r = s.compute(&client, r.id).await?;
        let report = r.report.as_ref().context("computed revision without report")?;
        eprintln!(
            "revision {}: {} rows, {} addresses, profile {}",
            r.id,
            report.rows_count,
            report.address_count,
            report.profile.as_deref().unwrap_or("?")
        );
        if let Some(c) = &report.consolidation {
            eprintln!(
                "consolidation: {} streets, {} lieux-dits, {} addresses; ids: {} from the file, {} kept, {} new",
                c.streets, c.lieux_dits, c.addresses, c.ids_from_file, c.ids_kept, c.ids_new
            );
            for f in &c.flags {
                eprintln!("  warning {}: {} ({} rows, e.g. {:?})", f.code, f.message, f.count, f.rows);
            }
        }
        for f in &report.platform {
            eprintln!("  {:?} {}: {}", f.level, f.code, f.message);
        }
        let published = if r.status == RevisionStatus::Ready {
            let p = s.publish(&client, r.id).await?;
            eprintln!("published: revision {} is the current revision of {commune}", p.revision.id);
            true
        } else {
            eprintln!("not published: the revision is {} (errors: {})", r.status.as_str(), report.errors.join(", "));
            false
        };
        if let Some(id) = operator {
            s.revoke_client(id).await?;
        }
        s.close().await;
        anyhow::Ok(published)
    })
}

/// Checks an operator-given URL early (a typo should not wait for the data to load).
pub fn check_url(url: &str) -> anyhow::Result<()> {
    if url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Ok(())
    } else {
        bail!("--store `{}`: expected sqlite://PATH or postgres://USER@HOST/DB", redact(url))
    }
}
