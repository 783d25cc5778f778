//! Classification: is an incident a violation of the agreement, permitted by it, or
//! undetermined on what is known — and if undetermined, what is missing.
//!
//! # Definition
//! An incident is an action ([`crate::incident::Category::action`]) by an alleged actor at a place known to
//! within a radius and at a time known to within a window. jic evaluates it with
//! [`jic_agreement::Agreement::evaluate`] at every combination of the unknowns it can enumerate:
//! - **actor**: the alleged actor, or, when unknown, every sponsor and belligerent party and
//!   every group of the agreement;
//! - **target**: the reported target, or else whoever the agreement places there (controllers
//!   and present groups of the control and designated-area zones touching that sample point),
//!   or "no one" when no zone says;
//! - **place**: the centre, 6 points at half the radius, 12 on the circle, and the whole disc
//!   (which catches zones smaller than the spacing of the points) — or the centre alone when
//!   every zone within reach of the disc (its radius plus the largest rule buffer) contains it
//!   wholly, since then every point of the disc sees the same zones;
//! - **instant**: the window's start and end and every phase change or zone validity boundary
//!   between them, each with the phase in force from the [`PhaseTimeline`].
//!
//! Each evaluation maps to `violation` or `permitted`: `prohibited` is a violation;
//! `requires_notice` is permitted only when a strike notice of the actor's party, filed before
//! the incident, covers the place and time, and `requires_concurrence` only when that notice
//! was also concurred with; `permitted` (by a rule or by the agreement's default) is permitted.
//! If every evaluation agrees, that is the outcome, citing the rules of the nominal
//! combination (the reported actor and target at the centre at the window's start) and then
//! any other rule that decided for another combination. If they
//! disagree the outcome is **undetermined**, and [`Missing`] lists each unknown whose value
//! changes the answer with everything else held fixed.
//!
//! A violation by an unknown actor is still a violation (attacks on humanitarian convoys are
//! prohibited whoever flies the aircraft); it counts toward calm days, and the report says the
//! attribution is open.
//!
//! # Edge cases
//! - `other` incidents are never classified by a rule: undetermined, "no rule for category".
//! - An uncertainty of 0 samples the centre only. Zone boundaries count as inside (`jic_geo`).
//! - Rules that would apply only through `proposed` or `disputed` zones never decide; they are
//!   listed in the reasons so a reviewer sees the contested line.

use std::collections::{BTreeMap, BTreeSet};

use jic_agreement::{
    Action, ActorRef, Agreement, Basis, Citation, Role, Verdict, ZoneKind, ZoneStatus,
};
use jic_geo::{EARTH_RADIUS_M, Place, Shape};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::incident::{AllegedActor, IncidentReport};
use crate::links::{self, Context, Link};
use crate::phase::PhaseTimeline;

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A rule prohibits it (or it lacked the notice or concurrence a rule requires).
    Violation,
    /// A rule, or the agreement's default, permits it.
    Permitted,
    /// The answer depends on something not known.
    Undetermined,
}

impl Outcome {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Violation => "violation",
            Outcome::Permitted => "permitted",
            Outcome::Undetermined => "undetermined",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is missing for a determination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "missing", rename_all = "snake_case")]
pub enum Missing {
    /// Who acted: the answer differs between candidate actors.
    ActorUnknown {
        /// Candidates for whom it would be a violation.
        violation_if: Vec<String>,
        /// Candidates for whom it would be permitted.
        permitted_if: Vec<String>,
    },
    /// Who was hit: the answer differs between those the agreement places there.
    TargetUnknown {
        /// The candidates.
        candidates: Vec<String>,
    },
    /// Where: the uncertainty disc straddles zone boundaries that change the answer.
    LocationStraddles {
        /// The uncertainty radius, metres.
        radius_m: f64,
        /// Zones the disc touches without lying wholly inside them.
        zones: Vec<String>,
    },
    /// When: the window straddles a phase change or a zone's validity boundary.
    TimeStraddles {
        /// Window start.
        from: Timestamp,
        /// Window end.
        until: Timestamp,
        /// What changes inside the window.
        changes: Vec<String>,
    },
    /// The category is `other`: no rule classifies it.
    NoRuleForCategory,
}

/// A rule cited by a classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitedRule {
    /// Rule id.
    pub rule: String,
    /// Clause reference.
    pub clause: String,
    /// Clause text.
    pub text: String,
    /// The rule's own verdict (`prohibited`, `requires_notice`, …).
    pub verdict: String,
    /// Zones through which it applied.
    pub zones: Vec<String>,
}

impl From<&Citation> for CitedRule {
    fn from(c: &Citation) -> Self {
        Self {
            rule: c.rule.clone(),
            clause: c.clause.clone(),
            text: c.text.clone(),
            verdict: c.verdict.to_string(),
            zones: c.zones.clone(),
        }
    }
}

/// jic's classification of one incident version: a logged decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The incident.
    pub incident: String,
    /// The answer.
    pub outcome: Outcome,
    /// The alleged actor (as reported).
    pub actor: AllegedActor,
    /// The party answerable for the actor, when known.
    pub answerable_party: Option<String>,
    /// The deciding rules (empty when the agreement's default decided, or undetermined).
    pub rules: Vec<CitedRule>,
    /// The phase in force at the window's start.
    pub phase: Option<String>,
    /// Zones (valid then) at the reported position.
    pub zones: Vec<String>,
    /// What is missing (undetermined), or open (a violation with the actor unknown).
    pub missing: Vec<Missing>,
    /// Nearby notified sites, movements, strike notices and air operations.
    pub links: Vec<Link>,
    /// The explanation, sentence by sentence.
    pub reasons: Vec<String>,
}

/// One candidate actor: how it is named and how rules see it.
#[derive(Debug, Clone)]
struct Candidate {
    label: String,
    actor: ActorRef,
    party: Option<String>,
}

fn candidates(agreement: &Agreement, actor: &AllegedActor) -> Vec<Candidate> {
    match actor {
        AllegedActor::Party { id } => vec![Candidate {
            label: id.clone(),
            actor: ActorRef::party(id.clone()),
            party: Some(id.clone()),
        }],
        AllegedActor::Group { id } => vec![Candidate {
            label: id.clone(),
            actor: ActorRef::group(id.clone()),
            party: agreement.group(id).and_then(|g| g.answerable.clone()),
        }],
        AllegedActor::Unknown { .. } => {
            let terms = agreement.terms();
            let parties = terms
                .parties
                .iter()
                .filter(|p| matches!(p.role, Role::Sponsor | Role::Belligerent))
                .map(|p| Candidate {
                    label: p.id.clone(),
                    actor: ActorRef::party(p.id.clone()),
                    party: Some(p.id.clone()),
                });
            let groups = terms.groups.iter().map(|g| Candidate {
                label: g.id.clone(),
                actor: ActorRef::group(g.id.clone()),
                party: g.answerable.clone(),
            });
            parties.chain(groups).collect()
        }
    }
}

/// The point `distance_m` from `(lat, lon)` on `bearing_deg` (flat-earth offset; fine for the
/// ≤ 100 km radii accepted).
fn offset(lat: f64, lon: f64, distance_m: f64, bearing_deg: f64) -> geo_types::Coord<f64> {
    let b = bearing_deg.to_radians();
    let dlat = (distance_m * b.cos() / EARTH_RADIUS_M).to_degrees();
    let coslat = lat.to_radians().cos().max(1e-6);
    let dlon = (distance_m * b.sin() / (EARTH_RADIUS_M * coslat)).to_degrees();
    geo_types::coord! { x: lon + dlon, y: lat + dlat }
}

/// The sample places of the module documentation.
fn sample_places(report: &IncidentReport) -> Vec<Place> {
    let loc = &report.location;
    let centre = loc.coord();
    let r = loc.uncertainty_m;
    let mut out = vec![Place::Point(centre)];
    if r > 0.0 {
        for k in 0..6 {
            out.push(Place::Point(offset(
                loc.lat,
                loc.lon,
                r / 2.0,
                f64::from(k) * 60.0 + 30.0,
            )));
        }
        for k in 0..12 {
            out.push(Place::Point(offset(
                loc.lat,
                loc.lon,
                r,
                f64::from(k) * 30.0,
            )));
        }
        out.push(Place::Circle {
            center: centre,
            radius_m: r,
        });
    }
    out
}

/// Targets the agreement places at `place` at `at`: controllers and present groups of touching
/// control and designated-area zones (sorted, deduplicated).
fn inferred_targets(agreement: &Agreement, place: &Place, at: Timestamp) -> Vec<String> {
    let mut ids = BTreeSet::new();
    for (zone, d) in agreement.zones_within(place, 0.0, Some(at)) {
        if d > zone.radius_m || !matches!(zone.kind, ZoneKind::Control | ZoneKind::DesignatedArea) {
            continue;
        }
        ids.extend(zone.controller.iter().cloned());
        ids.extend(zone.present_groups.iter().cloned());
    }
    ids.into_iter().collect()
}

fn actor_ref_of(agreement: &Agreement, id: &str) -> ActorRef {
    if agreement.group(id).is_some() {
        ActorRef::group(id)
    } else {
        ActorRef::party(id)
    }
}

/// One evaluated combination.
#[derive(Debug, Clone)]
struct Judgement {
    actor: usize,
    place: usize,
    instant: usize,
    target: String,
    violation: bool,
    rules: Vec<CitedRule>,
    note: Option<String>,
    unagreed: Vec<CitedRule>,
    zones: Vec<String>,
}

/// The instants to sample and what changes at each (after the first).
fn sample_instants(
    agreement: &Agreement,
    report: &IncidentReport,
    timeline: &PhaseTimeline,
) -> (Vec<Timestamp>, Vec<String>) {
    let from = report.occurred.from;
    let until = report.occurred.end();
    let mut instants = BTreeMap::new();
    instants.insert(from, None);
    if until > from {
        for (t, what) in timeline.changes_within(from, until) {
            instants.insert(t, Some(what));
        }
        for z in &agreement.terms().zones {
            for (edge, verb) in [(z.valid_from, "becomes valid"), (z.valid_until, "expires")] {
                if let Some(t) = edge
                    && from < t
                    && t <= until
                {
                    instants.insert(t, Some(format!("zone `{}` {verb} at {t}", z.id)));
                }
            }
        }
        instants.entry(until).or_insert(None);
    }
    let changes = instants.values().flatten().cloned().collect();
    (instants.into_keys().collect(), changes)
}

/// Zones the disc touches without lying wholly inside (at `at`).
/// True when the disc of radius `r` around `centre` lies wholly inside the zone (within its
/// radius, for point and line zones).
fn disc_inside(zone: &jic_agreement::Zone, centre: &Place, r: f64) -> bool {
    match &zone.geometry {
        Shape::Area(mp) => {
            let covers = zone.geometry.distance_m(centre) <= 0.0;
            let edge =
                mp.0.iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|ring| Shape::Line(ring.clone()).distance_m(centre))
                    .fold(f64::INFINITY, f64::min);
            covers && edge >= r
        }
        Shape::Point(_) | Shape::Line(_) => zone.geometry.distance_m(centre) + r <= zone.radius_m,
    }
}

/// True when every point of the uncertainty disc sees the same zones at every instant: each
/// zone that comes within the largest rule buffer of the disc contains it wholly. Then the
/// centre alone decides, and sampling the disc would only repeat it.
fn uniform_over_disc(
    agreement: &Agreement,
    report: &IncidentReport,
    instants: &[Timestamp],
) -> bool {
    let loc = &report.location;
    let r = loc.uncertainty_m;
    if r <= 0.0 {
        return true;
    }
    let centre = Place::Point(loc.coord());
    let disc = Place::Circle {
        center: loc.coord(),
        radius_m: r,
    };
    instants.iter().all(|&at| {
        agreement
            .zones_within(&disc, agreement.max_buffer_m(), Some(at))
            .into_iter()
            .all(|(zone, _)| disc_inside(zone, &centre, r))
    })
}

fn straddled_zones(agreement: &Agreement, report: &IncidentReport, at: Timestamp) -> Vec<String> {
    let loc = &report.location;
    let r = loc.uncertainty_m;
    if r <= 0.0 {
        return Vec::new();
    }
    let centre = Place::Point(loc.coord());
    let disc = Place::Circle {
        center: loc.coord(),
        radius_m: r,
    };
    let mut out = Vec::new();
    for (zone, d) in agreement.zones_within(&disc, 0.0, Some(at)) {
        if d > zone.radius_m {
            continue;
        }
        let inside = disc_inside(zone, &centre, r);
        if !inside {
            out.push(zone.id.clone());
        }
    }
    out
}

/// Classifies one incident report.
///
/// `timeline` gives the phase in force at each instant (from [`crate::phase::PhaseClock`]);
/// `context` what jic knows nearby (links, and the strike notices that settle
/// `requires_notice` rules).
///
/// ```
/// use jic_agreement::{Source, load};
/// use jic_compliance::{
///     AllegedActor, Category, Context, IncidentReport, Location, Missing, Occurrence, Outcome,
///     PhaseClock, classify,
/// };
/// let agreement = load(&[
///     Source { name: "agreement.toml", text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/syria-2016-09/agreement/agreement.toml")) },
///     Source { name: "zones.geojson", text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/syria-2016-09/agreement/zones.geojson")) },
/// ])?;
/// let when = "2016-09-19T16:15:00Z".parse()?;
/// let timeline = PhaseClock::compute(&agreement, &[], &Context::default(), when)?.timeline;
/// // The Urum al-Kubra warehouse, 19 Sept 2016 19:15 local, attacked from the air by someone.
/// let report = IncidentReport {
///     id: "urum".into(),
///     reporter: "jic_monitors".into(),
///     occurred: Occurrence::at(when),
///     location: Location { lat: 36.1516, lon: 36.9678, uncertainty_m: 300.0, name: None },
///     category: Category::AttackOnHumanitarian,
///     actor: AllegedActor::unknown(),
///     target: None,
///     casualties: Default::default(),
///     description: String::new(),
///     sources: vec![],
///     evidence: vec![],
///     external_id: None,
/// };
/// let c = classify(&agreement, &report, &timeline, &Context::default())?;
/// assert_eq!(c.outcome, Outcome::Violation);
/// assert_eq!(c.rules[0].rule, "no_attacks_on_humanitarian");
/// assert!(matches!(c.missing[0], Missing::ActorUnknown { .. })); // attribution stays open
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Agreement`] when the report names an id the agreement does not define or a
/// coordinate is not finite (validate reports first with [`IncidentReport::validate`]).
pub fn classify(
    agreement: &Agreement,
    report: &IncidentReport,
    timeline: &PhaseTimeline,
    context: &Context,
) -> Result<Classification, Error> {
    classify_sampled(agreement, report, timeline, context, false)
}

/// [`classify`], with `always_sample` forcing the full sampling of the disc (the reference the
/// shortcut is tested against).
fn classify_sampled(
    agreement: &Agreement,
    report: &IncidentReport,
    timeline: &PhaseTimeline,
    context: &Context,
    always_sample: bool,
) -> Result<Classification, Error> {
    let at0 = report.occurred.from;
    let phase0 = timeline.phase_at(at0).map(str::to_owned);
    let answerable = report.actor.answerable_party(agreement);
    let hum = &agreement.terms().humanitarian;
    let links = links::link(
        report,
        answerable.as_deref(),
        context,
        hum.site_buffer_m,
        hum.movement_buffer_m,
    );
    let centre_zones: Vec<String> = agreement
        .zones_within(&Place::Point(report.location.coord()), 0.0, Some(at0))
        .into_iter()
        .filter(|(z, d)| *d <= z.radius_m)
        .map(|(z, _)| z.id.clone())
        .collect();
    let base = Classification {
        incident: report.id.clone(),
        outcome: Outcome::Undetermined,
        actor: report.actor.clone(),
        answerable_party: answerable,
        rules: Vec::new(),
        phase: phase0,
        zones: centre_zones,
        missing: Vec::new(),
        links,
        reasons: Vec::new(),
    };
    let Some(kind) = report.category.action() else {
        return Ok(Classification {
            missing: vec![Missing::NoRuleForCategory],
            reasons: vec![
                "the category is `other`: no rule of the agreement classifies it; it is recorded and reviewed, not judged".to_owned(),
            ],
            ..base
        });
    };

    let cands = candidates(agreement, &report.actor);
    let (instants, changes) = sample_instants(agreement, report, timeline);
    let places = if !always_sample && uniform_over_disc(agreement, report, &instants) {
        vec![Place::Point(report.location.coord())]
    } else {
        sample_places(report)
    };
    let mut judged = Vec::new();
    for (ai, cand) in cands.iter().enumerate() {
        for (pi, place) in places.iter().enumerate() {
            for (ii, &at) in instants.iter().enumerate() {
                let targets: Vec<Option<String>> = match report.target.as_ref().and_then(|t| t.id())
                {
                    Some(t) => vec![Some(t.to_owned())],
                    None => {
                        let inferred = inferred_targets(agreement, place, at);
                        if inferred.is_empty() {
                            vec![None]
                        } else {
                            inferred.into_iter().map(Some).collect()
                        }
                    }
                };
                for target in targets {
                    let action = Action {
                        kind,
                        actor: cand.actor.clone(),
                        target: target.as_deref().map(|t| actor_ref_of(agreement, t)),
                        place: place.clone(),
                        at,
                        phase: timeline.phase_at(at).map(str::to_owned),
                    };
                    let eval = agreement.evaluate(&action)?;
                    let (violation, note) = settle(eval.verdict, eval.basis, cand, report, context);
                    judged.push(Judgement {
                        actor: ai,
                        place: pi,
                        instant: ii,
                        target: target.unwrap_or_else(|| "no one named".to_owned()),
                        violation,
                        rules: eval.deciding.iter().map(CitedRule::from).collect(),
                        note,
                        unagreed: eval.unagreed.iter().map(CitedRule::from).collect(),
                        zones: eval
                            .zones
                            .iter()
                            .filter(|z| z.status != ZoneStatus::Agreed)
                            .map(|z| format!("{} ({})", z.id, z.status))
                            .collect(),
                    });
                }
            }
        }
    }
    Ok(conclude(base, report, &cands, &judged, &changes, agreement))
}

/// Maps an evaluation to violation/permitted, settling notice and concurrence requirements
/// from the strike notices on record.
fn settle(
    verdict: Verdict,
    basis: Basis,
    cand: &Candidate,
    report: &IncidentReport,
    context: &Context,
) -> (bool, Option<String>) {
    let notices = cand
        .party
        .as_deref()
        .map(|p| links::notices_covering(context, p, report))
        .unwrap_or_default();
    match verdict {
        Verdict::Prohibited => (true, None),
        Verdict::Permitted => (
            false,
            (basis == Basis::Default)
                .then(|| "the agreement does not address it; its default verdict is `permitted`".to_owned()),
        ),
        Verdict::RequiresNotice => match notices.first() {
            Some(n) => (
                false,
                Some(format!(
                    "required prior notice; strike notice `{}` filed at {} covers it",
                    n.id, n.filed_at
                )),
            ),
            None => (
                true,
                Some("required prior notice; no strike notice of the actor's party covers this place and time".to_owned()),
            ),
        },
        Verdict::RequiresConcurrence => match notices.iter().find(|n| n.concurred == Some(true)) {
            Some(n) => (
                false,
                Some(format!(
                    "required concurrence; strike notice `{}` was concurred with",
                    n.id
                )),
            ),
            None => (
                true,
                Some(if notices.is_empty() {
                    "required concurrence; no strike notice of the actor's party covers this place and time".to_owned()
                } else {
                    "required concurrence; the covering strike notice was not concurred with".to_owned()
                }),
            ),
        },
    }
}

/// Resolved outcome of a set of judgements: `Some(true)` all violations, `Some(false)` all
/// permitted, `None` mixed.
fn resolve<'a>(js: impl Iterator<Item = &'a Judgement>) -> Option<Option<bool>> {
    let mut seen: Option<bool> = None;
    let mut any = false;
    for j in js {
        any = true;
        match seen {
            None => seen = Some(j.violation),
            Some(v) if v != j.violation => return Some(None),
            Some(_) => {}
        }
    }
    any.then_some(seen)
}

/// True when, holding `key` fixed, the resolved outcome over `dim` differs.
fn varies<K: Ord, D: Ord>(
    judged: &[Judgement],
    key: impl Fn(&Judgement) -> K,
    dim: impl Fn(&Judgement) -> D,
) -> bool {
    let mut groups: BTreeMap<K, BTreeMap<D, Vec<&Judgement>>> = BTreeMap::new();
    for j in judged {
        groups
            .entry(key(j))
            .or_default()
            .entry(dim(j))
            .or_default()
            .push(j);
    }
    groups.values().any(|by_dim| {
        let resolved: BTreeSet<Option<bool>> = by_dim
            .values()
            .filter_map(|js| resolve(js.iter().copied()))
            .collect();
        resolved.len() > 1
    })
}

fn conclude(
    mut out: Classification,
    report: &IncidentReport,
    cands: &[Candidate],
    judged: &[Judgement],
    changes: &[String],
    agreement: &Agreement,
) -> Classification {
    let Some(nominal) = judged.first() else {
        out.reasons.push("nothing could be evaluated".to_owned());
        return out;
    };
    // Rules that only a proposed or disputed line would bring in.
    let mut unagreed: BTreeMap<String, CitedRule> = BTreeMap::new();
    let mut contested: BTreeSet<String> = BTreeSet::new();
    for j in judged {
        for u in &j.unagreed {
            unagreed.entry(u.rule.clone()).or_insert_with(|| u.clone());
        }
        contested.extend(j.zones.iter().cloned());
    }
    let all_same = judged.iter().all(|j| j.violation == nominal.violation);
    let actor_label = report.actor.label();
    if all_same {
        out.outcome = if nominal.violation {
            Outcome::Violation
        } else {
            Outcome::Permitted
        };
        // Every rule that decided somewhere in the sampled unknowns, nominal ones first: when
        // the target is inferred, a strike may break one rule if it hit one group and another
        // if it hit the other, and the report should show both.
        out.rules.clone_from(&nominal.rules);
        for j in judged {
            for r in &j.rules {
                if !out.rules.iter().any(|x| x.rule == r.rule) {
                    out.rules.push(r.clone());
                }
            }
        }
        if out.rules.is_empty() {
            out.reasons.push(format!(
                "{} by {actor_label}: no rule of the agreement addresses it here and now",
                report.category
            ));
        }
        for r in &out.rules {
            out.reasons.push(format!(
                "rule `{}` ({}) — {}: \"{}\"",
                r.rule, r.clause, r.verdict, r.text
            ));
        }
        if let Some(n) = &nominal.note {
            out.reasons.push(n.clone());
        }
        if out.outcome == Outcome::Violation && matches!(report.actor, AllegedActor::Unknown { .. })
        {
            out.reasons.push(
                "a violation whoever the actor was; attribution is open (actor unknown)".to_owned(),
            );
            out.missing.push(Missing::ActorUnknown {
                violation_if: cands.iter().map(|c| c.label.clone()).collect(),
                permitted_if: Vec::new(),
            });
        }
        if cands.len() == 1 && nominal.target != "no one named" && report.target.is_none() {
            out.reasons.push(format!(
                "target inferred from the delineation map: {}",
                nominal.target
            ));
        }
    } else {
        out.outcome = Outcome::Undetermined;
        // Actor: fixed place, instant and target, varying actor.
        if cands.len() > 1
            && varies(
                judged,
                |j| (j.place, j.instant, j.target.clone()),
                |j| j.actor,
            )
        {
            let mut violation_if = Vec::new();
            let mut permitted_if = Vec::new();
            for (ai, c) in cands.iter().enumerate() {
                match resolve(judged.iter().filter(|j| j.actor == ai)) {
                    Some(Some(true)) => violation_if.push(c.label.clone()),
                    Some(Some(false)) => permitted_if.push(c.label.clone()),
                    _ => {}
                }
            }
            out.reasons.push(format!(
                "the actor is unknown and the answer depends on who it was (a violation if {}; permitted if {})",
                list_or_none(&violation_if),
                list_or_none(&permitted_if)
            ));
            out.missing.push(Missing::ActorUnknown {
                violation_if,
                permitted_if,
            });
        }
        if varies(
            judged,
            |j| (j.actor, j.place, j.instant),
            |j| j.target.clone(),
        ) {
            let candidates: BTreeSet<String> = judged.iter().map(|j| j.target.clone()).collect();
            let candidates: Vec<String> = candidates.into_iter().collect();
            out.reasons.push(format!(
                "the target is not reported and the agreement places several there ({}); the answer depends on which was hit",
                candidates.join(", ")
            ));
            out.missing.push(Missing::TargetUnknown { candidates });
        }
        if varies(judged, |j| (j.actor, j.instant), |j| j.place) {
            let zones = straddled_zones(agreement, report, report.occurred.from);
            out.reasons.push(format!(
                "the location is known to within {:.0} m and that disc straddles {}: the answer differs across it",
                report.location.uncertainty_m,
                if zones.is_empty() {
                    "a rule's buffer".to_owned()
                } else {
                    format!("zone(s) {}", zones.join(", "))
                }
            ));
            out.missing.push(Missing::LocationStraddles {
                radius_m: report.location.uncertainty_m,
                zones,
            });
        }
        if varies(judged, |j| (j.actor, j.place), |j| j.instant) {
            out.reasons.push(format!(
                "the time window {}–{} straddles a change: {}",
                report.occurred.from,
                report.occurred.end(),
                changes.join("; ")
            ));
            out.missing.push(Missing::TimeStraddles {
                from: report.occurred.from,
                until: report.occurred.end(),
                changes: changes.to_vec(),
            });
        }
        let violating: BTreeSet<&str> = judged
            .iter()
            .filter(|j| j.violation)
            .flat_map(|j| j.rules.iter().map(|r| r.rule.as_str()))
            .collect();
        if !violating.is_empty() {
            out.reasons.push(format!(
                "rules that would make it a violation: {}",
                violating.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for u in unagreed.values() {
        out.reasons.push(format!(
            "rule `{}` would apply, but only through a zone whose line is not agreed ({}); it does not decide",
            u.rule,
            if contested.is_empty() {
                u.zones.join(", ")
            } else {
                contested.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        ));
    }
    out
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test fixtures")]

    use proptest::prelude::*;

    use super::*;
    use crate::incident::{Casualties, Category, Location, Occurrence};

    fn fixture() -> Agreement {
        jic_agreement::load(&[
            jic_agreement::Source {
                name: "agreement.toml",
                text: include_str!("../tests/fixtures/agreement.toml"),
            },
            jic_agreement::Source {
                name: "zones.geojson",
                text: include_str!("../tests/fixtures/zones.geojson"),
            },
        ])
        .unwrap()
    }

    fn key(c: &Classification) -> (Outcome, Vec<String>) {
        (
            c.outcome,
            c.missing
                .iter()
                .map(|m| format!("{:?}", std::mem::discriminant(m)))
                .collect(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Sampling only the centre when the disc lies wholly inside every zone within reach
        /// gives the answer the full sampling gives.
        #[test]
        fn centre_shortcut_agrees_with_full_sampling(
            lat in 9.7f64..13.3,
            lon in 9.7f64..15.3,
            r in prop_oneof![Just(0.0f64), 10.0f64..3_000.0, 3_000.0f64..30_000.0],
            sponsor in any::<bool>(),
            airstrike in any::<bool>(),
        ) {
            let a = fixture();
            let timeline = crate::phase::PhaseClock::compute(&a, &[], &Context::default(), "2020-01-02T00:00:00+03:00".parse().unwrap()).unwrap().timeline;
            let report = IncidentReport {
                id: "p".into(),
                reporter: "mon".into(),
                occurred: Occurrence::at("2020-01-01T12:00:00+03:00".parse().unwrap()),
                location: Location { lat, lon, uncertainty_m: r, name: None },
                category: if airstrike { Category::Airstrike } else { Category::Shelling },
                actor: if sponsor { AllegedActor::Party { id: "a".into() } } else { AllegedActor::Group { id: "gov_army".into() } },
                target: sponsor.then(|| AllegedActor::Group { id: "isil".into() }),
                casualties: Casualties::default(),
                description: String::new(),
                sources: vec![],
                evidence: vec![],
                external_id: None,
            };
            let ctx = Context::default();
            let fast = classify_sampled(&a, &report, &timeline, &ctx, false).unwrap();
            let full = classify_sampled(&a, &report, &timeline, &ctx, true).unwrap();
            prop_assert_eq!(key(&fast), key(&full));
        }
    }
}
