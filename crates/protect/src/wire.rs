//! The JSON forms of humanitarian notifications, strike notices and the documents around them,
//! shared by the server's submission kinds and `jic check strike`, with conversions to the
//! domain types that validate every value.
//!
//! # Formats
//! Geometry is GeoJSON (RFC 7946) `Point`, `LineString` or `Polygon`, `[lon, lat]` order;
//! instants are RFC 3339. Unknown fields are errors.
//!
//! - Site (`humanitarian.site`): `{"id", "category", "geometry", "precision_m", "recipients",
//!   "valid_from", "valid_until"?, "disclosure": "shared"|"sealed"}`.
//! - Movement (`humanitarian.movement`): `{"id", "route": LineString, "window": {"start",
//!   "end"}, "schedule"?: {"depart", "arrive"} | {"waypoint_times": [...]}, "vehicles",
//!   "markings", "recipients"}`; without a schedule it departs at the window start and
//!   arrives at its end.
//! - Strike notice (`strike.notice`): `{"id", "group", "area": Point (+ "radius_m") |
//!   Polygon, "window": {"start", "end"}, "effects_radius_m", "air_operation"}`; an amendment
//!   (`strike.amend`) is the whole notice again with the same `id`; a withdrawal
//!   (`strike.withdraw`) is `{"notice", "reason"?}`.
//! - Situation (`jic check strike --sites FILE`): `{"phase"?, "sites": [Site + "notifier",
//!   "notified_at"], "movements": [Movement + "notifier", "notified_at"],
//!   "acknowledgments": [{"notification", "party", "version", "at"}], "air_operations":
//!   [{"id", "party", "path": LineString, "open_conflicts": [...]}]}`.

use geo_types::{Coord, LineString, MultiPolygon, Polygon, coord};
use jic_geo::Shape;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Error;
use crate::movement::{Movement, Schedule};
use crate::notification::{Acknowledgment, Notification, Subject};
use crate::site::{DisclosureMode, Site, SiteCategory};
use crate::strike::{AirOperation, Assessment, StrikeArea, StrikeNotice};

/// A GeoJSON geometry (the three types jic takes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum GeometryJson {
    /// `[lon, lat]`.
    Point {
        /// The position.
        coordinates: [f64; 2],
    },
    /// Positions.
    LineString {
        /// The positions.
        coordinates: Vec<[f64; 2]>,
    },
    /// Rings (exterior first).
    Polygon {
        /// The rings.
        coordinates: Vec<Vec<[f64; 2]>>,
    },
}

fn position(field: &str, p: [f64; 2]) -> Result<Coord<f64>, Error> {
    let [x, y] = p;
    if x.is_finite() && y.is_finite() && x.abs() <= 180.0 && y.abs() <= 90.0 {
        Ok(coord! { x: x, y: y })
    } else {
        Err(Error::invalid(
            field,
            "not a WGS-84 [lon, lat] position (lon −180–180, lat −90–90)",
        ))
    }
}

fn ring(field: &str, r: &[[f64; 2]]) -> Result<LineString<f64>, Error> {
    let coords = r
        .iter()
        .enumerate()
        .map(|(i, p)| position(&format!("{field}[{i}]"), *p))
        .collect::<Result<Vec<_>, _>>()?;
    if coords.len() < 4 || coords.first() != coords.last() {
        return Err(Error::invalid(
            field,
            "a ring needs at least four positions, the last equal to the first",
        ));
    }
    Ok(LineString::from(coords))
}

impl GeometryJson {
    fn polygon(field: &str, rings: &[Vec<[f64; 2]>]) -> Result<Polygon<f64>, Error> {
        let Some((exterior, holes)) = rings.split_first() else {
            return Err(Error::invalid(field, "a polygon needs an exterior ring"));
        };
        let exterior = ring(&format!("{field}.coordinates[0]"), exterior)?;
        let holes = holes
            .iter()
            .enumerate()
            .map(|(i, h)| ring(&format!("{field}.coordinates[{}]", i + 1), h))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(exterior, holes))
    }

    /// As a site or zone shape.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad position or ring.
    pub fn to_shape(&self, field: &str) -> Result<Shape, Error> {
        match self {
            GeometryJson::Point { coordinates } => Ok(Shape::Point(position(
                &format!("{field}.coordinates"),
                *coordinates,
            )?)),
            GeometryJson::LineString { coordinates } => Ok(Shape::Line(line(field, coordinates)?)),
            GeometryJson::Polygon { coordinates } => {
                Ok(Shape::Area(MultiPolygon(vec![Self::polygon(
                    field,
                    coordinates,
                )?])))
            }
        }
    }
}

fn line(field: &str, coordinates: &[[f64; 2]]) -> Result<LineString<f64>, Error> {
    if coordinates.len() < 2 {
        return Err(Error::invalid(field, "a line needs at least two positions"));
    }
    coordinates
        .iter()
        .enumerate()
        .map(|(i, p)| position(&format!("{field}.coordinates[{i}]"), *p))
        .collect::<Result<Vec<_>, _>>()
        .map(LineString::from)
}

/// A time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowJson {
    /// Start (inclusive).
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
}

/// A static site as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteJson {
    /// The notifier's id.
    pub id: String,
    /// Category.
    pub category: SiteCategory,
    /// Point or Polygon.
    pub geometry: GeometryJson,
    /// Stated precision, metres (1–10,000).
    pub precision_m: f64,
    /// Recipient parties.
    pub recipients: Vec<String>,
    /// Protected from.
    pub valid_from: Timestamp,
    /// Protected until (exclusive).
    #[serde(default)]
    pub valid_until: Option<Timestamp>,
    /// Shared or sealed.
    pub disclosure: DisclosureMode,
}

impl SiteJson {
    /// The domain site, notified by `notifier`.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn to_site(&self, notifier: &str) -> Result<Site, Error> {
        check_id("id", &self.id)?;
        let shape = self.geometry.to_shape("geometry")?;
        if matches!(shape, Shape::Line(_)) {
            return Err(Error::invalid("geometry", "a site is a Point or a Polygon"));
        }
        if !(self.precision_m.is_finite() && (1.0..=10_000.0).contains(&self.precision_m)) {
            return Err(Error::invalid("precision_m", "must be 1–10,000 m"));
        }
        check_recipients(&self.recipients)?;
        if self.valid_until.is_some_and(|u| u <= self.valid_from) {
            return Err(Error::invalid("valid_until", "must be after valid_from"));
        }
        Ok(Site {
            id: self.id.clone(),
            notifier: notifier.to_owned(),
            category: self.category,
            shape,
            precision_m: self.precision_m,
            recipients: self.recipients.clone(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            disclosure: self.disclosure,
        })
    }
}

fn check_id(field: &str, id: &str) -> Result<(), Error> {
    if id.is_empty()
        || id.len() > 128
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    {
        return Err(Error::invalid(
            field,
            "1–128 characters of A–Z, a–z, 0–9, '-', '_', '.', ':'",
        ));
    }
    Ok(())
}

fn check_recipients(r: &[String]) -> Result<(), Error> {
    if r.is_empty() {
        return Err(Error::invalid(
            "recipients",
            "name at least one recipient party",
        ));
    }
    for (i, p) in r.iter().enumerate() {
        check_id(&format!("recipients[{i}]"), p)?;
        if r[..i].contains(p) {
            return Err(Error::invalid(format!("recipients[{i}]"), "listed twice"));
        }
    }
    Ok(())
}

/// A movement's schedule as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum ScheduleJson {
    /// Constant speed.
    Linear {
        /// Departure.
        depart: Timestamp,
        /// Arrival.
        arrive: Timestamp,
    },
    /// A time per route position.
    Waypoints {
        /// The times.
        waypoint_times: Vec<Timestamp>,
    },
}

/// A movement as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementJson {
    /// The notifier's id.
    pub id: String,
    /// A LineString.
    pub route: GeometryJson,
    /// The window.
    pub window: WindowJson,
    /// The schedule (default: linear over the whole window).
    #[serde(default)]
    pub schedule: Option<ScheduleJson>,
    /// Vehicles.
    pub vehicles: u32,
    /// Markings.
    #[serde(default)]
    pub markings: Vec<String>,
    /// Recipients.
    pub recipients: Vec<String>,
}

impl MovementJson {
    /// The domain movement.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn to_movement(&self, notifier: &str) -> Result<Movement, Error> {
        check_id("id", &self.id)?;
        let GeometryJson::LineString { coordinates } = &self.route else {
            return Err(Error::invalid("route", "must be a LineString"));
        };
        check_recipients(&self.recipients)?;
        let schedule = match &self.schedule {
            None => Schedule::Linear {
                depart: self.window.start,
                arrive: self.window.end,
            },
            Some(ScheduleJson::Linear { depart, arrive }) => Schedule::Linear {
                depart: *depart,
                arrive: *arrive,
            },
            Some(ScheduleJson::Waypoints { waypoint_times }) => {
                Schedule::Waypoints(waypoint_times.clone())
            }
        };
        let m = Movement {
            id: self.id.clone(),
            notifier: notifier.to_owned(),
            route: line("route", coordinates)?,
            window_start: self.window.start,
            window_end: self.window.end,
            schedule,
            vehicles: self.vehicles,
            markings: self.markings.clone(),
            recipients: self.recipients.clone(),
        };
        m.validate()?;
        Ok(m)
    }
}

/// A strike area as filed: a GeoJSON Point with `radius_m`, or a Polygon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum AreaJson {
    /// An aim point and a radius.
    Point {
        /// `[lon, lat]`.
        coordinates: [f64; 2],
        /// Radius, metres (default 0).
        #[serde(default)]
        radius_m: Option<f64>,
    },
    /// A polygon.
    Polygon {
        /// The rings.
        coordinates: Vec<Vec<[f64; 2]>>,
    },
}

impl AreaJson {
    /// The domain area.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn to_area(&self) -> Result<StrikeArea, Error> {
        match self {
            AreaJson::Point {
                coordinates,
                radius_m,
            } => Ok(StrikeArea::Circle {
                center: position("area.coordinates", *coordinates)?,
                radius_m: radius_m.unwrap_or(0.0),
            }),
            AreaJson::Polygon { coordinates } => Ok(StrikeArea::Polygon(GeometryJson::polygon(
                "area",
                coordinates,
            )?)),
        }
    }
}

/// A strike notice as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrikeNoticeJson {
    /// The filer's id for it.
    pub id: String,
    /// The designated group.
    pub group: String,
    /// Where.
    pub area: AreaJson,
    /// When.
    pub window: WindowJson,
    /// Effects radius, metres.
    pub effects_radius_m: f64,
    /// The air operation.
    pub air_operation: String,
}

impl StrikeNoticeJson {
    /// The domain notice, filed by `party`.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn to_notice(&self, party: &str) -> Result<StrikeNotice, Error> {
        check_id("id", &self.id)?;
        let n = StrikeNotice {
            id: self.id.clone(),
            party: party.to_owned(),
            group: self.group.clone(),
            area: self.area.to_area()?,
            window_start: self.window.start,
            window_end: self.window.end,
            effects_radius_m: self.effects_radius_m,
            air_operation: self.air_operation.clone(),
        };
        n.validate()?;
        Ok(n)
    }
}

/// An air operation in a situation file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirOperationJson {
    /// Id.
    pub id: String,
    /// Filer.
    pub party: String,
    /// Ground track.
    pub path: GeometryJson,
    /// Open deconfliction conflicts.
    #[serde(default)]
    pub open_conflicts: Vec<String>,
}

/// A site in a situation file (unknown fields are refused by the flattened site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SituationSite {
    /// Who notified it.
    pub notifier: String,
    /// Receipt time.
    pub notified_at: Timestamp,
    /// The site.
    #[serde(flatten)]
    pub site: SiteJson,
}

/// A movement in a situation file (unknown fields are refused by the flattened movement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SituationMovement {
    /// Who notified it.
    pub notifier: String,
    /// Receipt time.
    pub notified_at: Timestamp,
    /// The movement.
    #[serde(flatten)]
    pub movement: MovementJson,
}

/// An acknowledgment in a situation file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckJson {
    /// `notifier/id`.
    pub notification: String,
    /// Who.
    pub party: String,
    /// Version (default 1).
    #[serde(default = "one")]
    pub version: u32,
    /// Receipt time.
    pub at: Timestamp,
}

fn one() -> u32 {
    1
}

/// What a planning cell knows, for an offline check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationJson {
    /// The phase in force.
    #[serde(default)]
    pub phase: Option<String>,
    /// Sites.
    #[serde(default)]
    pub sites: Vec<SituationSite>,
    /// Movements.
    #[serde(default)]
    pub movements: Vec<SituationMovement>,
    /// Acknowledgments.
    #[serde(default)]
    pub acknowledgments: Vec<AckJson>,
    /// Air operations.
    #[serde(default)]
    pub air_operations: Vec<AirOperationJson>,
}

/// A situation as domain values.
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// The phase.
    pub phase: Option<String>,
    /// Notifications (sites and movements) with their acknowledgments.
    pub notifications: Vec<Notification>,
    /// Air operations.
    pub air_operations: Vec<AirOperation>,
}

/// The jic id of a notification: `notifier/id`.
pub fn notification_id(notifier: &str, id: &str) -> String {
    format!("{notifier}/{id}")
}

impl SituationJson {
    /// Converts and validates.
    ///
    /// # Errors
    /// [`Error::Invalid`] with the path of the bad value; [`Error::Unknown`] for an
    /// acknowledgment of an unknown notification.
    pub fn to_situation(&self) -> Result<Situation, Error> {
        let mut notifications = Vec::new();
        for (i, s) in self.sites.iter().enumerate() {
            let site = s
                .site
                .to_site(&s.notifier)
                .map_err(|e| prefix(e, &format!("sites[{i}]")))?;
            notifications.push(Notification::new(
                notification_id(&s.notifier, &s.site.id),
                Subject::Site(site),
                s.notified_at,
            ));
        }
        for (i, m) in self.movements.iter().enumerate() {
            let movement = m
                .movement
                .to_movement(&m.notifier)
                .map_err(|e| prefix(e, &format!("movements[{i}]")))?;
            notifications.push(Notification::new(
                notification_id(&m.notifier, &m.movement.id),
                Subject::Movement(movement),
                m.notified_at,
            ));
        }
        for a in &self.acknowledgments {
            let n = notifications
                .iter_mut()
                .find(|n| n.id == a.notification)
                .ok_or_else(|| Error::Unknown {
                    what: "notification",
                    id: a.notification.clone(),
                })?;
            n.acknowledge(&a.party, a.version, a.at)?;
        }
        let air_operations = self
            .air_operations
            .iter()
            .enumerate()
            .map(|(i, op)| {
                let GeometryJson::LineString { coordinates } = &op.path else {
                    return Err(Error::invalid(
                        format!("air_operations[{i}].path"),
                        "must be a LineString",
                    ));
                };
                Ok(AirOperation {
                    id: op.id.clone(),
                    party: op.party.clone(),
                    path: line(&format!("air_operations[{i}].path"), coordinates)?,
                    open_conflicts: op.open_conflicts.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Situation {
            phase: self.phase.clone(),
            notifications,
            air_operations,
        })
    }
}

fn prefix(e: Error, at: &str) -> Error {
    match e {
        Error::Invalid { field, reason } => Error::Invalid {
            field: format!("{at}.{field}"),
            reason,
        },
        other => other,
    }
}

/// An acknowledgment as domain value (for callers building notifications).
pub fn ack(party: &str, version: u32, at: Timestamp) -> Acknowledgment {
    Acknowledgment {
        party: party.to_owned(),
        version,
        at,
    }
}

/// The assessment as the filer sees it: verdict, whether concurrence is required, and every
/// finding. Sealed sites appear only as a distance band; nothing else of the sealed outcome is
/// included (the near-miss flag is for the log and monitors).
pub fn assessment_json(a: &Assessment) -> Value {
    json!({
        "notice": a.notice,
        "verdict": a.verdict.as_str(),
        "requires_concurrence": a.requires_concurrence,
        "findings": a.findings,
    })
}

/// A shape as a GeoJSON geometry (for what recipients may see, e.g. a coarsened site).
pub fn shape_json(shape: &Shape) -> Value {
    let xy = |c: &Coord<f64>| json!([c.x, c.y]);
    match shape {
        Shape::Point(c) => json!({"type": "Point", "coordinates": xy(c)}),
        Shape::Line(l) => {
            json!({"type": "LineString", "coordinates": l.0.iter().map(xy).collect::<Vec<_>>()})
        }
        Shape::Area(a) => json!({"type": "MultiPolygon", "coordinates": a.0.iter().map(|p| {
            std::iter::once(p.exterior()).chain(p.interiors())
                .map(|r| r.0.iter().map(xy).collect::<Vec<_>>()).collect::<Vec<_>>()
        }).collect::<Vec<_>>()}),
    }
}

/// Submission kinds of the humanitarian and implementation planes.
pub mod kind {
    /// A static site notification.
    pub const SITE: &str = "humanitarian.site";
    /// A movement notification.
    pub const MOVEMENT: &str = "humanitarian.movement";
    /// An amendment `{"notification", "site" | "movement"}`.
    pub const AMEND: &str = "humanitarian.amend";
    /// A withdrawal `{"notification"}`.
    pub const WITHDRAW: &str = "humanitarian.withdraw";
    /// A signed receipt `{"notification", "version"}`.
    pub const ACK: &str = "humanitarian.ack";
    /// A check against sealed sites `{"area", "effects_radius_m"}`.
    pub const SEALED_CHECK: &str = "humanitarian.sealed_check";
    /// A strike pre-notification.
    pub const STRIKE_NOTICE: &str = "strike.notice";
    /// Concur or object `{"notice", "decision": "concur"|"object", "reason"?}`.
    pub const STRIKE_REVIEW: &str = "strike.review";
    /// A stop request `{"notice", "reason"}`.
    pub const STRIKE_STOP: &str = "strike.stop";
    /// The filer acknowledges a stop request `{"notice", "number"}`.
    pub const STRIKE_STOP_ACK: &str = "strike.stop_ack";
    /// The filer amends its notice: the whole notice again, same `id` (restricted like the
    /// notice); re-evaluated, the review reopens.
    pub const STRIKE_AMEND: &str = "strike.amend";
    /// The filer withdraws its notice `{"notice", "reason"?}`; the review closes.
    pub const STRIKE_WITHDRAW: &str = "strike.withdraw";
    /// Suspend the implementation plane `{"reason"}`.
    pub const SUSPEND: &str = "implementation.suspend";
    /// Resume it `{"reason"}`.
    pub const RESUME: &str = "implementation.resume";
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmendJson {
    notification: String,
    #[serde(default)]
    site: Option<SiteJson>,
    #[serde(default)]
    movement: Option<MovementJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationRef {
    notification: String,
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "a withdrawal may say why; the reason stays in the log entry"
    )]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewJson {
    notice: String,
    decision: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StopJson {
    notice: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    number: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedCheckJson {
    area: AreaJson,
    #[serde(default)]
    effects_radius_m: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonJson {
    #[serde(default)]
    reason: Option<String>,
}

fn parse<T: serde::de::DeserializeOwned>(payload: &Value) -> Result<T, Error> {
    T::deserialize(payload).map_err(|e| Error::invalid("payload", e.to_string()))
}

/// The journal entry for a submission of `kind` by `party` (see [`kind`]); `None` for kinds
/// this crate does not handle.
///
/// # Errors
/// [`Error::Invalid`] for a payload that does not fit the kind.
pub fn entry(
    kind: &str,
    party: &str,
    payload: &Value,
) -> Result<Option<crate::journal::Entry>, Error> {
    use crate::journal::Entry;
    let entry = match kind {
        kind::SITE => Entry::Notify(Subject::Site(parse::<SiteJson>(payload)?.to_site(party)?)),
        kind::MOVEMENT => Entry::Notify(Subject::Movement(
            parse::<MovementJson>(payload)?.to_movement(party)?,
        )),
        kind::AMEND => {
            let a: AmendJson = parse(payload)?;
            let subject = match (a.site, a.movement) {
                (Some(s), None) => Subject::Site(s.to_site(party)?),
                (None, Some(m)) => Subject::Movement(m.to_movement(party)?),
                _ => {
                    return Err(Error::invalid(
                        "payload",
                        "an amendment carries exactly one of `site` or `movement`",
                    ));
                }
            };
            Entry::Amend {
                party: party.to_owned(),
                notification: a.notification,
                subject,
            }
        }
        kind::WITHDRAW => Entry::Withdraw {
            party: party.to_owned(),
            notification: parse::<NotificationRef>(payload)?.notification,
        },
        kind::ACK => {
            let r: NotificationRef = parse(payload)?;
            Entry::Acknowledge {
                party: party.to_owned(),
                notification: r.notification,
                version: r.version.unwrap_or(1),
            }
        }
        kind::SEALED_CHECK => {
            let c: SealedCheckJson = parse(payload)?;
            if !(c.effects_radius_m.is_finite() && (0.0..=50_000.0).contains(&c.effects_radius_m)) {
                return Err(Error::invalid("effects_radius_m", "must be 0–50,000 m"));
            }
            Entry::SealedCheck {
                party: party.to_owned(),
                place: c.area.to_area()?.place(),
                effects_radius_m: c.effects_radius_m,
            }
        }
        kind::STRIKE_NOTICE => {
            Entry::StrikeNotice(parse::<StrikeNoticeJson>(payload)?.to_notice(party)?)
        }
        kind::STRIKE_AMEND => {
            Entry::StrikeAmend(parse::<StrikeNoticeJson>(payload)?.to_notice(party)?)
        }
        kind::STRIKE_WITHDRAW => {
            let r: StopJson = parse(payload)?;
            if r.number.is_some() {
                return Err(Error::invalid(
                    "number",
                    "a withdrawal names only the notice",
                ));
            }
            Entry::StrikeWithdraw {
                party: party.to_owned(),
                notice: r.notice,
            }
        }
        kind::STRIKE_REVIEW => {
            let r: ReviewJson = parse(payload)?;
            let decision = match r.decision.as_str() {
                "concur" => crate::review::ReviewDecision::Concur,
                "object" => crate::review::ReviewDecision::Object {
                    reason: r.reason.unwrap_or_default(),
                },
                _ => return Err(Error::invalid("decision", "`concur` or `object`")),
            };
            Entry::Review {
                party: party.to_owned(),
                notice: r.notice,
                decision,
            }
        }
        kind::STRIKE_STOP => {
            let r: StopJson = parse(payload)?;
            Entry::Stop {
                party: party.to_owned(),
                notice: r.notice,
                reason: r.reason.unwrap_or_default(),
            }
        }
        kind::STRIKE_STOP_ACK => {
            let r: StopJson = parse(payload)?;
            Entry::StopAck {
                party: party.to_owned(),
                notice: r.notice,
                number: r
                    .number
                    .ok_or_else(|| Error::invalid("number", "which stop request"))?,
            }
        }
        kind::SUSPEND => Entry::Suspend {
            party: party.to_owned(),
            reason: parse::<ReasonJson>(payload)?.reason.unwrap_or_default(),
        },
        kind::RESUME => {
            let _: ReasonJson = parse(payload)?;
            Entry::Resume {
                party: party.to_owned(),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(entry))
}

/// A decision as JSON. Decisions carry no coordinates except a movement's expected position,
/// which only a recipient filer receives (see `strike`); [`decision_public_json`] drops it for
/// the log.
pub fn decision_json(d: &crate::journal::Decision) -> Value {
    use crate::journal::Decision as D;
    match d {
        D::Notified {
            notification,
            version,
            deadline,
            recipients,
        } => json!({"decision": "notified", "notification": notification, "version": version,
                    "ack_deadline": deadline, "recipients": recipients}),
        D::Withdrawn { notification } => {
            json!({"decision": "withdrawn", "notification": notification})
        }
        D::Acknowledged {
            notification,
            party,
            version,
            late,
        } => json!({"decision": "acknowledged", "notification": notification, "party": party,
                    "version": version, "late": late}),
        D::Escalated(e) => json!({"decision": "escalated", "notification": e.notification,
            "version": e.version, "party": e.party, "level": e.level.number(), "due_at": e.due_at}),
        D::AirOperationRecorded { id } => json!({"decision": "air_operation", "id": id}),
        D::Assessed {
            assessment,
            review_deadline,
            counterparts,
            version,
        } => {
            let mut v = assessment_json(assessment);
            if let Some(o) = v.as_object_mut() {
                // An amendment is its own decision kind, so the log tells them apart.
                let decision = if *version > 1 {
                    "strike_amended"
                } else {
                    "strike_assessed"
                };
                o.insert("decision".into(), json!(decision));
                o.insert("version".into(), json!(version));
                o.insert("review_deadline".into(), json!(review_deadline));
                o.insert("counterparts".into(), json!(counterparts));
            }
            v
        }
        D::NoticeWithdrawn { notice, party } => {
            json!({"decision": "strike_withdrawn", "notice": notice, "party": party})
        }
        D::Reviewed {
            notice,
            status,
            verdict,
        } => json!({"decision": "strike_reviewed", "notice": notice, "status": status.as_str(),
                    "verdict": verdict.as_str()}),
        D::ReviewLapsed { notice, verdict } => json!({"decision": "strike_review_lapsed",
            "notice": notice, "verdict": verdict.as_str()}),
        D::StopRaised(a) => json!({"decision": "stop_request", "notice": a.notice,
            "number": a.number, "by": a.by, "alert_party": a.audience_party, "at": a.at}),
        D::StopAcknowledged {
            notice,
            number,
            latency,
        } => json!({"decision": "stop_acknowledged", "notice": notice, "number": number,
                    "latency_s": latency.as_secs_f64()}),
        D::SealedChecked { party, answer } => json!({"decision": "sealed_check", "party": party,
            "conflict": answer.conflict, "within_m": answer.within_m, "message": answer.message()}),
        D::SealedRefused { party, until } => {
            json!({"decision": "sealed_check_refused", "party": party, "until": until})
        }
        D::ProbingReported { party, near_misses } => json!({"decision": "probing_reported",
            "party": party, "near_misses": near_misses}),
        D::Suspended { party } => json!({"decision": "suspended", "party": party}),
        D::Resumed {
            party,
            plane_resumed,
        } => json!({"decision": "resumed", "party": party, "plane_resumed": plane_resumed}),
    }
}

/// [`decision_json`] without any coordinate: what goes into the public log.
pub fn decision_public_json(d: &crate::journal::Decision) -> Value {
    let mut v = decision_json(d);
    if let Some(findings) = v.get_mut("findings").and_then(Value::as_array_mut) {
        for f in findings {
            if let Some(o) = f.as_object_mut() {
                o.remove("expected_position");
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_are_named() {
        let cases = [
            (
                r#"{"id":"n","group":"isil","area":{"type":"Point","coordinates":[400,35],"radius_m":5},"window":{"start":"2016-09-17T12:00:00Z","end":"2016-09-17T13:00:00Z"},"effects_radius_m":100,"air_operation":"a"}"#,
                "area.coordinates",
            ),
            (
                r#"{"id":"n","group":"isil","area":{"type":"Polygon","coordinates":[[[40,35],[40.1,35],[40,35.1]]]},"window":{"start":"2016-09-17T12:00:00Z","end":"2016-09-17T13:00:00Z"},"effects_radius_m":100,"air_operation":"a"}"#,
                "area.coordinates[0]",
            ),
            (
                r#"{"id":"n","group":"isil","area":{"type":"Point","coordinates":[40,35]},"window":{"start":"2016-09-17T12:00:00Z","end":"2016-09-17T11:00:00Z"},"effects_radius_m":100,"air_operation":"a"}"#,
                "window",
            ),
            (
                r#"{"id":"n","group":"isil","area":{"type":"Point","coordinates":[40,35]},"window":{"start":"2016-09-17T12:00:00Z","end":"2016-09-17T13:00:00Z"},"effects_radius_m":-1,"air_operation":"a"}"#,
                "effects_radius_m",
            ),
        ];
        for (text, field) in cases {
            let parsed: StrikeNoticeJson = serde_json::from_str(text).unwrap();
            match parsed.to_notice("us") {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let unknown = r#"{"id":"n","group":"isil","extra":1}"#;
        assert!(serde_json::from_str::<StrikeNoticeJson>(unknown).is_err());
    }

    #[test]
    fn movement_defaults_to_the_window() {
        let m: MovementJson = serde_json::from_str(
            r#"{"id":"c","route":{"type":"LineString","coordinates":[[36.83,36.1389],[36.9678,36.1516]]},
               "window":{"start":"2016-09-19T10:50:00+03:00","end":"2016-09-19T13:30:00+03:00"},
               "vehicles":31,"recipients":["us","russia"]}"#,
        )
        .unwrap();
        let m = m.to_movement("un_ocha").unwrap();
        assert!(matches!(m.schedule, Schedule::Linear { .. }));
        let bad: MovementJson = serde_json::from_str(
            r#"{"id":"c","route":{"type":"LineString","coordinates":[[36.83,36.1389],[36.9678,36.1516]]},
               "window":{"start":"2016-09-19T10:50:00+03:00","end":"2016-09-19T13:30:00+03:00"},
               "vehicles":31,"recipients":["us","us"]}"#,
        )
        .unwrap();
        assert!(
            matches!(bad.to_movement("un_ocha"), Err(Error::Invalid { field, .. }) if field == "recipients[1]")
        );
    }
}
