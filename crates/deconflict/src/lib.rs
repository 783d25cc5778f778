//! Air-safety conflict detection: straight-line track extrapolation, 4D flight plans and
//! restricted airspace volumes. Pure: no I/O, no clock, no randomness.
//!
//! # Map of the crate
//!
//! - [`track`]: the pair semantics of DESIGN.md §3.2 ([`track::pair_conflict`]) and the
//!   all-pairs reference detector ([`track::detect_all_pairs`]).
//! - [`grid`]: the production detector ([`grid::detect`]), which prunes pairs with a
//!   space-time grid and returns exactly the reference's answer.
//! - [`states_csv`]: the `id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm` input format and the conflict
//!   CSV output of `jic deconflict tracks`.
//! - [`plan`]: 4D flight plans and plan-vs-plan conflicts, exact per leg pair.
//! - [`volume`]: restricted airspace volumes (polygon × floor/ceiling × window) against plans
//!   and tracks.
//! - [`conformance`]: a track against its filed plan.
//! - [`plans_geojson`]: the GeoJSON input formats of `jic deconflict plans`.
//! - [`units`]: the unit conversions every module uses.
//!
//! # Example
//!
//! Two aircraft head-on near Palmyra at FL300, 20 nm apart in the pair's flat frame, 450 kt
//! each:
//!
//! ```
//! use jic_deconflict::grid::detect;
//! use jic_deconflict::track::{Minima, TrackState, detect_all_pairs};
//!
//! let lat: f64 = 34.55;
//! // 20 nm of longitude at this latitude in the flat frame (R_E = 6,371 km).
//! let dlon = (20.0 * 1852.0 / (6_371_000.0 * lat.to_radians().cos())).to_degrees();
//! let west = TrackState { lat_deg: lat, lon_deg: 38.0, alt_ft: 30_000.0, gs_kt: 450.0, trk_deg: 90.0, vs_fpm: 0.0 };
//! let east = TrackState { lon_deg: 38.0 + dlon, trk_deg: 270.0, ..west };
//! let minima = Minima::default(); // 5 nm, 1000 ft, 300 s
//! let conflicts = detect(&[west, east], &minima.into())?;
//! assert_eq!(conflicts, detect_all_pairs(&[west, east], &minima.into())?);
//! // Closing at 900 kt (463 m/s): closest approach after 80 s, loss of separation 60 s to 100 s.
//! let c = &conflicts[0];
//! assert!((c.tcpa_s - 80.0).abs() < 0.01 && c.dcpa_m < 1e-6);
//! assert!((c.tin_s - 60.0).abs() < 0.01 && (c.tout_s - 100.0).abs() < 0.01);
//! # Ok::<(), jic_deconflict::Error>(())
//! ```
#![allow(
    clippy::neg_cmp_op_on_partial_ord,
    reason = "`!(a < b)` is deliberate throughout: a NaN fails every test it takes part in"
)]

pub mod conformance;
mod error;
pub mod grid;
pub mod plan;
pub mod plans_geojson;
pub mod states_csv;
pub mod track;
pub mod units;
pub mod volume;

pub use error::Error;
