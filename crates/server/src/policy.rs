//! Need-to-know: which submission kinds are restricted and who may read their plaintext.
//!
//! Defaults: every kind whose handler says so (flight plans, strike notices, site and movement
//! coordinates, sealed-site checks) is restricted; its plaintext is readable by the submitter
//! and, for air operations, by the JIC duty officer (who deconflicts them).
//!
//! The agreement in force decides the rest ([`DisclosurePolicy::from_agreement`]): its
//! `[disclosure]` section names restricted kinds in its own vocabulary (`flight_plan`,
//! `strike_notice`, `humanitarian_site`, `humanitarian_movement`, `sealed_site_check`) with the
//! roles entitled to their plaintext. Each maps onto the server kinds that carry that payload
//! ([`AGREEMENT_KINDS`]); agreement roles map onto roster roles (`sponsor` → party cell,
//! `monitor`, `humanitarian`, `witness`; `belligerent` has no roster role and grants nothing).
//! Where the agreement says nothing about a kind, the defaults apply. The agreement can add
//! restricted kinds and readers; it cannot make a kind public that the server restricts by
//! default — a floor, so a mis-drafted agreement never puts coordinates into the log in the
//! clear.

use std::collections::{BTreeMap, BTreeSet};

use jic_agreement::{Disclosure, Role as AgreementRole, SubmissionKind};
use jic_store::roster::Role;

use crate::auth::Principal;
use crate::submit::KindRegistry;

/// The disclosure policy in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisclosurePolicy {
    restricted: BTreeSet<String>,
    readers: BTreeMap<String, BTreeSet<Role>>,
}

impl DisclosurePolicy {
    /// The defaults for the kinds in `registry`.
    pub fn defaults(registry: &KindRegistry) -> Self {
        let mut policy = Self::default();
        for handler in registry.kinds() {
            if handler.restricted_by_default() {
                policy.restricted.insert(handler.kind().to_owned());
                if handler.kind().starts_with("air_operation.") {
                    policy.add_reader(handler.kind(), Role::DutyOfficer);
                }
            }
        }
        policy
    }

    /// The defaults for `registry` with the agreement's disclosure section applied on top: a
    /// server kind carrying an agreement kind that the agreement restricts is restricted, and
    /// a role may read it when the agreement lets that role read every restricted agreement
    /// kind it carries (e.g. `humanitarian.amend` carries a site or a movement).
    pub fn from_agreement(registry: &KindRegistry, disclosure: &Disclosure) -> Self {
        let mut policy = Self::defaults(registry);
        for handler in registry.kinds() {
            let kind = handler.kind();
            let carried: Vec<SubmissionKind> = AGREEMENT_KINDS
                .iter()
                .filter(|(_, server)| server.contains(&kind))
                .map(|(a, _)| *a)
                .filter(|a| disclosure.is_restricted(*a))
                .collect();
            if carried.is_empty() {
                continue;
            }
            policy.restrict(kind);
            for role in Role::ALL {
                let Some(as_agreement) = agreement_role(role) else {
                    continue;
                };
                if carried
                    .iter()
                    .all(|a| disclosure.may_read(*a, as_agreement))
                {
                    policy.add_reader(kind, role);
                }
            }
        }
        policy
    }

    /// Restricts a kind (agreement policy).
    pub fn restrict(&mut self, kind: &str) {
        self.restricted.insert(kind.to_owned());
    }

    /// Entitles a role to read a restricted kind's plaintext (agreement policy).
    pub fn add_reader(&mut self, kind: &str, role: Role) {
        self.readers
            .entry(kind.to_owned())
            .or_default()
            .insert(role);
    }

    /// The roles entitled to read a restricted kind's plaintext besides its submitter.
    pub fn readers(&self, kind: &str) -> Vec<Role> {
        self.readers
            .get(kind)
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Whether the kind must be submitted as a commitment.
    pub fn is_restricted(&self, kind: &str) -> bool {
        self.restricted.contains(kind)
    }

    /// Whether `reader` may read the plaintext of a submission of `kind` by `submitter`.
    pub fn may_read(&self, reader: &Principal, kind: &str, submitter: &str) -> bool {
        if !self.is_restricted(kind) || reader.is_member(submitter) {
            return true;
        }
        self.readers
            .get(kind)
            .is_some_and(|roles| roles.contains(&reader.role))
    }
}

/// Each agreement submission kind and the server kinds whose payload carries it.
pub const AGREEMENT_KINDS: &[(SubmissionKind, &[&str])] = &[
    (
        SubmissionKind::FlightPlan,
        &[
            "air_operation.file",
            "air_operation.amend",
            "air_operation.cancel",
        ],
    ),
    (
        SubmissionKind::StrikeNotice,
        &["strike.notice", "strike.amend"],
    ),
    (
        SubmissionKind::HumanitarianSite,
        &["humanitarian.site", "humanitarian.amend"],
    ),
    (
        SubmissionKind::HumanitarianMovement,
        &["humanitarian.movement", "humanitarian.amend"],
    ),
    (
        SubmissionKind::SealedSiteCheck,
        &["humanitarian.sealed_check"],
    ),
];

/// The agreement role a roster role answers to; the duty officer is the JIC's own staff, not
/// a signatory role, so the agreement cannot name it.
fn agreement_role(role: Role) -> Option<AgreementRole> {
    match role {
        Role::Party => Some(AgreementRole::Sponsor),
        Role::Monitor => Some(AgreementRole::Monitor),
        Role::Humanitarian => Some(AgreementRole::Humanitarian),
        Role::Witness => Some(AgreementRole::Witness),
        Role::DutyOfficer => None,
    }
}

#[cfg(test)]
mod tests {
    use jic_agreement::{Disclosure, RestrictedKind, Role as AgreementRole, SubmissionKind};
    use jic_store::roster::Role;

    use super::DisclosurePolicy;
    use crate::kinds::default_registry;

    fn with(restricted: Vec<(SubmissionKind, Vec<AgreementRole>)>) -> DisclosurePolicy {
        let disclosure = Disclosure {
            restricted: restricted
                .into_iter()
                .map(|(kind, readers)| RestrictedKind { kind, readers })
                .collect(),
        };
        DisclosurePolicy::from_agreement(&default_registry(), &disclosure)
    }

    #[test]
    fn agreement_readers_map_onto_roster_roles_over_the_defaults() {
        let p = with(vec![
            (
                SubmissionKind::StrikeNotice,
                vec![AgreementRole::Sponsor, AgreementRole::Belligerent],
            ),
            (
                SubmissionKind::HumanitarianSite,
                vec![AgreementRole::Monitor],
            ),
            (
                SubmissionKind::HumanitarianMovement,
                vec![AgreementRole::Monitor, AgreementRole::Witness],
            ),
        ]);
        // Sponsors are the party cells; belligerents have no roster role.
        assert_eq!(p.readers("strike.notice"), vec![Role::Party]);
        assert_eq!(p.readers("strike.amend"), vec![Role::Party]);
        // An amendment carries a site or a movement: only readers of both.
        assert_eq!(p.readers("humanitarian.amend"), vec![Role::Monitor]);
        assert_eq!(
            p.readers("humanitarian.movement"),
            vec![Role::Monitor, Role::Witness]
        );
        // Kinds the agreement says nothing about keep the defaults.
        assert_eq!(p.readers("air_operation.file"), vec![Role::DutyOfficer]);
        assert!(p.is_restricted("air_operation.file"));
    }

    #[test]
    fn an_agreement_restricting_nothing_cannot_make_default_restricted_kinds_public() {
        let p = with(vec![]);
        assert_eq!(p, DisclosurePolicy::defaults(&default_registry()));
        for kind in ["air_operation.file", "strike.notice", "humanitarian.site"] {
            assert!(p.is_restricted(kind), "{kind}");
        }
        assert!(!p.is_restricted("alert.ack"));
    }
}
