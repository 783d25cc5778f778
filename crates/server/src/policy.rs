//! Need-to-know: which submission kinds are restricted and who may read their plaintext.
//!
//! Defaults: every kind whose handler says so (flight plans; later strike areas, site and
//! movement coordinates, sealed-site checks) is restricted; its plaintext is readable by the
//! submitter and by the roles listed here (for flight plans: the JIC duty officer). The
//! agreement's disclosure section can add restricted kinds and readers; it cannot make a kind
//! public that the server restricts by default.

use std::collections::{BTreeMap, BTreeSet};

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
