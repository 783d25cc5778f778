//! Strike pre-notification and joint review kinds (DESIGN §3.7): notices (restricted: the
//! strike area is need-to-know), their amendment (restricted likewise) and withdrawal by the
//! filer, concurrence or objection, stop requests and their acknowledgment. The engine is in `protect`; the checks in `jic_protect::strike`.

use std::sync::Arc;

use jic_protect::wire::kind;
use jic_store::roster::Role;

use super::protect::{Engine, ProtectKind};
use crate::submit::KindRegistry;

const PARTY: &[Role] = &[Role::Party];

/// Registers the strike kinds on `engine`.
pub fn register(registry: &mut KindRegistry, engine: &Arc<Engine>) {
    for (k, restricted) in [
        (kind::STRIKE_NOTICE, true),
        (kind::STRIKE_REVIEW, false),
        (kind::STRIKE_STOP, false),
        (kind::STRIKE_STOP_ACK, false),
        // An amendment carries the whole notice again, area included: restricted likewise.
        (kind::STRIKE_AMEND, true),
        (kind::STRIKE_WITHDRAW, false),
    ] {
        registry.register(ProtectKind::new(k, PARTY, restricted, engine.clone()));
    }
}
