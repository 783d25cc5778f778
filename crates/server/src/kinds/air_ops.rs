//! Air operations (4D flight plans): `air_operation.file`, `.amend`, `.cancel`.
//!
//! Payloads (restricted by default: the log holds a commitment, DESIGN §3.3):
//! - file / amend: `{"id":"US-0917-01","callsign":"…","aircraft":"…","waypoints":[{"lat":35.3,
//!   "lon":40.1,"alt_ft":25000,"time":"2016-09-17T10:00:00Z"},…],"rpz_nm":5,"hpz_ft":1000}`
//!   (`callsign`, `aircraft`, `rpz_nm`, `hpz_ft` optional);
//! - cancel: `{"id":"US-0917-01","reason":"…"}`.
//!
//! Filing and amending probe the plan against every other party's active plans; each conflict
//! raises a `plan_conflict` alert to both parties and the duty officer. The log's alert record
//! names only the parties and operation ids; each party's alert detail carries the *other*
//! plan's conflicting legs only (need-to-know), never the whole plan.

use jic_store::roster::Role;
use jic_store::state::{AirOperationRecord, StateRead};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::conflicts::{self, Waypoint};
use crate::problem::ApiError;
use crate::submit::{Accepted, AlertSpec, ApplyCtx, KindHandler};

/// Longest operation id.
const MAX_ID_LEN: usize = 64;
/// Most waypoints in one plan.
const MAX_WAYPOINTS: usize = 500;

/// One waypoint as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanWaypoint {
    /// Latitude, WGS-84 degrees.
    pub lat: f64,
    /// Longitude, WGS-84 degrees.
    pub lon: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// When the aircraft is there (RFC 3339).
    #[schema(value_type = String)]
    pub time: Timestamp,
}

/// The payload of `air_operation.file` and `air_operation.amend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlightPlan {
    /// The filer's id for the operation, unique per deployment.
    pub id: String,
    /// Radio callsign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callsign: Option<String>,
    /// Aircraft type or registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aircraft: Option<String>,
    /// Ordered waypoints, times strictly increasing.
    pub waypoints: Vec<PlanWaypoint>,
    /// Horizontal separation minimum for this aircraft, nautical miles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpz_nm: Option<f64>,
    /// Vertical separation minimum for this aircraft, feet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpz_ft: Option<f64>,
}

/// The payload of `air_operation.cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelPlan {
    /// The operation to cancel.
    pub id: String,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn parse<T: serde::de::DeserializeOwned>(payload: &Value) -> Result<T, ApiError> {
    T::deserialize(payload).map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))
}

/// A filed or amended plan as [`KindHandler::validate`] parsed, checked and serialised it on
/// the request task, left in [`Accepted::prepared`] so the single writer does neither again.
#[derive(Clone)]
struct PreparedPlan {
    plan: FlightPlan,
    plan_json: String,
}

/// Parses and checks a plan, and keeps it for `apply`.
fn prepare_plan(s: &mut Accepted) -> Result<(), ApiError> {
    let plan = parse::<FlightPlan>(&s.payload)?;
    plan.check()?;
    let plan_json = serde_json::to_string(&plan).map_err(|e| ApiError::Internal(e.to_string()))?;
    s.prepared = Some(Box::new(PreparedPlan { plan, plan_json }));
    Ok(())
}

/// The plan `validate` prepared, or (for a submission that did not pass through it) the
/// payload parsed and serialised here.
fn prepared_plan(s: &Accepted) -> Result<std::borrow::Cow<'_, PreparedPlan>, ApiError> {
    if let Some(p) = s
        .prepared
        .as_ref()
        .and_then(|p| p.downcast_ref::<PreparedPlan>())
    {
        return Ok(std::borrow::Cow::Borrowed(p));
    }
    let plan: FlightPlan = parse(&s.payload)?;
    let plan_json = serde_json::to_string(&plan).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(std::borrow::Cow::Owned(PreparedPlan { plan, plan_json }))
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(ApiError::Unprocessable(format!(
            "payload: \"id\" must be 1–{MAX_ID_LEN} characters without control characters"
        )));
    }
    Ok(())
}

impl FlightPlan {
    /// Checks ranges and ordering.
    pub fn check(&self) -> Result<(), ApiError> {
        check_id(&self.id)?;
        let bad = |m: String| Err(ApiError::Unprocessable(format!("payload: {m}")));
        if self.waypoints.len() < 2 || self.waypoints.len() > MAX_WAYPOINTS {
            return bad(format!("a plan needs 2–{MAX_WAYPOINTS} waypoints"));
        }
        for (i, w) in self.waypoints.iter().enumerate() {
            if !(w.lat.is_finite() && (-90.0..=90.0).contains(&w.lat)) {
                return bad(format!("waypoint {i}: lat must be within [-90, 90]"));
            }
            if !(w.lon.is_finite() && (-180.0..=180.0).contains(&w.lon)) {
                return bad(format!("waypoint {i}: lon must be within [-180, 180]"));
            }
            if !(w.alt_ft.is_finite() && (-2_000.0..=100_000.0).contains(&w.alt_ft)) {
                return bad(format!(
                    "waypoint {i}: alt_ft must be within [-2000, 100000]"
                ));
            }
        }
        if self.waypoints.windows(2).any(|w| w[1].time <= w[0].time) {
            return bad("waypoint times must strictly increase".to_owned());
        }
        for (name, v) in [("rpz_nm", self.rpz_nm), ("hpz_ft", self.hpz_ft)] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return bad(format!("{name} must be positive"));
            }
        }
        Ok(())
    }

    fn waypoints_4d(&self) -> Vec<Waypoint> {
        self.waypoints
            .iter()
            .map(|w| Waypoint {
                lat: w.lat,
                lon: w.lon,
                alt_ft: w.alt_ft,
                t: conflicts::epoch_seconds(w.time),
            })
            .collect()
    }

    /// The legs `[i, i+1]` of this plan as a JSON excerpt (what a counterpart may see).
    fn legs_excerpt(&self, leg: usize) -> Value {
        let from = leg.min(self.waypoints.len().saturating_sub(2));
        json!({
            "operation": self.id,
            "leg": from,
            "waypoints": &self.waypoints[from..=from + 1],
        })
    }
}

/// Filing: `air_operation.file`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileAirOperation;
/// Amending: `air_operation.amend` (a new version; the old ones stay in the history).
#[derive(Debug, Clone, Copy, Default)]
pub struct AmendAirOperation;
/// Cancelling: `air_operation.cancel`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CancelAirOperation;

const PARTY_ONLY: &[Role] = &[Role::Party];

impl KindHandler for FileAirOperation {
    fn kind(&self) -> &'static str {
        "air_operation.file"
    }
    fn roles(&self) -> &'static [Role] {
        PARTY_ONLY
    }
    fn restricted_by_default(&self) -> bool {
        true
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        prepare_plan(s)
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let prepared = prepared_plan(s)?;
        let plan = &prepared.plan;
        if ctx.read().air_operation_exists(&plan.id)? {
            return Err(ApiError::Conflict(format!(
                "air operation {:?} already exists; amend it with air_operation.amend",
                plan.id
            )));
        }
        store_and_probe(ctx, s, &prepared, 1, "file")
    }
}

impl KindHandler for AmendAirOperation {
    fn kind(&self) -> &'static str {
        "air_operation.amend"
    }
    fn roles(&self) -> &'static [Role] {
        PARTY_ONLY
    }
    fn restricted_by_default(&self) -> bool {
        true
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        prepare_plan(s)
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let prepared = prepared_plan(s)?;
        let plan = &prepared.plan;
        let existing = owned_operation(ctx, s, &plan.id)?;
        if existing.status == "cancelled" {
            return Err(ApiError::Conflict(format!(
                "air operation {:?} is cancelled",
                plan.id
            )));
        }
        store_and_probe(ctx, s, &prepared, existing.version + 1, "amend")
    }
}

impl KindHandler for CancelAirOperation {
    fn kind(&self) -> &'static str {
        "air_operation.cancel"
    }
    fn roles(&self) -> &'static [Role] {
        PARTY_ONLY
    }
    fn restricted_by_default(&self) -> bool {
        true
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        check_id(&parse::<CancelPlan>(&s.payload)?.id)
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let cancel: CancelPlan = parse(&s.payload)?;
        let existing = owned_operation(ctx, s, &cancel.id)?;
        if existing.status == "cancelled" {
            return Err(ApiError::Conflict(format!(
                "air operation {:?} is already cancelled",
                cancel.id
            )));
        }
        let record = AirOperationRecord {
            status: "cancelled".to_owned(),
            version: existing.version + 1,
            leaf_index: ctx.leaf_index(),
            updated: ctx.now().to_string(),
            ..existing
        };
        ctx.state().put_air_operation(&record, "cancel")?;
        let body = json!({"id": record.id, "party": record.party, "status": "cancelled",
                          "version": record.version, "leaf_index": record.leaf_index});
        let leaf = ctx.leaf_index();
        ctx.emit(
            "air_operation",
            &[s.party.clone(), Role::DutyOfficer.as_str().to_owned()],
            &body,
            Some(leaf),
        )?;
        Ok(json!({"id": record.id, "status": "cancelled", "version": record.version}))
    }
}

fn owned_operation(
    ctx: &ApplyCtx<'_>,
    s: &Accepted,
    id: &str,
) -> Result<AirOperationRecord, ApiError> {
    match ctx.read().air_operation(id)? {
        Some(op) if op.party == s.party => Ok(op),
        // Another party's operation answers like a missing one: its existence is need-to-know.
        _ => Err(ApiError::NotFound(format!(
            "you have no air operation {id:?}"
        ))),
    }
}

fn store_and_probe(
    ctx: &mut ApplyCtx<'_>,
    s: &Accepted,
    prepared: &PreparedPlan,
    version: u32,
    action: &str,
) -> Result<Value, ApiError> {
    let plan = &prepared.plan;
    let plan_json = prepared.plan_json.clone();
    let record = AirOperationRecord {
        id: plan.id.clone(),
        party: s.party.clone(),
        status: "filed".to_owned(),
        version,
        plan_json,
        window_start: plan.waypoints.first().map(|w| w.time.to_string()),
        window_end: plan.waypoints.last().map(|w| w.time.to_string()),
        leaf_index: ctx.leaf_index(),
        updated: ctx.now().to_string(),
    };
    if action == "file" {
        // `FileAirOperation::apply` has just found the id absent in this transaction.
        ctx.state().insert_new_air_operation(&record, action)?;
    } else {
        ctx.state().put_air_operation(&record, action)?;
    }
    let leaf = ctx.leaf_index();
    let body = json!({"id": plan.id, "party": s.party, "status": "filed", "version": version,
                      "leaf_index": leaf});
    ctx.emit(
        "air_operation",
        &[s.party.clone(), Role::DutyOfficer.as_str().to_owned()],
        &body,
        Some(leaf),
    )?;

    // Probe against every other party's active plans.
    let defaults = (5.0_f64, 1000.0_f64);
    let mine = plan.waypoints_4d();
    let mut found = Vec::new();
    let (Some(first), Some(last)) = (plan.waypoints.first(), plan.waypoints.last()) else {
        return Ok(json!({"id": plan.id, "status": "filed", "version": version, "conflicts": []}));
    };
    // Stored times are RFC 3339 text; widening by a second keeps the text comparison safe
    // against fractional seconds.
    let second = jiff::SignedDuration::from_secs(1);
    let candidates = ctx.read().air_operations_overlapping(
        &s.party,
        &first
            .time
            .checked_sub(second)
            .unwrap_or(first.time)
            .to_string(),
        &last
            .time
            .checked_add(second)
            .unwrap_or(last.time)
            .to_string(),
    )?;
    for other in candidates {
        let Ok(other_plan) = serde_json::from_str::<FlightPlan>(&other.plan_json) else {
            continue;
        };
        let r_nm = plan
            .rpz_nm
            .unwrap_or(defaults.0)
            .max(other_plan.rpz_nm.unwrap_or(defaults.0));
        let h_ft = plan
            .hpz_ft
            .unwrap_or(defaults.1)
            .max(other_plan.hpz_ft.unwrap_or(defaults.1));
        let Some(c) = conflicts::first_conflict(
            &mine,
            &other_plan.waypoints_4d(),
            r_nm * 1852.0,
            h_ft * 0.3048,
        ) else {
            continue;
        };
        let when = conflicts::from_epoch_seconds(c.first_loss_t).to_string();
        let until = conflicts::from_epoch_seconds(c.last_loss_t).to_string();
        let min_nm = c.min_horizontal_m / 1852.0;
        let detail_for_me = json!({
            "first_loss": when, "last_loss": until, "min_horizontal_nm": min_nm,
            "own": {"operation": plan.id, "leg": c.leg_a},
            "other": other_plan.legs_excerpt(c.leg_b),
        });
        let detail_for_other = json!({
            "first_loss": when, "last_loss": until, "min_horizontal_nm": min_nm,
            "own": {"operation": other_plan.id, "leg": c.leg_b},
            "other": plan.legs_excerpt(c.leg_a),
        });
        let mut pair = [
            (s.party.clone(), plan.id.clone()),
            (other.party.clone(), other.id.clone()),
        ];
        pair.sort();
        let alert = AlertSpec {
            kind: "plan_conflict".to_owned(),
            severity: "warning".to_owned(),
            dedupe_key: Some(format!(
                "plan_conflict|{}:{}|{}:{}|v{}",
                pair[0].0, pair[0].1, pair[1].0, pair[1].1, version
            )),
            subject: json!({"operations": [
                {"party": pair[0].0, "id": pair[0].1}, {"party": pair[1].0, "id": pair[1].1}]}),
            recipients: vec![
                (s.party.clone(), Some(detail_for_me.clone())),
                (other.party.clone(), Some(detail_for_other)),
                // The joint cell sees both sides' conflicting legs, not the whole plans.
                (
                    Role::DutyOfficer.as_str().to_owned(),
                    Some(json!({"first_loss": when, "min_horizontal_nm": min_nm,
                                "legs": [plan.legs_excerpt(c.leg_a), other_plan.legs_excerpt(c.leg_b)]})),
                ),
            ],
        };
        let alert_id = ctx.raise_alert(alert)?;
        found.push(
            json!({"alert_id": alert_id, "with": {"party": other.party, "operation": other.id},
                          "detail": detail_for_me}),
        );
    }
    Ok(json!({"id": plan.id, "status": "filed", "version": version, "conflicts": found}))
}

// ----- read side: receipt times for the list ------------------------------------------------

/// The receipt time (RFC 3339) of each operation's first filing (version 1), by operation id:
/// what the dashboard's replay slider needs to show an operation only from the moment the log
/// vouches the JIC knew of it. Amendments keep the first receipt; the latest is `updated`.
pub fn first_receipts(
    conn: &rusqlite::Connection,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, time FROM air_operation_version WHERE version = 1")
        .map_err(|e| ApiError::Internal(format!("store: {e}")))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| ApiError::Internal(format!("store: {e}")))?;
    rows.collect::<Result<_, _>>()
        .map_err(|e| ApiError::Internal(format!("store: {e}")))
}

/// When an alert first revealed legs of operation `op_id` to a reader: the earliest `created`
/// among the reader's `plan_conflict` alerts naming that operation as the other side. A reader
/// who sees only another party's conflicting legs learned of them then, not at the filing.
pub fn revealed_at(alerts: &[jic_store::state::AlertRecord], op_id: &str) -> Option<String> {
    alerts
        .iter()
        .filter(|a| a.kind == "plan_conflict")
        .filter(|a| {
            a.detail_json
                .as_deref()
                .and_then(|d| serde_json::from_str::<Value>(d).ok())
                .is_some_and(|d| d["other"]["operation"].as_str() == Some(op_id))
        })
        // Compared as instants: RFC 3339 text with and without fractional seconds does not
        // sort by time.
        .filter_map(|a| Some((a.created.parse::<Timestamp>().ok()?, a.created.clone())))
        .min()
        .map(|(_, created)| created)
}
