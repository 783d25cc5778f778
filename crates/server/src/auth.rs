//! Who is asking: read tokens for reads, roster keys for writes.
//!
//! Reads carry `Authorization: Bearer <token>`; the server keeps only each token's SHA-256 (the
//! roster's `read_token` table) and maps it to a [`Principal`]. Writes are authorised by the
//! envelope's signature and the roster entry of its key, not by a token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use jic_ledger::key::{KeyType, NoteVerifier};
use jic_store::roster::{KeyRecord, Role, Roster, token_digest};

use crate::AppState;
use crate::problem::ApiError;

/// A reader: a role, and for per-member roles the member it reads as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The roster member (a party, organisation, monitor or witness id); `None` for the duty
    /// officer token, which reads as the joint cell.
    pub member: Option<String>,
    /// The role.
    pub role: Role,
}

impl Principal {
    /// The names under which events and alerts are addressed to this reader: its member id and
    /// its role name.
    pub fn audience_names(&self) -> Vec<String> {
        let mut names = vec![self.role.as_str().to_owned()];
        if let Some(m) = &self.member {
            names.push(m.clone());
        }
        names
    }

    /// Whether an audience list (member ids, role names, or `*`) includes this reader.
    pub fn is_in(&self, audience: &[String]) -> bool {
        audience.iter().any(|a| {
            a == "*" || a == self.role.as_str() || self.member.as_deref() == Some(a.as_str())
        })
    }

    /// Whether this reader is the given party.
    pub fn is_member(&self, id: &str) -> bool {
        self.member.as_deref() == Some(id)
    }
}

/// What the server knows about a signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The member the key speaks for.
    pub member: String,
    /// The member's role.
    pub role: Role,
    /// Whether the key was revoked.
    pub revoked: bool,
    /// The key decoded once when the roster was loaded (base64, key id, Ed25519 point
    /// decompression), so a request does not decode it again; `None` if the roster's string is
    /// not an Ed25519 verifier key (a request naming it is then checked as if it were unknown
    /// to the cache, and fails verification with the ledger's error).
    pub verifier: Option<Arc<NoteVerifier>>,
}

/// The live roster, cached in memory: keys by verifier string, principals by token digest.
#[derive(Debug, Default)]
pub struct RosterCache {
    /// Signing keys by their C2SP verifier key string.
    pub keys: HashMap<String, KeyInfo>,
    /// Readers by the hex SHA-256 of their token.
    pub tokens: HashMap<String, Principal>,
    /// Members by id.
    pub members: HashMap<String, Role>,
}

impl RosterCache {
    /// Builds the cache from the database's roster.
    pub fn new(roster: &Roster, keys: &[KeyRecord]) -> Self {
        let keys = keys
            .iter()
            .map(|k| {
                (
                    k.verifier.clone(),
                    KeyInfo {
                        member: k.member.clone(),
                        role: k.role,
                        revoked: k.revoked,
                        verifier: NoteVerifier::from_vkey(&k.verifier)
                            .ok()
                            .filter(|v| v.key_type() == KeyType::Ed25519)
                            .map(Arc::new),
                    },
                )
            })
            .collect();
        let tokens = roster
            .tokens
            .iter()
            .map(|t| {
                (
                    t.sha256.clone(),
                    Principal {
                        member: t.member.clone(),
                        role: t.role,
                    },
                )
            })
            .collect();
        let members = roster
            .members
            .iter()
            .map(|m| (m.id.clone(), m.role))
            .collect();
        Self {
            keys,
            tokens,
            members,
        }
    }

    /// The reader a bearer token stands for.
    pub fn principal(&self, token: &str) -> Option<Principal> {
        self.tokens.get(&token_digest(token)).cloned()
    }

    /// Member ids with a given role, sorted.
    pub fn members_with_role(&self, role: Role) -> Vec<String> {
        let mut ids: Vec<String> = self
            .members
            .iter()
            .filter(|(_, r)| **r == role)
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }
}

/// Extracts the [`Principal`] of a bearer token, refusing the request with 401 otherwise.
#[derive(Debug, Clone)]
pub struct Reader(pub Arc<Principal>);

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "send a read token as `Authorization: Bearer <token>` (printed by `jic init`)"
                        .to_owned(),
                )
            })?;
        state
            .roster()
            .principal(token)
            .map(|p| Reader(Arc::new(p)))
            .ok_or_else(|| ApiError::Unauthorized("unknown read token".to_owned()))
    }
}
