//! Track conflict detection: hand-computed cases and the production detector against the
//! all-pairs reference on random traffic.

#![allow(
    clippy::float_cmp,
    reason = "exact equality is the point: same computation, same bits"
)]

use jic_deconflict::grid::{Detector, GridTuning, detect, detect_tuned};
use jic_deconflict::track::{
    Minima, MinimaSet, TrackConflict, TrackState, detect_all_pairs, pair_conflict,
};
use jic_deconflict::units::{EARTH_RADIUS_M, M_PER_FT, M_PER_NM, MPS_PER_KT};
use proptest::prelude::*;

const R5: f64 = 5.0 * M_PER_NM;

/// Degrees of longitude on the equator for a distance in metres.
fn deg(metres: f64) -> f64 {
    (metres / EARTH_RADIUS_M).to_degrees()
}

fn level(lat_deg: f64, lon_deg: f64, alt_ft: f64, gs_kt: f64, trk_deg: f64) -> TrackState {
    TrackState {
        lat_deg,
        lon_deg,
        alt_ft,
        gs_kt,
        trk_deg,
        vs_fpm: 0.0,
    }
}

/// Expected values `(tcpa, dcpa_m, tin, tout)`, or `None` for "no conflict".
type Expected = Option<(f64, f64, f64, f64)>;

fn check(name: &str, a: TrackState, b: TrackState, expected: Expected) {
    let m = Minima::default();
    let got = pair_conflict(&a, &b, &m, &m).unwrap_or_else(|e| panic!("{name}: {e}"));
    // The detectors must agree with the pair function, in both orders.
    let both = [a, b];
    let reference = detect_all_pairs(&both, &m.into()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let fast = detect(&both, &m.into()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(reference, fast, "{name}: production differs from reference");
    assert_eq!(
        reference.first().copied(),
        got,
        "{name}: reference differs from pair_conflict"
    );
    let swapped = pair_conflict(&b, &a, &m, &m).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        got.map(|c| (c.tcpa_s, c.dcpa_m, c.tin_s, c.tout_s)),
        swapped.map(|c| (c.tcpa_s, c.dcpa_m, c.tin_s, c.tout_s)),
        "{name}: order matters"
    );
    match (got, expected) {
        (None, None) => {}
        (Some(c), Some((tcpa, dcpa, tin, tout))) => {
            let close = |x: f64, y: f64| x == y || (x - y).abs() <= 1e-6 * y.abs().max(1.0);
            assert!(
                close(c.tcpa_s, tcpa),
                "{name}: tcpa {} expected {tcpa}",
                c.tcpa_s
            );
            assert!(
                close(c.dcpa_m, dcpa),
                "{name}: dcpa {} expected {dcpa}",
                c.dcpa_m
            );
            assert!(
                close(c.tin_s, tin),
                "{name}: tin {} expected {tin}",
                c.tin_s
            );
            assert!(
                close(c.tout_s, tout),
                "{name}: tout {} expected {tout}",
                c.tout_s
            );
        }
        (got, expected) => panic!("{name}: got {got:?}, expected {expected:?}"),
    }
}

#[test]
fn head_on() {
    // 20 nm apart on the equator, 400 kt each, closing at 800 kt.
    let d = 20.0 * M_PER_NM;
    let closing = 800.0 * MPS_PER_KT;
    check(
        "head-on",
        level(0.0, 0.0, 30_000.0, 400.0, 90.0),
        level(0.0, deg(d), 30_000.0, 400.0, 270.0),
        Some((d / closing, 0.0, (d - R5) / closing, (d + R5) / closing)),
    );
}

#[test]
fn crossing_at_right_angles() {
    // B 6 nm east of A; A flies north, B west, both 400 kt: relative speed s·√2 along (−1, 1)·s.
    let d = 6.0 * M_PER_NM;
    let s = 400.0 * MPS_PER_KT;
    let tcpa = d / (2.0 * s);
    let dcpa = d / 2.0_f64.sqrt();
    let half = (R5 * R5 - dcpa * dcpa).sqrt() / (s * 2.0_f64.sqrt());
    check(
        "crossing",
        level(0.0, 0.0, 20_000.0, 400.0, 0.0),
        level(0.0, deg(d), 20_000.0, 400.0, 270.0),
        Some((tcpa, dcpa, tcpa - half, tcpa + half)),
    );
    // 8 nm apart the same geometry misses: dcpa = 8/√2 nm > 5 nm.
    check(
        "crossing miss",
        level(0.0, 0.0, 20_000.0, 400.0, 0.0),
        level(0.0, deg(8.0 * M_PER_NM), 20_000.0, 400.0, 270.0),
        None,
    );
}

#[test]
fn overtaking() {
    // B 10 nm behind A on the same track, 100 kt faster.
    let d = 10.0 * M_PER_NM;
    let closing = 100.0 * MPS_PER_KT;
    check(
        "overtaking",
        level(deg(d), 0.0, 35_000.0, 400.0, 0.0),
        level(0.0, 0.0, 35_000.0, 500.0, 0.0),
        Some((d / closing, 0.0, (d - R5) / closing, (d + R5) / closing)),
    );
}

#[test]
fn climbing_through_a_level_aircraft() {
    // Side by side 3 nm apart at the same speed and track (zero relative horizontal speed:
    // inside horizontally for ever, tcpa = 0, dcpa = |d|); B climbs from 5000 ft below at
    // 2000 fpm and is within 1000 ft from 120 s to 180 s.
    let d = 3.0 * M_PER_NM;
    let a = level(0.0, 0.0, 30_000.0, 420.0, 0.0);
    let b = TrackState {
        lon_deg: deg(d),
        alt_ft: 25_000.0,
        vs_fpm: 2000.0,
        ..a
    };
    let vz = 2000.0 * M_PER_FT / 60.0;
    let dz = -5000.0 * M_PER_FT;
    let h = 1000.0 * M_PER_FT;
    check(
        "climbing",
        a,
        b,
        Some((0.0, d, (-h - dz) / vz, (h - dz) / vz)),
    );
    // Climbing at 500 fpm it only gets within 1000 ft after 480 s: beyond the look-ahead.
    check("slow climb", a, TrackState { vs_fpm: 500.0, ..b }, None);
}

#[test]
fn diverging_and_already_lost() {
    // Head-on geometry but already past each other and 20 nm apart: no conflict.
    check(
        "diverging",
        level(0.0, deg(20.0 * M_PER_NM), 30_000.0, 400.0, 90.0),
        level(0.0, 0.0, 30_000.0, 400.0, 270.0),
        None,
    );
    // 2 nm apart and diverging at 800 kt: lost now, regained after (5 − 2) nm / 800 kt.
    let d = 2.0 * M_PER_NM;
    let closing = 800.0 * MPS_PER_KT;
    check(
        "already lost",
        level(0.0, deg(d), 30_000.0, 400.0, 90.0),
        level(0.0, 0.0, 30_000.0, 400.0, 270.0),
        Some((-d / closing, 0.0, (-d - R5) / closing, (R5 - d) / closing)),
    );
}

#[test]
fn vertical_boundary_is_outside() {
    let a = level(34.0, 38.0, 30_000.0, 300.0, 10.0);
    check(
        "1000 ft apart",
        a,
        TrackState {
            alt_ft: 31_000.0,
            trk_deg: 190.0,
            ..a
        },
        None,
    );
    // Every pair of whole flight levels 1000 ft apart, where metres would round either way.
    for fl in 0..600 {
        let low = level(10.0, 10.0, f64::from(fl) * 100.0, 400.0, 0.0);
        check(
            "levels",
            low,
            TrackState {
                alt_ft: low.alt_ft + 1000.0,
                trk_deg: 180.0,
                ..low
            },
            None,
        );
    }
    let b = TrackState {
        alt_ft: 30_999.0,
        trk_deg: 190.0,
        ..a
    };
    let got = pair_conflict(&a, &b, &Minima::default(), &Minima::default());
    assert!(
        matches!(got, Ok(Some(c)) if c.tin_s < 0.0 && c.tout_s > 0.0 && c.dcpa_m == 0.0),
        "{got:?}"
    );
}

#[test]
fn formation_is_in_conflict_for_ever() {
    let a = level(36.0, 37.0, 15_000.0, 250.0, 45.0);
    let got = pair_conflict(
        &a,
        &TrackState {
            alt_ft: 15_200.0,
            ..a
        },
        &Minima::default(),
        &Minima::default(),
    );
    assert!(
        matches!(got, Ok(Some(c)) if c.tin_s == f64::NEG_INFINITY && c.tout_s == f64::INFINITY && c.tcpa_s == 0.0),
        "{got:?}"
    );
}

#[test]
fn antimeridian_matches_the_same_geometry_at_greenwich() {
    let shift = |s: TrackState, by: f64| TrackState {
        lon_deg: s.lon_deg + by,
        ..s
    };
    let a = level(10.0, -0.05, 33_000.0, 480.0, 80.0);
    let b = level(10.02, 0.05, 33_000.0, 460.0, 260.0);
    let m = Minima::default();
    let at_zero = pair_conflict(&a, &b, &m, &m).ok().flatten();
    let across = pair_conflict(&shift(a, 180.0), &shift(b, -180.0), &m, &m)
        .ok()
        .flatten();
    let (Some(x), Some(y)) = (at_zero, across) else {
        panic!("{at_zero:?} {across:?}")
    };
    for (p, q) in [
        (x.tcpa_s, y.tcpa_s),
        (x.dcpa_m, y.dcpa_m),
        (x.tin_s, y.tin_s),
        (x.tout_s, y.tout_s),
    ] {
        assert!((p - q).abs() < 1e-6 * p.abs().max(1.0), "{x:?} vs {y:?}");
    }
}

#[test]
fn per_aircraft_minima_use_the_pair_maximum() {
    // 7 nm apart and closing slowly: only a pair where one aircraft has an 8 nm zone conflicts.
    let a = level(0.0, 0.0, 10_000.0, 100.0, 90.0);
    let b = level(0.0, deg(7.0 * M_PER_NM), 10_000.0, 100.0, 90.0);
    let small = Minima::default();
    let large = Minima {
        rpz_m: 8.0 * M_PER_NM,
        ..small
    };
    assert_eq!(
        detect(&[a, b], &MinimaSet::PerAircraft(&[small, small]))
            .ok()
            .map(|v| v.len()),
        Some(0)
    );
    assert_eq!(
        detect(&[a, b], &MinimaSet::PerAircraft(&[small, large]))
            .ok()
            .map(|v| v.len()),
        Some(1)
    );
    assert!(detect(&[a, b], &MinimaSet::PerAircraft(&[small])).is_err());
}

#[test]
fn invalid_states_are_rejected() {
    let good = level(0.0, 0.0, 0.0, 0.0, 0.0);
    for bad in [
        TrackState {
            lat_deg: 91.0,
            ..good
        },
        TrackState {
            gs_kt: -1.0,
            ..good
        },
        TrackState {
            alt_ft: f64::NAN,
            ..good
        },
    ] {
        assert!(
            detect(&[good, bad], &Minima::default().into()).is_err(),
            "{bad:?}"
        );
    }
}

/// SplitMix64: a tiny deterministic generator so one proptest seed yields a whole scene.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A random scene: a dense cluster somewhere (Syria, the antimeridian, a pole, anywhere),
/// with flight levels, copies of positions and velocities, and a few outliers.
fn scene(seed: u64, place: u8, n: usize) -> (Vec<TrackState>, Vec<Minima>) {
    let mut rng = Rng(seed);
    let (clat, clon, spread) = match place {
        0 => (34.75, 39.0, 2.0),
        1 => (rng.range(-60.0, 60.0), 179.95, 0.6),
        2 => (rng.range(88.5, 90.0), rng.range(-180.0, 180.0), 1.0),
        3 => (-89.9, 0.0, 0.3),
        4 => (rng.range(-80.0, 80.0), rng.range(-180.0, 180.0), 0.2),
        _ => (rng.range(-70.0, 70.0), rng.range(-180.0, 180.0), 5.0),
    };
    let mut states: Vec<TrackState> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = TrackState {
            lat_deg: (clat + rng.range(-spread, spread)).clamp(-90.0, 90.0),
            lon_deg: clon + rng.range(-spread, spread) * 2.0,
            alt_ft: if rng.chance(0.7) {
                1000.0 * rng.range(0.0, 12.0).floor() + 20_000.0
            } else {
                rng.range(0.0, 45_000.0)
            },
            gs_kt: if rng.chance(0.1) {
                0.0
            } else {
                rng.range(80.0, 600.0)
            },
            trk_deg: rng.range(0.0, 360.0),
            vs_fpm: if rng.chance(0.6) {
                0.0
            } else {
                rng.range(-4000.0, 4000.0)
            },
        };
        if let Some(prev) = states.last().copied() {
            if rng.chance(0.1) {
                // Identical position (and sometimes identical everything).
                s.lat_deg = prev.lat_deg;
                s.lon_deg = prev.lon_deg;
                if rng.chance(0.5) {
                    s = prev;
                }
            } else if rng.chance(0.1) {
                // Zero relative speed: same velocity, nearby.
                s.gs_kt = prev.gs_kt;
                s.trk_deg = prev.trk_deg + if rng.chance(0.5) { 360.0 } else { 0.0 };
                s.vs_fpm = prev.vs_fpm;
            } else if rng.chance(0.1) {
                // Exactly at the vertical minimum, level.
                s.alt_ft = prev.alt_ft + 1000.0;
                s.vs_fpm = 0.0;
            }
        }
        if rng.chance(0.01) {
            s.gs_kt = 20_000.0; // an outlier that makes the grid fall back to direct tests
        }
        // Into [−180, 180]; exactly ±180 sometimes, to exercise the wrap's edge.
        if s.lon_deg > 180.0 {
            s.lon_deg -= 360.0;
        } else if s.lon_deg < -180.0 {
            s.lon_deg += 360.0;
        }
        if rng.chance(0.01) {
            s.lon_deg = if rng.chance(0.5) { 180.0 } else { -180.0 };
        }
        states.push(s);
    }
    let minima = (0..n)
        .map(|_| Minima {
            rpz_m: M_PER_NM * [5.0, 3.0, 10.0][(rng.next() % 3) as usize],
            hpz_m: M_PER_FT * [1000.0, 500.0, 2000.0][(rng.next() % 3) as usize],
            lookahead_s: [300.0, 120.0, 600.0, 0.0][(rng.next() % 4) as usize],
        })
        .collect();
    (states, minima)
}

fn assert_same(reference: &[TrackConflict], fast: &[TrackConflict]) {
    let pairs = |v: &[TrackConflict]| v.iter().map(|c| (c.first, c.second)).collect::<Vec<_>>();
    assert_eq!(pairs(reference), pairs(fast), "pair sets differ");
    for (r, f) in reference.iter().zip(fast) {
        for (x, y) in [
            (r.tcpa_s, f.tcpa_s),
            (r.dcpa_m, f.dcpa_m),
            (r.tin_s, f.tin_s),
            (r.tout_s, f.tout_s),
        ] {
            assert!(
                x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                "{r:?} vs {f:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, .. ProptestConfig::default() })]

    #[test]
    fn production_equals_reference(seed in any::<u64>(), place in 0u8..6, n in 2usize..160, per_aircraft in any::<bool>(),
                                   slices in 1usize..9, cell_factor in 0.2f64..3.0, threads in 1usize..4, adaptive in any::<bool>()) {
        let (states, minima) = scene(seed, place, n);
        let set = if per_aircraft { MinimaSet::PerAircraft(&minima) } else { MinimaSet::Uniform(Minima::default()) };
        let reference = detect_all_pairs(&states, &set).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let fast = detect_tuned(&states, &set, &GridTuning { slices, cell_factor, threads, adaptive }).map_err(|e| TestCaseError::fail(e.to_string()))?;
        assert_same(&reference, &fast);
        let default = detect(&states, &set).map_err(|e| TestCaseError::fail(e.to_string()))?;
        assert_same(&reference, &default);
    }
}

#[test]
fn dense_scene_uses_threads_and_matches() {
    // Large enough that the grid splits its buckets over threads.
    let (states, _) = scene(7, 0, 3000);
    let set = MinimaSet::Uniform(Minima::default());
    let reference = detect_all_pairs(&states, &set).unwrap_or_default();
    assert!(!reference.is_empty());
    for threads in [1, 2, 3] {
        let fast = detect_tuned(
            &states,
            &set,
            &GridTuning {
                threads,
                ..GridTuning::default()
            },
        )
        .unwrap_or_default();
        assert_same(&reference, &fast);
    }
}

#[test]
fn random_scenes_contain_conflicts() {
    // Guards the property test against vacuity: its scenes must contain conflicts of every kind.
    let mut total = 0;
    let mut infinite = 0;
    let mut already = 0;
    for place in 0..6 {
        for seed in 0..20 {
            let (states, _) = scene(seed, place, 150);
            let found = detect_all_pairs(&states, &MinimaSet::Uniform(Minima::default()))
                .unwrap_or_default();
            total += found.len();
            infinite += found.iter().filter(|c| c.tout_s.is_infinite()).count();
            already += found.iter().filter(|c| c.tin_s < 0.0).count();
        }
    }
    assert!(
        total > 500 && infinite > 10 && already > 50,
        "{total} {infinite} {already}"
    );
}

/// A scene of pairs placed exactly at the vertical boundary: on whole flight levels 1000 ft
/// apart (level: never a conflict), or converging vertically so that the gap reaches exactly
/// 1000 ft at, just before or just after the look-ahead, or passes exactly through it; and pairs
/// whose closest approach is about the horizontal minimum. Horizontally the partners are close
/// and slow, so the vertical boundary decides.
fn boundary_scene(seed: u64, n_pairs: usize) -> Vec<TrackState> {
    let mut rng = Rng(seed);
    let lookahead = Minima::default().lookahead_s;
    let mut states = Vec::with_capacity(2 * n_pairs);
    let (clat, clon) = (rng.range(-60.0, 60.0), rng.range(-180.0, 180.0));
    for _ in 0..n_pairs {
        let level = 100.0 * (rng.next() % 450) as f64;
        let a = TrackState {
            lat_deg: clat + rng.range(-0.3, 0.3),
            lon_deg: wrap(clon + rng.range(-0.3, 0.3)),
            alt_ft: level,
            gs_kt: rng.range(0.0, 500.0),
            trk_deg: rng.range(0.0, 360.0),
            vs_fpm: if rng.chance(0.5) {
                0.0
            } else {
                rng.range(-3000.0, 3000.0)
            },
        };
        // The partner: nearly the same place and velocity (so the horizontal test passes for a
        // long time), offset vertically.
        let mut b = TrackState {
            lat_deg: a.lat_deg + rng.range(-0.01, 0.01),
            lon_deg: wrap(a.lon_deg + rng.range(-0.01, 0.01)),
            gs_kt: a.gs_kt + rng.range(-5.0, 5.0).max(-a.gs_kt),
            trk_deg: a.trk_deg + rng.range(-2.0, 2.0),
            ..a
        };
        let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
        match rng.next() % 4 {
            // Exactly 1000 ft apart, same vertical speed.
            0 => b.alt_ft = a.alt_ft + sign * 1000.0,
            // Extra gap closed at a rate that reaches 1000 ft at (about) the look-ahead.
            1 | 2 => {
                let extra = 100.0 * (1 + rng.next() % 50) as f64;
                let fudge = [1.0, 1.0 + 1e-12, 1.0 - 1e-12, 1.0 + 1e-6, 1.0 - 1e-6]
                    [(rng.next() % 5) as usize];
                b.alt_ft = a.alt_ft + sign * (1000.0 + extra);
                b.vs_fpm = a.vs_fpm - sign * extra / lookahead * 60.0 * fudge;
            }
            // Passing through the other's level, leaving the band exactly at t = 0.
            _ => {
                b.alt_ft = a.alt_ft + sign * 1000.0;
                b.vs_fpm = a.vs_fpm + sign * rng.range(100.0, 3000.0);
            }
        }
        if rng.chance(0.2) {
            // About the horizontal minimum apart, along a meridian, no relative motion.
            b.lat_deg = (a.lat_deg + (5.0 * M_PER_NM / EARTH_RADIUS_M).to_degrees()).min(90.0);
            b.lon_deg = a.lon_deg;
            b.gs_kt = a.gs_kt;
            b.trk_deg = a.trk_deg;
        }
        states.push(a);
        states.push(b);
    }
    states
}

fn wrap(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn production_equals_reference_at_the_boundaries(seed in any::<u64>(), n_pairs in 1usize..80,
                                                      slices in 0usize..6, cell_factor in 0.3f64..3.0, adaptive in any::<bool>()) {
        let states = boundary_scene(seed, n_pairs);
        let set = MinimaSet::Uniform(Minima::default());
        let reference = detect_all_pairs(&states, &set).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let fast = detect_tuned(&states, &set, &GridTuning { slices, cell_factor, threads: 1, adaptive }).map_err(|e| TestCaseError::fail(e.to_string()))?;
        assert_same(&reference, &fast);
    }
}

#[test]
fn boundary_scenes_hit_both_sides_of_the_boundary() {
    // Guards the boundary property test against vacuity: among partner pairs, some conflict and
    // some, exactly 1000 ft apart or reaching it only at the look-ahead, do not.
    let (mut partners_in_conflict, mut partners_clear) = (0, 0);
    for seed in 0..40 {
        let states = boundary_scene(seed, 40);
        let found =
            detect_all_pairs(&states, &MinimaSet::Uniform(Minima::default())).unwrap_or_default();
        let partners = found
            .iter()
            .filter(|c| c.first % 2 == 0 && c.second == c.first + 1)
            .count();
        partners_in_conflict += partners;
        partners_clear += 40 - partners;
    }
    assert!(
        partners_in_conflict > 200 && partners_clear > 200,
        "{partners_in_conflict} {partners_clear}"
    );
}

#[test]
fn threads_and_slices_match_the_reference() {
    // Every way of sharing the work: slices over threads, and one slice split by cell hash.
    let (states, minima) = scene(11, 0, 2500);
    for set in [
        MinimaSet::Uniform(Minima::default()),
        MinimaSet::PerAircraft(&minima),
    ] {
        let reference = detect_all_pairs(&states, &set).unwrap_or_default();
        assert!(!reference.is_empty());
        for (slices, threads) in [(1, 2), (1, 3), (2, 3), (3, 2), (0, 2), (5, 4)] {
            let fast = detect_tuned(
                &states,
                &set,
                &GridTuning {
                    slices,
                    threads,
                    ..GridTuning::default()
                },
            )
            .unwrap_or_default();
            assert_same(&reference, &fast);
        }
    }
}

#[test]
fn a_reused_detector_gives_each_cycle_its_own_answer() {
    // Buffers kept between cycles must not leak one cycle's traffic into the next: alternate
    // scenes of different sizes and places on one detector.
    let mut detector = Detector::new(GridTuning::default());
    for (seed, place, n) in [
        (1, 0, 2400),
        (2, 1, 40),
        (3, 5, 2100),
        (4, 2, 150),
        (1, 0, 2400),
    ] {
        let (states, _) = scene(seed, place, n);
        let set = MinimaSet::Uniform(Minima::default());
        let reference = detect_all_pairs(&states, &set).unwrap_or_default();
        let fast = detector.detect(&states, &set).unwrap_or_default();
        assert_same(&reference, &fast);
    }
    let empty: Vec<TrackConflict> = Vec::new();
    assert_eq!(
        detector
            .detect(&[], &Minima::default().into())
            .unwrap_or_default(),
        empty
    );
}
