//! The fold of every humanitarian and strike entry in log order: notifications and receipts,
//! air operations, strike notices and their reviews, stop requests, sealed checks, suspension.
//!
//! The server applies each accepted submission to a [`Journal`] with the entry's receipt time
//! and logs the [`Decision`]s it returns; a replay of the log through a fresh journal yields the
//! same decisions (DESIGN.md §2: anything a party might dispute is reproducible from the log).
//! Time enters only as the receipt time of each entry and the instant of each [`Journal::tick`]
//! (the deadline ticker), both of which are logged.

use std::collections::{BTreeMap, BTreeSet};

use jic_agreement::{Agreement, Role};
use jic_geo::Place;
use jiff::{SignedDuration, Timestamp};

use crate::Error;
use crate::index::{IndexedSite, SiteIndex};
use crate::notification::{
    AckPolicy, Escalation, EscalationLevel, Notification, Subject, escalations_due,
};
use crate::phase::PhaseInForce;
use crate::review::{Review, ReviewDecision, ReviewStatus, StopAlert};
use crate::sealed::{
    CheckRecord, ProbeDecision, ProbePolicy, SealedAnswer, is_near_miss, probing_decision,
};
use crate::site::DisclosureMode;
use crate::strike::{
    AirOperation, Assessment, StrikeContext, StrikeNotice, StrikeParams, StrikeVerdict,
    evaluate_in_phase,
};
use crate::suspension::{Function, Suspension};

/// One accepted submission (or logged phase change), as the journal needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The phase in force changed (from the phase clock, with its reason; strike notices are
    /// judged under the latest one).
    Phase(PhaseInForce),
    /// A new notification (site or movement) by its notifier.
    Notify(Subject),
    /// An amendment.
    Amend {
        /// Who amends.
        party: String,
        /// The notification id.
        notification: String,
        /// The new subject.
        subject: Subject,
    },
    /// A withdrawal.
    Withdraw {
        /// Who.
        party: String,
        /// The notification id.
        notification: String,
    },
    /// A signed receipt.
    Acknowledge {
        /// The recipient.
        party: String,
        /// The notification id.
        notification: String,
        /// The version acknowledged.
        version: u32,
    },
    /// An air operation filed or updated (with its deconfliction status).
    AirOperation(AirOperation),
    /// A strike notice.
    StrikeNotice(StrikeNotice),
    /// The filer amends its strike notice (same id): re-evaluated, and the review reopens.
    StrikeAmend(StrikeNotice),
    /// The filer withdraws its strike notice: the review closes.
    StrikeWithdraw {
        /// Who (the filer).
        party: String,
        /// The notice id.
        notice: String,
    },
    /// A counterpart's concurrence or objection.
    Review {
        /// Who.
        party: String,
        /// The notice id.
        notice: String,
        /// What.
        decision: ReviewDecision,
    },
    /// An urgent stop request.
    Stop {
        /// Who.
        party: String,
        /// The notice id.
        notice: String,
        /// Why.
        reason: String,
    },
    /// The filer acknowledges a stop request.
    StopAck {
        /// Who (the filer).
        party: String,
        /// The notice id.
        notice: String,
        /// Which stop request.
        number: u32,
    },
    /// A check of a place against sealed sites.
    SealedCheck {
        /// Who asks.
        party: String,
        /// The place (e.g. a planned strike area).
        place: Place,
        /// Effects radius around it, metres.
        effects_radius_m: f64,
    },
    /// A sponsor suspends the implementation plane.
    Suspend {
        /// Who.
        party: String,
        /// Why.
        reason: String,
    },
    /// A sponsor resumes.
    Resume {
        /// Who.
        party: String,
    },
}

/// What jic decided, for the log and the parties.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A notification version was recorded; recipients must acknowledge by `deadline`.
    Notified {
        /// Id.
        notification: String,
        /// Version.
        version: u32,
        /// Acknowledgment deadline.
        deadline: Timestamp,
        /// Who must acknowledge.
        recipients: Vec<String>,
    },
    /// A notification was withdrawn.
    Withdrawn {
        /// Id.
        notification: String,
    },
    /// A receipt was recorded.
    Acknowledged {
        /// Id.
        notification: String,
        /// Who.
        party: String,
        /// Version.
        version: u32,
        /// After the deadline.
        late: bool,
    },
    /// An overdue acknowledgment escalated.
    Escalated(Escalation),
    /// An air operation was recorded.
    AirOperationRecorded {
        /// Id.
        id: String,
    },
    /// A strike notice was assessed and its review opened (version 1), or an amendment was
    /// re-assessed and the review reopened (version 2 and up: earlier answers no longer count).
    Assessed {
        /// The assessment.
        assessment: Assessment,
        /// Review deadline.
        review_deadline: Timestamp,
        /// Who reviews.
        counterparts: Vec<String>,
        /// The notice's version.
        version: u32,
    },
    /// The filer withdrew a strike notice; its review is closed.
    NoticeWithdrawn {
        /// The notice.
        notice: String,
        /// The filer.
        party: String,
    },
    /// A review answer changed the verdict.
    Reviewed {
        /// Notice.
        notice: String,
        /// Review status.
        status: ReviewStatus,
        /// Verdict after review.
        verdict: StrikeVerdict,
    },
    /// The review deadline passed in silence.
    ReviewLapsed {
        /// Notice.
        notice: String,
        /// Verdict after review.
        verdict: StrikeVerdict,
    },
    /// A stop request alert.
    StopRaised(StopAlert),
    /// A stop request acknowledged by the filer.
    StopAcknowledged {
        /// Notice.
        notice: String,
        /// Number.
        number: u32,
        /// From request to acknowledgment.
        latency: SignedDuration,
    },
    /// A sealed check was answered.
    SealedChecked {
        /// Who asked.
        party: String,
        /// The answer.
        answer: SealedAnswer,
    },
    /// A sealed check was refused (probing).
    SealedRefused {
        /// Who asked.
        party: String,
        /// Until when.
        until: Timestamp,
    },
    /// Repeated near misses by one asker, for the monitors.
    ProbingReported {
        /// Who.
        party: String,
        /// Near misses in the window.
        near_misses: u32,
    },
    /// The plane was suspended.
    Suspended {
        /// Who.
        party: String,
    },
    /// A suspension was lifted (`plane_resumed` when none remains).
    Resumed {
        /// Who.
        party: String,
        /// True when the implementation plane runs again.
        plane_resumed: bool,
    },
}

/// Tunables of the journal, from the agreement ([`JournalParams::from_agreement`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JournalParams {
    /// Strike check tunables.
    pub strike: StrikeParams,
    /// Probing detection.
    pub probe: ProbePolicy,
    /// Time a counterpart has to answer a strike notice.
    pub review_window: SignedDuration,
}

impl Default for JournalParams {
    /// Strike and probe defaults; 30 minutes to review (the agreement's defaults).
    fn default() -> Self {
        Self {
            strike: StrikeParams::default(),
            probe: ProbePolicy::default(),
            review_window: SignedDuration::from_mins(i64::from(
                jic_agreement::Strike::REVIEW_WINDOW_MIN,
            )),
        }
    }
}

impl JournalParams {
    /// The agreement's parameters: `[strike]` (review window, location tolerance, schedule
    /// slack) and `[humanitarian]` probing thresholds, with their documented defaults.
    pub fn from_agreement(agreement: &Agreement) -> Self {
        let terms = agreement.terms();
        Self {
            strike: StrikeParams::from_terms(&terms.strike),
            probe: ProbePolicy::from_terms(&terms.humanitarian),
            review_window: SignedDuration::from_mins(i64::from(terms.strike.review_window_min())),
        }
    }
}

/// The state of the humanitarian and implementation planes. See the module documentation.
#[derive(Debug, Clone)]
pub struct Journal {
    agreement: Agreement,
    params: JournalParams,
    phase: PhaseInForce,
    notifications: BTreeMap<String, Notification>,
    sites: Option<SiteIndex>,
    air_operations: BTreeMap<String, AirOperation>,
    notices: BTreeMap<String, StrikeNotice>,
    /// Version of each notice (1 when filed, +1 per amendment).
    notice_versions: BTreeMap<String, u32>,
    /// Withdrawn notices, with when.
    withdrawn_notices: BTreeMap<String, Timestamp>,
    reviews: BTreeMap<String, Review>,
    suspension: Suspension,
    raised: BTreeSet<(String, String, u32, EscalationLevel)>,
    checks: Vec<CheckRecord>,
}

impl Journal {
    /// An empty journal under `agreement`.
    pub fn new(agreement: Agreement, params: JournalParams) -> Self {
        Self {
            agreement,
            params,
            phase: PhaseInForce::given(None),
            notifications: BTreeMap::new(),
            sites: None,
            air_operations: BTreeMap::new(),
            notices: BTreeMap::new(),
            notice_versions: BTreeMap::new(),
            withdrawn_notices: BTreeMap::new(),
            reviews: BTreeMap::new(),
            suspension: Suspension::default(),
            raised: BTreeSet::new(),
            checks: Vec::new(),
        }
    }

    /// The agreement.
    pub fn agreement(&self) -> &Agreement {
        &self.agreement
    }

    /// A notification by id.
    pub fn notification(&self, id: &str) -> Option<&Notification> {
        self.notifications.get(id)
    }

    /// Every notification, by id.
    pub fn notifications(&self) -> impl Iterator<Item = &Notification> {
        self.notifications.values()
    }

    /// A review by notice id.
    pub fn review(&self, notice: &str) -> Option<&Review> {
        self.reviews.get(notice)
    }

    /// A strike notice by id.
    pub fn notice(&self, id: &str) -> Option<&StrikeNotice> {
        self.notices.get(id)
    }

    /// When a strike notice was withdrawn, if it was.
    pub fn notice_withdrawn_at(&self, id: &str) -> Option<Timestamp> {
        self.withdrawn_notices.get(id).copied()
    }

    /// A strike notice's version (1 when filed, +1 per amendment).
    pub fn notice_version(&self, id: &str) -> Option<u32> {
        self.notice_versions.get(id).copied()
    }

    /// Refuses answers to a withdrawn notice.
    fn open_notice(&self, notice: &str) -> Result<(), Error> {
        match self.withdrawn_notices.get(notice) {
            Some(at) => Err(Error::State(format!(
                "strike notice {notice} was withdrawn at {at}; its review is closed"
            ))),
            None => Ok(()),
        }
    }

    /// The suspension state.
    pub fn suspension(&self) -> &Suspension {
        &self.suspension
    }

    /// The acknowledgment policy from the agreement.
    pub fn ack_policy(&self) -> AckPolicy {
        AckPolicy::from_agreement(&self.agreement.terms().humanitarian)
    }

    /// Whether `function` may run now (see `suspension`).
    ///
    /// # Errors
    /// [`Error::Suspended`].
    pub fn check_function(&self, function: Function) -> Result<(), Error> {
        self.suspension.check(function)
    }

    fn site_index(&mut self) -> &SiteIndex {
        let notifications = &self.notifications;
        self.sites.get_or_insert_with(|| {
            SiteIndex::new(
                notifications
                    .values()
                    .filter_map(|n| match &n.subject {
                        Subject::Site(site) if n.withdrawn_at.is_none() => Some(IndexedSite {
                            notification: n.id.clone(),
                            site: site.clone(),
                            notified_at: n.notified_at,
                            acks: n.current_acks().cloned().collect(),
                        }),
                        _ => None,
                    })
                    .collect(),
            )
        })
    }

    fn party_role(&self, party: &str) -> Option<Role> {
        self.agreement.party(party).map(|p| p.role)
    }

    fn notification_mut(&mut self, id: &str) -> Result<&mut Notification, Error> {
        self.notifications
            .get_mut(id)
            .ok_or_else(|| Error::Unknown {
                what: "notification",
                id: id.to_owned(),
            })
    }

    fn review_mut(&mut self, notice: &str) -> Result<&mut Review, Error> {
        self.reviews.get_mut(notice).ok_or_else(|| Error::Unknown {
            what: "strike notice",
            id: notice.to_owned(),
        })
    }

    /// Applies one entry received at `at`. On error nothing changed.
    ///
    /// # Errors
    /// Whatever the entry violates: unknown ids, wrong party, a closed review, suspension.
    pub fn apply(&mut self, at: Timestamp, entry: Entry) -> Result<Vec<Decision>, Error> {
        let policy = self.ack_policy();
        match entry {
            Entry::Phase(phase) => {
                if let Some(p) = &phase.phase
                    && self.agreement.phase(p).is_none()
                {
                    return Err(Error::Unknown {
                        what: "phase",
                        id: p.clone(),
                    });
                }
                self.phase = phase;
                Ok(Vec::new())
            }
            Entry::Notify(subject) => {
                let notifier = subject.notifier().to_owned();
                if self.party_role(&notifier) != Some(Role::Humanitarian) {
                    return Err(Error::Forbidden(format!(
                        "{notifier} is not a humanitarian party of the agreement"
                    )));
                }
                for r in subject.recipients() {
                    if self.agreement.party(r).is_none() {
                        return Err(Error::Unknown {
                            what: "party",
                            id: r.clone(),
                        });
                    }
                }
                let id = crate::wire::notification_id(&notifier, subject.id());
                if self.notifications.contains_key(&id) {
                    return Err(Error::State(format!(
                        "notification {id} exists; amend it instead"
                    )));
                }
                let n = Notification::new(id.clone(), subject, at);
                let decision = Decision::Notified {
                    notification: id.clone(),
                    version: 1,
                    deadline: n.deadline(policy),
                    recipients: n.subject.recipients().to_vec(),
                };
                self.notifications.insert(id, n);
                self.sites = None;
                Ok(vec![decision])
            }
            Entry::Amend {
                party,
                notification,
                subject,
            } => {
                if subject.id() != self.notification_mut(&notification)?.subject.id() {
                    return Err(Error::invalid(
                        "id",
                        "an amendment keeps the notification id",
                    ));
                }
                let n = self.notification_mut(&notification)?;
                n.amend(subject, &party, at)?;
                let decision = Decision::Notified {
                    notification,
                    version: n.version,
                    deadline: n.deadline(policy),
                    recipients: n.subject.recipients().to_vec(),
                };
                self.sites = None;
                Ok(vec![decision])
            }
            Entry::Withdraw {
                party,
                notification,
            } => {
                self.notification_mut(&notification)?.withdraw(&party, at)?;
                self.sites = None;
                Ok(vec![Decision::Withdrawn { notification }])
            }
            Entry::Acknowledge {
                party,
                notification,
                version,
            } => {
                let n = self.notification_mut(&notification)?;
                n.acknowledge(&party, version, at)?;
                let late = at > n.deadline(policy);
                self.sites = None;
                Ok(vec![Decision::Acknowledged {
                    notification,
                    party,
                    version,
                    late,
                }])
            }
            Entry::AirOperation(op) => {
                let id = op.id.clone();
                if let Some(existing) = self.air_operations.get(&id)
                    && existing.party != op.party
                {
                    return Err(Error::Forbidden(format!(
                        "air operation {id} belongs to {}",
                        existing.party
                    )));
                }
                self.air_operations.insert(id.clone(), op);
                Ok(vec![Decision::AirOperationRecorded { id }])
            }
            Entry::StrikeNotice(notice) => self.strike_notice(at, notice),
            Entry::StrikeAmend(notice) => self.strike_amend(at, notice),
            Entry::StrikeWithdraw { party, notice } => {
                let filer = self
                    .notices
                    .get(&notice)
                    .map(|n| n.party.clone())
                    .ok_or_else(|| Error::Unknown {
                        what: "strike notice",
                        id: notice.clone(),
                    })?;
                if filer != party {
                    return Err(Error::Forbidden(format!(
                        "only {filer}, the filing party, withdraws strike notice {notice}"
                    )));
                }
                self.open_notice(&notice)?;
                self.withdrawn_notices.insert(notice.clone(), at);
                Ok(vec![Decision::NoticeWithdrawn { notice, party }])
            }
            Entry::Review {
                party,
                notice,
                decision,
            } => {
                self.suspension.check(Function::StrikeReview)?;
                self.open_notice(&notice)?;
                let review = self.review_mut(&notice)?;
                review.respond(&party, decision, at)?;
                Ok(vec![Decision::Reviewed {
                    notice,
                    status: review.status(at),
                    verdict: review.verdict(at),
                }])
            }
            Entry::Stop {
                party,
                notice,
                reason,
            } => {
                self.open_notice(&notice)?;
                let alert = self.review_mut(&notice)?.stop(&party, &reason, at)?;
                Ok(vec![Decision::StopRaised(alert)])
            }
            Entry::StopAck {
                party,
                notice,
                number,
            } => {
                let latency = self
                    .review_mut(&notice)?
                    .acknowledge_stop(number, &party, at)?;
                Ok(vec![Decision::StopAcknowledged {
                    notice,
                    number,
                    latency,
                }])
            }
            Entry::SealedCheck {
                party,
                place,
                effects_radius_m,
            } => self.sealed_check(at, party, &place, effects_radius_m),
            Entry::Suspend { party, reason } => {
                if self.party_role(&party) != Some(Role::Sponsor) {
                    return Err(Error::Forbidden(format!(
                        "only a sponsor suspends the implementation plane, not {party}"
                    )));
                }
                self.suspension.suspend(&party, &reason, at)?;
                Ok(vec![Decision::Suspended { party }])
            }
            Entry::Resume { party } => {
                self.suspension.resume(&party)?;
                Ok(vec![Decision::Resumed {
                    party,
                    plane_resumed: !self.suspension.is_suspended(),
                }])
            }
        }
    }

    fn record_check(&mut self, party: &str, at: Timestamp, near_miss: bool) -> Option<Decision> {
        let decision = probing_decision(&self.checks, party, at, self.params.probe);
        self.checks.push(CheckRecord {
            asker: party.to_owned(),
            at,
            near_miss,
        });
        // Report on the transition into the reporting band and on every refusal, so the
        // monitors are told once per pattern rather than on every check.
        match probing_decision(&self.checks, party, at, self.params.probe) {
            ProbeDecision::AllowAndReport { near_misses }
                if !matches!(decision, ProbeDecision::AllowAndReport { .. }) =>
            {
                Some(Decision::ProbingReported {
                    party: party.to_owned(),
                    near_misses,
                })
            }
            _ => None,
        }
    }

    fn sealed_check(
        &mut self,
        at: Timestamp,
        party: String,
        place: &Place,
        effects_radius_m: f64,
    ) -> Result<Vec<Decision>, Error> {
        if !(place.is_finite() && effects_radius_m.is_finite() && effects_radius_m >= 0.0) {
            return Err(Error::invalid(
                "place",
                "coordinates and radius must be finite",
            ));
        }
        if let ProbeDecision::Refuse { near_misses, until } =
            probing_decision(&self.checks, &party, at, self.params.probe)
        {
            return Ok(vec![
                Decision::SealedRefused {
                    party: party.clone(),
                    until,
                },
                Decision::ProbingReported { party, near_misses },
            ]);
        }
        let threshold = effects_radius_m + self.agreement.terms().humanitarian.site_buffer_m;
        let nearest = self
            .site_index()
            .near(place, threshold * 2.0, at, at)
            .filter(|h| h.site.site.disclosure == DisclosureMode::Sealed)
            .map(|h| h.distance_m)
            .fold(f64::INFINITY, f64::min);
        let answer = SealedAnswer::for_distance(nearest, threshold);
        let mut out = vec![Decision::SealedChecked {
            party: party.clone(),
            answer,
        }];
        out.extend(self.record_check(&party, at, is_near_miss(nearest, threshold)));
        Ok(out)
    }

    fn strike_notice(
        &mut self,
        at: Timestamp,
        notice: StrikeNotice,
    ) -> Result<Vec<Decision>, Error> {
        self.suspension.check(Function::StrikeNotice)?;
        if self.party_role(&notice.party) != Some(Role::Sponsor) {
            return Err(Error::Forbidden(format!(
                "{} is not a sponsor; only sponsors notify strikes",
                notice.party
            )));
        }
        if self.notices.contains_key(&notice.id) {
            return Err(Error::State(format!(
                "strike notice {} exists; amend it instead",
                notice.id
            )));
        }
        self.assess(at, notice, 1)
    }

    fn strike_amend(
        &mut self,
        at: Timestamp,
        notice: StrikeNotice,
    ) -> Result<Vec<Decision>, Error> {
        self.suspension.check(Function::StrikeNotice)?;
        let Some(existing) = self.notices.get(&notice.id) else {
            return Err(Error::Unknown {
                what: "strike notice",
                id: notice.id,
            });
        };
        if existing.party != notice.party {
            return Err(Error::Forbidden(format!(
                "only {}, the filing party, amends strike notice {}",
                existing.party, notice.id
            )));
        }
        self.open_notice(&notice.id)?;
        let version = self.notice_versions.get(&notice.id).copied().unwrap_or(1) + 1;
        self.assess(at, notice, version)
    }

    /// Evaluates `notice` as of `at`, (re)opens its review and records it as `version`.
    fn assess(
        &mut self,
        at: Timestamp,
        notice: StrikeNotice,
        version: u32,
    ) -> Result<Vec<Decision>, Error> {
        self.site_index();
        // Only movements matter to the check; sites come through the index.
        let notifications: Vec<Notification> = self
            .notifications
            .values()
            .filter(|n| matches!(n.subject, Subject::Movement(_)))
            .cloned()
            .collect();
        let air_operations: Vec<AirOperation> = self.air_operations.values().cloned().collect();
        let Some(sites) = self.sites.as_ref() else {
            return Err(Error::State("site index unavailable".to_owned()));
        };
        let assessment = evaluate_in_phase(
            &notice,
            &StrikeContext {
                agreement: &self.agreement,
                phase: self.phase.phase.as_deref(),
                sites,
                notifications: &notifications,
                air_operations: &air_operations,
                params: self.params.strike,
            },
            &self.phase,
        )?;
        let counterparts: Vec<String> = self
            .agreement
            .terms()
            .parties
            .iter()
            .filter(|p| p.role == Role::Sponsor && p.id != notice.party)
            .map(|p| p.id.clone())
            .collect();
        let review = Review::open(
            &notice,
            &assessment,
            counterparts.clone(),
            at,
            self.params.review_window,
        );
        let mut out = vec![Decision::Assessed {
            review_deadline: review.deadline,
            assessment: assessment.clone(),
            counterparts,
            version,
        }];
        out.extend(self.record_check(&notice.party, at, assessment.sealed.near_miss));
        self.reviews.insert(notice.id.clone(), review);
        self.notice_versions.insert(notice.id.clone(), version);
        self.notices.insert(notice.id.clone(), notice);
        Ok(out)
    }

    /// The deadline ticker: escalations of overdue acknowledgments and lapsed reviews due at
    /// `now` that were not raised before. Idempotent for a given `now`.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Decision> {
        let policy = self.ack_policy();
        let mut out = Vec::new();
        for n in self.notifications.values() {
            let raised: Vec<(String, u32, EscalationLevel)> = self
                .raised
                .iter()
                .filter(|(id, ..)| *id == n.id)
                .map(|(_, p, v, l)| (p.clone(), *v, *l))
                .collect();
            for e in escalations_due(n, policy, now, &raised) {
                out.push(e);
            }
        }
        let mut decisions: Vec<Decision> = Vec::new();
        for e in out {
            self.raised
                .insert((e.notification.clone(), e.party.clone(), e.version, e.level));
            decisions.push(Decision::Escalated(e));
        }
        if self.suspension.check(Function::StrikeReview).is_ok() {
            let withdrawn = &self.withdrawn_notices;
            for review in self.reviews.values_mut() {
                if withdrawn.contains_key(&review.notice) {
                    continue;
                }
                if review.escalation_due(now) {
                    review.mark_escalated(now);
                    decisions.push(Decision::ReviewLapsed {
                        notice: review.notice.clone(),
                        verdict: review.verdict(now),
                    });
                }
            }
        }
        decisions
    }

    /// When the next escalation could fall due after `now` (for the server's ticker to sleep
    /// until), if any.
    pub fn next_deadline(&self, now: Timestamp) -> Option<Timestamp> {
        let policy = self.ack_policy();
        let acks = self
            .notifications
            .values()
            .filter(|n| n.is_active(now))
            .flat_map(|n| {
                let first = n.deadline(policy);
                let second = first.checked_add(policy.second_after).unwrap_or(first);
                [first, second]
            });
        let reviews = self
            .reviews
            .values()
            .filter(|r| r.escalated_at.is_none() && !self.withdrawn_notices.contains_key(&r.notice))
            .map(|r| {
                r.deadline
                    .checked_add(SignedDuration::from_millis(1))
                    .unwrap_or(r.deadline)
            });
        acks.chain(reviews).filter(|t| *t > now).min()
    }
}
