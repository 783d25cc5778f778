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
//! Two aircraft head-on over the Syrian desert at FL300, 20 nm apart, 450 kt each:
//!
//! ```
//! use jic_deconflict::track::{Minima, TrackState, detect_all_pairs};
//! use jic_deconflict::grid::detect;
//!
//! let states = [
//!     TrackState { lat_deg: 34.5, lon_deg: 38.0, alt_ft: 30_000.0, gs_kt: 450.0, trk_deg: 90.0, vs_fpm: 0.0 },
//!     TrackState { lat_deg: 34.5, lon_deg: 38.0 + 20.0 * 1852.0 / (6_371_000.0 * 34.5_f64.to_radians().cos()) * 180.0 / std::f64::consts::PI,
//!                  alt_ft: 30_000.0, gs_kt: 450.0, trk_deg: 270.0, vs_fpm: 0.0 },
//! ];
//! let minima = Minima::default(); // 5 nm, 1000 ft, 300 s
//! let conflicts = detect(&states, &minima.into())?;
//! assert_eq!(conflicts, detect_all_pairs(&states, &minima.into())?);
//! let c = &conflicts[0];
//! // Closing at 900 kt over 20 nm: closest approach after 80 s, loss of separation after 60 s.
//! assert!((c.tcpa_s - 80.0 * 0.514444 / 0.514444).abs() < 1e-3 * 80.0);
//! assert!(c.dcpa_m < 1e-3);
//! # Ok::<(), jic_deconflict::Error>(())
//! ```

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
