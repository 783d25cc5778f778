//! A spatial index of prepared shapes: "which zones or sites lie within d metres of this place?"
//!
//! # Design
//! Every entry's bounding box, grown by its own *reach* (a per-entry buffer, e.g. a protected
//! site's protection radius or a route's corridor half-width), is stored in an rstar R-tree.
//! A query grows the place's bounding box by the asked distance (plus a circle's radius)
//! converted to degrees with a margin that never underestimates ([`degree_margins`]), asks the
//! tree for overlapping boxes — O(log n + k) — and only then runs the exact test
//! [`Shape::distance_m`] on the k candidates. With 100,000 sites and 10,000 zone polygons a
//! strike-area query touches a handful of candidates, which is what keeps the strike check's
//! p99 in microseconds.
//!
//! The index is immutable once built (bulk loading gives a better tree than inserts, and
//! agreement versions and site lists are replaced wholesale); rebuild it when the set changes.

use geo_types::Rect;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use crate::shape::{Place, Shape};
use crate::sphere::degree_margins;

/// One indexed shape with its reach and the caller's payload (an id, a zone reference, …).
#[derive(Debug, Clone)]
pub struct Entry<T> {
    /// The geometry.
    pub shape: Shape,
    /// Extra distance in metres within which the entry counts as touched (0 for none).
    pub reach_m: f64,
    /// What the caller wants back.
    pub value: T,
}

/// A match returned by a query.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a, T> {
    /// Position of the entry in the order it was given to [`ShapeIndex::new`].
    pub position: usize,
    /// The entry.
    pub entry: &'a Entry<T>,
    /// Distance in metres from the place to the shape itself (0 when they overlap), before the
    /// entry's reach is taken into account.
    pub distance_m: f64,
}

type Boxed = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An immutable R-tree over [`Entry`] values. See the module documentation for the method.
#[derive(Debug, Clone)]
pub struct ShapeIndex<T> {
    entries: Vec<Entry<T>>,
    tree: RTree<Boxed>,
}

impl<T> ShapeIndex<T> {
    /// Builds the index. Entries whose shape is empty or has non-finite coordinates are kept
    /// (positions stay stable) but can never be returned by a query.
    pub fn new(entries: Vec<Entry<T>>) -> Self {
        let boxes = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| grown(e.shape.bbox()?, e.reach_m).map(|r| Boxed::new(r, i)))
            .collect();
        Self {
            entries,
            tree: RTree::bulk_load(boxes),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries in their original order.
    pub fn entries(&self) -> &[Entry<T>] {
        &self.entries
    }

    /// Entries whose shape lies within `distance_m + reach_m` metres of the place (boundary
    /// inclusive), in ascending position order. `distance_m` ≤ 0 asks for entries the place
    /// touches (or reaches, for entries with a reach).
    ///
    /// ```
    /// use geo_types::coord;
    /// use jic_geo::{Entry, Place, Shape, ShapeIndex};
    /// let sites = ShapeIndex::new(vec![
    ///     Entry { shape: Shape::Point(coord! { x: 36.9678, y: 36.1516 }), reach_m: 0.0, value: "warehouse" },
    ///     Entry { shape: Shape::Point(coord! { x: 40.1758, y: 35.2853 }), reach_m: 0.0, value: "airport" },
    /// ]);
    /// // Urum al-Kubra town centre is about 1.7 km from the SARC warehouse.
    /// let town = Place::Point(coord! { x: 36.9500, y: 36.1486 });
    /// let near: Vec<_> = sites.within_m(&town, 2_000.0).map(|h| h.entry.value).collect();
    /// assert_eq!(near, ["warehouse"]);
    /// ```
    pub fn within_m<'a>(
        &'a self,
        place: &'a Place,
        distance_m: f64,
    ) -> impl Iterator<Item = Hit<'a, T>> + 'a {
        let distance_m = if distance_m.is_finite() {
            distance_m.max(0.0)
        } else {
            0.0
        };
        let query = place
            .is_finite()
            .then(|| place.core_bbox())
            .flatten()
            .and_then(|b| grown(b, distance_m + place.radius_m()));
        let mut positions: Vec<usize> = match query {
            Some(rect) => {
                let env = AABB::from_corners(rect.lower(), rect.upper());
                self.tree
                    .locate_in_envelope_intersecting(&env)
                    .map(|b| b.data)
                    .collect()
            }
            None => Vec::new(),
        };
        positions.sort_unstable();
        positions.into_iter().filter_map(move |position| {
            let entry = self.entries.get(position)?;
            let d = entry.shape.distance_m(place);
            let reach = if entry.reach_m.is_finite() {
                entry.reach_m.max(0.0)
            } else {
                0.0
            };
            (d <= distance_m + reach).then_some(Hit {
                position,
                entry,
                distance_m: d,
            })
        })
    }

    /// Entries the place touches or reaches (`within_m(place, 0)`).
    pub fn touching<'a>(&'a self, place: &'a Place) -> impl Iterator<Item = Hit<'a, T>> + 'a {
        self.within_m(place, 0.0)
    }

    /// The same query answered by testing every entry: the oracle the tests and benchmarks
    /// compare [`ShapeIndex::within_m`] with.
    pub fn within_m_brute_force<'a>(
        &'a self,
        place: &'a Place,
        distance_m: f64,
    ) -> impl Iterator<Item = Hit<'a, T>> + 'a {
        let distance_m = if distance_m.is_finite() {
            distance_m.max(0.0)
        } else {
            0.0
        };
        self.entries
            .iter()
            .enumerate()
            .filter_map(move |(position, entry)| {
                let d = entry.shape.distance_m(place);
                let reach = if entry.reach_m.is_finite() {
                    entry.reach_m.max(0.0)
                } else {
                    0.0
                };
                (d <= distance_m + reach).then_some(Hit {
                    position,
                    entry,
                    distance_m: d,
                })
            })
    }
}

/// A bounding box grown by `metres` on every side, as an rstar rectangle (`None` if not finite).
fn grown(rect: Rect<f64>, metres: f64) -> Option<Rectangle<[f64; 2]>> {
    let metres = if metres.is_finite() {
        metres.max(0.0)
    } else {
        0.0
    };
    let (min, max) = (rect.min(), rect.max());
    if ![min.x, min.y, max.x, max.y].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (d_lon, d_lat) = degree_margins(metres, min.y.abs().max(max.y.abs()));
    Some(Rectangle::from_corners(
        [min.x - d_lon, min.y - d_lat],
        [max.x + d_lon, max.y + d_lat],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{MultiPolygon, coord, polygon};
    use proptest::prelude::*;

    fn square(x0: f64, y0: f64, side: f64) -> Shape {
        Shape::Area(MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x0 + side, y: y0), (x: x0 + side, y: y0 + side), (x: x0, y: y0 + side)
        ]]))
    }

    #[test]
    fn reach_extends_an_entry() {
        let index = ShapeIndex::new(vec![
            Entry {
                shape: Shape::Point(coord! { x: 37.0, y: 36.0 }),
                reach_m: 500.0,
                value: 1,
            },
            Entry {
                shape: Shape::Point(coord! { x: 37.0, y: 36.0 }),
                reach_m: 0.0,
                value: 2,
            },
        ]);
        // ~445 m north of both sites.
        let place = Place::Point(coord! { x: 37.0, y: 36.004 });
        let hits: Vec<_> = index.touching(&place).map(|h| h.entry.value).collect();
        assert_eq!(hits, [1]);
        let hits: Vec<_> = index
            .within_m(&place, 450.0)
            .map(|h| h.entry.value)
            .collect();
        assert_eq!(hits, [1, 2]);
    }

    proptest! {
        #[test]
        fn index_agrees_with_brute_force(
            shapes in prop::collection::vec((35.0..36.0f64, 36.0..37.0f64, 0.0..0.05f64, 0.0..2_000.0f64), 1..40),
            qx in 35.0..36.0f64, qy in 36.0..37.0f64, radius in 0.0..5_000.0f64, d in 0.0..10_000.0f64,
        ) {
            let entries: Vec<_> = shapes.iter().enumerate().map(|(i, &(x, y, side, reach))| Entry {
                shape: if side < 0.01 { Shape::Point(coord! { x: x, y: y }) } else { square(x, y, side) },
                reach_m: reach,
                value: i,
            }).collect();
            let index = ShapeIndex::new(entries);
            for place in [
                Place::Point(coord! { x: qx, y: qy }),
                Place::Circle { center: coord! { x: qx, y: qy }, radius_m: radius },
                Place::Area(polygon![(x: qx, y: qy), (x: qx + 0.02, y: qy), (x: qx, y: qy + 0.02)]),
            ] {
                let fast: Vec<_> = index.within_m(&place, d).map(|h| h.position).collect();
                let slow: Vec<_> = index.within_m_brute_force(&place, d).map(|h| h.position).collect();
                prop_assert_eq!(fast, slow);
            }
        }
    }
}
