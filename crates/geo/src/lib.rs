//! Geodesy helpers shared by the pure crates: distances on the sphere, local flat frames,
//! prepared zone geometry and spatial indexes. No I/O, no clock.
//!
//! Coordinates are WGS-84 degrees with `x` = longitude and `y` = latitude (the GeoJSON order).
//! Distances are metres on a sphere of radius [`EARTH_RADIUS_M`]; areas are geodesic km².

pub mod area;
pub mod index;
pub mod shape;
pub mod sphere;
pub mod validity;

pub use area::area_km2;
pub use index::{Entry, Hit, ShapeIndex};
pub use shape::{Place, Shape};
pub use sphere::{EARTH_RADIUS_M, LocalFrame, haversine_m};
