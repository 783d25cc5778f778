//! Restricted airspace volumes — polygon × floor/ceiling × time window — against flight plans
//! and extrapolated tracks.
//!
//! # Definition
//!
//! A volume is a polygon (an exterior ring and optional holes, longitude/latitude degrees),
//! an altitude band `[floor, ceiling]` in feet and an optional time window `[start, end]`.
//! A point is **inside** when it lies in the polygon *or on its boundary*, its altitude is
//! within the band *including its limits*, and the time is within the window *including its
//! ends*: a volume protects its boundary, so touching it counts (the opposite convention of
//! separation minima, where touching the minimum is still separated).
//!
//! Edges and legs are straight lines in the longitude/latitude plane (plate carrée), which is
//! exactly how [`crate::plan`] interpolates legs, so the crossing times are exact for that model:
//! each leg is intersected with every edge in closed form, the pieces between crossings are
//! classified by their midpoint, and the altitude band and window cut the result further.
//! Consecutive legs' intervals that touch are merged, so an entry/exit pair spans legs.
//!
//! Tracks are extrapolated for the look-ahead along a straight line in that same plane
//! (`lat(t) = φ + v_north·t/R_E`, `lon(t) = λ + v_east·t/(R_E·cos φ)`), which matches the
//! local flat frame of [`crate::track`] at the start and is adequate for a few minutes.
//!
//! # Edge cases
//!
//! - Antimeridian: the subject is shifted by whole turns so that it starts within 180° of the
//!   polygon's first vertex; a polygon may itself use longitudes beyond ±180° to cross it.
//! - Holes: even-odd rule over all rings, with every ring's boundary counted as inside.
//! - Poles: a track within 1e-9 of `cos φ = 0` keeps its longitude.

use crate::Error;
use crate::plan::{FlightPlan, Leg, validate_plan};
use crate::track::TrackState;
use crate::units::{EARTH_RADIUS_M, M_PER_FT, fpm_to_mps, kt_to_mps};

/// A restricted airspace volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    /// Identifier (zone id).
    pub id: String,
    /// Rings of `(lon_deg, lat_deg)`: the exterior first, then holes; closing vertex optional.
    pub rings: Vec<Vec<(f64, f64)>>,
    /// Floor, feet.
    pub floor_ft: f64,
    /// Ceiling, feet.
    pub ceiling_ft: f64,
    /// Start of the window, seconds since the epoch (`None`: always).
    pub start_s: Option<f64>,
    /// End of the window, seconds since the epoch (`None`: for ever).
    pub end_s: Option<f64>,
}

/// One stay inside a volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeCrossing {
    /// Index of the plan or track.
    pub subject: usize,
    /// Index of the volume.
    pub volume: usize,
    /// Entry time (seconds since the epoch for plans, seconds from now for tracks).
    pub entry_s: f64,
    /// Exit time.
    pub exit_s: f64,
    /// Leg at entry (plans; 0 for tracks).
    pub entry_leg: usize,
    /// Leg at exit.
    pub exit_leg: usize,
}

/// Checks a volume: a ring of three vertices or more, finite values, floor ≤ ceiling,
/// start ≤ end.
///
/// # Errors
/// [`Error::InvalidVolume`].
pub fn validate_volume(v: &Volume) -> Result<(), Error> {
    let fail = |reason: &str| {
        Err(Error::InvalidVolume {
            volume: v.id.clone(),
            reason: reason.to_owned(),
        })
    };
    if v.rings.first().is_none_or(|r| r.len() < 3) {
        return fail("the exterior ring needs at least three vertices");
    }
    if !v
        .rings
        .iter()
        .flatten()
        .all(|(x, y)| x.is_finite() && y.is_finite())
    {
        return fail("a vertex is not finite");
    }
    if !(v.floor_ft.is_finite() && v.ceiling_ft.is_finite() && v.floor_ft <= v.ceiling_ft) {
        return fail("floor and ceiling must be finite with floor ≤ ceiling");
    }
    match (v.start_s, v.end_s) {
        (Some(s), Some(e)) if !(s.is_finite() && e.is_finite() && s <= e) => {
            fail("the window must have start ≤ end")
        }
        (Some(s), _) | (_, Some(s)) if !s.is_finite() => fail("the window is not finite"),
        _ => Ok(()),
    }
}

/// Whether `(x, y)` is inside or on the boundary of the rings (even-odd rule).
#[must_use]
pub fn covers(rings: &[Vec<(f64, f64)>], x: f64, y: f64) -> bool {
    let mut inside = false;
    for ring in rings {
        let n = ring.len();
        for k in 0..n {
            let (x0, y0) = ring[k];
            let (x1, y1) = ring[(k + 1) % n];
            // On the edge: collinear and within its bounding box.
            let cross = (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0);
            if cross == 0.0
                && x >= x0.min(x1)
                && x <= x0.max(x1)
                && y >= y0.min(y1)
                && y <= y0.max(y1)
            {
                return true;
            }
            if (y0 > y) != (y1 > y) && x < x0 + (y - y0) * (x1 - x0) / (y1 - y0) {
                inside = !inside;
            }
        }
    }
    inside
}

/// Parameter intervals `[a, b] ⊂ [0, 1]` of the segment `p(τ) = p0 + τ·(p1 − p0)` that lie
/// inside the rings.
fn segment_inside(rings: &[Vec<(f64, f64)>], p0: (f64, f64), p1: (f64, f64)) -> Vec<(f64, f64)> {
    let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
    let mut cuts = vec![0.0, 1.0];
    for ring in rings {
        let n = ring.len();
        for k in 0..n {
            let (x0, y0) = ring[k];
            let (x1, y1) = ring[(k + 1) % n];
            let (ex, ey) = (x1 - x0, y1 - y0);
            let denom = dx * ey - dy * ex;
            if denom == 0.0 {
                continue; // parallel: any overlap is caught by the endpoint tests of other edges
            }
            let (wx, wy) = (x0 - p0.0, y0 - p0.1);
            let tau = (wx * ey - wy * ex) / denom;
            let along = (wx * dy - wy * dx) / denom;
            if (0.0..=1.0).contains(&tau) && (0.0..=1.0).contains(&along) {
                cuts.push(tau);
            }
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let at = |t: f64| (p0.0 + dx * t, p0.1 + dy * t);
    let mut out: Vec<(f64, f64)> = Vec::new();
    for w in cuts.windows(2) {
        let mid = at(0.5 * (w[0] + w[1]));
        if covers(rings, mid.0, mid.1) {
            match out.last_mut() {
                // Exact equality: the same cut value ends one piece and starts the next.
                #[allow(clippy::float_cmp, reason = "the same cut value, not a computed one")]
                Some(last) if last.1 == w[0] => last.1 = w[1],
                _ => out.push((w[0], w[1])),
            }
        }
    }
    // A segment that only touches the polygon at an isolated point.
    if out.is_empty() {
        for &c in &cuts {
            let p = at(c);
            if covers(rings, p.0, p.1) {
                out.push((c, c));
                break;
            }
        }
    }
    out
}

/// The time intervals during `[t0, t1]` in which a straight motion is inside the volume.
#[allow(clippy::too_many_arguments, reason = "one motion, spelled out")]
fn motion_inside(
    v: &Volume,
    t0: f64,
    t1: f64,
    lon0: f64,
    lat0: f64,
    lon1: f64,
    lat1: f64,
    alt0_ft: f64,
    alt1_ft: f64,
) -> Vec<(f64, f64)> {
    let first = v.rings[0][0].0;
    let shift = 360.0 * ((first - lon0) / 360.0).round();
    let pieces = segment_inside(&v.rings, (lon0 + shift, lat0), (lon1 + shift, lat1));
    let dur = t1 - t0;
    // Altitude band as a parameter interval.
    #[allow(
        clippy::float_cmp,
        reason = "a level motion is exactly level; any climb uses the division"
    )]
    let level = alt1_ft == alt0_ft;
    let (a_lo, a_hi) = if level {
        if (v.floor_ft..=v.ceiling_ft).contains(&alt0_ft) {
            (0.0, 1.0)
        } else {
            return Vec::new();
        }
    } else {
        let ta = (v.floor_ft - alt0_ft) / (alt1_ft - alt0_ft);
        let tb = (v.ceiling_ft - alt0_ft) / (alt1_ft - alt0_ft);
        (ta.min(tb), ta.max(tb))
    };
    let (w_lo, w_hi) = if dur > 0.0 {
        (
            v.start_s.map_or(f64::NEG_INFINITY, |s| (s - t0) / dur),
            v.end_s.map_or(f64::INFINITY, |e| (e - t0) / dur),
        )
    } else {
        (0.0, 1.0)
    };
    pieces
        .into_iter()
        .filter_map(|(a, b)| {
            let lo = a.max(a_lo).max(w_lo);
            let hi = b.min(a_hi).min(w_hi);
            (lo <= hi).then_some((t0 + dur * lo, t0 + dur * hi))
        })
        .collect()
}

/// Every stay of every plan inside every volume, by plan then volume then time.
///
/// ```
/// use jic_deconflict::plan::{FlightPlan, Waypoint};
/// use jic_deconflict::volume::{Volume, plan_volume_crossings};
/// // A box around Palmyra from the surface to FL200; a plan crossing it west to east at 10,000 ft.
/// let zone = Volume { id: "R-PALMYRA".into(), rings: vec![vec![(38.0, 34.4), (38.5, 34.4), (38.5, 34.7), (38.0, 34.7)]],
///                     floor_ft: 0.0, ceiling_ft: 20_000.0, start_s: None, end_s: None };
/// let wp = |lon_deg, time_s| Waypoint { lat_deg: 34.55, lon_deg, alt_ft: 10_000.0, time_s };
/// let plan = FlightPlan { id: "P1".into(), waypoints: vec![wp(37.5, 0.0), wp(39.0, 1500.0)], rpz_m: None, hpz_m: None };
/// let found = plan_volume_crossings(&[plan], &[zone])?;
/// assert_eq!(found.len(), 1);
/// assert!((found[0].entry_s - 500.0).abs() < 1e-6 && (found[0].exit_s - 1000.0).abs() < 1e-6);
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidPlan`] or [`Error::InvalidVolume`].
pub fn plan_volume_crossings(
    plans: &[FlightPlan],
    volumes: &[Volume],
) -> Result<Vec<VolumeCrossing>, Error> {
    volumes.iter().try_for_each(validate_volume)?;
    plans.iter().try_for_each(validate_plan)?;
    let mut out = Vec::new();
    for (p, plan) in plans.iter().enumerate() {
        for (vi, v) in volumes.iter().enumerate() {
            let mut current: Option<VolumeCrossing> = None;
            for (leg_index, w) in plan.waypoints.windows(2).enumerate() {
                let leg = Leg::from_waypoints(&w[0], &w[1]);
                let (a0, a1) = (leg.alt0_ft, leg.alt1_ft);
                for (entry_s, exit_s) in motion_inside(
                    v, leg.t0, leg.t1, leg.lon0, leg.lat0, leg.lon1, leg.lat1, a0, a1,
                ) {
                    match current.as_mut() {
                        // Consecutive legs share the waypoint's time exactly.
                        #[allow(
                            clippy::float_cmp,
                            reason = "the shared waypoint time, not a computed value"
                        )]
                        Some(c) if c.exit_s == entry_s => {
                            c.exit_s = exit_s;
                            c.exit_leg = leg_index;
                        }
                        _ => {
                            out.extend(current.take());
                            current = Some(VolumeCrossing {
                                subject: p,
                                volume: vi,
                                entry_s,
                                exit_s,
                                entry_leg: leg_index,
                                exit_leg: leg_index,
                            });
                        }
                    }
                }
            }
            out.extend(current);
        }
    }
    Ok(out)
}

/// Every track that is inside a volume during `[now_s, now_s + lookahead_s]`, extrapolated
/// in a straight line; times are seconds from `now_s`. The volumes' windows are in seconds
/// since the epoch, so `now_s` places the states in time.
///
/// # Errors
/// [`Error::InvalidVolume`] or [`Error::InvalidState`].
pub fn track_volume_crossings(
    states: &[TrackState],
    now_s: f64,
    lookahead_s: f64,
    volumes: &[Volume],
) -> Result<Vec<VolumeCrossing>, Error> {
    volumes.iter().try_for_each(validate_volume)?;
    let mut out = Vec::new();
    for (i, s) in states.iter().enumerate() {
        crate::track::validate_state(s)
            .map_err(|reason| Error::InvalidState { index: i, reason })?;
        let (sin, cos) = s.trk_deg.to_radians().sin_cos();
        let gs = kt_to_mps(s.gs_kt);
        let cos_lat = s.lat_deg.to_radians().cos();
        let dlat = (gs * cos * lookahead_s / EARTH_RADIUS_M).to_degrees();
        let dlon = if cos_lat.abs() < 1e-9 {
            0.0
        } else {
            (gs * sin * lookahead_s / (EARTH_RADIUS_M * cos_lat)).to_degrees()
        };
        let alt1 = s.alt_ft + fpm_to_mps(s.vs_fpm) * lookahead_s / M_PER_FT;
        for (vi, v) in volumes.iter().enumerate() {
            for (entry, exit) in motion_inside(
                v,
                now_s,
                now_s + lookahead_s,
                s.lon_deg,
                s.lat_deg,
                s.lon_deg + dlon,
                s.lat_deg + dlat,
                s.alt_ft,
                alt1,
            ) {
                out.push(VolumeCrossing {
                    subject: i,
                    volume: vi,
                    entry_s: entry - now_s,
                    exit_s: exit - now_s,
                    entry_leg: 0,
                    exit_leg: 0,
                });
            }
        }
    }
    Ok(out)
}
