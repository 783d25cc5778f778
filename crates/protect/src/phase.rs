//! The phase in force by the agreement's schedule alone: fixed starts, durations, and phases
//! that follow another without a calm-day condition.
//!
//! Phases that start after N consecutive calm days depend on verified violations, which the
//! phase clock (issue #7) computes from the log; until it logs such a transition, this module
//! treats the phase as not started. Callers that know better (the server, from the phase
//! clock's calm days and transitions) pass a [`PhaseInForce`] to the journal directly, with the
//! reason, which a strike check reports as its `jic.phase` finding.

use jic_agreement::{Agreement, PhaseStart};
use jiff::{SignedDuration, Timestamp};

/// When a phase starts by schedule (`None` when it depends on calm days or never starts).
fn start_of(agreement: &Agreement, id: &str, depth: usize) -> Option<Timestamp> {
    if depth > agreement.terms().phases.len() {
        return None; // A cycle: the loader refuses these, but stay total.
    }
    let phase = agreement.phase(id)?;
    match &phase.start {
        PhaseStart::At(t) => Some(*t),
        PhaseStart::After {
            phase,
            calm_days: 0,
        } => end_of(agreement, phase, depth + 1),
        PhaseStart::After { .. } => None,
    }
}

fn end_of(agreement: &Agreement, id: &str, depth: usize) -> Option<Timestamp> {
    let hours = agreement.phase(id)?.duration_hours?;
    start_of(agreement, id, depth)?
        .checked_add(SignedDuration::from_hours(i64::from(hours)))
        .ok()
}

/// The phase in force at `at` by schedule: among phases started at or before `at` and not yet
/// ended, the one that started last (ties by id). `None` before any phase.
///
/// ```
/// # let toml = include_str!("../../../scenarios/syria-2016-09/agreement/agreement.toml");
/// # let zones = include_str!("../../../scenarios/syria-2016-09/agreement/zones.geojson");
/// # let a = jic_agreement::load(&[jic_agreement::Source { name: "agreement.toml", text: toml },
/// #     jic_agreement::Source { name: "zones.geojson", text: zones }]).unwrap();
/// use jic_protect::phase::scheduled_phase;
/// let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
/// assert_eq!(scheduled_phase(&a, t("2016-09-12T18:59:59+03:00")), None);
/// assert_eq!(scheduled_phase(&a, t("2016-09-13T12:00:00+03:00")).as_deref(), Some("recommitment"));
/// assert_eq!(scheduled_phase(&a, t("2016-09-17T16:00:00+03:00")).as_deref(), Some("extension"));
/// ```
pub fn scheduled_phase(agreement: &Agreement, at: Timestamp) -> Option<String> {
    agreement
        .terms()
        .phases
        .iter()
        .filter_map(|p| {
            let start = start_of(agreement, &p.id, 0)?;
            let ended = end_of(agreement, &p.id, 0).is_some_and(|end| end <= at);
            (start <= at && !ended).then_some((start, &p.id))
        })
        .max()
        .map(|(_, id)| id.clone())
}

/// Where a [`PhaseInForce`] came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseSource {
    /// The phase clock over the log (calm days and transitions, issue #7): what the server uses.
    PhaseClock,
    /// The agreement's schedule alone ([`scheduled_phase`]): calm-day phases never start.
    Schedule,
    /// Given by the caller (a planning cell's `--phase`, a test).
    #[default]
    Given,
}

impl PhaseSource {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseSource::PhaseClock => "phase_clock",
            PhaseSource::Schedule => "schedule",
            PhaseSource::Given => "given",
        }
    }
}

/// A phase that waits for consecutive calm days and has not started.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingPhase {
    /// Its id.
    pub phase: String,
    /// Consecutive calm days counted so far (as of the computation).
    pub calm_days: u32,
    /// Consecutive calm days it needs.
    pub needed: u32,
}

/// The phase in force at an instant, and why: what a strike check is judged under and what its
/// `jic.phase` finding reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhaseInForce {
    /// The phase (`None` before any phase started).
    pub phase: Option<String>,
    /// When it started, when known.
    pub since: Option<Timestamp>,
    /// Who decided.
    pub source: PhaseSource,
    /// Why this phase, in one sentence (the transition's explanation).
    pub reason: String,
    /// Phases still waiting for their calm days, with the count so far.
    #[serde(default)]
    pub pending: Vec<PendingPhase>,
}

impl PhaseInForce {
    /// A phase named by the caller, with no further explanation.
    pub fn given(phase: Option<String>) -> Self {
        let reason = match &phase {
            Some(p) => format!("phase `{p}` given by the caller"),
            None => "no phase given".to_owned(),
        };
        Self {
            phase,
            since: None,
            source: PhaseSource::Given,
            reason,
            pending: Vec::new(),
        }
    }

    /// The phase in force at `at` by the agreement's schedule alone ([`scheduled_phase`]);
    /// phases that wait for calm days are listed as pending with no count (the schedule cannot
    /// judge days).
    pub fn by_schedule(agreement: &Agreement, at: Timestamp) -> Self {
        let phase = scheduled_phase(agreement, at);
        let since = phase.as_deref().and_then(|p| start_of(agreement, p, 0));
        let reason = match (&phase, since) {
            (Some(p), Some(s)) => {
                format!("phase `{p}` started at {s} by the agreement's schedule")
            }
            _ => "no phase has started by the agreement's schedule".to_owned(),
        };
        let pending = agreement
            .terms()
            .phases
            .iter()
            .filter_map(|p| match &p.start {
                PhaseStart::After { calm_days, .. } if *calm_days > 0 => Some(PendingPhase {
                    phase: p.id.clone(),
                    calm_days: 0,
                    needed: *calm_days,
                }),
                _ => None,
            })
            .collect();
        Self {
            phase,
            since,
            source: PhaseSource::Schedule,
            reason,
            pending,
        }
    }

    /// One sentence: the phase, since when, why, and what is still pending.
    pub fn explain(&self) -> String {
        let mut out = match (&self.phase, self.since) {
            (Some(p), Some(s)) => format!("phase in force: `{p}` (since {s}): {}", self.reason),
            (Some(p), None) => format!("phase in force: `{p}`: {}", self.reason),
            (None, _) => format!("no phase in force: {}", self.reason),
        };
        let pending: Vec<String> = self
            .pending
            .iter()
            .map(|p| match self.source {
                PhaseSource::PhaseClock => format!(
                    "`{}` has not started ({} of {} consecutive calm days)",
                    p.phase, p.calm_days, p.needed
                ),
                _ => format!(
                    "`{}` waits for {} consecutive calm days, which only the phase clock judges",
                    p.phase, p.needed
                ),
            })
            .collect();
        if !pending.is_empty() {
            out.push_str("; ");
            out.push_str(&pending.join("; "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syria() -> Agreement {
        let toml = include_str!("../../../scenarios/syria-2016-09/agreement/agreement.toml");
        let zones = include_str!("../../../scenarios/syria-2016-09/agreement/zones.geojson");
        jic_agreement::load(&[
            jic_agreement::Source {
                name: "agreement.toml",
                text: toml,
            },
            jic_agreement::Source {
                name: "zones.geojson",
                text: zones,
            },
        ])
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn by_schedule_names_the_phase_its_start_and_the_calm_day_phase_it_cannot_judge() {
        let at: Timestamp = "2016-09-17T16:00:00+03:00"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let p = PhaseInForce::by_schedule(&syria(), at);
        assert_eq!(p.phase.as_deref(), Some("extension"));
        assert_eq!(
            p.since.map(|s| s.to_string()).as_deref(),
            Some("2016-09-14T16:00:00Z")
        );
        assert_eq!(
            p.pending,
            [PendingPhase {
                phase: "jic".to_owned(),
                calm_days: 0,
                needed: 7
            }]
        );
        let text = p.explain();
        assert!(text.contains("`extension`") && text.contains("only the phase clock judges"));
    }

    #[test]
    fn given_phases_say_so() {
        assert_eq!(
            PhaseInForce::given(Some("jic".into())).explain(),
            "phase in force: `jic`: phase `jic` given by the caller"
        );
    }
}
