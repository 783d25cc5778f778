//! Distances on the sphere and the local flat frame used for short-range measurements.
//!
//! jic measures on a sphere of radius [`EARTH_RADIUS_M`] = 6,371,000 m (the IUGG mean radius),
//! the same model the deconfliction semantics in DESIGN.md §3.2 fix. Against the WGS-84
//! ellipsoid the spherical model errs by at most about 0.5 % in distance, well inside the
//! uncertainty of every position an agreement or a filing carries.
//!
//! Longitudes are not wrapped across the antimeridian: the theatre this code was written for
//! (Syria, 32–42° E) is far from it, and prepared zones assume `-180 ≤ lon ≤ 180` without a
//! seam crossing inside one geometry.

use geo_types::Coord;

/// Mean Earth radius in metres (IUGG), the sphere every jic distance is measured on.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Metres per degree of latitude on the jic sphere (≈ 111,195 m).
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance in metres between two WGS-84 positions (`x` = longitude, `y` =
/// latitude, degrees), by the haversine formula on a sphere of radius [`EARTH_RADIUS_M`].
///
/// # Units
/// Degrees in, metres out.
///
/// # Edge cases
/// Identical points give exactly 0. Antipodal points give `π·R` (the formula is well conditioned
/// near 0 and only loses a few metres of precision near the antipode, which jic never measures).
/// Non-finite input gives NaN.
///
/// # Example
/// Deir ez-Zor airport (35.2853 N, 40.1758 E) to the estimated Jabal al-Tharda strike centre
/// (35.257 N, 40.141 E) is about 4.5 km:
/// ```
/// use geo_types::coord;
/// let airport = coord! { x: 40.1758, y: 35.2853 };
/// let tharda = coord! { x: 40.141, y: 35.257 };
/// let d = jic_geo::haversine_m(airport, tharda);
/// assert!((d - 4_462.0).abs() < 20.0, "{d}");
/// ```
pub fn haversine_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (phi_a, phi_b) = (a.y.to_radians(), b.y.to_radians());
    let d_phi = phi_b - phi_a;
    let d_lambda = (b.x - a.x).to_radians();
    let h =
        (d_phi / 2.0).sin().powi(2) + phi_a.cos() * phi_b.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// An equirectangular flat frame around a reference latitude: `x = R·Δλ·cos φ₀`, `y = R·Δφ`.
///
/// The map from degrees to this frame is *linear*, so containment and intersection computed in
/// degrees are the same as in the frame; only lengths need the scale factors. Over the tens of
/// kilometres jic measures (buffers, effects radii, withdrawal distances) the error against the
/// great circle is below 1 % at Syrian latitudes (it grows with the north–south extent times
/// `tan φ₀`), which is far below the uncertainty of the positions involved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    metres_per_degree_lon: f64,
    metres_per_degree_lat: f64,
}

impl LocalFrame {
    /// A frame centred on latitude `lat_deg` (degrees).
    pub fn at_latitude(lat_deg: f64) -> Self {
        Self {
            metres_per_degree_lon: METRES_PER_DEGREE * lat_deg.to_radians().cos().max(0.0),
            metres_per_degree_lat: METRES_PER_DEGREE,
        }
    }

    /// The vector from `from` to `to` in metres (east, north).
    pub fn offset_m(&self, from: Coord<f64>, to: Coord<f64>) -> (f64, f64) {
        (
            (to.x - from.x) * self.metres_per_degree_lon,
            (to.y - from.y) * self.metres_per_degree_lat,
        )
    }

    /// Distance in metres from point `p` to the segment `a`–`b` (a zero-length segment is a
    /// point).
    pub fn point_segment_m(&self, p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
        let (ax, ay) = self.offset_m(p, a);
        let (bx, by) = self.offset_m(p, b);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        // Parameter of the foot of the perpendicular from the origin (= p), clamped to the segment.
        let t = if len2 > 0.0 {
            (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (cx, cy) = (ax + t * dx, ay + t * dy);
        cx.hypot(cy)
    }
}

/// How many degrees of latitude and longitude a distance of `distance_m` metres can span at
/// latitudes up to `max_abs_lat_deg`: used to grow bounding boxes before an exact test.
///
/// Never underestimates: the longitude span uses the cosine of the highest latitude reached,
/// and becomes 360° (the whole band) near the poles.
pub fn degree_margins(distance_m: f64, max_abs_lat_deg: f64) -> (f64, f64) {
    let d_lat = distance_m / METRES_PER_DEGREE;
    let lat = (max_abs_lat_deg.abs() + d_lat).min(90.0);
    let cos = lat.to_radians().cos();
    // 1 % slack covers the difference between the great circle and the flat frame.
    let d_lon = if cos > 1e-6 {
        (d_lat / cos * 1.01).min(360.0)
    } else {
        360.0
    };
    (d_lon, d_lat * 1.01)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    #[test]
    fn haversine_known_distances() {
        // One degree of longitude on the equator is R·π/180.
        let d = haversine_m(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 0.0 });
        assert!((d - METRES_PER_DEGREE).abs() < 1e-6);
        // Damascus (33.5138 N, 36.2765 E) to Aleppo (36.2021 N, 37.1343 E): about 309 km.
        let d = haversine_m(
            coord! { x: 36.2765, y: 33.5138 },
            coord! { x: 37.1343, y: 36.2021 },
        );
        assert!((d - 309_000.0).abs() < 2_000.0, "{d}");
        assert!(haversine_m(coord! { x: 5.0, y: 5.0 }, coord! { x: 5.0, y: 5.0 }).abs() < 1e-9);
    }

    #[test]
    fn local_frame_agrees_with_haversine_at_short_range() {
        let p = coord! { x: 37.15, y: 36.25 };
        let q = coord! { x: 37.20, y: 36.28 };
        let frame = LocalFrame::at_latitude(p.y);
        let flat = frame.point_segment_m(p, q, q);
        let great = haversine_m(p, q);
        assert!((flat - great).abs() / great < 0.01, "{flat} vs {great}");
    }

    #[test]
    fn point_segment_projects_onto_the_interior() {
        let frame = LocalFrame::at_latitude(0.0);
        let d = frame.point_segment_m(
            coord! { x: 0.5, y: 0.01 },
            coord! { x: 0.0, y: 0.0 },
            coord! { x: 1.0, y: 0.0 },
        );
        assert!((d - 0.01 * METRES_PER_DEGREE).abs() < 1e-6);
    }

    #[test]
    fn margins_never_underestimate() {
        let (d_lon, d_lat) = degree_margins(10_000.0, 36.0);
        let east = coord! { x: 37.0 + d_lon, y: 36.0 };
        assert!(haversine_m(coord! { x: 37.0, y: 36.0 }, east) >= 10_000.0);
        assert!(d_lat * METRES_PER_DEGREE >= 10_000.0);
        assert!((degree_margins(1.0, 90.0).0 - 360.0).abs() < 1e-9);
    }
}
