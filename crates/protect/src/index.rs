//! The index of protected sites a filing is checked against: an R-tree over every notified
//! site (shared and sealed alike) built on [`jic_geo::ShapeIndex`].
//!
//! Built once per set of notifications and queried many times: a strike check asks for the
//! sites within its effects radius plus the site buffer of the strike area, which touches a
//! handful of candidates among 100,000 (see `crates/benches/benches/strike_check.rs`).

use jic_geo::{Entry, Place, ShapeIndex};
use jiff::Timestamp;

use crate::notification::Acknowledgment;
use crate::site::Site;

/// A site in the index with the notification it belongs to.
#[derive(Debug, Clone)]
pub struct IndexedSite {
    /// The notification id.
    pub notification: String,
    /// The site (current version).
    pub site: Site,
    /// Receipt time of the current version.
    pub notified_at: Timestamp,
    /// Acknowledgments of the current version.
    pub acks: Vec<Acknowledgment>,
}

/// A site found near a place.
#[derive(Debug, Clone, Copy)]
pub struct SiteHit<'a> {
    /// The site.
    pub site: &'a IndexedSite,
    /// Distance in metres from the place to the site (0 when they overlap).
    pub distance_m: f64,
}

/// An immutable R-tree of protected sites.
#[derive(Debug, Clone)]
pub struct SiteIndex {
    index: ShapeIndex<IndexedSite>,
}

impl SiteIndex {
    /// Builds the index.
    pub fn new(sites: Vec<IndexedSite>) -> Self {
        let entries = sites
            .into_iter()
            .map(|s| Entry {
                shape: s.site.shape.clone(),
                reach_m: 0.0,
                value: s,
            })
            .collect();
        Self {
            index: ShapeIndex::new(entries),
        }
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Sites within `distance_m` of the place that are protected at some instant of
    /// `[from, until]`, in insertion order.
    pub fn near<'a>(
        &'a self,
        place: &'a Place,
        distance_m: f64,
        from: Timestamp,
        until: Timestamp,
    ) -> impl Iterator<Item = SiteHit<'a>> + 'a {
        self.index
            .within_m(place, distance_m)
            .filter(move |h| h.entry.value.site.valid_during(from, until))
            .map(|h| SiteHit {
                site: &h.entry.value,
                distance_m: h.distance_m,
            })
    }

    /// The same query by testing every site (the oracle for tests and the benchmark baseline).
    pub fn near_brute_force<'a>(
        &'a self,
        place: &'a Place,
        distance_m: f64,
        from: Timestamp,
        until: Timestamp,
    ) -> impl Iterator<Item = SiteHit<'a>> + 'a {
        self.index
            .within_m_brute_force(place, distance_m)
            .filter(move |h| h.entry.value.site.valid_during(from, until))
            .map(|h| SiteHit {
                site: &h.entry.value,
                distance_m: h.distance_m,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::Seeded;
    use geo_types::coord;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn near_agrees_with_brute_force(seed in 1u64..10_000, qx in 36.0..37.0f64, qy in 35.5..36.5f64,
                                         radius in 0.0..3_000.0f64, d in 0.0..5_000.0f64) {
            let mut rng = Seeded::new(seed);
            // 300 sites in a 1°×1° box, so queries find some.
            let sites: Vec<IndexedSite> = (0..300).map(|i| {
                let c = coord! { x: rng.range(36.0, 37.0), y: rng.range(35.5, 36.5) };
                let from = Timestamp::from_second(1_474_000_000 + (i % 7) * 86_400).unwrap();
                IndexedSite {
                    notification: format!("n/{i}"),
                    site: crate::synthetic::point_site(&format!("{i}"), c, from),
                    notified_at: from,
                    acks: Vec::new(),
                }
            }).collect();
            let index = SiteIndex::new(sites);
            let place = Place::Circle { center: coord! { x: qx, y: qy }, radius_m: radius };
            let (from, until) = (Timestamp::from_second(1_474_100_000).unwrap(), Timestamp::from_second(1_474_200_000).unwrap());
            let fast: Vec<&str> = index.near(&place, d, from, until).map(|h| h.site.notification.as_str()).collect();
            let slow: Vec<&str> = index.near_brute_force(&place, d, from, until).map(|h| h.site.notification.as_str()).collect();
            prop_assert_eq!(fast, slow);
        }
    }
}
