//! Seeded synthetic air traffic for benchmarks and demos: track states in a theatre or
//! world-wide, and 4D flight plans. The same seed always yields the same traffic.
//!
//! The generator is a SplitMix64 stream (Steele, Lea & Flood, "Fast splittable pseudorandom
//! number generators", OOPSLA 2014): tiny, fast, and good enough for synthetic scenes; it is not
//! for anything that needs unpredictability.

use jic_deconflict::plan::{FlightPlan, Waypoint};
use jic_deconflict::track::TrackState;

/// The Syria theatre box of DESIGN.md §6: latitude 32–37.5°, longitude 35.5–42.5°.
pub const THEATRE_BOX: (f64, f64, f64, f64) = (32.0, 37.5, 35.5, 42.5);

/// Where the traffic flies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficMode {
    /// Everything inside [`THEATRE_BOX`]: an extreme density, clustered around airfields.
    Theatre,
    /// World-wide: clustered around hubs, with a thin background everywhere.
    Global,
}

/// A seeded SplitMix64 stream.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream starting from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Approximately normal (sum of four uniforms), mean 0, standard deviation `sigma`.
    pub fn normalish(&mut self, sigma: f64) -> f64 {
        let s: f64 = (0..4).map(|_| self.unit()).sum::<f64>() - 2.0;
        s * sigma * 3.0_f64.sqrt()
    }

    /// A uniform index below `n` (`n > 0`).
    pub fn index(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// Airfields of the theatre (approximate), around which theatre traffic clusters.
const THEATRE_FIELDS: [(f64, f64); 8] = [
    (35.41, 35.95), // Hmeimim
    (33.41, 36.51), // Damascus
    (36.18, 37.22), // Aleppo
    (35.28, 40.18), // Deir ez-Zor
    (34.55, 38.27), // Palmyra (Tiyas)
    (34.57, 36.57), // Shayrat
    (36.53, 40.92), // Qamishli area
    (32.93, 38.75), // eastern desert
];

/// Flight levels (hundreds of feet) where cruising traffic concentrates, with weights.
const CRUISE_LEVELS: [(f64, f64); 10] = [
    (200.0, 1.0),
    (220.0, 1.0),
    (240.0, 2.0),
    (260.0, 2.0),
    (280.0, 3.0),
    (300.0, 3.0),
    (320.0, 3.0),
    (340.0, 3.0),
    (360.0, 2.0),
    (380.0, 1.0),
];

fn cruise_level(rng: &mut SplitMix64) -> f64 {
    let total: f64 = CRUISE_LEVELS.iter().map(|l| l.1).sum();
    let mut pick = rng.range(0.0, total);
    for (level, weight) in CRUISE_LEVELS {
        if pick < weight {
            return level * 100.0;
        }
        pick -= weight;
    }
    CRUISE_LEVELS[0].0 * 100.0
}

/// One aircraft's kinematics: a mix of fast jets, transports and helicopters, level,
/// climbing or descending.
fn kinematics(rng: &mut SplitMix64) -> (f64, f64, f64) {
    let kind = rng.unit();
    if kind < 0.15 {
        // Helicopters and drones, low and slow.
        (
            rng.range(500.0, 6000.0),
            rng.range(70.0, 150.0),
            if rng.chance(0.3) {
                rng.range(-800.0, 800.0)
            } else {
                0.0
            },
        )
    } else if kind < 0.35 {
        // Climbing or descending.
        let vs = rng.range(800.0, 3500.0) * if rng.chance(0.5) { 1.0 } else { -1.0 };
        (rng.range(3000.0, 30_000.0), rng.range(220.0, 420.0), vs)
    } else {
        // Cruise: fast jets and transports at the common levels.
        let gs = if rng.chance(0.4) {
            rng.range(380.0, 560.0)
        } else {
            rng.range(260.0, 480.0)
        };
        (cruise_level(rng), gs, 0.0)
    }
}

/// `count` aircraft states, deterministic in `seed`.
#[must_use]
pub fn track_states(mode: TrafficMode, count: usize, seed: u64) -> Vec<TrackState> {
    let mut rng = SplitMix64::new(seed);
    let hubs: Vec<(f64, f64)> = match mode {
        TrafficMode::Theatre => THEATRE_FIELDS.to_vec(),
        TrafficMode::Global => (0..60)
            .map(|_| (rng.range(-40.0, 62.0), rng.range(-180.0, 180.0)))
            .collect(),
    };
    let (lat0, lat1, lon0, lon1) = THEATRE_BOX;
    (0..count)
        .map(|_| {
            let (lat_deg, lon_deg) = match mode {
                TrafficMode::Theatre => {
                    if rng.chance(0.5) {
                        let (la, lo) = hubs[rng.index(hubs.len())];
                        (
                            (la + rng.normalish(0.5)).clamp(lat0, lat1),
                            (lo + rng.normalish(0.6)).clamp(lon0, lon1),
                        )
                    } else {
                        (rng.range(lat0, lat1), rng.range(lon0, lon1))
                    }
                }
                TrafficMode::Global => {
                    if rng.chance(0.8) {
                        let (la, lo) = hubs[rng.index(hubs.len())];
                        (
                            (la + rng.normalish(4.0)).clamp(-89.0, 89.0),
                            wrap180(lo + rng.normalish(6.0)),
                        )
                    } else {
                        (rng.range(-75.0, 80.0), rng.range(-180.0, 180.0))
                    }
                }
            };
            let (alt_ft, gs_kt, vs_fpm) = kinematics(&mut rng);
            TrackState {
                lat_deg,
                lon_deg,
                alt_ft,
                gs_kt,
                trk_deg: rng.range(0.0, 360.0),
                vs_fpm,
            }
        })
        .collect()
}

fn wrap180(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

/// `count` flight plans of `legs` legs each over the theatre, starting within a six-hour window
/// after `start_s` (seconds since the Unix epoch); deterministic in `seed`.
///
/// Each plan departs near an airfield, climbs to a cruise level, flies a wandering route at a
/// constant ground speed and descends at the end; legs last 2 to 6 minutes.
#[must_use]
pub fn flight_plans(count: usize, legs: usize, start_s: f64, seed: u64) -> Vec<FlightPlan> {
    let mut rng = SplitMix64::new(seed);
    let (lat0, lat1, lon0, lon1) = THEATRE_BOX;
    (0..count)
        .map(|p| {
            let (la, lo) = THEATRE_FIELDS[rng.index(THEATRE_FIELDS.len())];
            let mut lat = (la + rng.normalish(0.2)).clamp(lat0, lat1);
            let mut lon = (lo + rng.normalish(0.2)).clamp(lon0, lon1);
            let mut time = start_s + rng.range(0.0, 6.0 * 3600.0);
            let cruise = cruise_level(&mut rng);
            let gs_mps = rng.range(120.0, 260.0);
            let mut heading = rng.range(0.0, 360.0_f64).to_radians();
            let legs = legs.max(1);
            let mut waypoints = Vec::with_capacity(legs + 1);
            for w in 0..=legs {
                let alt_ft = if w == 0 || w == legs {
                    rng.range(500.0, 3000.0)
                } else if w == 1 || w + 1 == legs {
                    cruise * 0.6
                } else {
                    cruise
                };
                waypoints.push(Waypoint {
                    lat_deg: lat,
                    lon_deg: lon,
                    alt_ft,
                    time_s: time,
                });
                let duration = rng.range(120.0, 360.0);
                heading += rng.normalish(0.5);
                let dist = gs_mps * duration;
                let mut next_lat = lat + (dist * heading.cos() / 6_371_000.0).to_degrees();
                let mut next_lon = lon
                    + (dist * heading.sin() / (6_371_000.0 * lat.to_radians().cos())).to_degrees();
                // Turn back at the edges of the theatre.
                if !(lat0..=lat1).contains(&next_lat) || !(lon0..=lon1).contains(&next_lon) {
                    heading += std::f64::consts::PI;
                    next_lat = next_lat.clamp(lat0, lat1);
                    next_lon = next_lon.clamp(lon0, lon1);
                }
                lat = next_lat;
                lon = next_lon;
                time += duration;
            }
            FlightPlan {
                id: format!("P{p:05}"),
                waypoints,
                rpz_m: None,
                hpz_m: None,
            }
        })
        .collect()
}
