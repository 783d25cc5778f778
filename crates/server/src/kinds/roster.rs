//! Roster changes: `roster.key_add` and `roster.key_revoke`, each signed by a current key of the
//! member it changes, so a verifier replaying the log knows which key was valid when.
//!
//! Payload: `{"key": "<C2SP verifier key>"}`. The key's name must be the member's id (so a key
//! never speaks for someone else). The roster cache is reloaded after the commit; later
//! submissions in the same group commit still see the old roster.

use jic_store::roster::{self, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::problem::ApiError;
use crate::submit::{Accepted, ApplyCtx, KindHandler};

/// The payload of the roster kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterKey {
    /// The C2SP verifier key added or revoked.
    pub key: String,
}

const EVERY_ROLE: &[Role] = &Role::ALL;

fn parse(s: &Accepted) -> Result<RosterKey, ApiError> {
    let p = RosterKey::deserialize(&s.payload)
        .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
    let verifier = jic_ledger::key::NoteVerifier::from_vkey(&p.key)
        .map_err(|e| ApiError::Unprocessable(format!("payload: key: {e}")))?;
    if verifier.name() != s.party {
        return Err(ApiError::Unprocessable(format!(
            "the key is named {:?}; a key of {} must be named {:?}",
            verifier.name(),
            s.party,
            s.party
        )));
    }
    Ok(p)
}

/// `roster.key_add`: a member adds a key (rotation is add, then revoke).
#[derive(Debug, Clone, Copy, Default)]
pub struct AddKey;

/// `roster.key_revoke`: a member revokes one of its keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct RevokeKey;

impl KindHandler for AddKey {
    fn kind(&self) -> &'static str {
        "roster.key_add"
    }
    fn roles(&self) -> &'static [Role] {
        EVERY_ROLE
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        parse(s).map(|_| ())
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let p = parse(s)?;
        let leaf = ctx.leaf_index();
        if !ctx.with_sqlite(|tx| roster::add_key(tx, &s.party, &p.key, leaf))? {
            return Err(ApiError::Conflict(
                "this key is already on the roster".to_owned(),
            ));
        }
        let body = json!({"member": s.party, "added": p.key, "leaf_index": leaf});
        ctx.emit("roster", &["*".to_owned()], &body, Some(leaf))?;
        Ok(body)
    }
}

impl KindHandler for RevokeKey {
    fn kind(&self) -> &'static str {
        "roster.key_revoke"
    }
    fn roles(&self) -> &'static [Role] {
        EVERY_ROLE
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        parse(s).map(|_| ())
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let p = parse(s)?;
        let leaf = ctx.leaf_index();
        if !ctx.with_sqlite(|tx| roster::revoke_key(tx, &s.party, &p.key, leaf))? {
            return Err(ApiError::NotFound("you have no such valid key".to_owned()));
        }
        let body = json!({"member": s.party, "revoked": p.key, "leaf_index": leaf});
        ctx.emit("roster", &["*".to_owned()], &body, Some(leaf))?;
        Ok(body)
    }
}
