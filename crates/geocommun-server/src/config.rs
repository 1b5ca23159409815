//! Server settings. The binary fills this struct from its own configuration (CLI, env, file);
//! the defaults below are what a plain `ServerConfig::default()` gives.

use std::path::PathBuf;
use std::time::Duration;

/// Settings of the HTTP server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest CSV upload accepted by `/search/csv/` and `/reverse/csv/`, in bytes (the whole
    /// `data` part). Default 200 MB for both routes: uploads are streamed to a spool (memory
    /// then a temporary file) and geocoded in chunks, so memory stays flat whatever the size,
    /// and a 1-million-row file (≈ 60–100 MB) fits. api-adresse capped search at 50 MB and
    /// reverse at 6 MB only because its workers buffered whole files.
    pub csv_max_bytes: u64,
    /// Bytes of an upload kept in memory before the spool spills to a temporary file.
    pub csv_spool_memory_bytes: usize,
    /// Where spilled uploads go (default: the system temporary directory). Files are deleted
    /// when the request ends.
    pub csv_tmp_dir: Option<PathBuf>,
    /// Rows geocoded together (in parallel on the rayon pool) and sent as one body chunk.
    pub csv_chunk_rows: usize,
    /// Longest wait for the next piece of an upload before the request is answered 503
    /// (protects against stalled clients; a slow but steady upload is never cut).
    pub csv_idle_timeout: Duration,
    /// Longest time a non-CSV request may take before it is answered 503. `/search`,
    /// `/reverse` and `/health` answer without awaiting anything, so a timer could not cut
    /// them: their work is bounded by the query limits instead, and they have no timer.
    pub request_timeout: Duration,
    /// Bytes of `/search/` and `/reverse/` answers kept to serve again (see
    /// [`crate::answers`]); `0` keeps none.
    pub answers_cache_bytes: u64,
    /// Largest JSON body of `/batch`, in bytes.
    pub batch_max_bytes: usize,
    /// Rate limits of the publication routes (per client, per IP on authentication failures
    /// and on habilitation codes).
    pub rate_limits: crate::rate_limit::RateLimits,
    /// Webhook deliveries: see [`WebhookConfig`].
    pub webhooks: WebhookConfig,
    /// A raster basemap the map style draws under our layers (none by default: the style is
    /// readable with our own layers alone).
    pub basemap: Option<Basemap>,
}

/// An operator's raster basemap: a tile URL template and the attribution its licence asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basemap {
    /// `https://tiles.example.org/{z}/{x}/{y}.png` (also `{quadkey}` or `{bbox-epsg-3857}`,
    /// as MapLibre accepts them).
    pub url: String,
    /// Shown in the map's attribution control (HTML allowed, as MapLibre renders it).
    pub attribution: String,
    /// Pixels across one of its tiles (256 for most raster services).
    pub tile_size: u32,
}

impl Basemap {
    /// Checks an operator-given basemap; the error says what is wrong and how to write it.
    pub fn new(url: &str, attribution: &str, tile_size: u32) -> Result<Self, String> {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "basemap URL `{url}`: expected an http(s) tile URL template such as \
                 https://tiles.example.org/{{z}}/{{x}}/{{y}}.png"
            ));
        }
        let xyz = ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p));
        if !(xyz || url.contains("{quadkey}") || url.contains("{bbox-epsg-3857}")) {
            return Err(format!(
                "basemap URL `{url}`: it has no {{z}}, {{x}} and {{y}} (or {{quadkey}}, \
                 {{bbox-epsg-3857}}) placeholders for the tile to fetch"
            ));
        }
        if url.chars().any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>') {
            return Err(format!("basemap URL `{url}`: spaces, quotes and <> are not allowed"));
        }
        if !(64..=1024).contains(&tile_size) || !tile_size.is_power_of_two() {
            return Err(format!(
                "basemap tile size {tile_size}: expected 256 or 512 (a power of two, 64 to 1024)"
            ));
        }
        Ok(Self { url: url.to_owned(), attribution: attribution.trim().to_owned(), tile_size })
    }
}

/// How webhooks are delivered: in feed order, at most `batch` changes per request, retried
/// with exponential back-off (`retry_base` × 2^attempt, at most `retry_max`) until
/// `max_attempts` failures make the batch a dead letter.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    pub batch: u32,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub max_attempts: u32,
    /// Deliveries in flight at once (a hanging receiver holds one).
    pub concurrency: usize,
    /// How often due deliveries are looked for.
    pub poll: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            batch: 500,
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_mins(10),
            max_attempts: 12,
            concurrency: 8,
            poll: Duration::from_millis(500),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            csv_max_bytes: 200 * 1024 * 1024,
            csv_spool_memory_bytes: 8 * 1024 * 1024,
            csv_tmp_dir: None,
            csv_chunk_rows: 2_000,
            csv_idle_timeout: Duration::from_mins(1),
            request_timeout: Duration::from_secs(30),
            answers_cache_bytes: 64 * 1024 * 1024,
            batch_max_bytes: 2 * 1024 * 1024,
            rate_limits: crate::rate_limit::RateLimits::default(),
            webhooks: WebhookConfig::default(),
            basemap: None,
        }
    }
}
