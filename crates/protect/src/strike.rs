//! Strike pre-notification checks (DESIGN.md §3.7): a party notifies a strike on a designated
//! group — area, window, effects radius, the air operation it belongs to — and jic lists every
//! reason it conflicts with what was agreed or notified.
//!
//! # Checks, in order
//! 1. **The group is designated** (`jic.designated_group`).
//! 1. (With [`evaluate_in_phase`]) **the phase in force** at the window start and why
//!    (`jic.phase`, for the record).
//! 2. **The agreement's rules** ([`jic_agreement::Agreement::evaluate`]) for an `airstrike` by
//!    the filer on the group at the strike area, at the window start, in the phase in force:
//!    `prohibited` → conflict citing the deciding rules and the zones through which they
//!    applied; `requires_concurrence` → not cleared until the counterpart concurs;
//!    `requires_notice` → satisfied by this notice.
//! 3. **The area lies in an agreed zone where the group is present** (`jic.group_present`),
//!    judged at the area's reference point (a circle's centre, the mean of a polygon's
//!    vertices). Proposed or disputed zones do not count and are named.
//! 4. **No agreed zone controlled by a covered party lies within the effects radius**: each is a
//!    conflict with its distance, citing the agreement's rule on strikes in covered areas.
//! 5. **Protected sites lie beyond effects radius + the agreement's site buffer**: shared sites
//!    are named with their distance and acknowledgments; sealed sites produce one finding that
//!    says only "within N m" (see `sealed`).
//! 6. **Notified movements lie beyond effects radius + movement buffer during the window**,
//!    using the part of the route the movement is expected to occupy during the window widened
//!    by the schedule slack (see `movement`), with who acknowledged it and when.
//! 7. **The air operation is the filer's and is deconflicted** (`jic.air_operation`), and
//!    **passes near the strike area** (`jic.location_consistency`): a strike area more than
//!    [`StrikeParams::location_error_m`] from the filer's own filed route is flagged, the
//!    Deir ez-Zor case of 17 Sept 2016 where the notified location was ~9 km off
//!    (events_2016.md §4).
//!
//! # Verdict
//! `conflict` when any finding is a conflict; otherwise `not_cleared` when concurrence is
//! required (the review in `review` turns it into `clear` once the counterpart concurs);
//! otherwise `clear`. jic never ranks or proposes targets: it only answers for the notice given.

use geo_types::{Coord, LineString, Polygon, coord};
use jic_agreement::{
    Action, ActionKind, ActorRef, Agreement, Basis, Citation, Designation, Verdict as RuleVerdict,
    ZoneKind, ZoneStatus,
};
use jic_geo::{Place, Shape};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::Error;
use crate::index::SiteIndex;
use crate::notification::{Acknowledgment, Notification, Subject};
use crate::phase::{PendingPhase, PhaseInForce};
use crate::sealed::{SealedAnswer, is_near_miss};
use crate::site::DisclosureMode;

/// The clause cited by checks that come from the JIC procedure rather than a rule.
pub const PROCEDURE_CLAUSE: &str = "JIC strike pre-notification procedure (DESIGN.md §3.7)";

/// Where the strike falls.
#[derive(Debug, Clone, PartialEq)]
pub enum StrikeArea {
    /// A point and a radius in metres.
    Circle {
        /// Aim point.
        center: Coord<f64>,
        /// Radius of the area around it, metres.
        radius_m: f64,
    },
    /// A polygon.
    Polygon(Polygon<f64>),
}

impl StrikeArea {
    /// The area as a place for distance queries.
    pub fn place(&self) -> Place {
        match self {
            StrikeArea::Circle { center, radius_m } => Place::Circle {
                center: *center,
                radius_m: *radius_m,
            },
            StrikeArea::Polygon(p) => Place::Area(p.clone()),
        }
    }

    /// The point the area is judged at for zone membership: the centre, or the mean of the
    /// polygon's exterior vertices (closing vertex excluded).
    pub fn reference_point(&self) -> Coord<f64> {
        match self {
            StrikeArea::Circle { center, .. } => *center,
            StrikeArea::Polygon(p) => {
                let coords = &p.exterior().0;
                let open = if coords.len() > 1 && coords.first() == coords.last() {
                    &coords[..coords.len() - 1]
                } else {
                    &coords[..]
                };
                let n = open.len().max(1) as f64;
                let (sx, sy) = open.iter().fold((0.0, 0.0), |(x, y), c| (x + c.x, y + c.y));
                coord! { x: sx / n, y: sy / n }
            }
        }
    }
}

/// A strike pre-notification.
#[derive(Debug, Clone, PartialEq)]
pub struct StrikeNotice {
    /// Identifier chosen by the filer.
    pub id: String,
    /// The filing party.
    pub party: String,
    /// The designated group targeted.
    pub group: String,
    /// Where.
    pub area: StrikeArea,
    /// Start of the strike window.
    pub window_start: Timestamp,
    /// End of the strike window.
    pub window_end: Timestamp,
    /// Radius of weapon effects beyond the area, metres.
    pub effects_radius_m: f64,
    /// The filer's air operation the strike belongs to.
    pub air_operation: String,
}

impl StrikeNotice {
    /// Checks finite coordinates, a non-negative radius and effects radius, an ordered window.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        if self.id.is_empty() || self.air_operation.is_empty() || self.group.is_empty() {
            return Err(Error::invalid(
                "id/group/air_operation",
                "must not be empty",
            ));
        }
        let ok = |c: &Coord<f64>| {
            c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0
        };
        match &self.area {
            StrikeArea::Circle { center, radius_m } => {
                if !ok(center) {
                    return Err(Error::invalid("area.center", "not a WGS-84 position"));
                }
                if !(radius_m.is_finite() && *radius_m >= 0.0 && *radius_m <= 50_000.0) {
                    return Err(Error::invalid("area.radius_m", "must be 0–50,000 m"));
                }
            }
            StrikeArea::Polygon(p) => {
                if p.exterior().0.len() < 4 || !p.exterior().0.iter().all(ok) {
                    return Err(Error::invalid(
                        "area.coordinates",
                        "a closed ring of at least three finite WGS-84 positions",
                    ));
                }
            }
        }
        if !(self.effects_radius_m.is_finite()
            && self.effects_radius_m >= 0.0
            && self.effects_radius_m <= 50_000.0)
        {
            return Err(Error::invalid("effects_radius_m", "must be 0–50,000 m"));
        }
        if self.window_end < self.window_start {
            return Err(Error::invalid("window", "ends before it starts"));
        }
        Ok(())
    }
}

/// A filed air operation as the strike check needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AirOperation {
    /// Its id.
    pub id: String,
    /// The filing party.
    pub party: String,
    /// Its ground track (the plan's waypoints in order).
    pub path: LineString<f64>,
    /// Open deconfliction conflicts (ids or descriptions); empty when deconflicted.
    pub open_conflicts: Vec<String>,
}

/// Tunables of the check, from the agreement's `[strike]` section
/// ([`StrikeParams::from_agreement`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrikeParams {
    /// A strike area farther than this from the filer's own air operation is flagged, metres.
    pub location_error_m: f64,
    /// Movements may run early or late by this much.
    pub schedule_slack: SignedDuration,
}

impl Default for StrikeParams {
    /// 5 km and 30 minutes (the agreement's defaults, [`jic_agreement::Strike`]).
    fn default() -> Self {
        Self::from_terms(&jic_agreement::Strike::default())
    }
}

impl StrikeParams {
    /// From the agreement's `[strike]` parameters (`location_tolerance_m`,
    /// `schedule_slack_min`), their documented defaults where unset.
    pub fn from_terms(strike: &jic_agreement::Strike) -> Self {
        Self {
            location_error_m: strike.location_tolerance_m(),
            schedule_slack: SignedDuration::from_mins(i64::from(strike.schedule_slack_min())),
        }
    }

    /// From the agreement in force.
    pub fn from_agreement(agreement: &Agreement) -> Self {
        Self::from_terms(&agreement.terms().strike)
    }
}

/// Everything a check reads besides the notice.
#[derive(Debug, Clone, Copy)]
pub struct StrikeContext<'a> {
    /// The agreement in force.
    pub agreement: &'a Agreement,
    /// The phase in force at the window start (from the phase clock).
    pub phase: Option<&'a str>,
    /// Notified sites (active ones).
    pub sites: &'a SiteIndex,
    /// Notifications (movements among them are checked; others ignored).
    pub notifications: &'a [Notification],
    /// Filed air operations (the one the notice names is looked up).
    pub air_operations: &'a [AirOperation],
    /// Tunables.
    pub params: StrikeParams,
}

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For the record.
    Info,
    /// Blocks clearance until the counterpart concurs.
    NotCleared,
    /// The notice conflicts with the agreement or a notification.
    Conflict,
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StrikeVerdict {
    /// No conflict and nothing awaited.
    Clear,
    /// At least one conflict.
    Conflict,
    /// No conflict, but the counterpart's concurrence is required and not yet given.
    NotCleared,
}

impl StrikeVerdict {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            StrikeVerdict::Clear => "clear",
            StrikeVerdict::Conflict => "conflict",
            StrikeVerdict::NotCleared => "not_cleared",
        }
    }
}

/// An acknowledgment as cited in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AckCited {
    /// Who.
    pub party: String,
    /// Which version.
    pub version: u32,
    /// Receipt time.
    pub at: Timestamp,
}

impl From<&Acknowledgment> for AckCited {
    fn from(a: &Acknowledgment) -> Self {
        Self {
            party: a.party.clone(),
            version: a.version,
            at: a.at,
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum FindingDetail {
    /// The targeted group is not designated.
    GroupNotDesignated {
        /// The group.
        group: String,
    },
    /// A rule of the agreement applies.
    Rule {
        /// The rule's verdict.
        rule_verdict: String,
        /// Zones through which it applied.
        zones: Vec<String>,
    },
    /// The agreement has no rule for this strike; its default applies.
    NoRule {
        /// The default verdict.
        default_verdict: String,
    },
    /// A rule would apply only through a proposed or disputed zone.
    UnagreedZone {
        /// The zones.
        zones: Vec<String>,
    },
    /// Whether the strike area lies in an agreed zone where the group is present.
    GroupPresence {
        /// Agreed zones found (empty for a conflict).
        agreed: Vec<String>,
        /// Proposed or disputed zones that would have counted.
        unagreed: Vec<String>,
    },
    /// An agreed zone controlled by a covered party within the effects radius.
    CoveredControlZone {
        /// Zone id.
        zone: String,
        /// Zone name.
        name: String,
        /// The controller.
        controller: String,
        /// Distance from the strike area to the zone, metres (0 = overlapping).
        distance_m: f64,
        /// The effects radius it was compared with.
        threshold_m: f64,
    },
    /// A shared protected site within effects radius + buffer.
    ProtectedSite {
        /// The notification.
        notification: String,
        /// Its category.
        category: String,
        /// Distance, metres (rounded up to the site's stated precision).
        distance_m: f64,
        /// Effects radius + site buffer.
        threshold_m: f64,
        /// Receipt time of the notification.
        notified_at: Timestamp,
        /// Acknowledgments of the current version.
        acknowledgments: Vec<AckCited>,
    },
    /// One or more sealed protected sites within effects radius + buffer. Says nothing else.
    SealedSite {
        /// The distance band.
        within_m: u32,
    },
    /// A notified movement expected within its buffer during the window.
    NotifiedMovement {
        /// The notification.
        notification: String,
        /// Smallest distance between the strike area and where the movement is expected
        /// during the (slack-widened) window, metres.
        distance_m: f64,
        /// Effects radius + movement buffer.
        threshold_m: f64,
        /// Expected position at the start of the strike window (lon, lat), when inside the
        /// movement's window and the filer is one of its recipients (`None` otherwise).
        expected_position: Option<[f64; 2]>,
        /// The movement's window.
        movement_window: [Timestamp; 2],
        /// Vehicles.
        vehicles: u32,
        /// Markings.
        markings: Vec<String>,
        /// Receipt time of the notification.
        notified_at: Timestamp,
        /// Acknowledgments of the current version.
        acknowledgments: Vec<AckCited>,
    },
    /// The named air operation.
    AirOperation {
        /// Its id.
        air_operation: String,
        /// What is wrong, if anything.
        problem: Option<String>,
        /// Open deconfliction conflicts.
        open_conflicts: Vec<String>,
    },
    /// The phase the notice is judged under, and why (see [`evaluate_in_phase`]).
    Phase {
        /// The phase in force at the window start (`None` before any phase).
        phase: Option<String>,
        /// When it started, when known.
        since: Option<Timestamp>,
        /// Who decided: `phase_clock`, `schedule` or `given`.
        source: &'static str,
        /// Why this phase.
        reason: String,
        /// Phases still waiting for calm days.
        pending: Vec<PendingPhase>,
    },
    /// Distance between the strike area and the filer's own air operation.
    LocationConsistency {
        /// The air operation.
        air_operation: String,
        /// Distance from the strike area to its route, metres.
        distance_m: f64,
        /// The tolerance.
        threshold_m: f64,
    },
}

/// One reason for the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// How much it weighs.
    pub severity: Severity,
    /// The rule id (an agreement rule, or a `jic.*` procedure check).
    pub rule: String,
    /// The clause reference.
    pub clause: String,
    /// The clause text.
    pub text: String,
    /// One sentence for people.
    pub message: String,
    /// The facts.
    #[serde(flatten)]
    pub detail: FindingDetail,
}

/// The sealed part of a check, kept for logging and probing detection. It never reaches the
/// filer beyond [`FindingDetail::SealedSite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedOutcome {
    /// What the filer was told.
    pub answer: SealedAnswer,
    /// Whether the check was a near miss (see `sealed`).
    pub near_miss: bool,
}

/// The result of checking a notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The notice id.
    pub notice: String,
    /// The verdict of the checks alone (before review).
    pub verdict: StrikeVerdict,
    /// Whether the counterpart's concurrence is required.
    pub requires_concurrence: bool,
    /// Every finding, in check order.
    pub findings: Vec<Finding>,
    /// The sealed-site part of the check.
    pub sealed: SealedOutcome,
}

struct Procedure {
    id: &'static str,
    text: &'static str,
}

const PHASE: Procedure = Procedure {
    id: "jic.phase",
    text: "A notified strike is judged under the phase in force at the start of its window, as the phase clock computes it from the log (calm days and transitions).",
};
const DESIGNATED_GROUP: Procedure = Procedure {
    id: "jic.designated_group",
    text: "A strike may be notified only against a group the agreement designates.",
};
const RULES: Procedure = Procedure {
    id: "jic.rules",
    text: "A notified strike is evaluated against the agreement's rules; where none applies, its default verdict does.",
};
const GROUP_PRESENT: Procedure = Procedure {
    id: "jic.group_present",
    text: "The strike area lies in an agreed zone where the targeted group is present.",
};
const COVERED_ZONES: Procedure = Procedure {
    id: "jic.covered_zones",
    text: "No zone controlled by a party to the cessation lies within the effects radius.",
};
const PROTECTED: Procedure = Procedure {
    id: "jic.protected",
    text: "Notified humanitarian sites and movements lie beyond the effects radius plus their buffer.",
};
const AIR_OPERATION: Procedure = Procedure {
    id: "jic.air_operation",
    text: "The strike belongs to a deconflicted air operation filed by the same party.",
};
const LOCATION: Procedure = Procedure {
    id: "jic.location_consistency",
    text: "The strike area lies where the filing party's own air operation goes.",
};

fn procedure(p: &Procedure, severity: Severity, message: String, detail: FindingDetail) -> Finding {
    Finding {
        severity,
        rule: p.id.to_owned(),
        clause: PROCEDURE_CLAUSE.to_owned(),
        text: p.text.to_owned(),
        message,
        detail,
    }
}

fn cited(c: &Citation, severity: Severity, message: String, detail: FindingDetail) -> Finding {
    Finding {
        severity,
        rule: c.rule.clone(),
        clause: c.clause.clone(),
        text: c.text.clone(),
        message,
        detail,
    }
}

/// The agreement's first rule (by id) governing `action`, for checks that need a clause to cite.
fn rule_for(
    agreement: &Agreement,
    action: ActionKind,
    extra: impl Fn(&jic_agreement::Rule) -> bool,
) -> Option<&jic_agreement::Rule> {
    agreement
        .terms()
        .rules
        .iter()
        .find(|r| r.actions.contains(&action) && extra(r))
}

fn finding_with_rule(
    rule: Option<&jic_agreement::Rule>,
    fallback: &Procedure,
    severity: Severity,
    message: String,
    detail: FindingDetail,
) -> Finding {
    match rule {
        Some(r) => Finding {
            severity,
            rule: r.id.clone(),
            clause: r.clause.clone(),
            text: r.text.clone(),
            message,
            detail,
        },
        None => procedure(fallback, severity, message, detail),
    }
}

/// Rounds a distance up to a multiple of `precision_m` (so a shared site's distance reveals no
/// more than its stated precision).
fn round_up(distance_m: f64, precision_m: f64) -> f64 {
    if precision_m.is_finite() && precision_m > 1.0 {
        (distance_m / precision_m).ceil() * precision_m
    } else {
        distance_m.ceil()
    }
}

/// Checks a strike notice under `phase` (what the phase clock says is in force at the window
/// start, and why): [`evaluate`] with `ctx.phase` set from it, plus a `jic.phase` finding
/// (severity info) after the designation check, naming the phase, since when, why, and the
/// phases still waiting for calm days. This is how a notice filed before the seven calm days
/// of the JIC phase are reached is judged under the phase actually in force, and says so.
///
/// # Errors
/// As [`evaluate`].
pub fn evaluate_in_phase(
    notice: &StrikeNotice,
    ctx: &StrikeContext<'_>,
    phase: &PhaseInForce,
) -> Result<Assessment, Error> {
    let mut assessment = evaluate(
        notice,
        &StrikeContext {
            phase: phase.phase.as_deref(),
            ..*ctx
        },
    )?;
    let at = assessment
        .findings
        .iter()
        .take_while(|f| matches!(f.detail, FindingDetail::GroupNotDesignated { .. }))
        .count();
    assessment.findings.insert(
        at,
        procedure(
            &PHASE,
            Severity::Info,
            phase.explain(),
            FindingDetail::Phase {
                phase: phase.phase.clone(),
                since: phase.since,
                source: phase.source.as_str(),
                reason: phase.reason.clone(),
                pending: phase.pending.clone(),
            },
        ),
    );
    Ok(assessment)
}

/// Checks a strike notice. See the module documentation for the checks and the verdict.
///
/// # Errors
/// [`Error::Invalid`] for an invalid notice; [`Error::Unknown`] for a party or group the
/// agreement does not define; [`Error::Agreement`] when the evaluation refuses.
pub fn evaluate(notice: &StrikeNotice, ctx: &StrikeContext<'_>) -> Result<Assessment, Error> {
    notice.validate()?;
    let agreement = ctx.agreement;
    if agreement.party(&notice.party).is_none() {
        return Err(Error::Unknown {
            what: "party",
            id: notice.party.clone(),
        });
    }
    let Some(group) = agreement.group(&notice.group) else {
        return Err(Error::Unknown {
            what: "group",
            id: notice.group.clone(),
        });
    };
    let place = notice.area.place();
    let (from, until) = (notice.window_start, notice.window_end);
    let mut findings = Vec::new();

    // 1. Designation.
    if group.designation != Designation::Designated {
        findings.push(procedure(
            &DESIGNATED_GROUP,
            Severity::Conflict,
            format!("{} is covered by the truce, not designated", group.name),
            FindingDetail::GroupNotDesignated {
                group: group.id.clone(),
            },
        ));
    }

    // 2. The agreement's rules.
    let evaluation = agreement.evaluate(&Action {
        kind: ActionKind::Airstrike,
        actor: ActorRef::party(&notice.party),
        target: Some(ActorRef::group(&notice.group)),
        place: place.clone(),
        at: from,
        phase: ctx.phase.map(str::to_owned),
    })?;
    let mut requires_concurrence = false;
    match evaluation.basis {
        Basis::Default => findings.push(procedure(
            &RULES,
            if evaluation.verdict == RuleVerdict::Prohibited {
                Severity::Conflict
            } else {
                Severity::Info
            },
            format!(
                "no rule of the agreement addresses this strike; the default verdict is {}",
                evaluation.verdict
            ),
            FindingDetail::NoRule {
                default_verdict: evaluation.verdict.to_string(),
            },
        )),
        Basis::Rules => {
            for c in &evaluation.deciding {
                let (severity, message) = match c.verdict {
                    RuleVerdict::Prohibited => (
                        Severity::Conflict,
                        if c.zones.is_empty() {
                            format!("rule {} prohibits this strike", c.rule)
                        } else {
                            format!(
                                "rule {} prohibits this strike in {}",
                                c.rule,
                                c.zones.join(", ")
                            )
                        },
                    ),
                    RuleVerdict::RequiresConcurrence => {
                        requires_concurrence = true;
                        (
                            Severity::NotCleared,
                            format!(
                                "rule {} requires the counterpart's concurrence before this strike",
                                c.rule
                            ),
                        )
                    }
                    RuleVerdict::RequiresNotice => (
                        Severity::Info,
                        format!(
                            "rule {} requires advance notice; this notice gives it",
                            c.rule
                        ),
                    ),
                    RuleVerdict::Permitted => (
                        Severity::Info,
                        format!("rule {} permits this strike", c.rule),
                    ),
                };
                findings.push(cited(
                    c,
                    severity,
                    message,
                    FindingDetail::Rule {
                        rule_verdict: c.verdict.to_string(),
                        zones: c.zones.clone(),
                    },
                ));
            }
        }
    }
    for c in &evaluation.unagreed {
        findings.push(cited(
            c,
            Severity::Info,
            format!(
                "rule {} would apply through {}, which is not agreed",
                c.rule,
                c.zones.join(", ")
            ),
            FindingDetail::UnagreedZone {
                zones: c.zones.clone(),
            },
        ));
    }

    // 3. Presence of the group in an agreed zone at the reference point.
    let reference = Place::Point(notice.area.reference_point());
    let (mut agreed, mut unagreed) = (Vec::new(), Vec::new());
    for (zone, _) in agreement.zones_within(&reference, 0.0, Some(from)) {
        if zone.present_groups.contains(&group.id) {
            if zone.status == ZoneStatus::Agreed {
                agreed.push(zone.id.clone());
            } else {
                unagreed.push(zone.id.clone());
            }
        }
    }
    let present = !agreed.is_empty();
    findings.push(procedure(
        &GROUP_PRESENT,
        if present {
            Severity::Info
        } else {
            Severity::Conflict
        },
        if present {
            format!(
                "{} is present in agreed zone {}",
                group.id,
                agreed.join(", ")
            )
        } else if unagreed.is_empty() {
            format!(
                "the strike area is in no agreed zone where {} is present",
                group.id
            )
        } else {
            format!(
                "the strike area is in no agreed zone where {} is present ({} not agreed)",
                group.id,
                unagreed.join(", ")
            )
        },
        FindingDetail::GroupPresence { agreed, unagreed },
    ));

    // 4. Zones controlled by covered parties within the effects radius.
    let covered_rule = rule_for(agreement, ActionKind::Airstrike, |r| {
        r.verdict == RuleVerdict::Prohibited
            && r.zone_kinds.contains(&ZoneKind::Control)
            && r.zone_controller.designation == Some(Designation::Covered)
    });
    for (zone, distance_m) in agreement.zones_within(&place, notice.effects_radius_m, Some(from)) {
        if zone.kind != ZoneKind::Control || zone.status != ZoneStatus::Agreed {
            continue;
        }
        let Some(controller) = zone.controller.as_deref() else {
            continue;
        };
        let covered = match agreement.group(controller) {
            Some(g) => g.designation == Designation::Covered,
            None => agreement.party(controller).is_some(),
        };
        if !covered {
            continue;
        }
        findings.push(finding_with_rule(
            covered_rule,
            &COVERED_ZONES,
            Severity::Conflict,
            format!(
                "{} ({}, held by {controller}) is {} of the strike area",
                zone.id,
                zone.name,
                if distance_m <= 0.0 {
                    "inside the effects radius".to_owned()
                } else {
                    format!("{distance_m:.0} m")
                }
            ),
            FindingDetail::CoveredControlZone {
                zone: zone.id.clone(),
                name: zone.name.clone(),
                controller: controller.to_owned(),
                distance_m: distance_m.ceil(),
                threshold_m: notice.effects_radius_m,
            },
        ));
    }

    // 5. Protected sites.
    let humanitarian = &agreement.terms().humanitarian;
    let protect_rule = rule_for(agreement, ActionKind::AttackOnHumanitarian, |_| true);
    let site_threshold = notice.effects_radius_m + humanitarian.site_buffer_m;
    let mut nearest_sealed = f64::INFINITY;
    for hit in ctx.sites.near(&place, site_threshold * 2.0, from, until) {
        let site = &hit.site.site;
        match site.disclosure {
            DisclosureMode::Sealed => nearest_sealed = nearest_sealed.min(hit.distance_m),
            DisclosureMode::Shared if hit.distance_m <= site_threshold => {
                let distance_m = round_up(hit.distance_m, site.precision_m);
                findings.push(finding_with_rule(
                    protect_rule,
                    &PROTECTED,
                    Severity::Conflict,
                    format!(
                        "notified {} {} is within {distance_m:.0} m of the strike area (limit {site_threshold:.0} m)",
                        site.category.as_str(),
                        hit.site.notification
                    ),
                    FindingDetail::ProtectedSite {
                        notification: hit.site.notification.clone(),
                        category: site.category.as_str().to_owned(),
                        distance_m,
                        threshold_m: site_threshold,
                        notified_at: hit.site.notified_at,
                        acknowledgments: hit.site.acks.iter().map(AckCited::from).collect(),
                    },
                ));
            }
            DisclosureMode::Shared => {}
        }
    }
    let answer = SealedAnswer::for_distance(nearest_sealed, site_threshold);
    let sealed = SealedOutcome {
        answer,
        near_miss: is_near_miss(nearest_sealed, site_threshold),
    };
    if let Some(within_m) = answer.within_m {
        findings.push(finding_with_rule(
            protect_rule,
            &PROTECTED,
            Severity::Conflict,
            format!("the strike area {}", answer.message()),
            FindingDetail::SealedSite { within_m },
        ));
    }

    // 6. Movements, where they are expected during the window.
    let movement_threshold = notice.effects_radius_m + humanitarian.movement_buffer_m;
    let slack = ctx.params.schedule_slack;
    for n in ctx.notifications {
        let Subject::Movement(m) = &n.subject else {
            continue;
        };
        if n.withdrawn_at.is_some_and(|w| w <= from) {
            continue;
        }
        let widened_from = from.checked_sub(slack).unwrap_or(from);
        let widened_until = until.checked_add(slack).unwrap_or(until);
        let Some(path) = m.path_during(widened_from, widened_until) else {
            continue;
        };
        let distance_m = Shape::Line(path).distance_m(&place);
        if distance_m.is_nan() || distance_m > movement_threshold {
            continue;
        }
        let acks: Vec<AckCited> = n.current_acks().map(AckCited::from).collect();
        let acked_by: Vec<String> = acks
            .iter()
            .map(|a| format!("{} at {}", a.party, a.at))
            .collect();
        findings.push(finding_with_rule(
            protect_rule,
            &PROTECTED,
            Severity::Conflict,
            format!(
                "notified movement {} ({} vehicles) is expected within {:.0} m of the strike area during the window (limit {movement_threshold:.0} m); acknowledged by {}",
                n.id,
                m.vehicles,
                distance_m.ceil(),
                if acked_by.is_empty() {
                    "nobody".to_owned()
                } else {
                    acked_by.join(", ")
                }
            ),
            FindingDetail::NotifiedMovement {
                notification: n.id.clone(),
                distance_m: distance_m.ceil(),
                threshold_m: movement_threshold,
                // Only a recipient of the movement may learn where it is expected.
                expected_position: m
                    .recipients
                    .contains(&notice.party)
                    .then(|| m.expected_position(from))
                    .flatten()
                    .map(|c| [c.x, c.y]),
                movement_window: [m.window_start, m.window_end],
                vehicles: m.vehicles,
                markings: m.markings.clone(),
                notified_at: n.notified_at,
                acknowledgments: acks,
            },
        ));
    }

    // 7. The air operation.
    match ctx
        .air_operations
        .iter()
        .find(|op| op.id == notice.air_operation)
    {
        None => findings.push(procedure(
            &AIR_OPERATION,
            Severity::Conflict,
            format!("air operation {} is not on file", notice.air_operation),
            FindingDetail::AirOperation {
                air_operation: notice.air_operation.clone(),
                problem: Some("not on file".to_owned()),
                open_conflicts: Vec::new(),
            },
        )),
        Some(op) if op.party != notice.party => findings.push(procedure(
            &AIR_OPERATION,
            Severity::Conflict,
            format!(
                "air operation {} was filed by another party",
                notice.air_operation
            ),
            FindingDetail::AirOperation {
                air_operation: op.id.clone(),
                problem: Some("filed by another party".to_owned()),
                open_conflicts: Vec::new(),
            },
        )),
        Some(op) => {
            let deconflicted = op.open_conflicts.is_empty();
            findings.push(procedure(
                &AIR_OPERATION,
                if deconflicted {
                    Severity::Info
                } else {
                    Severity::Conflict
                },
                if deconflicted {
                    format!("air operation {} is deconflicted", op.id)
                } else {
                    format!(
                        "air operation {} has {} open deconfliction conflict(s)",
                        op.id,
                        op.open_conflicts.len()
                    )
                },
                FindingDetail::AirOperation {
                    air_operation: op.id.clone(),
                    problem: (!deconflicted).then(|| "not deconflicted".to_owned()),
                    open_conflicts: op.open_conflicts.clone(),
                },
            ));
            let distance_m = Shape::Line(op.path.clone()).distance_m(&place);
            let threshold_m = ctx.params.location_error_m;
            let consistent = distance_m <= threshold_m;
            findings.push(procedure(
                &LOCATION,
                if consistent {
                    Severity::Info
                } else {
                    Severity::Conflict
                },
                if consistent {
                    format!("the strike area is on the route of air operation {}", op.id)
                } else {
                    format!(
                        "the strike area is {:.1} km from where the filer's own air operation {} goes (tolerance {:.1} km): check the notified location",
                        distance_m / 1000.0,
                        op.id,
                        threshold_m / 1000.0
                    )
                },
                FindingDetail::LocationConsistency {
                    air_operation: op.id.clone(),
                    distance_m: distance_m.round(),
                    threshold_m,
                },
            ));
        }
    }

    let verdict = if findings.iter().any(|f| f.severity == Severity::Conflict) {
        StrikeVerdict::Conflict
    } else if requires_concurrence {
        StrikeVerdict::NotCleared
    } else {
        StrikeVerdict::Clear
    };
    Ok(Assessment {
        notice: notice.id.clone(),
        verdict,
        requires_concurrence,
        findings,
        sealed,
    })
}
