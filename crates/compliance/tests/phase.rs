//! The phase clock on synthetic weeks: the 2016 pattern (violations every day: the JIC phase is
//! never reached), a calm week (the transition on the right day), a reset by one violent day,
//! what counts, and recomputation from an exported copy giving the same answer.

mod common;

use common::{fixture, group, incident, party, syria_2016, ts};
use jic_compliance::links::Context;
use jic_compliance::phase::TransitionCause;
use jic_compliance::{Category, ClockIncident, ClockResult, PhaseClock, ReviewStatus};
use jiff::civil::date;

/// `per_day[i]` verified violations on 13 Sept 2016 + i: shelling of east Aleppo by the Syrian
/// Arab Army (a violation of the cessation), at 10:00 local plus a minute per incident.
fn week_2016(per_day: &[usize], status: ReviewStatus) -> Vec<ClockIncident> {
    let mut out = Vec::new();
    for (day, n) in per_day.iter().enumerate() {
        for k in 0..*n {
            let at = format!("2016-09-{:02}T10:{:02}:00+03:00", 13 + day, k);
            out.push(ClockIncident {
                report: aleppo_shelling(&format!("aleppo-{:02}-{k}", 13 + day), &at),
                status,
            });
        }
    }
    out
}

/// Syrian Arab Army shelling of opposition factions in east Aleppo.
fn aleppo_shelling(id: &str, at: &str) -> jic_compliance::IncidentReport {
    let mut r = incident(id, Category::Shelling, group("saa"), 36.20, 37.18, at);
    r.target = Some(group("opposition_factions"));
    r
}

fn compute(incidents: &[ClockIncident], as_of: &str) -> ClockResult {
    match PhaseClock::compute(&syria_2016(), incidents, &Context::default(), ts(as_of)) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn phases(r: &ClockResult) -> Vec<(&str, String)> {
    r.transitions
        .iter()
        .map(|t| (t.phase.as_str(), t.at.to_string()))
        .collect()
}

#[test]
fn the_2016_pattern_never_reaches_the_jic_phase() {
    // Violations reported every day from 13 to 26 Sept, above the threshold of 3.
    let r = compute(
        &week_2016(&[5; 14], ReviewStatus::Verified),
        "2016-09-27T00:00:00+03:00",
    );
    assert_eq!(
        phases(&r),
        [
            ("recommitment", "2016-09-12T16:00:00Z".to_owned()),
            ("extension", "2016-09-14T16:00:00Z".to_owned()),
        ]
    );
    assert_eq!(r.phase_now.as_deref(), Some("extension"));
    // 12 Sept (the truce began at 19:00) through 26 Sept.
    assert_eq!(r.days.len(), 15);
    assert!(r.days[0].calm, "12 Sept had no reports");
    assert!(r.days[1..].iter().all(|d| !d.calm));
    let d = &r.days[1];
    assert_eq!(d.date, date(2016, 9, 13));
    assert_eq!(d.counted.len(), 5);
    assert!(
        d.explanation.contains("5 verified violation(s)")
            && d.explanation.contains("not calm")
            && d.explanation.contains("0 of 7"),
        "{}",
        d.explanation
    );
    assert_eq!(d.phase.as_deref(), Some("recommitment"));
}

#[test]
fn a_calm_week_starts_the_jic_phase_at_the_end_of_its_seventh_day() {
    // At most 3 verified violations a day is calm: 13–19 Sept are the seven days counted after
    // the recommitment began (12 Sept 19:00 is mid-day, so 12 Sept does not count).
    let r = compute(
        &week_2016(&[3, 1, 0, 2, 3, 0, 1], ReviewStatus::Verified),
        "2016-09-21T00:00:00+03:00",
    );
    let jic = r.transitions.iter().find(|t| t.phase == "jic");
    let Some(jic) = jic else {
        panic!("no jic transition: {:#?}", r.days)
    };
    assert_eq!(jic.at, ts("2016-09-20T00:00:00+03:00"));
    assert_eq!(jic.from_phase.as_deref(), Some("extension"));
    match &jic.cause {
        TransitionCause::CalmDays { after, days } => {
            assert_eq!(after, "recommitment");
            assert_eq!(days.first(), Some(&date(2016, 9, 13)));
            assert_eq!(days.last(), Some(&date(2016, 9, 19)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.phase_now.as_deref(), Some("jic"));
    assert_eq!(
        r.timeline.phase_at(ts("2016-09-19T23:59:59+03:00")),
        Some("extension")
    );
    assert_eq!(
        r.timeline.phase_at(ts("2016-09-20T00:00:00+03:00")),
        Some("jic")
    );
    // Not yet on the evening of the 19th: that day is not complete.
    let r = compute(
        &week_2016(&[0; 7], ReviewStatus::Verified),
        "2016-09-19T23:00:00+03:00",
    );
    assert!(r.transitions.iter().all(|t| t.phase != "jic"));
}

#[test]
fn one_violent_day_resets_the_count() {
    // Calm 13–15, four violations on the 16th, calm from the 17th: seven more days needed.
    let mut per_day = vec![0; 14];
    per_day[3] = 4;
    let r = compute(
        &week_2016(&per_day, ReviewStatus::Verified),
        "2016-09-27T00:00:00+03:00",
    );
    let jic = r
        .transitions
        .iter()
        .find(|t| t.phase == "jic")
        .map(|t| t.at);
    assert_eq!(jic, Some(ts("2016-09-24T00:00:00+03:00")));
    let day16 = r
        .day(date(2016, 9, 16))
        .map(|d| (d.calm, d.progress[0].consecutive));
    assert_eq!(day16, Some((false, 0)));
    let day15 = r.day(date(2016, 9, 15)).map(|d| d.progress[0].consecutive);
    assert_eq!(day15, Some(3));
}

#[test]
fn only_verified_violations_count() {
    // Five a day, none verified: every day calm, the JIC phase arrives on the 20th.
    for status in [
        ReviewStatus::Reported,
        ReviewStatus::UnderReview,
        ReviewStatus::Unverified,
        ReviewStatus::Disputed,
    ] {
        let r = compute(&week_2016(&[5; 7], status), "2016-09-21T00:00:00+03:00");
        assert!(
            r.days.iter().all(|d| d.calm && d.counted.is_empty()),
            "{status}"
        );
        assert!(
            r.days[1].not_counted[0].reason.contains("only verified"),
            "{}",
            r.days[1].not_counted[0].reason
        );
        assert_eq!(r.phase_now.as_deref(), Some("jic"), "{status}");
    }
    // Verified but permitted (a sponsor's strike on ISIL with no rule against it on that day's
    // map: the ISIL ring is only proposed) does not count either.
    let incidents: Vec<ClockIncident> = (0..7)
        .flat_map(|d| {
            (0..5).map(move |k| {
                let mut r = incident(
                    &format!("ring-{d}-{k}"),
                    Category::Airstrike,
                    party("russia"),
                    35.40,
                    40.30,
                    &format!("2016-09-{:02}T09:{k:02}:00+03:00", 13 + d),
                );
                r.target = Some(group("isil"));
                ClockIncident {
                    report: r,
                    status: ReviewStatus::Verified,
                }
            })
        })
        .collect();
    let r = compute(&incidents, "2016-09-21T00:00:00+03:00");
    assert!(
        r.days.iter().all(|d| d.counted.is_empty()),
        "{:#?}",
        r.days[1]
    );
    assert!(
        r.days[1].not_counted[0]
            .reason
            .contains("classified permitted")
    );
}

#[test]
fn days_follow_the_agreements_time_zone() {
    // 23:30 local on the 15th is 20:30 UTC: it belongs to the 15th (+03:00), not the 16th.
    let mut incidents = week_2016(&[0; 7], ReviewStatus::Verified);
    for k in 0..4 {
        incidents.push(ClockIncident {
            report: aleppo_shelling(&format!("late-{k}"), "2016-09-15T20:30:00Z"),
            status: ReviewStatus::Verified,
        });
    }
    let r = compute(&incidents, "2016-09-21T00:00:00+03:00");
    assert_eq!(r.day(date(2016, 9, 15)).map(|d| d.counted.len()), Some(4));
    assert_eq!(r.day(date(2016, 9, 16)).map(|d| d.counted.len()), Some(0));
}

#[test]
fn recomputation_from_an_exported_copy_gives_the_same_answer() {
    // The incidents as they would be read back from a log copy: serialized, reordered, parsed.
    let incidents = week_2016(
        &[3, 1, 4, 2, 3, 0, 1, 0, 0, 5, 0, 0, 0, 0],
        ReviewStatus::Verified,
    );
    let original = compute(&incidents, "2016-09-27T00:00:00+03:00");
    let exported: Vec<String> = incidents
        .iter()
        .rev()
        .map(|i| serde_json::to_string(i).unwrap_or_default())
        .collect();
    let reread: Vec<ClockIncident> = exported
        .iter()
        .map(|line| match serde_json::from_str(line) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        })
        .collect();
    let again = compute(&reread, "2016-09-27T00:00:00+03:00");
    assert_eq!(original, again);
    // And the result itself survives a round trip through JSON unchanged.
    let json = serde_json::to_string(&original).unwrap_or_default();
    let back: ClockResult = match serde_json::from_str(&json) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(back, original);
}

#[test]
fn fixture_chain_of_phases() {
    // truce (48 h) → extension when it ends; jic after 3 calm days counted from 1 Jan.
    let r = match PhaseClock::compute(
        &fixture(),
        &[],
        &Context::default(),
        ts("2020-01-10T00:00:00+03:00"),
    ) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        phases(&r),
        [
            ("truce", "2019-12-31T21:00:00Z".to_owned()),
            ("extension", "2020-01-02T21:00:00Z".to_owned()),
            ("jic", "2020-01-03T21:00:00Z".to_owned()),
        ]
    );
}

#[test]
fn replay_of_logged_submissions_feeds_the_clock() {
    use jic_compliance::replay::{KIND_AMEND, KIND_REPORT, KIND_REVIEW, LoggedSubmission, Replay};
    use jic_compliance::{Review, ReviewStatus};
    // Seven calm days would start the JIC phase on the 20th; five verified violations on the
    // 14th stop it, but only once they are verified; and a review filed after `as_of` does not
    // count.
    let reports = week_2016(&[0, 5], ReviewStatus::Reported);
    let mut log: Vec<(String, String, jiff::Timestamp, serde_json::Value)> = Vec::new();
    for r in &reports {
        log.push((
            KIND_REPORT.into(),
            "jic_monitors".into(),
            ts("2016-09-14T12:00:00+03:00"),
            serde_json::to_value(&r.report).unwrap_or_default(),
        ));
    }
    for (k, r) in reports.iter().enumerate() {
        for (status, at) in [
            (ReviewStatus::UnderReview, "2016-09-15T09:00:00+03:00"),
            (
                ReviewStatus::Verified,
                if k < 4 {
                    "2016-09-15T10:00:00+03:00"
                } else {
                    "2016-09-25T10:00:00+03:00"
                },
            ),
        ] {
            let review = Review {
                incident: r.report.id.clone(),
                version: 1,
                status,
                note: String::new(),
            };
            log.push((
                KIND_REVIEW.into(),
                "jic_monitors".into(),
                ts(at),
                serde_json::to_value(&review).unwrap_or_default(),
            ));
        }
    }
    // A bad amendment (unknown incident) is skipped and reported.
    let mut ghost = reports[0].report.clone();
    ghost.id = "ghost".into();
    log.push((
        KIND_AMEND.into(),
        "jic_monitors".into(),
        ts("2016-09-15T11:00:00+03:00"),
        serde_json::to_value(&ghost).unwrap_or_default(),
    ));
    log.sort_by_key(|e| e.2);
    let replay = Replay::from_entries(log.iter().enumerate().map(
        |(i, (kind, party, at, payload))| LoggedSubmission {
            leaf: i as u64,
            kind,
            party,
            received: *at,
            payload,
        },
    ));
    assert_eq!(replay.skipped.len(), 1, "{:?}", replay.skipped);
    let as_of = ts("2016-09-21T00:00:00+03:00");
    let incidents = replay.clock_incidents(as_of);
    let r = compute(&incidents, "2016-09-21T00:00:00+03:00");
    // Four verified by as_of: > 3, so the 14th is not calm and the count restarts.
    assert_eq!(
        r.day(date(2016, 9, 14)).map(|d| (d.counted.len(), d.calm)),
        Some((4, false))
    );
    assert!(r.transitions.iter().all(|t| t.phase != "jic"));
}

/// One step of a history: a new incident (day after 12 Sept, minute, kind of act, status),
/// a status change of an earlier one, or a strike notice filed (the memo must forget).
#[derive(Debug, Clone)]
enum Step {
    Report(u8, u8, u8, u8),
    Review(usize, u8),
    Notice,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        6 => (0u8..16, 0u8..60, 0u8..4, 0u8..5).prop_map(|(d, m, k, s)| Step::Report(d, m, k, s)),
        3 => (0usize..64, 0u8..5).prop_map(|(i, s)| Step::Review(i, s)),
        1 => Just(Step::Notice),
    ]
}

fn status(s: u8) -> ReviewStatus {
    [
        ReviewStatus::Reported,
        ReviewStatus::UnderReview,
        ReviewStatus::Verified,
        ReviewStatus::Verified,
        ReviewStatus::Disputed,
    ][usize::from(s) % 5]
}

/// An act of one of four kinds: shelling of the opposition by the army (a violation), an
/// airstrike by Russia on a designated group, an attack on a humanitarian site by someone
/// unknown, and an `other` report.
fn act(id: &str, day: u8, minute: u8, kind: u8) -> jic_compliance::IncidentReport {
    let at = format!("2016-09-{:02}T10:{minute:02}:00+03:00", 12 + day);
    match kind {
        0 => aleppo_shelling(id, &at),
        1 => common::incident(id, Category::Airstrike, party("russia"), 36.0, 36.6, &at),
        2 => common::incident(
            id,
            Category::AttackOnHumanitarian,
            jic_compliance::AllegedActor::unknown(),
            36.1516,
            36.9678,
            &at,
        ),
        _ => common::incident(id, Category::Other, group("saa"), 36.2, 37.1, &at),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 16, ..Default::default() })]

    /// The memoised clock of the server's submit path gives the days, transitions, timeline and
    /// phase of the full computation after every step of a history, with one memo throughout
    /// (reports, status changes both ways, strike notices changing the context); the memoised
    /// full computation gives the whole result.
    #[test]
    fn memoised_clock_equals_the_full_computation(steps in proptest::collection::vec(step(), 1..32)) {
        let agreement = syria_2016();
        let mut memo = jic_compliance::phase::OutcomeMemo::default();
        let mut full_memo = jic_compliance::phase::ClassificationMemo::default();
        let mut incidents: Vec<ClockIncident> = Vec::new();
        let mut context = Context::default();
        for (i, s) in steps.iter().enumerate() {
            match s {
                Step::Report(d, m, k, st) => incidents.push(ClockIncident {
                    report: act(&format!("inc-{i}"), *d, *m, *k),
                    status: status(*st),
                }),
                Step::Review(j, st) => {
                    if !incidents.is_empty() {
                        let j = j % incidents.len();
                        incidents[j].status = status(*st);
                    }
                }
                Step::Notice => context.strike_notices.push(jic_compliance::links::StrikeNoticeRef {
                    id: format!("russia/n-{i}"),
                    party: "russia".into(),
                    group: Some("isil".into()),
                    lat: 36.0,
                    lon: 36.6,
                    radius_m: 5_000.0,
                    window_start: ts("2016-09-12T00:00:00Z"),
                    window_end: ts("2016-09-30T00:00:00Z"),
                    filed_at: ts("2016-09-11T00:00:00Z"),
                    concurred: Some(i % 2 == 0),
                }),
            }
            // The clock moves forward a day every few steps.
            let as_of = ts("2016-09-13T09:00:00Z")
                .checked_add(jiff::SignedDuration::from_hours(12 * i as i64))
                .unwrap_or_else(|e| panic!("{e}"));
            let full = PhaseClock::compute(&agreement, &incidents, &context, as_of);
            let fast = PhaseClock::compute_phases(&agreement, &incidents, &context, as_of, &mut memo);
            let (full, fast) = match (full, fast) {
                (Ok(a), Ok(b)) => (a, b),
                (a, b) => panic!("{:?} / {:?}", a.err(), b.err()),
            };
            proptest::prop_assert_eq!(&fast.days, &full.days);
            proptest::prop_assert_eq!(&fast.transitions, &full.transitions);
            proptest::prop_assert_eq!(&fast.timeline, &full.timeline);
            proptest::prop_assert_eq!(&fast.phase_now, &full.phase_now);
            proptest::prop_assert!(fast.classifications.is_empty());
            let memoised = PhaseClock::compute_memoised(&agreement, &incidents, &context, as_of, &mut full_memo);
            let memoised = memoised.unwrap_or_else(|e| panic!("{e}"));
            proptest::prop_assert_eq!(&memoised, &full);
        }
    }
}

#[test]
fn a_calm_week_reached_through_the_memo_starts_the_jic_phase_on_the_same_day() {
    // Calm days with one verified violation each, computed day by day with one memo: the
    // memo's answer after each day is the full computation's, and the JIC phase starts.
    let agreement = syria_2016();
    let mut memo = jic_compliance::phase::OutcomeMemo::default();
    let mut incidents = Vec::new();
    for day in 0..10u8 {
        incidents.push(ClockIncident {
            report: aleppo_shelling(
                &format!("calm-{day}"),
                &format!("2016-09-{:02}T10:00:00+03:00", 13 + day),
            ),
            status: ReviewStatus::Verified,
        });
        let as_of = ts(&format!("2016-09-{:02}T01:00:00+03:00", 14 + day));
        let full = compute(&incidents, &as_of.to_string());
        let fast = PhaseClock::compute_phases(
            &agreement,
            &incidents,
            &Context::default(),
            as_of,
            &mut memo,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fast.transitions, full.transitions);
        assert_eq!(fast.days, full.days);
    }
    assert!(
        phases(&compute(&incidents, "2016-09-23T01:00:00+03:00"))
            .iter()
            .any(|(p, _)| *p == "jic")
    );
    assert_eq!(memo.len(), 10);
}
