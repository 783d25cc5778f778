//! The replay engine: drives a loaded [`Scenario`] through signed submissions against a running
//! server over HTTP, on a scaled clock, and records what the server answered.
//!
//! # How it works
//! Events are taken in scenario-time order, merged with the replay's own reactions (e.g. both
//! parties acknowledging a plan-conflict alert some minutes after the server raised it). For
//! each event the replay:
//! 1. waits until the event is due on the wall clock: `(at − start) / speed` after the replay
//!    began (no wait at [`Speed::Max`]);
//! 2. moves the server's scenario clock to the event's time through the [`ScenarioClock`] the
//!    caller passed (the demo server runs on that clock, so the skew check and every receipt
//!    time are in 2016);
//! 3. resolves `{{label.pointer}}` templates from earlier receipts, builds the envelope with the
//!    cell's next sequence number and the event's time, commits to the payload instead of
//!    carrying it when the agreement's disclosure policy restricts the kind
//!    ([`restricted_category`]), signs it (Ed25519 over RFC 8785 bytes) and `POST`s it;
//! 4. records the outcome: accepted (with the receipt), rejected (with the problem's detail),
//!    or skipped — when the server does not know the kind, every later event of that kind is
//!    skipped without being sent, and reported as such.
//!
//! Sequence numbers are per key and only advance on a send, so a rejection never leaves a gap
//! the server would mind (it only requires each number to exceed the last accepted one).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use indicatif::ProgressBar;
use jic_agreement::SubmissionKind;
use jic_ledger::envelope::{Envelope, Submission};
use jic_ledger::key::NoteSigner;
use jiff::{SignedDuration, Timestamp};
use rand::RngCore as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::SimError;
use crate::scenario::{Event, Provenance, Scenario};

/// The server's notion of "now", moved by the replay. The demo passes one backed by the
/// server's own clock; a replay against a server on the wall clock cannot use 2016 times.
pub trait ScenarioClock: Send + Sync {
    /// Sets the scenario time.
    fn set(&self, t: Timestamp);
}

/// How fast scenario time passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// As fast as the server answers.
    Max,
    /// Scenario seconds per wall-clock second.
    Factor(f64),
}

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "max" {
            return Ok(Speed::Max);
        }
        match s.trim_end_matches('x').parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 => Ok(Speed::Factor(f)),
            _ => Err(format!(
                "speed {s:?}: a positive number (scenario seconds per second) or \"max\""
            )),
        }
    }
}

/// What the replay needs besides the scenario.
pub struct ReplayOptions {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// Signing keys by cell id.
    pub signers: BTreeMap<String, NoteSigner>,
    /// Read tokens by member id (for the live-event watchers and the summary's reads).
    pub tokens: BTreeMap<String, String>,
    /// The pace.
    pub speed: Speed,
    /// Stop after this scenario time (the whole scenario when `None`).
    pub until: Option<Timestamp>,
    /// The server's scenario clock.
    pub clock: Arc<dyn ScenarioClock>,
    /// Members whose live event streams are watched, to measure how fast news reaches them.
    pub watch: Vec<String>,
    /// Progress display ([`ProgressBar::hidden`] for none).
    pub progress: ProgressBar,
}

impl std::fmt::Debug for ReplayOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayOptions")
            .field("server", &self.server)
            .field("speed", &self.speed)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

/// What happened to one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Narration only.
    Note,
    /// The server accepted it; its receipt (`leaf_index`, `received`, `kind`, `result`).
    Accepted(Value),
    /// The server refused it.
    Rejected {
        /// HTTP status.
        status: u16,
        /// The problem's detail.
        detail: String,
    },
    /// Not sent.
    Skipped(String),
}

/// One event and its outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The event as replayed (templates resolved).
    pub event: Event,
    /// What happened.
    pub status: Status,
    /// When it was sent (wall clock, for latency measurements).
    pub sent: Option<Instant>,
    /// Whether its payload went as a commitment.
    pub restricted: bool,
}

/// An event seen on a watched member's live stream.
#[derive(Debug, Clone)]
pub struct SeenEvent {
    /// The watching member.
    pub member: String,
    /// When it arrived (wall clock).
    pub arrived: Instant,
    /// The SSE event name (topic).
    pub topic: String,
    /// The body.
    pub data: Value,
}

/// The replay's record.
#[derive(Debug, Clone)]
pub struct ReplayLog {
    /// Every event in the order replayed.
    pub outcomes: Vec<Outcome>,
    /// Live events seen by the watchers.
    pub seen: Vec<SeenEvent>,
    /// Wall-clock duration of the replay.
    pub elapsed: Duration,
    /// The last scenario time replayed.
    pub reached: Timestamp,
    /// Kinds the server did not know.
    pub unsupported: BTreeSet<String>,
}

/// The agreement's disclosure category of an envelope kind, if any: which kinds must travel
/// as a commitment is agreement policy over these categories (DESIGN §3.3).
pub fn restricted_category(kind: &str) -> Option<SubmissionKind> {
    let family = |prefix: &str| kind == prefix || kind.starts_with(&format!("{prefix}."));
    if family("air_operation") {
        Some(SubmissionKind::FlightPlan)
    } else if kind == "strike.notice" || kind == "strike.amend" {
        Some(SubmissionKind::StrikeNotice)
    } else if family("humanitarian.site") {
        Some(SubmissionKind::HumanitarianSite)
    } else if family("humanitarian.movement") {
        Some(SubmissionKind::HumanitarianMovement)
    } else if kind == "tracks.batch" {
        Some(SubmissionKind::Track)
    } else if kind == "incident.report" {
        Some(SubmissionKind::Incident)
    } else {
        None
    }
}

/// Replays `scenario`. `restricted` says which disclosure categories the agreement restricts.
pub async fn replay(
    scenario: &Scenario,
    options: ReplayOptions,
    restricted: &dyn Fn(SubmissionKind) -> bool,
) -> Result<ReplayLog, SimError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| SimError::Http(format!("client: {e}")))?;
    let base = options.server.trim_end_matches('/').to_owned();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut watchers = Vec::new();
    for member in &options.watch {
        if let Some(token) = options.tokens.get(member) {
            watchers.push(tokio::spawn(watch(
                client.clone(),
                format!("{base}/api/v1/events"),
                member.clone(),
                token.clone(),
                seen.clone(),
            )));
        }
    }
    // Give the watchers a moment to subscribe before the first event.
    if !watchers.is_empty() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let until = options.until.unwrap_or(scenario.end).min(scenario.end);
    let mut state = Replay {
        client,
        base,
        options: &options,
        restricted,
        seq: BTreeMap::new(),
        receipts: BTreeMap::new(),
        unsupported: BTreeSet::new(),
        outcomes: Vec::new(),
    };
    let mut queue: VecDeque<Event> = scenario
        .events
        .iter()
        .filter(|e| e.at <= until)
        .cloned()
        .collect();
    let mut reactions: Vec<Event> = Vec::new();
    options.progress.set_length(queue.len() as u64);
    let began = Instant::now();
    let mut reached = scenario.start;
    // Live alerts already scheduled for acknowledgment, and how far the feed was read.
    let mut acked: BTreeSet<(String, i64)> = BTreeSet::new();
    let mut seen_cursor = 0usize;
    options.clock.set(scenario.start);
    loop {
        // The earliest of the next scripted event and the next reaction (scripted first on ties).
        let take_reaction = match (queue.front(), reactions.first()) {
            (Some(e), Some(r)) => r.at < e.at,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let event = if take_reaction {
            reactions.remove(0)
        } else {
            match queue.pop_front() {
                Some(e) => e,
                None => break,
            }
        };
        if event.at > until {
            break;
        }
        if let Speed::Factor(f) = options.speed {
            let due = (event.at.as_second() - scenario.start.as_second()).max(0) as f64 / f;
            let wait = Duration::from_secs_f64(due).saturating_sub(began.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        reached = reached.max(event.at);
        options.clock.set(reached);
        options.progress.set_message(format!(
            "{}  {}",
            scenario.local(event.at),
            event.title.clone().unwrap_or_else(|| event.kind.clone())
        ));
        let outcome = state.play(event).await?;
        let live = live_alert_acks(
            scenario,
            &outcome.event,
            &seen,
            &mut seen_cursor,
            &mut acked,
            &options,
        );
        for r in reactions_to(scenario, &outcome, &options)
            .into_iter()
            .chain(live)
        {
            options.progress.inc_length(1);
            let at = r.at;
            let pos = reactions.partition_point(|x| x.at <= at);
            reactions.insert(pos, r);
        }
        state.outcomes.push(outcome);
        options.progress.inc(1);
    }
    // Let the last live events arrive.
    if !watchers.is_empty() {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for w in watchers {
        w.abort();
    }
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(ReplayLog {
        outcomes: state.outcomes,
        seen,
        elapsed: began.elapsed(),
        reached,
        unsupported: state.unsupported,
    })
}

struct Replay<'a> {
    client: reqwest::Client,
    base: String,
    options: &'a ReplayOptions,
    restricted: &'a dyn Fn(SubmissionKind) -> bool,
    seq: BTreeMap<String, u64>,
    receipts: BTreeMap<String, Value>,
    unsupported: BTreeSet<String>,
    outcomes: Vec<Outcome>,
}

impl Replay<'_> {
    async fn play(&mut self, mut event: Event) -> Result<Outcome, SimError> {
        let skipped = |event: Event, why: String| Outcome {
            event,
            status: Status::Skipped(why),
            sent: None,
            restricted: false,
        };
        if event.kind == "note" {
            return Ok(Outcome {
                event,
                status: Status::Note,
                sent: None,
                restricted: false,
            });
        }
        if self.unsupported.contains(&event.kind) {
            return Ok(skipped(
                event,
                "kind not supported by this server".to_owned(),
            ));
        }
        match resolve(&event.payload, &self.receipts) {
            Ok(p) => event.payload = p,
            Err(why) => return Ok(skipped(event, why)),
        }
        let Some(cell) = event.cell.clone() else {
            return Ok(skipped(event, "no cell signs it".to_owned()));
        };
        let Some(signer) = self.options.signers.get(&cell) else {
            return Ok(skipped(event, format!("no signing key for cell {cell:?}")));
        };
        let mut restricted = restricted_category(&event.kind).is_some_and(|c| (self.restricted)(c));
        let mut retried = false;
        loop {
            let seq = self.seq.entry(cell.clone()).or_insert(0);
            *seq += 1;
            let seq = *seq;
            let (body, path) = build(&event, &cell, signer, seq, restricted)?;
            let sent = Instant::now();
            let response = self
                .client
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| SimError::Http(format!("{}: {e}", event.kind)))?;
            let status = response.status().as_u16();
            let text = response
                .text()
                .await
                .map_err(|e| SimError::Http(e.to_string()))?;
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            if (200..300).contains(&status) {
                if let Some(label) = &event.label {
                    self.receipts.insert(label.clone(), value.clone());
                }
                return Ok(Outcome {
                    event,
                    status: Status::Accepted(value),
                    sent: Some(sent),
                    restricted,
                });
            }
            let detail = value
                .get("detail")
                .and_then(Value::as_str)
                .map_or_else(|| value.to_string(), str::to_owned);
            if status == 422 && detail.starts_with("unknown kind") {
                self.unsupported.insert(event.kind.clone());
                return Ok(skipped(
                    event,
                    "kind not supported by this server".to_owned(),
                ));
            }
            // The server restricts more than the agreement: send it again as a commitment.
            if status == 422 && detail.contains("need-to-know") && !restricted && !retried {
                restricted = true;
                retried = true;
                continue;
            }
            return Ok(Outcome {
                event,
                status: Status::Rejected { status, detail },
                sent: Some(sent),
                restricted,
            });
        }
    }
}

/// The wire body and path of one event.
fn build(
    event: &Event,
    cell: &str,
    signer: &NoteSigner,
    seq: u64,
    restricted: bool,
) -> Result<(Vec<u8>, &'static str), SimError> {
    let key = signer.verifier().to_vkey();
    let time = event.at.to_string();
    let ledger = |e: jic_ledger::LedgerError| SimError::Envelope(format!("{}: {e}", event.origin));
    let (payload, csv) = if event.kind == "tracks.batch" {
        let (payload, csv) = track_batch(event)?;
        (payload, Some(csv))
    } else {
        (event.payload.clone(), None)
    };
    let submission = if restricted {
        let mut salt = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let (envelope, beside) =
            Envelope::restricted(&event.kind, cell, &key, seq, &time, payload, salt)
                .map_err(ledger)?;
        Submission {
            signed: envelope.sign(signer).map_err(ledger)?,
            restricted: Some(beside),
        }
    } else {
        let envelope = Envelope::public(&event.kind, cell, &key, seq, &time, payload);
        Submission {
            signed: envelope.sign(signer).map_err(ledger)?,
            restricted: None,
        }
    };
    let bytes = submission.to_json().map_err(ledger)?;
    match csv {
        None => Ok((bytes, "/api/v1/submissions")),
        Some(csv) => {
            let mut value: Value =
                serde_json::from_slice(&bytes).map_err(|e| SimError::Envelope(e.to_string()))?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("states_csv".to_owned(), Value::String(csv));
            }
            let bytes =
                serde_json::to_vec(&value).map_err(|e| SimError::Envelope(e.to_string()))?;
            Ok((bytes, "/api/v1/tracks/batches"))
        }
    }
}

/// A `tracks.batch` event's envelope payload and CSV (DESIGN §3.2 header).
fn track_batch(event: &Event) -> Result<(Value, String), SimError> {
    let bad = |m: &str| SimError::Scenario {
        at: event.origin.clone(),
        message: format!("tracks.batch: {m}"),
    };
    let states = event
        .payload
        .get("states")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("needs \"states\""))?;
    let mut csv = String::from("id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\n");
    for s in states {
        let id = s
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a state needs an \"id\""))?;
        let num = |k: &str| s.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        csv.push_str(&format!(
            "{id},{},{},{},{},{},{}\n",
            num("lat"),
            num("lon"),
            num("alt_ft"),
            num("gs_kt"),
            num("trk_deg"),
            num("vs_fpm")
        ));
    }
    let digest = hex::encode(Sha256::digest(csv.as_bytes()));
    Ok((
        json!({"states_sha256": digest, "count": states.len(), "observed": event.at.to_string()}),
        csv,
    ))
}

/// Replaces `{{label.a.b}}` strings with values from earlier receipts.
fn resolve(payload: &Value, receipts: &BTreeMap<String, Value>) -> Result<Value, String> {
    match payload {
        Value::String(s) => {
            let Some(inner) = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) else {
                return Ok(payload.clone());
            };
            let (label, path) = inner.split_once('.').unwrap_or((inner, ""));
            let receipt = receipts
                .get(label)
                .ok_or_else(|| format!("depends on {label:?}, which the server did not accept"))?;
            let pointer = if path.is_empty() {
                String::new()
            } else {
                format!("/{}", path.replace('.', "/"))
            };
            receipt
                .pointer(&pointer)
                .cloned()
                .ok_or_else(|| format!("the receipt of {label:?} has no {path:?}"))
        }
        Value::Array(items) => items
            .iter()
            .map(|v| resolve(v, receipts))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                out.insert(k.clone(), resolve(v, receipts)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// The replay's own reactions to an accepted submission: both parties of each plan conflict
/// acknowledge its alert (when the manifest asks for it).
fn reactions_to(scenario: &Scenario, outcome: &Outcome, options: &ReplayOptions) -> Vec<Event> {
    let Some(delay) = scenario.manifest.replay.ack_conflict_alerts_after_min else {
        return Vec::new();
    };
    let Status::Accepted(receipt) = &outcome.status else {
        return Vec::new();
    };
    let Some(conflicts) = receipt
        .pointer("/result/conflicts")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Ok(at) = outcome
        .event
        .at
        .checked_add(SignedDuration::from_mins(i64::from(delay)))
    else {
        return out;
    };
    for c in conflicts {
        let Some(alert_id) = c.get("alert_id").and_then(Value::as_i64) else {
            continue;
        };
        let other = c
            .pointer("/with/party")
            .and_then(Value::as_str)
            .map(str::to_owned);
        for (i, party) in [outcome.event.cell.clone(), other]
            .into_iter()
            .flatten()
            .enumerate()
        {
            if !options.signers.contains_key(&party) {
                continue;
            }
            out.push(Event {
                at: at
                    .checked_add(SignedDuration::from_mins(i as i64 * 2))
                    .unwrap_or(at),
                cell: Some(party.clone()),
                kind: "alert.ack".to_owned(),
                payload: json!({"alert_id": alert_id,
                                "note": "seen by the liaison cell; crews advised (synthetic)"}),
                label: None,
                title: Some(format!(
                    "{party} acknowledges plan-conflict alert {alert_id}"
                )),
                provenance: Provenance::Synthetic,
                report: false,
                compare: None,
                origin: "[replay] ack_conflict_alerts_after_min".to_owned(),
            });
        }
    }
    out
}

/// Acknowledgments of the alerts that reached a watched cell's live feed since the last call,
/// when the manifest asks for them (`[replay] ack_live_alerts`).
fn live_alert_acks(
    scenario: &Scenario,
    after: &Event,
    seen: &Mutex<Vec<SeenEvent>>,
    cursor: &mut usize,
    acked: &mut BTreeSet<(String, i64)>,
    options: &ReplayOptions,
) -> Vec<Event> {
    let spec = &scenario.manifest.replay;
    if spec.ack_live_alerts.is_empty() {
        return Vec::new();
    }
    let Ok(seen) = seen.lock() else {
        return Vec::new();
    };
    let fresh = seen.get(*cursor..).unwrap_or_default();
    *cursor = seen.len();
    let at = after
        .at
        .checked_add(SignedDuration::from_mins(i64::from(
            spec.ack_live_alerts_after_min,
        )))
        .unwrap_or(after.at);
    let mut out = Vec::new();
    for s in fresh.iter().filter(|s| s.topic == "alert") {
        let kind = s.data.get("kind").and_then(Value::as_str).unwrap_or("");
        let Some(id) = s.data.get("id").and_then(Value::as_i64) else {
            continue;
        };
        if !spec.ack_live_alerts.iter().any(|k| k == kind)
            || !options.signers.contains_key(&s.member)
            || !acked.insert((s.member.clone(), id))
        {
            continue;
        }
        out.push(Event {
            at,
            cell: Some(s.member.clone()),
            kind: "alert.ack".to_owned(),
            payload: json!({"alert_id": id, "note": "seen on the live feed; crews advised (synthetic)"}),
            label: None,
            title: Some(format!("{} acknowledges {kind} alert {id}", s.member)),
            provenance: Provenance::Synthetic,
            report: false,
            compare: None,
            origin: "[replay] ack_live_alerts".to_owned(),
        });
    }
    out
}

/// Watches one member's live event stream (SSE) and records every event with its arrival.
async fn watch(
    client: reqwest::Client,
    url: String,
    member: String,
    token: String,
    seen: Arc<Mutex<Vec<SeenEvent>>>,
) {
    let Ok(response) = client
        .get(url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(3600))
        .send()
        .await
    else {
        return;
    };
    if !response.status().is_success() {
        return;
    }
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let (mut topic, mut data) = (String::new(), String::new());
    while let Some(Ok(chunk)) = stream.next().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(pos) = buffer.find('\n') {
            let line: String = buffer.drain(..=pos).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !data.is_empty() {
                    let value = serde_json::from_str(&data).unwrap_or(Value::String(data.clone()));
                    if let Ok(mut s) = seen.lock() {
                        s.push(SeenEvent {
                            member: member.clone(),
                            arrived: Instant::now(),
                            topic: std::mem::take(&mut topic),
                            data: value,
                        });
                    }
                }
                topic.clear();
                data.clear();
            } else if let Some(t) = line.strip_prefix("event:") {
                topic = t.trim().to_owned();
            } else if let Some(d) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds() {
        assert_eq!("max".parse::<Speed>(), Ok(Speed::Max));
        assert_eq!("20000".parse::<Speed>(), Ok(Speed::Factor(20000.0)));
        assert_eq!("600x".parse::<Speed>(), Ok(Speed::Factor(600.0)));
        assert!("0".parse::<Speed>().is_err());
        assert!("fast".parse::<Speed>().is_err());
    }

    #[test]
    fn templates_resolve_from_receipts() {
        let mut receipts = BTreeMap::new();
        receipts.insert(
            "notice".to_owned(),
            json!({"leaf_index": 7, "result": {"id": "N-1"}}),
        );
        let p = json!({"notice": "{{notice.result.id}}", "leaf": "{{notice.leaf_index}}", "x": ["{{y}}"]});
        assert_eq!(
            resolve(&p, &receipts).unwrap_err(),
            "depends on \"y\", which the server did not accept"
        );
        let p = json!({"notice": "{{notice.result.id}}", "leaf": "{{notice.leaf_index}}", "text": "{not}"});
        assert_eq!(
            resolve(&p, &receipts),
            Ok(json!({"notice": "N-1", "leaf": 7, "text": "{not}"}))
        );
        assert!(resolve(&json!("{{notice.result.missing}}"), &receipts).is_err());
    }

    #[test]
    fn categories() {
        assert_eq!(
            restricted_category("air_operation.file"),
            Some(SubmissionKind::FlightPlan)
        );
        assert_eq!(
            restricted_category("strike.notice"),
            Some(SubmissionKind::StrikeNotice)
        );
        assert_eq!(
            restricted_category("strike.amend"),
            Some(SubmissionKind::StrikeNotice)
        );
        assert_eq!(restricted_category("strike.stop_request"), None);
        assert_eq!(
            restricted_category("humanitarian.site"),
            Some(SubmissionKind::HumanitarianSite)
        );
        assert_eq!(restricted_category("humanitarian.ack"), None);
        assert_eq!(restricted_category("alert.ack"), None);
    }

    #[test]
    fn track_batch_csv_and_digest() {
        let event = Event {
            at: "2016-09-17T15:00:00+03:00".parse().expect("t"),
            cell: Some("us".into()),
            kind: "tracks.batch".into(),
            payload: json!({"states": [{"id": "A1", "lat": 35.2, "lon": 40.1, "alt_ft": 20000,
                                        "gs_kt": 420, "trk_deg": 90, "vs_fpm": 0}]}),
            label: None,
            title: None,
            provenance: Provenance::Synthetic,
            report: false,
            compare: None,
            origin: "test".into(),
        };
        let (payload, csv) = track_batch(&event).expect("builds");
        assert_eq!(
            csv,
            "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nA1,35.2,40.1,20000,420,90,0\n"
        );
        assert_eq!(payload["count"], 1);
        assert_eq!(payload["observed"], "2016-09-17T12:00:00Z");
        assert_eq!(payload["states_sha256"].as_str().map(str::len), Some(64));
    }
}
