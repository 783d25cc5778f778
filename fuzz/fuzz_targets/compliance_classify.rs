//! Fuzzes incident payloads end to end: any JSON that deserializes as an incident report and
//! validates against the September 2016 agreement is classified (every unknown sampled, links
//! computed) without a panic, and the answer explains itself.
#![no_main]

use std::sync::OnceLock;

use jic_agreement::{Agreement, Source};
use jic_compliance::{Context, IncidentReport, PhaseClock, PhaseTimeline, classify};
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (Agreement, PhaseTimeline) {
    static SETUP: OnceLock<(Agreement, PhaseTimeline)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let agreement = jic_agreement::load(&[
            Source {
                name: "agreement.toml",
                text: include_str!("../../scenarios/syria-2016-09/agreement/agreement.toml"),
            },
            Source {
                name: "zones.geojson",
                text: include_str!("../../scenarios/syria-2016-09/agreement/zones.geojson"),
            },
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let as_of = "2016-09-20T00:00:00Z".parse().unwrap_or_else(|e| panic!("{e}"));
        let timeline = PhaseClock::compute(&agreement, &[], &Context::default(), as_of)
            .unwrap_or_else(|e| panic!("{e}"))
            .timeline;
        (agreement, timeline)
    })
}

fuzz_target!(|data: &[u8]| {
    let (agreement, timeline) = setup();
    let Ok(report) = serde_json::from_slice::<IncidentReport>(data) else {
        return;
    };
    if report.validate(Some(agreement)).is_err() {
        return;
    }
    let c = classify(agreement, &report, timeline, &Context::default())
        .unwrap_or_else(|e| panic!("a valid report must classify: {e}"));
    assert!(!c.reasons.is_empty());
});
