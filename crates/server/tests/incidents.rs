//! Incidents over HTTP against a real listener: evidence upload verified by hash, a report
//! classified and logged, a counter-claim beside it, the review workflow by monitors only, the
//! phase clock recomputed from the log table giving the server's answer, the daily report as
//! HTML and JSON, and export.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use jic_server::clock::Clock;
use jic_server::config::ServerConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod support;

use support::TestServer as T;

async fn start() -> T {
    support::start(
        ServerConfig::default(),
        support::package(),
        "2016-09-17T14:00:00Z",
    )
    .await
}

impl T {
    async fn get(&self, path: &str, member: &str, accept: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token(member))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn get_json(&self, path: &str, member: &str) -> Value {
        let (status, text) = self.get(path, member, "application/json").await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

fn deir_ez_zor(evidence: &str) -> Value {
    json!({
        "id": "dez-2016-09-17",
        "reporter": "jic_monitors",
        "occurred": {"from": "2016-09-17T12:55:00Z", "until": "2016-09-17T13:56:00Z"},
        "location": {"lat": 35.257, "lon": 40.141, "uncertainty_m": 500.0, "name": "Jabal al-Tharda"},
        "category": "airstrike",
        "actor": {"kind": "party", "id": "us"},
        "casualties": {"killed_min": 62, "killed_max": 106},
        "description": "Coalition strikes on Syrian Arab Army positions",
        "sources": ["https://en.wikipedia.org/wiki/September_2016_Deir_ez-Zor_air_raid"],
        "evidence": [{"sha256": evidence, "description": "strike log excerpt", "media_type": "text/plain"}]
    })
}

#[tokio::test]
async fn incident_lifecycle_over_http() {
    let t = start().await;
    let file = b"17 Sept 2016 15:55-16:56 local: 37 strikes".to_vec();
    let sha = hex::encode(Sha256::digest(&file));

    // A report citing evidence that is not uploaded is refused, and nothing is stored.
    let (status, body) = t
        .submit("jic_monitors", "incident.report", deir_ez_zor(&sha))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("PUT it to /api/v1/evidence/")
    );

    // Evidence upload: the body must hash to the name.
    let put = |path: String, bytes: Vec<u8>| {
        t.http
            .put(format!("{}{path}", t.base))
            .bearer_auth(t.token("jic_monitors"))
            .header("content-type", "text/plain")
            .body(bytes)
            .send()
    };
    let wrong = hex::encode(Sha256::digest(b"something else"));
    let r = put(format!("/api/v1/evidence/{wrong}"), file.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = put("/api/v1/evidence/not-a-hash".into(), file.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = put(format!("/api/v1/evidence/{sha}"), file.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = put(format!("/api/v1/evidence/{sha}"), file.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "idempotent");
    assert!(t.state.data_root().join("evidence").join(&sha).exists());
    let (status, back) = t.get(&format!("/api/v1/evidence/{sha}"), "us", "*/*").await;
    assert_eq!((status, back.as_bytes()), (StatusCode::OK, file.as_slice()));

    // The report: classified as a violation, the classification logged as a decision.
    let (status, receipt) = t
        .submit("jic_monitors", "incident.report", deir_ez_zor(&sha))
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let result = &receipt["result"];
    assert_eq!(result["classification"]["outcome"], "violation", "{result}");
    assert_eq!(result["classification"]["phase"], "extension");
    assert!(
        result["classification_leaf"].as_u64().unwrap() > receipt["leaf_index"].as_u64().unwrap()
    );
    let (status, body) = t
        .submit("jic_monitors", "incident.report", deir_ez_zor(&sha))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "duplicate id: {body}");
    // A party may not report in another's name.
    let mut forged = deir_ez_zor(&sha);
    forged["reporter"] = json!("russia");
    let (status, _) = t.submit("us", "incident.report", forged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The accused answers; only monitors review; the workflow's order holds.
    let (status, body) = t
        .submit(
            "us",
            "incident.counter_claim",
            json!({"incident": "dez-2016-09-17", "statement": "We believed we were striking ISIL; we notified the location in advance."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let review = |status: &str| json!({"incident": "dez-2016-09-17", "version": 1, "status": status, "note": ""});
    let (status, _) = t.submit("us", "incident.review", review("verified")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = t
        .submit("jic_monitors", "incident.review", review("verified"))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "reported → verified skips review: {body}"
    );
    let (status, _) = t
        .submit("jic_monitors", "incident.review", review("under_review"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .submit("jic_monitors", "incident.review", review("verified"))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Amendments are new versions: not by a third party; a review must name the current one.
    t.clock.set("2016-09-17T15:00:00Z".parse().unwrap());
    let mut amended = deir_ez_zor(&sha);
    amended["casualties"] = json!({"killed_min": 62, "killed_max": 90});
    let (status, _) = t.submit("russia", "incident.amend", amended.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = t.submit("jic_monitors", "incident.amend", amended).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"]["version"], 2);
    let (status, body) = t
        .submit("jic_monitors", "incident.review", review("under_review"))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a review of version 1: {body}"
    );
    let review2 = |status: &str| json!({"incident": "dez-2016-09-17", "version": 2, "status": status, "note": "amended toll"});
    let (status, _) = t
        .submit("jic_monitors", "incident.review", review2("under_review"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .submit("jic_monitors", "incident.review", review2("verified"))
        .await;
    assert_eq!(status, StatusCode::OK);

    let dossier = t
        .get_json("/api/v1/incidents/dez-2016-09-17", "russia")
        .await;
    assert_eq!(dossier["status"], "verified");
    assert_eq!(dossier["dossier"]["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        dossier["dossier"]["versions"][0]["item"]["casualties"]["killed_max"], 106,
        "nothing overwritten"
    );
    // The list as on record before the amendment, and now.
    let before = t
        .get_json("/api/v1/incidents?as_of=2016-09-17T14:30:00Z", "us")
        .await;
    assert_eq!(before[0]["version"], 1);
    assert_eq!(before[0]["report"]["casualties"]["killed_max"], 106);
    assert_eq!(before[0]["received"], "2016-09-17T14:00:00Z");
    let now = t.get_json("/api/v1/incidents", "us").await;
    assert_eq!(
        (now[0]["version"].clone(), now[0]["updated"].clone()),
        (json!(2), json!("2016-09-17T15:00:00Z"))
    );
    assert_eq!(now[0]["counter_claims"], 1);
    assert_eq!(dossier["dossier"]["counter_claims"][0]["by"], "us");
    assert_eq!(
        dossier["dossier"]["versions"][0]["item"]["reporter"],
        "jic_monitors"
    );
    assert_eq!(dossier["dossier"]["reviews"].as_array().unwrap().len(), 4);

    // The phase clock, from the server and recomputed from the log table alone.
    t.clock.set("2016-09-19T06:00:00Z".parse().unwrap());
    let as_of = "2016-09-19T06:00:00Z";
    t.state.integrate().await.unwrap();
    let server = t
        .get_json(&format!("/api/v1/phase?as_of={as_of}"), "us")
        .await;
    assert_eq!(server["phase_now"], "extension");
    let day17 = server["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == "2016-09-17")
        .unwrap();
    assert_eq!(day17["counted"], json!(["dez-2016-09-17"]));
    let db = t.data.db_path();
    let offline = tokio::task::spawn_blocking(move || {
        let conn = jic_store::db::open(&db).unwrap();
        let replay = jic_server::kinds::incidents::replay_log_table(&conn).unwrap();
        assert!(replay.skipped.is_empty(), "{:?}", replay.skipped);
        let (_, agreement) = jic_server::kinds::incidents::agreement_in_force(&conn).unwrap();
        let as_of = as_of.parse().unwrap();
        jic_compliance::PhaseClock::compute(
            &agreement,
            &replay.clock_incidents(as_of),
            &Default::default(),
            as_of,
        )
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(serde_json::to_value(&offline).unwrap(), server);

    // The daily report, HTML and JSON, tied to a checkpoint.
    let (status, html) = t
        .get(
            "/api/v1/reports/daily/2016-09-17",
            "jic_monitors",
            "text/html",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg id=\"map\""));
    assert!(html.contains("dez-2016-09-17") && html.contains("jic.test/syria-2016"));
    let json = t
        .get_json("/api/v1/reports/daily/2016-09-17", "jic_monitors")
        .await;
    assert_eq!(json["incidents"][0]["outcome"], "violation");
    assert_eq!(json["series"].as_array().unwrap().len(), 14);
    assert!(json["checkpoint"]["size"].as_u64().unwrap() > 0);
    let (status, _) = t
        .get(
            "/api/v1/reports/daily/17-09-2016",
            "jic_monitors",
            "text/html",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Export.
    let gj = t
        .get_json("/api/v1/incidents/export?format=geojson", "un_envoy")
        .await;
    assert_eq!(gj["features"][0]["properties"]["status"], "verified");
    let (status, csv) = t
        .get(
            "/api/v1/incidents/export?format=csv",
            "un_envoy",
            "text/csv",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("id,version,reporter") && csv.contains("dez-2016-09-17"));
}

/// The Urum al-Kubra convoy (issue #6's kinds): notified by OCHA, acknowledged by Russia; an
/// attack on it reported with the actor unknown links the movement, and attributed to Russia
/// says Russia had acknowledged it, and when.
#[tokio::test]
async fn incidents_link_notified_movements_and_acknowledgments() {
    let t = start().await;
    t.clock.set("2016-09-19T05:00:00Z".parse().unwrap());
    let movement = json!({
        "id": "convoy-urum",
        "route": {"type": "LineString", "coordinates": [[36.83, 36.1389], [36.9678, 36.1516]]},
        "window": {"start": "2016-09-19T07:00:00Z", "end": "2016-09-19T20:00:00Z"},
        "vehicles": 31,
        "recipients": ["russia", "us"]
    });
    // Restricted: signed as a commitment, the plaintext beside it.
    let (status, body) = t
        .submit_restricted("un_ocha", "humanitarian.movement", movement)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t.clock.set("2016-09-19T05:40:00Z".parse().unwrap());
    let (status, body) = t
        .submit(
            "russia",
            "humanitarian.ack",
            json!({"notification": "un_ocha/convoy-urum", "version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    t.clock.set("2016-09-19T17:00:00Z".parse().unwrap());
    let report = |id: &str, actor: Value| {
        json!({
            "id": id,
            "reporter": "jic_monitors",
            "occurred": {"from": "2016-09-19T16:10:00Z", "until": "2016-09-19T16:30:00Z"},
            "location": {"lat": 36.1516, "lon": 36.9678, "uncertainty_m": 300.0, "name": "Urum al-Kubra"},
            "category": "attack_on_humanitarian",
            "actor": actor
        })
    };
    let (status, receipt) = t
        .submit(
            "jic_monitors",
            "incident.report",
            report("urum-1", json!({"kind": "unknown"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let c = &receipt["result"]["classification"];
    assert_eq!(c["outcome"], "violation");
    assert_eq!(c["links"][0]["kind"], "movement", "{c}");
    assert_eq!(c["links"][0]["id"], "un_ocha/convoy-urum");
    let (status, receipt) = t
        .submit(
            "jic_monitors",
            "incident.report",
            report("urum-2", json!({"kind": "party", "id": "russia"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let ack = &receipt["result"]["classification"]["links"][0]["actor_acknowledgment"];
    assert_eq!(ack["party"], "russia");
    assert_eq!(ack["acknowledged_at"], "2016-09-19T05:40:00Z");
    assert_eq!(ack["before_incident"], true);
    // The public classification leaf names the incident and the outcome, not the movement.
    let leaf = receipt["result"]["classification_leaf"].as_u64().unwrap();
    let decision: String = t
        .state
        .read(move |c| {
            Ok(c.query_row(
                "SELECT body_json FROM decision WHERE leaf_index = ?1",
                [leaf as i64],
                |r| r.get(0),
            )
            .unwrap())
        })
        .await
        .unwrap();
    assert!(
        decision.contains("urum-2") && !decision.contains("convoy") && !decision.contains("36.15"),
        "{decision}"
    );
}

/// With nothing submitted, seven calm days after the recommitment still start the JIC phase at
/// midnight: the ticker logs the transition as a decision (polled for, up to 20 s).
#[tokio::test]
async fn the_phase_ticker_logs_transitions_without_submissions() {
    let t = start().await;
    t.clock.set("2016-09-19T21:30:00Z".parse().unwrap());
    let mut phases: Vec<String> = Vec::new();
    for _ in 0..200 {
        phases = t
            .state
            .read(|c| {
                let mut s = c
                    .prepare("SELECT phase_id FROM phase_transition ORDER BY at")
                    .unwrap();
                Ok(s.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<Vec<String>, _>>()
                    .unwrap())
            })
            .await
            .unwrap();
        if phases.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(phases, ["recommitment", "extension", "jic"]);
    let (leaves, bodies): (Vec<i64>, Vec<String>) = t
        .state
        .read(|c| {
            let mut s = c
                .prepare("SELECT leaf_index, body_json FROM decision WHERE kind = 'phase.transition' ORDER BY leaf_index")
                .unwrap();
            Ok(s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<Vec<(i64, String)>, _>>()
                .unwrap()
                .into_iter()
                .unzip())
        })
        .await
        .unwrap();
    assert_eq!(leaves.len(), 3);
    assert!(
        bodies[2].contains("2016-09-19T21:00:00Z") && bodies[2].contains("calm_days"),
        "{}",
        bodies[2]
    );
    let phase = t.get_json("/api/v1/phase", "un_envoy").await;
    assert_eq!(phase["phase_now"], "jic");
}

/// Shelling of east Aleppo by the Syrian Arab Army (a violation of the cessation).
fn aleppo(id: &str, at: &str) -> Value {
    json!({
        "id": id,
        "reporter": "jic_monitors",
        "occurred": {"from": at},
        "location": {"lat": 36.20, "lon": 37.18, "uncertainty_m": 0.0},
        "category": "shelling",
        "actor": {"kind": "group", "id": "saa"},
        "target": {"kind": "group", "id": "opposition_factions"},
        "description": "shelling",
        "sources": ["test"],
    })
}

/// Submits a report or amendment that must be accepted; its leaf, receipt time and the
/// classification the server answered.
async fn classified(t: &T, kind: &str, payload: Value) -> (u64, String, Value) {
    let (status, r) = t.submit("jic_monitors", kind, payload).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    (
        r["leaf_index"].as_u64().unwrap(),
        t.clock.now().to_string(),
        r["result"]["classification"].clone(),
    )
}

/// The submit path keeps its replay, context and clock between submissions; an auditor replays
/// the log from scratch. After a violent day, calm days and the JIC phase, refused submissions
/// and an amendment that moves an incident to another day, every classification the server
/// answered equals the full evaluator's over the log prefix at that instant, and the
/// transitions it logged are the full clock's.
#[tokio::test]
async fn the_incremental_path_answers_what_a_replay_of_the_log_computes() {
    let t = start().await;
    let mut answered: Vec<(u64, String, Value)> = Vec::new();
    let review = |id: &str, version: u32, status: &str| json!({"incident": id, "version": version, "status": status, "note": ""});
    // 13 Sept: four verified violations, more than a calm day allows.
    t.clock.set("2016-09-13T12:00:00Z".parse().unwrap());
    for k in 0..4 {
        let id = format!("aleppo-13-{k}");
        let at = format!("2016-09-13T0{k}:00:00Z");
        answered.push(classified(&t, "incident.report", aleppo(&id, &at)).await);
        for s in ["under_review", "verified"] {
            let (status, r) = t
                .submit("jic_monitors", "incident.review", review(&id, 1, s))
                .await;
            assert_eq!(status, StatusCode::OK, "{r}");
        }
    }
    // Refused submissions leave the cached replay as a replay of the log would be.
    let (status, _) = t
        .submit(
            "jic_monitors",
            "incident.report",
            aleppo("aleppo-13-0", "2016-09-13T05:00:00Z"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = t
        .submit(
            "jic_monitors",
            "incident.review",
            review("ghost", 1, "under_review"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // 15 Sept: one more, and an amendment moving one of the 13th to the 14th (the 13th
    // becomes calm with three).
    t.clock.set("2016-09-15T12:00:00Z".parse().unwrap());
    let moved = aleppo("aleppo-13-3", "2016-09-14T09:00:00Z");
    let new = aleppo("aleppo-15", "2016-09-15T06:00:00Z");
    answered.push(classified(&t, "incident.report", new).await);
    answered.push(classified(&t, "incident.amend", moved).await);
    // 21 Sept: seven calm days have passed; a report now sees the JIC phase.
    t.clock.set("2016-09-21T06:00:00Z".parse().unwrap());
    let r = classified(
        &t,
        "incident.report",
        aleppo("aleppo-21", "2016-09-21T05:00:00Z"),
    )
    .await;
    assert_eq!(r.2["phase"], "jic", "{}", r.2);
    answered.push(r);

    t.state.integrate().await.unwrap();
    let db = t.data.db_path();
    let asked = answered.clone();
    let (expected, transitions, logged) = tokio::task::spawn_blocking(move || {
        let conn = jic_store::db::open(&db).unwrap();
        let (_, agreement) = jic_server::kinds::incidents::agreement_in_force(&conn).unwrap();
        let context = jic_server::kinds::incidents::build_context(&conn).unwrap();
        let entries: Vec<(u64, Vec<u8>)> = conn
            .prepare("SELECT idx, entry FROM log_leaf ORDER BY idx")
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut expected = Vec::new();
        let mut last_clock = None;
        for (leaf, at, _) in &asked {
            let replay = jic_server::kinds::incidents::replay_log_entries(
                entries
                    .iter()
                    .filter(|(i, _)| i <= leaf)
                    .map(|(i, b)| (*i, b.as_slice())),
            );
            let as_of: jiff::Timestamp = at.parse().unwrap();
            let clock = jic_compliance::PhaseClock::compute(
                &agreement,
                &replay.clock_incidents(as_of),
                &context,
                as_of,
            )
            .unwrap();
            let current = replay
                .dossiers
                .values()
                .find(|d| d.versions.last().and_then(|v| v.leaf) == Some(*leaf))
                .unwrap();
            let c = jic_compliance::classify(
                &agreement,
                &current.current().unwrap().item,
                &clock.timeline,
                &context,
            )
            .unwrap();
            expected.push(serde_json::to_value(c).unwrap());
            last_clock = Some(clock);
        }
        // The phase-only clock other kinds read agrees with the full one.
        let last_clock = last_clock.unwrap();
        let as_of = last_clock.as_of;
        let phases = jic_server::kinds::incidents::compute_phase_clock(&conn, as_of).unwrap();
        let (_, _, full) = jic_server::kinds::incidents::compute_clock(&conn, as_of).unwrap();
        assert_eq!(
            (
                &phases.days,
                &phases.transitions,
                &phases.timeline,
                &phases.phase_now
            ),
            (
                &full.days,
                &full.transitions,
                &full.timeline,
                &full.phase_now
            )
        );
        let transitions: Vec<(String, String)> = last_clock
            .transitions
            .iter()
            .map(|t| (t.phase.clone(), t.at.to_string()))
            .collect();
        let logged: Vec<(String, String)> = conn
            .prepare("SELECT phase_id, at FROM phase_transition ORDER BY at")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        (expected, transitions, logged)
    })
    .await
    .unwrap();
    let got: Vec<Value> = answered.iter().map(|(_, _, c)| c.clone()).collect();
    assert_eq!(got, expected);
    assert_eq!(
        transitions
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>(),
        ["recommitment", "extension", "jic"]
    );
    assert_eq!(logged, transitions);
}

/// The `incident` SSE topic: a new report (with its classification) and a status change reach
/// every reader's live feed, parties and humanitarian organisations alike (incidents are
/// public, like the log that holds them); list items carry their receipt time.
#[tokio::test]
async fn incident_events_reach_every_reader_and_items_carry_their_receipt_time() {
    let t = start().await;
    let (status, r) = t
        .submit(
            "jic_monitors",
            "incident.report",
            aleppo("aleppo-17", "2016-09-17T09:00:00Z"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    t.clock.set("2016-09-17T14:05:00Z".parse().unwrap());
    let review =
        json!({"incident": "aleppo-17", "version": 1, "status": "under_review", "note": ""});
    let (status, r) = t.submit("jic_monitors", "incident.review", review).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    for member in ["us", "russia", "un_ocha", "jic_monitors"] {
        let feed = t.events_until(member, None, "\"change\":\"status\"").await;
        let incident_events: Vec<&str> = feed
            .split("\n\n")
            .filter(|b| b.contains("event: incident"))
            .collect();
        assert_eq!(incident_events.len(), 2, "{member}: {feed}");
        assert!(
            incident_events[0].contains("\"change\":\"reported\"")
                && incident_events[0].contains("\"outcome\":\"violation\"")
                && incident_events[0].contains("\"received\":\"2016-09-17T14:00:00Z\""),
            "{member}: {feed}"
        );
        assert!(
            incident_events[1].contains("\"status\":\"under_review\""),
            "{member}: {feed}"
        );
    }
    let list = t.get_json("/api/v1/incidents", "un_ocha").await;
    assert_eq!(list[0]["received"], "2016-09-17T14:00:00Z");
    assert_eq!(list[0]["updated"], "2016-09-17T14:00:00Z");
    assert_eq!(list[0]["status"], "under_review");
}
