//! The review workflow: reported → under review → verified | unverified | disputed, moved only by
//! monitors; counter-claims stand beside the report, nothing is overwritten.
//!
//! ```text
//!   reported ──► under_review ──► verified
//!                    ▲   │   └──► unverified
//!                    │   └──────► disputed
//!                    └── (reopen from any outcome, e.g. after an amendment or new evidence)
//! ```
//! An amendment does not change the status: a monitor reopens the incident (under review) and
//! reviews the new version; a review always names the version it is about, so a decision on an
//! old version cannot land on a new one.
//!
//! A [`Dossier`] holds every version of one incident, every review and every counter-claim in
//! the order the log accepted them. Only the phase clock and reports read "the current status";
//! nothing here forgets an earlier state.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::incident::{EvidenceRef, IncidentReport};

/// Where an incident stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Filed, not yet looked at.
    Reported,
    /// A monitor is reviewing it.
    UnderReview,
    /// The facts are established.
    Verified,
    /// The facts could not be established.
    Unverified,
    /// The facts are contested and the monitors could not settle them.
    Disputed,
}

impl ReviewStatus {
    /// Every status, in workflow order.
    pub const ALL: [ReviewStatus; 5] = [
        ReviewStatus::Reported,
        ReviewStatus::UnderReview,
        ReviewStatus::Verified,
        ReviewStatus::Unverified,
        ReviewStatus::Disputed,
    ];

    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Reported => "reported",
            ReviewStatus::UnderReview => "under_review",
            ReviewStatus::Verified => "verified",
            ReviewStatus::Unverified => "unverified",
            ReviewStatus::Disputed => "disputed",
        }
    }

    /// Parses a keyword.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// True for the outcomes of a review.
    pub fn is_outcome(self) -> bool {
        matches!(
            self,
            ReviewStatus::Verified | ReviewStatus::Unverified | ReviewStatus::Disputed
        )
    }

    /// Checks that the workflow allows moving from `self` to `to`.
    ///
    /// # Errors
    /// [`Error::Transition`] with what is allowed instead.
    pub fn check_transition(self, to: ReviewStatus) -> Result<(), Error> {
        use ReviewStatus as S;
        let ok = match (self, to) {
            (S::Reported, S::UnderReview) => true,
            (S::UnderReview, t) => t.is_outcome(),
            (f, S::UnderReview) => f.is_outcome(),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let hint = match self {
            S::Reported => "a reported incident first goes under review",
            S::UnderReview => "under review ends as verified, unverified or disputed",
            _ => "an outcome can only be reopened (under_review)",
        };
        Err(Error::Transition {
            from: self,
            to,
            hint,
        })
    }
}

impl std::fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A monitor's review decision (the signed payload of `incident.review`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The incident.
    pub incident: String,
    /// The version reviewed (a review of an older version is refused: amend, then review).
    pub version: u32,
    /// The new status.
    pub status: ReviewStatus,
    /// Why, in the monitor's words.
    #[serde(default)]
    pub note: String,
}

/// A party's counter-claim: its own account, beside the report, never replacing it (the signed
/// payload of `incident.counter_claim`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterClaim {
    /// The incident it answers.
    pub incident: String,
    /// Its account.
    pub statement: String,
    /// Its evidence, by hash.
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
    /// Its sources.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// Something recorded in a dossier, with who filed it and when the log received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filed<T> {
    /// The filer (roster id).
    pub by: String,
    /// Receipt time.
    pub at: Timestamp,
    /// The log leaf carrying it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf: Option<u64>,
    /// What was filed.
    pub item: T,
}

/// Everything about one incident: versions, reviews and counter-claims in log order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dossier {
    /// Versions, the first being the original report; version numbers are positions + 1.
    pub versions: Vec<Filed<IncidentReport>>,
    /// Review decisions.
    pub reviews: Vec<Filed<Review>>,
    /// Counter-claims.
    pub counter_claims: Vec<Filed<CounterClaim>>,
}

impl Dossier {
    /// Opens a dossier with the original report.
    pub fn new(report: Filed<IncidentReport>) -> Self {
        Self {
            versions: vec![report],
            reviews: Vec::new(),
            counter_claims: Vec::new(),
        }
    }

    /// The incident id.
    pub fn id(&self) -> &str {
        self.versions.first().map_or("", |v| v.item.id.as_str())
    }

    /// The latest version (the dossier always has one).
    pub fn current(&self) -> Option<&Filed<IncidentReport>> {
        self.versions.last()
    }

    /// The current version number (1-based).
    pub fn version(&self) -> u32 {
        u32::try_from(self.versions.len()).unwrap_or(u32::MAX)
    }

    /// The current review status.
    pub fn status(&self) -> ReviewStatus {
        self.reviews
            .last()
            .map_or(ReviewStatus::Reported, |r| r.item.status)
    }

    /// The status as of an instant (reviews received after it are ignored): what the phase
    /// clock used when it judged a day.
    pub fn status_at(&self, at: Timestamp) -> ReviewStatus {
        self.reviews
            .iter()
            .rev()
            .find(|r| r.at <= at)
            .map_or(ReviewStatus::Reported, |r| r.item.status)
    }

    /// Adds an amendment as a new version. Only the original reporter or a monitor (the caller
    /// says which roles are monitors) may amend; the id must match.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the id differs or the filer may not amend.
    pub fn amend(
        &mut self,
        amendment: Filed<IncidentReport>,
        filer_is_monitor: bool,
    ) -> Result<u32, Error> {
        let mut problems = Vec::new();
        if amendment.item.id != self.id() {
            problems.push(format!(
                "the amendment is for `{}`, not `{}`",
                amendment.item.id,
                self.id()
            ));
        }
        let original = self.versions.first().map(|v| v.by.as_str()).unwrap_or("");
        if amendment.by != original && !filer_is_monitor {
            problems.push(format!(
                "only the original reporter `{original}` or a monitor may amend"
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Invalid {
                what: "amendment",
                problems,
            });
        }
        self.versions.push(amendment);
        Ok(self.version())
    }

    /// Records a review after checking the transition and the version.
    ///
    /// # Errors
    /// [`Error::Transition`] or [`Error::Invalid`] (wrong incident or stale version).
    pub fn review(&mut self, review: Filed<Review>) -> Result<(), Error> {
        if review.item.incident != self.id() {
            return Err(Error::Invalid {
                what: "review",
                problems: vec![format!(
                    "the review is for `{}`, not `{}`",
                    review.item.incident,
                    self.id()
                )],
            });
        }
        if review.item.version != self.version() {
            return Err(Error::Invalid {
                what: "review",
                problems: vec![format!(
                    "the review is of version {}, the current version is {}",
                    review.item.version,
                    self.version()
                )],
            });
        }
        self.status().check_transition(review.item.status)?;
        self.reviews.push(review);
        Ok(())
    }

    /// Records a counter-claim (any party may file one; it never changes the report).
    ///
    /// # Errors
    /// [`Error::Invalid`] when it answers another incident or its statement is empty.
    pub fn counter_claim(&mut self, claim: Filed<CounterClaim>) -> Result<(), Error> {
        let mut problems = Vec::new();
        if claim.item.incident != self.id() {
            problems.push(format!(
                "the counter-claim is for `{}`, not `{}`",
                claim.item.incident,
                self.id()
            ));
        }
        if claim.item.statement.trim().is_empty() {
            problems.push("the statement is empty".to_owned());
        }
        if claim.item.statement.len() > crate::incident::MAX_TEXT_BYTES {
            problems.push("the statement is too long".to_owned());
        }
        for e in &claim.item.evidence {
            if !crate::incident::is_sha256_hex(&e.sha256) {
                problems.push(format!("evidence hash `{}` is not SHA-256 hex", e.sha256));
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid {
                what: "counter-claim",
                problems,
            });
        }
        self.counter_claims.push(claim);
        Ok(())
    }
}
