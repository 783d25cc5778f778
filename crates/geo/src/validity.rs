//! Polygon validity as RFC 7946 and the agreement loader need it: coordinates in range, rings
//! closed and long enough, no self-intersection (within a ring or between rings), and the
//! right-hand rule for winding (RFC 7946 §3.1.6: exterior rings counter-clockwise, holes
//! clockwise).
//!
//! The checks work on raw positions (`x` = longitude, `y` = latitude, degrees) so that callers
//! can map a problem back to the vertex — and the line and column — it came from.
//!
//! # Method
//! Winding is the sign of the shoelace area in degrees (positive = counter-clockwise; the map to
//! any local flat frame is linear with positive determinant, so the sign is frame-independent).
//! Intersections are found by indexing every segment's bounding box in an R-tree and testing
//! only overlapping pairs with geo's robust `line_intersection`, so a ring of n segments costs
//! about O(n log n) rather than O(n²). Two segments that share a ring vertex as consecutive
//! segments may touch there; any other contact — crossing, touching or overlapping — is an
//! intersection, because a valid ring is simple.

use geo::Intersects;
use geo::line_intersection::{LineIntersection, line_intersection};
use geo_types::{Coord, Line, LineString, Polygon};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

/// Whether a ring is a polygon's exterior or one of its holes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingRole {
    /// The outer boundary: must wind counter-clockwise.
    Exterior,
    /// A hole: must wind clockwise.
    Hole,
}

/// One thing wrong with a polygon. `ring` is 0 for the exterior, 1.. for holes in order;
/// `vertex` and `segment` index positions within that ring (segment `i` joins vertex `i` and
/// `i + 1`).
#[derive(Debug, Clone, PartialEq)]
pub enum PolygonProblem {
    /// A longitude outside [-180, 180], a latitude outside [-90, 90], or a non-finite number.
    CoordinateOutOfRange {
        /// Ring index.
        ring: usize,
        /// Vertex index within the ring.
        vertex: usize,
        /// The offending position.
        position: Coord<f64>,
    },
    /// Fewer than 4 positions (a closed triangle needs 4).
    TooFewPositions {
        /// Ring index.
        ring: usize,
        /// How many positions it has.
        count: usize,
    },
    /// The last position differs from the first.
    NotClosed {
        /// Ring index.
        ring: usize,
    },
    /// The ring encloses no area (all points on a line, or repeated).
    ZeroArea {
        /// Ring index.
        ring: usize,
    },
    /// The ring winds the wrong way for its role.
    WrongWinding {
        /// Ring index.
        ring: usize,
        /// The role that fixes the expected direction.
        role: RingRole,
    },
    /// A hole lies outside the exterior ring (checked when no edges cross).
    HoleOutsideExterior {
        /// Ring index of the hole.
        ring: usize,
    },
    /// Two segments cross, touch or overlap.
    SelfIntersection {
        /// Ring of the first segment.
        ring_a: usize,
        /// First segment index.
        segment_a: usize,
        /// Ring of the second segment.
        ring_b: usize,
        /// Second segment index.
        segment_b: usize,
        /// Where they meet (one point of the overlap when collinear).
        at: Coord<f64>,
    },
}

/// At most this many intersections are reported per polygon: a scrambled ring would otherwise
/// produce thousands of identical complaints.
pub const MAX_INTERSECTIONS_REPORTED: usize = 8;

/// True when the position is a valid WGS-84 longitude/latitude pair.
pub fn coordinate_in_range(c: Coord<f64>) -> bool {
    c.x.is_finite()
        && c.y.is_finite()
        && (-180.0..=180.0).contains(&c.x)
        && (-90.0..=90.0).contains(&c.y)
}

/// Twice the signed shoelace area of a closed ring, in square degrees (positive =
/// counter-clockwise).
pub fn ring_signed_area2(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

/// Every problem with a polygon given as rings of positions (exterior first), in ring order.
///
/// ```
/// use geo_types::coord;
/// use jic_geo::validity::{check_polygon, PolygonProblem};
/// // A bow tie: the edges (0,0)-(1,1) and (1,0)-(0,1) cross at (0.5, 0.5).
/// let ring = vec![
///     coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 },
///     coord! { x: 1.0, y: 0.0 }, coord! { x: 0.0, y: 1.0 }, coord! { x: 0.0, y: 0.0 },
/// ];
/// let problems = check_polygon(&[ring]);
/// assert!(problems.iter().any(|p| matches!(p, PolygonProblem::SelfIntersection { .. })));
/// ```
pub fn check_polygon(rings: &[Vec<Coord<f64>>]) -> Vec<PolygonProblem> {
    let mut problems = Vec::new();
    let mut well_formed = Vec::with_capacity(rings.len());
    for (ring, positions) in rings.iter().enumerate() {
        let mut ok = true;
        for (vertex, &position) in positions.iter().enumerate() {
            if !coordinate_in_range(position) {
                problems.push(PolygonProblem::CoordinateOutOfRange {
                    ring,
                    vertex,
                    position,
                });
                ok = false;
            }
        }
        if positions.len() < 4 {
            problems.push(PolygonProblem::TooFewPositions {
                ring,
                count: positions.len(),
            });
            ok = false;
        } else if positions.first() != positions.last() {
            problems.push(PolygonProblem::NotClosed { ring });
            ok = false;
        }
        if ok {
            let area2 = ring_signed_area2(positions);
            let role = if ring == 0 {
                RingRole::Exterior
            } else {
                RingRole::Hole
            };
            if area2 == 0.0 || !area2.is_finite() {
                problems.push(PolygonProblem::ZeroArea { ring });
            } else if (area2 > 0.0) != (role == RingRole::Exterior) {
                problems.push(PolygonProblem::WrongWinding { ring, role });
            }
        }
        well_formed.push(ok);
    }
    let crossings = intersections(rings, &well_formed);
    // With no crossings, a hole is either wholly inside the exterior or wholly outside it, so
    // testing one vertex decides.
    if crossings.is_empty() && well_formed.first().copied().unwrap_or(false) {
        let exterior = Polygon::new(LineString::new(rings[0].clone()), Vec::new());
        for (ring, positions) in rings.iter().enumerate().skip(1) {
            if well_formed.get(ring).copied().unwrap_or(false)
                && positions.first().is_some_and(|c| !exterior.intersects(c))
            {
                problems.push(PolygonProblem::HoleOutsideExterior { ring });
            }
        }
    }
    problems.extend(crossings);
    problems
}

type Segment = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;

fn intersections(rings: &[Vec<Coord<f64>>], well_formed: &[bool]) -> Vec<PolygonProblem> {
    let mut segments = Vec::new();
    for (ring, positions) in rings.iter().enumerate() {
        if !well_formed.get(ring).copied().unwrap_or(false) {
            continue;
        }
        for (i, w) in positions.windows(2).enumerate() {
            let rect = Rectangle::from_corners([w[0].x, w[0].y], [w[1].x, w[1].y]);
            segments.push(Segment::new(rect, (ring, i)));
        }
    }
    let tree = RTree::bulk_load(segments.clone());
    let mut found = Vec::new();
    'search: for seg in &segments {
        let (ring_a, a) = seg.data;
        let env = AABB::from_corners(seg.geom().lower(), seg.geom().upper());
        for other in tree.locate_in_envelope_intersecting(&env) {
            let (ring_b, b) = other.data;
            // Each unordered pair once, and never a segment with itself.
            if (ring_b, b) <= (ring_a, a) {
                continue;
            }
            let line_a = line_of(rings, ring_a, a);
            let line_b = line_of(rings, ring_b, b);
            let (Some(line_a), Some(line_b)) = (line_a, line_b) else {
                continue;
            };
            let Some(hit) = line_intersection(line_a, line_b) else {
                continue;
            };
            if ring_a == ring_b && consecutive(rings[ring_a].len() - 1, a, b) {
                // Neighbours share a vertex by construction; only a collinear overlap (a spike
                // folding back on itself) is a problem.
                if !matches!(hit, LineIntersection::Collinear { intersection } if intersection.start != intersection.end)
                {
                    continue;
                }
            }
            let at = match hit {
                LineIntersection::SinglePoint { intersection, .. } => intersection,
                LineIntersection::Collinear { intersection } => intersection.start,
            };
            found.push(PolygonProblem::SelfIntersection {
                ring_a,
                segment_a: a,
                ring_b,
                segment_b: b,
                at,
            });
            if found.len() >= MAX_INTERSECTIONS_REPORTED {
                break 'search;
            }
        }
    }
    found.sort_by_key(|p| match p {
        PolygonProblem::SelfIntersection {
            ring_a,
            segment_a,
            ring_b,
            segment_b,
            ..
        } => (*ring_a, *segment_a, *ring_b, *segment_b),
        _ => (0, 0, 0, 0),
    });
    found
}

fn line_of(rings: &[Vec<Coord<f64>>], ring: usize, segment: usize) -> Option<Line<f64>> {
    let positions = rings.get(ring)?;
    Some(Line::new(
        *positions.get(segment)?,
        *positions.get(segment + 1)?,
    ))
}

/// Segments `a < b` of a closed ring with `n` segments are neighbours when they share a vertex.
fn consecutive(n: usize, a: usize, b: usize) -> bool {
    b == a + 1 || (a == 0 && b + 1 == n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| coord! { x: x, y: y }).collect()
    }

    fn check(rings: &[Vec<Coord<f64>>], expected: &[&str]) {
        let names: Vec<String> = check_polygon(rings)
            .iter()
            .map(|p| match p {
                PolygonProblem::CoordinateOutOfRange { ring, vertex, .. } => {
                    format!("range {ring}:{vertex}")
                }
                PolygonProblem::TooFewPositions { ring, count } => format!("few {ring}:{count}"),
                PolygonProblem::NotClosed { ring } => format!("open {ring}"),
                PolygonProblem::ZeroArea { ring } => format!("zero {ring}"),
                PolygonProblem::WrongWinding { ring, .. } => format!("winding {ring}"),
                PolygonProblem::HoleOutsideExterior { ring } => format!("outside {ring}"),
                PolygonProblem::SelfIntersection {
                    ring_a,
                    segment_a,
                    ring_b,
                    segment_b,
                    ..
                } => {
                    format!("cross {ring_a}:{segment_a}x{ring_b}:{segment_b}")
                }
            })
            .collect();
        assert_eq!(names, expected);
    }

    /// Every intersecting segment pair by testing all pairs: the oracle for the R-tree search.
    fn brute_force_pairs(positions: &[Coord<f64>]) -> Vec<(usize, usize)> {
        let n = positions.len() - 1;
        let mut pairs = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                let la = Line::new(positions[a], positions[a + 1]);
                let lb = Line::new(positions[b], positions[b + 1]);
                let Some(hit) = line_intersection(la, lb) else {
                    continue;
                };
                let neighbours = consecutive(n, a, b);
                let overlap = matches!(hit, LineIntersection::Collinear { intersection } if intersection.start != intersection.end);
                if !neighbours || overlap {
                    pairs.push((a, b));
                }
            }
        }
        pairs
    }

    proptest::proptest! {
        #[test]
        fn intersections_agree_with_brute_force(points in proptest::collection::vec((0..20i32, 0..20i32), 3..12)) {
            // Integer grid coordinates make touching and collinear cases common.
            let mut positions: Vec<Coord<f64>> = points.iter().map(|&(x, y)| coord! { x: f64::from(x), y: f64::from(y) }).collect();
            positions.push(positions[0]);
            let expected = brute_force_pairs(&positions);
            let found: Vec<(usize, usize)> = check_polygon(&[positions])
                .into_iter()
                .filter_map(|p| match p {
                    PolygonProblem::SelfIntersection { segment_a, segment_b, .. } => Some((segment_a, segment_b)),
                    _ => None,
                })
                .collect();
            if expected.len() <= MAX_INTERSECTIONS_REPORTED {
                proptest::prop_assert_eq!(found, expected);
            } else {
                proptest::prop_assert_eq!(found.len(), MAX_INTERSECTIONS_REPORTED);
            }
        }
    }

    const CCW: &[(f64, f64)] = &[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
    const HOLE_CW: &[(f64, f64)] = &[(0.2, 0.2), (0.2, 0.8), (0.8, 0.8), (0.8, 0.2), (0.2, 0.2)];

    #[test]
    fn table() {
        check(&[ring(CCW)], &[]);
        check(&[ring(CCW), ring(HOLE_CW)], &[]);
        let cw: Vec<_> = CCW.iter().rev().copied().collect();
        check(&[ring(&cw)], &["winding 0"]);
        let hole_ccw: Vec<_> = HOLE_CW.iter().rev().copied().collect();
        check(&[ring(CCW), ring(&hole_ccw)], &["winding 1"]);
        check(&[ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)])], &["few 0:3"]);
        check(
            &[ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])],
            &["open 0"],
        );
        // A flat ring folds back on itself: its last segment overlaps the first two.
        check(
            &[ring(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 0.0)])],
            &["zero 0", "cross 0:0x0:2", "cross 0:1x0:2"],
        );
        check(
            &[ring(&[
                (0.0, 0.0),
                (200.0, 0.0),
                (200.0, 1.0),
                (0.0, 1.0),
                (0.0, 0.0),
            ])],
            &["range 0:1", "range 0:2"],
        );
        // Bow tie: segment 0 (0,0)-(1,1) crosses segment 2 (1,0)-(0,1); its halves wind
        // oppositely, so the net area is zero too.
        check(
            &[ring(&[
                (0.0, 0.0),
                (1.0, 1.0),
                (1.0, 0.0),
                (0.0, 1.0),
                (0.0, 0.0),
            ])],
            &["zero 0", "cross 0:0x0:2"],
        );
        // A hole poking out through the exterior's right edge.
        let hole_out = ring(&[(0.5, 0.2), (0.5, 0.8), (1.5, 0.8), (1.5, 0.2), (0.5, 0.2)]);
        check(&[ring(CCW), hole_out], &["cross 0:1x1:1", "cross 0:1x1:3"]);
        // A hole wholly outside its exterior.
        let far_hole = ring(&[(5.2, 5.2), (5.2, 5.8), (5.8, 5.8), (5.8, 5.2), (5.2, 5.2)]);
        check(&[ring(CCW), far_hole], &["outside 1"]);
        // A vertex touching a non-adjacent edge (a pinched ring) is not simple.
        check(
            &[ring(&[
                (0.0, 0.0),
                (2.0, 0.0),
                (2.0, 2.0),
                (1.0, 0.0),
                (0.0, 2.0),
                (0.0, 0.0),
            ])],
            &["cross 0:0x0:2", "cross 0:0x0:3"],
        );
    }
}
