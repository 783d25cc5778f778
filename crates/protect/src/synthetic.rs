//! A synthetic theatre for benchmarks and load tests: an agreement with thousands of zone
//! polygons, a hundred thousand protected sites and strike notices spread over Syria's bounding
//! box, all from a seed (a small xorshift generator, not a randomness source: the same seed
//! gives the same theatre on every machine).

use geo_types::{Coord, LineString, coord};
use jic_agreement::{Agreement, Source, load};
use jic_geo::Shape;
use jiff::Timestamp;

use crate::Error;
use crate::index::{IndexedSite, SiteIndex};
use crate::site::{DisclosureMode, Site, SiteCategory};
use crate::strike::{AirOperation, StrikeArea, StrikeNotice};

/// Syria's bounding box (lon, lat), roughly.
const WEST: f64 = 35.7;
const EAST: f64 = 42.4;
const SOUTH: f64 = 32.3;
const NORTH: f64 = 37.3;

/// A deterministic xorshift64* generator.
#[derive(Debug, Clone)]
pub struct Seeded(u64);

impl Seeded {
    /// From a seed (0 is replaced by a fixed constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A position in the theatre.
    pub fn position(&mut self) -> Coord<f64> {
        coord! { x: self.range(WEST, EAST), y: self.range(SOUTH, NORTH) }
    }
}

/// An agreement with `zones` square-ish zone polygons on a grid over the theatre (each
/// shrunk to 80 % of its cell, so zones do not touch): alternately areas controlled by a
/// covered group and designated areas where ISIL is present, one rule of each kind.
///
/// # Errors
/// Whatever the loader reports (it should report nothing).
pub fn agreement(zones: usize) -> Result<Agreement, Error> {
    let side = (zones as f64).sqrt().ceil().max(1.0) as usize;
    let (dx, dy) = ((EAST - WEST) / side as f64, (NORTH - SOUTH) / side as f64);
    let mut toml = String::from(
        r#"[agreement]
id = "synthetic"
title = "Synthetic theatre"
version = "1"
signatories = ["us", "russia"]
default_verdict = "permitted"
zone_files = ["zones.geojson"]
[[parties]]
id = "us"
name = "US"
role = "sponsor"
[[parties]]
id = "russia"
name = "Russia"
role = "sponsor"
[[parties]]
id = "gov"
name = "Government"
role = "belligerent"
[[parties]]
id = "ngo"
name = "NGO"
role = "humanitarian"
[[groups]]
id = "isil"
name = "ISIL"
designation = "designated"
[[groups]]
id = "army"
name = "Army"
designation = "covered"
answerable = "gov"
[[phases]]
id = "jic"
name = "JIC"
start = { at = 2016-09-01T00:00:00Z }
[[rules]]
id = "no_strikes_in_covered_areas"
clause = "point 1"
text = "Strikes on designated groups do not fall on ground held by parties to the cessation."
actions = ["airstrike"]
target = { designation = "designated" }
zone_kinds = ["control"]
zone_controller = { designation = "covered" }
verdict = "prohibited"
[[rules]]
id = "jic_coordinated_strikes"
clause = "point 5"
text = "Strikes in designated areas are coordinated through the JIC."
actions = ["airstrike"]
target = { designation = "designated" }
zone_kinds = ["designated_area"]
phases = ["jic"]
verdict = "requires_concurrence"
[[rules]]
id = "no_attacks_on_humanitarian"
clause = "IHL"
text = "Humanitarian sites and movements are not attacked."
actions = ["attack_on_humanitarian"]
verdict = "prohibited"
"#,
    );
    let mut features = Vec::with_capacity(zones);
    for i in 0..zones {
        let (col, row) = (i % side, i / side);
        let x0 = WEST + dx * (col as f64 + 0.1);
        let y0 = SOUTH + dy * (row as f64 + 0.1);
        let (x1, y1) = (x0 + dx * 0.8, y0 + dy * 0.8);
        let id = format!("z{i}");
        let (kind, controller, group) = if i % 2 == 0 {
            ("control", "army", "army")
        } else {
            ("designated_area", "isil", "isil")
        };
        toml.push_str(&format!(
            "[[zones]]\nid = \"{id}\"\nname = \"{id}\"\nfeature = \"{id}\"\nkind = \"{kind}\"\nstatus = \"agreed\"\ncontroller = \"{controller}\"\npresent_groups = [\"{group}\"]\n"
        ));
        features.push(format!(
            r#"{{"type":"Feature","id":"{id}","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
        ));
    }
    let geojson = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    Ok(load(&[
        Source {
            name: "agreement.toml",
            text: &toml,
        },
        Source {
            name: "zones.geojson",
            text: &geojson,
        },
    ])?)
}

/// A shared hospital at `position`, valid from `from`, notified by `ngo` to both sponsors.
pub fn point_site(id: &str, position: Coord<f64>, from: Timestamp) -> Site {
    Site {
        id: id.to_owned(),
        notifier: "ngo".into(),
        category: SiteCategory::Hospital,
        shape: Shape::Point(position),
        precision_m: 50.0,
        recipients: vec!["us".into(), "russia".into()],
        valid_from: from,
        valid_until: None,
        disclosure: DisclosureMode::Shared,
    }
}

/// `n` protected sites (points), one in ten sealed, valid from 2016-09-01.
pub fn sites(n: usize, rng: &mut Seeded) -> SiteIndex {
    let from = Timestamp::from_second(1_472_688_000).unwrap_or_default();
    SiteIndex::new(
        (0..n)
            .map(|i| {
                let site = Site {
                    id: format!("s{i}"),
                    notifier: "ngo".into(),
                    category: SiteCategory::Hospital,
                    shape: Shape::Point(rng.position()),
                    precision_m: 50.0,
                    recipients: vec!["us".into(), "russia".into()],
                    valid_from: from,
                    valid_until: None,
                    disclosure: if i % 10 == 0 {
                        DisclosureMode::Sealed
                    } else {
                        DisclosureMode::Shared
                    },
                };
                IndexedSite {
                    notification: format!("ngo/s{i}"),
                    site,
                    notified_at: from,
                    acks: Vec::new(),
                }
            })
            .collect(),
    )
}

/// `n` strike notices by the US on ISIL at random positions (500 m radius, 300 m effects),
/// each with an air operation that goes there.
pub fn notices(n: usize, rng: &mut Seeded) -> (Vec<StrikeNotice>, Vec<AirOperation>) {
    let start = Timestamp::from_second(1_475_323_200).unwrap_or_default();
    let end = Timestamp::from_second(1_475_326_800).unwrap_or_default();
    let mut notices = Vec::with_capacity(n);
    let mut ops = Vec::with_capacity(n);
    for i in 0..n {
        let center = rng.position();
        notices.push(StrikeNotice {
            id: format!("n{i}"),
            party: "us".into(),
            group: "isil".into(),
            area: StrikeArea::Circle {
                center,
                radius_m: 500.0,
            },
            window_start: start,
            window_end: end,
            effects_radius_m: 300.0,
            air_operation: format!("op{i}"),
        });
        ops.push(AirOperation {
            id: format!("op{i}"),
            party: "us".into(),
            path: LineString::from(vec![coord! { x: 36.0, y: 36.5 }, center]),
            open_conflicts: Vec::new(),
        });
    }
    (notices, ops)
}
