//! The web UI: `web/dist` (built by `npm ci && npm run build` in `web/`, committed, and
//! checked for drift by `.ci/run`) embedded in the binary with rust-embed, so that `serve`
//! shows the explorer and the editor on a machine without Node.js. Debug builds read the
//! files from `web/dist` on disk (rust-embed's default), release builds carry them.
//!
//! Routes: the UI pages (`/`, `/explorer`, `/explorer/communes/{code}`,
//! `/explorer/adresses/{id}`, `/editeur`, `/editeur/{*rest}`) answer `index.html`, revalidated
//! on every load (ETag); `/assets/{*path}` answers the content-hashed files with an immutable
//! cache. No API route is shadowed: the UI lives under its own prefixes. A browser that asks
//! for an unknown path (`Accept: text/html`) gets the UI's "page not found" with a 404; other
//! clients keep the JSON error body ([`crate::routes::misc::not_found`]).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

#[derive(Embed)]
#[folder = "../../web/dist"]
struct Dist;

/// Content-hashed assets never change under a name: cache them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page itself names the assets of the current build: revalidate it every time.
const REVALIDATE: &str = "no-cache";

/// Adds the UI routes.
pub fn mount(r: Router<AppState>) -> Router<AppState> {
    let page = get(index);
    r.route("/", page.clone())
        .route("/explorer", page.clone())
        .route("/explorer/", page.clone())
        .route("/explorer/communes/{code}", page.clone())
        .route("/explorer/adresses/{id}", page.clone())
        .route("/editeur", page.clone())
        .route("/editeur/", page.clone())
        .route("/editeur/{*rest}", page)
        .route("/assets/{*path}", get(asset))
}

/// Whether the request comes from a browser navigating (it accepts HTML).
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|m| m.trim().starts_with("text/html")))
}

/// Headers of every HTML answer: no sniffing, no framing (the editor acts for a commune),
/// no referrer sent to other sites.
fn html_headers(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
}

fn etag_of(file: &rust_embed::EmbeddedFile) -> String {
    let hash = file.metadata.sha256_hash();
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for b in &hash[..16] {
        tag.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        tag.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    tag.push('"');
    tag
}

fn missing_build() -> Response {
    ApiError::new(
        ErrorCode::Unavailable,
        "the web UI was not built into this binary: run `npm ci && npm run build` in web/, then \
         build geocommun again",
    )
    .into_response()
}

/// `index.html`, with `status` (200 for the UI routes, 404 for unknown paths).
pub fn page(headers: &HeaderMap, status: StatusCode) -> Response {
    let Some(file) = Dist::get("index.html") else {
        return missing_build();
    };
    let etag = etag_of(&file);
    if status == StatusCode::OK
        && headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        html_headers(&mut res);
        res.headers_mut().remove(header::CONTENT_TYPE);
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return res;
    }
    let mut res = (status, file.data.into_owned()).into_response();
    html_headers(&mut res);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

async fn index(headers: HeaderMap) -> Response {
    page(&headers, StatusCode::OK)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let name = format!("assets/{path}");
    // The largest assets are stored gzip-compressed (web/scripts/precompress.mjs).
    let (file, gzipped) = match Dist::get(&name) {
        Some(f) => (f, false),
        None => match Dist::get(&format!("{name}.gz")) {
            Some(f) => (f, true),
            None => {
                return ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "no UI asset {}: the page that asked for it is older than this server; \
                         reload it",
                        crate::params::echo(&name)
                    ),
                )
                .into_response();
            }
        },
    };
    // The type of the name asked for (not of its `.gz`). Module workers need a JavaScript
    // type (mime_guess has no entry for `.mjs` everywhere).
    let ext = std::path::Path::new(&name).extension().and_then(|e| e.to_str()).unwrap_or("");
    let mime = if ext.eq_ignore_ascii_case("mjs") || ext.eq_ignore_ascii_case("js") {
        "text/javascript; charset=utf-8"
    } else if gzipped {
        if ext.eq_ignore_ascii_case("css") { "text/css" } else { "application/octet-stream" }
    } else {
        file.metadata.mimetype()
    };
    let accepts_gzip =
        headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.split(',').any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"))
        });
    let mut res = match (gzipped, accepts_gzip) {
        (false, _) | (true, true) => file.data.into_owned().into_response(),
        (true, false) => {
            let mut plain = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(&*file.data),
                &mut plain,
            ) {
                tracing::error!(asset = %name, error = %e, "decompressing an embedded UI asset");
                return ApiError::internal().into_response();
            }
            plain.into_response()
        }
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if gzipped {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if accepts_gzip {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// Every file of the embedded build, for tests and diagnostics.
pub fn files() -> Vec<String> {
    Dist::iter().map(std::borrow::Cow::into_owned).collect()
}
