//! Static humanitarian sites (hospitals, schools, camps, warehouses, offices …) and how much of
//! their position each party may learn.
//!
//! # Disclosure
//! A humanitarian organisation chooses per site:
//! - [`DisclosureMode::Shared`]: the recipient parties receive the site at its stated precision.
//!   [`coarsen`] snaps the geometry to a grid whose cell is the precision, so what the parties
//!   see is the same for everyone and never more exact than the organisation chose.
//! - [`DisclosureMode::Sealed`]: no party ever receives its coordinates; jic alone checks
//!   filings against it (see `sealed`). This answers the 2018–2019 fear that a shared list
//!   "paints a target" (events_2016.md §7).

use geo_types::{Coord, LineString, MultiPolygon, Polygon, coord};
use jic_geo::Shape;
use jic_geo::sphere::METRES_PER_DEGREE;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a site is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteCategory {
    /// A hospital.
    Hospital,
    /// A clinic or primary health centre.
    Clinic,
    /// A school.
    School,
    /// A camp for displaced people.
    Camp,
    /// A warehouse (e.g. the SARC warehouse at Urum al-Kubra).
    Warehouse,
    /// An office.
    Office,
    /// A distribution point.
    Distribution,
    /// A water or power installation serving civilians.
    Infrastructure,
    /// Staff residence.
    Residence,
    /// Anything else.
    Other,
}

impl SiteCategory {
    /// The keyword used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteCategory::Hospital => "hospital",
            SiteCategory::Clinic => "clinic",
            SiteCategory::School => "school",
            SiteCategory::Camp => "camp",
            SiteCategory::Warehouse => "warehouse",
            SiteCategory::Office => "office",
            SiteCategory::Distribution => "distribution",
            SiteCategory::Infrastructure => "infrastructure",
            SiteCategory::Residence => "residence",
            SiteCategory::Other => "other",
        }
    }
}

/// Who may learn a site's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureMode {
    /// Recipients receive the coordinates, coarsened to the stated precision.
    Shared,
    /// Nobody but jic holds the coordinates; checks answer only a distance band.
    Sealed,
}

/// A notified static site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Identifier chosen by the notifier (unique per notifier).
    pub id: String,
    /// The notifying humanitarian party.
    pub notifier: String,
    /// What it is.
    pub category: SiteCategory,
    /// Where it is: a point or an area (WGS-84).
    pub shape: Shape,
    /// How precisely the notifier states (and lets recipients see) the position, metres.
    pub precision_m: f64,
    /// Parties that must acknowledge it.
    pub recipients: Vec<String>,
    /// Start of protection (inclusive).
    pub valid_from: Timestamp,
    /// End of protection (exclusive); `None` = until withdrawn.
    pub valid_until: Option<Timestamp>,
    /// Shared or sealed.
    pub disclosure: DisclosureMode,
}

impl Site {
    /// True when the site is protected at some instant of `[from, until]`.
    pub fn valid_during(&self, from: Timestamp, until: Timestamp) -> bool {
        self.valid_from <= until && self.valid_until.is_none_or(|end| from < end)
    }

    /// What a recipient party may see of the geometry: the coarsened shape for a shared site,
    /// nothing for a sealed one.
    pub fn recipient_view(&self) -> Option<Shape> {
        match self.disclosure {
            DisclosureMode::Shared => Some(coarsen(&self.shape, self.precision_m)),
            DisclosureMode::Sealed => None,
        }
    }
}

/// Snaps a position to the centre of its cell in a grid of `precision_m` metres.
///
/// # Definition
/// Latitude is snapped first to a grid of `precision_m / M` degrees (M = metres per degree of
/// latitude on the jic sphere); longitude then to a grid of `precision_m / (M·cos φ)` degrees
/// where φ is the *snapped* latitude, so the result depends only on the cell, not on where
/// inside it the true position lies. The result is the cell centre, at most half a cell
/// diagonal (≈ 0.71 × precision) from the true position.
///
/// # Edge cases
/// A precision that is not a positive finite number, or a non-finite coordinate, returns the
/// position unchanged (callers validate precision on input). Near the poles the longitude cell
/// grows without bound; the cosine is floored at 1e-6.
///
/// ```
/// use geo_types::coord;
/// use jic_protect::site::snap;
/// // The SARC warehouse at Urum al-Kubra, snapped to a 1 km grid, moves by under 710 m.
/// let warehouse = coord! { x: 36.9678, y: 36.1516 };
/// let seen = snap(warehouse, 1_000.0);
/// let moved = jic_geo::haversine_m(warehouse, seen);
/// assert!(moved < 710.0, "{moved}");
/// // Every position in the same cell snaps to the same point.
/// assert_eq!(snap(coord! { x: 36.9679, y: 36.1517 }, 1_000.0), seen);
/// ```
pub fn snap(position: Coord<f64>, precision_m: f64) -> Coord<f64> {
    let usable = precision_m.is_finite()
        && precision_m > 0.0
        && position.x.is_finite()
        && position.y.is_finite();
    if !usable {
        return position;
    }
    let lat_step = precision_m / METRES_PER_DEGREE;
    let lat = ((position.y / lat_step).floor() + 0.5) * lat_step;
    let lon_step = precision_m / (METRES_PER_DEGREE * lat.to_radians().cos().max(1e-6));
    let lon = ((position.x / lon_step).floor() + 0.5) * lon_step;
    coord! { x: lon, y: lat }
}

/// The geometry a recipient sees of a shared site: a point is snapped with [`snap`]; a line or
/// an area becomes the rectangle of grid cells covering its bounding box, so the coarsened
/// shape always contains the true one and reveals no vertex.
pub fn coarsen(shape: &Shape, precision_m: f64) -> Shape {
    match shape {
        Shape::Point(p) => Shape::Point(snap(*p, precision_m)),
        Shape::Line(_) | Shape::Area(_) => {
            let Some(bbox) = shape.bbox() else {
                return shape.clone();
            };
            if !(precision_m.is_finite() && precision_m > 0.0) {
                return shape.clone();
            }
            let half_lat = precision_m / METRES_PER_DEGREE / 2.0;
            let lo = snap(bbox.min(), precision_m);
            let hi = snap(bbox.max(), precision_m);
            let half_lon = |lat: f64| {
                precision_m / (METRES_PER_DEGREE * lat.to_radians().cos().max(1e-6)) / 2.0
            };
            // Cell edges: centre ± half a cell. Longitude cells are widest at the latitude
            // nearest the equator, so take the wider half-width to keep the true shape covered.
            let hl = half_lon(lo.y).max(half_lon(hi.y));
            let (x0, x1) = (lo.x - hl, hi.x + hl);
            let (y0, y1) = (lo.y - half_lat, hi.y + half_lat);
            Shape::Area(MultiPolygon(vec![Polygon::new(
                LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
                vec![],
            )]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Intersects;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn snapping_is_within_half_a_diagonal_and_idempotent(
            lon in 32.0..42.0f64, lat in 32.0..37.5f64, precision in 10.0..5_000.0f64,
        ) {
            let p = coord! { x: lon, y: lat };
            let s = snap(p, precision);
            let d = jic_geo::haversine_m(p, s);
            prop_assert!(d <= precision * 0.7072 + 1.0, "moved {} for {}", d, precision);
            prop_assert_eq!(snap(s, precision), s);
        }

        #[test]
        fn coarsened_area_covers_the_site(
            lon in 32.0..42.0f64, lat in 32.0..37.5f64, side in 0.0001..0.05f64,
            precision in 10.0..5_000.0f64,
        ) {
            let poly = Polygon::new(
                LineString::from(vec![(lon, lat), (lon + side, lat), (lon + side, lat + side), (lon, lat)]),
                vec![],
            );
            let shape = Shape::Area(MultiPolygon(vec![poly.clone()]));
            let Shape::Area(seen) = coarsen(&shape, precision) else { panic!("not an area") };
            for c in poly.exterior().coords() {
                prop_assert!(seen.intersects(c));
            }
        }
    }

    #[test]
    fn bad_precision_leaves_the_point() {
        let p = coord! { x: 36.9678, y: 36.1516 };
        assert_eq!(snap(p, 0.0), p);
        assert_eq!(snap(p, f64::NAN), p);
        assert_eq!(snap(p, -5.0), p);
    }
}
