//! The phase in force by the agreement's schedule alone: fixed starts, durations, and phases
//! that follow another without a calm-day condition.
//!
//! Phases that start after N consecutive calm days depend on verified violations, which the
//! phase clock (issue #7) computes from the log; until it logs such a transition, this module
//! treats the phase as not started. Callers that know better (the phase clock's logged
//! transitions) pass the phase to the journal directly.

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
