//! Conformance of a track to its filed flight plan: lateral, vertical and time deviation.
//!
//! # Definition
//!
//! Given a track position `(lat, lon, alt)` at time `t` and the plan it filed, the **nearest
//! point** of the plan's path is found in a flat frame centred on the track's latitude
//! (`dx = R_E·Δλ·cos φ`, `dy = R_E·Δφ`, `Δλ` wrapped): each leg is a straight segment there and
//! the point is projected onto it. Then:
//!
//! - **lateral deviation**: the horizontal distance to that point, metres;
//! - **vertical deviation**: track altitude minus the plan's altitude at that point, metres;
//! - **time deviation**: `t` minus the plan's time at that point, seconds (positive = late).
//!
//! Each is compared with its tolerance (strictly: a deviation equal to the tolerance conforms).
//! Where the path passes the same place twice, ties go to the leg whose time span contains `t`,
//! then to the earlier leg.

use crate::Error;
use crate::plan::{FlightPlan, Leg, validate_plan};
use crate::units::{EARTH_RADIUS_M, wrap_lon_deg};

/// Tolerances beyond which a track does not conform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConformanceTolerance {
    /// Lateral, metres.
    pub lateral_m: f64,
    /// Vertical, metres.
    pub vertical_m: f64,
    /// Time, seconds.
    pub time_s: f64,
}

/// The deviations of a track from its plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conformance {
    /// Leg of the nearest point.
    pub leg: usize,
    /// Horizontal distance to the nearest point of the path, metres.
    pub lateral_m: f64,
    /// Track altitude minus planned altitude there, metres.
    pub vertical_m: f64,
    /// Track time minus planned time there, seconds.
    pub time_s: f64,
    /// `lateral_m` exceeds its tolerance.
    pub lateral_exceeded: bool,
    /// `|vertical_m|` exceeds its tolerance.
    pub vertical_exceeded: bool,
    /// `|time_s|` exceeds its tolerance.
    pub time_exceeded: bool,
}

impl Conformance {
    /// True when every deviation is within its tolerance.
    #[must_use]
    pub fn conforms(&self) -> bool {
        !(self.lateral_exceeded || self.vertical_exceeded || self.time_exceeded)
    }
}

/// Deviations of the track at `(lat_deg, lon_deg, alt_ft)` and `time_s` from `plan`.
///
/// ```
/// use jic_deconflict::conformance::{ConformanceTolerance, conformance};
/// use jic_deconflict::plan::{FlightPlan, Waypoint};
/// let wp = |lat_deg, time_s| Waypoint { lat_deg, lon_deg: 36.3, alt_ft: 20_000.0, time_s };
/// let plan = FlightPlan { id: "P".into(), waypoints: vec![wp(33.5, 0.0), wp(34.5, 600.0)], rpz_m: None, hpz_m: None };
/// let tol = ConformanceTolerance { lateral_m: 1852.0, vertical_m: 100.0, time_s: 60.0 };
/// // Halfway along the leg, on time, 0.01° of longitude (~930 m) east and 500 ft high.
/// let c = conformance(&plan, 34.0, 36.31, 20_500.0, 300.0, &tol)?;
/// assert!(!c.lateral_exceeded && c.vertical_exceeded && !c.time_exceeded);
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidPlan`] for a plan that cannot be flown.
pub fn conformance(
    plan: &FlightPlan,
    lat_deg: f64,
    lon_deg: f64,
    alt_ft: f64,
    time_s: f64,
    tol: &ConformanceTolerance,
) -> Result<Conformance, Error> {
    validate_plan(plan)?;
    let c = lat_deg.to_radians().cos();
    let to_xy = |lat: f64, lon: f64| {
        (
            EARTH_RADIUS_M * wrap_lon_deg(lon - lon_deg).to_radians() * c,
            EARTH_RADIUS_M * (lat - lat_deg).to_radians(),
        )
    };
    let mut best: Option<(f64, bool, usize, f64, &Leg)> = None;
    let legs: Vec<Leg> = plan
        .waypoints
        .windows(2)
        .map(|w| Leg::from_waypoints(&w[0], &w[1]))
        .collect();
    for (k, leg) in legs.iter().enumerate() {
        let a = to_xy(leg.lat0, leg.lon0);
        let (ex, ey) = (
            EARTH_RADIUS_M * (leg.lon1 - leg.lon0).to_radians() * c,
            EARTH_RADIUS_M * (leg.lat1 - leg.lat0).to_radians(),
        );
        let len2 = ex * ex + ey * ey;
        let f = if len2 > 0.0 {
            (-(a.0 * ex + a.1 * ey) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let d = (a.0 + ex * f).hypot(a.1 + ey * f);
        let current = leg.t0 <= time_s && time_s <= leg.t1;
        let better = match best {
            None => true,
            // Exact ties only (a path through the same place twice): prefer the current leg.
            #[allow(clippy::float_cmp, reason = "only an exact tie may change the choice")]
            Some((bd, bc, ..)) => d < bd || (d == bd && current && !bc),
        };
        if better {
            best = Some((d, current, k, f, leg));
        }
    }
    let Some((lateral_m, _, leg_index, f, leg)) = best else {
        return Err(Error::InvalidPlan {
            plan: plan.id.clone(),
            reason: "no legs".to_owned(),
        });
    };
    let plan_time = leg.t0 + f * (leg.t1 - leg.t0);
    let plan_alt_ft = leg.alt0_ft + f * (leg.alt1_ft - leg.alt0_ft);
    // Subtract in feet, then convert: exact for whole feet, like the separation tests.
    let vertical_m = (alt_ft - plan_alt_ft) * crate::units::M_PER_FT;
    let time_dev = time_s - plan_time;
    Ok(Conformance {
        leg: leg_index,
        lateral_m,
        vertical_m,
        time_s: time_dev,
        lateral_exceeded: lateral_m > tol.lateral_m,
        vertical_exceeded: vertical_m.abs() > tol.vertical_m,
        time_exceeded: time_dev.abs() > tol.time_s,
    })
}
