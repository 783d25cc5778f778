//! Humanitarian movements (convoys, evacuations, staff moves): a route, a time window and where
//! the movement is expected to be at each instant.
//!
//! # Expected position
//! A movement is at the first point of its route from the start of its window until it
//! departs, moves along the route, and stays at the last point from its arrival until the end
//! of its window (the Urum al-Kubra convoy of 19 Sept 2016 arrived at ~13:30 and was unloading
//! at the warehouse when it was struck at ~19:10; events_2016.md §5). Outside the window it is
//! not expected anywhere. Between departure and arrival the [`Schedule`] decides:
//! - [`Schedule::Linear`]: at constant speed along the route length (haversine per leg);
//! - [`Schedule::Waypoints`]: at each vertex at its given time, linear in time between them.
//!
//! Within a leg the position is interpolated linearly in degrees, which at leg lengths of a
//! few kilometres differs from the great circle by centimetres.

use geo_types::{Coord, LineString, coord};
use jic_geo::haversine_m;
use jiff::{SignedDuration, Timestamp};

use crate::Error;

/// When a movement passes along its route.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Constant speed from `depart` at the first point to `arrive` at the last.
    Linear {
        /// Departure from the first point.
        depart: Timestamp,
        /// Arrival at the last point.
        arrive: Timestamp,
    },
    /// A time for every vertex of the route (non-decreasing).
    Waypoints(Vec<Timestamp>),
}

/// A notified movement.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    /// Identifier chosen by the notifier.
    pub id: String,
    /// The notifying humanitarian party.
    pub notifier: String,
    /// The route (WGS-84, at least two positions).
    pub route: LineString<f64>,
    /// Start of the window (inclusive): from here the movement is at or on its route.
    pub window_start: Timestamp,
    /// End of the window (inclusive).
    pub window_end: Timestamp,
    /// Passage along the route.
    pub schedule: Schedule,
    /// Number of vehicles.
    pub vehicles: u32,
    /// Markings (e.g. "UN", "SARC").
    pub markings: Vec<String>,
    /// Parties that must acknowledge it.
    pub recipients: Vec<String>,
}

impl Movement {
    /// Checks the invariants: at least two finite positions, a window that does not run
    /// backwards, a schedule inside the window, waypoint times one per vertex and
    /// non-decreasing.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        if self.route.0.len() < 2 {
            return Err(Error::invalid("route", "needs at least two positions"));
        }
        for (i, c) in self.route.0.iter().enumerate() {
            if !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0) {
                return Err(Error::invalid(
                    format!("route.coordinates[{i}]"),
                    "not a WGS-84 position",
                ));
            }
        }
        if self.window_end < self.window_start {
            return Err(Error::invalid("window", "ends before it starts"));
        }
        let inside = |t: Timestamp| self.window_start <= t && t <= self.window_end;
        match &self.schedule {
            Schedule::Linear { depart, arrive } => {
                if arrive < depart || !inside(*depart) || !inside(*arrive) {
                    return Err(Error::invalid(
                        "schedule",
                        "departure and arrival must lie in the window, in that order",
                    ));
                }
            }
            Schedule::Waypoints(times) => {
                if times.len() != self.route.0.len() {
                    return Err(Error::invalid(
                        "schedule.waypoint_times",
                        format!(
                            "has {} times for {} route positions",
                            times.len(),
                            self.route.0.len()
                        ),
                    ));
                }
                if times.windows(2).any(|w| w[1] < w[0]) || !times.iter().copied().all(inside) {
                    return Err(Error::invalid(
                        "schedule.waypoint_times",
                        "must be non-decreasing and inside the window",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The time at each vertex of the route under the schedule.
    fn vertex_times(&self) -> Vec<Timestamp> {
        match &self.schedule {
            Schedule::Waypoints(times) => times.clone(),
            Schedule::Linear { depart, arrive } => {
                let lengths = cumulative_lengths_m(&self.route);
                let total = lengths.last().copied().unwrap_or(0.0);
                let span = arrive.duration_since(*depart).as_secs_f64();
                lengths
                    .iter()
                    .map(|&l| {
                        let f = if total > 0.0 { l / total } else { 0.0 };
                        add_secs(*depart, span * f)
                    })
                    .collect()
            }
        }
    }

    /// Where the movement is expected at `at` (see the module documentation); `None` outside
    /// its window.
    ///
    /// ```
    /// use geo_types::line_string;
    /// use jic_protect::{Movement, Schedule};
    /// let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    /// // A convoy from Atarib to the Urum al-Kubra warehouse, 10:50 → 13:30, window to 23:00.
    /// let convoy = Movement {
    ///     id: "convoy".into(), notifier: "un_ocha".into(),
    ///     route: line_string![(x: 36.8300, y: 36.1389), (x: 36.9678, y: 36.1516)],
    ///     window_start: t("2016-09-19T10:00:00+03:00"), window_end: t("2016-09-19T23:00:00+03:00"),
    ///     schedule: Schedule::Linear { depart: t("2016-09-19T10:50:00+03:00"), arrive: t("2016-09-19T13:30:00+03:00") },
    ///     vehicles: 31, markings: vec!["UN".into(), "SARC".into()], recipients: vec![],
    /// };
    /// let at_warehouse = convoy.expected_position(t("2016-09-19T19:10:00+03:00")).unwrap();
    /// assert_eq!((at_warehouse.x, at_warehouse.y), (36.9678, 36.1516));
    /// let halfway = convoy.expected_position(t("2016-09-19T12:10:00+03:00")).unwrap();
    /// assert!((halfway.x - 36.8989).abs() < 1e-3);
    /// assert!(convoy.expected_position(t("2016-09-20T01:00:00+03:00")).is_none());
    /// ```
    pub fn expected_position(&self, at: Timestamp) -> Option<Coord<f64>> {
        if at < self.window_start || at > self.window_end {
            return None;
        }
        position_on(&self.route.0, &self.vertex_times(), at)
    }

    /// The part of the route the movement may occupy at some instant of `[from, until]`
    /// (clipped to its window): the positions at the two ends and every vertex passed in
    /// between. `None` when the interval misses the window.
    pub fn path_during(&self, from: Timestamp, until: Timestamp) -> Option<LineString<f64>> {
        let from = from.max(self.window_start);
        let until = until.min(self.window_end);
        if until < from {
            return None;
        }
        let times = self.vertex_times();
        let coords = &self.route.0;
        let mut path = vec![position_on(coords, &times, from)?];
        for (c, t) in coords.iter().zip(&times) {
            if from < *t && *t < until {
                path.push(*c);
            }
        }
        path.push(position_on(coords, &times, until)?);
        Some(LineString::from(path))
    }
}

/// Position on a timed polyline at `at` (clamped to its first and last times).
fn position_on(coords: &[Coord<f64>], times: &[Timestamp], at: Timestamp) -> Option<Coord<f64>> {
    let (first, last) = (coords.first()?, coords.last()?);
    if times.first().is_none_or(|t| at <= *t) {
        return Some(*first);
    }
    for i in 1..coords.len().min(times.len()) {
        let (t0, t1) = (times[i - 1], times[i]);
        if at <= t1 {
            let span = t1.duration_since(t0).as_secs_f64();
            let f = if span > 0.0 {
                at.duration_since(t0).as_secs_f64() / span
            } else {
                1.0
            };
            let (a, b) = (coords[i - 1], coords[i]);
            return Some(coord! { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f });
        }
    }
    Some(*last)
}

/// Distance along the route from its start to each vertex, metres.
fn cumulative_lengths_m(route: &LineString<f64>) -> Vec<f64> {
    let mut total = 0.0;
    let mut out = Vec::with_capacity(route.0.len());
    let mut previous: Option<Coord<f64>> = None;
    for c in &route.0 {
        if let Some(p) = previous {
            total += haversine_m(p, *c);
        }
        out.push(total);
        previous = Some(*c);
    }
    out
}

/// `t + secs` rounded to the millisecond (saturating at the representable range).
pub(crate) fn add_secs(t: Timestamp, secs: f64) -> Timestamp {
    let d = SignedDuration::from_millis((secs * 1000.0).round() as i64);
    t.checked_add(d).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::line_string;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn convoy(schedule: Schedule) -> Movement {
        Movement {
            id: "m".into(),
            notifier: "un_ocha".into(),
            route: line_string![(x: 0.0, y: 0.0), (x: 0.1, y: 0.0), (x: 0.1, y: 0.1)],
            window_start: t("2016-09-19T07:00:00Z"),
            window_end: t("2016-09-19T20:00:00Z"),
            schedule,
            vehicles: 3,
            markings: vec![],
            recipients: vec![],
        }
    }

    #[test]
    fn waypoint_times_are_honoured() {
        let m = convoy(Schedule::Waypoints(vec![
            t("2016-09-19T08:00:00Z"),
            t("2016-09-19T09:00:00Z"),
            t("2016-09-19T11:00:00Z"),
        ]));
        m.validate().unwrap();
        let p = m.expected_position(t("2016-09-19T10:00:00Z")).unwrap();
        assert!(
            (p.x - 0.1).abs() < 1e-12 && (p.y - 0.05).abs() < 1e-12,
            "{p:?}"
        );
        assert_eq!(
            m.expected_position(t("2016-09-19T07:30:00Z")),
            Some(coord! { x: 0.0, y: 0.0 })
        );
        assert_eq!(m.expected_position(t("2016-09-19T06:59:59Z")), None);
    }

    #[test]
    fn linear_schedule_moves_at_constant_speed() {
        let m = convoy(Schedule::Linear {
            depart: t("2016-09-19T08:00:00Z"),
            arrive: t("2016-09-19T10:00:00Z"),
        });
        // The two legs are (almost) equally long, so at 09:00 it is near the corner.
        let p = m.expected_position(t("2016-09-19T09:00:00Z")).unwrap();
        assert!((p.x - 0.1).abs() < 1e-4 && p.y.abs() < 1e-4, "{p:?}");
    }

    #[test]
    fn path_during_clips_to_the_interval() {
        let m = convoy(Schedule::Waypoints(vec![
            t("2016-09-19T08:00:00Z"),
            t("2016-09-19T09:00:00Z"),
            t("2016-09-19T11:00:00Z"),
        ]));
        let path = m
            .path_during(t("2016-09-19T08:30:00Z"), t("2016-09-19T10:00:00Z"))
            .unwrap();
        let xy: Vec<(f64, f64)> = path.0.iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(xy.len(), 3);
        assert!((xy[0].0 - 0.05).abs() < 1e-12);
        assert_eq!(xy[1], (0.1, 0.0));
        assert!((xy[2].1 - 0.05).abs() < 1e-12);
        assert!(
            m.path_during(t("2016-09-19T21:00:00Z"), t("2016-09-19T22:00:00Z"))
                .is_none()
        );
    }

    proptest::proptest! {
        /// Wherever the movement is expected at an instant of the interval lies on the path the
        /// interval yields (the strike check relies on it).
        #[test]
        fn expected_positions_lie_on_the_path(a in 0i64..46_800, b in 0i64..46_800, k in 0.0..1.0f64) {
            let m = convoy(Schedule::Waypoints(vec![
                t("2016-09-19T08:00:00Z"),
                t("2016-09-19T09:00:00Z"),
                t("2016-09-19T11:00:00Z"),
            ]));
            let start = t("2016-09-19T07:00:00Z");
            let (lo, hi) = (a.min(b), a.max(b));
            let from = add_secs(start, lo as f64);
            let until = add_secs(start, hi as f64);
            let at = add_secs(from, (hi - lo) as f64 * k);
            let path = m.path_during(from, until).unwrap();
            let p = m.expected_position(at).unwrap();
            let d = jic_geo::Shape::Line(path).distance_m(&jic_geo::Place::Point(p));
            proptest::prop_assert!(d < 0.01, "{d} m off the path");
        }
    }

    #[test]
    fn validation_names_the_field() {
        let mut m = convoy(Schedule::Waypoints(vec![t("2016-09-19T08:00:00Z")]));
        assert!(
            matches!(m.validate(), Err(Error::Invalid { field, .. }) if field == "schedule.waypoint_times")
        );
        m.schedule = Schedule::Linear {
            depart: t("2016-09-19T21:00:00Z"),
            arrive: t("2016-09-19T22:00:00Z"),
        };
        assert!(m.validate().is_err());
        m.route = line_string![(x: 0.0, y: 0.0)];
        assert!(matches!(m.validate(), Err(Error::Invalid { field, .. }) if field == "route"));
    }
}
