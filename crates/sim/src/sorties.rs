//! Synthetic air traffic for a scenario: seeded sorties from real bases to working areas, each
//! filed as a 4D flight plan (`air_operation.file`) ahead of take-off.
//!
//! # The model
//! Each operator (a cell) flies `sorties_per_day` sorties, spread over its flying hours. A
//! sortie picks one of the operator's aircraft types (by weight), which names its base, the
//! working areas it may go to, a cruise speed and an altitude band. The plan is:
//! take-off at the base → a climb point 30 km out → the near edge of the working area → an
//! orbit of three points on the area's circle for `orbit_min` minutes → the climb point again →
//! landing. Legs are flown at the cruise ground speed (climb and descent legs at 70 % of it);
//! the cruise altitude is drawn from the band in 500 ft steps (military working-area blocks).
//!
//! Operators whose areas and bands overlap produce plan conflicts — that is the point: the
//! air-safety plane has something to do. Everything here is **synthetic**; only the bases'
//! positions are real (the manifest cites them).
//!
//! # Units
//! Degrees (WGS-84), feet, knots, minutes; distances on the 6,371 km sphere.

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::SimError;
use crate::scenario::{Event, Provenance, advance, round6};
use crate::traffic::SplitMix64;

/// `[traffic]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// The generator's seed: the same seed always yields the same traffic.
    pub seed: u64,
    /// How long before take-off a plan is filed, minutes.
    #[serde(default = "default_lead")]
    pub file_lead_min: u32,
    /// Airfields.
    pub bases: Vec<Base>,
    /// Working areas.
    pub areas: Vec<Area>,
    /// Who flies.
    pub operators: Vec<Operator>,
}

fn default_lead() -> u32 {
    45
}

/// An airfield. Its position is real and cited.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    /// Identifier used by aircraft types.
    pub id: String,
    /// Name.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Field elevation, feet.
    pub elev_ft: f64,
    /// Where the position comes from.
    pub source: String,
    /// Confidence tag.
    pub confidence: String,
}

/// A working area: a circle aircraft orbit on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Orbit radius, km.
    pub radius_km: f64,
}

/// One operator: a cell and what it flies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    /// The filing cell.
    pub cell: String,
    /// Operation id prefix, e.g. `CJTF`.
    pub prefix: String,
    /// Sorties per day (before the load option's scale).
    pub sorties_per_day: f64,
    /// First take-off hour, local (the scenario's offset is applied by the caller's times).
    #[serde(default)]
    pub first_hour: f64,
    /// Last take-off hour.
    #[serde(default = "default_last_hour")]
    pub last_hour: f64,
    /// Aircraft types.
    pub types: Vec<AircraftType>,
}

fn default_last_hour() -> f64 {
    22.0
}

/// An aircraft type as an operator flies it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AircraftType {
    /// Type designator, e.g. `F-16C`.
    pub aircraft: String,
    /// Callsign stem.
    pub callsign: String,
    /// Base id.
    pub base: String,
    /// Working area ids.
    pub areas: Vec<String>,
    /// Cruise ground speed, knots.
    pub cruise_kt: f64,
    /// Cruise altitude band [low, high], feet.
    pub alt_ft: [f64; 2],
    /// Time on station [min, max], minutes.
    pub orbit_min: [f64; 2],
    /// Relative frequency among the operator's types.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// Generates the filing events for `[start, end]`. `scale` multiplies every operator's
/// sorties per day (tests use a fraction).
pub fn generate(
    spec: &TrafficSpec,
    start: Timestamp,
    end: Timestamp,
    offset_s: i64,
    scale: f64,
) -> Result<Vec<Event>, SimError> {
    check(spec)?;
    let mut rng = SplitMix64::new(spec.seed);
    let mut events = Vec::new();
    let day_s = 86_400_i64;
    // Days are counted from the scenario start's local midnight; hours in the manifest are
    // local hours after that midnight.
    let local_midnight = start.as_second() - (start.as_second() + offset_s).rem_euclid(day_s);
    let days = (end.as_second() - local_midnight) / day_s + 1;
    for day in 0..days {
        for op in &spec.operators {
            let expected = op.sorties_per_day * scale;
            // A whole number of sorties with the right mean: floor plus a Bernoulli remainder.
            let mut n = expected.floor() as u64;
            if rng.chance(expected - expected.floor()) {
                n += 1;
            }
            for k in 0..n {
                let hour = rng.range(op.first_hour, op.last_hour.max(op.first_hour + 0.1));
                let takeoff_s = local_midnight + day * day_s + (hour * 3600.0) as i64;
                let t = pick_type(op, &mut rng);
                let plan = sortie(spec, op, t, (day, k), (takeoff_s, offset_s), &mut rng)?;
                let file_at =
                    Timestamp::from_second(takeoff_s - i64::from(spec.file_lead_min) * 60)
                        .map_err(|e| gen_err(e.to_string()))?;
                if file_at < start || file_at > end {
                    continue;
                }
                events.push(Event {
                    at: file_at,
                    cell: Some(op.cell.clone()),
                    kind: "air_operation.file".to_owned(),
                    title: Some(format!(
                        "{} files {}",
                        op.cell,
                        plan["id"].as_str().unwrap_or("?")
                    )),
                    payload: plan,
                    label: None,
                    provenance: Provenance::Synthetic,
                    report: false,
                    compare: None,
                    origin: format!("[traffic] generator, seed {}", spec.seed),
                });
            }
        }
    }
    Ok(events)
}

fn gen_err(message: String) -> SimError {
    SimError::Scenario {
        at: "[traffic]".to_owned(),
        message,
    }
}

fn check(spec: &TrafficSpec) -> Result<(), SimError> {
    for op in &spec.operators {
        if op.types.is_empty() || op.sorties_per_day.is_nan() || op.sorties_per_day < 0.0 {
            return Err(gen_err(format!(
                "operator {}: needs types and sorties_per_day ≥ 0",
                op.cell
            )));
        }
        for t in &op.types {
            if !spec.bases.iter().any(|b| b.id == t.base) {
                return Err(gen_err(format!(
                    "{}: unknown base {:?}",
                    t.aircraft, t.base
                )));
            }
            if t.areas.is_empty() {
                return Err(gen_err(format!("{}: no working areas", t.aircraft)));
            }
            for a in &t.areas {
                if !spec.areas.iter().any(|x| &x.id == a) {
                    return Err(gen_err(format!("{}: unknown area {a:?}", t.aircraft)));
                }
            }
            let ok = t.cruise_kt > 0.0
                && t.alt_ft[0] <= t.alt_ft[1]
                && t.orbit_min[0] <= t.orbit_min[1]
                && t.orbit_min[0] >= 0.0
                && t.weight > 0.0;
            if !ok {
                return Err(gen_err(format!(
                    "{}: cruise_kt > 0, ordered alt_ft and orbit_min, weight > 0",
                    t.aircraft
                )));
            }
        }
    }
    Ok(())
}

fn pick_type<'a>(op: &'a Operator, rng: &mut SplitMix64) -> &'a AircraftType {
    let total: f64 = op.types.iter().map(|t| t.weight).sum();
    let mut x = rng.range(0.0, total);
    for t in &op.types {
        if x < t.weight {
            return t;
        }
        x -= t.weight;
    }
    &op.types[op.types.len() - 1]
}

/// Great-circle distance (haversine), metres.
fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = p2 - p1;
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * crate::EARTH_RADIUS_M * h.sqrt().asin()
}

/// Initial true bearing from `a` to `b`, degrees.
fn bearing_deg(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dl = (b.1 - a.1).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).to_degrees().rem_euclid(360.0)
}

fn sortie(
    spec: &TrafficSpec,
    op: &Operator,
    t: &AircraftType,
    (day, k): (i64, u64),
    (takeoff_s, offset_s): (i64, i64),
    rng: &mut SplitMix64,
) -> Result<Value, SimError> {
    let base = spec
        .bases
        .iter()
        .find(|b| b.id == t.base)
        .ok_or_else(|| gen_err("base".into()))?;
    let area_id = &t.areas[rng.index(t.areas.len())];
    let area = spec
        .areas
        .iter()
        .find(|a| &a.id == area_id)
        .ok_or_else(|| gen_err("area".into()))?;
    let alt = (rng.range(t.alt_ft[0], t.alt_ft[1] + 1.0) / 500.0).floor() * 500.0;
    let alt = alt.clamp(t.alt_ft[0].min(t.alt_ft[1]), t.alt_ft[1].max(t.alt_ft[0]));
    let speed_mps = t.cruise_kt * crate::KT_TO_MPS;
    let home = (base.lat, base.lon);
    let centre = (area.lat, area.lon);
    let out_brg = bearing_deg(home, centre);
    let climb_km = 30.0_f64.min(distance_m(home, centre) / 1000.0 / 3.0);
    let climb = advance(home.0, home.1, out_brg, climb_km * 1000.0);
    let back_brg = bearing_deg(centre, home);
    let r = area.radius_km * 1000.0;
    let entry = advance(centre.0, centre.1, back_brg, r);
    let orbit_min = rng.range(t.orbit_min[0], t.orbit_min[1]);
    let start_angle = back_brg + rng.range(60.0, 120.0);
    let orbit: Vec<(f64, f64)> = (0..3)
        .map(|i| advance(centre.0, centre.1, start_angle + 120.0 * f64::from(i), r))
        .collect();

    // (position, altitude, seconds from take-off)
    let mut points: Vec<((f64, f64), f64, f64)> = Vec::new();
    let fly = |points: &mut Vec<((f64, f64), f64, f64)>, p: (f64, f64), alt: f64, speed: f64| {
        let now = points.last().map_or(0.0, |(prev, _, t)| {
            t + (distance_m(*prev, p) / speed).max(60.0)
        });
        points.push((p, alt, now));
    };
    fly(&mut points, home, base.elev_ft, speed_mps);
    fly(&mut points, climb, alt, 0.7 * speed_mps);
    fly(&mut points, entry, alt, speed_mps);
    // The orbit's three legs share the time on station.
    let orbit_leg_s = orbit_min * 60.0 / 3.0;
    for p in &orbit {
        let now = points.last().map_or(0.0, |(_, _, t)| t + orbit_leg_s);
        points.push((*p, alt, now));
    }
    fly(&mut points, climb, alt, speed_mps);
    fly(&mut points, home, base.elev_ft, 0.7 * speed_mps);

    let mut waypoints = Vec::new();
    for (p, a, s) in points {
        let time = Timestamp::from_second(takeoff_s + s.round() as i64)
            .map_err(|e| gen_err(e.to_string()))?;
        waypoints.push(json!({"lat": round6(p.0), "lon": round6(p.1), "alt_ft": a,
                              "time": time.to_string()}));
    }
    let date = Timestamp::from_second(takeoff_s)
        .map_err(|e| gen_err(e.to_string()))?
        .checked_add(SignedDuration::from_secs(offset_s))
        .map_err(|e| gen_err(e.to_string()))?
        .strftime("%m%d")
        .to_string();
    Ok(json!({
        "id": format!("{}-{date}-{:02}", op.prefix, k + 1),
        "callsign": format!("{}{}{:02}", t.callsign, day % 10, k + 1),
        "aircraft": t.aircraft,
        "waypoints": waypoints,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TrafficSpec {
        toml::from_str(
            r#"
            seed = 7
            [[bases]]
            id = "hmeimim"
            name = "Hmeimim"
            lat = 35.4011
            lon = 35.9487
            elev_ft = 157
            source = "test"
            confidence = "M"
            [[areas]]
            id = "idlib"
            name = "Idlib"
            lat = 35.93
            lon = 36.63
            radius_km = 12
            [[operators]]
            cell = "russia"
            prefix = "RU"
            sorties_per_day = 4
            first_hour = 6
            last_hour = 18
            [[operators.types]]
            aircraft = "Su-24M"
            callsign = "SOKOL"
            base = "hmeimim"
            areas = ["idlib"]
            cruise_kt = 420
            alt_ft = [15000, 21000]
            orbit_min = [20, 40]
            "#,
        )
        .expect("test spec parses")
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test time")
    }

    #[test]
    fn same_seed_same_traffic_and_plausible_plans() {
        let s = spec();
        let a = generate(
            &s,
            ts("2016-09-12T00:00:00+03:00"),
            ts("2016-09-14T23:00:00+03:00"),
            10_800,
            1.0,
        )
        .expect("generates");
        let b = generate(
            &s,
            ts("2016-09-12T00:00:00+03:00"),
            ts("2016-09-14T23:00:00+03:00"),
            10_800,
            1.0,
        )
        .expect("generates");
        assert_eq!(a, b);
        assert_eq!(a.len(), 12, "4 sorties a day for 3 days");
        for e in &a {
            let wps = e.payload["waypoints"].as_array().expect("waypoints");
            assert_eq!(wps.len(), 8);
            let times: Vec<Timestamp> = wps
                .iter()
                .map(|w| w["time"].as_str().expect("time").parse().expect("rfc3339"))
                .collect();
            assert!(times.windows(2).all(|w| w[0] < w[1]), "times increase");
            // Filed before take-off, flight of 1–3 hours for a 60 km transit and a 20–40 min orbit.
            assert!(e.at < times[0]);
            let hours = (times[7].as_second() - times[0].as_second()) as f64 / 3600.0;
            assert!((0.5..3.0).contains(&hours), "{hours}");
            let alt = wps[3]["alt_ft"].as_f64().expect("alt");
            assert!(
                (15000.0..=21000.0).contains(&alt) && alt % 500.0 == 0.0,
                "{alt}"
            );
        }
    }

    #[test]
    fn scale_reduces_traffic() {
        let s = spec();
        let a = generate(
            &s,
            ts("2016-09-12T00:00:00+03:00"),
            ts("2016-09-21T23:00:00+03:00"),
            10_800,
            0.25,
        )
        .expect("generates");
        assert!(a.len() <= 15 && !a.is_empty(), "{}", a.len());
    }

    #[test]
    fn haversine_aleppo_to_deir_ez_zor() {
        // Aleppo (36.2021, 37.1343) to Deir ez-Zor airport (35.2853, 40.1758): about 290 km.
        let d = distance_m((36.2021, 37.1343), (35.2853, 40.1758)) / 1000.0;
        assert!((285.0..295.0).contains(&d), "{d}");
        let b = bearing_deg((36.2021, 37.1343), (35.2853, 40.1758));
        assert!((105.0..120.0).contains(&b), "{b}");
    }
}
