//! Vector tiles and the map style (issue #7): `GET /tiles/{z}/{x}/{y}.pbf`,
//! `GET /tiles/style.json` and the glyphs of its labels, `GET /tiles/fonts/{fontstack}/{range}.pbf`.
//! Layers, zooms and the style are described in docs/tiles.md.

mod style;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use geocommun_tiles::TileId;

use crate::error::{ApiError, ErrorCode};
use crate::params::echo;
use crate::state::AppState;

/// Tiles and the style may change at each publication: caches keep them but ask again every
/// time (`no-cache`), and an unchanged tile costs a 304 without body thanks to its ETag.
const TILE_CACHE: &str = "public, no-cache";
/// The style depends on the operator's settings only: five minutes.
const STYLE_CACHE: &str = "public, max-age=300";
/// Glyphs change only with the binary: a day.
const GLYPH_CACHE: &str = "public, max-age=86400";

mod glyphs {
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/glyphs/index.rs"));
}

/// The fonts the style's labels use, as served under `/tiles/fonts/`.
pub fn fonts() -> impl Iterator<Item = &'static str> {
    glyphs::FONTS.iter().map(|(name, _)| *name)
}

fn bad_tile(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// A weak validator of the body (weak: the compression layer may re-encode it).
fn etag(body: &[u8]) -> HeaderValue {
    let value = format!("W/\"{:x}-{:08x}\"", body.len(), crc32fast::hash(body));
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// Whether the client takes gzip (`Accept-Encoding: gzip` or `*`, not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

/// The tile gzip-compressed at level 1: a dense tile (300 KB in central Paris) compresses in
/// about a millisecond to ≈ 30 % of its size, where the default level would take several times
/// longer for a few percent more (tiles are mostly varints and identifiers).
fn gzip_fast(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::fast(),
    );
    enc.write_all(body).ok()?;
    enc.finish().ok()
}

/// Whether `If-None-Match` names this ETag (weak comparison, `*` matches anything).
fn not_modified(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let strip = |s: &str| s.trim().trim_start_matches("W/").to_owned();
    let ours = strip(tag.to_str().unwrap_or(""));
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == "*" || strip(t) == ours))
}

/// A vector tile of the national base.
#[utoipa::path(
    get,
    path = "/tiles/{z}/{x}/{y}.pbf",
    tag = "tiles",
    params(
        ("z" = u8, Path, description = "Zoom, 0 to 22"),
        ("x" = u32, Path, description = "Column, 0 to 2^z - 1 (west to east)"),
        ("y" = u32, Path, description = "Row, 0 to 2^z - 1 (north to south)"),
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile 2.1 (extent 4096, buffer 64) with the layers \
            `adresses`, `voies`, `lieux_dits`, `communes`, `communes_etiquettes`, `departements`, \
            `departements_etiquettes` that have features there (docs/tiles.md). Weak `ETag`; \
            `If-None-Match` answers 304.", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 204, description = "Nothing there (the sea, a zoom below every layer)"),
        (status = 304, description = "Unchanged since the ETag given in `If-None-Match`"),
        (status = 400, description = "z, x or y is not a whole number or out of range", body = crate::error::ErrorBody),
    )
)]
pub async fn tile(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((z, x, y)) = path.map_err(|e| bad_tile(format!("bad tile address: {e}")))?;
    let Some(y) = y.strip_suffix(".pbf") else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!(
                "no tile `{}`: tiles are served as /tiles/{{z}}/{{x}}/{{y}}.pbf",
                echo(&format!("{z}/{x}/{y}"))
            ),
        ));
    };
    let id = TileId::parse(&z, &x, y).map_err(|e| bad_tile(e.to_string()))?;
    let index = state.tiles();
    let Some(body) = index.render(id) else {
        return Ok((
            StatusCode::NO_CONTENT,
            [(header::CACHE_CONTROL, HeaderValue::from_static(TILE_CACHE))],
        )
            .into_response());
    };
    let tag = etag(&body);
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static(TILE_CACHE));
    if not_modified(&headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag), cache]).into_response());
    }
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(geocommun_tiles::CONTENT_TYPE)),
            (header::ETAG, tag),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
            cache,
        ],
        Body::empty(),
    )
        .into_response();
    // Compressed here, fast, rather than by the compression layer at its default level (which
    // leaves a response that already has a Content-Encoding alone).
    let gzipped = accepts_gzip(&headers).then(|| gzip_fast(&body)).flatten();
    *response.body_mut() = match gzipped {
        Some(gz) => {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Body::from(gz)
        }
        None => Body::from(body),
    };
    Ok(response)
}

/// The origin the client reached us at (`http://127.0.0.1:7878`), for the style's absolute URLs:
/// `X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-Prefix` when a reverse proxy sets
/// them, else the request's `Host` (or HTTP/2 authority).
fn public_base(headers: &HeaderMap, uri: &axum::http::Uri) -> Result<String, ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .or_else(|| uri.authority().map(ToString::to_string))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                "the request has no Host header: the style's URLs are built from it",
            )
        })?;
    let host_ok = host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b));
    if !host_ok {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("Host `{}` is not a host name or address", echo(&host)),
        ));
    }
    let scheme = match header("x-forwarded-proto").as_deref() {
        Some("https") => "https",
        Some("http") | None => "http",
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!("X-Forwarded-Proto `{}`: expected http or https", echo(other)),
            ));
        }
    };
    let prefix = header("x-forwarded-prefix").unwrap_or_default();
    let prefix = prefix.trim_end_matches('/');
    let prefix_ok = prefix.is_empty()
        || (prefix.starts_with('/')
            && prefix.len() <= 200
            && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b)));
    if !prefix_ok {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("X-Forwarded-Prefix `{}`: expected a path such as /adresses", echo(prefix)),
        ));
    }
    Ok(format!("{scheme}://{host}{prefix}"))
}

/// The MapLibre style of the map: our tiles, our glyphs, and the operator's raster basemap
/// when one is configured.
#[utoipa::path(
    get,
    path = "/tiles/style.json",
    tag = "tiles",
    responses(
        (status = 200, description = "A MapLibre GL style (version 8) whose URLs are absolute, built from \
            the request's Host (or X-Forwarded-Host / -Proto / -Prefix behind a proxy). Its `metadata` \
            holds the legend: `geocommun:legend`.", content_type = "application/json", body = Object),
        (status = 400, description = "The Host (or a forwarded header) cannot be used in a URL", body = crate::error::ErrorBody),
    )
)]
pub async fn style_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let base = public_base(&headers, &uri)?;
    let doc = style::style(&base, state.config().basemap.as_ref(), &fonts().collect::<Vec<_>>());
    let body = serde_json::to_vec(&doc).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static(STYLE_CACHE)),
            (
                header::VARY,
                HeaderValue::from_static(
                    "host, x-forwarded-host, x-forwarded-proto, x-forwarded-prefix",
                ),
            ),
        ],
        body,
    )
        .into_response())
}

/// An empty glyph range of a fontstack (what MapLibre gets for a range our fonts do not
/// cover: its labels show without those characters instead of failing): the protobuf
/// `glyphs { stacks { name, range } }` written by hand, it has two strings.
fn empty_range(name: &str, range: &str) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
        out.push(tag);
        let mut n = bytes.len();
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(bytes);
    }
    let mut stack = Vec::new();
    field(&mut stack, 0x0a, name.as_bytes());
    field(&mut stack, 0x12, range.as_bytes());
    let mut out = Vec::new();
    field(&mut out, 0x0a, &stack);
    out
}

/// A range of SDF glyphs of a font, for the map's labels.
#[utoipa::path(
    get,
    path = "/tiles/fonts/{fontstack}/{range}.pbf",
    tag = "tiles",
    params(
        ("fontstack" = String, Path, description = "Font names separated by commas, as the style's \
            `text-font` lists them (`Noto Sans Regular`); the first one served here is used"),
        ("range" = String, Path, description = "`{start}-{end}`: 256 code points, start a multiple of 256 \
            (`0-255`, `256-511`…, up to `65280-65535`)"),
    ),
    responses(
        (status = 200, description = "The glyphs (protobuf of MapLibre's glyph format); an empty range \
            when the font has no character there", content_type = "application/x-protobuf", body = Vec<u8>),
        (status = 400, description = "The range is not of the form start-end over 256 code points", body = crate::error::ErrorBody),
        (status = 404, description = "None of the fonts is served here; the message lists those that are", body = crate::error::ErrorBody),
    )
)]
pub async fn glyph_range(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((fontstack, range)) = path.map_err(|e| bad_tile(format!("bad glyph address: {e}")))?;
    let range = range.strip_suffix(".pbf").ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "glyphs are served as /tiles/fonts/{fontstack}/{start}-{end}.pbf",
        )
    })?;
    let bad_range = || {
        bad_tile(format!(
            "glyph range `{}`: expected start-end over 256 code points, start a multiple of \
             256 (0-255, 256-511…), at most 65535",
            echo(range)
        ))
    };
    let (start, end) = range.split_once('-').ok_or_else(bad_range)?;
    let digits = |s: &str| {
        (!s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(start), Some(end)) = (digits(start), digits(end)) else {
        return Err(bad_range());
    };
    if start % 256 != 0 || end != start + 255 || end > 65_535 {
        return Err(bad_range());
    }
    let font = fontstack
        .split(',')
        .map(str::trim)
        .find_map(|name| glyphs::FONTS.iter().find(|(n, _)| *n == name))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "no font of `{}` is served here; available: {}",
                    echo(&fontstack),
                    fonts().collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
    let body = match font.1.iter().find(|(s, _)| *s == start) {
        Some((_, bytes)) => bytes.to_vec(),
        None => empty_range(font.0, &format!("{start}-{end}")),
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf")),
            (header::CACHE_CONTROL, HeaderValue::from_static(GLYPH_CACHE)),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_compared_weakly() {
        let tag = etag(b"abc");
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, &tag));
        let strong = tag.to_str().unwrap().trim_start_matches("W/").to_owned();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", {strong}")).unwrap(),
        );
        assert!(not_modified(&h, &tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&h, &tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"0-00000000\""));
        assert!(!not_modified(&h, &tag));
    }

    #[test]
    fn gzip_is_sent_to_clients_that_take_it() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, deflate"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_empty_range_is_a_valid_message() {
        let b = empty_range("Noto Sans Regular", "19968-20223");
        assert_eq!(b[0], 0x0a);
        assert_eq!(b[1] as usize, b.len() - 2);
        assert_eq!(&b[4..21], b"Noto Sans Regular");
    }
}
