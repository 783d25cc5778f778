//! Shared fixtures for the compliance tests: the small test agreement, the embedded September
//! 2016 package, and a terse incident builder.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use jic_agreement::{Agreement, Source, load};
use jic_compliance::{
    AllegedActor, Casualties, Category, IncidentReport, Location, Occurrence, PhaseClock,
    PhaseTimeline,
};
use jiff::Timestamp;

pub(crate) fn fixture() -> Agreement {
    package(
        include_str!("../fixtures/agreement.toml"),
        include_str!("../fixtures/zones.geojson"),
    )
}

pub(crate) fn syria_2016() -> Agreement {
    package(
        include_str!("../../../../scenarios/syria-2016-09/agreement/agreement.toml"),
        include_str!("../../../../scenarios/syria-2016-09/agreement/zones.geojson"),
    )
}

fn package(toml: &str, zones: &str) -> Agreement {
    match load(&[
        Source {
            name: "agreement.toml",
            text: toml,
        },
        Source {
            name: "zones.geojson",
            text: zones,
        },
    ]) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    }
}

pub(crate) fn ts(s: &str) -> Timestamp {
    match s.parse() {
        Ok(t) => t,
        Err(e) => panic!("bad timestamp {s}: {e}"),
    }
}

pub(crate) fn party(id: &str) -> AllegedActor {
    AllegedActor::Party { id: id.to_owned() }
}

pub(crate) fn group(id: &str) -> AllegedActor {
    AllegedActor::Group { id: id.to_owned() }
}

/// An incident at an instant, exact position unless `uncertainty_m` is set afterwards.
pub(crate) fn incident(
    id: &str,
    category: Category,
    actor: AllegedActor,
    lat: f64,
    lon: f64,
    at: &str,
) -> IncidentReport {
    IncidentReport {
        id: id.to_owned(),
        reporter: "mon".to_owned(),
        occurred: Occurrence::at(ts(at)),
        location: Location {
            lat,
            lon,
            uncertainty_m: 0.0,
            name: None,
        },
        category,
        actor,
        target: None,
        casualties: Casualties::default(),
        description: String::new(),
        sources: Vec::new(),
        evidence: Vec::new(),
        external_id: None,
    }
}

/// The scheduled phases only (no incidents, so no calm-day transitions).
pub(crate) fn scheduled_timeline(a: &Agreement, as_of: &str) -> PhaseTimeline {
    match PhaseClock::compute(a, &[], &Default::default(), ts(as_of)) {
        Ok(c) => c.timeline,
        Err(e) => panic!("{e}"),
    }
}
