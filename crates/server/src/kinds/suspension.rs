//! Suspension and resumption of the implementation plane (DESIGN §2, as on 3 Oct 2016): a
//! sponsor's signed, logged decision after which strike notices and reviews answer
//! `409 suspended` while deconfliction, humanitarian notification and incidents continue.

use std::sync::Arc;

use jic_protect::wire::kind;
use jic_store::roster::Role;

use super::protect::{Engine, ProtectKind};
use crate::submit::KindRegistry;

const PARTY: &[Role] = &[Role::Party];

/// Registers `implementation.suspend` and `implementation.resume` on `engine`.
pub fn register(registry: &mut KindRegistry, engine: &Arc<Engine>) {
    for k in [kind::SUSPEND, kind::RESUME] {
        registry.register(ProtectKind::new(k, PARTY, false, engine.clone()));
    }
}
