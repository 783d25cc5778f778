//! What jic already knows near an incident: notified humanitarian sites and movements (and
//! whether the alleged actor had acknowledged them, and when), strike notices and air
//! operations. The caller (the server, or an offline replay) passes these in as a [`Context`];
//! linking is pure geometry and time.
//!
//! # Definition
//! - a **site** links when its position is within `uncertainty + site_buffer_m` of the
//!   incident and it was notified before the incident's latest possible instant;
//! - a **movement** links when its window overlaps the incident's window and its route passes
//!   within `uncertainty + movement_buffer_m`;
//! - a **strike notice** links when its window overlaps the incident's window widened by
//!   [`NOTICE_TIME_SLACK_MIN`] and its area (centre + radius) comes within
//!   `uncertainty + NOTICE_DISTANCE_SLACK_M`;
//! - an **air operation** links when its window overlaps and its path passes within
//!   `uncertainty + AIR_OPERATION_DISTANCE_M`.
//!
//! Buffers come from the agreement's humanitarian parameters. Distances are metres on the
//! sphere (`jic_geo`). **Sealed** sites are linked without their id, name or exact distance:
//! only a distance band, so a published report never discloses them (DESIGN.md §3.6).

use jic_geo::{Place, Shape, haversine_m};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::incident::IncidentReport;

/// Extra time either side of an incident within which a strike notice's window still links.
pub const NOTICE_TIME_SLACK_MIN: i64 = 60;
/// Extra distance within which a strike notice's area still links, metres.
pub const NOTICE_DISTANCE_SLACK_M: f64 = 1_000.0;
/// Distance within which an air operation's path links, metres.
pub const AIR_OPERATION_DISTANCE_M: f64 = 10_000.0;

/// A party's acknowledgment of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgment {
    /// The acknowledging party.
    pub party: String,
    /// Receipt time of its signed acknowledgment.
    pub at: Timestamp,
}

/// A notified static site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRef {
    /// Notification id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category (hospital, school, warehouse…).
    pub category: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Sealed: never disclosed to parties, nor in reports.
    #[serde(default)]
    pub sealed: bool,
    /// When it was notified (receipt time).
    pub notified_at: Timestamp,
    /// Recipient parties.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Acknowledgments received.
    #[serde(default)]
    pub acknowledgments: Vec<Acknowledgment>,
}

/// A notified movement (convoy, evacuation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementRef {
    /// Notification id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Route as `[lat, lon]` pairs.
    pub route: Vec<[f64; 2]>,
    /// Window start.
    pub window_start: Timestamp,
    /// Window end.
    pub window_end: Timestamp,
    /// When it was notified.
    pub notified_at: Timestamp,
    /// Recipient parties.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Acknowledgments received.
    #[serde(default)]
    pub acknowledgments: Vec<Acknowledgment>,
}

/// A strike pre-notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrikeNoticeRef {
    /// Notice id.
    pub id: String,
    /// The notifying party.
    pub party: String,
    /// The designated group it targets.
    #[serde(default)]
    pub group: Option<String>,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Radius of the strike area, metres.
    pub radius_m: f64,
    /// Window start.
    pub window_start: Timestamp,
    /// Window end.
    pub window_end: Timestamp,
    /// When it was filed.
    pub filed_at: Timestamp,
    /// Whether the counterpart concurred (`None` = no answer yet).
    #[serde(default)]
    pub concurred: Option<bool>,
}

/// A filed air operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AirOperationRef {
    /// Operation id.
    pub id: String,
    /// The operating party.
    pub party: String,
    /// Path as `[lat, lon]` pairs.
    pub path: Vec<[f64; 2]>,
    /// Window start.
    pub window_start: Timestamp,
    /// Window end.
    pub window_end: Timestamp,
}

/// Everything nearby the caller knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Notified static sites.
    #[serde(default)]
    pub sites: Vec<SiteRef>,
    /// Notified movements.
    #[serde(default)]
    pub movements: Vec<MovementRef>,
    /// Strike notices.
    #[serde(default)]
    pub strike_notices: Vec<StrikeNoticeRef>,
    /// Air operations.
    #[serde(default)]
    pub air_operations: Vec<AirOperationRef>,
}

/// What kind of thing a link points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A notified static site.
    Site,
    /// A sealed site (no id, no position).
    SealedSite,
    /// A notified movement.
    Movement,
    /// A strike notice.
    StrikeNotice,
    /// An air operation.
    AirOperation,
}

/// Whether the alleged actor's party had acknowledged a notification, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorAcknowledgment {
    /// The party answerable for the alleged actor.
    pub party: String,
    /// Was it a recipient?
    pub recipient: bool,
    /// When it acknowledged, if it did.
    pub acknowledged_at: Option<Timestamp>,
    /// True when the acknowledgment was received before the incident's earliest instant.
    pub before_incident: bool,
}

/// One thing linked to an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// What it is.
    pub kind: LinkKind,
    /// Its id (`None` for sealed sites).
    pub id: Option<String>,
    /// Distance from the incident position, metres, rounded to the metre (`None` for sealed
    /// sites, which give only a band).
    pub distance_m: Option<f64>,
    /// For sealed sites: "within 500 m", "within 1 km", "within 5 km".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_band: Option<String>,
    /// For notifications: the alleged actor's acknowledgment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_acknowledgment: Option<ActorAcknowledgment>,
    /// One sentence for people.
    pub summary: String,
}

fn overlaps(a0: Timestamp, a1: Timestamp, b0: Timestamp, b1: Timestamp) -> bool {
    a0 <= b1 && b0 <= a1
}

fn line_distance_m(points: &[[f64; 2]], lat: f64, lon: f64) -> f64 {
    let place = Place::Point(geo_types::coord! { x: lon, y: lat });
    match points {
        [] => f64::INFINITY,
        [p] => haversine_m(
            geo_types::coord! { x: p[1], y: p[0] },
            geo_types::coord! { x: lon, y: lat },
        ),
        _ => Shape::Line(geo_types::LineString::from(
            points
                .iter()
                .map(|p| geo_types::coord! { x: p[1], y: p[0] })
                .collect::<Vec<_>>(),
        ))
        .distance_m(&place),
    }
}

/// The distance from the incident's position to `path` when the path's `window` overlaps the
/// incident's time and the distance is at most `max_m`.
fn path_within(
    path: &[[f64; 2]],
    window: (Timestamp, Timestamp),
    report: &IncidentReport,
    max_m: f64,
) -> Option<f64> {
    if !overlaps(
        window.0,
        window.1,
        report.occurred.from,
        report.occurred.end(),
    ) {
        return None;
    }
    let d = line_distance_m(path, report.location.lat, report.location.lon);
    (d <= max_m).then_some(d)
}

impl Link {
    /// A link to something with an id and a position: the distance rounded to the metre.
    fn located(
        kind: LinkKind,
        id: &str,
        distance_m: f64,
        summary: String,
        actor_acknowledgment: Option<ActorAcknowledgment>,
    ) -> Self {
        Self {
            kind,
            id: Some(id.to_owned()),
            distance_m: Some(distance_m.round()),
            distance_band: None,
            summary,
            actor_acknowledgment,
        }
    }
}

fn band(d: f64) -> String {
    if d <= 500.0 {
        "within 500 m".to_owned()
    } else if d <= 1_000.0 {
        "within 1 km".to_owned()
    } else {
        "within 5 km".to_owned()
    }
}

fn actor_ack(
    party: Option<&str>,
    recipients: &[String],
    acks: &[Acknowledgment],
    incident_start: Timestamp,
) -> Option<ActorAcknowledgment> {
    let party = party?;
    let at = acks.iter().filter(|a| a.party == party).map(|a| a.at).min();
    Some(ActorAcknowledgment {
        party: party.to_owned(),
        recipient: recipients.iter().any(|r| r == party),
        acknowledged_at: at,
        before_incident: at.is_some_and(|t| t <= incident_start),
    })
}

fn ack_sentence(a: Option<&ActorAcknowledgment>) -> String {
    match a {
        None => String::new(),
        Some(a) => match a.acknowledged_at {
            Some(t) if a.before_incident => {
                format!("; {} acknowledged it at {t}, before the incident", a.party)
            }
            Some(t) => format!("; {} acknowledged it at {t}, after the incident", a.party),
            None if a.recipient => {
                format!("; {} was a recipient and had not acknowledged it", a.party)
            }
            None => format!("; {} was not a recipient", a.party),
        },
    }
}

/// Links an incident to what the context holds nearby. `actor_party` is the party answerable
/// for the alleged actor (for acknowledgments); `site_buffer_m` and `movement_buffer_m` come from
/// the agreement. The result is sorted by kind, then distance, then id.
pub fn link(
    report: &IncidentReport,
    actor_party: Option<&str>,
    context: &Context,
    site_buffer_m: f64,
    movement_buffer_m: f64,
) -> Vec<Link> {
    let loc = &report.location;
    let here = loc.coord();
    let r = loc.uncertainty_m;
    let t0 = report.occurred.from;
    let t1 = report.occurred.end();
    let mut out = Vec::new();
    for s in &context.sites {
        let d = haversine_m(geo_types::coord! { x: s.lon, y: s.lat }, here);
        if !(d <= r + site_buffer_m && s.notified_at <= t1) {
            continue;
        }
        let ack = actor_ack(actor_party, &s.recipients, &s.acknowledgments, t0);
        if s.sealed {
            let band = band(d);
            out.push(Link {
                kind: LinkKind::SealedSite,
                id: None,
                distance_m: None,
                summary: format!("a sealed protected site lies {band}"),
                distance_band: Some(band),
                actor_acknowledgment: None,
            });
        } else {
            let summary = format!(
                "notified {} `{}` ({}) {:.0} m away, notified at {}{}",
                s.category,
                s.id,
                s.name,
                d,
                s.notified_at,
                ack_sentence(ack.as_ref())
            );
            out.push(Link::located(LinkKind::Site, &s.id, d, summary, ack));
        }
    }
    for m in &context.movements {
        let window = (m.window_start, m.window_end);
        let Some(d) = path_within(&m.route, window, report, r + movement_buffer_m) else {
            continue;
        };
        let ack = actor_ack(actor_party, &m.recipients, &m.acknowledgments, t0);
        let summary = format!(
            "notified movement `{}` ({}) {:.0} m from its route during its window {}–{}, notified at {}{}",
            m.id,
            m.name,
            d,
            m.window_start,
            m.window_end,
            m.notified_at,
            ack_sentence(ack.as_ref())
        );
        out.push(Link::located(LinkKind::Movement, &m.id, d, summary, ack));
    }
    let slack = SignedDuration::from_mins(NOTICE_TIME_SLACK_MIN);
    let (w0, w1) = (
        t0.checked_sub(slack).unwrap_or(t0),
        t1.checked_add(slack).unwrap_or(t1),
    );
    for n in &context.strike_notices {
        if !overlaps(n.window_start, n.window_end, w0, w1) {
            continue;
        }
        let d = (haversine_m(geo_types::coord! { x: n.lon, y: n.lat }, here) - n.radius_m).max(0.0);
        if d > r + NOTICE_DISTANCE_SLACK_M {
            continue;
        }
        let summary = format!(
            "strike notice `{}` by {} (window {}–{}, filed {}), area {:.0} m away{}",
            n.id,
            n.party,
            n.window_start,
            n.window_end,
            n.filed_at,
            d,
            match n.concurred {
                Some(true) => ", concurred",
                Some(false) => ", objected to",
                None => ", no concurrence on record",
            }
        );
        out.push(Link::located(
            LinkKind::StrikeNotice,
            &n.id,
            d,
            summary,
            None,
        ));
    }
    for a in &context.air_operations {
        let window = (a.window_start, a.window_end);
        let Some(d) = path_within(&a.path, window, report, r + AIR_OPERATION_DISTANCE_M) else {
            continue;
        };
        let summary = format!(
            "air operation `{}` of {} passed {:.0} m away during {}–{}",
            a.id, a.party, d, a.window_start, a.window_end
        );
        out.push(Link::located(
            LinkKind::AirOperation,
            &a.id,
            d,
            summary,
            None,
        ));
    }
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(
                a.distance_m
                    .unwrap_or(0.0)
                    .total_cmp(&b.distance_m.unwrap_or(0.0)),
            )
            .then(a.id.cmp(&b.id))
    });
    out
}

/// Strike notices by `party` covering the place and time (used by classification to settle
/// `requires_notice` / `requires_concurrence`).
pub(crate) fn notices_covering<'a>(
    context: &'a Context,
    party: &str,
    report: &IncidentReport,
) -> Vec<&'a StrikeNoticeRef> {
    let here = report.location.coord();
    let r = report.location.uncertainty_m;
    context
        .strike_notices
        .iter()
        .filter(|n| n.party == party)
        .filter(|n| {
            overlaps(
                n.window_start,
                n.window_end,
                report.occurred.from,
                report.occurred.end(),
            )
        })
        .filter(|n| haversine_m(geo_types::coord! { x: n.lon, y: n.lat }, here) <= n.radius_m + r)
        .filter(|n| n.filed_at <= report.occurred.from)
        .collect()
}
