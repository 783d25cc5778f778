//! The jic web dashboard, embedded in the binary.
//!
//! `build.rs` assembles the static assets (the plain ES-modules app from `web/src`, Leaflet
//! from npm, the Natural Earth basemap from `data/naturalearth`) into `$OUT_DIR/dashboard`;
//! `rust-embed` (with `debug-embed`, so debug and release builds behave alike) compiles them
//! into the binary. [`router`] serves them:
//!
//! - `GET /` — the page (`index.html`);
//! - `GET /assets/{path}` — every other file, e.g. `/assets/js/main.js`,
//!   `/assets/vendor/leaflet/leaflet.js`, `/assets/data/ne_syria_adm0.geojson`.
//!
//! Assets are not content-hashed in their names, so every response carries
//! `Cache-Control: no-cache` with a strong `ETag` (the SHA-256 of the file): browsers revalidate
//! and get `304 Not Modified` when nothing changed, and never run a stale script after an upgrade.
//!
//! **Architecture Invariant:** the dashboard has no route outside `/` and `/assets/`, so it can
//! be merged into the server's router without shadowing any API path (unknown API paths keep the
//! server's problem+json 404). It knows nothing of the API: the page talks to `/api/v1` itself.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

/// The assembled assets (see the crate docs for where they come from).
#[derive(RustEmbed)]
#[folder = "$OUT_DIR/dashboard"]
struct Assets;

/// URL prefix under which every asset except the page itself is served.
pub const ASSET_PREFIX: &str = "/assets/";

/// The dashboard's router: `GET /` and `GET /assets/{*path}`. Merge it into the server's router.
pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
}

/// Paths of every embedded asset (relative to `/assets/`, plus `index.html`), sorted.
pub fn asset_paths() -> Vec<String> {
    let mut paths: Vec<String> = Assets::iter().map(|p| p.into_owned()).collect();
    paths.sort();
    paths
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

fn serve(path: &str, request_headers: &HeaderMap) -> Response {
    let Some(file) = Assets::get(path) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found\n",
        )
            .into_response();
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()));
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = file.data.into_owned().into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(path)),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if path == "index.html" {
        // The page loads nothing from elsewhere; say so, so a regression fails loudly in the
        // browser instead of quietly reaching out to the internet.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            ),
        );
    }
    response
}

/// The content type for an asset, by extension. Unknown extensions are served as opaque bytes
/// (with `nosniff`), never guessed.
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "geojson" => "application/geo+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The bytes of one embedded asset (path as in [`asset_paths`]), if it exists.
pub fn asset_bytes(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|file| file.data.into_owned())
}
