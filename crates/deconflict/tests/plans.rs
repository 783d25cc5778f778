//! Flight plans: production against the all-pairs reference, the closed form against a
//! fine-sampling oracle, volumes, conformance.

#![allow(
    clippy::float_cmp,
    reason = "exact equality is the point: same computation, same bits"
)]

use jic_deconflict::conformance::{ConformanceTolerance, conformance};
use jic_deconflict::plan::{
    FlightPlan, PlanConflict, PlanMinima, Waypoint, plan_conflicts, plan_conflicts_all_pairs,
};
use jic_deconflict::plans_geojson::parse_plans;
use jic_deconflict::track::TrackState;
use jic_deconflict::units::{EARTH_RADIUS_M, M_PER_FT, wrap_lon_deg};
use jic_deconflict::volume::{Volume, plan_volume_crossings, track_volume_crossings};
use proptest::prelude::*;

struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// Plans wandering in a small region around `(lat, lon)` so that many pairs conflict.
fn scene(seed: u64, lat: f64, lon: f64, count: usize, legs: usize) -> Vec<FlightPlan> {
    scene_with(seed, lat, lon, count, legs, true)
}

/// As [`scene`]; `tiny_legs` adds 1 ms legs (near-instant jumps) to stress the arithmetic.
fn scene_with(
    seed: u64,
    lat: f64,
    lon: f64,
    count: usize,
    legs: usize,
    tiny_legs: bool,
) -> Vec<FlightPlan> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|p| {
            let mut t = rng.range(0.0, 600.0);
            let mut waypoints = Vec::new();
            for _ in 0..=legs {
                waypoints.push(Waypoint {
                    lat_deg: (lat + rng.range(-0.3, 0.3)).clamp(-90.0, 90.0),
                    lon_deg: wrap_lon_deg(lon + rng.range(-0.3, 0.3)),
                    alt_ft: if rng.unit() < 0.5 {
                        1000.0 * rng.range(20.0, 24.0).floor()
                    } else {
                        rng.range(18_000.0, 26_000.0)
                    },
                    time_s: t,
                });
                t += if tiny_legs && rng.unit() < 0.1 {
                    1e-3
                } else {
                    rng.range(30.0, 240.0)
                };
            }
            let rpz_m = (rng.unit() < 0.2).then(|| rng.range(3000.0, 15_000.0));
            FlightPlan {
                id: format!("P{p}"),
                waypoints,
                rpz_m,
                hpz_m: None,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn plan_probe_equals_reference(seed in any::<u64>(), place in 0usize..4, count in 2usize..30, legs in 1usize..7) {
        let (lat, lon) = [(34.5, 38.5), (-20.0, 179.9), (89.6, 10.0), (0.0, 0.0)][place];
        let plans = scene(seed, lat, lon, count, legs);
        let reference = plan_conflicts_all_pairs(&plans, &PlanMinima::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let fast = plan_conflicts(&plans, &PlanMinima::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(reference, fast);
    }
}

#[test]
fn scenes_contain_plan_conflicts() {
    let total: usize = (0..10)
        .map(|s| {
            plan_conflicts_all_pairs(&scene(s, 34.5, 38.5, 20, 4), &PlanMinima::default())
                .map_or(0, |v| v.len())
        })
        .sum();
    assert!(total > 20, "{total}");
}

/// Fine-sampling oracle for one pair of plans: the same flat frame per leg pair (mean latitude
/// of the four interval end positions), positions sampled every `step` seconds.
fn sampled(a: &FlightPlan, b: &FlightPlan, r: f64, h: f64, step: f64) -> Option<(f64, f64)> {
    let pos = |w0: &Waypoint, w1: &Waypoint, t: f64| {
        let f = (t - w0.time_s) / (w1.time_s - w0.time_s);
        (
            w0.lat_deg + (w1.lat_deg - w0.lat_deg) * f,
            w0.lon_deg + wrap_lon_deg(w1.lon_deg - w0.lon_deg) * f,
            (w0.alt_ft + (w1.alt_ft - w0.alt_ft) * f) * M_PER_FT,
        )
    };
    let mut first: Option<f64> = None;
    let mut min_h = f64::INFINITY;
    for la in a.waypoints.windows(2) {
        for lb in b.waypoints.windows(2) {
            let (s, e) = (
                la[0].time_s.max(lb[0].time_s),
                la[1].time_s.min(lb[1].time_s),
            );
            if s > e {
                continue;
            }
            let ends = [
                pos(&la[0], &la[1], s),
                pos(&lb[0], &lb[1], s),
                pos(&la[0], &la[1], e),
                pos(&lb[0], &lb[1], e),
            ];
            let c = (0.25 * ends.iter().map(|p| p.0).sum::<f64>())
                .to_radians()
                .cos();
            let n = ((e - s) / step).ceil().max(1.0) as usize;
            for k in 0..=n {
                let t = s + (e - s) * k as f64 / n as f64;
                let (pa, pb) = (pos(&la[0], &la[1], t), pos(&lb[0], &lb[1], t));
                let dx = EARTH_RADIUS_M * wrap_lon_deg(pb.1 - pa.1).to_radians() * c;
                let dy = EARTH_RADIUS_M * (pb.0 - pa.0).to_radians();
                let dh = dx.hypot(dy);
                if dh < r && (pb.2 - pa.2).abs() < h {
                    first = Some(first.map_or(t, |f: f64| f.min(t)));
                    min_h = min_h.min(dh);
                }
            }
        }
    }
    first.map(|f| (f, min_h))
}

#[test]
fn closed_form_agrees_with_fine_sampling() {
    let minima = PlanMinima::default();
    let mut compared = 0;
    for seed in 0..12 {
        // No 1 ms legs here: a loss that short escapes any sampler.
        let plans = scene_with(seed, 34.5, 38.5, 12, 3, false);
        let exact: Vec<PlanConflict> = plan_conflicts(&plans, &minima).unwrap_or_default();
        for i in 0..plans.len() {
            for j in i + 1..plans.len() {
                let found = exact.iter().find(|c| (c.first, c.second) == (i, j));
                let step = 0.05;
                let r = plans[i]
                    .rpz_m
                    .unwrap_or(minima.rpz_m)
                    .max(plans[j].rpz_m.unwrap_or(minima.rpz_m));
                match (found, sampled(&plans[i], &plans[j], r, minima.hpz_m, step)) {
                    (Some(c), Some((first, min_h))) => {
                        compared += 1;

                        // Sampling can only find the loss later, and by at most a step.
                        assert!(
                            c.first_loss_s <= first + 1e-6 && first - c.first_loss_s <= step + 1e-6,
                            "{c:?} vs {first}"
                        );
                        // And the minimum only larger, by at most what moving a step allows (≤ 1 km/s relative).
                        assert!(
                            c.min_horizontal_m <= min_h + 1e-6
                                && min_h - c.min_horizontal_m <= 1000.0 * step,
                            "{c:?} vs {min_h}"
                        );
                    }
                    (None, None) => {}
                    // A loss shorter than a step can escape the sampler; never the other way round.
                    (Some(c), None) => assert!(
                        c.last_loss_end_s - c.first_loss_s < step + 1e-6,
                        "{c:?} not sampled"
                    ),
                    (None, Some(s)) => {
                        panic!("sampling found {s:?} for {i},{j}, the closed form nothing")
                    }
                }
            }
        }
    }
    assert!(compared > 10, "{compared}");
}

fn wp(lat_deg: f64, lon_deg: f64, alt_ft: f64, time_s: f64) -> Waypoint {
    Waypoint {
        lat_deg,
        lon_deg,
        alt_ft,
        time_s,
    }
}

fn plan(id: &str, waypoints: Vec<Waypoint>) -> FlightPlan {
    FlightPlan {
        id: id.into(),
        waypoints,
        rpz_m: None,
        hpz_m: None,
    }
}

#[test]
fn head_on_plans_hand_computed() {
    // On the equator, 0.5° apart (55.6 km), 0.25° in 300 s each: closing at 2·R_E·0.25°/300 s.
    let a = plan(
        "A",
        vec![wp(0.0, 0.0, 20_000.0, 0.0), wp(0.0, 0.5, 20_000.0, 600.0)],
    );
    let b = plan(
        "B",
        vec![wp(0.0, 0.5, 20_000.0, 0.0), wp(0.0, 0.0, 20_000.0, 600.0)],
    );
    let found = plan_conflicts(&[a, b], &PlanMinima::default()).unwrap_or_default();
    let closing = 2.0 * EARTH_RADIUS_M * 0.5_f64.to_radians() / 600.0;
    let gap = EARTH_RADIUS_M * 0.5_f64.to_radians();
    let r = PlanMinima::default().rpz_m;
    let [c] = found.as_slice() else {
        panic!("{found:?}")
    };
    assert!((c.first_loss_s - (gap - r) / closing).abs() < 1e-6, "{c:?}");
    assert!(
        (c.last_loss_end_s - (gap + r) / closing).abs() < 1e-6,
        "{c:?}"
    );
    assert!(
        c.min_horizontal_m < 1e-6 && (c.min_time_s - 300.0).abs() < 1e-6,
        "{c:?}"
    );
    assert!(
        (c.min_position.0).abs() < 1e-9 && (c.min_position.1 - 0.25).abs() < 1e-9,
        "{c:?}"
    );
}

#[test]
fn plans_across_the_antimeridian() {
    let a = plan(
        "A",
        vec![
            wp(10.0, 179.8, 30_000.0, 0.0),
            wp(10.0, -179.8, 30_000.0, 400.0),
        ],
    );
    let b = plan(
        "B",
        vec![
            wp(10.0, -179.8, 30_400.0, 0.0),
            wp(10.0, 179.8, 30_400.0, 400.0),
        ],
    );
    let found = plan_conflicts(&[a, b], &PlanMinima::default()).unwrap_or_default();
    assert!(
        matches!(found.as_slice(), [c] if (c.min_time_s - 200.0).abs() < 1e-6 && c.min_position.1.abs() > 179.99),
        "{found:?}"
    );
}

#[test]
fn vertical_separation_of_exactly_the_minimum_is_not_a_conflict() {
    let a = plan(
        "A",
        vec![wp(0.0, 0.0, 20_000.0, 0.0), wp(0.0, 0.5, 20_000.0, 600.0)],
    );
    let b = plan(
        "B",
        vec![wp(0.0, 0.5, 21_000.0, 0.0), wp(0.0, 0.0, 21_000.0, 600.0)],
    );
    assert_eq!(
        plan_conflicts(&[a, b], &PlanMinima::default()).map(|v| v.len()),
        Ok(0)
    );
}

fn square(id: &str, lon0: f64, lat0: f64, size: f64) -> Volume {
    Volume {
        id: id.into(),
        rings: vec![vec![
            (lon0, lat0),
            (lon0 + size, lat0),
            (lon0 + size, lat0 + size),
            (lon0, lat0 + size),
        ]],
        floor_ft: 0.0,
        ceiling_ft: 20_000.0,
        start_s: None,
        end_s: None,
    }
}

#[test]
fn volume_entry_exit_with_window_band_and_hole() {
    let mut zone = square("Z", 38.0, 34.0, 1.0);
    // A west-east crossing at 34.5°N from 37.5° to 39.5° over 2000 s: inside from 500 s to 1500 s.
    let p = plan(
        "P",
        vec![
            wp(34.5, 37.5, 10_000.0, 0.0),
            wp(34.5, 39.5, 10_000.0, 2000.0),
        ],
    );
    let check = |zone: &Volume, expected: &[(f64, f64)]| {
        let got: Vec<(f64, f64)> =
            plan_volume_crossings(std::slice::from_ref(&p), std::slice::from_ref(zone))
                .unwrap_or_default()
                .iter()
                .map(|c| (c.entry_s, c.exit_s))
                .collect();
        assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
        for (g, e) in got.iter().zip(expected) {
            assert!(
                (g.0 - e.0).abs() < 1e-6 && (g.1 - e.1).abs() < 1e-6,
                "{got:?} vs {expected:?}"
            );
        }
    };
    check(&zone, &[(500.0, 1500.0)]);
    zone.start_s = Some(700.0);
    zone.end_s = Some(800.0);
    check(&zone, &[(700.0, 800.0)]);
    zone.start_s = None;
    zone.end_s = None;
    // A hole from 38.4° to 38.6° (crossed from 900 s to 1100 s): two stays.
    zone.rings
        .push(vec![(38.4, 34.4), (38.6, 34.4), (38.6, 34.6), (38.4, 34.6)]);
    check(&zone, &[(500.0, 900.0), (1100.0, 1500.0)]);
    zone.rings.pop();
    // Floor at 10,000 ft exactly: the boundary counts.
    zone.floor_ft = 10_000.0;
    check(&zone, &[(500.0, 1500.0)]);
    zone.floor_ft = 10_001.0;
    check(&zone, &[]);
}

#[test]
fn volume_across_the_antimeridian_and_climbing_track() {
    // A zone written with longitudes beyond 180° to cross the antimeridian.
    let zone = square("DATELINE", 179.5, -1.0, 1.0);
    let p = plan(
        "P",
        vec![
            wp(-0.5, -179.0, 5000.0, 0.0),
            wp(-0.5, 179.0, 5000.0, 200.0),
        ],
    );
    let found = plan_volume_crossings(&[p], std::slice::from_ref(&zone)).unwrap_or_default();
    assert!(
        matches!(found.as_slice(), [c] if (c.entry_s - 50.0).abs() < 1e-6 && (c.exit_s - 150.0).abs() < 1e-6),
        "{found:?}"
    );

    // A track climbing through the ceiling of a zone it is inside: exits when it passes 20,000 ft.
    let zone = square("Z", 38.0, 34.0, 1.0);
    let s = TrackState {
        lat_deg: 34.5,
        lon_deg: 38.5,
        alt_ft: 19_000.0,
        gs_kt: 100.0,
        trk_deg: 0.0,
        vs_fpm: 2000.0,
    };
    let found = track_volume_crossings(&[s], 0.0, 300.0, &[zone]).unwrap_or_default();
    assert!(
        matches!(found.as_slice(), [c] if c.entry_s == 0.0 && (c.exit_s - 30.0).abs() < 1e-6),
        "{found:?}"
    );
}

#[test]
fn conformance_detects_a_late_aircraft() {
    let p = plan(
        "P",
        vec![
            wp(33.5, 36.3, 20_000.0, 0.0),
            wp(34.5, 36.3, 20_000.0, 600.0),
        ],
    );
    let tol = ConformanceTolerance {
        lateral_m: 1852.0,
        vertical_m: 90.0,
        time_s: 60.0,
    };
    // At the leg's midpoint 120 s late, on the centreline and at the planned altitude.
    let c = conformance(&p, 34.0, 36.3, 20_000.0, 420.0, &tol).map_err(|e| e.to_string());
    assert!(
        matches!(c, Ok(c) if c.time_exceeded && !c.lateral_exceeded && !c.vertical_exceeded && (c.time_s - 120.0).abs() < 1e-6 && c.lateral_m < 1e-6),
        "{c:?}"
    );
}

/// Regression (fuzz crash-49eaa1f0, minimised): a plan filed at longitude 3e49 was accepted.
/// At that magnitude one ulp is ~4e33°, so the leg's unwrapped box and the reference's wrapped
/// difference disagree about where it is: the reference "found" a conflict at lon 0.0 that the
/// pruned probe could not. Out-of-range longitudes (and altitudes) must be rejected, and on
/// what the parser accepts the probe must equal the reference.
#[test]
fn longitude_out_of_range_is_rejected_and_probe_equals_reference() {
    let doc = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"B","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:09:00Z"],"rpz_nm":2},"geometry":{"type":"LineString","coordinates":[[38.0,35.2,20000],[36.0,35.0,20500]]}},
      {"type":"Feature","id":"HUGE","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:09:00Z"]},"geometry":{"type":"LineString","coordinates":[[30000000000000000000000000000000000000000000000008.0,35.2,20000],[36.0,35.0,20500]]}},
      {"type":"Feature","id":"WEST","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:09:00Z"]},"geometry":{"type":"LineString","coordinates":[[-180.5,35.2,20000],[36.0,35.0,20500]]}},
      {"type":"Feature","id":"HIGH","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:09:00Z"]},"geometry":{"type":"LineString","coordinates":[[38.0,35.2,1e300],[36.0,35.0,-1e300]]}},
      {"type":"Feature","id":"D","properties":{"times":["2016-09-17T10:00:00Z","2016-09-17T10:09:00Z"],"rpz_nm":2},"geometry":{"type":"LineString","coordinates":[[38.0,35.2,20000],[96.0,35.0,20500]]}}
    ]}"#;
    let parsed = parse_plans(doc).map_err(|e| e.to_string());
    let Ok(parsed) = parsed else {
        panic!("{parsed:?}")
    };
    let minima = PlanMinima::default();
    let fast = plan_conflicts(&parsed.plans, &minima).map_err(|e| e.to_string());
    let reference = plan_conflicts_all_pairs(&parsed.plans, &minima).map_err(|e| e.to_string());
    assert_eq!(fast, reference);
    let rejected: Vec<Option<&str>> = parsed.errors.iter().map(|e| e.id.as_deref()).collect();
    assert_eq!(
        rejected,
        [Some("HUGE"), Some("WEST"), Some("HIGH")],
        "{:?}",
        parsed.errors
    );
    // B and D take off together from the same point: one conflict, at the start.
    assert!(
        matches!(fast.as_deref(), Ok([c]) if c.first_loss_s == c.min_time_s),
        "{fast:?}"
    );

    // The library entry points check the same contract as the parser.
    let huge = plan(
        "HUGE",
        vec![
            wp(35.2, 3e49, 20_000.0, 0.0),
            wp(35.0, 36.0, 20_500.0, 540.0),
        ],
    );
    let near = plan(
        "B",
        vec![
            wp(35.2, 38.0, 20_000.0, 0.0),
            wp(35.0, 36.0, 20_500.0, 540.0),
        ],
    );
    let plans = [near, huge];
    assert!(plan_conflicts(&plans, &minima).is_err());
    assert!(plan_conflicts_all_pairs(&plans, &minima).is_err());
}
