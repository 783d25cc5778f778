//! Fuzzes the humanitarian and strike payload parsers and the strike check: arbitrary bytes as
//! the JSON payload of every protect kind must convert to an entry or a clear error, never a
//! panic; a strike notice that parses is evaluated against a small synthetic theatre, and a
//! situation file that parses is converted.
//!
//! `cargo +nightly fuzz run protect_wire -- -max_total_time=60`.
#![no_main]

use std::sync::OnceLock;

use jic_protect::strike::{StrikeContext, StrikeParams, evaluate};
use jic_protect::synthetic::{self, Seeded};
use jic_protect::wire::{self, SituationJson, kind};
use jic_protect::{SiteIndex, journal::Entry};
use libfuzzer_sys::fuzz_target;

const KINDS: &[&str] = &[
    kind::SITE,
    kind::MOVEMENT,
    kind::AMEND,
    kind::WITHDRAW,
    kind::ACK,
    kind::SEALED_CHECK,
    kind::STRIKE_NOTICE,
    kind::STRIKE_AMEND,
    kind::STRIKE_WITHDRAW,
    kind::STRIKE_REVIEW,
    kind::STRIKE_STOP,
    kind::STRIKE_STOP_ACK,
    kind::SUSPEND,
    kind::RESUME,
];

fn theatre() -> &'static (jic_agreement::Agreement, SiteIndex) {
    static THEATRE: OnceLock<(jic_agreement::Agreement, SiteIndex)> = OnceLock::new();
    THEATRE.get_or_init(|| {
        let agreement = synthetic::agreement(16).expect("synthetic agreement loads");
        let sites = synthetic::sites(500, &mut Seeded::new(7));
        (agreement, sites)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for k in KINDS {
        if let Ok(Some(Entry::StrikeNotice(notice))) = wire::entry(k, "us", &payload) {
            let (agreement, sites) = theatre();
            let _ = evaluate(
                &notice,
                &StrikeContext {
                    agreement,
                    phase: Some("jic"),
                    sites,
                    notifications: &[],
                    air_operations: &[],
                    params: StrikeParams::default(),
                },
            );
        }
    }
    if let Ok(s) = serde_json::from_value::<SituationJson>(payload) {
        let _ = s.to_situation();
    }
});
