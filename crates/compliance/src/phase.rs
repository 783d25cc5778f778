//! The phase clock: calm days and phase transitions, computed deterministically from the
//! incidents derived from the log and the agreement's definitions.
//!
//! # Definition
//! - **Days** run midnight to midnight at the agreement's fixed UTC offset
//!   (`calm_day.utc_offset`). An incident belongs to the local day containing its time (the
//!   start of its window). Only complete days (ending at or before `as_of`) are judged, from
//!   the local day on which the first phase starts.
//! - **What counts**: an incident counts against a day when its review status (as of `as_of`)
//!   is `verified` and its classification is `violation` (including a violation whose actor is
//!   unknown). Everything else is listed as not counted, with why.
//! - A day is **calm** when it counts at most `calm_day.max_verified_violations`. A day with no
//!   reports is calm: the clock judges the record, and says so.
//! - **Phases** start `at` a fixed instant; or `after` another phase with `calm_days = 0` when
//!   that phase ends (its start plus `duration_hours`; a phase without a duration never ends by
//!   itself, so such a successor never starts); or `after` another phase with `calm_days = N`
//!   at the end of the N-th consecutive calm day, counting only days that begin at or after
//!   the predecessor's start. A non-calm day resets the count. A phase starts at most once.
//! - The phase **in force** at an instant is the most recently started phase that has not run
//!   out its own duration (a later phase replaces an open-ended one).
//!
//! Incidents of day *d* are classified with the phases known at the start of *d*: calm-day
//! transitions happen only at midnight, so a day's verdict never depends on itself.
//!
//! # Determinism
//! The result is a pure function of (agreement, incidents with their statuses, context,
//! `as_of`): the same log prefix replayed anywhere gives the same days, transitions and
//! explanations. Sorting is by time then id throughout.

use std::collections::{BTreeMap, HashMap};

use jic_agreement::{Agreement, PhaseStart};
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::classify::{Classification, Outcome, classify};
use crate::incident::IncidentReport;
use crate::links::{Context, StrikeNoticeRef};
use crate::workflow::ReviewStatus;

/// Most days the clock will judge in one computation (ten years).
pub const MAX_DAYS: usize = 3_660;

/// A phase's time in force, before replacement by a later phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseInterval {
    /// Phase id.
    pub phase: String,
    /// Start (inclusive).
    pub start: Timestamp,
    /// End of its own duration (exclusive), if it has one.
    pub end: Option<Timestamp>,
}

/// Started phases, sorted by start then id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTimeline {
    /// The intervals.
    pub intervals: Vec<PhaseInterval>,
}

impl PhaseTimeline {
    /// The phase in force at `t` (see the module documentation).
    pub fn phase_at(&self, t: Timestamp) -> Option<&str> {
        self.intervals
            .iter()
            .filter(|i| i.start <= t && i.end.is_none_or(|e| t < e))
            .max_by(|a, b| a.start.cmp(&b.start).then(a.phase.cmp(&b.phase)))
            .map(|i| i.phase.as_str())
    }

    /// Instants in `(from, until]` where the phase in force changes, with a description.
    pub fn changes_within(&self, from: Timestamp, until: Timestamp) -> Vec<(Timestamp, String)> {
        let mut edges: Vec<Timestamp> = self
            .intervals
            .iter()
            .flat_map(|i| std::iter::once(i.start).chain(i.end))
            .filter(|t| from < *t && *t <= until)
            .collect();
        edges.sort();
        edges.dedup();
        edges
            .into_iter()
            .filter_map(|t| {
                let before = t
                    .checked_sub(SignedDuration::from_nanos(1))
                    .ok()
                    .and_then(|b| self.phase_at(b));
                let after = self.phase_at(t);
                (before != after).then(|| {
                    (
                        t,
                        format!(
                            "phase changes from {} to {} at {t}",
                            before.unwrap_or("none"),
                            after.unwrap_or("none")
                        ),
                    )
                })
            })
            .collect()
    }
}

/// One incident as the clock sees it: its current version and its review status as of the
/// computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockIncident {
    /// The current version.
    pub report: IncidentReport,
    /// The review status.
    pub status: ReviewStatus,
}

/// Why an incident did not count against its day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCounted {
    /// Incident id.
    pub incident: String,
    /// Why.
    pub reason: String,
}

/// Progress toward a calm-day phase at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The phase waiting for calm days.
    pub phase: String,
    /// Consecutive calm days so far.
    pub consecutive: u32,
    /// Needed.
    pub needed: u32,
}

/// The clock's judgement of one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayVerdict {
    /// The local date.
    pub date: Date,
    /// Its first instant.
    pub start: Timestamp,
    /// The next day's first instant.
    pub end: Timestamp,
    /// The phase in force at its start.
    pub phase: Option<String>,
    /// Verified violations, by incident id.
    pub counted: Vec<String>,
    /// Incidents of the day that did not count, with why.
    pub not_counted: Vec<NotCounted>,
    /// The most verified violations a calm day may have.
    pub threshold: u32,
    /// Calm or not.
    pub calm: bool,
    /// Progress toward phases that wait for calm days (after this day).
    pub progress: Vec<Progress>,
    /// The explanation in one paragraph.
    pub explanation: String,
}

/// What started a phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum TransitionCause {
    /// A fixed instant in the agreement.
    Scheduled,
    /// The preceding phase ran out its duration.
    PhaseEnded {
        /// That phase.
        after: String,
    },
    /// The required run of calm days was reached.
    CalmDays {
        /// The phase they were counted after.
        after: String,
        /// The calm days, oldest first.
        days: Vec<Date>,
    },
}

/// A phase transition: a decision jic logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The phase that starts.
    pub phase: String,
    /// The phase in force just before (if any).
    pub from_phase: Option<String>,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub cause: TransitionCause,
    /// In words.
    pub explanation: String,
}

/// Everything the clock computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockResult {
    /// The agreement's hash (hex).
    pub agreement: String,
    /// The instant of the computation.
    pub as_of: Timestamp,
    /// The day's UTC offset, seconds.
    pub utc_offset_seconds: i32,
    /// Judged days, oldest first.
    pub days: Vec<DayVerdict>,
    /// Transitions at or before `as_of`, oldest first.
    pub transitions: Vec<Transition>,
    /// The timeline (including scheduled phases after `as_of`).
    pub timeline: PhaseTimeline,
    /// The phase in force at `as_of`.
    pub phase_now: Option<String>,
    /// Classifications of every incident given, by incident id.
    pub classifications: Vec<Classification>,
}

impl ClockResult {
    /// The classification of an incident.
    pub fn classification(&self, id: &str) -> Option<&Classification> {
        self.classifications
            .binary_search_by(|c| c.incident.as_str().cmp(id))
            .ok()
            .and_then(|i| self.classifications.get(i))
    }

    /// The judged day for a date.
    pub fn day(&self, date: Date) -> Option<&DayVerdict> {
        self.days.iter().find(|d| d.date == date)
    }
}

/// The phase clock (a namespace for [`PhaseClock::compute`]).
#[derive(Debug, Clone, Copy)]
pub struct PhaseClock;

struct Started {
    at: Timestamp,
    cause: TransitionCause,
}

fn timeline_of(agreement: &Agreement, started: &BTreeMap<String, Started>) -> PhaseTimeline {
    let mut intervals: Vec<PhaseInterval> = started
        .iter()
        .map(|(id, s)| PhaseInterval {
            phase: id.clone(),
            start: s.at,
            end: agreement
                .phase(id)
                .and_then(|p| p.duration_hours)
                .and_then(|h| {
                    s.at.checked_add(SignedDuration::from_hours(i64::from(h)))
                        .ok()
                }),
        })
        .collect();
    intervals.sort_by(|a, b| a.start.cmp(&b.start).then(a.phase.cmp(&b.phase)));
    PhaseTimeline { intervals }
}

/// Starts every `after` phase with no calm-day condition whose predecessor has ended, until
/// nothing changes.
fn resolve_chained(agreement: &Agreement, started: &mut BTreeMap<String, Started>) {
    loop {
        let mut added = false;
        for phase in &agreement.terms().phases {
            if started.contains_key(&phase.id) {
                continue;
            }
            if let PhaseStart::After {
                phase: prev,
                calm_days: 0,
            } = &phase.start
                && let Some(s) = started.get(prev)
                && let Some(h) = agreement.phase(prev).and_then(|p| p.duration_hours)
                && let Ok(at) = s.at.checked_add(SignedDuration::from_hours(i64::from(h)))
            {
                started.insert(
                    phase.id.clone(),
                    Started {
                        at,
                        cause: TransitionCause::PhaseEnded {
                            after: prev.clone(),
                        },
                    },
                );
                added = true;
            }
        }
        if !added {
            return;
        }
    }
}

fn day_bounds(date: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = date.to_zoned(tz.clone()).ok()?.timestamp();
    let end = date.tomorrow().ok()?.to_zoned(tz.clone()).ok()?.timestamp();
    Some((start, end))
}

impl PhaseClock {
    /// Computes days, transitions and classifications as of `as_of` (see the module
    /// documentation).
    ///
    /// # Errors
    /// [`Error::Agreement`] when an incident names ids the agreement lacks;
    /// [`Error::Invalid`] when the agreement's day offset is out of range.
    pub fn compute(
        agreement: &Agreement,
        incidents: &[ClockIncident],
        context: &Context,
        as_of: Timestamp,
    ) -> Result<ClockResult, Error> {
        run(agreement, incidents, as_of, &mut Judge::Full(context))
    }

    /// The days, transitions, timeline and phase in force of [`PhaseClock::compute`], with the
    /// same inputs, but with outcomes remembered in `memo` between calls: only verified
    /// incidents on judged days are classified (nothing else can change a day's verdict), and an
    /// incident whose report, timeline, agreement and strike notices are those of a remembered
    /// classification is not classified again. `classifications` is left empty (classify the
    /// one incident you need with [`classify`] and this result's timeline).
    ///
    /// Why this is exact: a day's verdict depends on the outcomes of its verified incidents
    /// alone, and an outcome depends on the context only through its strike notices (links to
    /// sites, movements and air operations inform a classification without deciding it), so the
    /// memo is keyed by everything the outcome reads. The cost per call is one pass over the
    /// incidents and the days, plus a classification for each verified incident not seen before
    /// in that form: independent of the history's size in the common case of a new report.
    ///
    /// ```
    /// use jic_agreement::{Source, load};
    /// use jic_compliance::phase::OutcomeMemo;
    /// use jic_compliance::{Context, PhaseClock};
    /// let agreement = load(&[
    ///     Source { name: "agreement.toml", text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/syria-2016-09/agreement/agreement.toml")) },
    ///     Source { name: "zones.geojson", text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/syria-2016-09/agreement/zones.geojson")) },
    /// ])?;
    /// let as_of = "2016-09-20T12:00:00Z".parse()?;
    /// let mut memo = OutcomeMemo::default();
    /// let fast = PhaseClock::compute_phases(&agreement, &[], &Context::default(), as_of, &mut memo)?;
    /// let full = PhaseClock::compute(&agreement, &[], &Context::default(), as_of)?;
    /// assert_eq!((fast.transitions, fast.days), (full.transitions, full.days));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`PhaseClock::compute`], for the incidents it classifies.
    pub fn compute_phases(
        agreement: &Agreement,
        incidents: &[ClockIncident],
        context: &Context,
        as_of: Timestamp,
        memo: &mut OutcomeMemo,
    ) -> Result<ClockResult, Error> {
        let hash = agreement.hash_hex();
        if memo.agreement != hash || memo.strike_notices != context.strike_notices {
            memo.agreement = hash;
            memo.strike_notices.clone_from(&context.strike_notices);
            memo.outcomes.clear();
        }
        run(agreement, incidents, as_of, &mut Judge::Memo(context, memo))
    }

    /// [`PhaseClock::compute`], the same result in full, with classifications remembered in
    /// `memo`: an incident whose report and timeline are those of a remembered classification,
    /// under the same agreement and context, is not classified again (a classification is a
    /// pure function of those four). Serves repeated reads between changes.
    ///
    /// # Errors
    /// As [`PhaseClock::compute`].
    pub fn compute_memoised(
        agreement: &Agreement,
        incidents: &[ClockIncident],
        context: &Context,
        as_of: Timestamp,
        memo: &mut ClassificationMemo,
    ) -> Result<ClockResult, Error> {
        use sha2::{Digest, Sha256};
        let hash = agreement.hash_hex();
        let Ok(json) = serde_json::to_vec(context) else {
            // No fingerprint, no memo: the plain computation.
            memo.classifications.clear();
            return run(agreement, incidents, as_of, &mut Judge::Full(context));
        };
        let fingerprint: [u8; 32] = Sha256::digest(json).into();
        if memo.agreement != hash || memo.context != fingerprint {
            memo.agreement = hash;
            memo.context = fingerprint;
            memo.classifications.clear();
        }
        run(
            agreement,
            incidents,
            as_of,
            &mut Judge::FullMemo(context, memo),
        )
    }
}

/// Classifications remembered between calls of [`PhaseClock::compute_memoised`], by incident
/// id, with the report and timeline they were computed from. Valid for one agreement and one
/// context (compared by a SHA-256 of its JSON form); it forgets everything when either changes.
#[derive(Debug, Clone, Default)]
pub struct ClassificationMemo {
    agreement: String,
    context: [u8; 32],
    classifications: HashMap<String, (IncidentReport, PhaseTimeline, Classification)>,
}

impl ClassificationMemo {
    /// Number of remembered classifications.
    pub fn len(&self) -> usize {
        self.classifications.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.classifications.is_empty()
    }
}

/// Outcomes remembered between calls of [`PhaseClock::compute_phases`], by incident id, with
/// what they were computed from. Valid for one agreement and one set of strike notices; it
/// forgets everything when either changes.
#[derive(Debug, Clone, Default)]
pub struct OutcomeMemo {
    agreement: String,
    strike_notices: Vec<StrikeNoticeRef>,
    outcomes: HashMap<String, (IncidentReport, PhaseTimeline, Outcome)>,
}

impl OutcomeMemo {
    /// Number of remembered outcomes.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }
}

/// How [`run`] classifies: every incident, keeping the classifications, or only what a day's
/// verdict needs, through the memo.
enum Judge<'a> {
    Full(&'a Context),
    FullMemo(&'a Context, &'a mut ClassificationMemo),
    Memo(&'a Context, &'a mut OutcomeMemo),
}

impl Judge<'_> {
    fn is_full(&self) -> bool {
        !matches!(self, Judge::Memo(..))
    }

    /// The outcome of one incident under `timeline`, and its classification in full mode.
    fn judge(
        &mut self,
        agreement: &Agreement,
        report: &IncidentReport,
        timeline: &PhaseTimeline,
    ) -> Result<(Outcome, Option<Classification>), Error> {
        match self {
            Judge::Full(context) => {
                let c = classify(agreement, report, timeline, context)?;
                Ok((c.outcome, Some(c)))
            }
            Judge::FullMemo(context, memo) => {
                if let Some((r, t, c)) = memo.classifications.get(&report.id)
                    && r == report
                    && t == timeline
                {
                    return Ok((c.outcome, Some(c.clone())));
                }
                let c = classify(agreement, report, timeline, context)?;
                memo.classifications.insert(
                    report.id.clone(),
                    (report.clone(), timeline.clone(), c.clone()),
                );
                Ok((c.outcome, Some(c)))
            }
            Judge::Memo(context, memo) => {
                if let Some((r, t, outcome)) = memo.outcomes.get(&report.id)
                    && r == report
                    && t == timeline
                {
                    return Ok((*outcome, None));
                }
                let c = classify(agreement, report, timeline, context)?;
                memo.outcomes.insert(
                    report.id.clone(),
                    (report.clone(), timeline.clone(), c.outcome),
                );
                Ok((c.outcome, None))
            }
        }
    }
}

fn run(
    agreement: &Agreement,
    incidents: &[ClockIncident],
    as_of: Timestamp,
    judge: &mut Judge<'_>,
) -> Result<ClockResult, Error> {
    let calm = &agreement.terms().calm_day;
    let offset = Offset::from_seconds(calm.utc_offset_seconds).map_err(|e| Error::Invalid {
        what: "calm-day definition",
        problems: vec![format!("UTC offset: {e}")],
    })?;
    let tz = TimeZone::fixed(offset);
    let mut started: BTreeMap<String, Started> = BTreeMap::new();
    for phase in &agreement.terms().phases {
        if let PhaseStart::At(at) = phase.start {
            started.insert(
                phase.id.clone(),
                Started {
                    at,
                    cause: TransitionCause::Scheduled,
                },
            );
        }
    }
    resolve_chained(agreement, &mut started);

    // Incidents by local day, in id order within a day.
    let mut sorted: Vec<&ClockIncident> = incidents.iter().collect();
    sorted.sort_by(|a, b| {
        a.report
            .occurred
            .from
            .cmp(&b.report.occurred.from)
            .then(a.report.id.cmp(&b.report.id))
    });
    let mut by_day: BTreeMap<Date, Vec<&ClockIncident>> = BTreeMap::new();
    for inc in &sorted {
        by_day
            .entry(inc.report.occurred.from.to_zoned(tz.clone()).date())
            .or_default()
            .push(inc);
    }

    let mut classifications: BTreeMap<String, Classification> = BTreeMap::new();
    let mut days = Vec::new();
    let mut streaks: BTreeMap<String, Vec<Date>> = BTreeMap::new();
    let first = started.values().map(|s| s.at).min();
    if let Some(first) = first {
        let mut date = first.to_zoned(tz.clone()).date();
        while days.len() < MAX_DAYS {
            let Some((start, end)) = day_bounds(date, &tz) else {
                break;
            };
            if end > as_of {
                break;
            }
            let timeline = timeline_of(agreement, &started);
            let mut counted = Vec::new();
            let mut not_counted = Vec::new();
            for inc in by_day.get(&date).map(Vec::as_slice).unwrap_or(&[]) {
                // An unverified incident never counts: the memo path does not classify it.
                let (outcome, c) = if judge.is_full() || inc.status == ReviewStatus::Verified {
                    judge.judge(agreement, &inc.report, &timeline)?
                } else {
                    (Outcome::Undetermined, None)
                };
                if inc.status == ReviewStatus::Verified && outcome == Outcome::Violation {
                    counted.push(inc.report.id.clone());
                } else {
                    let reason = if inc.status != ReviewStatus::Verified {
                        format!("{} (only verified incidents count)", inc.status)
                    } else {
                        format!("verified, classified {outcome}")
                    };
                    not_counted.push(NotCounted {
                        incident: inc.report.id.clone(),
                        reason,
                    });
                }
                if let Some(c) = c {
                    classifications.insert(inc.report.id.clone(), c);
                }
            }
            let n = u32::try_from(counted.len()).unwrap_or(u32::MAX);
            let is_calm = n <= calm.max_verified_violations;
            let phase_at_start = timeline.phase_at(start).map(str::to_owned);

            // Count toward phases waiting for calm days.
            let mut progress = Vec::new();
            let mut newly = Vec::new();
            for phase in &agreement.terms().phases {
                let PhaseStart::After {
                    phase: prev,
                    calm_days,
                } = &phase.start
                else {
                    continue;
                };
                if *calm_days == 0 || started.contains_key(&phase.id) {
                    continue;
                }
                let Some(prev_start) = started.get(prev).map(|s| s.at) else {
                    continue;
                };
                if start < prev_start {
                    continue;
                }
                let streak = streaks.entry(phase.id.clone()).or_default();
                if is_calm {
                    streak.push(date);
                } else {
                    streak.clear();
                }
                let consecutive = u32::try_from(streak.len()).unwrap_or(u32::MAX);
                progress.push(Progress {
                    phase: phase.id.clone(),
                    consecutive,
                    needed: *calm_days,
                });
                if consecutive >= *calm_days {
                    newly.push((phase.id.clone(), prev.clone(), streak.clone()));
                }
            }
            for (id, after, calm_run) in newly {
                started.insert(
                    id,
                    Started {
                        at: end,
                        cause: TransitionCause::CalmDays {
                            after,
                            days: calm_run,
                        },
                    },
                );
                resolve_chained(agreement, &mut started);
            }

            let explanation = explain_day(
                date,
                &tz,
                &counted,
                &not_counted,
                calm.max_verified_violations,
                is_calm,
                &progress,
            );
            days.push(DayVerdict {
                date,
                start,
                end,
                phase: phase_at_start,
                counted,
                not_counted,
                threshold: calm.max_verified_violations,
                calm: is_calm,
                progress,
                explanation,
            });
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
    }

    // Incidents outside judged days are classified with the final timeline.
    let timeline = timeline_of(agreement, &started);
    if judge.is_full() {
        for inc in &sorted {
            if !classifications.contains_key(&inc.report.id)
                && let (_, Some(c)) = judge.judge(agreement, &inc.report, &timeline)?
            {
                classifications.insert(inc.report.id.clone(), c);
            }
        }
    }

    let mut transitions: Vec<Transition> = started
            .iter()
            .filter(|(_, s)| s.at <= as_of)
            .map(|(id, s)| {
                let from_phase = s
                    .at
                    .checked_sub(SignedDuration::from_nanos(1))
                    .ok()
                    .and_then(|b| timeline.phase_at(b))
                    .map(str::to_owned);
                let explanation = match &s.cause {
                    TransitionCause::Scheduled => {
                        format!("phase `{id}` starts at {} as the agreement schedules", s.at)
                    }
                    TransitionCause::PhaseEnded { after } => format!(
                        "phase `{id}` starts at {} when phase `{after}` ran out its duration",
                        s.at
                    ),
                    TransitionCause::CalmDays { after, days } => format!(
                        "phase `{id}` starts at {} after {} consecutive calm days since phase `{after}` started ({})",
                        s.at,
                        days.len(),
                        days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                    ),
                };
                Transition {
                    phase: id.clone(),
                    from_phase,
                    at: s.at,
                    cause: s.cause.clone(),
                    explanation,
                }
            })
            .collect();
    transitions.sort_by(|a, b| a.at.cmp(&b.at).then(a.phase.cmp(&b.phase)));
    let phase_now = timeline.phase_at(as_of).map(str::to_owned);
    Ok(ClockResult {
        agreement: agreement.hash_hex(),
        as_of,
        utc_offset_seconds: calm.utc_offset_seconds,
        days,
        transitions,
        timeline,
        phase_now,
        classifications: classifications.into_values().collect(),
    })
}

fn explain_day(
    date: Date,
    tz: &TimeZone,
    counted: &[String],
    not_counted: &[NotCounted],
    threshold: u32,
    calm: bool,
    progress: &[Progress],
) -> String {
    let offset = tz
        .to_fixed_offset()
        .map_or_else(|_| "?".to_owned(), |o| o.to_string());
    let mut s = format!("{date} (UTC{offset}): ");
    if counted.is_empty() {
        s.push_str("no verified violations");
    } else {
        s.push_str(&format!(
            "{} verified violation(s) ({})",
            counted.len(),
            counted.join(", ")
        ));
    }
    s.push_str(&format!(
        "; at most {threshold} allowed, so the day was {}.",
        if calm { "calm" } else { "not calm" }
    ));
    if !not_counted.is_empty() {
        s.push_str(&format!(
            " Not counted: {}.",
            not_counted
                .iter()
                .map(|n| format!("{} — {}", n.incident, n.reason))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for p in progress {
        s.push_str(&format!(
            " Toward phase `{}`: {} of {} consecutive calm days{}.",
            p.phase,
            p.consecutive,
            p.needed,
            if p.consecutive >= p.needed {
                ", reached: it starts at the end of this day"
            } else {
                ""
            }
        ));
    }
    s
}
