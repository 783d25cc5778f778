//! Fuzzes the track-state CSV parser and, on what it accepts, checks the production detector
//! against the all-pairs reference: parsing never panics, every reported line exists, ids are
//! unique, and both detectors return the same conflicts.
//!
//! `cargo +nightly fuzz run deconflict_states_csv -- -max_total_time=60`
#![no_main]

use jic_deconflict::grid::detect;
use jic_deconflict::states_csv::{conflict_rows, format_conflicts, parse_states};
use jic_deconflict::track::{Minima, MinimaSet, TrackState, detect_all_pairs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(parsed) = parse_states(text) else { return };
    let lines = text.split('\n').count();
    for e in &parsed.errors {
        assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
    }
    let mut ids: Vec<&str> = parsed.rows.iter().map(|r| r.id.as_str()).collect();
    let states: Vec<TrackState> = parsed.rows.iter().map(|r| r.state).collect();
    // Keep the quadratic reference cheap.
    if states.len() > 200 {
        return;
    }
    let minima = MinimaSet::Uniform(Minima::default());
    let fast = detect(&states, &minima).expect("parsed states are valid");
    let reference = detect_all_pairs(&states, &minima).expect("parsed states are valid");
    assert_eq!(fast, reference);
    let out = format_conflicts(&conflict_rows(&ids, &fast));
    assert_eq!(out.lines().count(), fast.len() + 1);
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "duplicate ids accepted");
});
