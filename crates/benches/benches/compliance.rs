//! Compliance benchmarks on the embedded September 2016 agreement: classifying one incident
//! (exact position and known actor; 5 km uncertainty with the actor unknown, the worst case of
//! the sampling), and the phase clock over a fortnight of 50 incidents a day. The baseline for
//! classification is one bare `Agreement::evaluate` call, so the ratio is the cost of sampling
//! the unknowns.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jic_agreement::{Action, ActionKind, ActorRef, Agreement, Source};
use jic_compliance::{
    AllegedActor, Category, ClockIncident, Context, IncidentReport, Location, Occurrence,
    PhaseClock, ReviewStatus, classify,
};
use jiff::Timestamp;

fn agreement() -> Agreement {
    jic_agreement::load(&[
        Source {
            name: "agreement.toml",
            text: include_str!("../../../scenarios/syria-2016-09/agreement/agreement.toml"),
        },
        Source {
            name: "zones.geojson",
            text: include_str!("../../../scenarios/syria-2016-09/agreement/zones.geojson"),
        },
    ])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn report(id: String, at: Timestamp, actor: AllegedActor, uncertainty_m: f64) -> IncidentReport {
    IncidentReport {
        id,
        reporter: "jic_monitors".into(),
        occurred: Occurrence::at(at),
        location: Location {
            lat: 36.20,
            lon: 37.18,
            uncertainty_m,
            name: None,
        },
        category: Category::Shelling,
        actor,
        target: None,
        casualties: Default::default(),
        description: String::new(),
        sources: vec![],
        evidence: vec![],
        external_id: None,
    }
}

fn benches(c: &mut Criterion) {
    let a = agreement();
    let at = ts("2016-09-15T10:00:00+03:00");
    let timeline = PhaseClock::compute(&a, &[], &Context::default(), at)
        .unwrap_or_else(|e| panic!("{e}"))
        .timeline;
    let ctx = Context::default();
    let mut g = c.benchmark_group("compliance");
    g.bench_function("baseline: one Agreement::evaluate", |b| {
        let action = Action {
            kind: ActionKind::Shelling,
            actor: ActorRef::group("saa"),
            target: Some(ActorRef::group("opposition_factions")),
            place: jic_geo::Place::Point(geo_types::coord! { x: 37.18, y: 36.20 }),
            at,
            phase: Some("extension".into()),
        };
        b.iter(|| black_box(a.evaluate(black_box(&action))));
    });
    let exact = report(
        "exact".into(),
        at,
        AllegedActor::Group { id: "saa".into() },
        0.0,
    );
    g.bench_function("classify: exact, actor known", |b| {
        b.iter(|| black_box(classify(&a, black_box(&exact), &timeline, &ctx)));
    });
    let vague = report("vague".into(), at, AllegedActor::unknown(), 5_000.0);
    g.bench_function("classify: 5 km, actor unknown", |b| {
        b.iter(|| black_box(classify(&a, black_box(&vague), &timeline, &ctx)));
    });
    let incidents: Vec<ClockIncident> = (0..14)
        .flat_map(|d| {
            (0..50).map(move |k| ClockIncident {
                report: report(
                    format!("i{d}-{k}"),
                    ts(&format!("2016-09-{:02}T{:02}:00:00+03:00", 13 + d, k % 24)),
                    AllegedActor::Group { id: "saa".into() },
                    500.0,
                ),
                status: ReviewStatus::Verified,
            })
        })
        .collect();
    let as_of = ts("2016-09-28T00:00:00+03:00");
    g.sample_size(10);
    g.bench_function("phase clock: 14 days x 50 incidents", |b| {
        b.iter(|| black_box(PhaseClock::compute(&a, black_box(&incidents), &ctx, as_of)));
    });
    g.finish();
}

criterion_group!(compliance, benches);
criterion_main!(compliance);
