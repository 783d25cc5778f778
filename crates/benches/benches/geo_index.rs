//! Spatial index benchmark: "what lies within d metres of this strike area?" against 100,000
//! protected sites and 10,000 zone polygons spread over Syria (DESIGN.md §6 target: p99 ≤ 100 µs
//! for the whole filing check), the R-tree index against testing every entry.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use geo_types::{Coord, MultiPolygon, polygon};
use jic_geo::{Entry, Place, Shape, ShapeIndex};
use std::hint::black_box;

/// A small deterministic generator (no randomness source in benches either).
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A position in Syria's bounding box (35.7–42.4 E, 32.3–37.3 N).
    fn coord(&mut self) -> Coord<f64> {
        Coord {
            x: 35.7 + 6.7 * self.unit(),
            y: 32.3 + 5.0 * self.unit(),
        }
    }
}

fn layers() -> (ShapeIndex<u32>, ShapeIndex<u32>, Vec<Place>) {
    let mut rng = Lcg(2016);
    let sites = (0..100_000u32)
        .map(|i| Entry {
            shape: Shape::Point(rng.coord()),
            reach_m: 0.0,
            value: i,
        })
        .collect();
    let zones = (0..10_000u32)
        .map(|i| {
            let c = rng.coord();
            let (w, h) = (0.01 + 0.05 * rng.unit(), 0.01 + 0.05 * rng.unit());
            let p = polygon![(x: c.x, y: c.y), (x: c.x + w, y: c.y), (x: c.x + w, y: c.y + h), (x: c.x, y: c.y + h)];
            Entry { shape: Shape::Area(MultiPolygon(vec![p])), reach_m: 0.0, value: i }
        })
        .collect();
    // Strike areas: a point with a 2 km effects radius.
    let places = (0..1_000)
        .map(|_| Place::Circle {
            center: rng.coord(),
            radius_m: 2_000.0,
        })
        .collect();
    (ShapeIndex::new(sites), ShapeIndex::new(zones), places)
}

fn index(c: &mut Criterion) {
    let (sites, zones, places) = layers();
    let buffer_m = 500.0;
    let mut group = c.benchmark_group("geo_index");
    let mut i = 0;
    group.bench_function("production/sites_100k_zones_10k", |b| {
        b.iter(|| {
            i = (i + 1) % places.len();
            let place = &places[i];
            black_box(
                sites.within_m(place, buffer_m).count() + zones.within_m(place, buffer_m).count(),
            )
        });
    });
    group.sample_size(10);
    group.bench_function("baseline_brute_force/sites_100k_zones_10k", |b| {
        b.iter(|| {
            i = (i + 1) % places.len();
            let place = &places[i];
            black_box(
                sites.within_m_brute_force(place, buffer_m).count()
                    + zones.within_m_brute_force(place, buffer_m).count(),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, index);
criterion_main!(benches);
