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

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use jic_deconflict::track::{Minima, TrackState};
use jic_store::roster::Role;
use jic_store::state::StateRead;
use rusqlite::Connection;
use serde_json::json;
use tokio::sync::Notify;

use crate::AppState;
use crate::submit::AlertSpec;

/// The in-memory picture: aircraft id → (reporting party, state).
#[derive(Debug, Default)]
pub struct Tracker {
    picture: Mutex<BTreeMap<String, (String, TrackState)>>,
    alerted: Mutex<HashSet<(String, String)>>,
    wake: Notify,
}

impl Tracker {
    /// Loads the stored picture at startup.
    pub fn load(&self, conn: &Connection) -> Result<(), jic_store::StoreError> {
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
    loop {
        state.tracker().wake.notified().await;
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
        let conflicts = match tokio::task::spawn_blocking(move || {
            jic_deconflict::grid::detect(&states, &minima.into())
        })
        .await
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "track conflict detection refused the picture");
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "track conflict detection failed");
                continue;
            }
        };
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
                dedupe_key: Some(format!("track_conflict|{}|{}", pair.0, pair.1)),
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
