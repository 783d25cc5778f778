//! The canonical form of an agreement and its identity hash.
//!
//! # Definition
//! The canonical form is the compact JSON serialization of `{"format": "jic-agreement/1",
//! "terms": Terms}` where every list of terms is sorted by id, every set is sorted and
//! deduplicated, instants are RFC 3339 UTC, numbers are shortest round-trip decimals with
//! `-0` written as `0`, and geometry is inlined as coordinates. Nothing of the source
//! formatting survives: comments, whitespace, key order, TOML spelling (`1` vs `1.0`, inline
//! vs standard tables) and how zones are split over GeoJSON files do not change it. Any change
//! to a term does. The identity is SHA-256 over these bytes.
//!
//! The hash is what parties countersign and what the log records for each version.

use geo_types::{Coord, LineString};
use jic_geo::Shape;
use serde::Serializer;
use serde::ser::SerializeMap;
use sha2::{Digest, Sha256};

use crate::model::Terms;

/// The format tag inside the canonical form; bump it if the serialization ever changes.
pub const FORMAT: &str = "jic-agreement/1";

#[derive(serde::Serialize)]
struct Envelope<'a> {
    format: &'static str,
    terms: &'a Terms,
}

/// The canonical bytes of the terms.
pub fn canonical_bytes(terms: &Terms) -> Vec<u8> {
    // Serializing plain structs, strings, finite floats and vectors to a Vec cannot fail; an
    // empty output would still hash deterministically, so no panic path is needed.
    serde_json::to_vec(&Envelope {
        format: FORMAT,
        terms,
    })
    .unwrap_or_default()
}

/// SHA-256 of [`canonical_bytes`].
pub fn hash(terms: &Terms) -> [u8; 32] {
    Sha256::digest(canonical_bytes(terms)).into()
}

fn pair(c: &Coord<f64>) -> [f64; 2] {
    [c.x + 0.0, c.y + 0.0]
}

fn line(l: &LineString<f64>) -> Vec<[f64; 2]> {
    l.0.iter().map(pair).collect()
}

/// Serializes a shape as `{"point": [x, y]}`, `{"line": [[x, y], …]}` or
/// `{"multipolygon": [[[[x, y], …], …], …]}` (exterior ring first in each polygon).
pub(crate) fn serialize_shape<S: Serializer>(
    shape: &Shape,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    match shape {
        Shape::Point(c) => map.serialize_entry("point", &pair(c))?,
        Shape::Line(l) => map.serialize_entry("line", &line(l))?,
        Shape::Area(a) => {
            let polygons: Vec<Vec<Vec<[f64; 2]>>> =
                a.0.iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(line)
                            .collect()
                    })
                    .collect();
            map.serialize_entry("multipolygon", &polygons)?;
        }
    }
    map.end()
}
