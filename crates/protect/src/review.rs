//! Joint review of a strike notice: the counterpart concurs or objects before a deadline,
//! silence escalates, and any other party may raise an urgent stop request.
//!
//! # States
//! A review starts when the notice is accepted, with the checks' verdict. Until the deadline
//! each counterpart may answer once (concur, or object with a reason). At `now`:
//! - [`ReviewStatus::Stopped`] when a stop request stands;
//! - [`ReviewStatus::Objected`] when a counterpart objected;
//! - [`ReviewStatus::Concurred`] when every counterpart concurred;
//! - [`ReviewStatus::Lapsed`] when the deadline passed without every answer (escalates once);
//! - [`ReviewStatus::Awaiting`] otherwise.
//!
//! # Verdict after review
//! `conflict` when the checks found a conflict or a stop request stands (the counterpart says
//! the strike hits its forces or protected people); `not_cleared` when a counterpart objected,
//! or concurrence is required and not every counterpart has concurred; `clear` otherwise.
//!
//! # Stop requests
//! The Deir ez-Zor case (events_2016.md §4): the Russian call reached the wrong officer and the
//! strikes went on for 27 minutes. A stop request is addressed to the filing party's **whole
//! cell** ([`StopAlert::audience_party`]), and both the request and the filer's
//! acknowledgment carry receipt times, so the latency is on record.

use jiff::{SignedDuration, Timestamp};

use crate::Error;
use crate::strike::StrikeVerdict;

/// A counterpart's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    /// Concurs with the strike.
    Concur,
    /// Objects, with a reason.
    Object {
        /// Why.
        reason: String,
    },
}

/// A recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewResponse {
    /// Who answered.
    pub party: String,
    /// What.
    pub decision: ReviewDecision,
    /// Receipt time.
    pub at: Timestamp,
}

/// An urgent request to stop a strike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    /// Sequence within the review, from 1.
    pub number: u32,
    /// Who raised it.
    pub by: String,
    /// Receipt time.
    pub at: Timestamp,
    /// Why ("you are hitting our forces").
    pub reason: String,
    /// The filer's acknowledgment: who in the cell, and when.
    pub acknowledged: Option<Timestamp>,
}

/// What the server sends when a stop request is raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopAlert {
    /// The notice.
    pub notice: String,
    /// The stop request number.
    pub number: u32,
    /// Every member of this party's cell is alerted.
    pub audience_party: String,
    /// Who raised it.
    pub by: String,
    /// Receipt time.
    pub at: Timestamp,
}

/// Where the review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Waiting for answers before the deadline.
    Awaiting,
    /// Every counterpart concurred.
    Concurred,
    /// A counterpart objected.
    Objected,
    /// The deadline passed in silence.
    Lapsed,
    /// A stop request stands.
    Stopped,
}

impl ReviewStatus {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Awaiting => "awaiting",
            ReviewStatus::Concurred => "concurred",
            ReviewStatus::Objected => "objected",
            ReviewStatus::Lapsed => "lapsed",
            ReviewStatus::Stopped => "stopped",
        }
    }
}

/// The review of one notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The notice id.
    pub notice: String,
    /// The filing party.
    pub filer: String,
    /// Who must answer (the other sponsors).
    pub counterparts: Vec<String>,
    /// Receipt time of the notice.
    pub filed_at: Timestamp,
    /// Answers are accepted up to and including this instant.
    pub deadline: Timestamp,
    /// Whether the rules require concurrence.
    pub requires_concurrence: bool,
    /// The checks' verdict.
    pub check_verdict: StrikeVerdict,
    /// Answers in receipt order.
    pub responses: Vec<ReviewResponse>,
    /// Stop requests in receipt order.
    pub stops: Vec<StopRequest>,
    /// When the silence escalation was raised.
    pub escalated_at: Option<Timestamp>,
}

impl Review {
    /// Opens a review. The deadline is `filed_at + window`, but never after the strike window
    /// starts (an answer after the strike is no answer) nor before `filed_at`.
    pub fn open(
        notice: &crate::strike::StrikeNotice,
        assessment: &crate::strike::Assessment,
        counterparts: Vec<String>,
        filed_at: Timestamp,
        window: SignedDuration,
    ) -> Self {
        let deadline = filed_at
            .checked_add(window)
            .unwrap_or(filed_at)
            .min(notice.window_start)
            .max(filed_at);
        Self {
            notice: notice.id.clone(),
            filer: notice.party.clone(),
            counterparts,
            filed_at,
            deadline,
            requires_concurrence: assessment.requires_concurrence,
            check_verdict: assessment.verdict,
            responses: Vec::new(),
            stops: Vec::new(),
            escalated_at: None,
        }
    }

    /// Records a counterpart's answer.
    ///
    /// # Errors
    /// [`Error::Forbidden`] when `party` is not a counterpart; [`Error::State`] after the
    /// deadline or on a second answer.
    pub fn respond(
        &mut self,
        party: &str,
        decision: ReviewDecision,
        at: Timestamp,
    ) -> Result<(), Error> {
        if !self.counterparts.iter().any(|c| c == party) {
            return Err(Error::Forbidden(format!(
                "{party} is not a counterpart in the review of {}",
                self.notice
            )));
        }
        if at > self.deadline {
            return Err(Error::State(format!(
                "the review of {} closed at {}",
                self.notice, self.deadline
            )));
        }
        if self.responses.iter().any(|r| r.party == party) {
            return Err(Error::State(format!(
                "{party} already answered the review of {}",
                self.notice
            )));
        }
        if let ReviewDecision::Object { reason } = &decision
            && reason.trim().is_empty()
        {
            return Err(Error::invalid("reason", "an objection needs a reason"));
        }
        self.responses.push(ReviewResponse {
            party: party.to_owned(),
            decision,
            at,
        });
        Ok(())
    }

    /// Where the review stands at `now`.
    pub fn status(&self, now: Timestamp) -> ReviewStatus {
        let answered = |r: &&ReviewResponse| r.at <= now;
        if self.stops.iter().any(|s| s.at <= now) {
            ReviewStatus::Stopped
        } else if self
            .responses
            .iter()
            .filter(answered)
            .any(|r| matches!(r.decision, ReviewDecision::Object { .. }))
        {
            ReviewStatus::Objected
        } else if self.counterparts.iter().all(|c| {
            self.responses
                .iter()
                .filter(answered)
                .any(|r| r.party == *c && r.decision == ReviewDecision::Concur)
        }) {
            ReviewStatus::Concurred
        } else if now > self.deadline {
            ReviewStatus::Lapsed
        } else {
            ReviewStatus::Awaiting
        }
    }

    /// The verdict after review at `now` (see the module documentation).
    pub fn verdict(&self, now: Timestamp) -> StrikeVerdict {
        let status = self.status(now);
        if self.check_verdict == StrikeVerdict::Conflict || status == ReviewStatus::Stopped {
            StrikeVerdict::Conflict
        } else if status == ReviewStatus::Objected
            || (self.requires_concurrence && status != ReviewStatus::Concurred)
        {
            StrikeVerdict::NotCleared
        } else {
            StrikeVerdict::Clear
        }
    }

    /// True when the silence escalation is due at `now` and not yet raised.
    pub fn escalation_due(&self, now: Timestamp) -> bool {
        self.escalated_at.is_none() && self.status(now) == ReviewStatus::Lapsed
    }

    /// Records that the silence escalation was raised.
    pub fn mark_escalated(&mut self, at: Timestamp) {
        self.escalated_at.get_or_insert(at);
    }

    /// Raises a stop request.
    ///
    /// # Errors
    /// [`Error::Forbidden`] when the filer asks to stop its own strike (it just stops);
    /// [`Error::Invalid`] without a reason.
    pub fn stop(&mut self, by: &str, reason: &str, at: Timestamp) -> Result<StopAlert, Error> {
        if by == self.filer {
            return Err(Error::Forbidden(
                "a filer stops its own strike without a stop request".to_owned(),
            ));
        }
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "a stop request needs a reason"));
        }
        let number = self.stops.len() as u32 + 1;
        self.stops.push(StopRequest {
            number,
            by: by.to_owned(),
            at,
            reason: reason.to_owned(),
            acknowledged: None,
        });
        Ok(StopAlert {
            notice: self.notice.clone(),
            number,
            audience_party: self.filer.clone(),
            by: by.to_owned(),
            at,
        })
    }

    /// The filer acknowledges stop request `number`; returns the latency from the request's
    /// receipt to the acknowledgment's.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for anyone but the filer; [`Error::Unknown`] for a wrong number;
    /// [`Error::State`] when already acknowledged.
    pub fn acknowledge_stop(
        &mut self,
        number: u32,
        by: &str,
        at: Timestamp,
    ) -> Result<SignedDuration, Error> {
        if by != self.filer {
            return Err(Error::Forbidden(
                "only the filing party acknowledges a stop request".to_owned(),
            ));
        }
        let notice = self.notice.clone();
        let stop = self
            .stops
            .iter_mut()
            .find(|s| s.number == number)
            .ok_or(Error::Unknown {
                what: "stop request",
                id: format!("{notice}#{number}"),
            })?;
        if stop.acknowledged.is_some() {
            return Err(Error::State(format!(
                "stop request {number} is already acknowledged"
            )));
        }
        stop.acknowledged = Some(at);
        Ok(at.duration_since(stop.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealed::SealedAnswer;
    use crate::strike::{Assessment, SealedOutcome, StrikeArea, StrikeNotice};
    use geo_types::coord;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn review(requires_concurrence: bool, check: StrikeVerdict) -> Review {
        let notice = StrikeNotice {
            id: "n1".into(),
            party: "us".into(),
            group: "isil".into(),
            area: StrikeArea::Circle {
                center: coord! { x: 40.141, y: 35.257 },
                radius_m: 500.0,
            },
            window_start: t("2016-09-17T15:55:00+03:00"),
            window_end: t("2016-09-17T17:00:00+03:00"),
            effects_radius_m: 300.0,
            air_operation: "op".into(),
        };
        let assessment = Assessment {
            notice: "n1".into(),
            verdict: check,
            requires_concurrence,
            findings: vec![],
            sealed: SealedOutcome {
                answer: SealedAnswer::for_distance(f64::INFINITY, 1.0),
                near_miss: false,
            },
        };
        Review::open(
            &notice,
            &assessment,
            vec!["russia".into()],
            t("2016-09-17T15:00:00+03:00"),
            SignedDuration::from_mins(30),
        )
    }

    #[test]
    fn concurrence_clears_and_silence_lapses() {
        let mut r = review(true, StrikeVerdict::NotCleared);
        assert_eq!(r.deadline, t("2016-09-17T15:30:00+03:00"));
        let before = t("2016-09-17T15:10:00+03:00");
        assert_eq!(r.status(before), ReviewStatus::Awaiting);
        assert_eq!(r.verdict(before), StrikeVerdict::NotCleared);
        // Silence past the deadline: lapsed, escalate once.
        let after = t("2016-09-17T15:30:01+03:00");
        assert_eq!(r.status(after), ReviewStatus::Lapsed);
        assert!(r.escalation_due(after));
        assert!(!r.escalation_due(t("2016-09-17T15:30:00+03:00")));
        r.mark_escalated(after);
        assert!(!r.escalation_due(after));
        // Answering after the deadline is refused; at the deadline it counts.
        assert!(r.respond("russia", ReviewDecision::Concur, after).is_err());
        let mut r = review(true, StrikeVerdict::NotCleared);
        r.respond(
            "russia",
            ReviewDecision::Concur,
            t("2016-09-17T15:30:00+03:00"),
        )
        .unwrap();
        assert_eq!(r.verdict(after), StrikeVerdict::Clear);
        assert!(
            r.respond(
                "russia",
                ReviewDecision::Concur,
                t("2016-09-17T15:30:00+03:00")
            )
            .is_err()
        );
    }

    #[test]
    fn objection_and_conflict_are_never_cleared() {
        let mut r = review(false, StrikeVerdict::Clear);
        let now = t("2016-09-17T15:20:00+03:00");
        assert_eq!(r.verdict(now), StrikeVerdict::Clear);
        assert!(
            r.respond("russia", ReviewDecision::Object { reason: " ".into() }, now)
                .is_err()
        );
        assert!(r.respond("us", ReviewDecision::Concur, now).is_err());
        r.respond(
            "russia",
            ReviewDecision::Object {
                reason: "Syrian army positions".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(r.verdict(now), StrikeVerdict::NotCleared);
        let mut r = review(true, StrikeVerdict::Conflict);
        r.respond("russia", ReviewDecision::Concur, now).unwrap();
        assert_eq!(r.verdict(now), StrikeVerdict::Conflict);
    }

    #[test]
    fn stop_request_alerts_the_cell_and_measures_latency() {
        let mut r = review(false, StrikeVerdict::Clear);
        assert!(r.stop("us", "own", t("2016-09-17T16:10:00+03:00")).is_err());
        let alert = r
            .stop(
                "russia",
                "you are hitting Syrian army positions",
                t("2016-09-17T16:10:00+03:00"),
            )
            .unwrap();
        assert_eq!(alert.audience_party, "us");
        assert_eq!(
            r.status(t("2016-09-17T16:10:00+03:00")),
            ReviewStatus::Stopped
        );
        assert_eq!(
            r.verdict(t("2016-09-17T16:11:00+03:00")),
            StrikeVerdict::Conflict
        );
        assert!(
            r.acknowledge_stop(1, "russia", t("2016-09-17T16:37:00+03:00"))
                .is_err()
        );
        let latency = r
            .acknowledge_stop(1, "us", t("2016-09-17T16:37:00+03:00"))
            .unwrap();
        assert_eq!(latency, SignedDuration::from_mins(27));
        assert!(
            r.acknowledge_stop(1, "us", t("2016-09-17T16:38:00+03:00"))
                .is_err()
        );
        assert!(matches!(
            r.acknowledge_stop(2, "us", t("2016-09-17T16:38:00+03:00")),
            Err(Error::Unknown { .. })
        ));
    }
}
