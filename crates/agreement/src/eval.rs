//! Rule evaluation: is this action permitted, and by which terms?
//!
//! # Matching
//! A rule matches an [`Action`] when all of these hold:
//! - the action's kind is one of the rule's `actions`;
//! - the phase in force (an input: the phase clock lives elsewhere) is one of the rule's
//!   `phases`, or the rule lists none. With no phase in force only phase-free rules match;
//! - the actor matches the rule's `actor` selector and the target its `target` selector
//!   (a selector that constrains nothing matches anyone, including "no target"). A group
//!   matches a `parties` list through its answerable party; a party's own forces count as
//!   `covered`;
//! - for a zonal rule (one with `zone_kinds`, `zones` or a `zone_controller`), the place lies
//!   within `buffer_m` (plus the zone's own `radius_m` for point and line zones) of a zone of
//!   one of those kinds (and one of those named zones), whose controller matches, that is valid at the action's instant, **and whose
//!   status is `agreed`**. A rule that would match only through `proposed` or `disputed` zones
//!   does not decide; it is reported in [`Evaluation::unagreed`] so a reviewer sees the
//!   contested line.
//!
//! # Precedence
//! 1. **Most specific wins**: the deciding rules are those constraining the most of the four
//!    dimensions actor, target, zone and phase ([`Rule::specificity`]).
//! 2. **Ties go to the more restrictive verdict**: prohibited > requires_concurrence >
//!    requires_notice > permitted. Every tied rule with that verdict is cited.
//! 3. **No matching rule**: the agreement's `default_verdict` (permitted unless the package
//!    says otherwise), with [`Basis::Default`] so callers can tell "allowed by a rule" from
//!    "not addressed".
//!
//! Evaluation is deterministic and total: it never panics, and unknown ids or non-finite
//! coordinates are reported as errors rather than guessed at.

use jic_geo::Place;
use jiff::Timestamp;

use crate::model::{ActionKind, Designation, Rule, Selector, Verdict, ZoneKind, ZoneStatus};
use crate::{Agreement, Error};

/// Who acts or is targeted: a party, a group, or both (a group's party is inferred from its
/// answerable party when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorRef {
    /// Party id.
    pub party: Option<String>,
    /// Group id.
    pub group: Option<String>,
}

impl ActorRef {
    /// A party acting with its own forces.
    pub fn party(id: impl Into<String>) -> Self {
        Self {
            party: Some(id.into()),
            group: None,
        }
    }

    /// A group.
    pub fn group(id: impl Into<String>) -> Self {
        Self {
            party: None,
            group: Some(id.into()),
        }
    }
}

/// Something a party does or is alleged to have done.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// What kind of action.
    pub kind: ActionKind,
    /// Who acts.
    pub actor: ActorRef,
    /// Whom it is aimed at, if anyone.
    pub target: Option<ActorRef>,
    /// Where.
    pub place: Place,
    /// When (zone validity windows are checked against it).
    pub at: Timestamp,
    /// The phase in force at `at`, from the phase clock (`None` before any phase).
    pub phase: Option<String>,
}

/// A rule cited in an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    /// Rule id.
    pub rule: String,
    /// Clause reference.
    pub clause: String,
    /// Clause text.
    pub text: String,
    /// The rule's verdict.
    pub verdict: Verdict,
    /// Its specificity (0–4).
    pub specificity: u8,
    /// Zones through which it applied (sorted; empty for non-zonal rules).
    pub zones: Vec<String>,
}

/// A zone the place touches (within the zone's own radius).
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneInvolved {
    /// Zone id.
    pub id: String,
    /// Kind.
    pub kind: ZoneKind,
    /// Status.
    pub status: ZoneStatus,
    /// True when its geometry is an estimate.
    pub approximate: bool,
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// One or more rules decided.
    Rules,
    /// No rule matched; the agreement's default verdict applies.
    Default,
}

/// The answer for one action.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The verdict.
    pub verdict: Verdict,
    /// Rules or default.
    pub basis: Basis,
    /// The rules that decided (same specificity and verdict), sorted by id.
    pub deciding: Vec<Citation>,
    /// Other matching rules, overridden by precedence (most specific first).
    pub overridden: Vec<Citation>,
    /// Rules that would match only through proposed or disputed zones.
    pub unagreed: Vec<Citation>,
    /// Zones valid at the instant that the place touches, sorted by id.
    pub zones: Vec<ZoneInvolved>,
}

impl Agreement {
    /// Evaluates an action against the rules. See the module documentation for matching and
    /// precedence.
    ///
    /// # Errors
    /// [`Error::UnknownId`] when the action names a party, group or phase the agreement does
    /// not define; [`Error::InvalidPlace`] when a coordinate is not finite.
    pub fn evaluate(&self, action: &Action) -> Result<Evaluation, Error> {
        self.check_actor(&action.actor)?;
        if let Some(target) = &action.target {
            self.check_actor(target)?;
        }
        if let Some(phase) = &action.phase
            && self.phase(phase).is_none()
        {
            return Err(Error::UnknownId {
                what: "phase",
                id: phase.clone(),
            });
        }
        if !action.place.is_finite() {
            return Err(Error::InvalidPlace);
        }
        let zones = self.zones_within(&action.place, self.max_buffer_m(), Some(action.at));
        let mut involved: Vec<ZoneInvolved> = zones
            .iter()
            .filter(|(z, d)| *d <= z.radius_m)
            .map(|(z, _)| ZoneInvolved {
                id: z.id.clone(),
                kind: z.kind,
                status: z.status,
                approximate: z.approximate,
            })
            .collect();
        involved.sort_by(|a, b| a.id.cmp(&b.id));

        let mut matched = Vec::new();
        let mut unagreed = Vec::new();
        for rule in &self.terms().rules {
            if !rule.actions.contains(&action.kind)
                || !phase_matches(rule, action.phase.as_deref())
                || !self.selector_matches(&rule.actor, Some(&action.actor))
                || !self.selector_matches(&rule.target, action.target.as_ref())
            {
                continue;
            }
            if !rule.is_zonal() {
                matched.push(citation(rule, Vec::new()));
                continue;
            }
            let mut agreed = Vec::new();
            let mut other = Vec::new();
            for (zone, d) in &zones {
                let kind_ok = (rule.zone_kinds.is_empty() || rule.zone_kinds.contains(&zone.kind))
                    && (rule.zones.is_empty() || rule.zones.contains(&zone.id));
                let reach_ok = *d <= rule.buffer_m + zone.radius_m;
                let controller = zone.controller.as_deref().map(|c| self.actor_of(c));
                if kind_ok
                    && reach_ok
                    && self.selector_matches(&rule.zone_controller, controller.as_ref())
                {
                    if zone.status == ZoneStatus::Agreed {
                        &mut agreed
                    } else {
                        &mut other
                    }
                    .push(zone.id.clone());
                }
            }
            agreed.sort();
            other.sort();
            if !agreed.is_empty() {
                matched.push(citation(rule, agreed));
            } else if !other.is_empty() {
                unagreed.push(citation(rule, other));
            }
        }
        // Most specific first, then most restrictive, then by id for a stable order.
        matched.sort_by(|a, b| {
            b.specificity
                .cmp(&a.specificity)
                .then(b.verdict.cmp(&a.verdict))
                .then(a.rule.cmp(&b.rule))
        });
        let Some(top) = matched.first().map(|c| (c.specificity, c.verdict)) else {
            return Ok(Evaluation {
                verdict: self.terms().meta.default_verdict,
                basis: Basis::Default,
                deciding: Vec::new(),
                overridden: Vec::new(),
                unagreed,
                zones: involved,
            });
        };
        let (deciding, overridden): (Vec<_>, Vec<_>) = matched
            .into_iter()
            .partition(|c| (c.specificity, c.verdict) == top);
        Ok(Evaluation {
            verdict: top.1,
            basis: Basis::Rules,
            deciding,
            overridden,
            unagreed,
            zones: involved,
        })
    }

    fn check_actor(&self, who: &ActorRef) -> Result<(), Error> {
        if let Some(p) = &who.party
            && self.party(p).is_none()
        {
            return Err(Error::UnknownId {
                what: "party",
                id: p.clone(),
            });
        }
        if let Some(g) = &who.group
            && self.group(g).is_none()
        {
            return Err(Error::UnknownId {
                what: "group",
                id: g.clone(),
            });
        }
        Ok(())
    }

    /// The actor a zone controller id stands for (a party or a group).
    fn actor_of(&self, id: &str) -> ActorRef {
        if self.group(id).is_some() {
            ActorRef::group(id)
        } else {
            ActorRef::party(id)
        }
    }

    /// True when `who` satisfies the selector (see the module documentation). `None` (no
    /// target, no controller) satisfies only a selector that constrains nothing.
    pub fn selector_matches(&self, selector: &Selector, who: Option<&ActorRef>) -> bool {
        if selector.is_any() {
            return true;
        }
        let Some(who) = who else { return false };
        let group = who.group.as_deref().and_then(|g| self.group(g));
        let party = who
            .party
            .as_deref()
            .or_else(|| group.and_then(|g| g.answerable.as_deref()));
        if !selector.parties.is_empty()
            && !party.is_some_and(|p| selector.parties.iter().any(|x| x == p))
        {
            return false;
        }
        if !selector.groups.is_empty()
            && !who
                .group
                .as_deref()
                .is_some_and(|g| selector.groups.iter().any(|x| x == g))
        {
            return false;
        }
        if let Some(wanted) = selector.designation {
            let actual = match (group, &who.group) {
                (Some(g), _) => Some(g.designation),
                (None, Some(_)) => None,
                // A party's own forces are party to the truce.
                (None, None) => party
                    .and_then(|p| self.party(p))
                    .map(|_| Designation::Covered),
            };
            if actual != Some(wanted) {
                return false;
            }
        }
        true
    }
}

fn phase_matches(rule: &Rule, phase: Option<&str>) -> bool {
    rule.phases.is_empty() || phase.is_some_and(|p| rule.phases.iter().any(|x| x == p))
}

fn citation(rule: &Rule, zones: Vec<String>) -> Citation {
    Citation {
        rule: rule.id.clone(),
        clause: rule.clause.clone(),
        text: rule.text.clone(),
        verdict: rule.verdict,
        specificity: rule.specificity(),
        zones,
    }
}
