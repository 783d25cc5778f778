//! Replay: rebuilds every incident dossier from the logged submissions, in leaf order. The
//! server and an offline auditor (`jic phase --log URL`, `--data DIR`) run the same fold over
//! the same entries, so they compute the same calm days and transitions.
//!
//! # Submission kinds (payloads are the serde forms of this crate's types)
//! - [`KIND_REPORT`] `incident.report`: an [`IncidentReport`] (new id);
//! - [`KIND_AMEND`] `incident.amend`: an [`IncidentReport`] with an existing id;
//! - [`KIND_REVIEW`] `incident.review`: a [`Review`];
//! - [`KIND_COUNTER_CLAIM`] `incident.counter_claim`: a [`CounterClaim`].
//!
//! The log holds only submissions the server accepted, so replay trusts roles (who may amend,
//! who may review) and re-checks only what the data itself says (ids, versions, transitions).
//! An entry that does not apply is listed in [`Replay::skipped`] with why, never silently
//! dropped: a mismatch between the server and a replay is a finding for the auditor.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::incident::IncidentReport;
use crate::phase::ClockIncident;
use crate::workflow::{CounterClaim, Dossier, Filed, Review};

/// A new incident report.
pub const KIND_REPORT: &str = "incident.report";
/// An amendment (a new version).
pub const KIND_AMEND: &str = "incident.amend";
/// A monitor's review decision.
pub const KIND_REVIEW: &str = "incident.review";
/// A party's counter-claim.
pub const KIND_COUNTER_CLAIM: &str = "incident.counter_claim";
/// Every incident kind.
pub const KINDS: [&str; 4] = [KIND_REPORT, KIND_AMEND, KIND_REVIEW, KIND_COUNTER_CLAIM];

/// One logged submission, as the log (or the server's submission table) holds it.
#[derive(Debug, Clone, Copy)]
pub struct LoggedSubmission<'a> {
    /// Leaf index.
    pub leaf: u64,
    /// Submission kind.
    pub kind: &'a str,
    /// The submitting member.
    pub party: &'a str,
    /// Receipt time.
    pub received: Timestamp,
    /// The payload.
    pub payload: &'a Value,
}

/// The dossiers rebuilt from the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replay {
    /// Dossiers by incident id.
    pub dossiers: BTreeMap<String, Dossier>,
    /// Entries that did not apply, with why.
    pub skipped: Vec<(u64, String)>,
    /// The highest leaf folded.
    pub last_leaf: Option<u64>,
}

fn parse<T: for<'de> Deserialize<'de>>(v: &Value) -> Result<T, String> {
    T::deserialize(v).map_err(|e| format!("payload: {e}"))
}

impl Replay {
    /// Folds one submission (other kinds are ignored).
    pub fn apply(&mut self, s: LoggedSubmission<'_>) {
        if !KINDS.contains(&s.kind) {
            return;
        }
        self.last_leaf = Some(self.last_leaf.map_or(s.leaf, |l| l.max(s.leaf)));
        if let Err(why) = self.try_apply(s) {
            self.skipped.push((s.leaf, why));
        }
    }

    fn try_apply(&mut self, s: LoggedSubmission<'_>) -> Result<(), String> {
        fn filed<T>(s: &LoggedSubmission<'_>, item: T) -> Filed<T> {
            Filed {
                by: s.party.to_owned(),
                at: s.received,
                leaf: Some(s.leaf),
                item,
            }
        }
        match s.kind {
            KIND_REPORT => {
                let r: IncidentReport = parse(s.payload)?;
                if self.dossiers.contains_key(&r.id) {
                    return Err(format!("incident `{}` already exists", r.id));
                }
                self.dossiers
                    .insert(r.id.clone(), Dossier::new(filed(&s, r)));
                Ok(())
            }
            KIND_AMEND => {
                let r: IncidentReport = parse(s.payload)?;
                let d = self
                    .dossiers
                    .get_mut(&r.id)
                    .ok_or_else(|| format!("no incident `{}` to amend", r.id))?;
                d.amend(filed(&s, r), true)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            KIND_REVIEW => {
                let r: Review = parse(s.payload)?;
                let d = self
                    .dossiers
                    .get_mut(&r.incident)
                    .ok_or_else(|| format!("no incident `{}` to review", r.incident))?;
                d.review(filed(&s, r)).map_err(|e| e.to_string())
            }
            KIND_COUNTER_CLAIM => {
                let c: CounterClaim = parse(s.payload)?;
                let d = self
                    .dossiers
                    .get_mut(&c.incident)
                    .ok_or_else(|| format!("no incident `{}` to answer", c.incident))?;
                d.counter_claim(filed(&s, c)).map_err(|e| e.to_string())
            }
            _ => Ok(()),
        }
    }

    /// Folds a whole sequence.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = LoggedSubmission<'a>>) -> Self {
        let mut r = Self::default();
        for e in entries {
            r.apply(e);
        }
        r
    }

    /// What the phase clock needs as of an instant: each incident's latest version filed by
    /// then and its status then (later filings are ignored), by id.
    pub fn clock_incidents(&self, as_of: Timestamp) -> Vec<ClockIncident> {
        self.dossiers
            .values()
            .filter_map(|d| {
                let current = d.versions.iter().rev().find(|v| v.at <= as_of)?;
                Some(ClockIncident {
                    report: current.item.clone(),
                    status: d.status_at(as_of),
                })
            })
            .collect()
    }
}
