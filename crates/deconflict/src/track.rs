//! Track conflict semantics (DESIGN.md §3.2) and the all-pairs reference detector.
//!
//! # Definition
//!
//! Each aircraft is extrapolated along a straight line at constant ground speed, track and
//! vertical speed. For a pair `(i, j)`:
//!
//! - **Flat frame.** The relative position is taken in a local flat frame around the pair's mean
//!   latitude `φ̄ = (φ_i + φ_j) / 2` on a sphere of radius `R_E = 6,371,000 m`:
//!   `dx = R_E · Δλ · cos φ̄`, `dy = R_E · Δφ` (radians), with `Δλ = λ_j − λ_i` wrapped to
//!   [−180°, 180°) and `Δφ = φ_j − φ_i`. Velocities are east/north components
//!   `(gs · sin trk, gs · cos trk)`; the relative velocity is `v = v_j − v_i`.
//! - **Protected zone.** `R = max(R_i, R_j)` horizontally, `H = max(H_i, H_j)` vertically, and the
//!   look-ahead `T = max(T_i, T_j)`: the more cautious aircraft sets the pair's zone.
//! - **Horizontal.** `tcpa = −(d·v)/|v|²`, `dcpa = sqrt(|d|² − tcpa²·|v|²)`, evaluated as
//!   `|d + v·tcpa|` (equal in real arithmetic; the literal form loses ~1e-4 m to cancellation
//!   when the aircraft pass through each other). When `dcpa < R`, the pair is inside horizontally during
//!   `[tcpa − Δ, tcpa + Δ]`, `Δ = sqrt(R² − dcpa²)/|v|`.
//! - **Vertical.** Inside while `|Δalt(t)| < H`, `Δalt(t) = Δalt + v_z·t`, i.e. between the two
//!   roots of `|Δalt + v_z t| = H`.
//! - **Conflict** iff `dcpa < R` and `tin = max(t_in,h, t_in,v) ≤ tout = min(t_out,h, t_out,v)`
//!   and `tout > 0` and `tin < T`.
//!
//! # Units
//!
//! Inputs are in the aviation units of the CSV contract (degrees, feet, knots, feet per minute);
//! results are in seconds (times relative to the states' common epoch) and metres. Conversions
//! are those of [`crate::units`].
//!
//! # Edge cases
//!
//! - **Boundaries are outside.** The inequalities are strict: two level aircraft exactly 1000 ft
//!   apart with `H = 1000 ft` are not in conflict, nor is a pair whose `dcpa` equals `R`.
//! - **Zero relative vertical speed.** Below 1e-6 m/s the pair is inside vertically for all time
//!   iff `|Δalt| < H` (then `t_in,v = −∞`, `t_out,v = +∞`), and never otherwise.
//! - **Zero relative horizontal velocity.** Below 1e-6 m/s (the same threshold, so that two
//!   aircraft with the same speed and track given as 0° and 360° count as parallel) the pair is
//!   inside horizontally for all time iff `|d| < R`; then `tcpa = 0`, `dcpa = |d|`,
//!   `t_in,h = −∞`, `t_out,h = +∞`. A conflict can therefore carry `tin = −∞` and/or
//!   `tout = +∞` (two aircraft flying in formation); these are printed as `-inf` / `inf`.
//! - **Already in loss of separation.** `tin < 0`; the conflict is reported while `tout > 0`.
//! - **Antimeridian.** `Δλ` is wrapped, so 179.9°E and 179.9°W are 0.2° apart.
//! - **Poles.** The frame is the contract's, not a geodesic: as `φ̄ → ±90°` longitude differences
//!   shrink by `cos φ̄`, so two aircraft on opposite meridians very close to a pole are
//!   `R_E·|Δλ|·cos φ̄` apart in x. At a pole `dx = 0` whatever the longitudes, which is right
//!   (they are at the same point). The frame overstates the true great-circle separation near
//!   the poles (its distance is never below the chord distance), it never understates it.
//!
//! # References
//!
//! - DESIGN.md §3.2 (the contract this module implements literally).
//! - J. M. Hoekstra, "Free flight in a crowded airspace?", 2002: the `tcpa/dcpa/tin/tout`
//!   state-based conflict detection used by BlueSky.

use crate::Error;
use crate::units::{EARTH_RADIUS_M, fpm_to_mps, ft_to_m, kt_to_mps, nm_to_m, wrap_lon_deg};

/// Relative speeds below this (m/s) count as zero, horizontally and vertically.
pub const ZERO_RELATIVE_SPEED_MPS: f64 = 1e-6;

/// Largest accepted |altitude|, feet.
pub const MAX_ALT_FT: f64 = 1.0e6;
/// Largest accepted ground speed, knots.
pub const MAX_GS_KT: f64 = 1.0e5;
/// Largest accepted |vertical speed|, feet per minute.
pub const MAX_VS_FPM: f64 = 1.0e6;
/// Largest accepted |track|, degrees (any angle is reduced by sin/cos; this only bounds noise).
pub const MAX_TRK_DEG: f64 = 1.0e6;
/// Largest accepted protected-zone radius, metres.
pub const MAX_RPZ_M: f64 = 1.0e7;
/// Largest accepted protected-zone half-height, metres.
pub const MAX_HPZ_M: f64 = 1.0e6;
/// Largest accepted look-ahead, seconds.
pub const MAX_LOOKAHEAD_S: f64 = 1.0e6;

/// One aircraft's state at the common epoch `t = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackState {
    /// WGS-84 latitude, degrees, in [−90, 90].
    pub lat_deg: f64,
    /// WGS-84 longitude, degrees, in [−180, 180].
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots, ≥ 0.
    pub gs_kt: f64,
    /// True track, degrees clockwise from north.
    pub trk_deg: f64,
    /// Vertical speed, feet per minute (positive climbing).
    pub vs_fpm: f64,
}

/// Separation minima and look-ahead of one aircraft, in SI units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minima {
    /// Horizontal protected-zone radius, metres.
    pub rpz_m: f64,
    /// Vertical protected-zone half-height, metres.
    pub hpz_m: f64,
    /// Look-ahead, seconds.
    pub lookahead_s: f64,
}

impl Default for Minima {
    /// 5 nm, 1000 ft, 300 s: the DESIGN.md defaults.
    fn default() -> Self {
        Self {
            rpz_m: nm_to_m(5.0),
            hpz_m: ft_to_m(1000.0),
            lookahead_s: 300.0,
        }
    }
}

impl Minima {
    fn validate(&self) -> Result<(), Error> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        if ok(self.rpz_m)
            && ok(self.hpz_m)
            && self.lookahead_s.is_finite()
            && self.lookahead_s >= 0.0
        {
            Ok(())
        } else {
            Err(Error::InvalidMinima(format!(
                "rpz {} m, hpz {} m, look-ahead {} s: radii must be positive (at most {MAX_RPZ_M} m and \
                 {MAX_HPZ_M} m), look-ahead in [0, {MAX_LOOKAHEAD_S}] s",
                self.rpz_m, self.hpz_m, self.lookahead_s
            )))
        }
    }
}

/// The minima of every aircraft: one set for all, or one per aircraft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinimaSet<'a> {
    /// The same minima for every aircraft.
    Uniform(Minima),
    /// One entry per state, in the same order (from the agreement or the aircraft category).
    PerAircraft(&'a [Minima]),
}

impl From<Minima> for MinimaSet<'_> {
    fn from(minima: Minima) -> Self {
        Self::Uniform(minima)
    }
}

/// A predicted loss of separation between two aircraft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackConflict {
    /// Index of the first aircraft in the input (the smaller index).
    pub first: usize,
    /// Index of the second aircraft (the larger index).
    pub second: usize,
    /// Time to closest point of approach, seconds (negative: already past it).
    pub tcpa_s: f64,
    /// Horizontal distance at closest approach, metres.
    pub dcpa_m: f64,
    /// Time the loss of separation begins, seconds (negative: already lost; may be −∞).
    pub tin_s: f64,
    /// Time the loss of separation ends, seconds (may be +∞).
    pub tout_s: f64,
}

/// A track state prepared for the pair test: SI units, velocity components computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Prepared {
    pub(crate) lat_deg: f64,
    pub(crate) lon_deg: f64,
    pub(crate) alt_m: f64,
    /// Altitude in feet: the pair test subtracts in feet and then converts, so that two aircraft
    /// whole feet apart compare exactly with a minimum given in feet (1000 ft apart with a
    /// 1000 ft minimum is exactly at the boundary, hence not a conflict).
    pub(crate) alt_ft: f64,
    pub(crate) v_east: f64,
    pub(crate) v_north: f64,
    pub(crate) v_up: f64,
    pub(crate) rpz_m: f64,
    pub(crate) hpz_m: f64,
    pub(crate) lookahead_s: f64,
    /// `cos φ`, used only by the production detector's conservative prefilter.
    pub(crate) cos_lat: f64,
}

/// Validates states and minima and converts them to SI units.
pub(crate) fn prepare(
    states: &[TrackState],
    minima: &MinimaSet<'_>,
) -> Result<Vec<Prepared>, Error> {
    let mut out = Vec::with_capacity(states.len());
    prepare_into(states, minima, &mut out)?;
    Ok(out)
}

/// [`prepare`] into a reused buffer (cleared first), so that a detector running every cycle
/// does not allocate it again.
pub(crate) fn prepare_into(
    states: &[TrackState],
    minima: &MinimaSet<'_>,
    out: &mut Vec<Prepared>,
) -> Result<(), Error> {
    out.clear();
    if let MinimaSet::PerAircraft(list) = minima
        && list.len() != states.len()
    {
        return Err(Error::MinimaCount {
            minima: list.len(),
            states: states.len(),
        });
    }
    out.reserve(states.len());
    for (index, state) in states.iter().enumerate() {
        let m = match minima {
            MinimaSet::Uniform(m) => *m,
            MinimaSet::PerAircraft(list) => list[index],
        };
        m.validate()?;
        validate_state(state).map_err(|reason| Error::InvalidState { index, reason })?;
        let (sin, cos) = state.trk_deg.to_radians().sin_cos();
        let gs = kt_to_mps(state.gs_kt);
        out.push(Prepared {
            lat_deg: state.lat_deg,
            lon_deg: state.lon_deg,
            alt_m: ft_to_m(state.alt_ft),
            alt_ft: state.alt_ft,
            v_east: gs * sin,
            v_north: gs * cos,
            v_up: fpm_to_mps(state.vs_fpm),
            rpz_m: m.rpz_m,
            hpz_m: m.hpz_m,
            lookahead_s: m.lookahead_s,
            cos_lat: state.lat_deg.to_radians().cos(),
        });
    }
    Ok(())
}

/// Checks the domain of one state; the reason is a sentence for the user.
pub fn validate_state(state: &TrackState) -> Result<(), String> {
    let fields = [
        ("lat", state.lat_deg),
        ("lon", state.lon_deg),
        ("alt_ft", state.alt_ft),
        ("gs_kt", state.gs_kt),
        ("trk_deg", state.trk_deg),
        ("vs_fpm", state.vs_fpm),
    ];
    for (name, value) in fields {
        if !value.is_finite() {
            return Err(format!("{name} is not a finite number"));
        }
    }
    if !(-90.0..=90.0).contains(&state.lat_deg) {
        return Err(format!("lat {} is outside [-90, 90]", state.lat_deg));
    }
    if !(-180.0..=180.0).contains(&state.lon_deg) {
        return Err(format!("lon {} is outside [-180, 180]", state.lon_deg));
    }
    if state.gs_kt < 0.0 {
        return Err(format!("gs_kt {} is negative", state.gs_kt));
    }
    // Generous physical limits keep every intermediate value far from overflow.
    for (name, value, limit) in [
        ("alt_ft", state.alt_ft, MAX_ALT_FT),
        ("gs_kt", state.gs_kt, MAX_GS_KT),
        ("vs_fpm", state.vs_fpm, MAX_VS_FPM),
        ("trk_deg", state.trk_deg, MAX_TRK_DEG),
    ] {
        if value.abs() > limit {
            return Err(format!("{name} {value} is beyond ±{limit}"));
        }
    }
    Ok(())
}

/// The pair test of DESIGN.md §3.2 on two prepared states; `None` when they do not conflict.
///
/// Both detectors call exactly this function, so their values are bit-for-bit identical.
/// The result does not depend on the order of `a` and `b`.
#[inline]
pub(crate) fn pair(a: &Prepared, b: &Prepared) -> Option<(f64, f64, f64, f64)> {
    pair_impl::<false>(a, b, |_, _| true)
}

/// [`pair`] with a cheap necessary condition checked after the vertical test and before the
/// horizontal one (the production detector's prefilter). A prefilter that only rejects pairs
/// that cannot conflict leaves the answer unchanged, bit for bit.
#[inline]
pub(crate) fn pair_prefiltered(
    a: &Prepared,
    b: &Prepared,
    may_conflict: impl Fn(&Prepared, &Prepared) -> bool,
) -> Option<(f64, f64, f64, f64)> {
    pair_impl::<true>(a, b, may_conflict)
}

#[inline(always)]
fn pair_impl<const PREFILTER: bool>(
    a: &Prepared,
    b: &Prepared,
    may_conflict: impl Fn(&Prepared, &Prepared) -> bool,
) -> Option<(f64, f64, f64, f64)> {
    let r = a.rpz_m.max(b.rpz_m);
    let h = a.hpz_m.max(b.hpz_m);
    let lookahead = a.lookahead_s.max(b.lookahead_s);

    // Vertical first: it is the cheapest test and rejects most pairs in layered traffic.
    let dz = ft_to_m(b.alt_ft - a.alt_ft);
    let vz = b.v_up - a.v_up;
    let (tin_v, tout_v) = if vz.abs() < ZERO_RELATIVE_SPEED_MPS {
        if dz.abs() < h {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            return None;
        }
    } else {
        let t1 = (-h - dz) / vz;
        let t2 = (h - dz) / vz;
        (t1.min(t2), t1.max(t2))
    };
    if !(tout_v > 0.0 && tin_v < lookahead) {
        return None;
    }
    if PREFILTER && !may_conflict(a, b) {
        return None;
    }

    let mean_lat = 0.5 * (a.lat_deg + b.lat_deg);
    let dx = EARTH_RADIUS_M
        * wrap_lon_deg(b.lon_deg - a.lon_deg).to_radians()
        * mean_lat.to_radians().cos();
    let dy = EARTH_RADIUS_M * (b.lat_deg - a.lat_deg).to_radians();
    let vx = b.v_east - a.v_east;
    let vy = b.v_north - a.v_north;
    let v2 = vx * vx + vy * vy;
    let d2 = dx * dx + dy * dy;
    let (tcpa, dcpa, tin_h, tout_h) = if v2 < ZERO_RELATIVE_SPEED_MPS * ZERO_RELATIVE_SPEED_MPS {
        let dcpa = d2.sqrt();
        if !(dcpa < r) {
            return None;
        }
        (0.0, dcpa, f64::NEG_INFINITY, f64::INFINITY)
    } else {
        let tcpa = -(dx * vx + dy * vy) / v2;
        // |d + v·tcpa|² equals the contract's |d|² − tcpa²·|v|² exactly in real arithmetic; in
        // floating point it avoids the cancellation that costs the literal form ~1e-4 m.
        let (cx, cy) = (dx + vx * tcpa, dy + vy * tcpa);
        let dcpa2 = cx * cx + cy * cy;
        let dcpa = dcpa2.sqrt();
        if !(dcpa < r) {
            return None;
        }
        let delta = (r * r - dcpa2).sqrt() / v2.sqrt();
        (tcpa, dcpa, tcpa - delta, tcpa + delta)
    };

    let tin = tin_h.max(tin_v);
    let tout = tout_h.min(tout_v);
    (tin <= tout && tout > 0.0 && tin < lookahead).then_some((tcpa, dcpa, tin, tout))
}

/// The pair test on two states with their minima, in the public API's units.
///
/// Returns `None` when the pair does not conflict; the conflict's `first`/`second` are 0 and 1.
///
/// ```
/// use jic_deconflict::track::{Minima, TrackState, pair_conflict};
/// // Two level aircraft at FL300 and FL310 over Palmyra: exactly 1000 ft apart is not a conflict.
/// let a = TrackState { lat_deg: 34.55, lon_deg: 38.27, alt_ft: 30_000.0, gs_kt: 400.0, trk_deg: 0.0, vs_fpm: 0.0 };
/// let b = TrackState { alt_ft: 31_000.0, ..a };
/// assert_eq!(pair_conflict(&a, &b, &Minima::default(), &Minima::default())?, None);
/// let c = TrackState { alt_ft: 30_999.0, ..a };
/// assert!(pair_conflict(&a, &c, &Minima::default(), &Minima::default())?.is_some());
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidState`] or [`Error::InvalidMinima`] for values outside their domain.
pub fn pair_conflict(
    a: &TrackState,
    b: &TrackState,
    minima_a: &Minima,
    minima_b: &Minima,
) -> Result<Option<TrackConflict>, Error> {
    let minima = [*minima_a, *minima_b];
    let prepared = prepare(&[*a, *b], &MinimaSet::PerAircraft(&minima))?;
    Ok(
        pair(&prepared[0], &prepared[1]).map(|(tcpa_s, dcpa_m, tin_s, tout_s)| TrackConflict {
            first: 0,
            second: 1,
            tcpa_s,
            dcpa_m,
            tin_s,
            tout_s,
        }),
    )
}

/// The reference detector: every unordered pair, in index order. O(N²) time, O(1) extra memory.
///
/// This is the oracle the production detector [`crate::grid::detect`] is tested and benchmarked
/// against; keep it obviously correct rather than fast.
///
/// # Errors
/// [`Error::InvalidState`], [`Error::InvalidMinima`] or [`Error::MinimaCount`].
pub fn detect_all_pairs(
    states: &[TrackState],
    minima: &MinimaSet<'_>,
) -> Result<Vec<TrackConflict>, Error> {
    let prepared = prepare(states, minima)?;
    let mut out = Vec::new();
    for (i, a) in prepared.iter().enumerate() {
        for (j, b) in prepared.iter().enumerate().skip(i + 1) {
            if let Some((tcpa_s, dcpa_m, tin_s, tout_s)) = pair(a, b) {
                out.push(TrackConflict {
                    first: i,
                    second: j,
                    tcpa_s,
                    dcpa_m,
                    tin_s,
                    tout_s,
                });
            }
        }
    }
    Ok(out)
}
