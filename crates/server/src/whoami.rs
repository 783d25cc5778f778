//! `GET /api/v1/whoami`: who a read token reads as (role, member, label).
//!
//! The dashboard asks once after sign-in so it can show the role and offer only the actions that
//! role may take (acknowledging an alert, filing a notification or an incident). It is a
//! convenience for the page, not an authorisation: every read and every write is still checked
//! by the server on its own. The answer tells the holder of a token nothing it could not learn
//! from its own sign-in: the token's role, its roster member and the label `jic init` gave it.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::routing::get;
use axum::{Json, Router};
use jic_store::roster::{token_digest, token_lookup};
use serde::Serialize;

use crate::AppState;
use crate::auth::Reader;
use crate::problem::{ApiError, Problem};

/// Who a read token reads as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// The role: `party`, `duty_officer`, `humanitarian`, `monitor` or `witness`.
    pub role: String,
    /// The roster member the token reads as (a party, organisation, monitor or witness id, or
    /// the joint cell's id for the duty officer); `null` for a token of no member.
    pub party: Option<String>,
    /// The token's label as `jic init` wrote it ("us liaison read token"); the role name when
    /// the roster holds none.
    pub label: String,
}

/// The router of `/api/v1/whoami`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/whoami", get(whoami))
}

/// The role, member and label of the bearer token (401 for a missing or unknown token).
#[utoipa::path(get, path = "/api/v1/whoami", tag = "meta",
    responses((status = 200, body = WhoAmI), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn whoami(
    State(state): State<AppState>,
    Reader(reader): Reader,
    headers: HeaderMap,
) -> Result<Json<WhoAmI>, ApiError> {
    // `Reader` has already refused a missing or unknown token; the label is not in the
    // in-memory cache, so it comes from the roster table by the same digest.
    let digest = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| token_digest(t.trim()))
        .unwrap_or_default();
    let entry = state
        .read(move |conn| Ok(token_lookup(conn, &digest)?))
        .await?;
    let role = reader.role.as_str().to_owned();
    Ok(Json(WhoAmI {
        label: entry.map_or_else(|| role.clone(), |e| e.label),
        role,
        party: reader.member.clone(),
    }))
}
