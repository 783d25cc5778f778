//! Serves the embedded dashboard through its router and checks content types, cache headers,
//! revalidation and that nothing outside `/` and `/assets/` is claimed.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt as _;

async fn get(path: &str, if_none_match: Option<&str>) -> anyhow::Result<axum::response::Response> {
    let mut request = Request::get(path);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    Ok(jic_dashboard::router()
        .oneshot(request.body(Body::empty())?)
        .await?)
}

fn header_of(response: &axum::response::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// One row per asset kind: the path, the expected content type, and a string the body holds.
#[tokio::test]
async fn assets_are_served_with_their_content_types() -> anyhow::Result<()> {
    let cases = [
        ("/", "text/html; charset=utf-8", "<!doctype html>"),
        (
            "/assets/js/main.js",
            "text/javascript; charset=utf-8",
            "import",
        ),
        ("/assets/app.css", "text/css; charset=utf-8", "{"),
        (
            "/assets/vendor/leaflet/leaflet.js",
            "text/javascript; charset=utf-8",
            "Leaflet",
        ),
        (
            "/assets/vendor/leaflet/leaflet.css",
            "text/css; charset=utf-8",
            ".leaflet-",
        ),
        (
            "/assets/vendor/leaflet/images/layers.png",
            "image/png",
            "PNG",
        ),
        (
            "/assets/data/ne_syria_adm0.geojson",
            "application/geo+json",
            "FeatureCollection",
        ),
    ];
    for (path, content_type, needle) in cases {
        let response = get(path, None).await?;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            content_type,
            "{path}"
        );
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        assert!(
            header_of(&response, header::ETAG).starts_with('"'),
            "{path}"
        );
        let body = to_bytes(response.into_body(), 10 << 20).await?;
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(needle), "{path} should contain {needle:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_matching_etag_answers_not_modified() -> anyhow::Result<()> {
    let first = get("/assets/js/main.js", None).await?;
    let etag = header_of(&first, header::ETAG);
    let second = get("/assets/js/main.js", Some(&etag)).await?;
    assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
    let stale = get("/assets/js/main.js", Some("\"0000\"")).await?;
    assert_eq!(stale.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn the_page_forbids_loading_from_elsewhere() -> anyhow::Result<()> {
    let page = get("/", None).await?;
    let policy = header_of(&page, header::CONTENT_SECURITY_POLICY);
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    Ok(())
}

#[tokio::test]
async fn unknown_paths_are_left_to_the_server() -> anyhow::Result<()> {
    for path in ["/api/v1/alerts", "/log/checkpoint", "/index.html"] {
        let response = get(path, None).await?;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let missing = get("/assets/no-such-file.js", None).await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[test]
fn no_asset_points_outside_the_machine() {
    // Every text asset we wrote (not vendored Leaflet, whose licence header names its site)
    // must not reference a remote host: the dashboard works with no internet.
    for path in jic_dashboard::asset_paths() {
        if path.starts_with("vendor/")
            || !(path.ends_with(".js") || path.ends_with(".html") || path.ends_with(".css"))
        {
            continue;
        }
        let bytes = jic_dashboard::asset_bytes(&path).unwrap_or_default();
        // The SVG namespace URI is a name, not a request.
        let text = String::from_utf8_lossy(&bytes).replace("http://www.w3.org/2000/svg", "");
        for scheme in ["http://", "https://", "//fonts.", "@import url("] {
            assert!(!text.contains(scheme), "{path} references {scheme}");
        }
    }
}

#[tokio::test]
async fn merges_into_a_router_with_its_own_fallback() -> anyhow::Result<()> {
    // How the server mounts it: its API routes and problem+json fallback stay in charge of
    // everything the dashboard does not claim.
    let app = axum::Router::new()
        .route("/api/v1/health", axum::routing::get(|| async { "ok" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "api fallback") })
        .merge(jic_dashboard::router());
    let page = app
        .clone()
        .oneshot(Request::get("/").body(Body::empty())?)
        .await?;
    assert_eq!(page.status(), StatusCode::OK);
    let health = app
        .clone()
        .oneshot(Request::get("/api/v1/health").body(Body::empty())?)
        .await?;
    assert_eq!(health.status(), StatusCode::OK);
    let unknown = app
        .oneshot(Request::get("/api/v1/nope").body(Body::empty())?)
        .await?;
    let body = to_bytes(unknown.into_body(), 1024).await?;
    assert_eq!(&body[..], b"api fallback");
    Ok(())
}
