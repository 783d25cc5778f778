//! Conflict detection benchmarks: the production track detector against the all-pairs
//! reference on seeded theatre and world-wide traffic, and the 4D plan probe.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use jic_deconflict::grid::{Detector, detect};
use jic_deconflict::plan::{PlanMinima, plan_conflicts};
use jic_deconflict::track::{Minima, MinimaSet, detect_all_pairs};
use jic_sim::traffic::{TrafficMode, flight_plans, track_states};
use std::hint::black_box;

fn tracks(c: &mut Criterion) {
    let minima = MinimaSet::Uniform(Minima::default());
    let mut group = c.benchmark_group("tracks");
    group.sample_size(20);
    for (mode, n, name) in [
        (TrafficMode::Theatre, 1_000, "theatre_1k"),
        (TrafficMode::Theatre, 10_000, "theatre_10k"),
        (TrafficMode::Global, 100_000, "global_100k"),
    ] {
        let states = track_states(mode, n, 2016);
        group.bench_function(format!("production/{name}"), |b| {
            b.iter(|| detect(black_box(&states), &minima))
        });
        // A detector kept across cycles, as a surveillance loop runs it: no allocation.
        let mut detector = Detector::default();
        group.bench_function(format!("production_reused/{name}"), |b| {
            b.iter(|| detector.detect(black_box(&states), &minima))
        });
        if n <= 1_000 {
            group.bench_function(format!("reference/{name}"), |b| {
                b.iter(|| detect_all_pairs(black_box(&states), &minima))
            });
        }
    }
    group.finish();
}

fn plans(c: &mut Criterion) {
    let plans = flight_plans(2000, 20, 1_474_070_400.0, 2016);
    let minima = PlanMinima::default();
    let mut group = c.benchmark_group("plans");
    group.sample_size(10);
    group.bench_function("production/2000x20", |b| {
        b.iter(|| plan_conflicts(black_box(&plans), &minima))
    });
    group.finish();
}

criterion_group!(benches, tracks, plans);
criterion_main!(benches);
