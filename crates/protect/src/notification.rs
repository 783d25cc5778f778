//! The lifecycle of a humanitarian notification — notified, amended, withdrawn, expired — and
//! its acknowledgments, deadlines and escalations.
//!
//! # Deadlines
//! Every recipient party must acknowledge each *version* of a notification with a signed
//! receipt. The clock starts at the server's **receipt time** of that version (DESIGN.md §3.4:
//! deadlines are judged on receipt times, not on the time a submitter claims). With the
//! agreement's humanitarian parameters `ack_deadline_min` (D) and `second_escalation_min` (S):
//! - the acknowledgment is due at `notified_at + D`;
//! - if it has not arrived by then, the **first** escalation is due at `notified_at + D`
//!   (to the JIC duty role and the monitors);
//! - if it still has not arrived, the **second** at `notified_at + D + S`.
//!
//! An escalation is due at its instant exactly (the boundary counts: an acknowledgment received
//! at the deadline instant is on time, and the escalation is raised only when the receipt has
//! not been recorded by then). A notification that is withdrawn or has expired before an
//! escalation's instant does not escalate.
//!
//! [`escalations_due`] is the pure decision the server's ticker calls with its clock and the
//! escalations it has already raised; it is idempotent.

use jic_agreement::Humanitarian;
use jiff::{SignedDuration, Timestamp};

use crate::Error;
use crate::movement::Movement;
use crate::site::Site;

/// What was notified.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A static site.
    Site(Site),
    /// A movement.
    Movement(Movement),
}

impl Subject {
    /// The notifier.
    pub fn notifier(&self) -> &str {
        match self {
            Subject::Site(s) => &s.notifier,
            Subject::Movement(m) => &m.notifier,
        }
    }

    /// The recipients.
    pub fn recipients(&self) -> &[String] {
        match self {
            Subject::Site(s) => &s.recipients,
            Subject::Movement(m) => &m.recipients,
        }
    }

    /// When protection ends by itself (`None` = until withdrawn).
    pub fn expires_at(&self) -> Option<Timestamp> {
        match self {
            Subject::Site(s) => s.valid_until,
            Subject::Movement(m) => Some(m.window_end),
        }
    }

    /// The notifier's id for it.
    pub fn id(&self) -> &str {
        match self {
            Subject::Site(s) => &s.id,
            Subject::Movement(m) => &m.id,
        }
    }
}

/// A signed receipt by a recipient party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgment {
    /// The acknowledging party.
    pub party: String,
    /// The version acknowledged.
    pub version: u32,
    /// Receipt time of the acknowledgment.
    pub at: Timestamp,
}

/// A notification with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Identifier (jic's: the notifier's id, prefixed by the notifier).
    pub id: String,
    /// Current version, from 1; each amendment adds one.
    pub version: u32,
    /// What is notified (current version).
    pub subject: Subject,
    /// Receipt time of the current version.
    pub notified_at: Timestamp,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<Timestamp>,
    /// Every acknowledgment received, of any version.
    pub acks: Vec<Acknowledgment>,
}

/// Which escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EscalationLevel {
    /// At the acknowledgment deadline.
    First,
    /// At the second threshold.
    Second,
}

impl EscalationLevel {
    /// 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            EscalationLevel::First => 1,
            EscalationLevel::Second => 2,
        }
    }
}

/// An overdue acknowledgment to raise with the JIC duty role and the monitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The notification.
    pub notification: String,
    /// Its version.
    pub version: u32,
    /// The recipient that has not acknowledged.
    pub party: String,
    /// First or second.
    pub level: EscalationLevel,
    /// The instant it became due.
    pub due_at: Timestamp,
}

/// Where one recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckState {
    /// Acknowledged at this receipt time (`late` when after the deadline).
    Acknowledged {
        /// Receipt time.
        at: Timestamp,
        /// True when received after the deadline.
        late: bool,
    },
    /// Not yet acknowledged; due at this instant.
    Pending {
        /// The deadline.
        due: Timestamp,
    },
    /// Not acknowledged and past the deadline.
    Overdue {
        /// The deadline that passed.
        due: Timestamp,
    },
}

/// The deadlines derived from the agreement's humanitarian parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckPolicy {
    /// From receipt to the deadline (and first escalation).
    pub deadline: SignedDuration,
    /// From the deadline to the second escalation.
    pub second_after: SignedDuration,
}

impl AckPolicy {
    /// From the agreement's `[humanitarian]` parameters.
    pub fn from_agreement(h: &Humanitarian) -> Self {
        Self {
            deadline: SignedDuration::from_mins(i64::from(h.ack_deadline_min)),
            second_after: SignedDuration::from_mins(i64::from(h.second_escalation_min)),
        }
    }
}

impl Notification {
    /// A new notification (version 1) received at `at`.
    pub fn new(id: impl Into<String>, subject: Subject, at: Timestamp) -> Self {
        Self {
            id: id.into(),
            version: 1,
            subject,
            notified_at: at,
            withdrawn_at: None,
            acks: Vec::new(),
        }
    }

    /// Replaces the subject with an amended one (a new version whose deadline runs from `at`;
    /// earlier acknowledgments stay on record but do not cover it).
    ///
    /// # Errors
    /// [`Error::State`] when it was withdrawn or has expired; [`Error::Forbidden`] when the
    /// amendment comes from another notifier.
    pub fn amend(&mut self, subject: Subject, by: &str, at: Timestamp) -> Result<(), Error> {
        self.check_notifier(by)?;
        if !self.is_active(at) {
            return Err(Error::State(format!(
                "notification {} is no longer active and cannot be amended",
                self.id
            )));
        }
        if subject.notifier() != self.subject.notifier() {
            return Err(Error::Forbidden(
                "an amendment cannot change the notifier".to_owned(),
            ));
        }
        self.subject = subject;
        self.version += 1;
        self.notified_at = at;
        Ok(())
    }

    /// Withdraws it at `at`.
    ///
    /// # Errors
    /// [`Error::State`] when already withdrawn; [`Error::Forbidden`] for another party.
    pub fn withdraw(&mut self, by: &str, at: Timestamp) -> Result<(), Error> {
        self.check_notifier(by)?;
        if self.withdrawn_at.is_some() {
            return Err(Error::State(format!(
                "notification {} is already withdrawn",
                self.id
            )));
        }
        self.withdrawn_at = Some(at);
        Ok(())
    }

    /// Records a recipient's acknowledgment of `version` received at `at`.
    ///
    /// # Errors
    /// [`Error::Forbidden`] when the party is not a recipient; [`Error::State`] when the
    /// version is not the current one or the party already acknowledged it.
    pub fn acknowledge(&mut self, party: &str, version: u32, at: Timestamp) -> Result<(), Error> {
        if !self.subject.recipients().iter().any(|r| r == party) {
            return Err(Error::Forbidden(format!(
                "{party} is not a recipient of notification {}",
                self.id
            )));
        }
        if version != self.version {
            return Err(Error::State(format!(
                "notification {} is at version {}, not {version}",
                self.id, self.version
            )));
        }
        if self.ack_of(party).is_some() {
            return Err(Error::State(format!(
                "{party} already acknowledged version {version} of {}",
                self.id
            )));
        }
        self.acks.push(Acknowledgment {
            party: party.to_owned(),
            version,
            at,
        });
        Ok(())
    }

    fn check_notifier(&self, by: &str) -> Result<(), Error> {
        if by == self.subject.notifier() {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "only {} may change notification {}",
                self.subject.notifier(),
                self.id
            )))
        }
    }

    /// True when neither withdrawn nor expired at `at`.
    pub fn is_active(&self, at: Timestamp) -> bool {
        self.withdrawn_at.is_none_or(|w| at < w) && self.subject.expires_at().is_none_or(|e| at < e)
    }

    /// `"active"`, `"withdrawn"` or `"expired"` at `at`.
    pub fn status(&self, at: Timestamp) -> &'static str {
        if self.withdrawn_at.is_some_and(|w| w <= at) {
            "withdrawn"
        } else if self.subject.expires_at().is_some_and(|e| e <= at) {
            "expired"
        } else {
            "active"
        }
    }

    /// The acknowledgment of the current version by `party`, if any.
    pub fn ack_of(&self, party: &str) -> Option<&Acknowledgment> {
        self.acks
            .iter()
            .find(|a| a.party == party && a.version == self.version)
    }

    /// Acknowledgments of the current version, in receipt order.
    pub fn current_acks(&self) -> impl Iterator<Item = &Acknowledgment> {
        self.acks.iter().filter(|a| a.version == self.version)
    }

    /// Where `party` stands at `now`.
    pub fn ack_state(&self, party: &str, policy: AckPolicy, now: Timestamp) -> AckState {
        let due = self.deadline(policy);
        match self.ack_of(party) {
            Some(a) if a.at <= now => AckState::Acknowledged {
                at: a.at,
                late: a.at > due,
            },
            _ if now > due => AckState::Overdue { due },
            _ => AckState::Pending { due },
        }
    }

    /// The acknowledgment deadline of the current version.
    pub fn deadline(&self, policy: AckPolicy) -> Timestamp {
        self.notified_at
            .checked_add(policy.deadline)
            .unwrap_or(self.notified_at)
    }
}

/// Escalations due at `now` that have not been raised yet (`raised` lists `(party, version,
/// level)` already raised for this notification). See the module documentation.
///
/// ```
/// use jic_protect::notification::{escalations_due, AckPolicy, Notification, Subject};
/// use jic_protect::{Site, SiteCategory, DisclosureMode, EscalationLevel};
/// use jiff::{SignedDuration, Timestamp};
/// let t = |s: &str| s.parse::<Timestamp>().unwrap();
/// let site = Site {
///     id: "warehouse".into(), notifier: "sarc".into(), category: SiteCategory::Warehouse,
///     shape: jic_geo::Shape::Point(geo_types::coord! { x: 36.9678, y: 36.1516 }),
///     precision_m: 100.0, recipients: vec!["us".into(), "russia".into()],
///     valid_from: t("2016-09-19T08:00:00+03:00"), valid_until: None,
///     disclosure: DisclosureMode::Shared,
/// };
/// let mut n = Notification::new("sarc/warehouse", Subject::Site(site), t("2016-09-19T09:00:00+03:00"));
/// let policy = AckPolicy { deadline: SignedDuration::from_mins(60), second_after: SignedDuration::from_mins(30) };
/// n.acknowledge("us", 1, t("2016-09-19T09:20:00+03:00")).unwrap();
/// assert!(escalations_due(&n, policy, t("2016-09-19T09:59:59+03:00"), &[]).is_empty());
/// let due = escalations_due(&n, policy, t("2016-09-19T10:00:00+03:00"), &[]);
/// assert_eq!(due.len(), 1);
/// assert_eq!((due[0].party.as_str(), due[0].level), ("russia", EscalationLevel::First));
/// ```
pub fn escalations_due(
    notification: &Notification,
    policy: AckPolicy,
    now: Timestamp,
    raised: &[(String, u32, EscalationLevel)],
) -> Vec<Escalation> {
    let first = notification.deadline(policy);
    let second = first.checked_add(policy.second_after).unwrap_or(first);
    let mut out = Vec::new();
    for party in notification.subject.recipients() {
        for (level, due_at) in [
            (EscalationLevel::First, first),
            (EscalationLevel::Second, second),
        ] {
            if now < due_at || !notification.is_active(due_at) {
                continue;
            }
            // Acknowledged (on time, or late but before this tick): nothing to raise.
            if notification.ack_of(party).is_some() {
                continue;
            }
            if raised
                .iter()
                .any(|(p, v, l)| p == party && *v == notification.version && *l == level)
            {
                continue;
            }
            out.push(Escalation {
                notification: notification.id.clone(),
                version: notification.version,
                party: party.clone(),
                level,
                due_at,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{DisclosureMode, SiteCategory};
    use geo_types::coord;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn notification() -> Notification {
        let site = Site {
            id: "h".into(),
            notifier: "un_ocha".into(),
            category: SiteCategory::Hospital,
            shape: jic_geo::Shape::Point(coord! { x: 36.6, y: 35.9 }),
            precision_m: 50.0,
            recipients: vec!["russia".into(), "us".into()],
            valid_from: t("2016-09-19T00:00:00Z"),
            valid_until: Some(t("2016-09-20T00:00:00Z")),
            disclosure: DisclosureMode::Shared,
        };
        Notification::new("un_ocha/h", Subject::Site(site), t("2016-09-19T06:00:00Z"))
    }

    const POLICY: AckPolicy = AckPolicy {
        deadline: SignedDuration::from_mins(60),
        second_after: SignedDuration::from_mins(30),
    };

    fn levels(due: &[Escalation]) -> Vec<(&str, u8)> {
        due.iter()
            .map(|e| (e.party.as_str(), e.level.number()))
            .collect()
    }

    #[test]
    fn escalation_instants_with_a_controlled_clock() {
        let mut n = notification();
        // Data-driven: (now, ack by us at, expected escalations).
        type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, u8)]);
        let cases: &[Case<'_>] = &[
            ("2016-09-19T06:59:59Z", None, &[]),
            ("2016-09-19T07:00:00Z", None, &[("russia", 1), ("us", 1)]),
            (
                "2016-09-19T07:30:00Z",
                None,
                &[("russia", 1), ("russia", 2), ("us", 1), ("us", 2)],
            ),
            (
                "2016-09-19T07:30:00Z",
                Some("2016-09-19T07:00:00Z"),
                &[("russia", 1), ("russia", 2)],
            ),
        ];
        for (now, ack, want) in cases {
            let mut n2 = n.clone();
            if let Some(at) = ack {
                n2.acknowledge("us", 1, t(at)).unwrap();
            }
            let due = escalations_due(&n2, POLICY, t(now), &[]);
            assert_eq!(levels(&due), *want, "at {now} with ack {ack:?}");
        }
        // Idempotent: what is raised is not raised again.
        let raised = vec![("russia".to_owned(), 1, EscalationLevel::First)];
        let due = escalations_due(&n, POLICY, t("2016-09-19T07:10:00Z"), &raised);
        assert_eq!(levels(&due), [("us", 1)]);
        // Withdrawn before the deadline: nothing.
        n.withdraw("un_ocha", t("2016-09-19T06:30:00Z")).unwrap();
        assert!(escalations_due(&n, POLICY, t("2016-09-19T08:00:00Z"), &[]).is_empty());
    }

    #[test]
    fn amendment_restarts_the_clock_and_needs_new_receipts() {
        let mut n = notification();
        n.acknowledge("us", 1, t("2016-09-19T06:10:00Z")).unwrap();
        let amended = n.subject.clone();
        n.amend(amended, "un_ocha", t("2016-09-19T06:40:00Z"))
            .unwrap();
        assert_eq!(n.version, 2);
        assert!(n.ack_of("us").is_none());
        assert_eq!(n.deadline(POLICY), t("2016-09-19T07:40:00Z"));
        assert!(n.acknowledge("us", 1, t("2016-09-19T06:50:00Z")).is_err());
        n.acknowledge("us", 2, t("2016-09-19T06:50:00Z")).unwrap();
        assert!(matches!(
            n.ack_state("us", POLICY, t("2016-09-19T09:00:00Z")),
            AckState::Acknowledged { late: false, .. }
        ));
        assert!(matches!(
            n.ack_state("russia", POLICY, t("2016-09-19T09:00:00Z")),
            AckState::Overdue { .. }
        ));
        assert!(matches!(
            n.acknowledge("turkey", 2, t("2016-09-19T06:50:00Z")),
            Err(Error::Forbidden(_))
        ));
        assert!(
            n.amend(n.subject.clone(), "us", t("2016-09-19T07:00:00Z"))
                .is_err()
        );
    }

    #[test]
    fn expiry_ends_the_notification() {
        let n = notification();
        assert_eq!(n.status(t("2016-09-19T12:00:00Z")), "active");
        assert_eq!(n.status(t("2016-09-20T00:00:00Z")), "expired");
        assert!(!n.is_active(t("2016-09-20T00:00:00Z")));
    }
}
