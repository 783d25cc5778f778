//! The live track picture and conflict detection on ingest.
//!
//! The latest state of every aircraft is kept in memory (and in the `track_state` table, for
//! restarts). After each accepted batch the detector task is woken; it runs the deconfliction
//! crate's production detector over the whole picture and, for each conflicting pair not
//! already alerted, raises a `track_conflict` alert through the writer (a logged decision). A
//! burst of batches coalesces into one detection cycle.
//!
//! Positions are extrapolated from their last report as they stand; the picture is not aged
//! forward to the detection instant (batches arrive every few seconds, far inside the
//! look-ahead).
//!
//! Alerts close when their cause is gone: after each cycle, every pair alerted earlier that the
//! detector no longer finds in conflict has its alert closed through the writer
//! ([`crate::kinds::alerts::close_alert`]: a logged `alert.closed` decision and an `alert`
//! event with `"status": "closed"`). An aircraft whose last position was observed more than
//! `deconfliction.track_stale_s` seconds before the server's clock (default 120) leaves the
//! picture and the `track_state` table (it has landed, or its feed stopped); its alerts close
//! with it. The detector also runs every [`AGE_CHECK_INTERVAL`] without a batch, so the picture
//! ages when every feed stops.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use jic_deconflict::track::{Minima, TrackState};
use jic_store::roster::Role;
use jic_store::state::StateRead;
use jiff::Timestamp;
use rusqlite::Connection;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::AppState;
use crate::submit::AlertSpec;

/// How often the detector runs when no batch wakes it, so that stale aircraft leave the picture
/// and their alerts close even when every feed has stopped.
pub const AGE_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// The dedupe key of the track conflict alert for a pair (ids in order).
fn conflict_key(pair: &(String, String)) -> String {
    format!("track_conflict|{}|{}", pair.0, pair.1)
}

/// The in-memory picture: aircraft id → (reporting party, state).
#[derive(Debug, Default)]
pub struct Tracker {
    picture: Mutex<BTreeMap<String, (String, TrackState)>>,
    alerted: Mutex<HashSet<(String, String)>>,
    wake: Notify,
}

impl Tracker {
    /// Loads the stored picture at startup, and the pairs whose track conflict alert is still
    /// open (so that they close when the conflict resolves).
    pub fn load(&self, conn: &Connection) -> Result<(), jic_store::StoreError> {
        let open: Vec<String> = conn
            .prepare(
                "SELECT dedupe_key FROM alert
                 WHERE kind = 'track_conflict' AND status != 'closed' AND dedupe_key IS NOT NULL",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        {
            let mut alerted = self
                .alerted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for key in open {
                let mut parts = key.splitn(3, '|').skip(1);
                if let (Some(a), Some(b)) = (parts.next(), parts.next()) {
                    alerted.insert((a.to_owned(), b.to_owned()));
                }
            }
        }
        let rows = conn.tracks(None)?;
        let mut picture = self
            .picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for r in rows {
            picture.insert(
                r.aircraft_id,
                (
                    r.party,
                    TrackState {
                        lat_deg: r.lat,
                        lon_deg: r.lon,
                        alt_ft: r.alt_ft,
                        gs_kt: r.gs_kt,
                        trk_deg: r.trk_deg,
                        vs_fpm: r.vs_fpm,
                    },
                ),
            );
        }
        Ok(())
    }

    /// Records a committed batch and wakes the detector.
    pub fn update(&self, party: &str, states: &[(String, TrackState)]) {
        {
            let mut picture = self
                .picture
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (id, st) in states {
                picture.insert(id.clone(), (party.to_owned(), *st));
            }
        }
        self.wake.notify_one();
    }

    /// Asks the detector for a cycle now (it also runs after every batch and every
    /// [`AGE_CHECK_INTERVAL`]).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Number of aircraft in the picture.
    pub fn len(&self) -> usize {
        self.picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether the picture is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs detection cycles whenever the picture changes, until the task is aborted.
pub async fn run_detector(state: AppState) {
    // The picture's ages are read from the store at most four times per staleness period of
    // the server's clock, not on every batch.
    let mut aged_at: Option<Timestamp> = None;
    // One detector for the task's life keeps its buffers between cycles.
    let mut detector = Some(jic_deconflict::grid::Detector::default());
    loop {
        tokio::select! {
            () = state.tracker().wake.notified() => {}
            () = tokio::time::sleep(AGE_CHECK_INTERVAL) => {}
        }
        let now = state.clock().now();
        let quarter = state.config().deconfliction.track_stale_s / 4.0;
        if aged_at.is_none_or(|t| now.duration_since(t).as_secs_f64() >= quarter) {
            aged_at = Some(now);
            drop_stale(&state).await;
        }
        let snapshot: Vec<(String, String, TrackState)> = state
            .tracker()
            .picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(id, (party, st))| (id.clone(), party.clone(), *st))
            .collect();
        let d = &state.config().deconfliction;
        let minima = Minima {
            rpz_m: d.rpz_nm * 1852.0,
            hpz_m: d.hpz_ft * 0.3048,
            lookahead_s: d.lookahead_s,
        };
        let states: Vec<TrackState> = snapshot.iter().map(|(_, _, st)| *st).collect();
        let mut reused = detector.take().unwrap_or_default();
        let conflicts = match tokio::task::spawn_blocking(move || {
            let found = reused.detect(&states, &minima.into());
            (reused, found)
        })
        .await
        {
            Ok((reused, found)) => {
                detector = Some(reused);
                match found {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "track conflict detection refused the picture");
                        continue;
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "track conflict detection failed");
                continue;
            }
        };
        let in_conflict: HashSet<(String, String)> = conflicts
            .iter()
            .map(|c| {
                let (a, b) = (&snapshot[c.first].0, &snapshot[c.second].0);
                if a <= b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                }
            })
            .collect();
        let resolved: Vec<(String, String)> = state
            .tracker()
            .alerted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|p| !in_conflict.contains(*p))
            .cloned()
            .collect();
        close_pairs(
            &state,
            resolved,
            "the detector no longer finds the pair in conflict",
        )
        .await;
        for c in conflicts {
            let (a, b) = (&snapshot[c.first], &snapshot[c.second]);
            let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            let pair = (first.0.clone(), second.0.clone());
            let fresh = state
                .tracker()
                .alerted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(pair.clone());
            if !fresh {
                continue;
            }
            let view = |x: &(String, String, TrackState)| {
                json!({"aircraft": x.0, "party": x.1, "lat": x.2.lat_deg, "lon": x.2.lon_deg,
                       "alt_ft": x.2.alt_ft, "gs_kt": x.2.gs_kt, "trk_deg": x.2.trk_deg,
                       "vs_fpm": x.2.vs_fpm})
            };
            let geometry = json!({"tcpa_s": c.tcpa_s, "dcpa_nm": c.dcpa_m / 1852.0,
                                  "tin_s": c.tin_s, "tout_s": c.tout_s});
            let mut recipients = vec![];
            for (own, other) in [(first, second), (second, first)] {
                if !recipients.iter().any(|(r, _)| r == &own.1) {
                    recipients.push((
                        own.1.clone(),
                        Some(json!({"own": own.0, "other": view(other), "conflict": geometry})),
                    ));
                }
            }
            recipients.push((
                Role::DutyOfficer.as_str().to_owned(),
                Some(json!({"aircraft": [view(first), view(second)], "conflict": geometry})),
            ));
            let alert = AlertSpec {
                kind: "track_conflict".to_owned(),
                severity: if c.tin_s <= 0.0 {
                    "critical"
                } else {
                    "warning"
                }
                .to_owned(),
                dedupe_key: Some(conflict_key(&pair)),
                subject: json!({"aircraft": [pair.0, pair.1], "parties": [first.1, second.1]}),
                recipients,
            };
            let Ok(writer) = state.writer() else { return };
            if let Err(e) = writer
                .decide(Box::new(move |ctx| {
                    let id = ctx.raise_alert(alert)?;
                    Ok(json!({"alert_id": id}))
                }))
                .await
            {
                tracing::warn!(error = %e, "could not raise a track conflict alert");
            }
        }
    }
}

/// Closes the alerts of `pairs` through the writer, one decision each, and forgets them (so a
/// new conflict of the same pair raises a new alert). A pair whose alert could not be closed is
/// kept, to be tried again next cycle.
async fn close_pairs(state: &AppState, pairs: Vec<(String, String)>, reason: &'static str) {
    for pair in pairs {
        let Ok(writer) = state.writer() else { return };
        let key = conflict_key(&pair);
        let closed = writer
            .decide(Box::new(move |ctx| {
                let id = crate::kinds::alerts::close_alert(ctx, &key, reason)?;
                Ok(json!({"alert_id": id}))
            }))
            .await;
        match closed {
            Ok(_) => {
                state
                    .tracker()
                    .alerted
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&pair);
            }
            Err(e) => tracing::warn!(error = %e, "could not close a track conflict alert"),
        }
    }
}

/// Drops from the picture (memory and `track_state`) every aircraft whose last position was
/// observed more than `track_stale_s` before the server's clock, inside a writer decision, and
/// closes the alerts of the pairs it was in.
async fn drop_stale(state: &AppState) {
    let stale_s = state.config().deconfliction.track_stale_s;
    if !stale_s.is_finite() || stale_s <= 0.0 {
        return;
    }
    let now = state.clock().now();
    let observed = state
        .read(|conn| {
            Ok(conn
                .tracks(None)?
                .into_iter()
                .map(|r| (r.aircraft_id, r.observed))
                .collect::<Vec<_>>())
        })
        .await;
    let observed = match observed {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the track picture's ages");
            return;
        }
    };
    let stale: Vec<(String, String)> = observed
        .into_iter()
        .filter(|(_, at)| {
            at.parse::<Timestamp>()
                .is_ok_and(|t| now.duration_since(t).as_secs_f64() > stale_s)
        })
        .collect();
    if stale.is_empty() {
        return;
    }
    let Ok(writer) = state.writer() else { return };
    // Only rows still at the observed time read above: a batch that arrived since keeps its
    // aircraft.
    let dropped = writer
        .decide(Box::new(move |ctx| {
            let mut dropped = Vec::new();
            for (id, at) in &stale {
                let n = ctx
                    .read()
                    .execute(
                        "DELETE FROM track_state WHERE aircraft_id = ?1 AND observed = ?2",
                        rusqlite::params![id, at],
                    )
                    .map_err(|e| crate::problem::ApiError::Internal(format!("track store: {e}")))?;
                if n > 0 {
                    dropped.push(Value::String(id.clone()));
                }
            }
            Ok(Value::Array(dropped))
        }))
        .await;
    let dropped: Vec<String> = match dropped {
        Ok(Value::Array(ids)) => ids
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Ok(_) => Vec::new(),
        Err(e) => {
            tracing::warn!(error = %e, "could not drop stale tracks");
            return;
        }
    };
    {
        let mut picture = state
            .tracker()
            .picture
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in &dropped {
            picture.remove(id);
        }
    }
    let pairs: Vec<(String, String)> = state
        .tracker()
        .alerted
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|(a, b)| dropped.contains(a) || dropped.contains(b))
        .cloned()
        .collect();
    close_pairs(
        state,
        pairs,
        "an aircraft of the pair left the picture (stale or landed)",
    )
    .await;
}
