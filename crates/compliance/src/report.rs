//! The daily situation report as data: the day's incidents and alerts, counts per party and per
//! category, a 14-day series of violations and calm days, humanitarian notifications with
//! overdue acknowledgments, and the checkpoint it is based on. Rendered as JSON by serde and as
//! a stand-alone page by `render`.
//!
//! The report is built only from what the caller passes (derived from the log up to the named
//! checkpoint), so two people holding the same log prefix produce the same report, and the
//! checkpoint tells a reader which prefix that was. Sealed sites never reach it; notifications
//! appear by id and name, without coordinates.

use std::collections::BTreeMap;

use jic_agreement::Agreement;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::classify::{CitedRule, Outcome};
use crate::incident::Category;
use crate::links::Acknowledgment;
use crate::phase::{ClockIncident, ClockResult, DayVerdict, Transition};
use crate::workflow::ReviewStatus;

/// Days in the series.
pub const SERIES_DAYS: usize = 14;

/// The log checkpoint a report is based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRef {
    /// Log origin (e.g. `jic.example/syria-2016`).
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash, base64.
    pub root_hash: String,
}

/// An alert raised by jic that day (conflict, escalation…), as the caller may disclose it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRef {
    /// Alert id.
    pub id: String,
    /// Kind (e.g. `conflict`, `ack_overdue`).
    pub kind: String,
    /// When it was raised.
    pub at: Timestamp,
    /// Position, when disclosable.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Position, when disclosable.
    #[serde(default)]
    pub lon: Option<f64>,
    /// One line.
    pub summary: String,
}

/// A humanitarian notification, without coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRef {
    /// Notification id.
    pub id: String,
    /// `site` or `movement`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Receipt time.
    pub notified_at: Timestamp,
    /// Acknowledgment deadline.
    pub deadline: Timestamp,
    /// Recipient parties.
    pub recipients: Vec<String>,
    /// Acknowledgments received.
    pub acknowledgments: Vec<Acknowledgment>,
}

/// A notification's acknowledgment state at the report's cut-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationStatus {
    /// The notification.
    pub notification: NotificationRef,
    /// Recipients that acknowledged by the deadline.
    pub on_time: Vec<String>,
    /// Recipients that acknowledged after the deadline, with when.
    pub late: Vec<Acknowledgment>,
    /// Recipients that had not acknowledged at the cut-off although the deadline had passed.
    pub overdue: Vec<String>,
    /// Recipients still within the deadline.
    pub pending: Vec<String>,
}

/// One incident in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedIncident {
    /// Incident id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// Review status.
    pub status: ReviewStatus,
    /// Classification outcome.
    pub outcome: Outcome,
    /// Alleged actor label.
    pub actor: String,
    /// The party it is counted under (answerable party, group, or `unknown`).
    pub party: String,
    /// When.
    pub at: Timestamp,
    /// Position.
    pub lat: f64,
    /// Position.
    pub lon: f64,
    /// Uncertainty radius, metres.
    pub uncertainty_m: f64,
    /// Place name.
    pub place: Option<String>,
    /// Killed (min, max).
    pub killed: (Option<u32>, Option<u32>),
    /// Deciding rules.
    pub rules: Vec<String>,
    /// The classification's first reason.
    pub summary: String,
}

/// Counts for one party (or group, or `unknown`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyCount {
    /// Party id, group id or `unknown`.
    pub party: String,
    /// Incidents alleged.
    pub incidents: u32,
    /// Classified as violations.
    pub violations: u32,
    /// Verified violations (what the calm-day rule counts).
    pub verified_violations: u32,
}

/// Counts for one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    /// The category.
    pub category: Category,
    /// Incidents.
    pub incidents: u32,
    /// Classified as violations.
    pub violations: u32,
}

/// One day of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesDay {
    /// The local date.
    pub date: Date,
    /// Incidents that day.
    pub incidents: u32,
    /// Verified violations that day.
    pub verified_violations: u32,
    /// The clock's verdict (`None` when the day was not judged: before the first phase or not
    /// yet complete).
    pub calm: Option<bool>,
}

/// Identity of the agreement in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementRef {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its hash, hex.
    pub hash: String,
}

/// The daily situation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SituationReport {
    /// The local date reported on.
    pub day: Date,
    /// Its first instant.
    pub day_start: Timestamp,
    /// The next day's first instant.
    pub day_end: Timestamp,
    /// The day's UTC offset (e.g. `+03`).
    pub utc_offset: String,
    /// The same, in seconds east of UTC.
    pub utc_offset_seconds: i32,
    /// When the report was produced (the cut-off for acknowledgments).
    pub generated_at: Timestamp,
    /// The agreement.
    pub agreement: AgreementRef,
    /// The checkpoint the report is based on.
    pub checkpoint: Option<CheckpointRef>,
    /// The phase in force at the start of the day.
    pub phase: Option<String>,
    /// The clock's verdict on the day, when judged.
    pub calm_day: Option<DayVerdict>,
    /// Phase transitions during the day.
    pub transitions: Vec<Transition>,
    /// The day's incidents, by time then id.
    pub incidents: Vec<ReportedIncident>,
    /// The rules the day's classifications cite, by id, with their clause text.
    pub rules_cited: Vec<CitedRule>,
    /// The day's counts per party, by party.
    pub by_party: Vec<PartyCount>,
    /// The day's counts per category, in category order.
    pub by_category: Vec<CategoryCount>,
    /// The 14 days ending with this one.
    pub series: Vec<SeriesDay>,
    /// The day's alerts.
    pub alerts: Vec<AlertRef>,
    /// Notifications made that day or still awaiting acknowledgment.
    pub notifications: Vec<NotificationStatus>,
}

/// What a report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// The agreement.
    pub agreement: &'a Agreement,
    /// The clock, computed as of `generated_at` or later.
    pub clock: &'a ClockResult,
    /// The incidents the clock was computed from.
    pub incidents: &'a [ClockIncident],
    /// Alerts (the caller filters what it may disclose).
    pub alerts: &'a [AlertRef],
    /// Notifications (no coordinates).
    pub notifications: &'a [NotificationRef],
    /// The checkpoint.
    pub checkpoint: Option<&'a CheckpointRef>,
    /// The cut-off.
    pub generated_at: Timestamp,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SituationReport {
    /// Builds the report for the local date `day`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the day cannot be placed in time at the agreement's offset.
    pub fn build(day: Date, inputs: ReportInputs<'_>) -> Result<Self, Error> {
        let bad = |what: String| Error::Invalid {
            what: "report day",
            problems: vec![what],
        };
        let offset = Offset::from_seconds(inputs.agreement.terms().calm_day.utc_offset_seconds)
            .map_err(|e| bad(e.to_string()))?;
        let tz = TimeZone::fixed(offset);
        let bounds = |d: Date| -> Result<(Timestamp, Timestamp), Error> {
            let s = d
                .to_zoned(tz.clone())
                .map_err(|e| bad(e.to_string()))?
                .timestamp();
            let e = d
                .tomorrow()
                .and_then(|n| n.to_zoned(tz.clone()))
                .map_err(|e| bad(e.to_string()))?
                .timestamp();
            Ok((s, e))
        };
        let (day_start, day_end) = bounds(day)?;
        let clock = inputs.clock;
        let terms = inputs.agreement.terms();

        let mut incidents = Vec::new();
        let mut by_party: BTreeMap<String, PartyCount> = BTreeMap::new();
        let mut by_category: BTreeMap<Category, CategoryCount> = BTreeMap::new();
        let mut rules_cited: BTreeMap<String, CitedRule> = BTreeMap::new();
        for inc in inputs.incidents {
            let r = &inc.report;
            if !(day_start <= r.occurred.from && r.occurred.from < day_end) {
                continue;
            }
            let c = clock.classification(&r.id);
            let outcome = c.map_or(Outcome::Undetermined, |c| c.outcome);
            let party = r
                .actor
                .answerable_party(inputs.agreement)
                .unwrap_or_else(|| r.actor.label());
            let violation = outcome == Outcome::Violation;
            let pc = by_party.entry(party.clone()).or_insert_with(|| PartyCount {
                party: party.clone(),
                ..PartyCount::default()
            });
            pc.incidents += 1;
            pc.violations += u32::from(violation);
            pc.verified_violations += u32::from(violation && inc.status == ReviewStatus::Verified);
            let cc = by_category.entry(r.category).or_insert(CategoryCount {
                category: r.category,
                incidents: 0,
                violations: 0,
            });
            cc.incidents += 1;
            cc.violations += u32::from(violation);
            for rule in c.map(|c| c.rules.as_slice()).unwrap_or_default() {
                rules_cited
                    .entry(rule.rule.clone())
                    .or_insert_with(|| rule.clone());
            }
            incidents.push(ReportedIncident {
                id: r.id.clone(),
                category: r.category,
                status: inc.status,
                outcome,
                actor: r.actor.label(),
                party,
                at: r.occurred.from,
                lat: r.location.lat,
                lon: r.location.lon,
                uncertainty_m: r.location.uncertainty_m,
                place: r.location.name.clone(),
                killed: (r.casualties.killed_min, r.casualties.killed_max),
                rules: c
                    .map(|c| c.rules.iter().map(|x| x.rule.clone()).collect())
                    .unwrap_or_default(),
                // The rule texts are listed once (`rules_cited`); the row keeps what else the
                // classification says (what is missing, a notice found or lacking).
                summary: c
                    .and_then(|c| c.reasons.iter().find(|r| !r.starts_with("rule `")).cloned())
                    .unwrap_or_default(),
            });
        }
        incidents.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));

        // The series: 14 local days ending with `day`.
        let mut series = Vec::with_capacity(SERIES_DAYS);
        let mut d = day;
        for _ in 0..SERIES_DAYS {
            let (s, e) = bounds(d)?;
            let in_day: Vec<&ClockIncident> = inputs
                .incidents
                .iter()
                .filter(|i| s <= i.report.occurred.from && i.report.occurred.from < e)
                .collect();
            let verified = in_day
                .iter()
                .filter(|i| {
                    i.status == ReviewStatus::Verified
                        && clock
                            .classification(&i.report.id)
                            .is_some_and(|c| c.outcome == Outcome::Violation)
                })
                .count();
            series.push(SeriesDay {
                date: d,
                incidents: count(in_day.len()),
                verified_violations: count(verified),
                calm: clock.day(d).map(|v| v.calm),
            });
            match d.yesterday() {
                Ok(y) => d = y,
                Err(_) => break,
            }
        }
        series.reverse();

        let cutoff = inputs.generated_at.min(day_end);
        let mut notifications: Vec<NotificationStatus> = inputs
            .notifications
            .iter()
            .filter(|n| n.notified_at < day_end)
            .filter_map(|n| {
                let status = notification_status(n, cutoff);
                let relevant = (day_start <= n.notified_at)
                    || !status.overdue.is_empty()
                    || !status.pending.is_empty()
                    || status
                        .late
                        .iter()
                        .any(|l| day_start <= l.at && l.at < day_end);
                relevant.then_some(status)
            })
            .collect();
        notifications.sort_by(|a, b| {
            a.notification
                .notified_at
                .cmp(&b.notification.notified_at)
                .then(a.notification.id.cmp(&b.notification.id))
        });

        let mut alerts: Vec<AlertRef> = inputs
            .alerts
            .iter()
            .filter(|a| day_start <= a.at && a.at < day_end)
            .cloned()
            .collect();
        alerts.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));

        let transitions = clock
            .transitions
            .iter()
            .filter(|t| day_start <= t.at && t.at < day_end)
            .cloned()
            .collect();
        Ok(Self {
            day,
            day_start,
            day_end,
            utc_offset: offset.to_string(),
            utc_offset_seconds: offset.seconds(),
            generated_at: inputs.generated_at,
            agreement: AgreementRef {
                id: terms.meta.id.clone(),
                title: terms.meta.title.clone(),
                hash: clock.agreement.clone(),
            },
            checkpoint: inputs.checkpoint.cloned(),
            phase: clock.timeline.phase_at(day_start).map(str::to_owned),
            calm_day: clock.day(day).cloned(),
            transitions,
            incidents,
            rules_cited: rules_cited.into_values().collect(),
            by_party: by_party.into_values().collect(),
            by_category: by_category.into_values().collect(),
            series,
            alerts,
            notifications,
        })
    }
}

/// Acknowledgment state of a notification at `cutoff`.
pub fn notification_status(n: &NotificationRef, cutoff: Timestamp) -> NotificationStatus {
    let mut on_time = Vec::new();
    let mut late = Vec::new();
    let mut overdue = Vec::new();
    let mut pending = Vec::new();
    for party in &n.recipients {
        let first = n
            .acknowledgments
            .iter()
            .filter(|a| &a.party == party && a.at <= cutoff)
            .min_by_key(|a| a.at);
        match first {
            Some(a) if a.at <= n.deadline => on_time.push(party.clone()),
            Some(a) => late.push(a.clone()),
            None if n.deadline < cutoff => overdue.push(party.clone()),
            None => pending.push(party.clone()),
        }
    }
    NotificationStatus {
        notification: n.clone(),
        on_time,
        late,
        overdue,
        pending,
    }
}

/// The deadline for a notification received at `at` under the agreement.
pub fn ack_deadline(agreement: &Agreement, at: Timestamp) -> Timestamp {
    let mins = i64::from(agreement.terms().humanitarian.ack_deadline_min);
    at.checked_add(SignedDuration::from_mins(mins))
        .unwrap_or(at)
}
