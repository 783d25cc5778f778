//! Fuzzes the plan and volume GeoJSON parsers and, on what they accept, checks that the plan
//! probe equals its all-pairs reference and that volume crossings are well-formed.
//!
//! `cargo +nightly fuzz run deconflict_plans_geojson -- -max_total_time=60`
#![no_main]

use jic_deconflict::plan::{PlanMinima, plan_conflicts, plan_conflicts_all_pairs};
use jic_deconflict::plans_geojson::{parse_plans, parse_volumes};
use jic_deconflict::volume::plan_volume_crossings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The same document is read both ways: a fuzzer finds both shapes from the seeds.
    let plans = parse_plans(text).map(|p| p.plans).unwrap_or_default();
    let volumes = parse_volumes(text).map(|v| v.volumes).unwrap_or_default();
    if plans.len() > 32 || plans.iter().map(|p| p.waypoints.len()).sum::<usize>() > 400 {
        return;
    }
    let minima = PlanMinima::default();
    let fast = plan_conflicts(&plans, &minima).expect("parsed plans are valid");
    let reference = plan_conflicts_all_pairs(&plans, &minima).expect("parsed plans are valid");
    assert_eq!(fast, reference);
    for c in &fast {
        assert!(c.first < c.second && c.first_loss_s <= c.last_loss_end_s, "{c:?}");
    }
    for x in plan_volume_crossings(&plans, &volumes).expect("parsed input is valid") {
        assert!(x.entry_s <= x.exit_s && x.entry_leg <= x.exit_leg, "{x:?}");
    }
});
