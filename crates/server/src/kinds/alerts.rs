//! `alert.ack`: a recipient acknowledges an alert (signed, logged, with an optional note).
//!
//! Payload: `{"alert_id": 12, "note": "seen, climbing to FL270"}`.
//!
//! [`close_alert`] is how jic itself closes an alert whose cause is gone (a track conflict that
//! resolved), inside a writer decision.

use jic_store::roster::Role;
use jic_store::state::StateRead;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::problem::ApiError;
use crate::submit::{Accepted, ApplyCtx, KindHandler};

/// The payload of `alert.ack`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckAlert {
    /// The alert acknowledged.
    pub alert_id: i64,
    /// What the acknowledging officer wants on record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The `alert.ack` handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct AckAlertKind;

impl KindHandler for AckAlertKind {
    fn kind(&self) -> &'static str {
        "alert.ack"
    }
    fn roles(&self) -> &'static [Role] {
        &[
            Role::Party,
            Role::DutyOfficer,
            Role::Humanitarian,
            Role::Monitor,
        ]
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        let ack = AckAlert::deserialize(&s.payload)
            .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
        if ack.note.as_ref().is_some_and(|n| n.len() > 2000) {
            return Err(ApiError::Unprocessable(
                "payload: note is longer than 2000 bytes".into(),
            ));
        }
        Ok(())
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let ack = AckAlert::deserialize(&s.payload)
            .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
        let alert = ctx
            .read()
            .alert(ack.alert_id)?
            .filter(|a| {
                a.recipients
                    .iter()
                    .any(|r| r == &s.party || r == s.role.as_str())
            })
            .ok_or_else(|| {
                ApiError::NotFound(format!("no alert {} addressed to you", ack.alert_id))
            })?;
        let time = ctx.now().to_string();
        let leaf = ctx.leaf_index();
        if !ctx
            .state()
            .ack_alert(alert.id, &s.party, ack.note.as_deref(), leaf, &time)?
        {
            return Err(ApiError::Conflict(format!(
                "alert {} is already acknowledged by you",
                alert.id
            )));
        }
        let body =
            json!({"alert_id": alert.id, "party": s.party, "time": time, "leaf_index": leaf});
        ctx.emit("alert_ack", &alert.recipients, &body, Some(leaf))?;
        Ok(json!({"alert_id": alert.id, "acknowledged": time}))
    }
}

/// Decision kind: an alert closed by jic because its cause is gone.
pub const ALERT_CLOSED: &str = "alert.closed";

/// Closes the open alert with `dedupe_key`, if there is one, inside a writer decision: logs an
/// [`ALERT_CLOSED`] decision (the alert id, kind, public subject and `reason`), marks the alert
/// `closed` at the decision's time and emits an `alert` event with `"status": "closed"` to its
/// recipients. The dedupe key is retired (suffixed with `|closed|<id>`) so that the same cause
/// arising again raises a new alert. Returns the closed alert's id.
///
/// # Errors
/// A store or log failure; the decision then rolls back whole.
pub fn close_alert(
    ctx: &mut ApplyCtx<'_>,
    dedupe_key: &str,
    reason: &str,
) -> Result<Option<i64>, ApiError> {
    use rusqlite::OptionalExtension as _;
    let sql = |e: rusqlite::Error| ApiError::Internal(format!("alert store: {e}"));
    let open: Option<(i64, String, String, String)> = ctx
        .read()
        .query_row(
            "SELECT id, kind, severity, subject_json FROM alert
             WHERE dedupe_key = ?1 AND status != 'closed'",
            [dedupe_key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(sql)?;
    let Some((id, kind, severity, subject)) = open else {
        return Ok(None);
    };
    let subject: Value = serde_json::from_str(&subject).unwrap_or(Value::Null);
    let leaf = ctx.record(
        ALERT_CLOSED,
        json!({"alert_id": id, "kind": kind, "subject": subject, "reason": reason}),
    )?;
    let closed = ctx.now().to_string();
    ctx.read()
        .execute(
            "UPDATE alert SET status = 'closed', closed = ?1, dedupe_key = ?2 WHERE id = ?3",
            rusqlite::params![closed, format!("{dedupe_key}|closed|{id}"), id],
        )
        .map_err(sql)?;
    let recipients: Vec<String> = ctx
        .read()
        .prepare("SELECT member FROM alert_recipient WHERE alert_id = ?1 ORDER BY member")
        .and_then(|mut s| s.query_map([id], |r| r.get(0))?.collect())
        .map_err(sql)?;
    let body = json!({"id": id, "kind": kind, "severity": severity, "subject": subject,
                      "status": "closed", "closed": closed, "reason": reason, "leaf_index": leaf});
    ctx.emit("alert", &recipients, &body, Some(leaf))?;
    Ok(Some(id))
}

/// The alerts of `alerts` as they stood at `as_of` (the `as_of` answer of `GET /api/v1/alerts`):
/// those raised at or before it, with the acknowledgments received by then, and the status
/// then — `closed` if jic closed it by then, `acknowledged` if anyone had acknowledged it,
/// otherwise `open`. Times are compared as instants, not as text.
///
/// # Errors
/// A store failure reading when alerts were closed.
pub fn alerts_as_of(
    conn: &rusqlite::Connection,
    alerts: Vec<jic_store::state::AlertRecord>,
    as_of: jiff::Timestamp,
) -> Result<Vec<jic_store::state::AlertRecord>, ApiError> {
    use rusqlite::OptionalExtension as _;
    let by = |t: &str| t.parse::<jiff::Timestamp>().is_ok_and(|t| t <= as_of);
    let mut closed_at = conn
        .prepare_cached("SELECT closed FROM alert WHERE id = ?1")
        .map_err(|e| ApiError::Internal(format!("alert store: {e}")))?;
    let mut out = Vec::with_capacity(alerts.len());
    for mut a in alerts {
        if !by(&a.created) {
            continue;
        }
        let closed: Option<String> = closed_at
            .query_row([a.id], |r| r.get(0))
            .optional()
            .map_err(|e| ApiError::Internal(format!("alert store: {e}")))?
            .flatten();
        a.acks.retain(|(_, time)| by(time));
        a.status = if closed.as_deref().is_some_and(by) {
            "closed"
        } else if a.acks.is_empty() {
            "open"
        } else {
            "acknowledged"
        }
        .to_owned();
        out.push(a);
    }
    Ok(out)
}
