//! The deployment roster: who takes part, in which role, with which signing keys, and the
//! SHA-256 digests of the read tokens.
//!
//! `jic init` writes the genesis roster to `roster.toml` in the data directory; the server logs it
//! as its first decision and keeps the live roster in the database (tables `roster_member`,
//! `roster_key`, `read_token`). Later changes (a key added, rotated or revoked) are submissions
//! and therefore log entries, so a verifier can tell which key was valid when.
//!
//! Keys are C2SP signed-note verifier keys (`name+hash+base64(0x01‖pubkey)`); this module stores
//! them as strings and leaves parsing to the ledger crate.

use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// What a roster member may do. A member has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A party's liaison cell (e.g. the US or Russian cell): files air operations, tracks and
    /// strike notices, acknowledges notifications, reviews the other party's notices.
    Party,
    /// The JIC duty officer (the joint cell): triages alerts, runs escalations.
    DutyOfficer,
    /// A humanitarian focal point (one per organisation): notifies sites and movements.
    Humanitarian,
    /// A monitor: records incidents, reviews classification, audits.
    Monitor,
    /// A witness or auditor: cosigns checkpoints, mirrors the log.
    Witness,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [
        Role::Party,
        Role::DutyOfficer,
        Role::Humanitarian,
        Role::Monitor,
        Role::Witness,
    ];

    /// The role's name as written in files, tokens and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Party => "party",
            Role::DutyOfficer => "duty_officer",
            Role::Humanitarian => "humanitarian",
            Role::Monitor => "monitor",
            Role::Witness => "witness",
        }
    }

    /// The roster role for an agreement party role (`sponsor`, `belligerent`, `monitor`,
    /// `humanitarian`, `witness`), or `None` for a role that does not take part directly.
    pub fn from_agreement_role(role: &str) -> Option<Role> {
        match role {
            "sponsor" | "belligerent" => Some(Role::Party),
            "monitor" => Some(Role::Monitor),
            "humanitarian" => Some(Role::Humanitarian),
            "witness" => Some(Role::Witness),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| StoreError::Roster(format!("unknown role {s:?}")))
    }
}

/// One participant: a party cell, an organisation, the JIC duty cell, a monitor or a witness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Stable id, e.g. `us`, `ru`, `ocha`; envelopes name it in `party`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the member may do.
    pub role: Role,
    /// C2SP verifier keys the member signs with.
    #[serde(default)]
    pub keys: Vec<String>,
}

/// A read token, kept only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// The role the token reads as.
    pub role: Role,
    /// The member the token belongs to, when the role is per member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// A label for humans ("us liaison read token").
    pub label: String,
    /// Lowercase hex SHA-256 of the token.
    pub sha256: String,
}

/// The genesis roster as written by `jic init` (`roster.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// Every member.
    #[serde(default, rename = "member")]
    pub members: Vec<Member>,
    /// Every read token digest.
    #[serde(default, rename = "token")]
    pub tokens: Vec<TokenEntry>,
}

impl Roster {
    /// Parses and checks a roster file.
    pub fn from_toml(text: &str) -> Result<Roster, StoreError> {
        let roster: Roster =
            toml::from_str(text).map_err(|e| StoreError::Roster(format!("roster.toml: {e}")))?;
        roster.check()?;
        Ok(roster)
    }

    /// Writes the roster as TOML.
    pub fn to_toml(&self) -> Result<String, StoreError> {
        toml::to_string_pretty(self).map_err(|e| StoreError::Roster(e.to_string()))
    }

    /// Checks that member ids and keys are unique and that tokens name known members.
    pub fn check(&self) -> Result<(), StoreError> {
        let mut ids = std::collections::BTreeSet::new();
        let mut keys = std::collections::BTreeSet::new();
        for m in &self.members {
            if m.id.is_empty()
                || !m
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(StoreError::Roster(format!(
                    "member id {:?} must be non-empty ASCII letters, digits, '-', '_' or '.'",
                    m.id
                )));
            }
            if !ids.insert(m.id.as_str()) {
                return Err(StoreError::Roster(format!(
                    "member {:?} appears twice",
                    m.id
                )));
            }
            for k in &m.keys {
                if !keys.insert(k.as_str()) {
                    return Err(StoreError::Roster(format!("key {k:?} is listed twice")));
                }
            }
        }
        for t in &self.tokens {
            if let Some(member) = &t.member
                && !ids.contains(member.as_str())
            {
                return Err(StoreError::Roster(format!(
                    "token {:?} names unknown member {member:?}",
                    t.label
                )));
            }
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(StoreError::Roster(format!(
                    "token {:?}: sha256 must be 64 hex digits",
                    t.label
                )));
            }
        }
        Ok(())
    }

    /// The member with this id.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }
}

/// Lowercase hex SHA-256 of a read token, the only form in which tokens are stored.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The key name of a C2SP verifier key (the text before the first `+`).
pub fn key_name(verifier: &str) -> &str {
    verifier.split('+').next().unwrap_or(verifier)
}

/// Writes the genesis roster into the database tables, recording the leaf that logged it.
pub fn insert_genesis(tx: &Transaction<'_>, roster: &Roster, leaf: u64) -> Result<(), StoreError> {
    let leaf = leaf as i64;
    for m in &roster.members {
        tx.execute(
            "INSERT INTO roster_member (id, name, role, added_leaf) VALUES (?1, ?2, ?3, ?4)",
            params![m.id, m.name, m.role.as_str(), leaf],
        )?;
        for k in &m.keys {
            tx.execute(
                "INSERT INTO roster_key (key_name, verifier, member_id, added_leaf)
                 VALUES (?1, ?2, ?3, ?4)",
                params![key_name(k), k, m.id, leaf],
            )?;
        }
    }
    for t in &roster.tokens {
        let digest = hex::decode(&t.sha256).map_err(|e| StoreError::Roster(e.to_string()))?;
        tx.execute(
            "INSERT INTO read_token (token_sha256, member_id, role, label) VALUES (?1, ?2, ?3, ?4)",
            params![digest, t.member, t.role.as_str(), t.label],
        )?;
    }
    Ok(())
}

/// Adds a key to a member (a logged `roster.key_add`). `false` if the key is already known.
pub fn add_key(
    tx: &Transaction<'_>,
    member: &str,
    verifier: &str,
    leaf: u64,
) -> Result<bool, StoreError> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO roster_key (key_name, verifier, member_id, added_leaf)
         VALUES (?1, ?2, ?3, ?4)",
        params![key_name(verifier), verifier, member, leaf as i64],
    )?;
    Ok(n > 0)
}

/// Revokes a member's key (a logged `roster.key_revoke`). `false` if the member has no such
/// valid key.
pub fn revoke_key(
    tx: &Transaction<'_>,
    member: &str,
    verifier: &str,
    leaf: u64,
) -> Result<bool, StoreError> {
    let n = tx.execute(
        "UPDATE roster_key SET revoked_leaf = ?3
         WHERE verifier = ?1 AND member_id = ?2 AND revoked_leaf IS NULL",
        params![verifier, member, leaf as i64],
    )?;
    Ok(n > 0)
}

/// Whether the database already holds a roster.
pub fn has_roster(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM roster_member", [], |r| r.get(0))?;
    Ok(n > 0)
}

/// A key as the server needs it to verify a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The key name.
    pub key_name: String,
    /// The C2SP verifier key.
    pub verifier: String,
    /// The member the key belongs to.
    pub member: String,
    /// The member's role.
    pub role: Role,
    /// Whether the key has been revoked.
    pub revoked: bool,
}

/// Loads the live roster (members, keys, token digests) from the database.
pub fn load(conn: &Connection) -> Result<(Roster, Vec<KeyRecord>), StoreError> {
    let mut roster = Roster::default();
    let mut stmt = conn.prepare("SELECT id, name, role FROM roster_member ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, name, role) = row?;
        roster.members.push(Member {
            id,
            name,
            role: role.parse()?,
            keys: Vec::new(),
        });
    }
    let mut keys = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT k.key_name, k.verifier, k.member_id, m.role, k.revoked_leaf IS NOT NULL
         FROM roster_key k JOIN roster_member m ON m.id = k.member_id ORDER BY k.key_name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    for row in rows {
        let (key_name, verifier, member, role, revoked) = row?;
        if !revoked && let Some(m) = roster.members.iter_mut().find(|m| m.id == member) {
            m.keys.push(verifier.clone());
        }
        keys.push(KeyRecord {
            key_name,
            verifier,
            member,
            role: role.parse()?,
            revoked,
        });
    }
    let mut stmt = conn.prepare("SELECT token_sha256, member_id, role, label FROM read_token")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (digest, member, role, label) = row?;
        roster.tokens.push(TokenEntry {
            role: role.parse()?,
            member,
            label,
            sha256: hex::encode(digest),
        });
    }
    Ok((roster, keys))
}

/// The member a token digest reads as, if any.
pub fn token_lookup(conn: &Connection, digest_hex: &str) -> Result<Option<TokenEntry>, StoreError> {
    let Ok(digest) = hex::decode(digest_hex) else {
        return Ok(None);
    };
    conn.query_row(
        "SELECT member_id, role, label FROM read_token WHERE token_sha256 = ?1",
        params![digest],
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )
    .optional()?
    .map(|(member, role, label)| {
        Ok(TokenEntry {
            role: role.parse()?,
            member,
            label,
            sha256: digest_hex.to_owned(),
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Roster {
        Roster {
            members: vec![
                Member {
                    id: "us".into(),
                    name: "United States".into(),
                    role: Role::Party,
                    keys: vec!["us+01020304+AQID".into()],
                },
                Member {
                    id: "jic".into(),
                    name: "JIC".into(),
                    role: Role::DutyOfficer,
                    keys: vec![],
                },
            ],
            tokens: vec![TokenEntry {
                role: Role::Party,
                member: Some("us".into()),
                label: "us read".into(),
                sha256: token_digest("secret"),
            }],
        }
    }

    #[test]
    fn roster_round_trips_through_toml_and_the_database() {
        let roster = sample();
        let text = roster.to_toml().unwrap();
        assert_eq!(Roster::from_toml(&text).unwrap(), roster);

        let mut conn = crate::db::open_in_memory().unwrap();
        assert!(!has_roster(&conn).unwrap());
        let tx = conn.transaction().unwrap();
        insert_genesis(&tx, &roster, 0).unwrap();
        tx.commit().unwrap();
        let (loaded, keys) = load(&conn).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key_name, "us");
        assert_eq!(loaded.member("us").unwrap().keys, roster.members[0].keys);
        let found = token_lookup(&conn, &token_digest("secret"))
            .unwrap()
            .unwrap();
        assert_eq!(found.member.as_deref(), Some("us"));
        assert!(
            token_lookup(&conn, &token_digest("wrong"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn duplicates_and_bad_tokens_are_refused() {
        let mut r = sample();
        r.members.push(r.members[0].clone());
        assert!(r.check().is_err());
        let mut r = sample();
        r.tokens[0].member = Some("nobody".into());
        assert!(r.check().is_err());
        let mut r = sample();
        r.tokens[0].sha256 = "xyz".into();
        assert!(r.check().is_err());
        assert!("chief".parse::<Role>().is_err());
    }
}
