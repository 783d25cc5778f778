//! The submission kinds this server accepts, one module per family. Later issues add modules
//! here and register their handlers in [`default_registry`]; the submit path does not change.

pub mod agreement;
pub mod air_ops;
pub mod alerts;
pub mod humanitarian;
pub mod incidents;
pub mod protect;
pub mod roster;
pub mod strike;
pub mod suspension;
pub mod tracks;

use crate::submit::KindRegistry;

/// Every kind built into this server.
pub fn default_registry() -> KindRegistry {
    let mut registry = KindRegistry::default();
    registry
        .register(air_ops::FileAirOperation)
        .register(air_ops::AmendAirOperation)
        .register(air_ops::CancelAirOperation)
        .register(alerts::AckAlertKind)
        .register(agreement::ProposeAgreementKind)
        .register(agreement::CountersignAgreementKind)
        .register(roster::AddKey)
        .register(roster::RevokeKey)
        .register(tracks::TrackBatchKind);
    let protect = std::sync::Arc::new(protect::Engine::default());
    humanitarian::register(&mut registry, &protect);
    strike::register(&mut registry, &protect);
    suspension::register(&mut registry, &protect);
    incidents::register(&mut registry);
    registry
}
