//! The agreement as code: the model of parties, groups, zones, phases and rules, a loader that
//! validates a package (TOML + GeoJSON) with precise, actionable errors, and rule evaluation.
//! Pure: it never touches the filesystem or the clock; callers hand it sources and instants
//! (the optional `fs` feature adds `load_dir` for I/O crates and the CLI).
//!
//! Entry points: [`load()`] (or `load_dir`) → [`Agreement`]; [`Agreement::evaluate`] for
//! verdicts; [`Agreement::hash`] for identity; [`Agreement::zones_within`] for spatial queries;
//! [`Agreement::terms`] for everything else (parameters, disclosure policy, phases).
//!
//! ```
//! use jic_agreement::{load, Action, ActionKind, ActorRef, Source, Verdict};
//! use jic_geo::Place;
//!
//! let toml = r#"
//! [agreement]
//! id = "demo"
//! title = "A one-rule truce"
//! version = "1"
//! signatories = ["east"]
//! zone_files = ["zones.geojson"]
//!
//! [[parties]]
//! id = "east"
//! name = "East"
//! role = "belligerent"
//!
//! [[zones]]
//! id = "market"
//! name = "Market square"
//! feature = "market"
//! kind = "protected"
//! status = "agreed"
//!
//! [[rules]]
//! id = "no_shelling_near_market"
//! clause = "Art. 1"
//! text = "No shelling within 1 km of the market."
//! actions = ["shelling"]
//! zone_kinds = ["protected"]
//! buffer_m = 1000
//! verdict = "prohibited"
//! "#;
//! let zones = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
//!   "properties": {"id": "market"}, "geometry": {"type": "Polygon", "coordinates":
//!   [[[37.15, 36.20], [37.16, 36.20], [37.16, 36.21], [37.15, 36.21], [37.15, 36.20]]]}}]}"#;
//! let agreement = load(&[
//!     Source { name: "agreement.toml", text: toml },
//!     Source { name: "zones.geojson", text: zones },
//! ])?;
//! let shelling = Action {
//!     kind: ActionKind::Shelling,
//!     actor: ActorRef::party("east"),
//!     target: None,
//!     // About 550 m east of the square.
//!     place: Place::Point(geo_types::coord! { x: 37.166, y: 36.205 }),
//!     at: "2016-09-13T12:00:00+03:00".parse()?,
//!     phase: None,
//! };
//! let evaluation = agreement.evaluate(&shelling)?;
//! assert_eq!(evaluation.verdict, Verdict::Prohibited);
//! assert_eq!(evaluation.deciding[0].clause, "Art. 1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod canonical;
pub mod diag;
pub mod eval;
#[cfg(feature = "fs")]
mod fs;
mod geojson;
mod json;
pub mod load;
pub mod model;
mod toml_read;

#[cfg(feature = "fs")]
pub use fs::load_dir;

pub use diag::{Diagnostic, Diagnostics};
pub use eval::{Action, ActorRef, Basis, Citation, Evaluation, ZoneInvolved};
pub use load::{Source, TERMS_FILE, load};
pub use model::*;

use jic_geo::{Entry, Place, ShapeIndex};
use jiff::Timestamp;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The package is invalid; every problem is listed.
    #[error("the agreement package has {count} problem(s):\n{0}", count = .0.len())]
    Invalid(Diagnostics),
    /// An action named an id the agreement does not define.
    #[error("unknown {what} `{id}`")]
    UnknownId {
        /// "party", "group" or "phase".
        what: &'static str,
        /// The id.
        id: String,
    },
    /// A place has a non-finite coordinate.
    #[error("the place has a coordinate that is not a finite number")]
    InvalidPlace,
    /// A package file could not be read (`fs` feature).
    #[error("cannot read {path}")]
    Io {
        /// The file or directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A validated agreement: its terms, its identity and a spatial index of its zones.
#[derive(Debug, Clone)]
pub struct Agreement {
    terms: Terms,
    hash: [u8; 32],
    zones: ShapeIndex<usize>,
    max_buffer_m: f64,
}

impl Agreement {
    /// Wraps loaded terms (the loader guarantees their invariants).
    fn from_terms(terms: Terms) -> Self {
        let hash = canonical::hash(&terms);
        let entries = terms
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| Entry {
                shape: z.geometry.clone(),
                reach_m: z.radius_m,
                value: i,
            })
            .collect();
        let max_buffer_m = terms.rules.iter().map(|r| r.buffer_m).fold(0.0, f64::max);
        Self {
            terms,
            hash,
            zones: ShapeIndex::new(entries),
            max_buffer_m,
        }
    }

    /// The terms.
    pub fn terms(&self) -> &Terms {
        &self.terms
    }

    /// SHA-256 of the canonical form: the agreement's identity (see `canonical`).
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// [`Agreement::hash`] in lower-case hex.
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }

    /// The canonical bytes that [`Agreement::hash`] digests.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical::canonical_bytes(&self.terms)
    }

    /// A party by id.
    pub fn party(&self, id: &str) -> Option<&Party> {
        self.terms.parties.iter().find(|p| p.id == id)
    }

    /// A group by id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.terms.groups.iter().find(|g| g.id == id)
    }

    /// A zone by id.
    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.terms.zones.iter().find(|z| z.id == id)
    }

    /// A phase by id.
    pub fn phase(&self, id: &str) -> Option<&Phase> {
        self.terms.phases.iter().find(|p| p.id == id)
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.terms.rules.iter().find(|r| r.id == id)
    }

    /// The largest rule buffer, in metres.
    pub fn max_buffer_m(&self) -> f64 {
        self.max_buffer_m
    }

    /// Zones within `distance_m` metres of the place (plus each zone's `radius_m`), valid at
    /// `at` when given, with the distance from the place to each zone's geometry (0 when they
    /// touch). R-tree prefilter, exact test after (see `jic_geo::index`). Sorted by zone id.
    pub fn zones_within(
        &self,
        place: &Place,
        distance_m: f64,
        at: Option<Timestamp>,
    ) -> Vec<(&Zone, f64)> {
        let mut out: Vec<(&Zone, f64)> = self
            .zones
            .within_m(place, distance_m)
            .filter_map(|hit| {
                self.terms
                    .zones
                    .get(hit.entry.value)
                    .map(|z| (z, hit.distance_m))
            })
            .filter(|(z, _)| at.is_none_or(|t| z.valid_at(t)))
            .collect();
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        out
    }
}
