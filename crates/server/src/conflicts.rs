//! Plan-vs-plan conflict probing on filing.
//!
//! Semantics (DESIGN §3.2, 4D plans): a plan is ordered waypoints `(lat, lon, alt_ft, time)`,
//! linear between them. Two plans conflict where both are airborne and, at the same instant,
//! the horizontal distance is below `R` and the vertical distance below `H` (strict). Between
//! consecutive breakpoints (the union of both plans' waypoint times) both move linearly, so
//! the relative position is linear in time and the horizontal inside-interval solves a
//! quadratic, the vertical one a linear inequality — the same local flat frame as for tracks
//! (`dx = R·Δlon·cos φ̄`, `dy = R·Δlat`, φ̄ the pair's mean latitude at the piece's start).
//!
//! This is the server's own probe, kept small and exact; the deconfliction crate's plan
//! module is the reference the offline CLI uses.

use jiff::Timestamp;

const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// One waypoint of a 4D plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waypoint {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Time, seconds since the Unix epoch.
    pub t: f64,
}

/// A predicted loss of separation between two plans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanConflict {
    /// First instant of loss of separation (seconds since the epoch).
    pub first_loss_t: f64,
    /// Last instant of the first loss interval (seconds since the epoch).
    pub last_loss_t: f64,
    /// Smallest horizontal distance while separation is lost, metres.
    pub min_horizontal_m: f64,
    /// The leg (0-based: between waypoint `i` and `i+1`) of the first plan at first loss.
    pub leg_a: usize,
    /// The leg of the second plan at first loss.
    pub leg_b: usize,
}

fn position(plan: &[Waypoint], t: f64) -> Option<(Waypoint, usize)> {
    let first = plan.first()?;
    let last = plan.last()?;
    if t < first.t || t > last.t {
        return None;
    }
    for (i, w) in plan.windows(2).enumerate() {
        let (a, b) = (w[0], w[1]);
        if t >= a.t && t <= b.t {
            let f = if b.t > a.t {
                (t - a.t) / (b.t - a.t)
            } else {
                0.0
            };
            let mut dlon = b.lon - a.lon;
            if dlon > 180.0 {
                dlon -= 360.0;
            } else if dlon < -180.0 {
                dlon += 360.0;
            }
            return Some((
                Waypoint {
                    lat: a.lat + f * (b.lat - a.lat),
                    lon: a.lon + f * dlon,
                    alt_ft: a.alt_ft + f * (b.alt_ft - a.alt_ft),
                    t,
                },
                i,
            ));
        }
    }
    None
}

fn flat_delta(a: &Waypoint, b: &Waypoint) -> (f64, f64) {
    let mean_lat = ((a.lat + b.lat) / 2.0).to_radians();
    let mut dlon = b.lon - a.lon;
    dlon = (dlon + 180.0).rem_euclid(360.0) - 180.0;
    (
        EARTH_RADIUS_M * dlon.to_radians() * mean_lat.cos(),
        EARTH_RADIUS_M * (b.lat - a.lat).to_radians(),
    )
}

/// The first conflict between two plans, if any. `r_m` and `h_m` are the horizontal radius and
/// vertical half-height in metres.
pub fn first_conflict(a: &[Waypoint], b: &[Waypoint], r_m: f64, h_m: f64) -> Option<PlanConflict> {
    let start = a.first()?.t.max(b.first()?.t);
    let end = a.last()?.t.min(b.last()?.t);
    if start > end {
        return None;
    }
    let mut cuts: Vec<f64> = a
        .iter()
        .chain(b.iter())
        .map(|w| w.t)
        .filter(|t| *t > start && *t < end)
        .collect();
    cuts.push(start);
    cuts.push(end);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let mut found: Option<PlanConflict> = None;
    for piece in cuts.windows(2) {
        let (t0, t1) = (piece[0], piece[1]);
        let (Some((pa0, leg_a)), Some((pb0, leg_b))) = (position(a, t0), position(b, t0)) else {
            continue;
        };
        let (Some((pa1, _)), Some((pb1, _))) = (position(a, t1), position(b, t1)) else {
            continue;
        };
        let (dx0, dy0) = flat_delta(&pa0, &pb0);
        let (dx1, dy1) = flat_delta(&pa1, &pb1);
        let dur = t1 - t0;
        let (vx, vy) = if dur > 0.0 {
            ((dx1 - dx0) / dur, (dy1 - dy0) / dur)
        } else {
            (0.0, 0.0)
        };
        let dz0 = (pb0.alt_ft - pa0.alt_ft) * 0.3048;
        let dz1 = (pb1.alt_ft - pa1.alt_ft) * 0.3048;
        let vz = if dur > 0.0 { (dz1 - dz0) / dur } else { 0.0 };
        // Horizontal: |d0 + v s|² < R², s in [0, dur].
        let aa = vx * vx + vy * vy;
        let bb = 2.0 * (dx0 * vx + dy0 * vy);
        let cc = dx0 * dx0 + dy0 * dy0 - r_m * r_m;
        let (h_in, h_out) = if aa < 1e-12 {
            if cc < 0.0 { (0.0, dur) } else { continue }
        } else {
            let disc = bb * bb - 4.0 * aa * cc;
            if disc <= 0.0 {
                continue;
            }
            let sq = disc.sqrt();
            ((-bb - sq) / (2.0 * aa), (-bb + sq) / (2.0 * aa))
        };
        // Vertical: |dz0 + vz s| < H.
        let (v_in, v_out) = if vz.abs() < 1e-9 {
            if dz0.abs() < h_m {
                (f64::NEG_INFINITY, f64::INFINITY)
            } else {
                continue;
            }
        } else {
            let s1 = (-h_m - dz0) / vz;
            let s2 = (h_m - dz0) / vz;
            (s1.min(s2), s1.max(s2))
        };
        let s_in = h_in.max(v_in).max(0.0);
        let s_out = h_out.min(v_out).min(dur);
        if s_in > s_out || (dur > 0.0 && s_in >= s_out) {
            continue;
        }
        // The closest horizontal approach within [s_in, s_out].
        let s_min = if aa < 1e-12 {
            s_in
        } else {
            (-bb / (2.0 * aa)).clamp(s_in, s_out)
        };
        let (mx, my) = (dx0 + vx * s_min, dy0 + vy * s_min);
        let min_h = (mx * mx + my * my).sqrt();
        match &mut found {
            None => {
                found = Some(PlanConflict {
                    first_loss_t: t0 + s_in,
                    last_loss_t: t0 + s_out,
                    min_horizontal_m: min_h,
                    leg_a,
                    leg_b,
                });
            }
            Some(c) => {
                // Extend the first loss interval while it continues across breakpoints.
                if (c.last_loss_t - (t0 + s_in)).abs() < 1e-6 {
                    c.last_loss_t = t0 + s_out;
                    c.min_horizontal_m = c.min_horizontal_m.min(min_h);
                } else {
                    break;
                }
            }
        }
    }
    found
}

/// Seconds since the epoch of a timestamp, as used by [`Waypoint::t`].
pub fn epoch_seconds(t: Timestamp) -> f64 {
    t.as_millisecond() as f64 / 1000.0
}

/// The timestamp of seconds since the epoch (rounded to the millisecond).
pub fn from_epoch_seconds(t: f64) -> Timestamp {
    Timestamp::from_millisecond((t * 1000.0).round() as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wp(lat: f64, lon: f64, alt_ft: f64, t: f64) -> Waypoint {
        Waypoint {
            lat,
            lon,
            alt_ft,
            t,
        }
    }

    #[test]
    fn crossing_plans_at_the_same_level_conflict_at_the_crossing() {
        // East-bound and north-bound over Deir ez-Zor at FL250, both at the crossing at t=600.
        let a = [
            wp(35.33, 40.0, 25_000.0, 0.0),
            wp(35.33, 40.3, 25_000.0, 1200.0),
        ];
        let b = [
            wp(35.20, 40.15, 25_000.0, 0.0),
            wp(35.46, 40.15, 25_000.0, 1200.0),
        ];
        let c = first_conflict(&a, &b, 9260.0, 304.8).expect("conflict");
        // Closing at about 33 m/s, the 5 nm radius is reached about 280 s before the crossing.
        assert!(c.first_loss_t > 250.0 && c.first_loss_t < 400.0, "{c:?}");
        assert!(c.last_loss_t > 800.0 && c.last_loss_t < 950.0, "{c:?}");
        assert!(c.min_horizontal_m < 100.0, "{c:?}");
        assert_eq!((c.leg_a, c.leg_b), (0, 0));
    }

    #[test]
    fn exactly_1000_ft_apart_is_not_a_conflict_and_disjoint_windows_neither() {
        let a = [
            wp(35.33, 40.0, 25_000.0, 0.0),
            wp(35.33, 40.3, 25_000.0, 1200.0),
        ];
        let b = [
            wp(35.20, 40.15, 26_000.0, 0.0),
            wp(35.46, 40.15, 26_000.0, 1200.0),
        ];
        assert_eq!(first_conflict(&a, &b, 9260.0, 304.8), None);
        let late = [
            wp(35.20, 40.15, 25_000.0, 5000.0),
            wp(35.46, 40.15, 25_000.0, 6200.0),
        ];
        assert_eq!(first_conflict(&a, &late, 9260.0, 304.8), None);
    }
}
