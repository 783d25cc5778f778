//! Incidents and compliance (DESIGN.md §3.8): the incident model with versions, reviews and
//! counter-claims; classification against the agreement's rules at that time and place; the
//! phase clock (calm days and phase transitions); daily situation reports (JSON and a
//! stand-alone HTML page); CSV import with a column mapping; GeoJSON and CSV export.
//!
//! Pure: no filesystem, network, clock or randomness. Callers pass the agreement, the records
//! derived from the log, and the instants that matter; the same inputs always give the same
//! answer, which is what lets any party recompute a classification or a calm day offline.
//!
//! Entry points: [`classify::classify`], [`phase::PhaseClock::compute`],
//! [`report::SituationReport::build`] with [`render::render_html`],
//! [`import::import_csv`], [`export::to_geojson`] / [`export::to_csv`],
//! [`workflow::Dossier`] for the review workflow, [`replay::Replay`] to rebuild dossiers from
//! logged submissions.

pub mod classify;
pub mod export;
pub mod import;
pub mod incident;
pub mod links;
pub mod phase;
pub mod render;
pub mod replay;
pub mod report;
pub mod workflow;

pub use classify::{Classification, Missing, Outcome, classify};
pub use incident::{
    AllegedActor, Casualties, Category, EvidenceRef, IncidentReport, Location, Occurrence,
};
pub use links::{Context, Link};
pub use phase::{ClockIncident, ClockResult, DayVerdict, PhaseClock, PhaseTimeline, Transition};
pub use report::SituationReport;
pub use workflow::Filed;
pub use workflow::{CounterClaim, Dossier, Review, ReviewStatus};

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An incident report (or review, or counter-claim) breaks the model's rules; every problem
    /// is listed.
    #[error("invalid {what}: {}", .problems.join("; "))]
    Invalid {
        /// What was being checked ("incident", "review", …).
        what: &'static str,
        /// One sentence per problem.
        problems: Vec<String>,
    },
    /// A review status change the workflow does not allow.
    #[error("cannot move an incident from `{from}` to `{to}`: {hint}")]
    Transition {
        /// Current status.
        from: workflow::ReviewStatus,
        /// Requested status.
        to: workflow::ReviewStatus,
        /// What is allowed instead.
        hint: &'static str,
    },
    /// The agreement refused an evaluation (unknown id, non-finite coordinate).
    #[error("the agreement could not evaluate the incident: {0}")]
    Agreement(#[from] jic_agreement::Error),
    /// A CSV file or its mapping cannot be used at all (row-level problems are rejections, not
    /// errors).
    #[error("{0}")]
    Import(#[from] import::ImportError),
    /// Writing an export failed.
    #[error("export failed: {0}")]
    Export(String),
}
