//! Humanitarian notification and strike pre-notification through the real submit path
//! (issue #6): the Urum al-Kubra convoy, a sealed hospital that no party ever learns the
//! position of (checked on every response, event, alert and every tile and entry bundle of the
//! log), acknowledgment escalation with a controlled clock, suspension, and a replay of the
//! stored log that reproduces every logged decision.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is the test failing"
)]

mod support;

use jic_ledger::tile::TilePath;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{DEZ_AIM, TestServer, dez_a_notice, flight, start_at, t, urum_warehouse};

/// The protect decisions a replay of the stored log computes, and those the log holds (kind,
/// body), each in log order.
async fn replayed_and_logged(s: &TestServer) -> (Vec<(String, Value)>, Vec<(String, Value)>) {
    s.state
        .read(|conn| {
            let replay = jic_server::kinds::protect::replay(conn, i64::MAX as u64)?;
            let mut stmt = conn
                .prepare("SELECT kind, body_json FROM decision WHERE kind LIKE 'protect.%' ORDER BY leaf_index")
                .unwrap();
            let logged: Vec<(String, Value)> = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, serde_json::from_str(&r.get::<_, String>(1)?).unwrap())))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            Ok((replay.decisions, logged))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn urum_al_kubra_convoy_conflict_names_the_movement_and_its_receipts() {
    let s = start_at("2016-09-19T08:30:00+03:00").await;
    s.ok(
        "un_ocha",
        "humanitarian.movement",
        json!({"id": "urum-convoy", "route": {"type": "LineString",
                 "coordinates": [[37.10, 36.20], [37.00, 36.17], [36.9678, 36.1516]]},
               "window": {"start": "2016-09-19T10:00:00+03:00", "end": "2016-09-19T23:00:00+03:00"},
               "schedule": {"depart": "2016-09-19T10:50:00+03:00", "arrive": "2016-09-19T13:30:00+03:00"},
               "vehicles": 31, "markings": ["UN", "SARC"], "recipients": ["us", "russia"]}),
        true,
    )
    .await;
    s.clock.set(t("2016-09-19T08:45:00+03:00"));
    s.acknowledge("us", "un_ocha/urum-convoy", 1).await;
    s.clock.set(t("2016-09-19T09:10:00+03:00"));
    s.acknowledge("russia", "un_ocha/urum-convoy", 1).await;
    // A second receipt by the same party is refused.
    let (status, _) = s
        .submit(
            "russia",
            "humanitarian.ack",
            json!({"notification": "un_ocha/urum-convoy"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    s.clock.set(t("2016-09-19T18:00:00+03:00"));
    s.ok(
        "russia",
        "air_operation.file",
        flight(
            "ru-op-0919",
            &[(37.4, 36.5), (36.97, 36.153), (37.4, 36.5)],
            "2016-09-19T18:50:00+03:00",
        ),
        true,
    )
    .await;
    s.clock.set(t("2016-09-19T18:30:00+03:00"));
    let receipt = s
        .ok(
            "russia",
            "strike.notice",
            json!({"id": "ru-0919-1", "group": "jfs",
                   "area": {"type": "Point", "coordinates": [36.9712, 36.1530], "radius_m": 200},
                   "window": {"start": "2016-09-19T19:10:00+03:00", "end": "2016-09-19T19:40:00+03:00"},
                   "effects_radius_m": 300, "air_operation": "ru-op-0919"}),
            true,
        )
        .await;
    let result = &receipt["result"];
    assert_eq!(result["verdict"], "conflict", "{result:#}");
    let movement = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "notified_movement")
        .unwrap_or_else(|| panic!("{result:#}"));
    assert_eq!(movement["notification"], "un_ocha/urum-convoy");
    assert_eq!(movement["rule"], "no_attacks_on_humanitarian");
    let acks: Vec<(String, Timestamp)> = movement["acknowledgments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["party"].as_str().unwrap().to_owned(),
                a["at"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        acks,
        [
            ("us".to_owned(), t("2016-09-19T08:45:00+03:00")),
            ("russia".to_owned(), t("2016-09-19T09:10:00+03:00"))
        ]
    );
    // The counterpart and the joint cell can read it; the review is open.
    let notice = s.read("/api/v1/strike-notices/ru-0919-1", "us").await;
    assert_eq!(notice["status"], "conflict");
    assert_eq!(notice["assessment"]["verdict"], "conflict");
    // The dashboard's list: the shape it codes against, the area to entitled readers only.
    let list = s.read("/api/v1/strike-notices", "us").await;
    let [item] = &list.as_array().unwrap()[..] else {
        panic!("{list:#}")
    };
    assert_eq!(item["id"], "ru-0919-1");
    assert_eq!(item["party"], "russia");
    assert_eq!(item["group"], "jfs");
    assert_eq!(
        item["area"],
        json!({"type": "Point", "coordinates": [36.9712, 36.1530], "radius_m": 200})
    );
    assert_eq!(
        item["window"],
        json!({"start": "2016-09-19T19:10:00+03:00", "end": "2016-09-19T19:40:00+03:00"})
    );
    assert_eq!(item["effects_radius_m"], 300.0);
    assert_eq!(item["air_operation"], "ru-op-0919");
    assert_eq!(
        (&item["verdict"], &item["status"]),
        (&json!("conflict"), &json!("conflict"))
    );
    assert_eq!(
        item["received"]
            .as_str()
            .unwrap()
            .parse::<Timestamp>()
            .unwrap(),
        t("2016-09-19T18:30:00+03:00")
    );
    let finding = item["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "no_attacks_on_humanitarian")
        .unwrap_or_else(|| panic!("{item:#}"));
    assert!(finding["clause"].as_str().unwrap().contains("9 Sept 2016"));
    assert!(
        finding["detail"]
            .as_str()
            .unwrap()
            .contains("un_ocha/urum-convoy"),
        "{finding}"
    );
    // The joint cell sees the notice and its findings, not the area the agreement restricts to
    // sponsors and monitors; a humanitarian organisation sees no strike notice at all.
    let duty = s.read("/api/v1/strike-notices", "jic").await;
    assert_eq!(duty[0]["id"], "ru-0919-1");
    assert!(duty[0]["area"].is_null(), "{duty:#}");
    assert_eq!(s.read("/api/v1/strike-notices", "un_ocha").await, json!([]));
    // The humanitarian organisation sees who acknowledged, and when.
    let list = s.read("/api/v1/notifications", "un_ocha").await;
    let acks = &list[0]["acknowledgments"];
    assert_eq!(acks.as_array().unwrap().len(), 2, "{list:#}");
    // A stop request reaches the filing party's cell as a critical alert, with its time.
    s.clock.set(t("2016-09-19T19:12:00+03:00"));
    s.ok(
        "us",
        "strike.stop",
        json!({"notice": "ru-0919-1", "reason": "UN/SARC convoy at the warehouse"}),
        false,
    )
    .await;
    let alerts = s.read("/api/v1/alerts", "russia").await;
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "stop_request" && a["severity"] == "critical"),
        "{alerts:#}"
    );
    s.clock.set(t("2016-09-19T19:14:30+03:00"));
    let ack = s
        .ok(
            "russia",
            "strike.stop_ack",
            json!({"notice": "ru-0919-1", "number": 1}),
            false,
        )
        .await;
    assert_eq!(ack["result"]["decisions"][0]["latency_s"], 150.0, "{ack:#}");
    s.stop().await;
}

const HOSPITAL: [f64; 2] = [36.63217, 35.93071];

#[tokio::test]
async fn a_sealed_hospital_never_reaches_a_party_or_the_log() {
    let s = start_at("2016-09-18T08:00:00+03:00").await;
    s.ok(
        "un_ocha",
        "humanitarian.site",
        json!({"id": "h-17", "category": "hospital",
               "geometry": {"type": "Point", "coordinates": HOSPITAL},
               "precision_m": 10, "recipients": ["us", "russia"],
               "valid_from": "2016-09-18T00:00:00+03:00", "disclosure": "sealed"}),
        true,
    )
    .await;
    s.clock.set(t("2016-09-19T12:00:00+03:00"));
    s.ok(
        "russia",
        "air_operation.file",
        flight(
            "ru-op-idlib",
            &[(37.2, 36.3), (36.634, 35.933), (37.2, 36.3)],
            "2016-09-19T13:40:00+03:00",
        ),
        true,
    )
    .await;
    s.clock.set(t("2016-09-19T13:00:00+03:00"));
    let notice = s
        .ok(
            "russia",
            "strike.notice",
            json!({"id": "ru-idlib-1", "group": "jfs",
                   "area": {"type": "Point", "coordinates": [36.6350, 35.9330], "radius_m": 100},
                   "window": {"start": "2016-09-19T14:00:00+03:00", "end": "2016-09-19T14:30:00+03:00"},
                   "effects_radius_m": 200, "air_operation": "ru-op-idlib"}),
            true,
        )
        .await;
    assert_eq!(notice["result"]["verdict"], "conflict");
    let text = notice.to_string();
    assert!(
        text.contains("conflicts with a protected site within 500 m"),
        "{text}"
    );
    let check = s
        .ok(
            "russia",
            "humanitarian.sealed_check",
            json!({"area": {"type": "Point", "coordinates": [36.6335, 35.9315]}}),
            true,
        )
        .await;
    assert_eq!(
        check["result"]["decisions"][0]["within_m"], 250,
        "{check:#}"
    );

    // Probing: more near misses by one asker within the hour are reported to the monitors,
    // then refused (and still logged).
    let mut last = Value::Null;
    for i in 0..6 {
        let lon = 36.6335 + 0.0004 * f64::from(i);
        last = s
            .ok(
                "russia",
                "humanitarian.sealed_check",
                json!({"area": {"type": "Point", "coordinates": [lon, 35.9315]}}),
                true,
            )
            .await;
    }
    assert_eq!(
        last["result"]["decisions"][0]["decision"], "sealed_check_refused",
        "{last:#}"
    );
    let monitors = s.read("/api/v1/alerts", "jic_monitors").await;
    assert!(
        monitors
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "sealed_probing" && a["subject"]["party"] == "russia"),
        "{monitors:#}"
    );
    let probing = [last.to_string(), monitors.to_string()];

    // Everything the filer (and the other sponsor) can read.
    let mut seen = vec![notice.to_string(), check.to_string()];
    seen.extend(probing);
    for member in ["russia", "us"] {
        for path in [
            "/api/v1/notifications",
            "/api/v1/alerts",
            "/api/v1/strike-notices/ru-idlib-1",
            "/api/v1/implementation",
            "/api/v1/reports/daily/2016-09-18",
            "/api/v1/reports/daily/2016-09-19",
        ] {
            let (status, text) = s.get_text(path, member).await;
            assert!(status.is_success(), "{path}: {status}");
            seen.push(text);
        }
        // The list, less each notice's own area (the filer's input, a few hundred metres from
        // the hospital by construction): nothing else in it may locate the site.
        let mut list = s.read("/api/v1/strike-notices", member).await;
        for n in list.as_array_mut().unwrap() {
            assert!(n["findings"].to_string().contains("within 500 m"), "{n}");
            n.as_object_mut().unwrap().remove("area");
        }
        seen.push(list.to_string());
        // Every live event addressed to this party (what its SSE stream carries).
        let m = member.to_owned();
        let events: Vec<String> = s
            .state
            .read(move |conn| {
                use jic_store::state::StateRead;
                Ok(conn
                    .events_after(0, 100_000)?
                    .into_iter()
                    .filter(|e| {
                        let audience: Vec<String> = serde_json::from_str(&e.audience_json).unwrap();
                        audience.iter().any(|a| a == "*" || *a == m || a == "party")
                    })
                    .map(|e| e.body_json)
                    .collect())
            })
            .await
            .unwrap();
        assert!(!events.is_empty());
        seen.extend(events);
        let list = s.read("/api/v1/notifications", member).await;
        let site = &list.as_array().unwrap()[0];
        assert_eq!(site["disclosure"], "sealed");
        assert!(site["geometry"].is_null(), "{site}");
    }
    // Every leaf's submission view, as a party reads it.
    let size = s.state.integrate().await.unwrap();
    for leaf in 0..size {
        let (_, text) = s
            .get_text(&format!("/api/v1/submissions/{leaf}"), "russia")
            .await;
        if text.contains("\"un_ocha\"") {
            seen.push(text);
        }
    }
    // Every tile and entry bundle of the log.
    let mut paths = Vec::new();
    let (mut level, mut nodes) = (0u8, size);
    while nodes > 0 {
        for index in 0..nodes.div_ceil(256) {
            let width = ((index + 1) * 256 > nodes).then_some((nodes % 256) as u16);
            paths.push(TilePath::Hashes {
                level,
                index,
                width,
            });
        }
        level += 1;
        nodes /= 256;
    }
    for index in 0..size.div_ceil(256) {
        let width = ((index + 1) * 256 > size).then_some((size % 256) as u16);
        paths.push(TilePath::Entries { index, width });
    }
    let mut bundles = Vec::new();
    for p in &paths {
        let r = s
            .http
            .get(format!("{}/log/{p}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{p}");
        bundles.extend(r.bytes().await.unwrap());
    }
    let log = String::from_utf8_lossy(&bundles).into_owned();
    assert!(
        log.contains("humanitarian.site") && log.contains("strike_assessed"),
        "the bundles hold the entries"
    );
    seen.push(log);
    for text in &seen {
        for v in HOSPITAL {
            for decimals in 2..=5 {
                let needle = format!("{v:.decimals$}");
                assert!(!text.contains(&needle), "{needle} leaked: {text}");
            }
        }
    }
    // A party that is not a recipient does not even learn the notification exists.
    let other = s.read("/api/v1/notifications", "syrian_government").await;
    assert_eq!(other, json!([]));
    // The notifier itself keeps its coordinates.
    let own = s.read("/api/v1/notifications", "un_ocha").await;
    assert_eq!(own[0]["geometry"]["coordinates"][0], HOSPITAL[0]);
    s.stop().await;
}

#[tokio::test]
async fn overdue_receipts_escalate_at_the_deadline_and_the_second_threshold() {
    let s = start_at("2016-09-19T08:00:00+03:00").await;
    s.ok("sarc", "humanitarian.site", urum_warehouse(), true)
        .await;
    s.clock.set(t("2016-09-19T08:20:00+03:00"));
    s.ok(
        "us",
        "humanitarian.ack",
        json!({"notification": "sarc/urum-warehouse"}),
        false,
    )
    .await;
    // Russia, a recipient, sees the warehouse coarsened to 100 m.
    let list = s.read("/api/v1/notifications", "russia").await;
    let seen = &list[0]["geometry"]["coordinates"];
    assert!(
        (seen[0].as_f64().unwrap() - 36.9678).abs() < 0.0015,
        "{seen}"
    );
    assert!(
        (seen[0].as_f64().unwrap() - 36.9678).abs() > 1e-9,
        "not coarsened: {seen}"
    );

    let overdue = |alerts: &Value| -> Vec<(String, String)> {
        alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "ack_overdue")
            .map(|a| {
                (
                    a["subject"]["party"].as_str().unwrap().to_owned(),
                    a["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // One second before the deadline: nothing.
    s.clock.set(t("2016-09-19T08:59:59+03:00"));
    jic_server::kinds::protect::tick(&s.state).await.unwrap();
    assert!(overdue(&s.read("/api/v1/alerts", "jic").await).is_empty());
    // At the deadline: the first escalation, for Russia only, to the joint cell.
    s.clock.set(t("2016-09-19T09:00:00+03:00"));
    jic_server::kinds::protect::tick(&s.state).await.unwrap();
    assert_eq!(
        overdue(&s.read("/api/v1/alerts", "jic").await),
        [("russia".to_owned(), "warning".to_owned())]
    );
    // Ticking again at the same instant raises nothing new.
    jic_server::kinds::protect::tick(&s.state).await.unwrap();
    assert_eq!(overdue(&s.read("/api/v1/alerts", "jic").await).len(), 1);
    // At the second threshold (30 min later in the 2016 package): the second, critical.
    s.clock.set(t("2016-09-19T09:30:00+03:00"));
    jic_server::kinds::protect::tick(&s.state).await.unwrap();
    assert_eq!(
        overdue(&s.read("/api/v1/alerts", "jic_monitors").await),
        [
            ("russia".to_owned(), "warning".to_owned()),
            ("russia".to_owned(), "critical".to_owned())
        ]
    );

    // Suspension (3 Oct 2016): strike reviews answer 409 "suspended", notifications continue.
    s.clock.set(t("2016-10-03T15:00:00+03:00"));
    s.ok(
        "us",
        "implementation.suspend",
        json!({"reason": "bilateral channels suspended"}),
        false,
    )
    .await;
    assert_eq!(
        s.read("/api/v1/implementation", "un_envoy").await["suspended"],
        true
    );
    let (status, body) = s
        .submit(
            "russia",
            "strike.review",
            json!({"notice": "x", "decision": "concur"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"].as_str().unwrap().starts_with("suspended"),
        "{body}"
    );
    s.ok(
        "sarc",
        "humanitarian.withdraw",
        json!({"notification": "sarc/urum-warehouse"}),
        false,
    )
    .await;

    // Replaying the stored log reproduces every decision that was logged.
    let (replayed, logged) = replayed_and_logged(&s).await;
    assert!(logged.len() >= 6, "{logged:#?}");
    assert_eq!(replayed, logged);

    // The server's own ticker (real-time interval, manual clock) raises the next escalation.
    s.ok(
        "sarc",
        "humanitarian.site",
        json!({"id": "urum-clinic", "category": "clinic",
               "geometry": {"type": "Point", "coordinates": [36.95, 36.1486]},
               "precision_m": 100, "recipients": ["us"],
               "valid_from": "2016-10-03T00:00:00+03:00", "disclosure": "shared"}),
        true,
    )
    .await;
    s.clock.set(t("2016-10-03T16:01:00+03:00"));
    let mut raised = false;
    for _ in 0..200 {
        let alerts = s.read("/api/v1/alerts", "jic").await;
        if alerts.as_array().unwrap().iter().any(|a| {
            a["kind"] == "ack_overdue" && a["subject"]["notification"] == "sarc/urum-clinic"
        }) {
            raised = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        raised,
        "the ticker did not escalate within 10 s of real time"
    );
    s.stop().await;
}

/// The `jic.phase` finding of a strike receipt: (phase, source, message).
fn phase_finding(receipt: &Value) -> (String, String, String) {
    let f = receipt["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "jic.phase")
        .unwrap_or_else(|| panic!("no jic.phase finding: {receipt:#}"));
    (
        f["phase"].as_str().unwrap_or("none").to_owned(),
        f["source"].as_str().unwrap().to_owned(),
        f["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn strike_notices_are_judged_under_the_phase_the_calm_day_clock_puts_in_force() {
    let (_package, s) = support::start_with_agreed_ring("2016-09-16T10:00:00+03:00").await;
    // West of the Deir ez-Zor enclave, in the ISIL-held ring, kilometres from any ground held
    // by a party to the cessation.
    let aim = DEZ_AIM;
    let notice = |id: &str, day: &str| {
        json!({"id": id, "group": "isil",
               "area": {"type": "Point", "coordinates": aim, "radius_m": 500},
               "window": {"start": format!("{day}T11:00:00+03:00"), "end": format!("{day}T11:30:00+03:00")},
               "effects_radius_m": 500, "air_operation": format!("op-{id}")})
    };
    let strike = |id: &'static str, day: &'static str| {
        let s = &s;
        async move {
            s.file_strike_run(&format!("op-{id}"), aim, day).await;
            s.ok("us", "strike.notice", notice(id, day), true).await
        }
    };

    // 16 Sept: three calm days since the recommitment (13–15 Sept) of the seven the JIC phase
    // needs. The notice is judged under `extension`, whose rule asks only for notice.
    let early = strike("dez-a", "2016-09-16").await;
    assert_eq!(early["result"]["verdict"], "clear", "{early:#}");
    let (phase, source, message) = phase_finding(&early);
    assert_eq!(
        (phase.as_str(), source.as_str()),
        ("extension", "phase_clock")
    );
    assert!(
        message.contains("`jic` has not started (3 of 7 consecutive calm days)")
            && message.contains("`recommitment` ran out its duration"),
        "{message}"
    );

    // A verified violation on 17 Sept (shelling of government-held west Aleppo) breaks the
    // run: on 20 Sept the JIC phase has still not started, though by the calendar alone seven
    // days have passed since the recommitment began.
    s.clock.set(t("2016-09-18T09:00:00+03:00"));
    let incident = json!({
        "id": "aleppo-west-0917", "reporter": "jic_monitors",
        "occurred": {"from": "2016-09-17T14:00:00+03:00"},
        "location": {"lat": 36.20, "lon": 37.10, "uncertainty_m": 100.0},
        "category": "shelling",
        "actor": {"kind": "party", "id": "opposition"},
        "target": {"kind": "group", "id": "saa"},
        "casualties": {}, "description": "mortar fire on government-held west Aleppo",
        "sources": ["scenario test"], "evidence": []
    });
    let report = s
        .ok("jic_monitors", "incident.report", incident, false)
        .await;
    assert_eq!(
        report["result"]["classification"]["outcome"], "violation",
        "{report:#}"
    );
    for status in ["under_review", "verified"] {
        s.ok(
            "jic_monitors",
            "incident.review",
            json!({"incident": "aleppo-west-0917", "version": 1, "status": status, "note": ""}),
            false,
        )
        .await;
    }
    s.clock.set(t("2016-09-20T10:00:00+03:00"));
    let reset = strike("dez-b", "2016-09-20").await;
    assert_eq!(reset["result"]["verdict"], "clear", "{reset:#}");
    let (phase, _, message) = phase_finding(&reset);
    assert_eq!(phase, "extension");
    assert!(
        message.contains("(2 of 7 consecutive calm days)"),
        "{message}"
    );

    // Seven calm days later (18–24 Sept) the JIC phase is in force from midnight, and its rule
    // holds the strike until the other sponsor concurs.
    s.clock.set(t("2016-09-25T10:00:00+03:00"));
    let jic = strike("dez-c", "2016-09-25").await;
    assert_eq!(jic["result"]["verdict"], "not_cleared", "{jic:#}");
    let (phase, source, message) = phase_finding(&jic);
    assert_eq!((phase.as_str(), source.as_str()), ("jic", "phase_clock"));
    assert!(
        message.contains("after 7 consecutive calm days")
            && message.contains("2016-09-18, 2016-09-19"),
        "{message}"
    );
    assert!(
        jic["result"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "jic_coordinated_strikes" && f["severity"] == "not_cleared"),
        "{jic:#}"
    );

    // The stored log replays to the same decisions (the phase travels with each notice).
    let (replayed, logged) = replayed_and_logged(&s).await;
    assert_eq!(replayed, logged);
    s.stop().await;
}

/// Events addressed to `member` (what its SSE stream carries), as JSON bodies.
async fn events_for(s: &TestServer, member: &str) -> Vec<Value> {
    let m = member.to_owned();
    s.state
        .read(move |conn| {
            use jic_store::state::StateRead;
            Ok(conn
                .events_after(0, 100_000)?
                .into_iter()
                .filter(|e| {
                    let audience: Vec<String> = serde_json::from_str(&e.audience_json).unwrap();
                    audience.iter().any(|a| a == "*" || *a == m)
                })
                .map(|e| serde_json::from_str(&e.body_json).unwrap())
                .collect())
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_filer_alone_amends_and_withdraws_and_the_counterpart_is_told() {
    let (_package, s) = support::start_with_agreed_ring("2016-09-16T10:00:00+03:00").await;
    let aim = DEZ_AIM;
    let filed = s.file_dez_a().await;
    assert_eq!(filed["result"]["verdict"], "clear", "{filed:#}");
    // Russia objects to the first version.
    s.clock.set(t("2016-09-16T10:05:00+03:00"));
    s.russia_objects_to_dez_a().await;
    assert_eq!(
        s.read("/api/v1/strike-notices/dez-a", "us").await["status"],
        "not_cleared"
    );

    // Only the filer amends or withdraws; filing the same id twice is refused.
    let (status, _) = s
        .submit_restricted("russia", "strike.amend", dez_a_notice(aim[0], aim[1]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .submit("russia", "strike.withdraw", json!({"notice": "dez-a"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .submit_restricted("us", "strike.notice", dez_a_notice(aim[0], aim[1]))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The amendment moves the area ~9 km off the filer's own route: re-evaluated, flagged, and
    // the review reopens (the objection was to another version).
    s.clock.set(t("2016-09-16T10:10:00+03:00"));
    let amended = s
        .ok("us", "strike.amend", dez_a_notice(40.01, 35.23), true)
        .await;
    let result = &amended["result"];
    assert_eq!(result["decision"], "strike_amended", "{result:#}");
    assert_eq!(result["version"], 2);
    assert_eq!(result["verdict"], "conflict");
    assert!(
        result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "jic.location_consistency" && f["severity"] == "conflict"),
        "{result:#}"
    );
    let reviews = s.read("/api/v1/strike-notices/dez-a", "us").await["reviews"].clone();
    assert_eq!(reviews[0]["stance"], "object");
    assert_eq!(reviews[0]["version"], 1);
    assert_eq!(
        reviews[0]["current"], false,
        "an objection to version 1 is history once version 2 is filed: {reviews:#}"
    );
    let list = s.read("/api/v1/strike-notices", "russia").await;
    assert_eq!(list[0]["area"]["coordinates"], json!([40.01, 35.23]));
    assert_eq!(list[0]["status"], "conflict");
    assert!(
        events_for(&s, "russia")
            .await
            .iter()
            .any(|e| e["decision"] == "strike_amended" && e["notice"] == "dez-a"),
        "the counterpart is told of the amendment"
    );

    // Withdrawn: closed for review and stop requests, and the counterpart is told.
    s.clock.set(t("2016-09-16T10:15:00+03:00"));
    s.ok(
        "us",
        "strike.withdraw",
        json!({"notice": "dez-a", "reason": "location error"}),
        false,
    )
    .await;
    for (kind, payload) in [
        (
            "strike.review",
            json!({"notice": "dez-a", "decision": "concur"}),
        ),
        (
            "strike.stop",
            json!({"notice": "dez-a", "reason": "our forces"}),
        ),
    ] {
        let (status, body) = s.submit("russia", kind, payload).await;
        assert_eq!(status, StatusCode::CONFLICT, "{kind}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains("withdrawn"),
            "{body}"
        );
    }
    let (status, _) = s
        .submit_restricted("us", "strike.amend", dez_a_notice(aim[0], aim[1]))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        s.read("/api/v1/strike-notices/dez-a", "russia").await["status"],
        "withdrawn"
    );
    assert!(
        events_for(&s, "russia")
            .await
            .iter()
            .any(|e| e["decision"] == "strike_withdrawn" && e["reason"] == "location error"),
        "the counterpart is told of the withdrawal"
    );
    // A withdrawn notice never lapses into an escalation.
    s.clock.set(t("2016-09-16T12:00:00+03:00"));
    jic_server::kinds::protect::tick(&s.state).await.unwrap();
    let alerts = s.read("/api/v1/alerts", "jic").await;
    assert!(
        !alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "review_lapsed"),
        "{alerts:#}"
    );

    // Replaying the stored log reproduces every decision, amendment and withdrawal included.
    let (replayed, logged) = replayed_and_logged(&s).await;
    assert!(
        logged.iter().any(|(k, _)| k == "protect.strike_amended")
            && logged.iter().any(|(k, _)| k == "protect.strike_withdrawn"),
        "{logged:#?}"
    );
    assert_eq!(replayed, logged);
    s.stop().await;
}
