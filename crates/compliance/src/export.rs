//! Export of incidents with their status and classification: GeoJSON (RFC 7946, one Point
//! feature per incident, `[lon, lat]`) and CSV (one row per incident, a fixed header).
//!
//! # CSV columns
//! `id,version,reporter,occurred_from,occurred_until,latitude,longitude,uncertainty_m,place,
//! category,actor_kind,actor,killed_min,killed_max,injured_min,injured_max,status,outcome,rules,
//! description,sources` — ranges left blank when unknown, `rules` and `sources` joined with `;`.
//! The export reads back through `import` with the mapping [`CSV_MAPPING`].

use serde_json::{Value, json};

use crate::Error;
use crate::classify::{Classification, Outcome};
use crate::incident::{AllegedActor, IncidentReport};
use crate::workflow::ReviewStatus;

/// One incident to export.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    /// The current version.
    pub report: &'a IncidentReport,
    /// Its version number.
    pub version: u32,
    /// Review status.
    pub status: ReviewStatus,
    /// Classification, if computed.
    pub classification: Option<&'a Classification>,
}

/// The import mapping that reads an export back.
pub const CSV_MAPPING: &str = r#"[columns]
id = "id"
date = "occurred_from"
latitude = "latitude"
longitude = "longitude"
uncertainty_m = "uncertainty_m"
place = "place"
category = "category"
actor = "actor"
fatalities_low = "killed_min"
fatalities_high = "killed_max"
description = "description"
source_url = "sources"

[options]
date_formats = ["%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%SZ"]
id_prefix = ""
"#;

fn actor_kind(a: &AllegedActor) -> &'static str {
    match a {
        AllegedActor::Party { .. } => "party",
        AllegedActor::Group { .. } => "group",
        AllegedActor::Unknown { .. } => "unknown",
    }
}

fn actor_name(a: &AllegedActor) -> String {
    match a {
        AllegedActor::Party { id } | AllegedActor::Group { id } => id.clone(),
        AllegedActor::Unknown { reported_as } => reported_as.clone().unwrap_or_default(),
    }
}

fn outcome(row: &ExportRow<'_>) -> Outcome {
    row.classification
        .map_or(Outcome::Undetermined, |c| c.outcome)
}

/// A GeoJSON FeatureCollection.
pub fn to_geojson(rows: &[ExportRow<'_>]) -> Value {
    let features: Vec<Value> = rows
        .iter()
        .map(|row| {
            let r = row.report;
            json!({
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "Point", "coordinates": [r.location.lon, r.location.lat]},
                "properties": {
                    "id": r.id,
                    "version": row.version,
                    "reporter": r.reporter,
                    "occurred_from": r.occurred.from.to_string(),
                    "occurred_until": r.occurred.until.map(|t| t.to_string()),
                    "uncertainty_m": r.location.uncertainty_m,
                    "place": r.location.name,
                    "category": r.category.as_str(),
                    "actor_kind": actor_kind(&r.actor),
                    "actor": actor_name(&r.actor),
                    "killed_min": r.casualties.killed_min,
                    "killed_max": r.casualties.killed_max,
                    "injured_min": r.casualties.injured_min,
                    "injured_max": r.casualties.injured_max,
                    "status": row.status.as_str(),
                    "outcome": outcome(row).as_str(),
                    "rules": row.classification.map(|c| c.rules.iter().map(|x| x.rule.clone()).collect::<Vec<_>>()).unwrap_or_default(),
                    "description": r.description,
                    "sources": r.sources,
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

fn opt(n: Option<u32>) -> String {
    n.map(|v| v.to_string()).unwrap_or_default()
}

/// CSV bytes (UTF-8, header first, `\n` line ends).
///
/// # Errors
/// [`Error::Export`] if the CSV writer fails (it writes to memory, so only on a bug).
pub fn to_csv(rows: &[ExportRow<'_>]) -> Result<Vec<u8>, Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let err = |e: csv::Error| Error::Export(e.to_string());
    w.write_record([
        "id",
        "version",
        "reporter",
        "occurred_from",
        "occurred_until",
        "latitude",
        "longitude",
        "uncertainty_m",
        "place",
        "category",
        "actor_kind",
        "actor",
        "killed_min",
        "killed_max",
        "injured_min",
        "injured_max",
        "status",
        "outcome",
        "rules",
        "description",
        "sources",
    ])
    .map_err(err)?;
    for row in rows {
        let r = row.report;
        w.write_record([
            r.id.clone(),
            row.version.to_string(),
            r.reporter.clone(),
            r.occurred.from.to_string(),
            r.occurred.until.map(|t| t.to_string()).unwrap_or_default(),
            r.location.lat.to_string(),
            r.location.lon.to_string(),
            r.location.uncertainty_m.to_string(),
            r.location.name.clone().unwrap_or_default(),
            r.category.as_str().to_owned(),
            actor_kind(&r.actor).to_owned(),
            actor_name(&r.actor),
            opt(r.casualties.killed_min),
            opt(r.casualties.killed_max),
            opt(r.casualties.injured_min),
            opt(r.casualties.injured_max),
            row.status.as_str().to_owned(),
            outcome(row).as_str().to_owned(),
            row.classification
                .map(|c| {
                    c.rules
                        .iter()
                        .map(|x| x.rule.clone())
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .unwrap_or_default(),
            r.description.clone(),
            r.sources.join(";"),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Export(e.to_string()))
}
