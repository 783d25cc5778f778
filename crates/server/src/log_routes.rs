//! The log's read API and witness endpoint, as one router the server mounts (and `jic log
//! serve` runs alone).
//!
//! # Wire format
//! - `GET /log/checkpoint` — the latest checkpoint note (c2sp.org/tlog-checkpoint) with every
//!   stored witness cosignature line; `text/plain; charset=utf-8`, `Cache-Control: no-cache`.
//! - `GET /log/tile/<L>/<N>[.p/<W>]`, `GET /log/tile/entries/<N>[.p/<W>]` — c2sp.org/tlog-tiles
//!   hash tiles and entry bundles; `application/octet-stream`. Full tiles and bundles never
//!   change: `Cache-Control: public, max-age=31536000, immutable`; partial ones are served with
//!   `max-age=10`. Non-canonical paths and tiles beyond the tree answer 404.
//! - `GET /api/v1/log/inclusion?index=I&size=N` —
//!   `{"leaf_index":I,"tree_size":N,"inclusion_path":["<base64>",…]}` (RFC 9162 §2.1.3).
//! - `GET /api/v1/log/consistency?from=M&to=N` —
//!   `{"tree_size_1":M,"tree_size_2":N,"consistency_path":["<base64>",…]}` (RFC 9162 §2.1.4).
//! - `GET /api/v1/log/key` — the log's verifier key string and a newline, `text/plain`.
//! - `GET /api/v1/log/entries/{index}/restricted` is *not* here: plaintext is need-to-know and
//!   served by the authenticated API.
//! - `POST /api/v1/log/cosignatures` — a witness hands back its cosignature: the body is the
//!   checkpoint note as the log published it plus the witness's cosignature line(s) (exactly
//!   what a tlog-witness `add-checkpoint` response appended to the checkpoint gives). Lines by
//!   witnesses listed in the data directory's `witnesses.txt` are verified and stored, and from
//!   then on served on `/log/checkpoint`. 200 with `{"stored":n}`; 403 when no line is by a
//!   known witness or one does not verify; 404 when the checkpoint was never published;
//!   400 when malformed. Errors are RFC 9457 `application/problem+json`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::hash::{Hash, to_base64};
use jic_ledger::key::{NoteSigner, NoteVerifier};
use jic_ledger::note::Note;
use jic_ledger::tile::{CHECKPOINT_CONTENT_TYPE, TILE_CONTENT_TYPE, TilePath};
use jic_store::log::{LogStore, TileCache};
use serde::Deserialize;
use serde_json::json;

/// What the log routes need.
#[derive(Clone)]
pub struct LogRoutesState {
    /// The log storage.
    pub store: Arc<dyn LogStore>,
    /// The log's verifier key (served at `/api/v1/log/key`).
    pub log_key: NoteVerifier,
    /// Witnesses whose cosignatures are accepted.
    pub witnesses: Arc<Vec<NoteVerifier>>,
}

impl std::fmt::Debug for LogRoutesState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogRoutesState")
            .field("log_key", &self.log_key.to_vkey())
            .finish_non_exhaustive()
    }
}

/// The router for the log read API and the witness endpoint (see the module docs).
pub fn router(state: LogRoutesState) -> Router {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/tile/{*path}", get(tile))
        .route("/api/v1/log/inclusion", get(inclusion))
        .route("/api/v1/log/consistency", get(consistency))
        .route("/api/v1/log/key", get(key))
        .route("/api/v1/log/cosignatures", post(cosignatures))
        .with_state(state)
}

/// Integrates pending leaves and signs a checkpoint every `interval`, forever (run it as a task;
/// abort it on shutdown). Opens its own connection to `db_path`; `now` is the clock.
pub async fn run_integrator(
    db_path: std::path::PathBuf,
    log_key: NoteSigner,
    now: impl Fn() -> jiff::Timestamp + Send + 'static,
    cache: Arc<TileCache>,
    interval: Duration,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut conn: Option<rusqlite::Connection> = None;
    loop {
        ticker.tick().await;
        let key = log_key.clone();
        let now = now();
        let cache = Arc::clone(&cache);
        let path = db_path.clone();
        let taken = conn.take();
        let result = tokio::task::spawn_blocking(move || {
            let mut c = match taken {
                Some(c) => c,
                None => jic_store::db::open(&path)?,
            };
            let r = jic_store::log::integrate(&mut c, &key, now, Some(&cache));
            Ok::<_, jic_store::StoreError>((c, r))
        })
        .await;
        match result {
            Ok(Ok((c, Ok(done)))) => {
                conn = Some(c);
                if done.added > 0 {
                    tracing::debug!(
                        size = done.checkpoint.size,
                        added = done.added,
                        "integrated"
                    );
                }
            }
            Ok(Ok((c, Err(e)))) => {
                conn = Some(c);
                tracing::error!(error = %e, "log integration failed");
            }
            Ok(Err(e)) => tracing::error!(error = %e, "cannot open the database to integrate"),
            Err(e) => tracing::error!(error = %e, "integration task failed"),
        }
    }
}

fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail.into(),
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn store_error(e: &jic_store::StoreError) -> Response {
    match e {
        jic_store::StoreError::Ledger(l) => problem(StatusCode::BAD_REQUEST, l.to_string()),
        other => {
            tracing::error!(error = %other, "log storage error");
            problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, jic_store::StoreError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(store_error(&e)),
        Err(e) => {
            tracing::error!(error = %e, "log read task failed");
            Err(problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
        }
    }
}

async fn checkpoint(State(s): State<LogRoutesState>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.checkpoint()).await {
        Ok(Some(note)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(CHECKPOINT_CONTENT_TYPE),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            note,
        )
            .into_response(),
        Ok(None) => problem(
            StatusCode::NOT_FOUND,
            "no checkpoint has been published yet",
        ),
        Err(r) => r,
    }
}

async fn tile(State(s): State<LogRoutesState>, Path(path): Path<String>) -> Response {
    let Ok(parsed) = TilePath::parse(&format!("tile/{path}")) else {
        return problem(StatusCode::NOT_FOUND, "not a tile path");
    };
    let store = Arc::clone(&s.store);
    let result = blocking(move || match parsed {
        TilePath::Hashes {
            level,
            index,
            width,
        } => store.tile(level, index, width),
        TilePath::Entries { index, width } => store.entry_bundle(index, width),
    })
    .await;
    let full = matches!(
        parsed,
        TilePath::Hashes { width: None, .. } | TilePath::Entries { width: None, .. }
    );
    match result {
        Ok(Some(bytes)) => {
            let cache = if full {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=10"
            };
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(TILE_CONTENT_TYPE),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such tile in the integrated tree"),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct InclusionQuery {
    index: u64,
    size: u64,
}

fn paths(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| to_base64(h)).collect()
}

/// An RFC 9162 inclusion proof.
#[utoipa::path(get, path = "/api/v1/log/inclusion", tag = "log",
    params(("index" = u64, Query, description = "leaf index"),
           ("size" = u64, Query, description = "tree size")),
    responses((status = 200, description = "`{leaf_index, tree_size, inclusion_path}`, base64 hashes"),
              (status = 400, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
async fn inclusion(State(s): State<LogRoutesState>, Query(q): Query<InclusionQuery>) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.inclusion_proof(q.index, q.size)).await {
        Ok(proof) => axum::Json(json!({
            "leaf_index": q.index,
            "tree_size": q.size,
            "inclusion_path": paths(&proof),
        }))
        .into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    from: u64,
    to: u64,
}

/// An RFC 9162 consistency proof.
#[utoipa::path(get, path = "/api/v1/log/consistency", tag = "log",
    params(("from" = u64, Query, description = "older tree size"),
           ("to" = u64, Query, description = "newer tree size")),
    responses((status = 200, description = "`{tree_size_1, tree_size_2, consistency_path}`, base64 hashes"),
              (status = 400, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
async fn consistency(
    State(s): State<LogRoutesState>,
    Query(q): Query<ConsistencyQuery>,
) -> Response {
    let store = Arc::clone(&s.store);
    match blocking(move || store.consistency_proof(q.from, q.to)).await {
        Ok(proof) => axum::Json(json!({
            "tree_size_1": q.from,
            "tree_size_2": q.to,
            "consistency_path": paths(&proof),
        }))
        .into_response(),
        Err(r) => r,
    }
}

/// The log's verifier key.
#[utoipa::path(get, path = "/api/v1/log/key", tag = "log",
    responses((status = 200, description = "the verifier key string and a newline", content_type = "text/plain")))]
async fn key(State(s): State<LogRoutesState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        format!("{}\n", s.log_key.to_vkey()),
    )
        .into_response()
}

/// A witness hands back its cosignature of a published checkpoint.
#[utoipa::path(post, path = "/api/v1/log/cosignatures", tag = "log",
    request_body(content = String, content_type = "text/plain",
        description = "the checkpoint note plus the witness's cosignature line(s)"),
    responses((status = 200, description = "`{stored: n}`"),
              (status = 400, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
async fn cosignatures(State(s): State<LogRoutesState>, body: Bytes) -> Response {
    // Check the log's own signature first: the note must be a checkpoint we published.
    let (text, signatures) = match Note::parse_unverified(&body) {
        Ok(parts) => parts,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let cp = match Checkpoint::parse(&text) {
        Ok(cp) => cp,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let store = Arc::clone(&s.store);
    let size = cp.size;
    let published = match blocking(move || store.checkpoint_at(size)).await {
        Ok(Some(note)) => note,
        Ok(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                format!("no checkpoint of size {size}"),
            );
        }
        Err(r) => return r,
    };
    if !published.starts_with(&text) || !published[text.len()..].starts_with('\n') {
        return problem(
            StatusCode::NOT_FOUND,
            "that checkpoint is not the one this log published",
        );
    }
    let mut accepted = Vec::new();
    for sig in signatures {
        let Some(w) = s
            .witnesses
            .iter()
            .find(|w| w.name() == sig.name && w.key_id() == sig.key_id)
        else {
            continue;
        };
        if let Err(e) = jic_ledger::cosignature::verify_timestamped(w, &text, &sig.signature) {
            return problem(StatusCode::FORBIDDEN, e.to_string());
        }
        accepted.push((w.clone(), sig.to_line()));
    }
    if accepted.is_empty() {
        return problem(
            StatusCode::FORBIDDEN,
            "no cosignature by a witness this log knows",
        );
    }
    let store = Arc::clone(&s.store);
    let n = accepted.len();
    match blocking(move || {
        for (w, line) in &accepted {
            store.add_cosignature(size, w, line)?;
        }
        Ok(())
    })
    .await
    {
        Ok(()) => axum::Json(json!({"stored": n})).into_response(),
        Err(r) => r,
    }
}
