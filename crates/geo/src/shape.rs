//! Shapes (what zones and sites are) and places (what an action or filing touches), with the
//! distance between them in metres.
//!
//! # Definition
//! [`Shape::distance_m`] is the smallest distance between any point of the shape and any point
//! of the place: 0 when they touch or overlap. The boundary counts as inside (a strike area
//! touching a protected polygon's edge is *at* the site), which is why containment uses geo's
//! `Intersects` rather than `Contains` (which excludes the boundary).
//!
//! # Method
//! Overlap is decided exactly in degrees with geo's robust predicates. Separations are measured
//! in the [`LocalFrame`] of the place (see `sphere`), vertex-to-edge both ways, which is exact
//! for straight edges in that frame. Point-to-point distances use [`haversine_m`].
//!
//! # Units
//! Degrees (WGS-84, `x` = longitude, `y` = latitude) in, metres out.

use geo::{BoundingRect, Intersects};
use geo_types::{Coord, LineString, MultiPolygon, Polygon, Rect};

use crate::sphere::{LocalFrame, haversine_m};

/// What a zone or a site is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A single position (a site, a route point).
    Point(Coord<f64>),
    /// A polyline (a route). It has no interior: containment never holds, distance does.
    Line(LineString<f64>),
    /// One or more polygons with holes (a zone). The boundary is part of the area.
    Area(MultiPolygon<f64>),
}

/// Where an action or filing happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// A position.
    Point(Coord<f64>),
    /// A disc: a centre and a radius in metres (e.g. a strike point plus its effects radius).
    Circle {
        /// Centre of the disc.
        center: Coord<f64>,
        /// Radius in metres; negative values are treated as 0.
        radius_m: f64,
    },
    /// A polygon (e.g. a strike area).
    Area(Polygon<f64>),
}

impl Place {
    /// The bounding box in degrees, before any radius is added (the centre for a circle).
    pub fn core_bbox(&self) -> Option<Rect<f64>> {
        match self {
            Place::Point(c) | Place::Circle { center: c, .. } => Some(Rect::new(*c, *c)),
            Place::Area(p) => p.bounding_rect(),
        }
    }

    /// The extra radius in metres around [`Place::core_bbox`] that the place covers.
    pub fn radius_m(&self) -> f64 {
        match self {
            Place::Circle { radius_m, .. } if radius_m.is_finite() => radius_m.max(0.0),
            _ => 0.0,
        }
    }

    /// True when every coordinate is a finite number (the distance code returns NaN otherwise).
    pub fn is_finite(&self) -> bool {
        match self {
            Place::Point(c) => c.x.is_finite() && c.y.is_finite(),
            Place::Circle { center, radius_m } => {
                center.x.is_finite() && center.y.is_finite() && !radius_m.is_nan()
            }
            Place::Area(p) => p
                .exterior()
                .coords()
                .chain(p.interiors().iter().flat_map(|r| r.coords()))
                .all(|c| c.x.is_finite() && c.y.is_finite()),
        }
    }
}

impl Shape {
    /// The bounding box in degrees (`None` for an empty geometry).
    pub fn bbox(&self) -> Option<Rect<f64>> {
        match self {
            Shape::Point(c) => Some(Rect::new(*c, *c)),
            Shape::Line(l) => l.bounding_rect(),
            Shape::Area(a) => a.bounding_rect(),
        }
    }

    /// True when the point lies in the shape's area, boundary included. Points and lines have no
    /// area, so this holds for them only at exactly their coordinates.
    pub fn covers_point(&self, p: Coord<f64>) -> bool {
        match self {
            Shape::Point(c) => *c == p,
            Shape::Line(l) => l.intersects(&p),
            Shape::Area(a) => a.intersects(&p),
        }
    }

    /// Smallest distance in metres between the shape and the place (0 when they touch or
    /// overlap). A circle's radius is subtracted and the result clamped at 0.
    ///
    /// ```
    /// use geo_types::{coord, polygon, MultiPolygon};
    /// use jic_geo::{Place, Shape};
    /// // A 0.02° square around Deir ez-Zor airport; a point 0.01° (≈ 1.1 km) north of its edge.
    /// let zone = Shape::Area(MultiPolygon(vec![polygon![
    ///     (x: 40.1658, y: 35.2753), (x: 40.1858, y: 35.2753),
    ///     (x: 40.1858, y: 35.2953), (x: 40.1658, y: 35.2953),
    /// ]]));
    /// let d = zone.distance_m(&Place::Point(coord! { x: 40.1758, y: 35.3053 }));
    /// assert!((d - 1_112.0).abs() < 5.0, "{d}");
    /// assert_eq!(zone.distance_m(&Place::Point(coord! { x: 40.1758, y: 35.2853 })), 0.0);
    /// ```
    pub fn distance_m(&self, place: &Place) -> f64 {
        match place {
            Place::Point(p) => self.distance_to_point_m(*p),
            Place::Circle { center, radius_m } => {
                let r = if radius_m.is_finite() {
                    radius_m.max(0.0)
                } else {
                    0.0
                };
                (self.distance_to_point_m(*center) - r).max(0.0)
            }
            Place::Area(poly) => self.distance_to_polygon_m(poly),
        }
    }

    fn distance_to_point_m(&self, p: Coord<f64>) -> f64 {
        match self {
            Shape::Point(c) => haversine_m(*c, p),
            Shape::Line(l) => segments_distance_m(LocalFrame::at_latitude(p.y), p, l),
            Shape::Area(a) => {
                if a.intersects(&p) {
                    return 0.0;
                }
                let frame = LocalFrame::at_latitude(p.y);
                a.0.iter()
                    .flat_map(rings)
                    .map(|ring| segments_distance_m(frame, p, ring))
                    .fold(f64::INFINITY, f64::min)
            }
        }
    }

    fn distance_to_polygon_m(&self, poly: &Polygon<f64>) -> f64 {
        let Some(first) = poly.exterior().0.first().copied() else {
            return f64::INFINITY;
        };
        let frame = LocalFrame::at_latitude(first.y);
        match self {
            Shape::Point(c) => {
                if poly.intersects(c) {
                    0.0
                } else {
                    rings(poly)
                        .map(|r| segments_distance_m(frame, *c, r))
                        .fold(f64::INFINITY, f64::min)
                }
            }
            Shape::Line(l) => {
                if poly.intersects(l) {
                    0.0
                } else {
                    linework_distance_m(frame, std::iter::once(l), rings(poly))
                }
            }
            Shape::Area(a) => {
                if a.intersects(poly) {
                    0.0
                } else {
                    linework_distance_m(frame, a.0.iter().flat_map(rings), rings(poly))
                }
            }
        }
    }
}

/// The exterior and interior rings of a polygon.
fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> + Clone {
    std::iter::once(p.exterior()).chain(p.interiors())
}

/// Distance from `p` to the nearest segment of `line` (a one-position line is a point).
fn segments_distance_m(frame: LocalFrame, p: Coord<f64>, line: &LineString<f64>) -> f64 {
    match line.0.as_slice() {
        [] => f64::INFINITY,
        [only] => frame.point_segment_m(p, *only, *only),
        coords => coords
            .windows(2)
            .map(|w| frame.point_segment_m(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Smallest distance between two non-crossing sets of polylines: for straight segments that do
/// not intersect, the minimum is always attained at a vertex of one of them.
fn linework_distance_m<'a>(
    frame: LocalFrame,
    a: impl Iterator<Item = &'a LineString<f64>>,
    b: impl Iterator<Item = &'a LineString<f64>>,
) -> f64 {
    let b: Vec<&LineString<f64>> = b.collect();
    let mut best = f64::INFINITY;
    for la in a {
        for &lb in &b {
            for v in &la.0 {
                best = best.min(segments_distance_m(frame, *v, lb));
            }
            for v in &lb.0 {
                best = best.min(segments_distance_m(frame, *v, la));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sphere::METRES_PER_DEGREE;
    use geo_types::{coord, line_string, polygon};

    fn square(x0: f64, y0: f64, side: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x0 + side, y: y0), (x: x0 + side, y: y0 + side), (x: x0, y: y0 + side)]
    }

    #[test]
    fn boundary_counts_as_inside() {
        let zone = Shape::Area(MultiPolygon(vec![square(0.0, 0.0, 1.0)]));
        assert!(zone.covers_point(coord! { x: 1.0, y: 0.5 }));
        assert!(
            zone.distance_m(&Place::Point(coord! { x: 1.0, y: 0.5 }))
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn holes_are_outside() {
        let with_hole = Polygon::new(
            square(0.0, 0.0, 1.0).exterior().clone(),
            vec![square(0.25, 0.25, 0.5).exterior().clone()],
        );
        let zone = Shape::Area(MultiPolygon(vec![with_hole]));
        let d = zone.distance_m(&Place::Point(coord! { x: 0.5, y: 0.5 }));
        // The nearest hole edge is 0.25° east or west (shortened by cos 0.5°) or north or south.
        assert!((d - 0.25 * METRES_PER_DEGREE).abs() < 2.0, "{d}");
    }

    #[test]
    fn circle_radius_is_subtracted() {
        let site = Shape::Point(coord! { x: 0.0, y: 0.0 });
        let place = Place::Circle {
            center: coord! { x: 0.01, y: 0.0 },
            radius_m: 500.0,
        };
        let d = site.distance_m(&place);
        assert!((d - (0.01 * METRES_PER_DEGREE - 500.0)).abs() < 1e-3, "{d}");
        let big = Place::Circle {
            center: coord! { x: 0.01, y: 0.0 },
            radius_m: 5_000.0,
        };
        assert!(site.distance_m(&big).abs() < 1e-12);
    }

    #[test]
    fn polygon_to_polygon_and_line() {
        let zone = Shape::Area(MultiPolygon(vec![square(0.0, 0.0, 1.0)]));
        let area = square(1.1, 0.0, 0.5);
        let d = zone.distance_m(&Place::Area(area));
        assert!((d - 0.1 * METRES_PER_DEGREE).abs() < 1.0, "{d}");
        assert!(zone.distance_m(&Place::Area(square(0.9, 0.9, 0.5))).abs() < 1e-12);
        let road = Shape::Line(line_string![(x: 0.0, y: 2.0), (x: 1.0, y: 2.0)]);
        let d = road.distance_m(&Place::Area(square(0.0, 0.0, 1.0)));
        assert!((d - METRES_PER_DEGREE).abs() < 1.0, "{d}");
        assert!(!road.covers_point(coord! { x: 0.5, y: 1.0 }));
    }
}
