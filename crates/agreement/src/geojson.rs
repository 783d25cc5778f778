//! Reading zone features from GeoJSON (RFC 7946) with the position of every problem.
//!
//! A zone file is a FeatureCollection. Each feature names itself with a string `id` (the
//! feature's own `id` member, or `properties.id`), may say `approximate` (boolean) and
//! `confidence` (string) in its properties, and carries a Point, LineString, Polygon or
//! MultiPolygon. Other properties (sources, method, notes that QGIS keeps) are allowed and
//! ignored. Polygons must be valid: see `jic_geo::validity`.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use jic_geo::Shape;
use jic_geo::validity::{PolygonProblem, RingRole, check_polygon};

use crate::diag::{Diagnostic, SourceMap};
use crate::json::{self, JKind, JValue};

/// A zone feature read from a file.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub(crate) id: String,
    /// Byte offset of the feature, for "unused feature" messages.
    pub(crate) offset: usize,
    pub(crate) shape: Option<Shape>,
    pub(crate) approximate: bool,
    pub(crate) confidence: Option<String>,
}

/// Reads the features of one file, adding problems to `diags`. `None` when the file is not a
/// readable FeatureCollection at all (so callers do not also report its features as missing).
pub(crate) fn read_features(
    map: &SourceMap<'_>,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Feature>> {
    let root = match json::parse(text) {
        Ok(root) => root,
        Err(e) => {
            diags.push(map.diagnostic(
                e.offset,
                format!("JSON syntax: {}", e.message),
                "fix the syntax here; QGIS can re-export the layer as GeoJSON",
            ));
            return None;
        }
    };
    let mut cx = Cx { map, diags };
    if root.get("type").and_then(JValue::as_str) != Some("FeatureCollection") {
        cx.error(
            root.start,
            "a zone file must be a GeoJSON FeatureCollection",
            "set \"type\": \"FeatureCollection\" with a \"features\" array",
        );
        return None;
    }
    let Some(JValue {
        kind: JKind::Arr(items),
        ..
    }) = root.get("features")
    else {
        cx.error(
            root.start,
            "the FeatureCollection has no \"features\" array",
            "add \"features\": [ ... ]",
        );
        return None;
    };
    Some(items.iter().filter_map(|f| cx.feature(f)).collect())
}

struct Cx<'a, 'm> {
    map: &'a SourceMap<'m>,
    diags: &'a mut Vec<Diagnostic>,
}

/// Positions of one ring: coordinates and their byte offsets.
struct Ring {
    offset: usize,
    coords: Vec<Coord<f64>>,
    offsets: Vec<usize>,
}

impl Cx<'_, '_> {
    fn error(&mut self, offset: usize, message: impl Into<String>, hint: impl Into<String>) {
        self.diags.push(self.map.diagnostic(offset, message, hint));
    }

    fn feature(&mut self, f: &JValue) -> Option<Feature> {
        if f.get("type").and_then(JValue::as_str) != Some("Feature") {
            self.error(
                f.start,
                "each entry of \"features\" must be a GeoJSON Feature",
                "set \"type\": \"Feature\"",
            );
            return None;
        }
        let props = f
            .get("properties")
            .filter(|p| matches!(p.kind, JKind::Obj(_)));
        let id = f.get("id").or_else(|| props.and_then(|p| p.get("id")));
        let Some(id) = id.and_then(JValue::as_str).map(str::to_owned) else {
            self.error(f.start, "feature has no string `id`", "give it an \"id\" property that the zone in agreement.toml names in `feature = ...`");
            return None;
        };
        let approximate = match props.and_then(|p| p.get("approximate")) {
            None => false,
            Some(JValue {
                kind: JKind::Bool(b),
                ..
            }) => *b,
            Some(v) => {
                self.error(
                    v.start,
                    format!(
                        "`approximate` of feature `{id}` must be true or false, not {}",
                        v.type_name()
                    ),
                    "write \"approximate\": true",
                );
                false
            }
        };
        let confidence = match props.and_then(|p| p.get("confidence")) {
            None => None,
            Some(JValue {
                kind: JKind::Str(s),
                ..
            }) => Some(s.clone()),
            Some(v) => {
                self.error(
                    v.start,
                    format!(
                        "`confidence` of feature `{id}` must be a string, not {}",
                        v.type_name()
                    ),
                    "write e.g. \"confidence\": \"low\"",
                );
                None
            }
        };
        let shape = match f.get("geometry") {
            Some(
                g @ JValue {
                    kind: JKind::Obj(_),
                    ..
                },
            ) => self.geometry(&id, g),
            Some(g) => {
                self.error(g.start, format!("feature `{id}` has no geometry"), "draw the zone's geometry; a zone needs a Polygon, MultiPolygon, LineString or Point");
                None
            }
            None => {
                self.error(
                    f.start,
                    format!("feature `{id}` has no \"geometry\" member"),
                    "add the zone's geometry",
                );
                None
            }
        };
        Some(Feature {
            id,
            offset: f.start,
            shape,
            approximate,
            confidence,
        })
    }

    fn geometry(&mut self, id: &str, g: &JValue) -> Option<Shape> {
        let kind = g.get("type").and_then(JValue::as_str).unwrap_or("");
        let Some(coords) = g.get("coordinates") else {
            self.error(
                g.start,
                format!("geometry of feature `{id}` has no \"coordinates\""),
                "add its coordinates",
            );
            return None;
        };
        match kind {
            "Point" => {
                let c = self.position(id, coords)?;
                Some(Shape::Point(c))
            }
            "LineString" => {
                let line = self.positions(id, coords)?;
                if line.coords.len() < 2 {
                    self.error(
                        coords.start,
                        format!("line of feature `{id}` has fewer than 2 positions"),
                        "a LineString needs at least 2 positions",
                    );
                    return None;
                }
                Some(Shape::Line(LineString::new(line.coords)))
            }
            "Polygon" => Some(Shape::Area(MultiPolygon(vec![self.polygon(id, coords)?]))),
            "MultiPolygon" => {
                let JKind::Arr(items) = &coords.kind else {
                    self.error(coords.start, format!("MultiPolygon coordinates of feature `{id}` must be an array of polygons"), "see RFC 7946 §3.1.7");
                    return None;
                };
                let polygons: Vec<Option<Polygon<f64>>> =
                    items.iter().map(|p| self.polygon(id, p)).collect();
                let polygons: Option<Vec<Polygon<f64>>> = polygons.into_iter().collect();
                Some(Shape::Area(MultiPolygon(polygons?)))
            }
            other => {
                self.error(
                    g.start,
                    format!("feature `{id}` has geometry type `{other}`, which cannot be a zone"),
                    "use a Polygon or MultiPolygon for an area, a LineString or Point with `radius_m` for a route",
                );
                None
            }
        }
    }

    fn position(&mut self, id: &str, v: &JValue) -> Option<Coord<f64>> {
        match &v.kind {
            JKind::Arr(items) if items.len() >= 2 && items.len() <= 3 => {
                match (&items[0].kind, &items[1].kind) {
                    (JKind::Num(x), JKind::Num(y)) => {
                        let c = Coord { x: *x, y: *y };
                        if !(-180.0..=180.0).contains(x) {
                            self.error(items[0].start, format!("longitude {x} in feature `{id}` is outside [-180, 180]"), "GeoJSON positions are [longitude, latitude] in degrees; fix the value or the order");
                            None
                        } else if !(-90.0..=90.0).contains(y) {
                            self.error(items[1].start, format!("latitude {y} in feature `{id}` is outside [-90, 90]"), "GeoJSON positions are [longitude, latitude] in degrees; fix the value or the order");
                            None
                        } else {
                            Some(c)
                        }
                    }
                    _ => {
                        self.error(
                            v.start,
                            format!("position in feature `{id}` must hold numbers"),
                            "write positions as [longitude, latitude]",
                        );
                        None
                    }
                }
            }
            _ => {
                self.error(v.start, format!("malformed position in feature `{id}`"), "write positions as [longitude, latitude] (an optional third number is the elevation)");
                None
            }
        }
    }

    fn positions(&mut self, id: &str, v: &JValue) -> Option<Ring> {
        let JKind::Arr(items) = &v.kind else {
            self.error(
                v.start,
                format!("expected an array of positions in feature `{id}`"),
                "see RFC 7946 §3.1",
            );
            return None;
        };
        let mut ring = Ring {
            offset: v.start,
            coords: Vec::with_capacity(items.len()),
            offsets: Vec::with_capacity(items.len()),
        };
        let mut ok = true;
        for item in items {
            match self.position(id, item) {
                Some(c) => {
                    ring.coords.push(c);
                    ring.offsets.push(item.start);
                }
                None => ok = false,
            }
        }
        ok.then_some(ring)
    }

    fn polygon(&mut self, id: &str, v: &JValue) -> Option<Polygon<f64>> {
        let JKind::Arr(items) = &v.kind else {
            self.error(
                v.start,
                format!("Polygon coordinates of feature `{id}` must be an array of rings"),
                "see RFC 7946 §3.1.6",
            );
            return None;
        };
        if items.is_empty() {
            self.error(
                v.start,
                format!("polygon of feature `{id}` has no rings"),
                "add its exterior ring",
            );
            return None;
        }
        let rings: Vec<Option<Ring>> = items.iter().map(|r| self.positions(id, r)).collect();
        let rings: Vec<Ring> = rings.into_iter().collect::<Option<_>>()?;
        let coords: Vec<Vec<Coord<f64>>> = rings.iter().map(|r| r.coords.clone()).collect();
        let problems = check_polygon(&coords);
        let at = |ring: usize, vertex: usize| {
            rings
                .get(ring)
                .and_then(|r| r.offsets.get(vertex))
                .copied()
                .unwrap_or(v.start)
        };
        let ring_at = |ring: usize| rings.get(ring).map_or(v.start, |r| r.offset);
        let which = |ring: usize| {
            if ring == 0 {
                "exterior ring".to_owned()
            } else {
                format!("hole {ring}")
            }
        };
        for problem in &problems {
            match *problem {
                // Ranges were checked position by position above.
                PolygonProblem::CoordinateOutOfRange { .. } => {}
                PolygonProblem::TooFewPositions { ring, count } => self.error(
                    ring_at(ring),
                    format!("{} of feature `{id}` has {count} positions", which(ring)),
                    "a closed ring needs at least 4 positions (the first repeated at the end)",
                ),
                PolygonProblem::HoleOutsideExterior { ring } => self.error(
                    ring_at(ring),
                    format!(
                        "{} of feature `{id}` lies outside the exterior ring",
                        which(ring)
                    ),
                    "move the hole inside the exterior ring, or make it a separate polygon",
                ),
                PolygonProblem::NotClosed { ring } => self.error(
                    ring_at(ring),
                    format!("{} of feature `{id}` is not closed", which(ring)),
                    "repeat the ring's first position as its last",
                ),
                PolygonProblem::ZeroArea { ring } => self.error(
                    ring_at(ring),
                    format!("{} of feature `{id}` encloses no area", which(ring)),
                    "remove repeated or collinear positions, or redraw the ring",
                ),
                PolygonProblem::WrongWinding { ring, role } => {
                    let (is, should) = match role {
                        RingRole::Exterior => ("clockwise", "counter-clockwise"),
                        RingRole::Hole => ("counter-clockwise", "clockwise"),
                    };
                    self.error(
                        ring_at(ring),
                        format!("{} of feature `{id}` winds {is}; RFC 7946 wants it {should}", which(ring)),
                        "reverse the order of its positions (in QGIS: Processing > \"Force right-hand-rule\")",
                    );
                }
                PolygonProblem::SelfIntersection {
                    ring_a,
                    segment_a,
                    ring_b,
                    segment_b,
                    at: hit,
                } => {
                    let (line, column) = self.map.line_col(at(ring_b, segment_b));
                    self.error(
                        at(ring_a, segment_a),
                        format!(
                            "polygon of feature `{id}` intersects itself at ({:.6}, {:.6}): the edge starting here meets the edge of {} starting at line {line}, column {column}",
                            hit.x, hit.y, which(ring_b)
                        ),
                        "move the vertices so no two edges cross or touch, or split the zone into a MultiPolygon",
                    );
                }
            }
        }
        if !problems.is_empty() {
            return None;
        }
        let mut rings = coords.into_iter().map(LineString::new);
        let exterior = rings.next()?;
        Some(Polygon::new(exterior, rings.collect()))
    }
}
