//! `alert.ack`: a recipient acknowledges an alert (signed, logged, with an optional note).
//!
//! Payload: `{"alert_id": 12, "note": "seen, climbing to FL270"}`.

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
