//! The one error type of the crate.

/// Everything that can go wrong in conflict detection and its input formats.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A track state that cannot be extrapolated (non-finite number, latitude out of range,
    /// negative ground speed).
    #[error("track state {index}: {reason}")]
    InvalidState {
        /// Position of the state in the input slice.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Separation minima or look-ahead that are not finite and positive.
    #[error("invalid separation minima: {0}")]
    InvalidMinima(String),
    /// Per-aircraft minima whose count does not match the states.
    #[error("{minima} per-aircraft minima given for {states} states")]
    MinimaCount {
        /// Number of minima given.
        minima: usize,
        /// Number of states.
        states: usize,
    },
    /// A flight plan that cannot be flown (fewer than two waypoints, time not increasing, ...).
    #[error("flight plan {plan}: {reason}")]
    InvalidPlan {
        /// Identifier or position of the plan.
        plan: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A restricted airspace volume that cannot be used.
    #[error("volume {volume}: {reason}")]
    InvalidVolume {
        /// Identifier or position of the volume.
        volume: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An input document that could not be parsed at all.
    #[error("{0}")]
    Parse(String),
}
