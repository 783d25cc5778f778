//! Rule evaluation: a table covering every verdict and every precedence rule, and a property
//! test that evaluation is total (never panics) and self-consistent on arbitrary input.

use geo_types::{Coord, coord, polygon};
use jic_agreement::{
    Action, ActionKind, ActorRef, Agreement, Basis, Error, Keyword, Source, Verdict, load,
};
use jic_geo::Place;
use jiff::Timestamp;
use proptest::prelude::*;

const TOML: &str = include_str!("fixtures/small.toml");
const ZONES: &str = include_str!("fixtures/small.geojson");

fn agreement() -> Agreement {
    match load(&[
        Source {
            name: "agreement.toml",
            text: TOML,
        },
        Source {
            name: "zones.geojson",
            text: ZONES,
        },
    ]) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("test instant")
}

struct Case {
    name: &'static str,
    kind: ActionKind,
    actor: ActorRef,
    target: Option<ActorRef>,
    place: Coord<f64>,
    when: &'static str,
    phase: Option<&'static str>,
}

/// Evaluates a case and compares verdict, basis, deciding rules and unagreed rules.
fn check(
    a: &Agreement,
    case: &Case,
    verdict: Verdict,
    basis: Basis,
    deciding: &[&str],
    unagreed: &[&str],
) {
    let action = Action {
        kind: case.kind,
        actor: case.actor.clone(),
        target: case.target.clone(),
        place: Place::Point(case.place),
        at: at(case.when),
        phase: case.phase.map(str::to_owned),
    };
    let e = a
        .evaluate(&action)
        .unwrap_or_else(|err| panic!("{}: {err}", case.name));
    let got: Vec<&str> = e.deciding.iter().map(|c| c.rule.as_str()).collect();
    let got_unagreed: Vec<&str> = e.unagreed.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(
        (e.verdict, e.basis, got, got_unagreed),
        (verdict, basis, deciding.to_vec(), unagreed.to_vec()),
        "{}",
        case.name
    );
    for c in &e.deciding {
        assert!(
            !c.clause.is_empty() && !c.text.is_empty(),
            "{}: citation carries clause and text",
            case.name
        );
    }
}

const T: &str = "2020-01-02T00:00:00Z";

fn case(
    name: &'static str,
    kind: ActionKind,
    actor: ActorRef,
    target: Option<ActorRef>,
    place: Coord<f64>,
    phase: Option<&'static str>,
) -> Case {
    Case {
        name,
        kind,
        actor,
        target,
        place,
        when: T,
        phase,
    }
}

#[test]
fn verdicts_and_precedence() {
    use ActionKind::*;
    use Basis::{Default, Rules};
    use Verdict::*;
    let a = agreement();
    let party = ActorRef::party;
    let group = ActorRef::group;
    let in_bad = coord! { x: 12.2, y: 12.2 };
    let in_overlap = coord! { x: 12.75, y: 12.75 };
    let in_held = coord! { x: 10.5, y: 10.5 };

    // requires_notice: the only matching rule.
    check(
        &a,
        &case(
            "notice",
            Airstrike,
            party("a"),
            Some(group("designated_g")),
            in_bad,
            Some("p1"),
        ),
        RequiresNotice,
        Rules,
        &["strikes_on_designated_notified"],
        &[],
    );
    // requires_concurrence: a phase-specific rule (4 dimensions) beats the general one (3).
    check(
        &a,
        &case(
            "most specific wins",
            Airstrike,
            party("a"),
            Some(group("designated_g")),
            in_bad,
            Some("p2"),
        ),
        RequiresConcurrence,
        Rules,
        &["strikes_in_p2_need_concurrence"],
        &[],
    );
    // prohibited: equal specificity (3 vs 3), the more restrictive verdict wins the tie.
    check(
        &a,
        &case(
            "tie goes to prohibited",
            Airstrike,
            party("a"),
            Some(group("designated_g")),
            in_overlap,
            Some("p1"),
        ),
        Prohibited,
        Rules,
        &["no_strikes_on_covered_ground"],
        &[],
    );
    // Specificity comes before severity: the 4-dimension concurrence rule beats the 3-dimension ban.
    check(
        &a,
        &case(
            "specific beats severe",
            Airstrike,
            party("a"),
            Some(group("designated_g")),
            in_overlap,
            Some("p2"),
        ),
        RequiresConcurrence,
        Rules,
        &["strikes_in_p2_need_concurrence"],
        &[],
    );
    // A covered target is protected everywhere; a party's own forces count as covered.
    check(
        &a,
        &case(
            "covered target",
            Airstrike,
            party("a"),
            Some(group("covered_g")),
            in_held,
            Some("p1"),
        ),
        Prohibited,
        Rules,
        &["general_no_attacks_on_covered"],
        &[],
    );
    check(
        &a,
        &case(
            "party forces are covered",
            Shelling,
            party("a"),
            Some(party("b")),
            in_held,
            None,
        ),
        Prohibited,
        Rules,
        &["general_no_attacks_on_covered"],
        &[],
    );
    // permitted: a more specific permission beats a general prohibition.
    check(
        &a,
        &case(
            "specific permission",
            Shelling,
            party("b"),
            None,
            in_bad,
            None,
        ),
        Permitted,
        Rules,
        &["shelling_designated_areas_allowed"],
        &[],
    );
    check(
        &a,
        &case(
            "general prohibition",
            Shelling,
            party("b"),
            None,
            in_held,
            None,
        ),
        Prohibited,
        Rules,
        &["shelling_banned"],
        &[],
    );
    // Buffers: within 5 km of held ground both tied rules are cited; 11 km away, the default.
    check(
        &a,
        &case(
            "within buffer",
            GroundAttack,
            party("b"),
            None,
            coord! { x: 11.02, y: 10.5 },
            None,
        ),
        RequiresNotice,
        Rules,
        &[
            "ground_attack_near_held_notice_a",
            "ground_attack_near_held_notice_b",
        ],
        &[],
    );
    check(
        &a,
        &case(
            "outside buffer",
            GroundAttack,
            party("b"),
            None,
            coord! { x: 11.1, y: 10.5 },
            None,
        ),
        Permitted,
        Default,
        &[],
        &[],
    );
    // A rule that applies only through a disputed zone does not decide; it is reported.
    check(
        &a,
        &case(
            "disputed zone",
            Airstrike,
            party("a"),
            Some(group("designated_g")),
            coord! { x: 14.5, y: 14.5 },
            Some("p1"),
        ),
        Permitted,
        Default,
        &[],
        &["strikes_on_designated_notified"],
    );
    // Zone validity windows.
    let mut valid = case(
        "zone valid",
        HeavyWeaponsPresence,
        party("b"),
        None,
        coord! { x: 16.5, y: 16.5 },
        None,
    );
    valid.when = "2020-01-04T23:59:59Z";
    check(
        &a,
        &valid,
        Prohibited,
        Rules,
        &["no_weapons_in_demilitarized"],
        &[],
    );
    valid.when = "2020-01-05T00:00:00Z";
    check(&a, &valid, Permitted, Default, &[], &[]);
    // Phases: a phase-bound rule applies in its phase only, and never with no phase in force.
    check(
        &a,
        &case("phase rule", Flight, party("b"), None, in_held, Some("p1")),
        Permitted,
        Rules,
        &["b_flights_in_p1_permitted"],
        &[],
    );
    check(
        &a,
        &case("other phase", Flight, party("b"), None, in_held, Some("p2")),
        Permitted,
        Default,
        &[],
        &[],
    );
    check(
        &a,
        &case("no phase", Flight, party("b"), None, in_held, None),
        Permitted,
        Default,
        &[],
        &[],
    );
    // A group acts for its answerable party.
    check(
        &a,
        &case(
            "group via party",
            Flight,
            group("covered_g"),
            None,
            in_held,
            Some("p1"),
        ),
        Permitted,
        Rules,
        &["b_flights_in_p1_permitted"],
        &[],
    );
    // Named zones with a radius: a line zone reaches radius_m around it.
    check(
        &a,
        &case(
            "near the route",
            ObstructAccess,
            party("b"),
            None,
            coord! { x: 20.5, y: 20.005 },
            None,
        ),
        Prohibited,
        Rules,
        &["no_blocking_routes"],
        &[],
    );
    check(
        &a,
        &case(
            "off the route",
            ObstructAccess,
            party("b"),
            None,
            coord! { x: 20.5, y: 20.02 },
            None,
        ),
        Permitted,
        Default,
        &[],
        &[],
    );
}

#[test]
fn evaluation_reports_zones_and_overridden_rules() {
    let a = agreement();
    let action = Action {
        kind: ActionKind::Airstrike,
        actor: ActorRef::party("a"),
        target: Some(ActorRef::group("designated_g")),
        place: Place::Circle {
            center: coord! { x: 12.75, y: 12.75 },
            radius_m: 100.0,
        },
        at: at(T),
        phase: Some("p2".into()),
    };
    let e = a.evaluate(&action).expect("valid action");
    let zones: Vec<&str> = e.zones.iter().map(|z| z.id.as_str()).collect();
    assert_eq!(zones, ["bad", "overlap"]);
    let overridden: Vec<&str> = e.overridden.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(
        overridden,
        [
            "no_strikes_on_covered_ground",
            "strikes_on_designated_notified"
        ]
    );
    assert_eq!(e.deciding[0].zones, ["bad"]);
}

#[test]
fn unknown_ids_and_bad_places_are_errors() {
    let a = agreement();
    let base = Action {
        kind: ActionKind::Flight,
        actor: ActorRef::party("a"),
        target: None,
        place: Place::Point(coord! { x: 1.0, y: 1.0 }),
        at: at(T),
        phase: None,
    };
    let mut x = base.clone();
    x.actor = ActorRef::party("nobody");
    assert!(matches!(
        a.evaluate(&x),
        Err(Error::UnknownId { what: "party", .. })
    ));
    let mut x = base.clone();
    x.target = Some(ActorRef::group("nobody"));
    assert!(matches!(
        a.evaluate(&x),
        Err(Error::UnknownId { what: "group", .. })
    ));
    let mut x = base.clone();
    x.phase = Some("p9".into());
    assert!(matches!(
        a.evaluate(&x),
        Err(Error::UnknownId { what: "phase", .. })
    ));
    let mut x = base;
    x.place = Place::Point(coord! { x: f64::NAN, y: 1.0 });
    assert!(matches!(a.evaluate(&x), Err(Error::InvalidPlace)));
}

fn any_coord() -> impl Strategy<Value = f64> {
    prop_oneof![8 => -200.0..200.0f64, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 2 => 9.0..22.0f64]
}

fn any_actor() -> impl Strategy<Value = ActorRef> {
    let id = prop::sample::select(vec!["a", "b", "m", "covered_g", "designated_g", "zz"]);
    (prop::option::of(id.clone()), prop::option::of(id)).prop_map(|(p, g)| ActorRef {
        party: p.map(Into::into),
        group: g.map(Into::into),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn evaluation_is_total_and_consistent(
        kind in prop::sample::select(ActionKind::ALL.iter().map(|(_, k)| *k).collect::<Vec<_>>()),
        actor in any_actor(),
        target in prop::option::of(any_actor()),
        x in any_coord(), y in any_coord(), radius in prop_oneof![-1e6..1e6f64, Just(f64::NAN)],
        shape in 0..3u8,
        secs in -1_000_000_000i64..4_000_000_000i64,
        phase in prop::option::of(prop::sample::select(vec!["p1", "p2", "p9"])),
    ) {
        let a = agreement();
        let place = match shape {
            0 => Place::Point(coord! { x: x, y: y }),
            1 => Place::Circle { center: coord! { x: x, y: y }, radius_m: radius },
            _ => Place::Area(polygon![(x: x, y: y), (x: x + 0.5, y: y), (x: x, y: y + 0.5)]),
        };
        let action = Action {
            kind, actor, target, place,
            at: Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH),
            phase: phase.map(str::to_owned),
        };
        if let Ok(e) = a.evaluate(&action) {
            prop_assert_eq!(e.basis == Basis::Default, e.deciding.is_empty());
            for c in &e.deciding {
                prop_assert_eq!(c.verdict, e.verdict);
                prop_assert_eq!(c.specificity, e.deciding[0].specificity);
            }
            for c in &e.overridden {
                let top = (e.deciding[0].specificity, e.deciding[0].verdict);
                prop_assert!((c.specificity, c.verdict) < top);
            }
        }
    }
}
