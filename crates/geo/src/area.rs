//! Areas of zones in square kilometres.
//!
//! # Method
//! Geodesic area on the WGS-84 ellipsoid (Karney's algorithm, through geo's `GeodesicArea`),
//! holes subtracted. This is the figure negotiators compare with maps, so it uses the
//! ellipsoid rather than the jic sphere; the two differ by well under 1 % at Syrian latitudes.
//!
//! # Edge cases
//! The result is unsigned, so a ring wound the wrong way still yields its true area; the
//! loader reports the winding separately. Empty geometry has area 0.

use geo::GeodesicArea;
use geo_types::MultiPolygon;

/// Area in km² of a multipolygon in WGS-84 degrees.
///
/// ```
/// use geo_types::{polygon, MultiPolygon};
/// // A 0.1° × 0.1° cell at the equator: about 11.12 km × 11.06 km (ellipsoid).
/// let cell = MultiPolygon(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 0.1, y: 0.0), (x: 0.1, y: 0.1), (x: 0.0, y: 0.1),
/// ]]);
/// let km2 = jic_geo::area_km2(&cell);
/// assert!((km2 - 123.0).abs() < 1.0, "{km2}");
/// ```
pub fn area_km2(area: &MultiPolygon<f64>) -> f64 {
    area.0
        .iter()
        .map(|p| p.geodesic_area_unsigned())
        .sum::<f64>()
        / 1e6
}
