//! Scenario directories: the manifest (`scenario.toml`), the timeline files (JSON Lines) and
//! the generators they describe, loaded into one time-ordered list of [`Event`]s.
//!
//! # Directory format
//! ```text
//! DIR/
//!   scenario.toml     the manifest: metadata, the agreement package, the cells, generators
//!   timeline.jsonl    the hand-written events, one JSON object per line (several files allowed)
//!   agreement/        the agreement package the scenario runs under (any path the manifest names)
//!   README.md         what is fact, what is synthetic, sources
//! ```
//!
//! ## The manifest
//! ```toml
//! [scenario]
//! id = "syria-2016-09"
//! title = "…"
//! agreement = "agreement"            # package directory, relative to DIR
//! timeline = ["timeline.jsonl"]      # event files, relative to DIR
//! start = 2016-09-09T18:00:00+03:00  # the scenario clock starts here
//! end = 2016-10-03T23:59:00+03:00    # and the replay stops here
//! utc_offset = "+03:00"              # how times are shown
//! origin = "jic.example/syria-2016"  # the demo log's origin
//!
//! [[cells]]                          # who signs: roster members, keys generated at start
//! id = "us"
//! name = "US liaison cell"
//! role = "party"                     # party | duty_officer | humanitarian | monitor | witness
//!
//! [replay]
//! ack_conflict_alerts_after_min = 8  # both parties acknowledge plan-conflict alerts
//! ack_live_alerts = ["track_conflict"] # alerts seen on a cell's live feed are acknowledged
//! ack_live_alerts_after_min = 2
//!
//! [traffic]   …                      # see [`crate::sorties`]
//! [incidents] …                      # see [`crate::reports`]
//! [[summary.queries]] …              # reads whose answers the summary prints
//! ```
//!
//! ## A timeline line
//! ```json
//! {"at":"2016-09-17T16:29:00+03:00","cell":"russia","kind":"strike.stop_request",
//!  "label":"tharda_stop","title":"Russia asks the coalition to stop",
//!  "payload":{"notice":"{{tharda_notice.result.id}}","reason":"…"},
//!  "source":"events_2016.md §4","confidence":"H","report":true,
//!  "compare":"In 2016 the call took 27 minutes to reach the right US officer."}
//! ```
//! - `at`: RFC 3339 with offset (local Syria time, `+03:00`, in the shipped scenario).
//! - `cell` and `kind`: who signs what; `kind` is an envelope kind, or one of the replay's own:
//!   `note` (narration, nothing submitted) and `track_episode` (expanded at load time into
//!   `tracks.batch` events, see [`TrackEpisode`]). A `tracks.batch` payload is
//!   `{"states":[{"id","lat","lon","alt_ft","gs_kt","trk_deg","vs_fpm"}…]}`; the replay turns it
//!   into the CSV and digest the server wants.
//! - Every event is either cited (`source` and `confidence`, the tags of `events_2016.md`) or
//!   marked `"synthetic": true`; the loader refuses an event that is neither.
//! - Strings of the form `{{label.pointer}}` in a payload are replaced at replay time by the
//!   value at that JSON pointer (dots as separators) in the server's receipt for the event
//!   labelled `label` (e.g. an id the server assigned).
//! - `report: true` puts the event and the server's answer in the summary; `compare` is what
//!   happened in reality, printed beside it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use serde::Deserialize;
use serde_json::Value;

use crate::SimError;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "scenario.toml";

/// The whole manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Metadata.
    pub scenario: ScenarioMeta,
    /// The signing cells.
    #[serde(default)]
    pub cells: Vec<Cell>,
    /// How the replay reacts to what the server answers.
    #[serde(default)]
    pub replay: ReplaySpec,
    /// Synthetic air traffic.
    #[serde(default)]
    pub traffic: Option<crate::sorties::TrafficSpec>,
    /// Synthetic daily incident reports.
    #[serde(default)]
    pub incidents: Option<crate::reports::IncidentSpec>,
    /// What the summary reads from the server at the end.
    #[serde(default)]
    pub summary: SummarySpec,
}

/// `[scenario]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeta {
    /// Short identifier.
    pub id: String,
    /// Human title.
    pub title: String,
    /// The agreement package directory, relative to the scenario directory.
    pub agreement: String,
    /// Timeline files, relative to the scenario directory.
    pub timeline: Vec<String>,
    /// Where the scenario clock starts (RFC 3339).
    pub start: toml::value::Datetime,
    /// Where the replay stops (RFC 3339).
    pub end: toml::value::Datetime,
    /// The offset times are shown in, e.g. `+03:00`.
    #[serde(default = "default_offset")]
    pub utc_offset: String,
    /// The log origin a demo deployment uses.
    #[serde(default = "default_origin")]
    pub origin: String,
}

fn default_offset() -> String {
    "+00:00".to_owned()
}

fn default_origin() -> String {
    "jic.example/scenario".to_owned()
}

/// One signing cell: a roster member whose key is generated when the scenario starts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    /// Roster id (the envelope's `party`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Roster role: `party`, `duty_officer`, `humanitarian`, `monitor` or `witness`.
    pub role: String,
}

/// `[replay]`: the replay's own reactions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaySpec {
    /// When set, both parties of a plan conflict acknowledge its alert this many scenario
    /// minutes after it was raised.
    #[serde(default)]
    pub ack_conflict_alerts_after_min: Option<u32>,
    /// Alerts of these kinds that reach a watched cell's live feed (e.g. `track_conflict`,
    /// raised by the server's detector after a track batch) are acknowledged by that cell
    /// `ack_live_alerts_after_min` scenario minutes after the event that preceded them.
    #[serde(default)]
    pub ack_live_alerts: Vec<String>,
    /// See `ack_live_alerts`.
    #[serde(default)]
    pub ack_live_alerts_after_min: u32,
}

/// `[summary]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummarySpec {
    /// Reads whose answers are printed.
    #[serde(default)]
    pub queries: Vec<SummaryQuery>,
}

/// One read the summary makes at the end of the replay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// Heading.
    pub title: String,
    /// Path under the server, e.g. `/api/v1/phase`.
    pub path: String,
    /// The member whose read token is used.
    pub member: String,
    /// What the answer means, printed under it.
    #[serde(default)]
    pub explain: Option<String>,
}

/// Where an event's content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// Reported fact: a source and a confidence tag (`H`, `M`, `L`, `?`).
    Fact {
        /// Where it is documented (e.g. `events_2016.md §4`).
        source: String,
        /// The confidence tag.
        confidence: String,
    },
    /// Invented for the scenario.
    Synthetic,
}

/// One thing that happens in the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When (scenario time).
    pub at: Timestamp,
    /// Who signs (absent for notes).
    pub cell: Option<String>,
    /// Envelope kind, or `note`.
    pub kind: String,
    /// The payload (templates unresolved).
    pub payload: Value,
    /// A name other events and the summary refer to.
    pub label: Option<String>,
    /// One human line.
    pub title: Option<String>,
    /// Fact or synthetic.
    pub provenance: Provenance,
    /// Whether the summary shows it.
    pub report: bool,
    /// What happened in reality, for the summary.
    pub compare: Option<String>,
    /// Where it was defined: `file:line` or the generator's name.
    pub origin: String,
}

/// The timeline line as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    at: String,
    #[serde(default)]
    cell: Option<String>,
    kind: String,
    #[serde(default)]
    payload: Option<Value>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    confidence: Option<String>,
    #[serde(default)]
    synthetic: bool,
    #[serde(default)]
    report: bool,
    #[serde(default)]
    compare: Option<String>,
}

/// A live-track episode: a few aircraft flying straight for a while, sampled at an interval.
/// Written in the timeline as `{"kind":"track_episode","cell":"us","payload":{…}}` and expanded
/// into one `tracks.batch` per sample.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackEpisode {
    /// Aircraft and their initial states.
    pub aircraft: Vec<EpisodeAircraft>,
    /// How long the episode lasts, minutes.
    pub duration_min: f64,
    /// Sampling interval, seconds.
    pub interval_s: f64,
}

/// One aircraft of a [`TrackEpisode`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeAircraft {
    /// Track id.
    pub id: String,
    /// Initial latitude, degrees.
    pub lat: f64,
    /// Initial longitude, degrees.
    pub lon: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub gs_kt: f64,
    /// True track, degrees.
    pub trk_deg: f64,
    /// Vertical speed, feet per minute.
    #[serde(default)]
    pub vs_fpm: f64,
}

/// What changes the amount of generated content (tests use less).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadOptions {
    /// Multiplies the synthetic sorties per day and incident reports per day (1.0 = as the
    /// manifest says).
    pub synthetic_scale: f64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            synthetic_scale: 1.0,
        }
    }
}

/// A loaded scenario: the manifest and every event, time-ordered.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario directory.
    pub dir: PathBuf,
    /// The manifest.
    pub manifest: Manifest,
    /// The scenario clock's start.
    pub start: Timestamp,
    /// The replay's end.
    pub end: Timestamp,
    /// The display offset.
    pub offset: Offset,
    /// Every event (timeline and generated), sorted by time; ties keep file order, generated
    /// events after hand-written ones.
    pub events: Vec<Event>,
}

impl Scenario {
    /// Loads a scenario directory.
    pub fn load(dir: &Path, options: LoadOptions) -> Result<Scenario, SimError> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = read(&manifest_path)?;
        let manifest: Manifest = toml::from_str(&text).map_err(|e| SimError::Scenario {
            at: manifest_path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_manifest(dir, manifest, options)
    }

    fn from_manifest(
        dir: &Path,
        manifest: Manifest,
        options: LoadOptions,
    ) -> Result<Self, SimError> {
        let at_manifest = || dir.join(MANIFEST_FILE).display().to_string();
        let bad = |message: String| SimError::Scenario {
            at: at_manifest(),
            message,
        };
        let start = toml_time(&manifest.scenario.start).map_err(&bad)?;
        let end = toml_time(&manifest.scenario.end).map_err(&bad)?;
        if end <= start {
            return Err(bad("[scenario] end must be after start".to_owned()));
        }
        let offset = parse_offset(&manifest.scenario.utc_offset).map_err(&bad)?;
        let mut cells = BTreeSet::new();
        for c in &manifest.cells {
            if !ROLES.contains(&c.role.as_str()) {
                return Err(bad(format!(
                    "cell {:?}: role {:?} is not one of {}",
                    c.id,
                    c.role,
                    ROLES.join(", ")
                )));
            }
            if !cells.insert(c.id.clone()) {
                return Err(bad(format!("cell {:?} is listed twice", c.id)));
            }
        }

        let mut events = Vec::new();
        for file in &manifest.scenario.timeline {
            let path = dir.join(file);
            let text = read(&path)?;
            parse_timeline(&text, file, &mut events)?;
        }
        if let Some(traffic) = &manifest.traffic {
            events.extend(crate::sorties::generate(
                traffic,
                start,
                end,
                i64::from(offset.seconds()),
                options.synthetic_scale,
            )?);
        }
        if let Some(incidents) = &manifest.incidents {
            events.extend(crate::reports::generate(
                incidents,
                start,
                end,
                i64::from(offset.seconds()),
                options.synthetic_scale,
            )?);
        }
        for e in &events {
            if let Some(cell) = &e.cell
                && !cells.contains(cell)
            {
                return Err(SimError::Scenario {
                    at: e.origin.clone(),
                    message: format!("cell {cell:?} is not among the manifest's [[cells]]"),
                });
            }
            if e.cell.is_none() && e.kind != "note" {
                return Err(SimError::Scenario {
                    at: e.origin.clone(),
                    message: format!("a {:?} event needs a \"cell\" to sign it", e.kind),
                });
            }
        }
        let mut labels = BTreeSet::new();
        for e in &events {
            if let Some(l) = &e.label
                && !labels.insert(l.clone())
            {
                return Err(SimError::Scenario {
                    at: e.origin.clone(),
                    message: format!("label {l:?} is used twice"),
                });
            }
        }
        events.retain(|e| e.at >= start && e.at <= end);
        // Stable: equal times keep their order (timeline before generated content).
        events.sort_by_key(|e| e.at);
        Ok(Scenario {
            dir: dir.to_owned(),
            manifest,
            start,
            end,
            offset,
            events,
        })
    }

    /// The agreement package directory.
    pub fn agreement_dir(&self) -> PathBuf {
        self.dir.join(&self.manifest.scenario.agreement)
    }

    /// Formats an instant in the scenario's display offset, e.g. `17 Sep 16:29`.
    pub fn local(&self, t: Timestamp) -> String {
        local_time(t, self.offset)
    }
}

/// Formats an instant at a fixed offset as `17 Sep 16:29`.
pub fn local_time(t: Timestamp, offset: Offset) -> String {
    t.to_zoned(TimeZone::fixed(offset))
        .strftime("%-d %b %H:%M")
        .to_string()
}

/// The roster roles a cell may have.
pub const ROLES: [&str; 5] = [
    "party",
    "duty_officer",
    "humanitarian",
    "monitor",
    "witness",
];

fn read(path: &Path) -> Result<String, SimError> {
    std::fs::read_to_string(path).map_err(|e| SimError::Io(path.to_owned(), e))
}

fn toml_time(t: &toml::value::Datetime) -> Result<Timestamp, String> {
    t.to_string()
        .parse::<Timestamp>()
        .map_err(|e| format!("{t} is not an instant with an offset: {e}"))
}

/// Parses `+03:00` / `-05:30` / `Z`.
pub fn parse_offset(text: &str) -> Result<Offset, String> {
    if text == "Z" {
        return Ok(Offset::UTC);
    }
    let bad = || format!("utc_offset {text:?} must look like +03:00");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if !(0..=18).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).map_err(|_| bad())
}

/// Parses a timeline file's lines into events (blank lines and lines starting with `//` are
/// skipped, so a file can carry section comments).
pub fn parse_timeline(text: &str, file: &str, out: &mut Vec<Event>) -> Result<(), SimError> {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let origin = format!("{file}:{}", i + 1);
        let bad = |message: String| SimError::Scenario {
            at: origin.clone(),
            message,
        };
        let raw: RawEvent = serde_json::from_str(trimmed).map_err(|e| bad(e.to_string()))?;
        let at: Timestamp = raw.at.parse().map_err(|e| {
            bad(format!(
                "\"at\" {:?} is not RFC 3339 with an offset: {e}",
                raw.at
            ))
        })?;
        let provenance = match (raw.synthetic, raw.source, raw.confidence) {
            (true, None, None) => Provenance::Synthetic,
            (false, Some(source), Some(confidence)) => {
                if !["H", "M", "L", "?"].contains(&confidence.as_str()) {
                    return Err(bad(format!(
                        "confidence {confidence:?} must be one of H, M, L, ? (events_2016.md tags)"
                    )));
                }
                Provenance::Fact { source, confidence }
            }
            (true, _, _) => {
                return Err(bad(
                    "a synthetic event has no \"source\" or \"confidence\"".into()
                ));
            }
            (false, _, _) => {
                return Err(bad(
                    "every event is either cited (\"source\" and \"confidence\") or marked \
                     \"synthetic\": true"
                        .into(),
                ));
            }
        };
        let payload = raw.payload.unwrap_or(Value::Null);
        let event = Event {
            at,
            cell: raw.cell,
            kind: raw.kind,
            payload,
            label: raw.label,
            title: raw.title,
            provenance,
            report: raw.report,
            compare: raw.compare,
            origin: origin.clone(),
        };
        if event.kind == "track_episode" {
            let episode: TrackEpisode = serde_json::from_value(event.payload.clone())
                .map_err(|e| bad(format!("track_episode: {e}")))?;
            out.extend(expand_episode(&event, &episode).map_err(bad)?);
        } else {
            out.push(event);
        }
    }
    Ok(())
}

/// Expands a track episode into `tracks.batch` events: straight-line flight on a sphere
/// (the same flat-earth step the deconfliction crate extrapolates with, fine over minutes).
fn expand_episode(event: &Event, episode: &TrackEpisode) -> Result<Vec<Event>, String> {
    if !(episode.interval_s >= 1.0 && episode.duration_min > 0.0 && episode.duration_min <= 600.0) {
        return Err("track_episode: interval_s ≥ 1 and 0 < duration_min ≤ 600".to_owned());
    }
    if episode.aircraft.is_empty() {
        return Err("track_episode: no aircraft".to_owned());
    }
    let steps = (episode.duration_min * 60.0 / episode.interval_s).floor() as u64;
    let mut out = Vec::new();
    for step in 0..=steps {
        let dt = step as f64 * episode.interval_s;
        let states: Vec<Value> = episode
            .aircraft
            .iter()
            .map(|a| {
                let (lat, lon) = advance(a.lat, a.lon, a.trk_deg, a.gs_kt * crate::KT_TO_MPS * dt);
                serde_json::json!({"id": a.id, "lat": round6(lat), "lon": round6(lon),
                    "alt_ft": (a.alt_ft + a.vs_fpm * dt / 60.0).round(), "gs_kt": a.gs_kt,
                    "trk_deg": a.trk_deg, "vs_fpm": a.vs_fpm})
            })
            .collect();
        let at = event
            .at
            .checked_add(jiff::SignedDuration::from_secs(dt as i64))
            .map_err(|e| e.to_string())?;
        out.push(Event {
            at,
            kind: "tracks.batch".to_owned(),
            payload: serde_json::json!({"states": states}),
            label: if step == 0 { event.label.clone() } else { None },
            report: event.report && step == 0,
            compare: if step == 0 {
                event.compare.clone()
            } else {
                None
            },
            title: event.title.clone(),
            ..event.clone()
        });
    }
    Ok(out)
}

/// Moves `dist_m` along true track `trk_deg` from (`lat`, `lon`), in the local flat frame.
pub fn advance(lat: f64, lon: f64, trk_deg: f64, dist_m: f64) -> (f64, f64) {
    let r = crate::EARTH_RADIUS_M;
    let trk = trk_deg.to_radians();
    let dlat = dist_m * trk.cos() / r;
    let dlon = dist_m * trk.sin() / (r * lat.to_radians().cos());
    (lat + dlat.to_degrees(), lon + dlon.to_degrees())
}

/// Rounds to 6 decimals (≈ 0.1 m), enough for positions and shorter on the wire.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expect: Result<usize, &str>) {
        let mut out = Vec::new();
        match (parse_timeline(line, "t.jsonl", &mut out), expect) {
            (Ok(()), Ok(n)) => assert_eq!(out.len(), n, "{line}"),
            (Err(e), Err(fragment)) => {
                let text = e.to_string();
                assert!(text.contains(fragment), "{text:?} lacks {fragment:?}");
                assert!(text.contains("t.jsonl:1"), "{text:?} lacks the line");
            }
            (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn timeline_lines() {
        check(
            r#"{"at":"2016-09-12T19:00:00+03:00","kind":"note","synthetic":true}"#,
            Ok(1),
        );
        check(
            r#"{"at":"2016-09-12T19:00:00+03:00","kind":"note","source":"events_2016.md §3","confidence":"H"}"#,
            Ok(1),
        );
        check("// a comment\n", Ok(0));
        check(
            r#"{"at":"2016-09-12T19:00:00+03:00","kind":"note"}"#,
            Err("either cited"),
        );
        check(
            r#"{"at":"2016-09-12T19:00:00+03:00","kind":"note","source":"x","confidence":"Q"}"#,
            Err("confidence"),
        );
        check(
            r#"{"at":"2016-09-12 19:00","kind":"note","synthetic":true}"#,
            Err("RFC 3339"),
        );
        check(
            r#"{"at":"2016-09-12T19:00:00+03:00","kind":"note","synthetic":true,"x":1}"#,
            Err("unknown field"),
        );
        check("not json", Err("expected"));
        // A ten-minute episode sampled every minute: eleven batches.
        check(
            r#"{"at":"2016-09-17T15:00:00+03:00","cell":"us","kind":"track_episode","synthetic":true,
                "payload":{"duration_min":10,"interval_s":60,"aircraft":[{"id":"A","lat":35,"lon":40,"alt_ft":20000,"gs_kt":400,"trk_deg":90}]}}"#
                .replace('\n', " ")
                .as_str(),
            Ok(11),
        );
    }

    proptest::proptest! {
        /// Hostile timeline text never panics the parser: it yields events or a located error.
        #[test]
        fn hostile_timelines_never_panic(lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::string::string_regex(".{0,80}").expect("regex"),
                proptest::string::string_regex(
                    r#"\{"at":"2016-09-1[0-9]T[0-2][0-9]:00:00\+03:00","kind":"(note|track_episode|x)","(synthetic":true|cell":"us")(,"payload":\{"duration_min":-?[0-9]{1,4},"interval_s":[0-9]{1,3},"aircraft":\[\]\})?\}"#,
                ).expect("regex"),
            ],
            0..6,
        )) {
            let text = lines.join("\n");
            let mut out = Vec::new();
            if let Err(e) = parse_timeline(&text, "t.jsonl", &mut out) {
                proptest::prop_assert!(e.to_string().starts_with("t.jsonl:"), "{e}");
            }
        }
    }

    #[test]
    fn advance_moves_east_and_north() {
        // One degree of latitude is 111.19 km on the 6,371 km sphere.
        let (lat, lon) = advance(35.0, 40.0, 0.0, 111_194.9);
        assert!(
            (lat - 36.0).abs() < 1e-4 && (lon - 40.0).abs() < 1e-12,
            "{lat} {lon}"
        );
        let (lat, lon) = advance(35.0, 40.0, 90.0, 10_000.0);
        assert!(
            (lat - 35.0).abs() < 1e-9 && lon > 40.1 && lon < 40.11,
            "{lat} {lon}"
        );
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+03:00").map(|o| o.seconds()), Ok(10_800));
        assert_eq!(parse_offset("-05:30").map(|o| o.seconds()), Ok(-19_800));
        assert!(parse_offset("3").is_err());
        assert!(parse_offset("+25:00").is_err());
    }
}
