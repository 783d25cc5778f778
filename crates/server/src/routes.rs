//! `/api/v1`: the HTTP API, its wire DTOs and its middleware.
//!
//! # Wire format
//! - Writes are signed submissions, `POST`ed as `application/json`:
//!   `{"envelope":{"v":1,"kind":…,"party":…,"key":…,"seq":…,"time":…,"payload":{…}},"sig":"…"}`;
//!   a restricted kind carries `"payload_commitment"` in the envelope and `"payload"` and
//!   `"salt"` beside it (DESIGN §3.3). Track batches add `"states_csv"` beside the envelope.
//!   The answer is a [`Receipt`]: the leaf index, the receipt time and the kind's outcome.
//! - `POST /api/v1/submissions/batch` takes a JSON array of such submissions (at most
//!   [`BATCH_MAX_ITEMS`], each within the single-submission size limit) to spare the HTTP round
//!   trips; each keeps its own signature, sequence check, log leaf and commit, and the answer
//!   lists, in order, each one's receipt or problem ([`BatchResults`]).
//! - Reads need `Authorization: Bearer <read token>` and answer only what the reader may see
//!   ([`crate::policy`]).
//! - Every error is `application/problem+json` ([`crate::problem`]).
//! - The OpenAPI 3.1 document is at `/api/v1/openapi.json`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use jic_ledger::LedgerError;
use jic_ledger::envelope::{Body as EnvelopeBody, Submission};
use jic_store::roster::Role;
use jic_store::state::{AlertRecord, StateRead};
use serde::Serialize;
use serde_json::Value;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::AppState;
use crate::auth::Reader;
use crate::kinds::tracks::ParsedBatch;
use crate::problem::{ApiError, Problem, problem_for_bare_errors};
use crate::submit::{Accepted, KindHandler, Receipt};

/// Builds the router with its middleware, stacked once: request id → trace → timeout →
/// body limit, and every bare error rewritten as problem+json.
pub fn router(state: AppState) -> Router {
    let config = state.config().clone();
    let log = state.log().clone();
    let protect = crate::protect_routes::router(state.clone());
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/roster", get(roster))
        .route("/api/v1/kinds", get(kinds))
        .route("/api/v1/submissions", post(post_submission))
        .route("/api/v1/submissions/batch", post(post_submission_batch))
        .route("/api/v1/submissions/{leaf}", get(get_submission))
        .route(
            "/api/v1/air-operations",
            post(post_air_operation).get(list_air_operations),
        )
        .route("/api/v1/air-operations/{id}", get(get_air_operation))
        .route("/api/v1/tracks/batches", post(post_track_batch))
        .route("/api/v1/tracks", get(list_tracks))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/alerts/{id}/ack", post(post_alert_ack))
        .route("/api/v1/agreement", get(current_agreement))
        .route(
            "/api/v1/agreement/versions",
            get(agreement_versions).post(post_agreement_version),
        )
        .route("/api/v1/agreement/versions/{hash}", get(agreement_version))
        .route(
            "/api/v1/agreement/countersignatures",
            post(post_countersignature),
        )
        .route("/api/v1/events", get(crate::events::events))
        .merge(crate::kinds::incidents::router())
        .merge(crate::whoami::router())
        .fallback(|| async { ApiError::NotFound("no such resource".to_owned()) })
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this method is not allowed on this path".to_owned())
        })
        .with_state(state)
        .merge(crate::log_routes::router(log))
        .merge(protect);

    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<Body>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(axum::middleware::map_response(problem_for_bare_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_s.max(1)),
        ))
        .layer(RequestBodyLimitLayer::new(config.max_track_batch_bytes.max(config.max_submission_bytes)));
    let mut app = api.layer(middleware);
    if !config.cors_allowed_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .cors_allowed_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app
}

// ----- DTOs ---------------------------------------------------------------------------------

/// A signed submission on the wire (see the module docs).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionWire {
    /// The signed envelope (`v`, `kind`, `party`, `key`, `seq`, `time`, and `payload` or
    /// `payload_commitment`).
    #[schema(value_type = Object)]
    pub envelope: Value,
    /// Base64 Ed25519 signature over the envelope's RFC 8785 canonical bytes.
    pub sig: String,
    /// The plaintext of a restricted payload.
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
    /// The base64 32-byte salt of a restricted payload's commitment.
    pub salt: Option<String>,
}

/// What one item of a submission batch came to: its receipt, or the problem that refused it
/// (the same a single submission would have had).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItemResult {
    /// The HTTP status the item would have had on its own (200 when it was committed).
    pub status: u16,
    /// The receipt, when the item was committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// The problem, when the item was refused (nothing of it was stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// The answer to a submission batch: one result per item, in the order they were sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResults {
    /// One result per item.
    pub results: Vec<BatchItemResult>,
}

/// A track batch on the wire: a signed `tracks.batch` submission plus the CSV it commits to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackBatchWire {
    /// The signed envelope.
    #[schema(value_type = Object)]
    pub envelope: Value,
    /// The signature.
    pub sig: String,
    /// The states, CSV with header `id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm`.
    pub states_csv: String,
}

/// A logged submission as a reader may see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    /// Its leaf.
    pub leaf_index: u64,
    /// Kind.
    pub kind: String,
    /// Submitter.
    pub party: String,
    /// Receipt time.
    pub received: String,
    /// Whether the log holds a commitment instead of the payload.
    pub restricted: bool,
    /// The envelope as logged.
    #[schema(value_type = Object)]
    pub envelope: Value,
    /// The signature.
    pub sig: String,
    /// The payload, when the reader may see it.
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
    /// The commitment salt (base64), when the reader may see the payload of a restricted kind.
    pub salt: Option<String>,
}

/// An air operation as a reader may see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AirOperationView {
    /// Operation id.
    pub id: String,
    /// Filing party.
    pub party: String,
    /// When the reader could first know of it (RFC 3339): the receipt time of the first filing,
    /// or for another party's conflicting legs the first alert that revealed them.
    pub received: Option<String>,
    /// `filed` or `cancelled` (present only with the full plan).
    pub status: Option<String>,
    /// Version (present only with the full plan).
    pub version: Option<u32>,
    /// The whole plan, for its filer and entitled roles.
    #[schema(value_type = Option<Object>)]
    pub plan: Option<Value>,
    /// For another party's operation: only the legs that conflict with the reader's own.
    #[schema(value_type = Vec<Object>)]
    pub conflicting_legs: Vec<Value>,
    /// The leaf of the latest version (present only with the full plan).
    pub leaf_index: Option<u64>,
}

/// An alert as its recipient sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// Status.
    pub status: String,
    /// What every recipient sees.
    #[schema(value_type = Object)]
    pub subject: Value,
    /// What this reader alone sees.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Value>,
    /// Every recipient.
    pub recipients: Vec<String>,
    /// Acknowledgments: who, when.
    pub acks: Vec<AckView>,
    /// The decision leaf.
    pub leaf_index: Option<u64>,
    /// When raised.
    pub created: String,
}

/// One acknowledgment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AckView {
    /// Who.
    pub party: String,
    /// When (receipt time).
    pub time: String,
}

impl From<AlertRecord> for AlertView {
    fn from(a: AlertRecord) -> Self {
        Self {
            id: a.id,
            kind: a.kind,
            severity: a.severity,
            status: a.status,
            subject: serde_json::from_str(&a.subject_json).unwrap_or(Value::Null),
            detail: a.detail_json.and_then(|d| serde_json::from_str(&d).ok()),
            recipients: a.recipients,
            acks: a
                .acks
                .into_iter()
                .map(|(party, time)| AckView { party, time })
                .collect(),
            leaf_index: a.leaf_index,
            created: a.created,
        }
    }
}

/// A track state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackView {
    /// Aircraft id.
    pub id: String,
    /// Reporting party.
    pub party: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub gs_kt: f64,
    /// True track, degrees.
    pub trk_deg: f64,
    /// Vertical speed, feet per minute.
    pub vs_fpm: f64,
    /// Observation time.
    pub observed: String,
}

/// An agreement version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    /// Hex SHA-256 identity.
    pub hash: String,
    /// Version number.
    pub number: i64,
    /// `proposed`, `in_force`, `superseded`.
    pub status: String,
    /// Who proposed it.
    pub proposed_by: String,
    /// Parties that must countersign.
    pub required: Vec<String>,
    /// Who countersigned, when.
    pub countersignatures: Vec<AckView>,
    /// The package files, when asked for one version.
    #[schema(value_type = Option<Object>)]
    pub package: Option<Value>,
    /// The diff against the version in force when proposed.
    #[schema(value_type = Option<Object>)]
    pub diff: Option<Value>,
    /// The leaf at which it entered into force.
    pub in_force_leaf: Option<u64>,
}

/// A roster member's public entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    /// Id.
    pub id: String,
    /// Role.
    pub role: String,
    /// Valid verifier keys.
    pub keys: Vec<String>,
}

// ----- handlers -----------------------------------------------------------------------------

/// Liveness.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta",
    responses((status = 200, description = "the server is up")))]
pub async fn health() -> Json<Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// The OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "this API's OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The roster's public part: members, roles and keys (no tokens).
#[utoipa::path(get, path = "/api/v1/roster", tag = "meta",
    responses((status = 200, body = Vec<MemberView>)))]
pub async fn roster(State(state): State<AppState>) -> Json<Vec<MemberView>> {
    let cache = state.roster();
    let mut members: Vec<MemberView> = cache
        .members
        .iter()
        .map(|(id, role)| MemberView {
            id: id.clone(),
            role: role.as_str().to_owned(),
            keys: cache
                .keys
                .iter()
                .filter(|(_, k)| &k.member == id && !k.revoked)
                .map(|(v, _)| v.clone())
                .collect(),
        })
        .collect();
    members.sort_by(|a, b| a.id.cmp(&b.id));
    Json(members)
}

/// A submission kind this server accepts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindView {
    /// The kind string.
    pub kind: String,
    /// Roles allowed to submit it.
    pub roles: Vec<String>,
    /// Whether it must be submitted as a commitment (need-to-know).
    pub restricted: bool,
}

/// The kinds this server accepts, who may submit them and whether they are restricted.
#[utoipa::path(get, path = "/api/v1/kinds", tag = "meta",
    responses((status = 200, body = Vec<KindView>)))]
pub async fn kinds(State(state): State<AppState>) -> Json<Vec<KindView>> {
    Json(
        state
            .registry()
            .kinds()
            .map(|h| KindView {
                kind: h.kind().to_owned(),
                roles: h.roles().iter().map(|r| r.as_str().to_owned()).collect(),
                restricted: state.policy().is_restricted(h.kind()),
            })
            .collect(),
    )
}

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "send the submission as `Content-Type: application/json` (got {:?})",
            if ct.is_empty() { "nothing" } else { ct }
        )))
    }
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::TooLarge(format!(
            "the body exceeds the {limit}-byte limit for this endpoint"
        ))
    })
}

fn ledger_error(e: LedgerError) -> ApiError {
    match e {
        LedgerError::BadEnvelopeSignature { .. } | LedgerError::KeyMismatch { .. } => {
            ApiError::BadSignature(e.to_string())
        }
        LedgerError::EnvelopeTooLarge { .. } | LedgerError::EntryTooLarge { .. } => {
            ApiError::TooLarge(e.to_string())
        }
        LedgerError::MalformedEnvelope(m) if m.starts_with("not JSON") => ApiError::BadRequest(m),
        other => ApiError::Unprocessable(other.to_string()),
    }
}

/// Parses and checks a submission up to the writer: signature, roster, role, restriction
/// policy, skew, rate, and the kind's validation.
fn verify(
    state: &AppState,
    value: Value,
    kind_filter: impl Fn(&str) -> bool,
    prepared: Option<Box<dyn std::any::Any + Send + Sync>>,
) -> Result<(Accepted, Arc<dyn KindHandler>), ApiError> {
    // The roster key the envelope names, decoded once when the roster was loaded.
    let known = value
        .get("envelope")
        .and_then(|e| e.get("key"))
        .and_then(Value::as_str)
        .and_then(|vkey| {
            let roster = state.roster();
            let verifier = roster.keys.get(vkey)?.verifier.clone()?;
            Some((vkey.to_owned(), verifier))
        });
    // The signing bytes come back from verification so the log entry is spliced from them
    // instead of canonicalising the envelope a second time; the wire value is consumed, so
    // the payload is moved, not copied.
    let (submission, signing_bytes) =
        Submission::verified_from_owned(value, known.as_ref().map(|(k, v)| (k.as_str(), &**v)))
            .map_err(ledger_error)?;
    let envelope = &submission.signed.envelope;
    let (member, role) = {
        let roster = state.roster();
        let key = roster.keys.get(&envelope.key).ok_or_else(|| {
            ApiError::BadSignature(format!(
                "unknown key {:?}: it is not in this deployment's roster",
                envelope.key
            ))
        })?;
        if key.revoked {
            return Err(ApiError::BadSignature(
                "this key has been revoked".to_owned(),
            ));
        }
        (key.member.clone(), key.role)
    };
    if member != envelope.party {
        return Err(ApiError::Forbidden(format!(
            "the key belongs to {member:?}, not to {:?}",
            envelope.party
        )));
    }
    if !kind_filter(&envelope.kind) {
        return Err(ApiError::Unprocessable(format!(
            "kind {:?} cannot be submitted to this endpoint",
            envelope.kind
        )));
    }
    let handler = state
        .registry()
        .get(&envelope.kind)
        .cloned()
        .ok_or_else(|| ApiError::Unprocessable(format!("unknown kind {:?}", envelope.kind)))?;
    if !handler.roles().contains(&role) {
        return Err(ApiError::Forbidden(format!(
            "the {role} role may not submit {:?}",
            envelope.kind
        )));
    }
    let restricted = matches!(envelope.body, EnvelopeBody::Committed(_));
    if state.policy().is_restricted(&envelope.kind) && !restricted {
        return Err(ApiError::Unprocessable(format!(
            "{:?} is need-to-know: submit its payload as a payload_commitment with the plaintext \
             and salt beside the envelope, so the log never holds it in the clear",
            envelope.kind
        )));
    }
    let now = state.clock().now();
    jic_ledger::envelope::check_skew(envelope, now, state.config().max_clock_skew_s)
        .map_err(|e| ApiError::Unprocessable(format!("{e}; check the submitter's clock")))?;
    state.rate_limit(&member, 1.0)?;
    let entry = jic_ledger::envelope::LogEntry::submission_bytes(
        &signing_bytes,
        &submission.signed.sig,
        now,
    )
    .map_err(ledger_error)?;
    // The envelope lives on in the entry bytes; its fields move into `Accepted`. The
    // plaintext is kept as text only for a restricted kind, the one place it is stored.
    let jic_ledger::envelope::Envelope {
        kind,
        key,
        seq,
        time,
        body,
        ..
    } = submission.signed.envelope;
    let (payload, payload_json, salt) = match (body, submission.restricted) {
        (EnvelopeBody::Public(p), _) => (p, String::new(), None),
        (EnvelopeBody::Committed(_), Some(r)) => {
            let text = r.payload.to_string();
            (r.payload, text, Some(r.salt))
        }
        (EnvelopeBody::Committed(_), None) => {
            return Err(ApiError::Unprocessable(
                "the restricted payload is missing".to_owned(),
            ));
        }
    };
    let mut accepted = Accepted {
        received: now,
        entry,
        payload_json,
        kind,
        party: member,
        role,
        key,
        seq,
        claimed_time: time,
        payload,
        restricted,
        salt,
        prepared,
    };
    handler.validate(&mut accepted)?;
    Ok((accepted, handler))
}

async fn submit_bytes(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    kind_filter: impl Fn(&str) -> bool,
) -> Result<Receipt, ApiError> {
    require_json(headers)?;
    let bytes = read_body(body, state.config().max_submission_bytes).await?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    let (accepted, handler) = verify(state, value, kind_filter, None)?;
    let roster_change = accepted.kind.starts_with("roster.");
    // A countersignature may bring a new agreement, and with it a new disclosure policy, into force.
    let agreement_change = accepted.kind.starts_with("agreement.");
    let receipt = state.writer()?.submit(accepted, handler).await?;
    if roster_change {
        state.reload_roster().await?;
    }
    if agreement_change {
        state.reload_policy().await?;
    }
    Ok(receipt)
}

/// Submits any signed submission.
#[utoipa::path(post, path = "/api/v1/submissions", tag = "submissions",
    request_body = SubmissionWire,
    responses((status = 200, body = Receipt),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn post_submission(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Receipt>, ApiError> {
    submit_bytes(&state, &headers, body, |k| k != "tracks.batch")
        .await
        .map(Json)
}

/// The length of a value's compact JSON text (what `serde_json::to_vec` would write), counted
/// without building it.
fn compact_json_len(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self.0.saturating_add(buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// The most submissions one batch may carry.
pub const BATCH_MAX_ITEMS: usize = 256;

/// Kinds a batch may not carry: a track batch has its own endpoint, and a roster or agreement
/// change alters how the items after it are checked, so it travels alone.
fn batchable(kind: &str) -> bool {
    kind != "tracks.batch" && !kind.starts_with("roster.") && !kind.starts_with("agreement.")
}

/// Submits several signed submissions in one request: a JSON array of what
/// `POST /api/v1/submissions` takes, at most [`BATCH_MAX_ITEMS`] of them and
/// `BATCH_MAX_ITEMS × max_submission_bytes` in all. Each item is verified, sequence-checked,
/// logged and committed on its own, exactly as if it had been sent alone, and refused alone;
/// the answer (200) lists each one's receipt or problem in order, and comes only after every
/// committed item is durable. Roster, agreement and track-batch kinds are not batchable.
#[utoipa::path(post, path = "/api/v1/submissions/batch", tag = "submissions",
    request_body = Vec<SubmissionWire>,
    responses((status = 200, body = BatchResults),
              (status = 400, body = Problem), (status = 413, body = Problem),
              (status = 415, body = Problem)))]
pub async fn post_submission_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BatchResults>, ApiError> {
    require_json(&headers)?;
    let item_limit = state.config().max_submission_bytes;
    let bytes = read_body(body, item_limit.saturating_mul(BATCH_MAX_ITEMS)).await?;
    let worker = state.clone();
    // Verifying a few hundred signatures is CPU work: keep it off the async runtime's workers.
    let checked = tokio::task::spawn_blocking(move || {
        let items: Vec<Value> = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::BadRequest(format!(
                "malformed JSON: a batch is a JSON array of submissions: {e}"
            ))
        })?;
        if items.len() > BATCH_MAX_ITEMS {
            return Err(ApiError::TooLarge(format!(
                "a batch carries at most {BATCH_MAX_ITEMS} submissions, found {}",
                items.len()
            )));
        }
        Ok(items
            .into_iter()
            .map(|item| {
                // The single-submission limit, on the item's compact form (counted, not
                // written out).
                let size = compact_json_len(&item);
                if size > item_limit {
                    return Err(ApiError::TooLarge(format!(
                        "the submission is {size} bytes, over the {item_limit}-byte limit"
                    )));
                }
                verify(&worker, item, batchable, None)
            })
            .collect::<Vec<_>>())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("batch task failed: {e}")))??;
    let mut verified = Vec::new();
    let mut results: Vec<Option<Result<Receipt, ApiError>>> = Vec::with_capacity(checked.len());
    for item in checked {
        match item {
            Ok(pair) => {
                verified.push(pair);
                results.push(None);
            }
            Err(e) => results.push(Some(Err(e))),
        }
    }
    let mut committed = state.writer()?.submit_many(verified).await.into_iter();
    let results = results
        .into_iter()
        .map(|r| {
            let outcome = r.or_else(|| committed.next()).unwrap_or_else(|| {
                Err(ApiError::Internal(
                    "the writer lost a batch item".to_owned(),
                ))
            });
            match outcome {
                Ok(receipt) => BatchItemResult {
                    status: 200,
                    receipt: Some(receipt),
                    problem: None,
                },
                Err(e) => {
                    if let ApiError::Internal(cause) = &e {
                        tracing::error!(%cause, "internal error in a batch item");
                    }
                    let problem = e.problem();
                    BatchItemResult {
                        status: problem.status,
                        receipt: None,
                        problem: Some(problem),
                    }
                }
            }
        })
        .collect();
    Ok(Json(BatchResults { results }))
}

/// Files, amends or cancels an air operation (kinds `air_operation.*`).
#[utoipa::path(post, path = "/api/v1/air-operations", tag = "air operations",
    request_body = SubmissionWire,
    responses((status = 200, body = Receipt), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn post_air_operation(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Receipt>, ApiError> {
    submit_bytes(&state, &headers, body, |k| k.starts_with("air_operation."))
        .await
        .map(Json)
}

/// Acknowledges an alert with a signed `alert.ack` whose `alert_id` is the path's.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "alerts",
    params(("id" = i64, Path, description = "alert id")),
    request_body = SubmissionWire,
    responses((status = 200, body = Receipt), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn post_alert_ack(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Receipt>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no alert {id:?}")))?;
    require_json(&headers)?;
    let bytes = read_body(body, state.config().max_submission_bytes).await?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    let (accepted, handler) = verify(&state, value, |k| k == "alert.ack", None)?;
    if accepted.payload.get("alert_id").and_then(Value::as_i64) != Some(id) {
        return Err(ApiError::Unprocessable(format!(
            "payload alert_id must be {id}"
        )));
    }
    state.writer()?.submit(accepted, handler).await.map(Json)
}

/// Ingests a batch of track states.
#[utoipa::path(post, path = "/api/v1/tracks/batches", tag = "tracks",
    request_body = TrackBatchWire,
    responses((status = 200, body = Receipt), (status = 401, body = Problem),
              (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn post_track_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Receipt>, ApiError> {
    require_json(&headers)?;
    let bytes = read_body(body, state.config().max_track_batch_bytes).await?;
    let worker = state.clone();
    // Parsing, hashing and checking a large batch is CPU work: keep it off the async runtime.
    let (accepted, handler, states) = tokio::task::spawn_blocking(move || {
        let mut value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
        let csv = match value.as_object_mut().and_then(|o| o.remove("states_csv")) {
            Some(Value::String(csv)) => csv,
            _ => {
                return Err(ApiError::Unprocessable(
                    "a track batch carries \"states_csv\" (a string) beside the envelope"
                        .to_owned(),
                ));
            }
        };
        let (accepted, handler) =
            verify(&worker, value, |k| k == "tracks.batch", Some(Box::new(csv)))?;
        let states = accepted
            .prepared
            .as_ref()
            .and_then(|p| p.downcast_ref::<ParsedBatch>())
            .map(|b| b.states.clone())
            .unwrap_or_default();
        Ok((accepted, handler, states))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("batch task failed: {e}")))??;
    let party = accepted.party.clone();
    let receipt = state.writer()?.submit(accepted, handler).await?;
    state.tracker().update(&party, &states);
    Ok(Json(receipt))
}

/// One logged submission, with its plaintext when the reader may see it.
#[utoipa::path(get, path = "/api/v1/submissions/{leaf}", tag = "submissions",
    params(("leaf" = u64, Path, description = "leaf index")),
    responses((status = 200, body = SubmissionView), (status = 401, body = Problem),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_submission(
    State(state): State<AppState>,
    Reader(reader): Reader,
    Path(leaf): Path<String>,
) -> Result<Json<SubmissionView>, ApiError> {
    let leaf: u64 = leaf
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no submission at leaf {leaf:?}")))?;
    let record = state
        .read(move |conn| Ok(conn.submission(leaf)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no submission at leaf {leaf}")))?;
    let entitled = state
        .policy()
        .may_read(&reader, &record.kind, &record.party)
        || !record.restricted;
    Ok(Json(SubmissionView {
        leaf_index: record.leaf_index,
        kind: record.kind,
        party: record.party,
        received: record.received,
        restricted: record.restricted,
        envelope: serde_json::from_str(&record.envelope_json).unwrap_or(Value::Null),
        sig: record.sig,
        payload: if entitled {
            record
                .payload_json
                .and_then(|p| serde_json::from_str(&p).ok())
        } else {
            None
        },
        salt: if entitled {
            record
                .salt
                .map(|s| base64::engine::general_purpose::STANDARD.encode(s))
        } else {
            None
        },
    }))
}

/// The conflicting legs of other parties' operations that alerts addressed to `reader` reveal.
fn revealed_legs(alerts: &[AlertRecord]) -> Vec<(String, String, Value)> {
    alerts
        .iter()
        .filter(|a| a.kind == "plan_conflict")
        .filter_map(|a| {
            let detail: Value = serde_json::from_str(a.detail_json.as_deref()?).ok()?;
            let other = detail.get("other")?.clone();
            let subject: Value = serde_json::from_str(&a.subject_json).ok()?;
            let op_id = other.get("operation")?.as_str()?.to_owned();
            let party = subject
                .get("operations")?
                .as_array()?
                .iter()
                .find(|o| o.get("id").and_then(Value::as_str) == Some(op_id.as_str()))?
                .get("party")?
                .as_str()?
                .to_owned();
            Some((party, op_id, other))
        })
        .collect()
}

fn full_view(
    op: jic_store::state::AirOperationRecord,
    received: Option<String>,
) -> AirOperationView {
    AirOperationView {
        received: received.or(Some(op.updated)),
        id: op.id,
        party: op.party,
        status: Some(op.status),
        version: Some(op.version),
        plan: serde_json::from_str(&op.plan_json).ok(),
        conflicting_legs: Vec::new(),
        leaf_index: Some(op.leaf_index),
    }
}

/// The operations of `ops` as they stood at `as_of`, from the store's version history
/// (`air_operation_version`): each at its latest version received by then (`cancelled` if that
/// was a cancellation), those filed later left out. Times are compared as instants.
fn air_operations_as_of(
    conn: &rusqlite::Connection,
    ops: Vec<jic_store::state::AirOperationRecord>,
    as_of: jiff::Timestamp,
) -> Result<Vec<jic_store::state::AirOperationRecord>, ApiError> {
    let store = |e: rusqlite::Error| ApiError::Internal(format!("store: {e}"));
    let mut versions = conn
        .prepare_cached(
            "SELECT version, action, plan_json, leaf_index, time FROM air_operation_version
             WHERE id = ?1 ORDER BY version",
        )
        .map_err(store)?;
    let mut out = Vec::with_capacity(ops.len());
    for mut op in ops {
        let rows: Vec<(u32, String, String, i64, String)> = versions
            .query_map([&op.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(store)?
            .collect::<Result<_, _>>()
            .map_err(store)?;
        let Some((version, action, plan_json, leaf, time)) = rows
            .into_iter()
            .rfind(|row| row.4.parse::<jiff::Timestamp>().is_ok_and(|t| t <= as_of))
        else {
            continue;
        };
        op.status = if action == "cancel" {
            "cancelled"
        } else {
            "filed"
        }
        .to_owned();
        op.version = version;
        op.plan_json = plan_json;
        op.leaf_index = u64::try_from(leaf).unwrap_or_default();
        op.updated = time;
        out.push(op);
    }
    Ok(out)
}

/// Air operations the reader may see: its own in full (all, for entitled roles), and for other
/// parties' operations only the legs that conflict with its own.
///
/// With `as_of`, each operation at its version received by then, and only the conflicting legs
/// that alerts raised by then revealed.
#[utoipa::path(get, path = "/api/v1/air-operations", tag = "air operations",
    params(crate::protect_routes::AsOfQuery),
    responses((status = 200, body = Vec<AirOperationView>), (status = 400, body = Problem),
              (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_air_operations(
    State(state): State<AppState>,
    Reader(reader): Reader,
    crate::problem::ApiQuery(query): crate::problem::ApiQuery<crate::protect_routes::AsOfQuery>,
) -> Result<Json<Vec<AirOperationView>>, ApiError> {
    let past = query.past(state.clock().now())?;
    let r = reader.clone();
    let (ops, alerts, mut first) = state
        .read(move |conn| {
            let alerts = conn.alerts(Some(&r.audience_names()))?;
            let first = crate::kinds::air_ops::first_receipts(conn)?;
            let ops = conn.air_operations(None, false)?;
            Ok(match past {
                None => (ops, alerts, first),
                Some(at) => (
                    air_operations_as_of(conn, ops, at)?,
                    crate::kinds::alerts::alerts_as_of(conn, alerts, at)?,
                    first,
                ),
            })
        })
        .await?;
    let policy = state.policy();
    let mut out: Vec<AirOperationView> = ops
        .into_iter()
        .filter(|op| policy.may_read(&reader, "air_operation.file", &op.party))
        .map(|op| {
            let received = first.remove(&op.id);
            full_view(op, received)
        })
        .collect();
    let mut partial: std::collections::BTreeMap<(String, String), Vec<Value>> = Default::default();
    for (party, id, legs) in revealed_legs(&alerts) {
        if !out.iter().any(|o| o.id == id) {
            partial.entry((party, id)).or_default().push(legs);
        }
    }
    out.extend(
        partial
            .into_iter()
            .map(|((party, id), legs)| AirOperationView {
                received: crate::kinds::air_ops::revealed_at(&alerts, &id),
                id,
                party,
                status: None,
                version: None,
                plan: None,
                conflicting_legs: legs,
                leaf_index: None,
            }),
    );
    Ok(Json(out))
}

/// One air operation, as much of it as the reader may see (404 when nothing).
#[utoipa::path(get, path = "/api/v1/air-operations/{id}", tag = "air operations",
    params(("id" = String, Path, description = "operation id")),
    responses((status = 200, body = AirOperationView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_air_operation(
    State(state): State<AppState>,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> Result<Json<AirOperationView>, ApiError> {
    let (r, key) = (reader.clone(), id.clone());
    let (op, alerts, received) = state
        .read(move |conn| {
            Ok((
                conn.air_operation(&key)?,
                conn.alerts(Some(&r.audience_names()))?,
                crate::kinds::air_ops::first_receipts(conn)?.remove(&key),
            ))
        })
        .await?;
    let not_found = || ApiError::NotFound(format!("no air operation {id:?} that you may see"));
    let op = op.ok_or_else(not_found)?;
    if state
        .policy()
        .may_read(&reader, "air_operation.file", &op.party)
    {
        return Ok(Json(full_view(op, received)));
    }
    let legs: Vec<Value> = revealed_legs(&alerts)
        .into_iter()
        .filter(|(_, op_id, _)| *op_id == op.id)
        .map(|(_, _, legs)| legs)
        .collect();
    if legs.is_empty() {
        return Err(not_found());
    }
    Ok(Json(AirOperationView {
        received: crate::kinds::air_ops::revealed_at(&alerts, &op.id),
        id: op.id,
        party: op.party,
        status: None,
        version: None,
        plan: None,
        conflicting_legs: legs,
        leaf_index: None,
    }))
}

/// Latest track states the reader may see: its own (all, for the duty officer).
#[utoipa::path(get, path = "/api/v1/tracks", tag = "tracks",
    responses((status = 200, body = Vec<TrackView>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_tracks(
    State(state): State<AppState>,
    Reader(reader): Reader,
) -> Result<Json<Vec<TrackView>>, ApiError> {
    let filter = match reader.role {
        Role::DutyOfficer => None,
        Role::Party => reader.member.clone(),
        _ => return Ok(Json(Vec::new())),
    };
    let rows = state
        .read(move |conn| Ok(conn.tracks(filter.as_deref())?))
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TrackView {
                id: t.aircraft_id,
                party: t.party,
                lat: t.lat,
                lon: t.lon,
                alt_ft: t.alt_ft,
                gs_kt: t.gs_kt,
                trk_deg: t.trk_deg,
                vs_fpm: t.vs_fpm,
                observed: t.observed,
            })
            .collect(),
    ))
}

/// Alerts addressed to the reader (its member id or its role), with its own detail.
///
/// With `as_of`, the alerts raised by then, with the acknowledgments and closure recorded by
/// then.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts",
    params(crate::protect_routes::AsOfQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 400, body = Problem),
              (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_alerts(
    State(state): State<AppState>,
    Reader(reader): Reader,
    crate::problem::ApiQuery(query): crate::problem::ApiQuery<crate::protect_routes::AsOfQuery>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let past = query.past(state.clock().now())?;
    let alerts = state
        .read(move |conn| {
            let alerts = conn.alerts(Some(&reader.audience_names()))?;
            match past {
                None => Ok(alerts),
                Some(at) => crate::kinds::alerts::alerts_as_of(conn, alerts, at),
            }
        })
        .await?;
    Ok(Json(alerts.into_iter().map(AlertView::from).collect()))
}

fn agreement_view(
    v: jic_store::state::AgreementVersionRecord,
    with_package: bool,
) -> AgreementView {
    AgreementView {
        hash: v.hash,
        number: v.number,
        status: v.status,
        proposed_by: v.proposed_by,
        required: serde_json::from_str(&v.required_json).unwrap_or_default(),
        countersignatures: v
            .countersignatures
            .into_iter()
            .map(|(party, time)| AckView { party, time })
            .collect(),
        package: if with_package {
            serde_json::from_str(&v.package_json).ok()
        } else {
            None
        },
        diff: v.diff_json.and_then(|d| serde_json::from_str(&d).ok()),
        in_force_leaf: v.in_force_leaf,
    }
}

/// The agreement version in force, with its package.
#[utoipa::path(get, path = "/api/v1/agreement", tag = "agreement",
    responses((status = 200, body = AgreementView), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn current_agreement(
    State(state): State<AppState>,
    Reader(_reader): Reader,
) -> Result<Json<AgreementView>, ApiError> {
    let versions = state.read(|conn| Ok(conn.agreement_versions()?)).await?;
    let current = versions
        .into_iter()
        .rev()
        .find(|v| v.status == "in_force")
        .ok_or_else(|| ApiError::NotFound("no agreement version is in force".to_owned()))?;
    Ok(Json(agreement_view(current, true)))
}

/// Every agreement version, oldest first, without packages.
#[utoipa::path(get, path = "/api/v1/agreement/versions", tag = "agreement",
    responses((status = 200, body = Vec<AgreementView>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn agreement_versions(
    State(state): State<AppState>,
    Reader(_reader): Reader,
) -> Result<Json<Vec<AgreementView>>, ApiError> {
    let versions = state.read(|conn| Ok(conn.agreement_versions()?)).await?;
    Ok(Json(
        versions
            .into_iter()
            .map(|v| agreement_view(v, false))
            .collect(),
    ))
}

/// One agreement version with its package and diff.
#[utoipa::path(get, path = "/api/v1/agreement/versions/{hash}", tag = "agreement",
    params(("hash" = String, Path, description = "hex canonical hash")),
    responses((status = 200, body = AgreementView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn agreement_version(
    State(state): State<AppState>,
    Reader(_reader): Reader,
    Path(hash): Path<String>,
) -> Result<Json<AgreementView>, ApiError> {
    let key = hash.clone();
    let v = state
        .read(move |conn| Ok(conn.agreement_version(&key)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no agreement version {hash}")))?;
    Ok(Json(agreement_view(v, true)))
}

/// A proposal on the wire: a signed `agreement.propose` plus the package files.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalWire {
    /// The signed envelope.
    #[schema(value_type = Object)]
    pub envelope: Value,
    /// The signature.
    pub sig: String,
    /// The package: file name → text (`agreement.toml`, `*.geojson`).
    #[schema(value_type = Object)]
    pub files: Value,
}

/// Proposes a new agreement version (e.g. a delineation change); the receipt carries its diff.
#[utoipa::path(post, path = "/api/v1/agreement/versions", tag = "agreement",
    request_body = ProposalWire,
    responses((status = 200, body = Receipt), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn post_agreement_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Receipt>, ApiError> {
    require_json(&headers)?;
    let bytes = read_body(body, state.config().max_track_batch_bytes).await?;
    let worker = state.clone();
    let (accepted, handler) = tokio::task::spawn_blocking(move || {
        let mut value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
        let files = value
            .as_object_mut()
            .and_then(|o| o.remove("files"))
            .ok_or_else(|| {
                ApiError::Unprocessable(
                    "a proposal carries \"files\" beside the envelope".to_owned(),
                )
            })?;
        let files: std::collections::BTreeMap<String, String> = serde_json::from_value(files)
            .map_err(|e| ApiError::Unprocessable(format!("files: {e}")))?;
        verify(
            &worker,
            value,
            |k| k == "agreement.propose",
            Some(Box::new(files)),
        )
    })
    .await
    .map_err(|e| ApiError::Internal(format!("proposal task failed: {e}")))??;
    state.writer()?.submit(accepted, handler).await.map(Json)
}

/// Countersigns a proposed version (a signed `agreement.countersign`).
#[utoipa::path(post, path = "/api/v1/agreement/countersignatures", tag = "agreement",
    request_body = SubmissionWire,
    responses((status = 200, body = Receipt), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn post_countersignature(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Receipt>, ApiError> {
    submit_bytes(&state, &headers, body, |k| k == "agreement.countersign")
        .await
        .map(Json)
}

/// The OpenAPI document of `/api/v1`, generated from the handlers and DTOs.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "jic API", description = "Joint Implementation Center: signed submissions, \
        need-to-know reads, live events. Errors are RFC 9457 problem+json."),
    paths(health, openapi_json, roster, kinds, post_submission, post_submission_batch,
          get_submission, post_air_operation,
          list_air_operations, get_air_operation, post_track_batch, list_tracks, list_alerts,
          post_alert_ack, current_agreement, agreement_versions, agreement_version,
          post_agreement_version, post_countersignature, crate::events::events,
          crate::protect_routes::list_notifications, crate::protect_routes::get_strike_notice,
          crate::protect_routes::list_strike_notices,
          crate::protect_routes::implementation_status,
          crate::kinds::incidents::list_incidents, crate::kinds::incidents::get_incident,
          crate::kinds::incidents::export_incidents, crate::kinds::incidents::get_phase,
          crate::kinds::incidents::daily_report, crate::kinds::incidents::get_evidence,
          crate::kinds::incidents::put_evidence, crate::log_routes::inclusion,
          crate::log_routes::consistency, crate::log_routes::key,
          crate::log_routes::cosignatures, crate::whoami::whoami),
    components(schemas(Problem, Receipt, SubmissionWire, BatchItemResult, BatchResults, TrackBatchWire, SubmissionView,
        AirOperationView, AlertView, AckView, TrackView, AgreementView, MemberView, KindView,
        ProposalWire, crate::kinds::agreement::ProposeAgreement,
        crate::kinds::agreement::CountersignAgreement,
        crate::kinds::air_ops::FlightPlan, crate::kinds::air_ops::PlanWaypoint,
        crate::kinds::air_ops::CancelPlan, crate::kinds::alerts::AckAlert,
        crate::kinds::tracks::TrackBatch, crate::protect_routes::StrikeNoticeSummary,
        crate::protect_routes::NoticeFinding, crate::protect_routes::NoticeWindow,
        crate::whoami::WhoAmI)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Adds the bearer-token security scheme.
#[derive(Debug)]
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

impl IntoResponse for Receipt {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}
