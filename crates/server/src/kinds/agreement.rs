//! Agreement versions: `agreement.propose` and `agreement.countersign`.
//!
//! A proposal carries the whole package (`agreement.toml` and its GeoJSON files) beside the
//! envelope, as `"files": {"agreement.toml": "…", "zones.geojson": "…"}` (packages are larger
//! than a log entry may be); the signed payload commits to it:
//! `{"hash":"<hex canonical hash of the agreement>","files_sha256":"<hex SHA-256 of the JCS of
//! files>","note":"…"}`. The server loads and validates the package with the agreement crate,
//! checks both digests, and records the version with its diff against the version in force:
//! zones added, removed and changed (with the change of area in km²), rules and phases added,
//! removed and changed, and the zones marked disputed. Proposing counts as the proposer's
//! countersignature; the version enters into force when every party it names with the role
//! `sponsor` or `belligerent` that is in the roster has countersigned, which is logged as a
//! decision (`agreement.in_force`).

use std::collections::BTreeMap;

use jic_agreement::{Agreement, Source};
use jic_store::roster::Role;
use jic_store::state::{AgreementVersionRecord, StateRead};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::problem::ApiError;
use crate::submit::{Accepted, ApplyCtx, KindHandler};

/// The payload of `agreement.propose`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeAgreement {
    /// Hex canonical hash of the proposed agreement (its identity).
    pub hash: String,
    /// Hex SHA-256 of the RFC 8785 form of the `files` map sent beside the envelope.
    pub files_sha256: String,
    /// Why (e.g. "delineation of Aleppo east after 12 Sept").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The payload of `agreement.countersign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountersignAgreement {
    /// The version countersigned.
    pub hash: String,
}

/// A validated package handed from validation to the writer.
#[derive(Debug)]
pub struct PreparedPackage {
    /// The files.
    pub files: BTreeMap<String, String>,
    /// The loaded agreement.
    pub agreement: Agreement,
}

/// Loads and validates a package from in-memory files.
pub fn load_files(files: &BTreeMap<String, String>) -> Result<Agreement, String> {
    let sources: Vec<Source<'_>> = files
        .iter()
        .map(|(name, text)| Source { name, text })
        .collect();
    jic_agreement::load(&sources).map_err(|e| e.to_string())
}

/// Hex SHA-256 of the canonical JSON of a files map.
pub fn files_digest(files: &BTreeMap<String, String>) -> Result<String, ApiError> {
    let value = serde_json::to_value(files).map_err(|e| ApiError::Internal(e.to_string()))?;
    let bytes =
        jic_ledger::jcs::to_vec(&value).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    Ok(jic_ledger::hash::to_hex(&jic_ledger::hash::sha256(&bytes)))
}

/// The parties whose countersignature a version needs: those it names as sponsor or
/// belligerent.
pub fn required_parties(agreement: &Agreement) -> Vec<String> {
    agreement
        .terms()
        .parties
        .iter()
        .filter(|p| {
            let role = serde_json::to_value(p.role).ok();
            matches!(
                role.as_ref().and_then(Value::as_str),
                Some("sponsor" | "belligerent")
            )
        })
        .map(|p| p.id.clone())
        .collect()
}

fn zone_area_km2(zone: &jic_agreement::Zone) -> f64 {
    match &zone.geometry {
        jic_geo::Shape::Area(mp) => jic_geo::area_km2(mp),
        _ => 0.0,
    }
}

fn by_id<T: Serialize>(items: &[T], id: impl Fn(&T) -> &str) -> BTreeMap<String, Value> {
    items
        .iter()
        .map(|i| {
            (
                id(i).to_owned(),
                serde_json::to_value(i).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn changed_fields(old: &Value, new: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (old.as_object(), new.as_object()) else {
        return vec![];
    };
    let mut keys: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(k) != b.get(k)).collect()
}

fn added_removed_changed(old: &BTreeMap<String, Value>, new: &BTreeMap<String, Value>) -> Value {
    let added: Vec<&String> = new.keys().filter(|k| !old.contains_key(*k)).collect();
    let removed: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
    let changed: Vec<Value> = new
        .iter()
        .filter_map(|(k, v)| {
            let o = old.get(k)?;
            (o != v).then(|| json!({"id": k, "fields": changed_fields(o, v)}))
        })
        .collect();
    json!({"added": added, "removed": removed, "changed": changed})
}

/// The diff between two agreements (see the module docs).
pub fn diff(old: &Agreement, new: &Agreement) -> Value {
    let (o, n) = (old.terms(), new.terms());
    let old_zones: BTreeMap<&str, &jic_agreement::Zone> =
        o.zones.iter().map(|z| (z.id.as_str(), z)).collect();
    let new_zones: BTreeMap<&str, &jic_agreement::Zone> =
        n.zones.iter().map(|z| (z.id.as_str(), z)).collect();
    let zone = |z: &jic_agreement::Zone| {
        json!({"id": z.id, "kind": z.kind, "status": z.status,
        "area_km2": zone_area_km2(z)})
    };
    let added: Vec<Value> = n
        .zones
        .iter()
        .filter(|z| !old_zones.contains_key(z.id.as_str()))
        .map(zone)
        .collect();
    let removed: Vec<Value> = o
        .zones
        .iter()
        .filter(|z| !new_zones.contains_key(z.id.as_str()))
        .map(zone)
        .collect();
    let mut changed = Vec::new();
    for z in &n.zones {
        let Some(prev) = old_zones.get(z.id.as_str()) else {
            continue;
        };
        let (a, b) = (
            serde_json::to_value(prev).unwrap_or(Value::Null),
            serde_json::to_value(z).unwrap_or(Value::Null),
        );
        if a != b {
            let (before, after) = (zone_area_km2(prev), zone_area_km2(z));
            changed.push(json!({"id": z.id, "fields": changed_fields(&a, &b),
                "area_km2_before": before, "area_km2_after": after,
                "area_change_km2": after - before, "status": z.status}));
        }
    }
    let disputed: Vec<&str> = n
        .zones
        .iter()
        .filter(|z| {
            serde_json::to_value(z.status)
                .ok()
                .and_then(|s| s.as_str().map(|s| s == "disputed"))
                == Some(true)
        })
        .map(|z| z.id.as_str())
        .collect();
    json!({
        "from": old.hash_hex(), "to": new.hash_hex(),
        "zones": {"added": added, "removed": removed, "changed": changed},
        "disputed_zones": disputed,
        "rules": added_removed_changed(&by_id(&o.rules, |r| &r.id), &by_id(&n.rules, |r| &r.id)),
        "phases": added_removed_changed(&by_id(&o.phases, |p| &p.id), &by_id(&n.phases, |p| &p.id)),
    })
}

/// The `agreement.propose` handler. The files arrive in [`Accepted::prepared`] as a
/// `BTreeMap<String, String>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProposeAgreementKind;

/// The `agreement.countersign` handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountersignAgreementKind;

fn in_force(conn: &rusqlite::Connection) -> Result<Option<AgreementVersionRecord>, ApiError> {
    Ok(conn
        .agreement_versions()?
        .into_iter()
        .rev()
        .find(|v| v.status == "in_force"))
}

fn package_of(v: &AgreementVersionRecord) -> Result<Agreement, ApiError> {
    let files: BTreeMap<String, String> = serde_json::from_str(&v.package_json)
        .map_err(|e| ApiError::Internal(format!("stored package: {e}")))?;
    load_files(&files)
        .map_err(|e| ApiError::Internal(format!("stored package no longer loads: {e}")))
}

impl KindHandler for ProposeAgreementKind {
    fn kind(&self) -> &'static str {
        "agreement.propose"
    }
    fn roles(&self) -> &'static [Role] {
        &[Role::Party]
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        let p = ProposeAgreement::deserialize(&s.payload)
            .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
        let files = s
            .prepared
            .take()
            .and_then(|f| f.downcast::<BTreeMap<String, String>>().ok())
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "an agreement.propose submission carries \"files\" beside the envelope; \
                     send it to /api/v1/agreement/versions"
                        .to_owned(),
                )
            })?;
        if files_digest(&files)? != p.files_sha256.to_ascii_lowercase() {
            return Err(ApiError::Unprocessable(
                "files_sha256 does not match the files".to_owned(),
            ));
        }
        let agreement = load_files(&files).map_err(ApiError::Unprocessable)?;
        if agreement.hash_hex() != p.hash.to_ascii_lowercase() {
            return Err(ApiError::Unprocessable(format!(
                "hash {} does not match the package's canonical hash {}",
                p.hash,
                agreement.hash_hex()
            )));
        }
        s.prepared = Some(Box::new(PreparedPackage {
            files: *files,
            agreement,
        }));
        Ok(())
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let prepared = s
            .prepared
            .as_ref()
            .and_then(|p| p.downcast_ref::<PreparedPackage>())
            .ok_or_else(|| {
                ApiError::Internal("agreement.propose reached the writer unparsed".into())
            })?;
        let hash = prepared.agreement.hash_hex();
        if ctx.read().agreement_version(&hash)?.is_some() {
            return Err(ApiError::Conflict(format!(
                "version {hash} was already proposed"
            )));
        }
        let current = in_force(ctx.read())?;
        let diff = match &current {
            Some(v) => Some(diff(&package_of(v)?, &prepared.agreement)),
            None => None,
        };
        let number = ctx.read().agreement_versions()?.len() as i64 + 1;
        let required: Vec<String> = required_parties(&prepared.agreement)
            .into_iter()
            .filter(|p| ctx.roster().members.contains_key(p))
            .collect();
        let leaf = ctx.leaf_index();
        ctx.state()
            .insert_agreement_version(&AgreementVersionRecord {
                hash: hash.clone(),
                number,
                proposed_by: s.party.clone(),
                proposed_leaf: Some(leaf),
                status: "proposed".to_owned(),
                required_json: serde_json::to_string(&required).unwrap_or_default(),
                package_json: serde_json::to_string(&prepared.files).unwrap_or_default(),
                diff_json: diff.as_ref().map(Value::to_string),
                in_force_leaf: None,
                created: ctx.now().to_string(),
                countersignatures: Vec::new(),
            })?;
        let event =
            json!({"hash": hash, "number": number, "proposed_by": s.party, "leaf_index": leaf});
        ctx.emit("agreement_proposed", &["*".to_owned()], &event, Some(leaf))?;
        let status = countersign(ctx, &hash, &s.party)?;
        Ok(
            json!({"hash": hash, "number": number, "status": status, "required": required, "diff": diff}),
        )
    }
}

/// Records `party`'s countersignature and puts the version into force when complete.
fn countersign(ctx: &mut ApplyCtx<'_>, hash: &str, party: &str) -> Result<String, ApiError> {
    let version = ctx
        .read()
        .agreement_version(hash)?
        .ok_or_else(|| ApiError::NotFound(format!("no agreement version {hash}")))?;
    if version.status != "proposed" {
        return Err(ApiError::Conflict(format!(
            "version {hash} is {}, not proposed",
            version.status
        )));
    }
    let required: Vec<String> = serde_json::from_str(&version.required_json).unwrap_or_default();
    if !required.iter().any(|r| r == party) {
        return Err(ApiError::Forbidden(format!(
            "{party} is not a party that must countersign {hash}"
        )));
    }
    let time = ctx.now().to_string();
    let leaf = ctx.leaf_index();
    if !ctx.state().countersign(hash, party, leaf, &time)? {
        return Err(ApiError::Conflict(format!(
            "{party} already countersigned {hash}"
        )));
    }
    let signed: Vec<String> = ctx
        .read()
        .agreement_version(hash)?
        .map(|v| v.countersignatures.into_iter().map(|(p, _)| p).collect())
        .unwrap_or_default();
    if required.iter().all(|r| signed.contains(r)) {
        let decision = ctx.record(
            "agreement.in_force",
            json!({"hash": hash, "countersigned_by": signed}),
        )?;
        ctx.state().set_in_force(hash, decision)?;
        ctx.emit(
            "agreement_in_force",
            &["*".to_owned()],
            &json!({"hash": hash, "leaf_index": decision}),
            Some(decision),
        )?;
        Ok("in_force".to_owned())
    } else {
        Ok("proposed".to_owned())
    }
}

impl KindHandler for CountersignAgreementKind {
    fn kind(&self) -> &'static str {
        "agreement.countersign"
    }
    fn roles(&self) -> &'static [Role] {
        &[Role::Party]
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        CountersignAgreement::deserialize(&s.payload)
            .map(|_| ())
            .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let c = CountersignAgreement::deserialize(&s.payload)
            .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
        let status = countersign(ctx, &c.hash, &s.party)?;
        Ok(json!({"hash": c.hash, "status": status}))
    }
}
