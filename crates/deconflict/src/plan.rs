//! 4D flight plans and plan-vs-plan conflicts, exact per leg pair.
//!
//! # Definition
//!
//! A flight plan is an ordered list of waypoints `(lat, lon, alt_ft, time)` with strictly
//! increasing times; between waypoints the aircraft moves linearly in latitude, longitude
//! (the short way round, so a leg from 179°E to 179°W crosses the antimeridian) and altitude.
//! It is airborne from its first to its last waypoint time.
//!
//! Two plans are in **loss of separation** at an instant when both are airborne, their
//! horizontal distance is `< R` and their vertical distance `< H` (strict, as for tracks;
//! `R`, `H` are the pair maxima of the plans' own minima or the defaults). For each pair of
//! plans that loses separation at least once we report the first loss time, the end of the
//! last loss, the minimum horizontal separation while separation is lost (with the vertical
//! separation, the time and the midpoint position at that instant) and the legs involved.
//!
//! # Exact geometry, and the flat frame per leg pair
//!
//! The common airborne time of two plans splits into intervals on which each flies one leg.
//! On such an interval `[s, e]` both move linearly in latitude and longitude, so in one flat
//! frame the relative motion is exactly linear. The frame of an interval is centred on the
//! mean latitude `φ̄` of the four positions (both aircraft at `s` and at `e`):
//! `dx = R_E·Δλ·cos φ̄`, `dy = R_E·Δφ`, with `Δλ` wrapped to [−180°, 180°) at `s` and then
//! followed continuously. In that frame the horizontal distance is `|P₀ + V·τ|` and the vertical
//! `|Z₀ + W·τ|`, `τ ∈ [0, e − s]`, so the loss interval is the intersection of two open
//! intervals found in closed form (a quadratic and a linear inequality), and the minimum
//! separation within it is the clamped closest approach. No time sampling.
//!
//! # Edge cases
//!
//! - Boundaries are outside (strict inequalities); an interval of zero length (one plan lands
//!   when the other takes off) is one instant and counts if separation is lost at it.
//! - Zero relative speed (below 1e-6 m/s): the separation is constant on the interval.
//! - Antimeridian: handled by the wrap above. Poles: the frame's `cos φ̄` shrinks longitude
//!   differences, as for tracks; a leg through a pole is not meaningful in latitude/longitude
//!   interpolation and is the filer's responsibility.
//!
//! # Pruning
//!
//! [`plan_conflicts`] sweeps legs in time order and tests only leg pairs whose time spans
//! overlap and whose latitude, longitude and altitude boxes come within `R_max`, `H_max`
//! (longitude through `cos` of the larger absolute latitude of the two legs, which bounds
//! `cos φ̄` from below; near a pole the longitude test is skipped). These are necessary
//! conditions, so the answer equals [`plan_conflicts_all_pairs`], which the tests check.
//!
//! The proof needs the inputs [`validate_plan`] enforces, and both entry points check them
//! first: longitudes in [−180°, 180°], so a leg's unwrapped end is within 360° of its start
//! and its box, the grid columns and the wrapped difference of the exact test all describe the
//! same place on the circle (a longitude such as 3e49°, whose ulp is ~4e33°, put a leg in one
//! column for the boxes and at an unrelated longitude for the exact test, which then reported
//! conflicts the sweep could not see); and |altitude| ≤ [`MAX_ABS_ALT_FT`], so altitude
//! differences stay finite and the vertical box test and the exact vertical test agree.

use crate::Error;
use crate::track::ZERO_RELATIVE_SPEED_MPS;
use crate::units::{EARTH_RADIUS_M, M_PER_FT, M_PER_NM, wrap_lon_deg};

/// One waypoint of a flight plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waypoint {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Time, seconds since the Unix epoch (UTC).
    pub time_s: f64,
}

/// A 4D flight plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightPlan {
    /// Identifier (call sign or operation id).
    pub id: String,
    /// At least two waypoints, times strictly increasing.
    pub waypoints: Vec<Waypoint>,
    /// Own horizontal minimum, metres (default: [`PlanMinima::rpz_m`]).
    pub rpz_m: Option<f64>,
    /// Own vertical minimum, metres (default: [`PlanMinima::hpz_m`]).
    pub hpz_m: Option<f64>,
}

/// Default separation minima for plans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanMinima {
    /// Horizontal, metres.
    pub rpz_m: f64,
    /// Vertical, metres.
    pub hpz_m: f64,
}

impl Default for PlanMinima {
    /// 5 nm, 1000 ft.
    fn default() -> Self {
        Self {
            rpz_m: 5.0 * M_PER_NM,
            hpz_m: 1000.0 * M_PER_FT,
        }
    }
}

/// A loss of separation between two plans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanConflict {
    /// Index of the first plan (smaller index).
    pub first: usize,
    /// Index of the second plan.
    pub second: usize,
    /// When separation is first lost, seconds since the epoch.
    pub first_loss_s: f64,
    /// When the last loss of separation ends, seconds since the epoch.
    pub last_loss_end_s: f64,
    /// Legs (0-based, leg `k` runs from waypoint `k` to `k + 1`) flown at the first loss.
    pub first_loss_legs: (usize, usize),
    /// Minimum horizontal separation while separation is lost, metres.
    pub min_horizontal_m: f64,
    /// Vertical separation at that instant, metres.
    pub vertical_at_min_m: f64,
    /// When the minimum occurs, seconds since the epoch.
    pub min_time_s: f64,
    /// Midpoint of the two aircraft at the minimum, `(lat_deg, lon_deg)`.
    pub min_position: (f64, f64),
    /// Legs flown at the minimum.
    pub min_legs: (usize, usize),
}

/// The largest absolute waypoint altitude a plan may give, feet.
pub const MAX_ABS_ALT_FT: f64 = 1e6;

/// Checks a plan: two waypoints or more, finite values, latitude in [−90, 90], longitude in
/// [−180, 180], |altitude| ≤ 1e6 ft, times strictly increasing, minima positive (≤ 1e7 m).
///
/// # Errors
/// [`Error::InvalidPlan`] naming the plan and the problem.
pub fn validate_plan(plan: &FlightPlan) -> Result<(), Error> {
    let fail = |reason: String| {
        Err(Error::InvalidPlan {
            plan: plan.id.clone(),
            reason,
        })
    };
    if plan.waypoints.len() < 2 {
        return fail(format!(
            "{} waypoint(s); a plan needs at least two",
            plan.waypoints.len()
        ));
    }
    for (k, w) in plan.waypoints.iter().enumerate() {
        if ![w.lat_deg, w.lon_deg, w.alt_ft, w.time_s]
            .iter()
            .all(|v| v.is_finite())
        {
            return fail(format!("waypoint {k} has a non-finite value"));
        }
        if !(-90.0..=90.0).contains(&w.lat_deg) {
            return fail(format!(
                "waypoint {k}: latitude {} outside [-90, 90]",
                w.lat_deg
            ));
        }
        // Both bounds carry the pruning proof in the module docs: the legs' unwrapped
        // longitude boxes and the exact test's wrapped difference agree only while a longitude
        // is a few turns at most (at 3e49°, one ulp is ~4e33°), and altitude differences must
        // stay finite for the vertical test.
        if !(-180.0..=180.0).contains(&w.lon_deg) {
            return fail(format!(
                "waypoint {k}: longitude {} outside [-180, 180]",
                w.lon_deg
            ));
        }
        if !(w.alt_ft.abs() <= MAX_ABS_ALT_FT) {
            return fail(format!(
                "waypoint {k}: altitude {} ft beyond ±{MAX_ABS_ALT_FT} ft",
                w.alt_ft
            ));
        }
        if k > 0 && w.time_s <= plan.waypoints[k - 1].time_s {
            return fail(format!("waypoint {k}: time does not increase"));
        }
    }
    for (name, v) in [("rpz", plan.rpz_m), ("hpz", plan.hpz_m)] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0 && v <= crate::track::MAX_RPZ_M)
        {
            return fail(format!(
                "{name} {v} must be finite, positive and at most {}",
                crate::track::MAX_RPZ_M
            ));
        }
    }
    Ok(())
}

/// One leg in a form ready for the pair geometry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Leg {
    pub(crate) t0: f64,
    pub(crate) t1: f64,
    pub(crate) lat0: f64,
    pub(crate) lat1: f64,
    /// Start longitude and end longitude taken the short way (may leave [−180, 180]).
    pub(crate) lon0: f64,
    pub(crate) lon1: f64,
    /// Altitudes in feet: differences are taken in feet and then converted, so that whole-foot
    /// separations compare exactly with a minimum given in feet.
    pub(crate) alt0_ft: f64,
    pub(crate) alt1_ft: f64,
}

impl Leg {
    pub(crate) fn from_waypoints(a: &Waypoint, b: &Waypoint) -> Self {
        Self {
            t0: a.time_s,
            t1: b.time_s,
            lat0: a.lat_deg,
            lat1: b.lat_deg,
            lon0: a.lon_deg,
            lon1: a.lon_deg + wrap_lon_deg(b.lon_deg - a.lon_deg),
            alt0_ft: a.alt_ft,
            alt1_ft: b.alt_ft,
        }
    }

    /// Latitude, longitude (unwrapped) and altitude (feet) at time `t` within the leg.
    pub(crate) fn at(&self, t: f64) -> (f64, f64, f64) {
        let f = (t - self.t0) / (self.t1 - self.t0);
        (
            self.lat0 + (self.lat1 - self.lat0) * f,
            self.lon0 + (self.lon1 - self.lon0) * f,
            self.alt0_ft + (self.alt1_ft - self.alt0_ft) * f,
        )
    }
}

fn legs_of(plan: &FlightPlan) -> impl Iterator<Item = Leg> + '_ {
    plan.waypoints
        .windows(2)
        .map(|w| Leg::from_waypoints(&w[0], &w[1]))
}

/// The loss of separation of two legs over their common time, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LegLoss {
    pub(crate) start_s: f64,
    pub(crate) end_s: f64,
    pub(crate) min_horizontal_m: f64,
    pub(crate) vertical_at_min_m: f64,
    pub(crate) min_time_s: f64,
    pub(crate) min_position: (f64, f64),
}

/// Exact loss of separation between two legs over their common time (see the module docs).
pub(crate) fn leg_pair_loss(a: &Leg, b: &Leg, r: f64, h: f64) -> Option<LegLoss> {
    let s = a.t0.max(b.t0);
    let e = a.t1.min(b.t1);
    if !(s <= e) {
        return None;
    }
    let len = e - s;
    let (alat_s, alon_s, aalt_s) = a.at(s);
    let (blat_s, blon_s, balt_s) = b.at(s);
    let (alat_e, alon_e, aalt_e) = a.at(e);
    let (blat_e, blon_e, balt_e) = b.at(e);
    let mean_lat = 0.25 * (alat_s + blat_s + alat_e + blat_e);
    let c = mean_lat.to_radians().cos();
    let dlon_s = wrap_lon_deg(blon_s - alon_s);
    let dlon_e = dlon_s + ((blon_e - blon_s) - (alon_e - alon_s));
    let p0 = (
        EARTH_RADIUS_M * dlon_s.to_radians() * c,
        EARTH_RADIUS_M * (blat_s - alat_s).to_radians(),
    );
    let p1 = (
        EARTH_RADIUS_M * dlon_e.to_radians() * c,
        EARTH_RADIUS_M * (blat_e - alat_e).to_radians(),
    );
    let z0 = (balt_s - aalt_s) * M_PER_FT;
    let z1 = (balt_e - aalt_e) * M_PER_FT;
    let (v, w) = if len > 0.0 {
        (((p1.0 - p0.0) / len, (p1.1 - p0.1) / len), (z1 - z0) / len)
    } else {
        ((0.0, 0.0), 0.0)
    };

    // Vertical: |z0 + w·τ| < h.
    let (lo_v, hi_v) = if w.abs() < ZERO_RELATIVE_SPEED_MPS {
        if z0.abs() < h {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            return None;
        }
    } else {
        let (t1, t2) = ((-h - z0) / w, (h - z0) / w);
        (t1.min(t2), t1.max(t2))
    };
    // Horizontal: |p0 + v·τ| < r.
    let v2 = v.0 * v.0 + v.1 * v.1;
    let (lo_h, hi_h, tc) = if v2 < ZERO_RELATIVE_SPEED_MPS * ZERO_RELATIVE_SPEED_MPS {
        if p0.0.hypot(p0.1) < r {
            (f64::NEG_INFINITY, f64::INFINITY, 0.0)
        } else {
            return None;
        }
    } else {
        let tc = -(p0.0 * v.0 + p0.1 * v.1) / v2;
        let (cx, cy) = (p0.0 + v.0 * tc, p0.1 + v.1 * tc);
        let dmin2 = cx * cx + cy * cy;
        if !(dmin2 < r * r) {
            return None;
        }
        let half = (r * r - dmin2).sqrt() / v2.sqrt();
        (tc - half, tc + half, tc)
    };
    let lo = lo_h.max(lo_v);
    let hi = hi_h.min(hi_v);
    if !(lo < hi && hi > 0.0 && lo < len) {
        return None;
    }
    let (from, to) = (lo.max(0.0), hi.min(len));
    let tau = tc.clamp(from, to);
    let (hx, hy) = (p0.0 + v.0 * tau, p0.1 + v.1 * tau);
    let t_min = s + tau;
    let (alat, alon, _) = a.at(t_min);
    let (blat, blon, _) = b.at(t_min);
    let mid_lon = alon + 0.5 * wrap_lon_deg(blon - alon);
    Some(LegLoss {
        start_s: s + from,
        end_s: s + to,
        min_horizontal_m: hx.hypot(hy),
        vertical_at_min_m: (z0 + w * tau).abs(),
        min_time_s: t_min,
        min_position: (0.5 * (alat + blat), wrap_lon_deg(mid_lon)),
    })
}

/// Folds one leg-pair loss into the plan pair's conflict. Ties keep the earlier legs, so the
/// result does not depend on the order in which leg pairs are visited.
fn merge(
    into: &mut Option<PlanConflict>,
    first: usize,
    second: usize,
    legs: (usize, usize),
    loss: &LegLoss,
) {
    let fresh = PlanConflict {
        first,
        second,
        first_loss_s: loss.start_s,
        last_loss_end_s: loss.end_s,
        first_loss_legs: legs,
        min_horizontal_m: loss.min_horizontal_m,
        vertical_at_min_m: loss.vertical_at_min_m,
        min_time_s: loss.min_time_s,
        min_position: loss.min_position,
        min_legs: legs,
    };
    let Some(c) = into else {
        *into = Some(fresh);
        return;
    };
    if (loss.start_s, legs) < (c.first_loss_s, c.first_loss_legs) {
        c.first_loss_s = loss.start_s;
        c.first_loss_legs = legs;
    }
    c.last_loss_end_s = c.last_loss_end_s.max(loss.end_s);
    if (loss.min_horizontal_m, loss.min_time_s, legs)
        < (c.min_horizontal_m, c.min_time_s, c.min_legs)
    {
        c.min_horizontal_m = loss.min_horizontal_m;
        c.vertical_at_min_m = loss.vertical_at_min_m;
        c.min_time_s = loss.min_time_s;
        c.min_position = loss.min_position;
        c.min_legs = legs;
    }
}

fn pair_minima(plans: &[FlightPlan], i: usize, j: usize, d: &PlanMinima) -> (f64, f64) {
    let r = plans[i]
        .rpz_m
        .unwrap_or(d.rpz_m)
        .max(plans[j].rpz_m.unwrap_or(d.rpz_m));
    let h = plans[i]
        .hpz_m
        .unwrap_or(d.hpz_m)
        .max(plans[j].hpz_m.unwrap_or(d.hpz_m));
    (r, h)
}

fn validate_all(plans: &[FlightPlan], minima: &PlanMinima) -> Result<(), Error> {
    if !(minima.rpz_m.is_finite()
        && minima.rpz_m > 0.0
        && minima.hpz_m.is_finite()
        && minima.hpz_m > 0.0)
    {
        return Err(Error::InvalidMinima(format!(
            "rpz {} m, hpz {} m",
            minima.rpz_m, minima.hpz_m
        )));
    }
    plans.iter().try_for_each(validate_plan)
}

/// The reference: every pair of plans, every pair of legs. O(P²·L²).
///
/// # Errors
/// [`Error::InvalidPlan`] or [`Error::InvalidMinima`].
pub fn plan_conflicts_all_pairs(
    plans: &[FlightPlan],
    minima: &PlanMinima,
) -> Result<Vec<PlanConflict>, Error> {
    validate_all(plans, minima)?;
    let mut out = Vec::new();
    for i in 0..plans.len() {
        for j in i + 1..plans.len() {
            let (r, h) = pair_minima(plans, i, j, minima);
            let mut found = None;
            for (la, a) in legs_of(&plans[i]).enumerate() {
                for (lb, b) in legs_of(&plans[j]).enumerate() {
                    if let Some(loss) = leg_pair_loss(&a, &b, r, h) {
                        merge(&mut found, i, j, (la, lb), &loss);
                    }
                }
            }
            out.extend(found);
        }
    }
    Ok(out)
}

/// A leg with its plan, index and pruning box.
#[derive(Debug, Clone, Copy)]
struct IndexedLeg {
    plan: usize,
    index: usize,
    leg: Leg,
    lat_lo: f64,
    lat_hi: f64,
    /// Longitude box in degrees, unwrapped (`lon_lo ≤ lon_hi`).
    lon_lo: f64,
    lon_hi: f64,
    alt_lo: f64,
    alt_hi: f64,
    /// `cos` of the largest absolute latitude on the leg.
    cos_max_lat: f64,
}

/// All plan-vs-plan conflicts, ordered by `(first, second)`; equal to
/// [`plan_conflicts_all_pairs`] but with a time sweep and boxes in front of the exact test.
///
/// ```
/// use jic_deconflict::plan::{FlightPlan, PlanMinima, Waypoint, plan_conflicts};
/// // Two plans crossing over Palmyra at FL250 within the same minute.
/// let wp = |lat_deg, lon_deg, time_s| Waypoint { lat_deg, lon_deg, alt_ft: 25_000.0, time_s };
/// let east = FlightPlan { id: "E".into(), waypoints: vec![wp(34.55, 37.77, 0.0), wp(34.55, 38.77, 400.0)], rpz_m: None, hpz_m: None };
/// let north = FlightPlan { id: "N".into(), waypoints: vec![wp(34.05, 38.27, 0.0), wp(35.05, 38.27, 400.0)], rpz_m: None, hpz_m: None };
/// let found = plan_conflicts(&[east, north], &PlanMinima::default())?;
/// assert_eq!(found.len(), 1);
/// assert!(found[0].min_horizontal_m < 1000.0);
/// assert!((found[0].min_time_s - 200.0).abs() < 5.0);
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidPlan`] or [`Error::InvalidMinima`].
pub fn plan_conflicts(
    plans: &[FlightPlan],
    minima: &PlanMinima,
) -> Result<Vec<PlanConflict>, Error> {
    validate_all(plans, minima)?;
    let r_max = plans
        .iter()
        .filter_map(|p| p.rpz_m)
        .fold(minima.rpz_m, f64::max)
        * (1.0 + 1e-9)
        + 1e-3;
    let h_max = plans
        .iter()
        .filter_map(|p| p.hpz_m)
        .fold(minima.hpz_m, f64::max)
        * (1.0 + 1e-9)
        + 1e-3;
    let lat_pad = (r_max / EARTH_RADIUS_M).to_degrees();

    let mut legs: Vec<IndexedLeg> = Vec::new();
    for (p, plan) in plans.iter().enumerate() {
        for (index, leg) in legs_of(plan).enumerate() {
            let max_abs_lat = leg.lat0.abs().max(leg.lat1.abs());
            legs.push(IndexedLeg {
                plan: p,
                index,
                leg,
                lat_lo: leg.lat0.min(leg.lat1),
                lat_hi: leg.lat0.max(leg.lat1),
                lon_lo: leg.lon0.min(leg.lon1),
                lon_hi: leg.lon0.max(leg.lon1),
                alt_lo: leg.alt0_ft.min(leg.alt1_ft) * M_PER_FT,
                alt_hi: leg.alt0_ft.max(leg.alt1_ft) * M_PER_FT,
                cos_max_lat: max_abs_lat.to_radians().cos(),
            });
        }
    }
    legs.sort_by(|a, b| a.leg.t0.total_cmp(&b.leg.t0));

    // Spread the legs over a latitude/longitude grid (each leg in every cell its widened box
    // touches; legs keep their time order within a cell) and sweep each cell in time. A pair
    // sharing several cells is tested only in the first of them.
    let cell_deg = (median_extent(&legs) + lat_pad).max(0.05);
    let nlon = ((360.0 / cell_deg).floor() as u32).clamp(1, 1 << 16);
    let lon_cell = 360.0 / f64::from(nlon);
    let cells: Vec<LegCells> = legs
        .iter()
        .map(|l| leg_cells(l, lat_pad, r_max, cell_deg, lon_cell, nlon))
        .collect();
    let mut by_cell: Vec<(u64, u32)> = Vec::new();
    for (k, c) in cells.iter().enumerate() {
        for y in c.y0..=c.y1 {
            for dx in 0..c.x_count {
                let x = (c.x_start + dx) % nlon;
                by_cell.push(((u64::from(y as u32) << 32) | u64::from(x), k as u32));
            }
        }
    }
    // Stable: within a cell, legs stay in time order.
    by_cell.sort_by_key(|e| e.0);

    let mut found: Vec<(usize, usize, (usize, usize), LegLoss)> = Vec::new();
    let mut active: Vec<usize> = Vec::new();
    for group in by_cell.chunk_by(|a, b| a.0 == b.0) {
        let (y, x) = ((group[0].0 >> 32) as u32 as i32, group[0].0 as u32);
        active.clear();
        for &(_, n) in group {
            let n = n as usize;
            let cur = &legs[n];
            active.retain(|&k| legs[k].leg.t1 >= cur.leg.t0);
            for &k in &active {
                let other = &legs[k];
                if other.plan == cur.plan
                    || other.lat_lo - lat_pad > cur.lat_hi
                    || cur.lat_lo - lat_pad > other.lat_hi
                    || other.alt_lo - h_max > cur.alt_hi
                    || cur.alt_lo - h_max > other.alt_hi
                    || !lon_boxes_close(other, cur, r_max)
                    || !is_first_shared_cell(&cells[k], &cells[n], y, x, nlon)
                {
                    continue;
                }
                let (a, b) = if other.plan < cur.plan {
                    (other, cur)
                } else {
                    (cur, other)
                };
                let (r, h) = pair_minima(plans, a.plan, b.plan, minima);
                if let Some(loss) = leg_pair_loss(&a.leg, &b.leg, r, h) {
                    found.push((a.plan, b.plan, (a.index, b.index), loss));
                }
            }
            active.push(n);
        }
    }
    found.sort_by_key(|f| (f.0, f.1));
    let mut out: Vec<PlanConflict> = Vec::new();
    let mut current: Option<PlanConflict> = None;
    for (i, j, legs, loss) in &found {
        if current
            .as_ref()
            .is_some_and(|c| (c.first, c.second) != (*i, *j))
        {
            out.extend(current.take());
        }
        merge(&mut current, *i, *j, *legs, loss);
    }
    out.extend(current);
    Ok(out)
}

/// Grid cells of one leg: latitude rows `y0..=y1`, and `x_count` longitude columns from
/// `x_start`, wrapping modulo the column count.
#[derive(Debug, Clone, Copy)]
struct LegCells {
    y0: i32,
    y1: i32,
    x_start: u32,
    x_count: u32,
}

/// The median latitude/longitude extent of the legs, degrees (sets the cell size).
fn median_extent(legs: &[IndexedLeg]) -> f64 {
    let mut extents: Vec<f64> = legs
        .iter()
        .map(|l| (l.lat_hi - l.lat_lo).max(l.lon_hi - l.lon_lo))
        .collect();
    if extents.is_empty() {
        return 1.0;
    }
    let mid = extents.len() / 2;
    *extents.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// The cells a leg's box touches, widened so that any two legs that pass the box tests share
/// a cell: half the latitude pad each, and each leg's own full longitude pad
/// `R/(R_E·cos φ_max)` (the pair test uses the smaller cosine of the two, which the larger of
/// the two pads covers). Near a pole the leg spans every column.
fn leg_cells(
    l: &IndexedLeg,
    lat_pad: f64,
    r: f64,
    cell_deg: f64,
    lon_cell: f64,
    nlon: u32,
) -> LegCells {
    let y0 = ((l.lat_lo - lat_pad / 2.0 + 90.0) / cell_deg).floor() as i32;
    let y1 = ((l.lat_hi + lat_pad / 2.0 + 90.0) / cell_deg).floor() as i32;
    let full = LegCells {
        y0,
        y1,
        x_start: 0,
        x_count: nlon,
    };
    if l.cos_max_lat < 0.01 {
        return full;
    }
    let pad = (r / (EARTH_RADIUS_M * l.cos_max_lat)).to_degrees() * (1.0 + 1e-9) + 1e-9;
    let x0 = ((l.lon_lo - pad + 180.0) / lon_cell).floor();
    let x1 = ((l.lon_hi + pad + 180.0) / lon_cell).floor();
    let n = f64::from(nlon);
    if !(x1 - x0 + 1.0 < n) {
        return full;
    }
    LegCells {
        y0,
        y1,
        x_start: x0.rem_euclid(n) as u32 % nlon,
        x_count: (x1 - x0 + 1.0) as u32,
    }
}

/// Whether cell `(y, x)` is the first cell (lowest row, then lowest column) the two legs share.
fn is_first_shared_cell(a: &LegCells, b: &LegCells, y: i32, x: u32, nlon: u32) -> bool {
    if y != a.y0.max(b.y0) {
        return false;
    }
    let pieces = |c: &LegCells| -> [(u32, u32); 2] {
        let end = c.x_start + c.x_count - 1;
        if end < nlon {
            [(c.x_start, end), (1, 0)]
        } else {
            [(c.x_start, nlon - 1), (0, end - nlon)]
        }
    };
    let mut first: Option<u32> = None;
    for (a0, a1) in pieces(a) {
        for (b0, b1) in pieces(b) {
            let (lo, hi) = (a0.max(b0), a1.min(b1));
            if a0 <= a1 && b0 <= b1 && lo <= hi {
                first = Some(first.map_or(lo, |f| f.min(lo)));
            }
        }
    }
    first == Some(x)
}

/// Whether two legs' longitude boxes come within `r` metres at the latitude bound (on the
/// circle); always true near the poles, where the bound says nothing.
fn lon_boxes_close(a: &IndexedLeg, b: &IndexedLeg, r: f64) -> bool {
    let c = a.cos_max_lat.min(b.cos_max_lat);
    if c < 0.01 {
        return true;
    }
    let pad = (r / (EARTH_RADIUS_M * c)).to_degrees() * (1.0 + 1e-9);
    // Shift b's box by whole turns to the copy nearest a's centre, then compare.
    let centre_a = 0.5 * (a.lon_lo + a.lon_hi);
    let centre_b = 0.5 * (b.lon_lo + b.lon_hi);
    let shift = 360.0 * ((centre_a - centre_b) / 360.0).round();
    [shift - 360.0, shift, shift + 360.0]
        .iter()
        .any(|s| b.lon_lo + s - pad <= a.lon_hi && a.lon_lo - pad <= b.lon_hi + s)
}
