//! Scenarios and their replay through the real submit path, and synthetic traffic generation.
//!
//! # Entry points
//! - [`scenario::Scenario::load`] reads a scenario directory (manifest, timeline files and the
//!   generators they describe) into time-ordered events; [`embedded`] holds the shipped
//!   September 2016 scenario so the binary needs no checkout.
//! - [`replay::replay`] drives the events through signed submissions against a running server
//!   (HTTP, on a scaled clock) and records every answer.
//! - [`summary::summarize`] turns the answers into the printed summary; [`verify::verify_log`]
//!   audits the server's log over its public read API.
//! - [`traffic`] is the seeded track and plan generator shared with the benchmarks;
//!   [`sorties`] and [`reports`] generate a scenario's synthetic flights and incident reports.

pub mod embedded;
pub mod replay;
pub mod reports;
pub mod scenario;
pub mod sorties;
pub mod summary;
pub mod traffic;
pub mod verify;

use std::path::PathBuf;

/// Knots to metres per second (DESIGN §3.2).
pub const KT_TO_MPS: f64 = 0.514_444;
/// The sphere the scenario geometry uses, metres (DESIGN §3.2).
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Why a scenario could not be loaded, replayed or verified.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// The scenario is malformed: where, and what is wrong.
    #[error("{at}: {message}")]
    Scenario {
        /// `file:line`, or the manifest section.
        at: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The agreement package could not be loaded.
    #[error("agreement: {0}")]
    Agreement(String),
    /// An envelope could not be built or signed.
    #[error("envelope: {0}")]
    Envelope(String),
    /// The server could not be reached or answered nonsense.
    #[error("server: {0}")]
    Http(String),
    /// The log did not verify.
    #[error("log verification failed: {0}")]
    Verification(String),
}
