//! Incidents and compliance (issue #7, DESIGN §3.8): the `incident.*` submission kinds, evidence
//! upload, the phase clock, daily situation reports and incident export. The domain logic is
//! pure, in `jic-compliance`; this module stores, logs and serves it.
//!
//! # Kinds (payloads are `jic_compliance`'s serde forms)
//! | kind | roles | payload |
//! |---|---|---|
//! | `incident.report` | party, monitor, humanitarian | `IncidentReport` (new id, `reporter` = the envelope's party) |
//! | `incident.amend` | party, monitor, humanitarian | `IncidentReport` (existing id; the original reporter or a monitor) |
//! | `incident.review` | monitor | `Review` (`{"incident", "version", "status", "note"}`) |
//! | `incident.counter_claim` | party | `CounterClaim` (`{"incident", "statement", "evidence", "sources"}`) |
//!
//! # Decisions logged
//! - `incident.classification` after every report and amendment: incident, version, outcome,
//!   rule ids, what is missing, the phase and the agreement hash. Links to notified sites are not
//!   in the public leaf (their positions are restricted); they are in the filer's response.
//! - `phase.transition` whenever the phase clock, recomputed after an incident submission,
//!   shows a transition not yet logged.
//!
//! # Consistency with the log
//! The clock is computed by replaying the `submission` rows of the incident kinds in leaf
//! order with `jic_compliance::replay` — the very fold `jic phase` runs offline over the log's
//! entries — so the server and an auditor holding the log compute the same days.
//!
//! # HTTP (reads need a bearer token)
//! - `GET /api/v1/incidents[?as_of=RFC3339]`: each incident as on record at that instant
//!   (`id, version, status, received, updated, report, counter_claims, classification`);
//!   `GET /api/v1/incidents/{id}`: one dossier with every version, review and counter-claim.
//! - SSE topic `incident` (to every reader): `{incident, change: reported | amended | status |
//!   counter_claim, version?, status?, outcome?, category?, received}`.
//! - `GET /api/v1/incidents/export?format=geojson|csv`.
//! - `GET /api/v1/phase[?as_of=RFC3339]`: calm days, transitions and the phase in force.
//! - `GET /api/v1/reports/daily/{date}`: the situation report, HTML when `Accept` asks for
//!   `text/html`, JSON otherwise.
//! - `PUT /api/v1/evidence/{sha256}` (body: the file, at most [`EVIDENCE_MAX_BYTES`]) and
//!   `GET /api/v1/evidence/{sha256}`: files content-addressed under `DATA/evidence/`; the upload
//!   is refused unless the body hashes to the name.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jic_agreement::Agreement;
use jic_compliance::export::ExportRow;
use jic_compliance::links::{
    Acknowledgment, AirOperationRef, Context, MovementRef, SiteRef, StrikeNoticeRef,
};
use jic_compliance::phase::{ClassificationMemo, OutcomeMemo};
use jic_compliance::replay::{self, LoggedSubmission, Replay};
use jic_compliance::report::{AlertRef, CheckpointRef, NotificationRef, ReportInputs};
use jic_compliance::{ClockResult, CounterClaim, IncidentReport, PhaseClock, Review, ReviewStatus};
use jic_store::roster::Role;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Reader;
use crate::problem::ApiError;
use crate::submit::{Accepted, ApplyCtx, KindHandler, KindRegistry};

/// Largest evidence file accepted, bytes.
pub const EVIDENCE_MAX_BYTES: usize = 16 << 20;

/// Decision kind: a classification.
pub const CLASSIFICATION: &str = "incident.classification";
/// Decision kind: a phase transition.
pub const TRANSITION: &str = "phase.transition";

#[allow(clippy::needless_pass_by_value, reason = "written for `map_err(sql)`")]
fn sql(e: rusqlite::Error) -> ApiError {
    ApiError::Internal(format!("incident store: {e}"))
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "written for `map_err(compliance_error)`"
)]
fn compliance_error(e: jic_compliance::Error) -> ApiError {
    match e {
        jic_compliance::Error::Transition { .. } => ApiError::Conflict(e.to_string()),
        _ => ApiError::Unprocessable(format!("payload: {e}")),
    }
}

/// The agreement version in force, loaded from its stored package.
pub fn agreement_in_force(conn: &Connection) -> Result<(String, Agreement), ApiError> {
    use jic_store::state::StateRead as _;
    let version = conn
        .agreement_versions()?
        .into_iter()
        .rev()
        .find(|v| v.status == "in_force")
        .ok_or_else(|| ApiError::Internal("no agreement version is in force".to_owned()))?;
    let files: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&version.package_json)
            .map_err(|e| ApiError::Internal(format!("stored agreement package: {e}")))?;
    let agreement = super::agreement::load_files(&files)
        .map_err(|e| ApiError::Internal(format!("the agreement in force does not load: {e}")))?;
    Ok((version.hash, agreement))
}

/// One stored submission as the folds read it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredRow {
    leaf: i64,
    kind: String,
    party: String,
    received: String,
    payload: Option<String>,
}

impl StoredRow {
    /// From `leaf_index, kind, party, received, payload_json`.
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            leaf: r.get(0)?,
            kind: r.get(1)?,
            party: r.get(2)?,
            received: r.get(3)?,
            payload: r.get(4)?,
        })
    }
}

/// The stored submissions of `kinds` with a leaf above `after`, in leaf order.
fn rows_after(conn: &Connection, kinds: &[&str], after: i64) -> Result<Vec<StoredRow>, ApiError> {
    let marks = vec!["?"; kinds.len()].join(", ");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT leaf_index, kind, party, received, payload_json FROM submission
             WHERE kind IN ({marks}) AND leaf_index > ? ORDER BY leaf_index"
        ))
        .map_err(sql)?;
    let mut params: Vec<&dyn rusqlite::ToSql> = kinds.iter().map(|k| k as _).collect();
    params.push(&after);
    stmt.query_map(params.as_slice(), StoredRow::from_row)
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)
}

/// How far a fold has read: how many rows of its kinds, up to which leaf, and the rows it folded
/// that are not yet known to be committed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FoldMark {
    count: u64,
    last_leaf: i64,
    unconfirmed: Vec<StoredRow>,
}

impl Default for FoldMark {
    fn default() -> Self {
        Self {
            count: 0,
            last_leaf: -1,
            unconfirmed: Vec::new(),
        }
    }
}

impl FoldMark {
    fn last_leaf(&self) -> i64 {
        self.last_leaf
    }

    fn advance(&mut self, rows: &[StoredRow]) {
        self.count += rows.len() as u64;
        if let Some(last) = rows.last() {
            self.last_leaf = last.leaf;
        }
        self.unconfirmed.extend_from_slice(rows);
    }

    /// Whether the database still holds what was folded. A row the fold read may belong to a
    /// group commit that later failed (its leaf index is then reused), so every folded row is
    /// checked to be still there, unchanged, until a signed checkpoint covers its leaf: a
    /// checkpoint covers committed leaves only, and committed submissions never change. Rows
    /// of kinds the fold has not read yet have leaves above what it read (a failed group's rows
    /// below them would include rows it read). One indexed look-up per row folded since the
    /// last checkpoint, whatever the history's size.
    fn still_valid(&mut self, conn: &Connection) -> Result<bool, ApiError> {
        if self.unconfirmed.is_empty() {
            return Ok(true);
        }
        let committed: i64 = conn
            .prepare_cached("SELECT coalesce(max(size), 0) FROM log_checkpoint")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(sql)?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT leaf_index, kind, party, received, payload_json FROM submission
                 WHERE leaf_index = ?1",
            )
            .map_err(sql)?;
        for row in &self.unconfirmed {
            let stored = stmt
                .query_row([row.leaf], StoredRow::from_row)
                .optional()
                .map_err(sql)?;
            if stored.as_ref() != Some(row) {
                return Ok(false);
            }
        }
        self.unconfirmed.retain(|r| r.leaf >= committed);
        Ok(true)
    }
}

/// Parses a stored row into what [`Replay::apply`] takes.
fn replay_row(replay: &mut Replay, row: &StoredRow) -> Result<(), ApiError> {
    let received: Timestamp = row
        .received
        .parse()
        .map_err(|e| ApiError::Internal(format!("stored receipt time: {e}")))?;
    let payload: Value = row
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(Value::Null);
    replay.apply(LoggedSubmission {
        leaf: u64::try_from(row.leaf).unwrap_or_default(),
        kind: &row.kind,
        party: &row.party,
        received,
        payload: &payload,
    });
    Ok(())
}

/// Rebuilds the dossiers from the stored submissions of the incident kinds, in leaf order.
pub fn load_replay(conn: &Connection) -> Result<Replay, ApiError> {
    let mut out = Replay::default();
    for row in rows_after(conn, &replay::KINDS, -1)? {
        replay_row(&mut out, &row)?;
    }
    Ok(out)
}

/// Replays the incident kinds from log entries (leaf index and bytes, in index order): what
/// `jic phase` does with a copy of the log. Decisions and other kinds are skipped; an entry
/// that does not parse is reported in [`Replay::skipped`].
pub fn replay_log_entries<'a>(entries: impl IntoIterator<Item = (u64, &'a [u8])>) -> Replay {
    let mut out = Replay::default();
    for (leaf, bytes) in entries {
        let entry = match jic_ledger::envelope::LogEntry::from_bytes(bytes) {
            Ok(e) => e,
            Err(e) => {
                out.skipped.push((leaf, format!("unreadable entry: {e}")));
                continue;
            }
        };
        let jic_ledger::envelope::LogEntry::Submission { signed, received } = entry else {
            continue;
        };
        let env = &signed.envelope;
        if !replay::KINDS.contains(&env.kind.as_str()) {
            continue;
        }
        let jic_ledger::envelope::Body::Public(payload) = &env.body else {
            out.skipped
                .push((leaf, "an incident submission logged as a commitment".into()));
            continue;
        };
        let Ok(received) = received.parse::<Timestamp>() else {
            out.skipped
                .push((leaf, format!("receipt time {received:?} is not RFC 3339")));
            continue;
        };
        out.apply(LoggedSubmission {
            leaf,
            kind: &env.kind,
            party: &env.party,
            received,
            payload,
        });
    }
    out
}

/// Replays the incident kinds from the log table of a data directory's database (not from the
/// state tables): the offline recomputation of `jic phase --data DIR`.
pub fn replay_log_table(conn: &Connection) -> Result<Replay, ApiError> {
    let mut stmt = conn
        .prepare("SELECT idx, entry FROM log_leaf ORDER BY idx")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    Ok(replay_log_entries(rows.iter().map(|(i, b)| {
        (u64::try_from(*i).unwrap_or_default(), b.as_slice())
    })))
}

/// What jic knows that an incident may be linked to, from the stored submissions (plaintext,
/// which stays in the state tables): humanitarian sites and movements with their
/// acknowledgments, strike notices with their reviews, air operations. Payloads are read
/// field by field (the kinds of issue #6 and #5), so an entry of an unexpected shape is
/// skipped, never fatal: links inform a classification, they do not decide it.
pub fn build_context(conn: &Connection) -> Result<Context, ApiError> {
    let mut fold = ContextFold::default();
    for row in rows_after(conn, &CONTEXT_KINDS, -1)? {
        fold.apply(&row);
    }
    Ok(fold.materialise())
}

/// The submission kinds [`build_context`] reads.
const CONTEXT_KINDS: [&str; 6] = [
    "humanitarian.site",
    "humanitarian.movement",
    "humanitarian.ack",
    "strike.notice",
    "strike.review",
    "air_operation.file",
];

/// The link context folded row by row in leaf order: what each row adds, with acknowledgments
/// and reviews kept aside and attached when the context is materialised (an acknowledgment
/// attaches to the first site, else the first movement, of its id; a review sets the first
/// matching notice's concurrence, the last review winning), exactly as a single pass over
/// every row would.
#[derive(Debug, Clone, Default)]
struct ContextFold {
    base: Context,
    acks: Vec<(String, Acknowledgment)>,
    reviews: Vec<(String, bool)>,
}

impl ContextFold {
    /// Folds one stored row (rows of other kinds, or that do not parse, are skipped).
    fn apply(&mut self, row: &StoredRow) {
        let ctx = &mut self.base;
        let acks = &mut self.acks;
        let reviews = &mut self.reviews;
        let (kind, party) = (row.kind.as_str(), row.party.clone());
        let pair =
            |v: &Value| -> Option<[f64; 2]> { Some([v.get(1)?.as_f64()?, v.get(0)?.as_f64()?]) };
        let (Some(p), Ok(at)) = (
            row.payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<Value>(p).ok()),
            row.received.parse::<Timestamp>(),
        ) else {
            return;
        };
        let id = |p: &Value| p["id"].as_str().map(|i| format!("{party}/{i}"));
        let recipients = |p: &Value| -> Vec<String> {
            p["recipients"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        };
        let ts = |v: &Value| v.as_str().and_then(|t| t.parse::<Timestamp>().ok());
        match kind {
            "humanitarian.site" => {
                let g = &p["geometry"];
                let centre = match g["type"].as_str() {
                    Some("Point") => pair(&g["coordinates"]),
                    Some("Polygon") => pair(&g["coordinates"][0][0]),
                    _ => None,
                };
                if let (Some(id), Some([lat, lon])) = (id(&p), centre) {
                    ctx.sites.push(SiteRef {
                        name: id.clone(),
                        id,
                        category: p["category"].as_str().unwrap_or("site").to_owned(),
                        lat,
                        lon,
                        sealed: p["disclosure"].as_str() == Some("sealed"),
                        notified_at: at,
                        recipients: recipients(&p),
                        acknowledgments: Vec::new(),
                    });
                }
            }
            "humanitarian.movement" => {
                let route: Vec<[f64; 2]> = p["route"]["coordinates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(pair)
                    .collect();
                if let (Some(id), Some(start), Some(end)) =
                    (id(&p), ts(&p["window"]["start"]), ts(&p["window"]["end"]))
                {
                    ctx.movements.push(MovementRef {
                        name: id.clone(),
                        id,
                        route,
                        window_start: start,
                        window_end: end,
                        notified_at: at,
                        recipients: recipients(&p),
                        acknowledgments: Vec::new(),
                    });
                }
            }
            "humanitarian.ack" => {
                if let Some(n) = p["notification"].as_str() {
                    acks.push((n.to_owned(), Acknowledgment { party, at }));
                }
            }
            "strike.notice" => {
                let area = &p["area"];
                let centre = match area["type"].as_str() {
                    Some("Point") => pair(&area["coordinates"]),
                    Some("Polygon") => pair(&area["coordinates"][0][0]),
                    _ => None,
                };
                if let (Some(id), Some([lat, lon]), Some(start), Some(end)) = (
                    id(&p),
                    centre,
                    ts(&p["window"]["start"]),
                    ts(&p["window"]["end"]),
                ) {
                    ctx.strike_notices.push(StrikeNoticeRef {
                        id,
                        party: party.clone(),
                        group: p["group"].as_str().map(str::to_owned),
                        lat,
                        lon,
                        radius_m: area["radius_m"].as_f64().unwrap_or(0.0)
                            + p["effects_radius_m"].as_f64().unwrap_or(0.0),
                        window_start: start,
                        window_end: end,
                        filed_at: at,
                        concurred: None,
                    });
                }
            }
            "strike.review" => {
                if let (Some(n), Some(d)) = (p["notice"].as_str(), p["decision"].as_str()) {
                    reviews.push((n.to_owned(), d == "concur"));
                }
            }
            "air_operation.file" => {
                let points: Vec<&Value> = p["waypoints"].as_array().into_iter().flatten().collect();
                let times: Vec<Timestamp> = points.iter().filter_map(|w| ts(&w["time"])).collect();
                if let (Some(id), Some(start), Some(end)) =
                    (p["id"].as_str(), times.iter().min(), times.iter().max())
                {
                    ctx.air_operations.push(AirOperationRef {
                        id: id.to_owned(),
                        party,
                        path: points
                            .iter()
                            .filter_map(|w| Some([w["lat"].as_f64()?, w["lon"].as_f64()?]))
                            .collect(),
                        window_start: *start,
                        window_end: *end,
                    });
                }
            }
            _ => {}
        }
    }

    /// The context with acknowledgments and reviews attached.
    fn materialise(&self) -> Context {
        let mut ctx = self.base.clone();
        for (n, ack) in &self.acks {
            if let Some(s) = ctx.sites.iter_mut().find(|s| s.id == *n) {
                s.acknowledgments.push(ack.clone());
            } else if let Some(m) = ctx.movements.iter_mut().find(|m| m.id == *n) {
                m.acknowledgments.push(ack.clone());
            }
        }
        for (n, concur) in &self.reviews {
            if let Some(notice) = ctx
                .strike_notices
                .iter_mut()
                .find(|x| x.id == *n || x.id.ends_with(&format!("/{n}")))
            {
                notice.concurred = Some(*concur);
            }
        }
        ctx
    }
}

/// The clock as of `as_of` over the stored incidents, with the agreement in force: the full
/// result of `PhaseClock::compute`, with classifications remembered process-wide between calls
/// (`PhaseClock::compute_memoised`: reused only under the same agreement, context, report and
/// timeline), so repeated reads between changes do not classify every incident again.
pub fn compute_clock(
    conn: &Connection,
    as_of: Timestamp,
) -> Result<(Agreement, Replay, ClockResult), ApiError> {
    static MEMO: Mutex<Option<ClassificationMemo>> = Mutex::new(None);
    let (_, agreement) = agreement_in_force(conn)?;
    let replay = load_replay(conn)?;
    let incidents = replay.clock_incidents(as_of);
    let context = build_context(conn)?;
    let clock = with_memo(&MEMO, |memo| {
        PhaseClock::compute_memoised(&agreement, &incidents, &context, as_of, memo)
    })
    .map_err(|e| ApiError::Internal(format!("phase clock: {e}")))?;
    Ok((agreement, replay, clock))
}

/// Runs `f` with the memo in `slot`, taken out for the call so that concurrent readers never
/// wait for each other (one of them then starts from an empty memo: slower, same answer), and
/// put back after.
fn with_memo<M: Default, R>(slot: &Mutex<Option<M>>, f: impl FnOnce(&mut M) -> R) -> R {
    let lock = || {
        slot.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let mut memo = lock().take().unwrap_or_default();
    let out = f(&mut memo);
    *lock() = Some(memo);
    out
}

/// The days, transitions, timeline and phase in force of [`compute_clock`] — identical — but
/// without the classifications, for readers that need the phase (strike checks, the phase
/// ticker). Outcomes judged by earlier calls are remembered process-wide
/// (`PhaseClock::compute_phases`; the memo is keyed by everything an outcome depends on, so
/// servers sharing a process cannot confuse it), so a call classifies only the verified
/// incidents that changed since.
pub fn compute_phase_clock(conn: &Connection, as_of: Timestamp) -> Result<ClockResult, ApiError> {
    static MEMO: Mutex<Option<OutcomeMemo>> = Mutex::new(None);
    let (_, agreement) = agreement_in_force(conn)?;
    let incidents = load_replay(conn)?.clock_incidents(as_of);
    let context = build_context(conn)?;
    with_memo(&MEMO, |memo| {
        PhaseClock::compute_phases(&agreement, &incidents, &context, as_of, memo)
    })
    .map_err(|e| ApiError::Internal(format!("phase clock: {e}")))
}

/// What the incident kinds keep between submissions, on the writer thread: the dossiers and the
/// link context folded incrementally from the stored submissions, the agreement in force
/// (parsed once per version), and the outcomes the phase clock has already judged. Each fold
/// checks with indexed look-ups that the database still holds what it read (see
/// [`FoldMark::still_valid`]) and otherwise starts again from the beginning, so the caches can
/// only make a submission faster, never change its answer.
#[derive(Default)]
struct Caches {
    replay: Replay,
    replay_mark: FoldMark,
    context: ContextFold,
    context_mark: FoldMark,
    /// The materialised context and the count of context rows it was built from.
    context_built: Option<(u64, Arc<Context>)>,
    agreement: Option<(String, Arc<Agreement>)>,
    memo: OutcomeMemo,
}

/// What to restore when the submission being applied is refused: its job rolls back to its
/// savepoint, so the replay must forget the one row it folded for it.
struct Undo {
    incident: String,
    dossier: Option<jic_compliance::Dossier>,
    skipped: usize,
    last_leaf: Option<u64>,
    mark: FoldMark,
}

impl Caches {
    /// The agreement in force, parsed again only when another version is in force.
    fn agreement(&mut self, conn: &Connection) -> Result<Arc<Agreement>, ApiError> {
        let hash: Option<String> = conn
            .prepare_cached(
                "SELECT hash FROM agreement_version WHERE status = 'in_force'
                 ORDER BY number DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row([], |r| r.get(0)).optional())
            .map_err(sql)?;
        if let (Some(h), Some((cached, a))) = (&hash, &self.agreement)
            && h == cached
        {
            return Ok(a.clone());
        }
        let (hash, agreement) = agreement_in_force(conn)?;
        let agreement = Arc::new(agreement);
        self.agreement = Some((hash, agreement.clone()));
        Ok(agreement)
    }

    /// Folds the stored incident submissions not folded yet; the row at `current` (the
    /// submission being applied) last, returning how to undo it.
    fn fold_replay(&mut self, conn: &Connection, current: i64) -> Result<Option<Undo>, ApiError> {
        if !self.replay_mark.still_valid(conn)? {
            self.replay = Replay::default();
            self.replay_mark = FoldMark::default();
        }
        let rows = rows_after(conn, &replay::KINDS, self.replay_mark.last_leaf())?;
        let (earlier, mine) = rows.split_at(rows.iter().take_while(|r| r.leaf < current).count());
        for row in earlier {
            replay_row(&mut self.replay, row)?;
        }
        self.replay_mark.advance(earlier);
        let undo = mine.first().map(|row| {
            let payload: Value = row
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(Value::Null);
            let incident = payload["id"]
                .as_str()
                .or_else(|| payload["incident"].as_str())
                .unwrap_or_default()
                .to_owned();
            Undo {
                dossier: self.replay.dossiers.get(&incident).cloned(),
                incident,
                skipped: self.replay.skipped.len(),
                last_leaf: self.replay.last_leaf,
                mark: self.replay_mark.clone(),
            }
        });
        for row in mine {
            replay_row(&mut self.replay, row)?;
        }
        self.replay_mark.advance(mine);
        Ok(undo)
    }

    fn undo(&mut self, undo: Undo) {
        match undo.dossier {
            Some(d) => {
                self.replay.dossiers.insert(undo.incident, d);
            }
            None => {
                self.replay.dossiers.remove(&undo.incident);
            }
        }
        self.replay.skipped.truncate(undo.skipped);
        self.replay.last_leaf = undo.last_leaf;
        self.replay_mark = undo.mark;
    }

    /// The link context including every stored submission of its kinds, materialised again
    /// only when new ones arrived.
    fn context(&mut self, conn: &Connection) -> Result<Arc<Context>, ApiError> {
        if !self.context_mark.still_valid(conn)? {
            self.context = ContextFold::default();
            self.context_mark = FoldMark::default();
            self.context_built = None;
        }
        let rows = rows_after(conn, &CONTEXT_KINDS, self.context_mark.last_leaf())?;
        for row in &rows {
            self.context.apply(row);
        }
        self.context_mark.advance(&rows);
        match &self.context_built {
            Some((count, built)) if *count == self.context_mark.count => Ok(built.clone()),
            _ => {
                let built = Arc::new(self.context.materialise());
                self.context_built = Some((self.context_mark.count, built.clone()));
                Ok(built)
            }
        }
    }
}

/// The shared state of the incident kinds (see [`Caches`]).
#[derive(Default)]
pub struct Engine {
    caches: Mutex<Caches>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

/// One `incident.*` kind.
#[derive(Debug, Clone)]
pub struct IncidentKind {
    kind: &'static str,
    engine: Arc<Engine>,
}

/// Registers the four incident kinds.
pub fn register(registry: &mut KindRegistry) {
    let engine = Arc::new(Engine::default());
    for kind in replay::KINDS {
        registry.register(IncidentKind {
            kind,
            engine: engine.clone(),
        });
    }
}

const REPORTERS: &[Role] = &[Role::Party, Role::Monitor, Role::Humanitarian];

impl KindHandler for IncidentKind {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn roles(&self) -> &'static [Role] {
        match self.kind {
            replay::KIND_REVIEW => &[Role::Monitor],
            replay::KIND_COUNTER_CLAIM => &[Role::Party],
            _ => REPORTERS,
        }
    }

    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        match self.kind {
            replay::KIND_REPORT | replay::KIND_AMEND => {
                let r = IncidentReport::deserialize(&s.payload)
                    .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
                r.validate(None).map_err(compliance_error)?;
                if self.kind == replay::KIND_REPORT && r.reporter != s.party {
                    return Err(ApiError::Unprocessable(format!(
                        "payload: reporter `{}` is not the submitting party `{}`",
                        r.reporter, s.party
                    )));
                }
            }
            replay::KIND_REVIEW => {
                let r = Review::deserialize(&s.payload)
                    .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
                if r.note.len() > jic_compliance::incident::MAX_TEXT_BYTES {
                    return Err(ApiError::Unprocessable("payload: note too long".into()));
                }
            }
            _ => {
                let c = CounterClaim::deserialize(&s.payload)
                    .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
                if c.statement.trim().is_empty() {
                    return Err(ApiError::Unprocessable(
                        "payload: the statement is empty".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let mut caches = self
            .engine
            .caches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The submission row is already stored: the replay folds it, and refuses it exactly as
        // an offline replay would.
        let leaf = i64::try_from(ctx.leaf_index())
            .map_err(|_| ApiError::Internal("leaf index out of range".into()))?;
        let undo = match caches.fold_replay(ctx.read(), leaf) {
            Ok(u) => u,
            Err(e) => {
                *caches = Caches::default();
                return Err(e);
            }
        };
        let result = self.apply_inner(ctx, s, &mut caches);
        if result.is_err() {
            // The job rolls back to its savepoint and its leaf index will be reused: the replay
            // forgets the row it folded for it.
            match undo {
                Some(u) => caches.undo(u),
                None => *caches = Caches::default(),
            }
        }
        result
    }
}

impl IncidentKind {
    fn apply_inner(
        &self,
        ctx: &mut ApplyCtx<'_>,
        s: &Accepted,
        caches: &mut Caches,
    ) -> Result<Value, ApiError> {
        let leaf = ctx.leaf_index();
        let now = ctx.now();
        let agreement = caches.agreement(ctx.read())?;
        let context = caches.context(ctx.read())?;
        let Caches {
            replay: replayed,
            memo,
            ..
        } = caches;
        if let Some((_, why)) = replayed.skipped.iter().find(|(l, _)| *l == leaf) {
            return Err(if why.contains("already exists") {
                ApiError::Conflict(why.clone())
            } else if why.starts_with("no incident") {
                ApiError::NotFound(why.clone())
            } else if why.contains("cannot move") {
                ApiError::Conflict(why.clone())
            } else {
                ApiError::Unprocessable(why.clone())
            });
        }
        let mut result = json!({"leaf_index": leaf});
        let incident_id = match self.kind {
            replay::KIND_REPORT | replay::KIND_AMEND => {
                let r = IncidentReport::deserialize(&s.payload)
                    .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
                r.validate(Some(&agreement)).map_err(compliance_error)?;
                let dossier = replayed
                    .dossiers
                    .get(&r.id)
                    .ok_or_else(|| ApiError::Internal("replay lost the incident".into()))?;
                if self.kind == replay::KIND_AMEND {
                    let original = dossier.versions.first().map(|v| v.by.as_str());
                    if original != Some(s.party.as_str()) && s.role != Role::Monitor {
                        return Err(ApiError::Forbidden(
                            "only the original reporter or a monitor may amend an incident".into(),
                        ));
                    }
                }
                for e in &r.evidence {
                    let known: Option<i64> = ctx
                        .read()
                        .query_row(
                            "SELECT size FROM evidence WHERE sha256 = ?1",
                            [&e.sha256],
                            |x| x.get(0),
                        )
                        .optional()
                        .map_err(sql)?;
                    if known.is_none() {
                        return Err(ApiError::Unprocessable(format!(
                            "evidence {} is not uploaded: PUT it to /api/v1/evidence/{} first",
                            e.sha256, e.sha256
                        )));
                    }
                }
                r.id.clone()
            }
            replay::KIND_REVIEW => Review::deserialize(&s.payload)
                .map(|r| r.incident)
                .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?,
            _ => CounterClaim::deserialize(&s.payload)
                .map(|c| c.incident)
                .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?,
        };

        // The clock: days and transitions over every incident as of now, reclassifying only
        // what the memo has not judged in this form (see `PhaseClock::compute_phases`).
        let incidents = replayed.clock_incidents(now);
        let clock = PhaseClock::compute_phases(&agreement, &incidents, &context, now, memo)
            .map_err(|e| ApiError::Internal(format!("phase clock: {e}")))?;
        log_new_transitions(ctx, &clock)?;

        let dossier = replayed
            .dossiers
            .get(&incident_id)
            .ok_or_else(|| ApiError::Internal("replay lost the incident".into()))?;
        let current = dossier
            .current()
            .ok_or_else(|| ApiError::Internal("an incident without a version".into()))?;
        match self.kind {
            replay::KIND_REPORT | replay::KIND_AMEND => {
                let classification =
                    jic_compliance::classify(&agreement, &current.item, &clock.timeline, &context)
                        .map_err(compliance_error)?;
                let missing: Vec<Value> = classification
                    .missing
                    .iter()
                    .filter_map(|m| serde_json::to_value(m).ok())
                    .map(|m| m.get("missing").cloned().unwrap_or(Value::Null))
                    .collect();
                let decision = ctx.record(
                    CLASSIFICATION,
                    json!({
                        "incident": incident_id,
                        "version": dossier.version(),
                        "outcome": classification.outcome,
                        "rules": classification.rules.iter().map(|r| r.rule.clone()).collect::<Vec<_>>(),
                        "missing": missing,
                        "phase": classification.phase,
                        "agreement": agreement.hash_hex(),
                    }),
                )?;
                store_incident(ctx, dossier, &classification, leaf)?;
                result["version"] = json!(dossier.version());
                result["classification"] =
                    serde_json::to_value(&classification).unwrap_or(Value::Null);
                result["classification_leaf"] = json!(decision);
                // Incidents are public (the log holds them in the clear), so their events go
                // to every reader; links, which may touch restricted filings, stay out.
                ctx.emit(
                    "incident",
                    &["*".to_owned()],
                    &json!({"incident": incident_id, "version": dossier.version(),
                            "change": if self.kind == replay::KIND_REPORT { "reported" } else { "amended" },
                            "status": dossier.status(), "received": now.to_string(),
                            "outcome": classification.outcome, "category": current.item.category}),
                    Some(leaf),
                )?;
            }
            replay::KIND_REVIEW => {
                ctx.read()
                    .execute(
                        "UPDATE incident SET status = ?1, updated = ?2 WHERE id = ?3",
                        params![dossier.status().as_str(), now.to_string(), incident_id],
                    )
                    .map_err(sql)?;
                result["status"] = json!(dossier.status());
                ctx.emit(
                    "incident",
                    &["*".to_owned()],
                    &json!({"incident": incident_id, "version": dossier.version(),
                            "change": "status", "status": dossier.status(),
                            "received": now.to_string()}),
                    Some(leaf),
                )?;
            }
            _ => {
                ctx.read()
                    .execute(
                        "INSERT INTO counter_claim (incident_id, party, body_json, leaf_index, time)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![incident_id, s.party, s.payload.to_string(), leaf as i64, now.to_string()],
                    )
                    .map_err(sql)?;
                ctx.emit(
                    "incident",
                    &["*".to_owned()],
                    &json!({"incident": incident_id, "change": "counter_claim",
                            "party": s.party, "received": now.to_string()}),
                    Some(leaf),
                )?;
            }
        }
        result["incident"] = json!(incident_id);
        Ok(result)
    }
}

/// Logs the phase transitions that happen with no incident submission to trigger them (a
/// seventh calm day ending at midnight): every `interval`, once per hour of the server's clock,
/// recomputes the clock and, if it shows a calm-day transition not yet logged, logs every
/// unlogged transition through the writer like any decision. (Scheduled transitions alone do
/// not wake it: they follow from the agreement and are logged with the next incident.)
pub async fn run_phase_ticker(state: AppState, interval: std::time::Duration) {
    let mut closing = state.closing();
    let mut checked_hour: Option<i64> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = closing.changed() => return,
        }
        let now = state.clock().now();
        let hour = now.as_second().div_euclid(3600);
        if checked_hour == Some(hour) {
            continue;
        }
        let pending = state
            .read(move |conn| {
                let clock = compute_phase_clock(conn, now)?;
                // Only calm-day transitions: scheduled ones are known from the agreement alone
                // and are logged with the next incident submission.
                let calm_day = |t: &&jic_compliance::Transition| {
                    matches!(
                        t.cause,
                        jic_compliance::phase::TransitionCause::CalmDays { .. }
                    )
                };
                for t in clock.transitions.iter().filter(calm_day) {
                    if !transition_logged(conn, t)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            })
            .await;
        match pending {
            Ok(false) => checked_hour = Some(hour),
            Ok(true) => {
                let Ok(writer) = state.writer() else { return };
                let logged = writer
                    .decide(Box::new(move |ctx| {
                        let clock = compute_phase_clock(ctx.read(), now)?;
                        log_new_transitions(ctx, &clock)?;
                        Ok(Value::Null)
                    }))
                    .await;
                match logged {
                    Ok(_) => checked_hour = Some(hour),
                    Err(e) => tracing::warn!(error = %e, "phase ticker could not log a transition"),
                }
            }
            Err(e) => tracing::warn!(error = %e, "phase ticker cannot compute the clock"),
        }
    }
}

fn transition_logged(conn: &Connection, t: &jic_compliance::Transition) -> Result<bool, ApiError> {
    conn.query_row(
        "SELECT id FROM phase_transition WHERE phase_id = ?1 AND at = ?2",
        params![t.phase, t.at.to_string()],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map(|x| x.is_some())
    .map_err(sql)
}

/// Logs every transition of `clock` that the `phase_transition` table does not hold yet.
fn log_new_transitions(ctx: &mut ApplyCtx<'_>, clock: &ClockResult) -> Result<(), ApiError> {
    for t in &clock.transitions {
        if transition_logged(ctx.read(), t)? {
            continue;
        }
        let body = serde_json::to_value(t).unwrap_or(Value::Null);
        let leaf = ctx.record(
            TRANSITION,
            json!({"transition": body, "agreement": clock.agreement}),
        )?;
        ctx.read()
            .execute(
                "INSERT INTO phase_transition (phase_id, from_phase, at, reason_json, leaf_index)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    t.phase,
                    t.from_phase,
                    t.at.to_string(),
                    body.to_string(),
                    leaf as i64
                ],
            )
            .map_err(sql)?;
        ctx.emit("phase_transition", &["*".to_owned()], &body, Some(leaf))?;
    }
    Ok(())
}

fn store_incident(
    ctx: &ApplyCtx<'_>,
    dossier: &jic_compliance::Dossier,
    classification: &jic_compliance::Classification,
    leaf: u64,
) -> Result<(), ApiError> {
    let Some(current) = dossier.current() else {
        return Ok(());
    };
    let r = &current.item;
    let conn = ctx.read();
    conn.execute(
        "INSERT INTO incident (id, reporter, status, current_version, category, occurred_start,
             occurred_end, lat, lon, uncertainty_m, classification_json, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status,
             current_version = excluded.current_version, category = excluded.category,
             occurred_start = excluded.occurred_start, occurred_end = excluded.occurred_end,
             lat = excluded.lat, lon = excluded.lon, uncertainty_m = excluded.uncertainty_m,
             classification_json = excluded.classification_json, updated = excluded.updated",
        params![
            r.id,
            dossier
                .versions
                .first()
                .map(|v| v.by.clone())
                .unwrap_or_default(),
            dossier.status().as_str(),
            dossier.version(),
            r.category.as_str(),
            r.occurred.from.to_string(),
            r.occurred.until.map(|t| t.to_string()),
            r.location.lat,
            r.location.lon,
            r.location.uncertainty_m,
            serde_json::to_string(classification).unwrap_or_default(),
            ctx.now().to_string(),
        ],
    )
    .map_err(sql)?;
    conn.execute(
        "INSERT INTO incident_version (incident_id, version, body_json, leaf_index, time)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            r.id,
            dossier.version(),
            serde_json::to_string(r).unwrap_or_default(),
            leaf as i64,
            ctx.now().to_string()
        ],
    )
    .map_err(sql)?;
    for e in &r.evidence {
        conn.execute(
            "INSERT OR IGNORE INTO incident_evidence (incident_id, sha256) VALUES (?1, ?2)",
            params![r.id, e.sha256],
        )
        .map_err(sql)?;
        conn.execute(
            "UPDATE evidence SET description = coalesce(description, ?1) WHERE sha256 = ?2",
            params![e.description, e.sha256],
        )
        .map_err(sql)?;
    }
    Ok(())
}

// ----- HTTP ---------------------------------------------------------------------------------

/// The incident, phase, report and evidence routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list_incidents))
        .route("/api/v1/incidents/export", get(export_incidents))
        .route("/api/v1/incidents/{id}", get(get_incident))
        .route("/api/v1/phase", get(get_phase))
        .route("/api/v1/reports/daily/{date}", get(daily_report))
        .route(
            "/api/v1/evidence/{sha256}",
            get(get_evidence).put(put_evidence),
        )
}

fn evidence_dir(state: &AppState) -> PathBuf {
    state.data_root().join("evidence")
}

fn check_hash(sha256: &str) -> Result<(), ApiError> {
    if jic_compliance::incident::is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "the path must end in the file's SHA-256 as 64 lower-case hex digits".into(),
        ))
    }
}

/// Stores an evidence file under its SHA-256 (content-addressed, write-once).
#[utoipa::path(put, path = "/api/v1/evidence/{sha256}", tag = "incidents",
    params(("sha256" = String, Path, description = "the file's SHA-256, 64 lower-case hex digits")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "the file; its Content-Type is kept as the media type"),
    responses((status = 201, description = "stored"), (status = 200, description = "already stored"),
              (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem),
              (status = 403, body = crate::problem::Problem), (status = 413, body = crate::problem::Problem),
              (status = 422, body = crate::problem::Problem, description = "the body does not hash to the path")),
    security(("bearer" = [])))]
async fn put_evidence(
    State(state): State<AppState>,
    Reader(reader): Reader,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_hash(&sha256)?;
    if !matches!(
        reader.role,
        Role::Party | Role::Monitor | Role::Humanitarian
    ) {
        return Err(ApiError::Forbidden(
            "only parties, monitors and humanitarian organisations upload evidence".into(),
        ));
    }
    if body.len() > EVIDENCE_MAX_BYTES {
        return Err(ApiError::TooLarge(format!(
            "evidence files are limited to {EVIDENCE_MAX_BYTES} bytes"
        )));
    }
    let actual = hex::encode(Sha256::digest(&body));
    if actual != sha256 {
        return Err(ApiError::Unprocessable(format!(
            "the body hashes to {actual}, not {sha256}: nothing stored"
        )));
    }
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let uploader = reader
        .member
        .clone()
        .unwrap_or_else(|| reader.role.as_str().to_owned());
    let dir = evidence_dir(&state);
    let now = state.clock().now().to_string();
    let sha = sha256.clone();
    let created = state
        .read(move |conn| {
            std::fs::create_dir_all(&dir)
                .map_err(|e| ApiError::Internal(format!("evidence directory: {e}")))?;
            let path = dir.join(&sha);
            if !path.exists() {
                // Write, sync, then rename: a crash leaves either nothing or the whole file.
                let tmp = dir.join(format!("{sha}.part"));
                let write = || -> std::io::Result<()> {
                    use std::io::Write as _;
                    let mut f = std::fs::File::create(&tmp)?;
                    f.write_all(&body)?;
                    f.sync_all()?;
                    std::fs::rename(&tmp, &path)
                };
                write().map_err(|e| ApiError::Internal(format!("evidence write: {e}")))?;
            }
            let n = conn
                .execute(
                    "INSERT OR IGNORE INTO evidence (sha256, size, media_type, uploaded_by, time)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![sha, body.len() as i64, media_type, uploader, now],
                )
                .map_err(sql)?;
            Ok(n > 0)
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({"sha256": sha256, "stored": true}))).into_response())
}

/// Returns an evidence file with its stored media type.
#[utoipa::path(get, path = "/api/v1/evidence/{sha256}", tag = "incidents",
    params(("sha256" = String, Path, description = "the file's SHA-256, 64 lower-case hex digits")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"),
              (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = [])))]
async fn get_evidence(
    State(state): State<AppState>,
    Reader(_reader): Reader,
    Path(sha256): Path<String>,
) -> Result<Response, ApiError> {
    check_hash(&sha256)?;
    let path = evidence_dir(&state).join(&sha256);
    let sha = sha256.clone();
    let media: Option<String> = state
        .read(move |conn| {
            conn.query_row(
                "SELECT media_type FROM evidence WHERE sha256 = ?1",
                [&sha],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map_err(sql)
            .map(Option::flatten)
        })
        .await?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::NotFound(format!("no evidence {sha256}")))?;
    let mut resp = bytes.into_response();
    let ct = media.unwrap_or_else(|| "application/octet-stream".to_owned());
    if let Ok(v) = HeaderValue::from_str(&ct) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
struct AsOf {
    as_of: Option<String>,
}

fn parse_as_of(state: &AppState, q: &AsOf) -> Result<Timestamp, ApiError> {
    match &q.as_of {
        Some(t) => t
            .parse()
            .map_err(|e| ApiError::BadRequest(format!("as_of: {e} (use RFC 3339)"))),
        None => Ok(state.clock().now()),
    }
}

/// The agreement phase and compliance clock at `as_of` (default: now).
#[utoipa::path(get, path = "/api/v1/phase", tag = "incidents",
    params(("as_of" = Option<String>, Query, description = "RFC 3339 instant; default now")),
    responses((status = 200, description = "phase, calm days and transitions"),
              (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
async fn get_phase(
    State(state): State<AppState>,
    Reader(_reader): Reader,
    Query(q): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let as_of = parse_as_of(&state, &q)?;
    let clock = state
        .read(move |conn| compute_clock(conn, as_of).map(|(_, _, c)| c))
        .await?;
    Ok(Json(serde_json::to_value(clock).unwrap_or(Value::Null)))
}

/// The agreement, every dossier with its status as of the instant, and the clock.
type IncidentRows = (
    Agreement,
    Vec<(jic_compliance::Dossier, ReviewStatus)>,
    ClockResult,
);

fn incident_rows(conn: &Connection, as_of: Timestamp) -> Result<IncidentRows, ApiError> {
    let (agreement, replay, clock) = compute_clock(conn, as_of)?;
    let rows = replay
        .dossiers
        .into_values()
        .map(|d| {
            let status = d.status_at(as_of);
            (d, status)
        })
        .collect();
    Ok((agreement, rows, clock))
}

/// Every incident known at `as_of` (default: now) with its status and classification.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    params(("as_of" = Option<String>, Query, description = "RFC 3339 instant; default now")),
    responses((status = 200, description = "incident summaries"),
              (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
async fn list_incidents(
    State(state): State<AppState>,
    Reader(_reader): Reader,
    Query(q): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let as_of = parse_as_of(&state, &q)?;
    let (_, rows, clock) = state.read(move |conn| incident_rows(conn, as_of)).await?;
    let list: Vec<Value> = rows
        .iter()
        .filter_map(|(d, status)| {
            // What was on record at `as_of`: the latest version filed by then.
            let (version, current) = d
                .versions
                .iter()
                .enumerate()
                .rev()
                .find(|(_, v)| v.at <= as_of)?;
            Some(json!({
                "id": d.id(),
                "version": version + 1,
                "status": status,
                "received": d.versions.first().map(|v| v.at),
                "updated": current.at,
                "report": current.item,
                "counter_claims": d.counter_claims.iter().filter(|c| c.at <= as_of).count(),
                "classification": clock.classification(d.id()),
            }))
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

/// One incident's dossier: versions, counter-claims, reviews, classification.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = String, Path, description = "the incident id")),
    responses((status = 200, description = "the dossier"),
              (status = 401, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)),
    security(("bearer" = [])))]
async fn get_incident(
    State(state): State<AppState>,
    Reader(_reader): Reader,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let now = state.clock().now();
    let (_, rows, clock) = state.read(move |conn| incident_rows(conn, now)).await?;
    let (d, status) = rows
        .iter()
        .find(|(d, _)| d.id() == id)
        .ok_or_else(|| ApiError::NotFound(format!("no incident `{id}`")))?;
    Ok(Json(json!({
        "id": d.id(),
        "status": status,
        "dossier": d,
        "classification": clock.classification(d.id()),
    })))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// The incidents as GeoJSON (default) or CSV.
#[utoipa::path(get, path = "/api/v1/incidents/export", tag = "incidents",
    params(("format" = Option<String>, Query, description = "`geojson` (default) or `csv`")),
    responses((status = 200, description = "the export", content_type = "application/geo+json"),
              (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
async fn export_incidents(
    State(state): State<AppState>,
    Reader(_reader): Reader,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let (_, rows, clock) = state.read(move |conn| incident_rows(conn, now)).await?;
    let export: Vec<ExportRow<'_>> = rows
        .iter()
        .filter_map(|(d, status)| {
            Some(ExportRow {
                report: &d.current()?.item,
                version: d.version(),
                status: *status,
                classification: clock.classification(d.id()),
            })
        })
        .collect();
    match q.format.as_deref().unwrap_or("geojson") {
        "geojson" => {
            let mut resp = Json(jic_compliance::export::to_geojson(&export)).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/geo+json"),
            );
            Ok(resp)
        }
        "csv" => {
            let bytes = jic_compliance::export::to_csv(&export)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let mut resp = bytes.into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            Ok(resp)
        }
        other => Err(ApiError::BadRequest(format!(
            "format `{other}`: use geojson or csv"
        ))),
    }
}

/// The latest signed checkpoint, parsed (origin, size, root hash).
fn latest_checkpoint(conn: &Connection) -> Result<Option<CheckpointRef>, ApiError> {
    let note: Option<String> = conn
        .query_row(
            "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql)?;
    Ok(note.and_then(|n| {
        let mut lines = n.lines();
        let origin = lines.next()?.to_owned();
        let size = lines.next()?.parse().ok()?;
        let root_hash = lines.next()?.to_owned();
        Some(CheckpointRef {
            origin,
            size,
            root_hash,
        })
    }))
}

/// Notifications without coordinates (sealed ones left out), with their acknowledgments.
fn notifications(conn: &Connection) -> Result<Vec<NotificationRef>, ApiError> {
    let mut stmt = match conn.prepare(
        "SELECT n.id, n.kind, n.body_json, n.ack_deadline, s.received
         FROM humanitarian_notification n LEFT JOIN submission s ON s.leaf_index = n.leaf_index
         WHERE n.disclosure != 'sealed'",
    ) {
        Ok(s) => s,
        // The humanitarian tables belong to issue #6; without them there is nothing to show.
        Err(_) => return Ok(Vec::new()),
    };
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut out = Vec::new();
    for (id, kind, body, deadline, received) in rows {
        let (Some(deadline), Some(received)) = (
            deadline.and_then(|d| d.parse::<Timestamp>().ok()),
            received.and_then(|d| d.parse::<Timestamp>().ok()),
        ) else {
            continue;
        };
        let name = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|b| b.get("name").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| id.clone());
        let recipients: Vec<String> = conn
            .prepare("SELECT party FROM notification_recipient WHERE notification_id = ?1 ORDER BY party")
            .and_then(|mut s| s.query_map([&id], |r| r.get(0))?.collect())
            .map_err(sql)?;
        let acknowledgments = conn
            .prepare(
                "SELECT party, time FROM acknowledgment WHERE notification_id = ?1 ORDER BY time",
            )
            .and_then(|mut s| {
                s.query_map([&id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(sql)?
            .into_iter()
            .filter_map(|(party, at)| {
                Some(jic_compliance::links::Acknowledgment {
                    party,
                    at: at.parse().ok()?,
                })
            })
            .collect();
        out.push(NotificationRef {
            id,
            kind,
            name,
            notified_at: received,
            deadline,
            recipients,
            acknowledgments,
        });
    }
    Ok(out)
}

/// Builds the situation report for a local date from a database, as of `now`: incidents by
/// replay, alerts visible to `audience` (all when `None`), notifications without coordinates,
/// and the latest signed checkpoint. Used by the endpoint and by `jic report --data`.
pub fn build_report(
    conn: &Connection,
    day: jiff::civil::Date,
    now: Timestamp,
    audience: Option<&[String]>,
) -> Result<jic_compliance::SituationReport, ApiError> {
    let (agreement, rows, clock) = incident_rows(conn, now)?;
    let incidents: Vec<jic_compliance::ClockIncident> = rows
        .iter()
        .filter_map(|(d, status)| {
            Some(jic_compliance::ClockIncident {
                report: d.current()?.item.clone(),
                status: *status,
            })
        })
        .collect();
    let alerts: Vec<AlertRef> = jic_store::state::StateRead::alerts(conn, audience)?
        .into_iter()
        .filter_map(|a| {
            Some(AlertRef {
                id: a.id.to_string(),
                kind: a.kind,
                at: a.created.parse().ok()?,
                lat: None,
                lon: None,
                summary: a.subject_json,
            })
        })
        .collect();
    let notes = notifications(conn)?;
    let checkpoint = latest_checkpoint(conn)?;
    jic_compliance::SituationReport::build(
        day,
        ReportInputs {
            agreement: &agreement,
            clock: &clock,
            incidents: &incidents,
            alerts: &alerts,
            notifications: &notes,
            checkpoint: checkpoint.as_ref(),
            generated_at: now,
        },
    )
    .map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The daily report for a civil date, as JSON or (with `Accept: text/html`) HTML.
#[utoipa::path(get, path = "/api/v1/reports/daily/{date}", tag = "incidents",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "the report (JSON, or HTML on Accept: text/html)"),
              (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
async fn daily_report(
    State(state): State<AppState>,
    Reader(reader): Reader,
    Path(date): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let day: jiff::civil::Date = date
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("date `{date}`: {e} (use YYYY-MM-DD)")))?;
    let now = state.clock().now();
    let audience = reader.audience_names();
    let report = state
        .read(move |conn| build_report(conn, day, now, Some(&audience)))
        .await?;
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        let mut resp = jic_compliance::render::render_html(&report).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        Ok(resp)
    } else {
        Ok(Json(report).into_response())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

    use super::*;

    /// A submission row as the store keeps it: the leaf (its entry carrying the envelope) and
    /// the kind index.
    fn insert(conn: &Connection, leaf: i64, id: &str) {
        let entry = json!({"envelope": {"kind": "incident.report", "payload": {"id": id}}});
        conn.execute(
            "INSERT INTO log_leaf (idx, entry, leaf_hash, received)
             VALUES (?1, ?2, x'00', '2016-09-17T14:00:00Z')",
            params![leaf, entry.to_string().into_bytes()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO submission_index (leaf_index, kind, party)
             VALUES (?1, 'incident.report', 'jic_monitors')",
            [leaf],
        )
        .unwrap();
    }

    fn remove(conn: &Connection, leaf: i64) {
        conn.execute("DELETE FROM submission_index WHERE leaf_index = ?1", [leaf])
            .unwrap();
        conn.execute("DELETE FROM log_leaf WHERE idx = ?1", [leaf])
            .unwrap();
    }

    /// A fold notices a folded row that vanished or changed (a group commit that failed, its
    /// leaf reused), and stops checking rows once a checkpoint covers them.
    #[test]
    fn a_fold_mark_notices_rows_that_a_failed_commit_took_back() {
        let conn = jic_store::db::open_in_memory().unwrap();
        insert(&conn, 0, "a");
        insert(&conn, 1, "b");
        let mut mark = FoldMark::default();
        mark.advance(&rows_after(&conn, &replay::KINDS, -1).unwrap());
        assert_eq!((mark.count, mark.last_leaf()), (2, 1));
        assert!(mark.still_valid(&conn).unwrap());
        // Leaf 1 rolled back and reused by another incident: the mark is no longer valid.
        remove(&conn, 1);
        assert!(!mark.clone().still_valid(&conn).unwrap());
        insert(&conn, 1, "c");
        assert!(!mark.clone().still_valid(&conn).unwrap());
        // Once a checkpoint covers a leaf, its row is committed and no longer looked up.
        remove(&conn, 1);
        insert(&conn, 1, "b");
        conn.execute(
            "INSERT INTO log_checkpoint (size, note, created) VALUES (1, 'n', 't')",
            [],
        )
        .unwrap();
        assert!(mark.still_valid(&conn).unwrap());
        assert_eq!(mark.unconfirmed.len(), 1);
        assert_eq!(mark.unconfirmed[0].leaf, 1);
    }
}
