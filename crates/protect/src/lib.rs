//! Protection of what the agreement protects: humanitarian notifications (static sites and
//! movements) with acknowledgment deadlines and escalation, disclosure control (coarsened
//! shared sites, sealed sites answered only by distance band, probing detection), strike
//! pre-notification checks, joint review with stop requests, and suspension of the
//! implementation plane (DESIGN.md §3.6, §3.7).
//!
//! Pure: no I/O, no clock, no randomness. Every function that depends on time takes the
//! instant as an argument, so deadlines and escalations are tested with controlled instants and
//! a replay of the log gives the same decisions.
//!
//! # Entry points
//! - [`site::Site`], [`movement::Movement`] and [`notification::Notification`]: what a
//!   humanitarian organisation notifies, its lifecycle and acknowledgments;
//!   [`notification::escalations_due`] for the deadline ticker.
//! - [`sealed`]: distance bands and [`sealed::probing_decision`].
//! - [`index::SiteIndex`]: the R-tree of protected sites a check runs against.
//! - [`strike::evaluate`]: a strike notice against the agreement, sites, movements and the
//!   filer's air operation → [`strike::Assessment`] with every finding.
//! - [`review::Review`]: concur/object, deadline escalation, stop requests.
//! - [`suspension::Suspension`]: which functions run while the implementation plane is
//!   suspended.
//! - [`journal::Journal`]: the fold of all of the above in log order, used for replay.
//! - [`wire`]: the JSON input format of notices, sites and movements (CLI and server).

pub mod index;
pub mod journal;
pub mod movement;
pub mod notification;
pub mod phase;
pub mod review;
pub mod sealed;
pub mod site;
pub mod strike;
pub mod suspension;
pub mod synthetic;
pub mod wire;

pub use index::SiteIndex;
pub use journal::Journal;
pub use movement::{Movement, Schedule};
pub use notification::{Acknowledgment, Escalation, EscalationLevel, Notification, Subject};
pub use review::{Review, ReviewDecision, ReviewStatus, StopRequest};
pub use sealed::{ProbeDecision, ProbePolicy, SealedAnswer};
pub use site::{DisclosureMode, Site, SiteCategory};
pub use strike::{
    AirOperation, Assessment, Finding, FindingDetail, Severity, StrikeArea, StrikeContext,
    StrikeNotice, StrikeParams, StrikeVerdict,
};
pub use suspension::{Function, Suspension};

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A submitted value is invalid; the message says which field and why.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field (JSON path style, e.g. `route.coordinates[3]`).
        field: String,
        /// Why it is refused.
        reason: String,
    },
    /// The action refers to something jic does not know.
    #[error("unknown {what} `{id}`")]
    Unknown {
        /// "notification", "notice", "party", …
        what: &'static str,
        /// The id given.
        id: String,
    },
    /// The action is not allowed in the current state (e.g. a review after the deadline).
    #[error("{0}")]
    State(String),
    /// The party may not do this (e.g. acknowledging a notification it was not sent).
    #[error("{0}")]
    Forbidden(String),
    /// The implementation plane is suspended (DESIGN.md §2): strike reviews and JIC functions
    /// answer this until a resumption.
    #[error("the implementation plane is suspended since {since} by {by}: {reason}")]
    Suspended {
        /// The suspending party(ies).
        by: String,
        /// Since when.
        since: jiff::Timestamp,
        /// The reason given.
        reason: String,
    },
    /// The agreement refused the evaluation (unknown id, non-finite place).
    #[error("agreement: {0}")]
    Agreement(String),
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<jic_agreement::Error> for Error {
    fn from(e: jic_agreement::Error) -> Self {
        Error::Agreement(e.to_string())
    }
}
