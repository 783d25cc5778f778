//! Classification: one test per outcome and a table of edge cases, all through one `check`
//! helper; then the two September 2016 incidents against the embedded package.

mod common;

use common::{fixture, group, incident, party, scheduled_timeline, syria_2016, ts};
use jic_compliance::links::{Acknowledgment, Context, LinkKind, MovementRef, StrikeNoticeRef};
use jic_compliance::phase::PhaseInterval;
use jic_compliance::{
    AllegedActor, Category, Classification, IncidentReport, Missing, Outcome, PhaseTimeline,
    classify,
};

/// What a case expects: the outcome, the deciding rules, and which unknowns are reported.
#[derive(Clone, Copy)]
struct Expect {
    outcome: Outcome,
    rules: &'static [&'static str],
    missing: &'static [&'static str],
}

fn missing_name(m: &Missing) -> &'static str {
    match m {
        Missing::ActorUnknown { .. } => "actor",
        Missing::TargetUnknown { .. } => "target",
        Missing::LocationStraddles { .. } => "location",
        Missing::TimeStraddles { .. } => "time",
        Missing::NoRuleForCategory => "category",
    }
}

fn check(
    name: &str,
    report: &IncidentReport,
    timeline: &PhaseTimeline,
    context: &Context,
    expect: Expect,
) -> Classification {
    let a = fixture();
    if let Err(e) = report.validate(Some(&a)) {
        panic!("{name}: invalid fixture: {e}");
    }
    let c = match classify(&a, report, timeline, context) {
        Ok(c) => c,
        Err(e) => panic!("{name}: {e}"),
    };
    let rules: Vec<&str> = c.rules.iter().map(|r| r.rule.as_str()).collect();
    let missing: Vec<&str> = c.missing.iter().map(missing_name).collect();
    assert_eq!(
        (c.outcome, rules.as_slice(), missing.as_slice()),
        (expect.outcome, expect.rules, expect.missing),
        "{name}: reasons {:#?}",
        c.reasons
    );
    assert!(
        !c.reasons.is_empty(),
        "{name}: a classification always explains itself"
    );
    c
}

const NOON: &str = "2020-01-01T12:00:00+03:00";

fn truce() -> PhaseTimeline {
    scheduled_timeline(&fixture(), "2020-01-02T00:00:00+03:00")
}

fn notice(party: &str, lat: f64, lon: f64, radius_m: f64, concurred: Option<bool>) -> Context {
    Context {
        strike_notices: vec![StrikeNoticeRef {
            id: format!("notice-{party}"),
            party: party.to_owned(),
            group: Some("isil".to_owned()),
            lat,
            lon,
            radius_m,
            window_start: ts("2020-01-01T00:00:00+03:00"),
            window_end: ts("2020-01-10T00:00:00+03:00"),
            filed_at: ts("2019-12-31T23:00:00+03:00"),
            concurred,
        }],
        ..Context::default()
    }
}

#[test]
fn violation_shelling_covered_forces_in_the_truce() {
    let r = incident(
        "v1",
        Category::Shelling,
        group("gov_army"),
        10.5,
        10.5,
        NOON,
    );
    let c = check(
        "shelling",
        &r,
        &truce(),
        &Context::default(),
        Expect {
            outcome: Outcome::Violation,
            rules: &["cease"],
            missing: &[],
        },
    );
    assert_eq!(c.answerable_party.as_deref(), Some("gov"));
    assert_eq!(c.phase.as_deref(), Some("truce"));
    assert!(
        c.reasons.iter().any(|r| r.contains("opp_factions")),
        "{:?}",
        c.reasons
    );
}

#[test]
fn permitted_notified_strike_on_designated_group_in_designated_area() {
    let mut r = incident("p1", Category::Airstrike, party("a"), 10.5, 12.5, NOON);
    r.target = Some(group("isil"));
    check(
        "notified strike",
        &r,
        &truce(),
        &notice("a", 10.5, 12.5, 2_000.0, None),
        Expect {
            outcome: Outcome::Permitted,
            rules: &["sponsor_strikes_notified"],
            missing: &[],
        },
    );
}

#[test]
fn undetermined_other_category() {
    let r = incident("u1", Category::Other, party("gov"), 10.5, 10.5, NOON);
    check(
        "other",
        &r,
        &truce(),
        &Context::default(),
        Expect {
            outcome: Outcome::Undetermined,
            rules: &[],
            missing: &["category"],
        },
    );
}

#[test]
fn edge_cases() {
    let tl = truce();
    let none = Context::default();
    let with = |f: &dyn Fn(&mut IncidentReport), base: IncidentReport| {
        let mut r = base;
        f(&mut r);
        r
    };
    let strike_isil = |lat, lon| {
        let mut r = incident("e", Category::Airstrike, party("a"), lat, lon, NOON);
        r.target = Some(group("isil"));
        r
    };

    // Strike on a designated group inside the designated area, without the notice it needs.
    check(
        "designated group, designated area, no notice",
        &strike_isil(10.5, 12.5),
        &tl,
        &none,
        Expect {
            outcome: Outcome::Violation,
            rules: &["sponsor_strikes_notified"],
            missing: &[],
        },
    );
    // The same strike on ground held by a covered group: prohibited even with a notice.
    check(
        "designated group outside designated areas",
        &strike_isil(10.5, 11.5),
        &tl,
        &notice("a", 10.5, 11.5, 2_000.0, Some(true)),
        Expect {
            outcome: Outcome::Violation,
            rules: &["no_strikes_on_covered_ground"],
            missing: &[],
        },
    );
    // Centre in the government area 1.1 km from the designated area, uncertainty 5 km: the
    // disc straddles the boundary; notified, so permitted on one side and prohibited on the other.
    let straddle = with(
        &|r| r.location.uncertainty_m = 5_000.0,
        strike_isil(10.5, 11.99),
    );
    let c = check(
        "uncertainty radius crossing a zone boundary",
        &straddle,
        &tl,
        &notice("a", 10.5, 12.0, 10_000.0, None),
        Expect {
            outcome: Outcome::Undetermined,
            rules: &[],
            missing: &["location"],
        },
    );
    match &c.missing[0] {
        Missing::LocationStraddles { zones, radius_m } => {
            assert_eq!(zones, &["gov_area", "isil_area"]);
            assert!((radius_m - 5_000.0).abs() < 1e-9);
        }
        other => panic!("{other:?}"),
    }
    // The same place known to 500 m lies wholly inside the government area.
    check(
        "small uncertainty inside one zone",
        &with(
            &|r| r.location.uncertainty_m = 500.0,
            strike_isil(10.5, 11.95),
        ),
        &tl,
        &notice("a", 10.5, 12.0, 10_000.0, None),
        Expect {
            outcome: Outcome::Violation,
            rules: &["no_strikes_on_covered_ground"],
            missing: &[],
        },
    );
    // Actor unknown, and it matters: a sponsor would need a notice, the government's strike on
    // ISIL in ISIL-held ground is not addressed.
    let c = check(
        "actor unknown",
        &with(
            &|r| r.actor = AllegedActor::unknown(),
            strike_isil(10.5, 12.5),
        ),
        &tl,
        &none,
        Expect {
            outcome: Outcome::Undetermined,
            rules: &[],
            missing: &["actor"],
        },
    );
    match &c.missing[0] {
        Missing::ActorUnknown {
            violation_if,
            permitted_if,
        } => {
            assert_eq!(violation_if, &["a", "b"]);
            assert!(permitted_if.contains(&"gov".to_owned()), "{permitted_if:?}");
        }
        other => panic!("{other:?}"),
    }
    // Actor unknown, and it does not matter: a violation, attribution open.
    check(
        "actor unknown, prohibited for anyone",
        &incident(
            "h",
            Category::AttackOnHumanitarian,
            AllegedActor::unknown(),
            10.5,
            10.5,
            NOON,
        ),
        &tl,
        &none,
        Expect {
            outcome: Outcome::Violation,
            rules: &["humanitarian"],
            missing: &["actor"],
        },
    );
    // A window straddling the truce's start: before it nothing applied.
    let mut window = incident(
        "t",
        Category::Shelling,
        group("gov_army"),
        10.5,
        10.5,
        "2019-12-31T22:00:00+03:00",
    );
    window.occurred.until = Some(ts("2020-01-01T02:00:00+03:00"));
    let c = check(
        "time straddling a phase change (none → truce)",
        &window,
        &tl,
        &none,
        Expect {
            outcome: Outcome::Undetermined,
            rules: &[],
            missing: &["time"],
        },
    );
    match &c.missing[0] {
        Missing::TimeStraddles { changes, .. } => {
            assert!(changes[0].contains("from none to truce"), "{changes:?}");
        }
        other => panic!("{other:?}"),
    }
    // A window straddling extension → jic: notified but not concurred with.
    let jic_tl = PhaseTimeline {
        intervals: vec![
            PhaseInterval {
                phase: "truce".into(),
                start: ts("2020-01-01T00:00:00+03:00"),
                end: Some(ts("2020-01-03T00:00:00+03:00")),
            },
            PhaseInterval {
                phase: "extension".into(),
                start: ts("2020-01-03T00:00:00+03:00"),
                end: None,
            },
            PhaseInterval {
                phase: "jic".into(),
                start: ts("2020-01-06T00:00:00+03:00"),
                end: None,
            },
        ],
    };
    let mut r = strike_isil(10.5, 12.5);
    r.occurred.from = ts("2020-01-05T22:00:00+03:00");
    r.occurred.until = Some(ts("2020-01-06T03:00:00+03:00"));
    check(
        "time straddling extension → jic",
        &r,
        &jic_tl,
        &notice("a", 10.5, 12.5, 5_000.0, Some(false)),
        Expect {
            outcome: Outcome::Undetermined,
            rules: &[],
            missing: &["time"],
        },
    );
    // Wholly in the jic phase, concurred: permitted.
    let mut r = strike_isil(10.5, 12.5);
    r.occurred.from = ts("2020-01-07T10:00:00+03:00");
    check(
        "jic phase, concurred",
        &r,
        &jic_tl,
        &notice("a", 10.5, 12.5, 5_000.0, Some(true)),
        Expect {
            outcome: Outcome::Permitted,
            rules: &["jic_strikes_concurred"],
            missing: &[],
        },
    );
    // Target not reported where the map places both a covered and a designated group.
    check(
        "target unknown",
        &incident("m", Category::Shelling, group("gov_army"), 12.5, 10.5, NOON),
        &tl,
        &none,
        Expect {
            outcome: Outcome::Undetermined,
            rules: &[],
            missing: &["target"],
        },
    );
    // A disputed line decides nothing: the default applies and the reasons say why.
    let c = check(
        "designated area whose line is disputed",
        &strike_isil(10.5, 14.5),
        &tl,
        &none,
        Expect {
            outcome: Outcome::Permitted,
            rules: &[],
            missing: &[],
        },
    );
    assert!(
        c.reasons.iter().any(|r| r.contains("not agreed")),
        "{:?}",
        c.reasons
    );
    // Before any phase: nothing applies.
    check(
        "before the truce",
        &incident(
            "b",
            Category::Shelling,
            group("gov_army"),
            10.5,
            10.5,
            "2019-12-30T12:00:00+03:00",
        ),
        &tl,
        &none,
        Expect {
            outcome: Outcome::Permitted,
            rules: &[],
            missing: &[],
        },
    );
}

#[test]
fn unknown_ids_are_errors_not_guesses() {
    let a = fixture();
    let r = incident("x", Category::Shelling, party("nobody"), 10.5, 10.5, NOON);
    assert!(r.validate(Some(&a)).is_err());
    assert!(classify(&a, &r, &truce(), &Context::default()).is_err());
}

#[test]
fn deir_ez_zor_17_september_2016() {
    let a = syria_2016();
    let tl = scheduled_timeline(&a, "2016-09-14T00:00:00+03:00");
    // Jabal al-Tharda, 17 Sept 2016 15:55 local, Coalition strikes on Syrian Arab Army positions.
    let mut r = incident(
        "dez",
        Category::Airstrike,
        party("us"),
        35.257,
        40.141,
        "2016-09-17T15:55:00+03:00",
    );
    r.occurred.until = Some(ts("2016-09-17T16:56:00+03:00"));
    r.location.uncertainty_m = 500.0;
    let c = match classify(&a, &r, &tl, &Context::default()) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.outcome, Outcome::Violation, "{:#?}", c.reasons);
    assert_eq!(c.phase.as_deref(), Some("extension"));
    assert!(
        c.zones.contains(&"jabal_tharda".to_owned()),
        "{:?}",
        c.zones
    );
    let rules: Vec<&str> = c.rules.iter().map(|r| r.rule.as_str()).collect();
    assert!(
        rules.contains(&"coh_cease_attacks") && rules.contains(&"no_strikes_in_covered_areas"),
        "{rules:?}"
    );
}

#[test]
fn urum_al_kubra_19_september_2016() {
    let a = syria_2016();
    let tl = scheduled_timeline(&a, "2016-09-14T00:00:00+03:00");
    let mut r = incident(
        "urum",
        Category::AttackOnHumanitarian,
        AllegedActor::unknown(),
        36.1516,
        36.9678,
        "2016-09-19T19:10:00+03:00",
    );
    r.occurred.until = Some(ts("2016-09-19T19:30:00+03:00"));
    r.location.uncertainty_m = 300.0;
    let convoy = MovementRef {
        id: "convoy-urum".into(),
        name: "UN/SARC convoy to Urum al-Kubra".into(),
        route: vec![[36.1389, 36.8300], [36.1516, 36.9678]],
        window_start: ts("2016-09-19T10:00:00+03:00"),
        window_end: ts("2016-09-19T23:00:00+03:00"),
        notified_at: ts("2016-09-18T12:00:00+03:00"),
        recipients: vec!["russia".into(), "us".into()],
        acknowledgments: vec![
            Acknowledgment {
                party: "russia".into(),
                at: ts("2016-09-18T13:00:00+03:00"),
            },
            Acknowledgment {
                party: "us".into(),
                at: ts("2016-09-18T12:30:00+03:00"),
            },
        ],
    };
    let ctx = Context {
        movements: vec![convoy],
        ..Context::default()
    };
    let c = match classify(&a, &r, &tl, &ctx) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.outcome, Outcome::Violation, "{:#?}", c.reasons);
    assert_eq!(c.rules[0].rule, "no_attacks_on_humanitarian");
    assert!(matches!(c.missing[0], Missing::ActorUnknown { .. }));
    assert_eq!(c.links.len(), 1);
    assert_eq!(c.links[0].kind, LinkKind::Movement);

    // Attributed to the Syrian government: the link says its sponsor had acknowledged? No —
    // the government was not a recipient (events_2016.md §7), and the link says so.
    r.actor = party("syrian_government");
    let c = match classify(&a, &r, &tl, &ctx) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let ack = c.links[0].actor_acknowledgment.as_ref();
    assert_eq!(ack.map(|a| a.recipient), Some(false));
    assert!(
        c.links[0].summary.contains("not a recipient"),
        "{}",
        c.links[0].summary
    );

    // Attributed to Russia: acknowledged at 13:00 the day before.
    r.actor = party("russia");
    let c = match classify(&a, &r, &tl, &ctx) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let ack = c.links[0].actor_acknowledgment.clone();
    assert_eq!(
        ack.and_then(|a| a.before_incident.then_some(a.acknowledged_at))
            .flatten(),
        Some(ts("2016-09-18T13:00:00+03:00"))
    );
}

#[test]
fn sealed_sites_link_without_disclosure() {
    let a = fixture();
    let r = incident("s", Category::Shelling, group("gov_army"), 10.5, 10.5, NOON);
    let ctx = Context {
        sites: vec![jic_compliance::links::SiteRef {
            id: "secret-hospital".into(),
            name: "Hospital".into(),
            category: "hospital".into(),
            lat: 10.501,
            lon: 10.5,
            sealed: true,
            notified_at: ts("2019-12-01T00:00:00Z"),
            recipients: vec![],
            acknowledgments: vec![],
        }],
        ..Context::default()
    };
    let c = match classify(&a, &r, &truce(), &ctx) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let json = serde_json::to_string(&c).unwrap_or_default();
    assert_eq!(c.links.len(), 1);
    assert_eq!(c.links[0].distance_band.as_deref(), Some("within 500 m"));
    assert!(
        !json.contains("secret-hospital") && !json.contains("10.501"),
        "{json}"
    );
}
