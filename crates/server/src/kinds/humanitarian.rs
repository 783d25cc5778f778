//! Humanitarian notification kinds (DESIGN §3.6): sites, movements, amendments, withdrawals,
//! signed receipts, and checks against sealed sites. The engine is in `protect`.
//!
//! Payloads are documented in `jic_protect::wire`. Sites, movements, amendments and sealed
//! checks are restricted by default (their coordinates never enter the log in the clear);
//! withdrawals and receipts are public.

use std::sync::Arc;

use jic_protect::wire::kind;
use jic_store::roster::Role;

use super::protect::{Engine, ProtectKind};
use crate::submit::KindRegistry;

const HUMANITARIAN: &[Role] = &[Role::Humanitarian];
const PARTY: &[Role] = &[Role::Party];

/// Registers the humanitarian kinds on `engine`.
pub fn register(registry: &mut KindRegistry, engine: &Arc<Engine>) {
    for (k, roles, restricted) in [
        (kind::SITE, HUMANITARIAN, true),
        (kind::MOVEMENT, HUMANITARIAN, true),
        (kind::AMEND, HUMANITARIAN, true),
        (kind::WITHDRAW, HUMANITARIAN, false),
        (kind::ACK, PARTY, false),
        (kind::SEALED_CHECK, PARTY, true),
    ] {
        registry.register(ProtectKind::new(k, roles, restricted, engine.clone()));
    }
}
