//! Synthetic daily incident reports: a monitor's signed reports of violations at the front
//! lines, with plausible counts per day, and the monitor's review of each.
//!
//! # The model
//! For each period in `[[incidents.periods]]` the number of incidents on a local day is drawn
//! uniformly from `per_day = [lo, hi]`; each happens at a random time of that day, at a random
//! place of `[[incidents.places]]` (uniform in its circle), with one of the place's alleged
//! actors and categories and a small casualty range. Each is put under review, then a
//! `verify_fraction` of them are `verified` (the rest `unverified`) `review_after_h` later. Everything generated is
//! **synthetic**: the real counts of September 2016 were disputed and never reconciled.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::SimError;
use crate::scenario::{Event, Provenance, advance, round6};
use crate::traffic::SplitMix64;

/// `[incidents]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// The generator's seed.
    pub seed: u64,
    /// The reporting cell (a monitor).
    pub reporter: String,
    /// The envelope kind of a report.
    #[serde(default = "default_kind")]
    pub kind: String,
    /// The envelope kind of a review; none means no reviews.
    #[serde(default)]
    pub review_kind: Option<String>,
    /// Share of reports the monitor verifies, in [0, 1].
    #[serde(default = "default_verify")]
    pub verify_fraction: f64,
    /// Hours between a report and its review.
    #[serde(default = "default_review_delay")]
    pub review_after_h: f64,
    /// Periods with their daily counts.
    pub periods: Vec<Period>,
    /// Where incidents happen.
    pub places: Vec<Place>,
    /// Who is alleged to have been hit, by alleged actor: a group id of the agreement
    /// (e.g. `syrian_government = "opposition_factions"`). Without a target a report cannot be
    /// classified against a rule that protects covered groups.
    #[serde(default)]
    pub targets: std::collections::BTreeMap<String, String>,
}

fn default_kind() -> String {
    "incident.report".to_owned()
}
fn default_verify() -> f64 {
    0.8
}
fn default_review_delay() -> f64 {
    6.0
}

/// A period and its daily count range.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Start (inclusive).
    pub from: toml::value::Datetime,
    /// End (exclusive).
    pub until: toml::value::Datetime,
    /// Incidents per local day, [lo, hi].
    pub per_day: [u32; 2],
}

/// A place incidents happen.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Name.
    pub name: String,
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Radius, km.
    pub radius_km: f64,
    /// Parties alleged to act here.
    pub actors: Vec<String>,
    /// Incident categories seen here.
    pub categories: Vec<String>,
    /// Relative frequency.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

fn gen_err(message: String) -> SimError {
    SimError::Scenario {
        at: "[incidents]".to_owned(),
        message,
    }
}

fn time(t: &toml::value::Datetime) -> Result<Timestamp, SimError> {
    t.to_string()
        .parse()
        .map_err(|e| gen_err(format!("{t}: {e}")))
}

/// Generates the report and review events within `[start, end]`.
pub fn generate(
    spec: &IncidentSpec,
    start: Timestamp,
    end: Timestamp,
    offset_s: i64,
    scale: f64,
) -> Result<Vec<Event>, SimError> {
    if spec.places.is_empty()
        || spec
            .places
            .iter()
            .any(|p| p.actors.is_empty() || p.categories.is_empty())
    {
        return Err(gen_err(
            "every place needs actors and categories".to_owned(),
        ));
    }
    if !(0.0..=1.0).contains(&spec.verify_fraction) {
        return Err(gen_err("verify_fraction must be within [0, 1]".to_owned()));
    }
    let mut rng = SplitMix64::new(spec.seed);
    let total_weight: f64 = spec.places.iter().map(|p| p.weight.max(0.0)).sum();
    let mut events = Vec::new();
    let origin = format!("[incidents] generator, seed {}", spec.seed);
    let day_s = 86_400_i64;
    let mut per_date: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for period in &spec.periods {
        let (from, until) = (time(&period.from)?, time(&period.until)?);
        let [lo, hi] = period.per_day;
        if lo > hi {
            return Err(gen_err("per_day must be [low, high]".to_owned()));
        }
        let mut day_start = from.as_second() - (from.as_second() + offset_s).rem_euclid(day_s);
        while day_start < until.as_second() {
            // The day's count, scaled (tests use fewer): floor plus a Bernoulli remainder.
            let drawn = f64::from(lo + rng.index((hi - lo + 1) as usize) as u32) * scale;
            let n = drawn.floor() as u32 + u32::from(rng.chance(drawn - drawn.floor()));
            let date = Timestamp::from_second(day_start + offset_s)
                .map_err(|e| gen_err(e.to_string()))?
                .strftime("%m%d")
                .to_string();
            for _ in 0..n {
                let at_s = day_start + rng.range(0.0, day_s as f64) as i64;
                if at_s < from.as_second() || at_s >= until.as_second() {
                    continue;
                }
                let at = Timestamp::from_second(at_s).map_err(|e| gen_err(e.to_string()))?;
                let mut x = rng.range(0.0, total_weight);
                let place = spec
                    .places
                    .iter()
                    .find(|p| {
                        let hit = x < p.weight;
                        x -= p.weight;
                        hit
                    })
                    .unwrap_or(&spec.places[spec.places.len() - 1]);
                let (lat, lon) = advance(
                    place.lat,
                    place.lon,
                    rng.range(0.0, 360.0),
                    place.radius_km * 1000.0 * rng.unit().sqrt(),
                );
                let actor = &place.actors[rng.index(place.actors.len())];
                let category = &place.categories[rng.index(place.categories.len())];
                let killed_max = rng.index(4) as u32;
                let injured_max = killed_max * 2 + rng.index(5) as u32;
                // Numbered per local day across periods, so ids never repeat.
                let number = per_date.entry(date.clone()).or_insert(0);
                *number += 1;
                let id = format!("MON-{date}-{number:03}");
                events.push(Event {
                    at,
                    cell: Some(spec.reporter.clone()),
                    kind: spec.kind.clone(),
                    payload: json!({
                        "id": id,
                        "reporter": spec.reporter,
                        "occurred": {"from": at.to_string()},
                        "location": {"lat": round6(lat), "lon": round6(lon), "uncertainty_m": 1000,
                                     "name": place.name},
                        "category": category,
                        "actor": {"kind": "party", "id": actor},
                      "target": spec.targets.get(actor).map(|g| json!({"kind": "group", "id": g})),
                        "casualties": {"killed_min": 0, "killed_max": killed_max,
                                       "injured_min": 0, "injured_max": injured_max},
                        "description": format!("{category} reported near {} (synthetic)", place.name),
                        "sources": ["synthetic: scenario generator"],
                    }),
                    label: None,
                    title: Some(format!("monitors report {category} near {}", place.name)),
                    provenance: Provenance::Synthetic,
                    report: false,
                    compare: None,
                    origin: origin.clone(),
                });
                if let Some(review_kind) = &spec.review_kind {
                    // The workflow: reported → under review → verified | unverified.
                    let verified = rng.chance(spec.verify_fraction);
                    let half = (spec.review_after_h * 1800.0) as i64;
                    for (delay, status) in [
                        (half, "under_review"),
                        (2 * half, if verified { "verified" } else { "unverified" }),
                    ] {
                        let review_at = Timestamp::from_second(at_s + delay)
                            .map_err(|e| gen_err(e.to_string()))?;
                        events.push(Event {
                            at: review_at,
                            cell: Some(spec.reporter.clone()),
                            kind: review_kind.clone(),
                            payload: json!({"incident": id, "version": 1, "status": status}),
                            label: None,
                            title: Some(format!("monitors review {id}: {status}")),
                            provenance: Provenance::Synthetic,
                            report: false,
                            compare: None,
                            origin: origin.clone(),
                        });
                    }
                }
            }
            day_start += day_s;
        }
    }
    events.retain(|e| e.at >= start && e.at <= end);
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_day_stay_in_range() {
        let spec: IncidentSpec = toml::from_str(
            r#"
            seed = 3
            reporter = "jic_monitors"
            review_kind = "incident.review"
            [[periods]]
            from = 2016-09-12T00:00:00+03:00
            until = 2016-09-15T00:00:00+03:00
            per_day = [4, 6]
            [[places]]
            name = "Ramouseh"
            lat = 36.1583
            lon = 37.1326
            radius_km = 3
            actors = ["syrian_government", "opposition"]
            categories = ["shelling"]
            "#,
        )
        .expect("spec parses");
        let events = generate(
            &spec,
            "2016-09-09T00:00:00+03:00".parse().expect("t"),
            "2016-10-03T00:00:00+03:00".parse().expect("t"),
            10_800,
            1.0,
        )
        .expect("generates");
        let reports: Vec<_> = events
            .iter()
            .filter(|e| e.kind == "incident.report")
            .collect();
        assert!((12..=18).contains(&reports.len()), "{}", reports.len());
        assert_eq!(events.len(), reports.len() * 3, "two reviews per report");
        let ids: std::collections::BTreeSet<&str> = reports
            .iter()
            .filter_map(|r| r.payload["id"].as_str())
            .collect();
        assert_eq!(ids.len(), reports.len(), "report ids are unique");
        for r in reports {
            let lat = r.payload["location"]["lat"].as_f64().expect("lat");
            assert!((lat - 36.1583).abs() < 0.03, "within 3 km: {lat}");
        }
    }
}
