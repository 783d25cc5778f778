//! The GeoJSON formats read by `jic deconflict plans`: 4D flight plans and restricted
//! airspace volumes.
//!
//! # Plans
//!
//! An RFC 7946 `FeatureCollection` whose features are `LineString`s:
//!
//! ```json
//! {"type": "FeatureCollection", "features": [
//!   {"type": "Feature", "id": "RUS-SU24-01",
//!    "properties": {"times": ["2016-09-17T10:00:00Z", "2016-09-17T10:06:00Z"],
//!                   "rpz_nm": 5, "hpz_ft": 1000},
//!    "geometry": {"type": "LineString",
//!                 "coordinates": [[35.95, 35.41, 3000], [38.27, 34.55, 25000]]}}]}
//! ```
//!
//! - Each position is `[lon, lat, alt_ft]`: WGS-84 degrees and **feet** (not metres, which is
//!   what RFC 7946 suggests for a third coordinate; the aviation unit avoids a conversion at
//!   every filing and is stated here once).
//! - `properties.times` gives one RFC 3339 instant per position (e.g. `2016-09-17T10:00:00Z`,
//!   offsets allowed), strictly increasing. Keeping time in a property keeps the geometry valid
//!   GeoJSON for every GIS tool.
//! - The plan's id is the feature's `id` (string or number) or else `properties.id`.
//! - Optional `properties.rpz_nm` and `properties.hpz_ft` override the default minima for that
//!   plan.
//!
//! # Volumes
//!
//! A `FeatureCollection` of `Polygon` or `MultiPolygon` features (positions `[lon, lat]`) with
//! `properties.floor_ft` and `properties.ceiling_ft` (numbers, required), optional
//! `properties.start` and `properties.end` (RFC 3339) and the id as for plans. A feature with
//! a `properties.kind` other than `restricted_airspace` is skipped, so an agreement's zone file
//! can be passed as it is. A `MultiPolygon` becomes one volume per polygon.
//!
//! A feature that cannot be used is reported (index, id, reason) and the others are kept; a
//! document that is not a FeatureCollection is an error for the whole file.

use crate::Error;
use crate::plan::{FlightPlan, Waypoint, validate_plan};
use crate::units::{M_PER_FT, M_PER_NM};
use crate::volume::{Volume, validate_volume};
use serde_json::Value;

/// A feature that was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureError {
    /// 0-based index in `features`.
    pub index: usize,
    /// The feature's id, when it has one.
    pub id: Option<String>,
    /// Why it was rejected.
    pub reason: String,
}

/// Plans read from a document, and the features that were rejected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedPlans {
    /// Accepted plans, in document order.
    pub plans: Vec<FlightPlan>,
    /// Rejected features.
    pub errors: Vec<FeatureError>,
}

/// Volumes read from a document, and the features that were rejected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedVolumes {
    /// Accepted volumes, in document order.
    pub volumes: Vec<Volume>,
    /// Rejected features.
    pub errors: Vec<FeatureError>,
}

fn features(text: &str) -> Result<Vec<Value>, Error> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| Error::Parse(format!("not JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(Error::Parse(
            "the document must be a GeoJSON FeatureCollection".to_owned(),
        ));
    }
    match doc.get("features") {
        Some(Value::Array(list)) => Ok(list.clone()),
        _ => Err(Error::Parse(
            "the FeatureCollection has no `features` array".to_owned(),
        )),
    }
}

fn feature_id(f: &Value) -> Option<String> {
    let id = f
        .get("id")
        .or_else(|| f.get("properties").and_then(|p| p.get("id")))?;
    match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &Value, what: &str) -> Result<f64, String> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{what} is not a finite number"))
}

fn instant(v: &Value, what: &str) -> Result<f64, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{what} is not a string"))?;
    let ts: jiff::Timestamp = s
        .parse()
        .map_err(|e| format!("{what} `{s}` is not an RFC 3339 instant: {e}"))?;
    Ok(ts.as_nanosecond() as f64 / 1e9)
}

/// Parses flight plans (see the module docs).
///
/// ```
/// let doc = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"A",
///   "properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:05:00Z"]},
///   "geometry":{"type":"LineString","coordinates":[[36.0,35.4,3000],[37.0,35.0,20000]]}}]}"#;
/// let parsed = jic_deconflict::plans_geojson::parse_plans(doc)?;
/// assert_eq!(parsed.plans[0].waypoints[1].time_s - parsed.plans[0].waypoints[0].time_s, 300.0);
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
///
/// # Errors
/// [`Error::Parse`] when the document is not a FeatureCollection.
pub fn parse_plans(text: &str) -> Result<ParsedPlans, Error> {
    let mut out = ParsedPlans::default();
    for (index, f) in features(text)?.iter().enumerate() {
        let id = feature_id(f);
        match plan_from_feature(f, id.clone().unwrap_or_else(|| format!("#{index}"))) {
            Ok(plan) => out.plans.push(plan),
            Err(reason) => out.errors.push(FeatureError { index, id, reason }),
        }
    }
    Ok(out)
}

fn plan_from_feature(f: &Value, id: String) -> Result<FlightPlan, String> {
    let geometry = f.get("geometry").ok_or("no geometry")?;
    if geometry.get("type").and_then(Value::as_str) != Some("LineString") {
        return Err("the geometry must be a LineString".to_owned());
    }
    let coords = geometry
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("the LineString has no coordinates")?;
    let props = f
        .get("properties")
        .ok_or("no properties (the `times` array is required)")?;
    let times = props
        .get("times")
        .and_then(Value::as_array)
        .ok_or("properties.times must be an array of RFC 3339 instants")?;
    if times.len() != coords.len() {
        return Err(format!(
            "{} positions but {} times",
            coords.len(),
            times.len()
        ));
    }
    let mut waypoints = Vec::with_capacity(coords.len());
    for (k, (c, t)) in coords.iter().zip(times).enumerate() {
        let c = c
            .as_array()
            .ok_or_else(|| format!("position {k} is not an array"))?;
        if c.len() != 3 {
            return Err(format!("position {k} must be [lon, lat, alt_ft]"));
        }
        waypoints.push(Waypoint {
            lon_deg: number(&c[0], &format!("position {k} lon"))?,
            lat_deg: number(&c[1], &format!("position {k} lat"))?,
            alt_ft: number(&c[2], &format!("position {k} alt_ft"))?,
            time_s: instant(t, &format!("times[{k}]"))?,
        });
    }
    let optional = |key: &str, scale: f64| -> Result<Option<f64>, String> {
        props
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| number(v, key).map(|x| x * scale))
            .transpose()
    };
    let plan = FlightPlan {
        id,
        waypoints,
        rpz_m: optional("rpz_nm", M_PER_NM)?,
        hpz_m: optional("hpz_ft", M_PER_FT)?,
    };
    validate_plan(&plan).map_err(|e| match e {
        Error::InvalidPlan { reason, .. } => reason,
        other => other.to_string(),
    })?;
    Ok(plan)
}

/// Parses restricted airspace volumes (see the module docs).
///
/// # Errors
/// [`Error::Parse`] when the document is not a FeatureCollection.
pub fn parse_volumes(text: &str) -> Result<ParsedVolumes, Error> {
    let mut out = ParsedVolumes::default();
    for (index, f) in features(text)?.iter().enumerate() {
        let id = feature_id(f);
        let kind = f
            .get("properties")
            .and_then(|p| p.get("kind"))
            .and_then(Value::as_str);
        if kind.is_some_and(|k| k != "restricted_airspace") {
            continue;
        }
        match volumes_from_feature(f, &id.clone().unwrap_or_else(|| format!("#{index}"))) {
            Ok(list) => out.volumes.extend(list),
            Err(reason) => out.errors.push(FeatureError { index, id, reason }),
        }
    }
    Ok(out)
}

fn ring(v: &Value) -> Result<Vec<(f64, f64)>, String> {
    let positions = v.as_array().ok_or("a ring is not an array")?;
    let mut ring = Vec::with_capacity(positions.len());
    for p in positions {
        let p = p
            .as_array()
            .filter(|p| p.len() >= 2)
            .ok_or("a position must be [lon, lat]")?;
        ring.push((number(&p[0], "lon")?, number(&p[1], "lat")?));
    }
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    Ok(ring)
}

fn polygon(v: &Value) -> Result<Vec<Vec<(f64, f64)>>, String> {
    v.as_array()
        .ok_or("polygon coordinates must be an array of rings")?
        .iter()
        .map(ring)
        .collect()
}

fn volumes_from_feature(f: &Value, id: &str) -> Result<Vec<Volume>, String> {
    let geometry = f.get("geometry").ok_or("no geometry")?;
    let coords = geometry
        .get("coordinates")
        .ok_or("the geometry has no coordinates")?;
    let polygons = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![polygon(coords)?],
        Some("MultiPolygon") => coords
            .as_array()
            .ok_or("MultiPolygon coordinates must be an array")?
            .iter()
            .map(polygon)
            .collect::<Result<_, _>>()?,
        _ => return Err("the geometry must be a Polygon or MultiPolygon".to_owned()),
    };
    let props = f
        .get("properties")
        .ok_or("no properties (floor_ft and ceiling_ft are required)")?;
    let floor_ft = number(
        props
            .get("floor_ft")
            .ok_or("properties.floor_ft is required")?,
        "floor_ft",
    )?;
    let ceiling_ft = number(
        props
            .get("ceiling_ft")
            .ok_or("properties.ceiling_ft is required")?,
        "ceiling_ft",
    )?;
    let when = |key: &str| {
        props
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| instant(v, key))
            .transpose()
    };
    let (start_s, end_s) = (when("start")?, when("end")?);
    let many = polygons.len() > 1;
    polygons
        .into_iter()
        .enumerate()
        .map(|(k, rings)| {
            let v = Volume {
                id: if many {
                    format!("{id}/{k}")
                } else {
                    id.to_owned()
                },
                rings,
                floor_ft,
                ceiling_ft,
                start_s,
                end_s,
            };
            validate_volume(&v).map_err(|e| e.to_string())?;
            Ok(v)
        })
        .collect()
}
