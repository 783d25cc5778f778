//! Read routes of the humanitarian and implementation planes (issue #6). Writes go through
//! `POST /api/v1/submissions` with the kinds in `kinds::humanitarian`, `kinds::strike` and
//! `kinds::suspension`.
//!
//! # Wire format
//! - `GET /api/v1/notifications`: `[{"id", "org", "kind": "site"|"movement", "disclosure",
//!   "status", "version", "recipients", "ack_deadline", "acknowledgments": [{"party",
//!   "version", "time"}], "geometry"?}]`. The notifier sees its own in full; a recipient party
//!   sees a shared site coarsened to its stated precision, a movement's route and window, and
//!   a sealed site with **no** geometry; the joint cell and monitors see every notification as
//!   a recipient does. Sealed coordinates are served to nobody but the notifier.
//! - `GET /api/v1/strike-notices/{id}`: `{"id", "party", "status", "assessment", "reviews",
//!   "stop_requests"}` to the filer, the other parties, the joint cell and the monitors.
//! - `GET /api/v1/strike-notices`: the dashboard's list, to the same readers, oldest first:
//!   `[{"id", "party", "group", "area", "window": {"start", "end"}, "effects_radius_m",
//!   "air_operation", "verdict", "status", "findings": [{"rule_id", "clause", "detail",
//!   "severity"}], "received"}]`. `area` is the filed GeoJSON geometry (a Point with
//!   `radius_m`, or a Polygon) for readers the disclosure policy entitles to the
//!   `strike.notice` plaintext (and the filer); `null` for everyone else. `verdict` is the
//!   assessment's, `status` the notice's now (after review, lapse or withdrawal). Findings say
//!   what a sealed site is only as a distance band: never its coordinates.
//!   Each summary carries the notice's `version` (1 when filed, +1 per amendment).
//! - `?as_of=<RFC 3339>` on both lists: what was known at that instant. The stored submissions
//!   and ticks received up to it are folded through a fresh protect journal
//!   ([`crate::kinds::protect::replay_as_of`], the same fold the server rebuilds its state
//!   with), giving each notification's and notice's version, receipts, reviews and status then;
//!   the result passes through the same shaping functions as the live rows, so the
//!   need-to-know rules cannot differ. A malformed instant is a 400 problem; one not before the
//!   server's clock answers like now.
//! - `GET /api/v1/implementation`: `{"suspended", "standing": [{"party", "since", "reason"}]}`,
//!   public to every reader.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use jic_protect::wire::{MovementJson, SiteJson, shape_json};
use jic_store::protect::{
    NotificationRecord, ProtectRead as _, StrikeNoticeRecord, SuspensionRecord,
};
use jic_store::roster::Role;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{Principal, Reader};
use crate::problem::{ApiError, ApiQuery};

fn sql(e: rusqlite::Error) -> ApiError {
    ApiError::from(jic_store::StoreError::from(e))
}

/// The routes, to merge into the API router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/notifications", get(list_notifications))
        .route("/api/v1/strike-notices", get(list_strike_notices))
        .route("/api/v1/strike-notices/{id}", get(get_strike_notice))
        .route("/api/v1/implementation", get(implementation_status))
        .with_state(state)
}

/// The receipt time of a notification's first version (what the dashboard's replay slider
/// orders by): the earliest logged `humanitarian.site`/`.movement` submission of the notifier
/// with that id. Notification ids are `<notifier>/<id>` (`jic_protect::wire`).
fn first_receipt(conn: &Connection, id: &str, org: &str) -> Result<Option<String>, ApiError> {
    let Some(own_id) = id.strip_prefix(org).and_then(|r| r.strip_prefix('/')) else {
        return Ok(None);
    };
    use rusqlite::OptionalExtension as _;
    conn.prepare_cached(
        "SELECT received FROM submission
         WHERE party = ?1 AND kind IN (?2, ?3) AND json_extract(payload_json, '$.id') = ?4
         ORDER BY leaf_index LIMIT 1",
    )
    .map_err(sql)?
    .query_row(
        params![
            org,
            jic_protect::wire::kind::SITE,
            jic_protect::wire::kind::MOVEMENT,
            own_id
        ],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql)
}

/// What `reader` may see of one notification's geometry.
fn geometry_for(
    reader: &Principal,
    org: &str,
    kind: &str,
    recipients: &[String],
    body: &Value,
) -> Option<Value> {
    let own = reader.is_member(org);
    let recipient = reader
        .member
        .as_deref()
        .is_some_and(|m| recipients.iter().any(|r| r == m))
        || matches!(reader.role, Role::DutyOfficer | Role::Monitor);
    if !(own || recipient) {
        return None;
    }
    match kind {
        "site" => {
            let site: SiteJson = serde_json::from_value(body.clone()).ok()?;
            if own {
                return serde_json::to_value(&site.geometry).ok();
            }
            let site = site.to_site(org).ok()?;
            site.recipient_view().map(|s| shape_json(&s))
        }
        "movement" => {
            let m: MovementJson = serde_json::from_value(body.clone()).ok()?;
            serde_json::to_value(&m.route).ok()
        }
        _ => None,
    }
}

/// One notification as recorded at some instant (now, or `as_of`), before the reader's
/// need-to-know shapes it.
#[derive(Debug)]
struct NotificationAt {
    id: String,
    org: String,
    kind: String,
    disclosure: String,
    /// `active` or `withdrawn` (expiry is judged at the answer's instant).
    status: String,
    version: i64,
    /// The body of the current version, as filed.
    body: Value,
    ack_deadline: Option<String>,
    updated: String,
    received: String,
    recipients: Vec<String>,
    acks: Vec<Value>,
}

/// What `reader` may see of one notification at instant `at` (`None`: nothing). The live and
/// the historical (`as_of`) answers both pass through here, so one set of need-to-know rules
/// shapes them.
fn shape_notification(reader: &Principal, n: NotificationAt, at: jiff::Timestamp) -> Option<Value> {
    let NotificationAt {
        id,
        org,
        kind,
        disclosure,
        status,
        version,
        body,
        ack_deadline: deadline,
        updated,
        received,
        recipients,
        acks,
    } = n;
    let visible = reader.is_member(&org)
        || matches!(reader.role, Role::DutyOfficer | Role::Monitor)
        || reader
            .member
            .as_deref()
            .is_some_and(|m| recipients.iter().any(|r| r == m));
    if !visible {
        return None;
    }
    // Expiry is a matter of time, not of a submission: judge it at the answer's instant.
    let until = body["valid_until"]
        .as_str()
        .or_else(|| body["window"]["end"].as_str())
        .and_then(|u| u.parse::<jiff::Timestamp>().ok());
    let status = if status == "active" && until.is_some_and(|u| u <= at) {
        "expired".to_owned()
    } else {
        status
    };
    let mut v = json!({
        "id": id, "org": org, "kind": kind, "disclosure": disclosure, "status": status,
        "version": version, "recipients": recipients, "ack_deadline": deadline,
        "acknowledgments": acks, "updated": updated,
        "geometry": geometry_for(reader, &org, &kind, &recipients, &body),
    });
    if let Some(o) = v.as_object_mut() {
        o.insert("received".into(), Value::String(received));
    }
    if kind == "movement"
        && let Some(o) = v.as_object_mut()
    {
        o.insert("window".into(), body["window"].clone());
        o.insert("vehicles".into(), body["vehicles"].clone());
        o.insert("markings".into(), body["markings"].clone());
    }
    Some(v)
}

fn notifications_for(
    conn: &Connection,
    reader: &Principal,
    now: jiff::Timestamp,
) -> Result<Vec<Value>, ApiError> {
    let rows = conn.notifications()?;
    let mut out = Vec::new();
    for n in rows {
        let NotificationRecord {
            id,
            org,
            kind,
            disclosure,
            status,
            version,
            body_json: body,
            ack_deadline,
            updated,
        } = n;
        let recipients = conn.notification_recipients(&id)?;
        let acks: Vec<Value> = conn
            .acknowledgments(&id)?
            .into_iter()
            .map(|a| json!({"party": a.party, "version": a.version, "time": a.time}))
            .collect();
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let received = first_receipt(conn, &id, &org)?.unwrap_or_else(|| updated.clone());
        let n = NotificationAt {
            id,
            org,
            kind,
            disclosure,
            status,
            version,
            body,
            ack_deadline,
            updated,
            received,
            recipients,
            acks,
        };
        out.extend(shape_notification(reader, n, now));
    }
    Ok(out)
}

/// The `as_of` query parameter of the list routes that can answer "what was known then".
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// An RFC 3339 instant: answer with what was recorded (received) up to it, shaped by the
    /// same need-to-know rules as the live answer. Absent, or not before the server's clock:
    /// the answer now.
    pub as_of: Option<String>,
}

impl AsOfQuery {
    /// The past instant asked for, `None` for "now" (absent, or not before `now`).
    ///
    /// # Errors
    /// [`ApiError::BadRequest`] when `as_of` is not an RFC 3339 instant.
    pub fn past(&self, now: jiff::Timestamp) -> Result<Option<jiff::Timestamp>, ApiError> {
        let Some(text) = self.as_of.as_deref() else {
            return Ok(None);
        };
        let at: jiff::Timestamp = text.parse().map_err(|e| {
            ApiError::BadRequest(format!(
                "as_of: {text:?} is not an RFC 3339 instant (e.g. 2016-09-19T12:00:00Z): {e}"
            ))
        })?;
        Ok((at < now).then_some(at))
    }
}

/// What the journal and the log said at `as_of`, gathered by one replay.
#[derive(Debug, Default)]
struct Known {
    notifications: Vec<NotificationAt>,
    notices: Vec<NoticeAt>,
}

/// A strike notice as recorded at some instant, before the reader's need-to-know shapes it.
#[derive(Debug, Default)]
struct NoticeAt {
    id: String,
    party: String,
    status: String,
    /// The full assessment of the current version.
    verdict: Value,
    /// The current version's payload as filed.
    notice: Value,
    received: Option<String>,
    version: u32,
}

/// Replays the log up to `as_of` through the protect journal (see
/// [`crate::kinds::protect::replay_as_of`]) and collects the notifications and strike notices
/// as their rows read at that instant.
fn known_at(conn: &Connection, as_of: jiff::Timestamp) -> Result<Known, ApiError> {
    use jic_protect::journal::Decision;
    use std::collections::BTreeMap;
    #[derive(Default)]
    struct Seen {
        body: Value,
        deadline: Option<String>,
        received: Option<String>,
        updated: String,
    }
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut notices: Vec<NoticeAt> = Vec::new();
    let replay = crate::kinds::protect::replay_as_of(conn, as_of, &mut |f| {
        let at = f.at.to_string();
        for d in f.decisions {
            match d {
                Decision::Notified {
                    notification,
                    deadline,
                    ..
                } => {
                    let e = seen.entry(notification.clone()).or_default();
                    // What the write path stores as the body: an amendment's new site or
                    // movement, or the filing itself.
                    e.body = if f.kind == jic_protect::wire::kind::AMEND {
                        f.payload["site"]
                            .as_object()
                            .or_else(|| f.payload["movement"].as_object())
                            .map(|o| Value::Object(o.clone()))
                            .unwrap_or(Value::Null)
                    } else {
                        f.payload.clone()
                    };
                    e.deadline = Some(deadline.to_string());
                    e.received.get_or_insert_with(|| at.clone());
                    e.updated.clone_from(&at);
                }
                // A receipt does not change the notification's row (`updated`), a withdrawal
                // does.
                Decision::Withdrawn { notification } => {
                    seen.entry(notification.clone())
                        .or_default()
                        .updated
                        .clone_from(&at);
                }
                Decision::Assessed {
                    assessment,
                    version,
                    ..
                } => {
                    let full = jic_protect::wire::decision_json(d);
                    let status = assessment.verdict.as_str().to_owned();
                    match notices.iter_mut().find(|n| n.id == assessment.notice) {
                        Some(n) if *version > 1 => {
                            n.version = *version;
                            n.verdict = full;
                            n.notice = f.payload.clone();
                            n.status = status;
                        }
                        Some(_) => {}
                        None => notices.push(NoticeAt {
                            id: assessment.notice.clone(),
                            party: f.party.to_owned(),
                            status,
                            verdict: full,
                            notice: f.payload.clone(),
                            received: Some(at.clone()),
                            version: 1,
                        }),
                    }
                }
                Decision::Reviewed {
                    notice, verdict, ..
                }
                | Decision::ReviewLapsed { notice, verdict } => {
                    if let Some(n) = notices.iter_mut().find(|n| n.id == *notice) {
                        verdict.as_str().clone_into(&mut n.status);
                    }
                }
                Decision::NoticeWithdrawn { notice, .. } => {
                    if let Some(n) = notices.iter_mut().find(|n| n.id == *notice) {
                        "withdrawn".clone_into(&mut n.status);
                    }
                }
                _ => {}
            }
        }
    })?;
    let mut notifications = Vec::new();
    for n in replay.journal.notifications() {
        let Some(s) = seen.remove(&n.id) else {
            continue;
        };
        let (kind, disclosure) = match &n.subject {
            jic_protect::Subject::Site(site) => (
                "site",
                match site.disclosure {
                    jic_protect::DisclosureMode::Shared => "shared",
                    jic_protect::DisclosureMode::Sealed => "sealed",
                },
            ),
            jic_protect::Subject::Movement(_) => ("movement", "shared"),
        };
        let mut recipients = n.subject.recipients().to_vec();
        recipients.sort();
        notifications.push(NotificationAt {
            id: n.id.clone(),
            org: n.subject.notifier().to_owned(),
            kind: kind.to_owned(),
            disclosure: disclosure.to_owned(),
            status: if n.withdrawn_at.is_some() {
                "withdrawn"
            } else {
                "active"
            }
            .to_owned(),
            version: i64::from(n.version),
            body: s.body,
            ack_deadline: s.deadline,
            received: s.received.unwrap_or_else(|| s.updated.clone()),
            updated: s.updated,
            recipients,
            acks: n
                .acks
                .iter()
                .map(|a| json!({"party": a.party, "version": a.version, "time": a.at.to_string()}))
                .collect(),
        });
    }
    Ok(Known {
        notifications,
        notices,
    })
}

/// Humanitarian notifications the reader may see, with who acknowledged them and when (see the
/// module documentation for what each reader sees of the geometry).
///
/// With `as_of`, the notifications as the log recorded them up to that instant (earlier
/// versions, receipts not yet given), replayed through the protect journal.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "humanitarian",
    params(AsOfQuery),
    responses((status = 200, description = "notifications visible to the reader"),
              (status = 400, body = crate::problem::Problem),
              (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Reader(reader): Reader,
    ApiQuery(query): ApiQuery<AsOfQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let now = state.clock().now();
    let past = query.past(now)?;
    let list = state
        .read(move |conn| match past {
            None => notifications_for(conn, &reader, now),
            Some(at) => Ok(known_at(conn, at)?
                .notifications
                .into_iter()
                .filter_map(|n| shape_notification(&reader, n, at))
                .collect()),
        })
        .await?;
    Ok(Json(list))
}

/// A strike notice with its assessment, reviews and stop requests.
#[utoipa::path(get, path = "/api/v1/strike-notices/{id}", tag = "strike",
    params(("id" = String, Path, description = "the filer's notice id")),
    responses((status = 200, description = "the notice, its assessment, reviews and stop requests"),
              (status = 401, body = crate::problem::Problem),
              (status = 404, body = crate::problem::Problem)),
    security(("bearer" = [])))]
pub async fn get_strike_notice(
    State(state): State<AppState>,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = state
        .read(move |conn| {
            let Some(StrikeNoticeRecord {
                party,
                status,
                verdict_json: verdict,
                review_deadline: deadline,
                ..
            }) = conn.strike_notice(&id)?
            else {
                return Err(ApiError::NotFound(format!("no strike notice {id:?}")));
            };
            // Parties (filer and counterparts), the joint cell and monitors.
            if !matches!(reader.role, Role::Party | Role::DutyOfficer | Role::Monitor) {
                return Err(ApiError::NotFound(format!("no strike notice {id:?}")));
            }
            let reviews: Vec<Value> = conn
                .strike_reviews(&id)?
                .into_iter()
                .map(|r| {
                    json!({"party": r.party, "stance": r.stance, "reason": r.reason,
                           "time": r.time, "version": r.notice_version, "current": r.current})
                })
                .collect();
            let stops: Vec<Value> = conn
                .stop_requests(&id)?
                .into_iter()
                .map(|r| {
                    json!({"party": r.party, "reason": r.reason, "time": r.time,
                           "leaf_index": r.leaf_index, "acknowledged_leaf": r.acknowledged_leaf})
                })
                .collect();
            Ok(json!({
                "id": id, "party": party, "status": status, "review_deadline": deadline,
                "assessment": verdict.and_then(|v| serde_json::from_str::<Value>(&v).ok()),
                "reviews": reviews, "stop_requests": stops,
            }))
        })
        .await?;
    Ok(Json(view))
}

/// The window of a strike notice.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NoticeWindow {
    /// Start (RFC 3339).
    pub start: String,
    /// End (RFC 3339).
    pub end: String,
}

/// One finding of a strike assessment, as the list shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NoticeFinding {
    /// The rule (an agreement rule id, or a `jic.*` procedure check).
    pub rule_id: String,
    /// The clause reference.
    pub clause: String,
    /// One sentence for people (distances, times, acknowledgments; a sealed site only as a
    /// distance band).
    pub detail: String,
    /// `info`, `not_cleared` or `conflict`.
    pub severity: String,
}

/// A strike notice in the dashboard's list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StrikeNoticeSummary {
    /// The filer's id.
    pub id: String,
    /// The filing party.
    pub party: String,
    /// The designated group targeted.
    pub group: Option<String>,
    /// GeoJSON geometry (Point with `radius_m`, or Polygon); `null` unless the reader is
    /// entitled to the notice's plaintext.
    #[schema(value_type = Option<Object>)]
    pub area: Option<Value>,
    /// The strike window.
    pub window: Option<NoticeWindow>,
    /// Effects radius, metres.
    pub effects_radius_m: Option<f64>,
    /// The air operation it belongs to.
    pub air_operation: Option<String>,
    /// The assessment's verdict: `clear`, `not_cleared` or `conflict`.
    pub verdict: Option<String>,
    /// The notice's status now: the verdict after review or lapse, or `withdrawn`.
    pub status: String,
    /// The notice's version (1 when filed, +1 per amendment).
    pub version: u32,
    /// Every finding, in check order.
    pub findings: Vec<NoticeFinding>,
    /// Receipt time of the notice (RFC 3339).
    pub received: Option<String>,
}

/// Whether `reader` may see the strike-notice list at all: parties, the joint cell, monitors
/// (the same readers as one notice).
fn reads_strike_notices(reader: &Principal) -> bool {
    matches!(reader.role, Role::Party | Role::DutyOfficer | Role::Monitor)
}

/// What `reader` may see of one strike notice (the live and the `as_of` answers both pass
/// through here). The caller has checked [`reads_strike_notices`].
fn shape_notice(
    reader: &Principal,
    policy: &crate::policy::DisclosurePolicy,
    n: NoticeAt,
) -> StrikeNoticeSummary {
    let NoticeAt {
        id,
        party,
        status,
        verdict,
        notice,
        received,
        version,
    } = n;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let findings = verdict["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| NoticeFinding {
                    rule_id: text(&f["rule"]).unwrap_or_default(),
                    clause: text(&f["clause"]).unwrap_or_default(),
                    detail: text(&f["message"]).unwrap_or_default(),
                    severity: text(&f["severity"]).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let entitled = policy.may_read(reader, jic_protect::wire::kind::STRIKE_NOTICE, &party);
    StrikeNoticeSummary {
        group: text(&notice["group"]),
        area: entitled
            .then(|| notice["area"].clone())
            .filter(|a| !a.is_null()),
        window: match (
            text(&notice["window"]["start"]),
            text(&notice["window"]["end"]),
        ) {
            (Some(start), Some(end)) => Some(NoticeWindow { start, end }),
            _ => None,
        },
        effects_radius_m: notice["effects_radius_m"].as_f64(),
        air_operation: text(&notice["air_operation"]),
        verdict: text(&verdict["verdict"]),
        status,
        version,
        findings,
        received,
        id,
        party,
    }
}

fn strike_notices_for(
    conn: &Connection,
    reader: &Principal,
    policy: &crate::policy::DisclosurePolicy,
) -> Result<Vec<StrikeNoticeSummary>, ApiError> {
    if !reads_strike_notices(reader) {
        return Ok(Vec::new());
    }
    let rows = conn.strike_notices()?;
    let mut out = Vec::with_capacity(rows.len());
    for StrikeNoticeRecord {
        id,
        party,
        status,
        verdict_json: verdict,
        body_json: body,
        received,
        ..
    } in rows
    {
        let mut body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let verdict: Value = verdict
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or(Value::Null);
        // An amendment records its version on the stored body; a notice never amended is 1.
        let version = body["version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(1);
        let n = NoticeAt {
            id,
            party,
            status,
            verdict,
            notice: body["notice"].take(),
            received,
            version,
        };
        out.push(shape_notice(reader, policy, n));
    }
    Ok(out)
}

/// Strike notices the reader may see, with their verdicts and findings (the dashboard's list;
/// see the module documentation for who sees the area).
///
/// With `as_of`, each notice as the log recorded it up to that instant (the version then
/// current, its assessment and the status after the reviews received by then).
#[utoipa::path(get, path = "/api/v1/strike-notices", tag = "strike",
    params(AsOfQuery),
    responses((status = 200, body = [StrikeNoticeSummary],
               description = "strike notices visible to the reader, oldest first"),
              (status = 400, body = crate::problem::Problem),
              (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
pub async fn list_strike_notices(
    State(state): State<AppState>,
    Reader(reader): Reader,
    ApiQuery(query): ApiQuery<AsOfQuery>,
) -> Result<Json<Vec<StrikeNoticeSummary>>, ApiError> {
    let policy = state.policy();
    let past = query.past(state.clock().now())?;
    let list = state
        .read(move |conn| match past {
            None => strike_notices_for(conn, &reader, &policy),
            Some(_) if !reads_strike_notices(&reader) => Ok(Vec::new()),
            Some(at) => Ok(known_at(conn, at)?
                .notices
                .into_iter()
                .map(|n| shape_notice(&reader, &policy, n))
                .collect()),
        })
        .await?;
    Ok(Json(list))
}

/// Whether the implementation plane is suspended, and by whom.
#[utoipa::path(get, path = "/api/v1/implementation", tag = "strike",
    responses((status = 200, description = "suspension status"),
              (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
pub async fn implementation_status(
    State(state): State<AppState>,
    Reader(_reader): Reader,
) -> Result<Json<Value>, ApiError> {
    let view = state
        .read(|conn| {
            let mut standing: std::collections::BTreeMap<String, Value> = Default::default();
            for SuspensionRecord {
                party,
                action,
                reason,
                time,
            } in conn.suspensions()?
            {
                if action == "suspend" {
                    standing.insert(
                        party.clone(),
                        json!({"party": party, "since": time, "reason": reason}),
                    );
                } else {
                    standing.remove(&party);
                }
            }
            Ok(json!({"suspended": !standing.is_empty(),
                      "standing": standing.into_values().collect::<Vec<_>>()}))
        })
        .await?;
    Ok(Json(view))
}
