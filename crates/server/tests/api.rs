//! Integration tests of the HTTP API against a real listener on 127.0.0.1: each role's happy
//! path, every refusal of the submit path (right status, problem+json, nothing stored),
//! need-to-know per role, live events with reconnect, and a scan of the whole log for the
//! plaintext of restricted submissions.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::path::PathBuf;

use jic_ledger::key::NoteSigner;
use jic_ledger::tile::TilePath;
use jic_server::config::ServerConfig;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

const START: &str = "2016-09-17T10:00:00Z";

mod support;

use support::{TestServer, package};

async fn start() -> TestServer {
    start_with(ServerConfig::default()).await
}

async fn start_with(config: ServerConfig) -> TestServer {
    start_with_package(config, package()).await
}

async fn start_with_package(config: ServerConfig, agreement: PathBuf) -> TestServer {
    support::start(config, agreement, START).await
}

impl TestServer {
    async fn post(&self, path: &str, body: Vec<u8>) -> (StatusCode, String, Value) {
        self.post_typed(path, body, "application/json").await
    }

    async fn get(&self, path: &str, member: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(m) = member {
            req = req.bearer_auth(self.token(m));
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.bytes().await.unwrap().to_vec())
    }

    async fn counts(&self) -> (u64, u64) {
        self.state
            .read(|conn| {
                use jic_store::state::StateRead;
                Ok((conn.submission_count()?, jic_store::log::size(conn)?))
            })
            .await
            .unwrap()
    }
}

/// A four-waypoint plan over Deir ez-Zor: east-bound along 35.33°N, or (`north`) north-bound
/// along 40.15°E; the two cross near 10:20.
fn plan(id: &str, callsign: &str, north: bool, alt_ft: f64) -> Value {
    let waypoints: Vec<Value> = if north {
        vec![
            json!({"lat": 35.10, "lon": 40.15, "alt_ft": alt_ft, "time": "2016-09-17T10:10:00Z"}),
            json!({"lat": 35.20, "lon": 40.15, "alt_ft": alt_ft, "time": "2016-09-17T10:15:00Z"}),
            json!({"lat": 35.46, "lon": 40.15, "alt_ft": alt_ft, "time": "2016-09-17T10:30:00Z"}),
            json!({"lat": 35.60, "lon": 40.15, "alt_ft": alt_ft, "time": "2016-09-17T10:40:00Z"}),
        ]
    } else {
        vec![
            json!({"lat": 35.33, "lon": 39.80, "alt_ft": alt_ft, "time": "2016-09-17T10:05:00Z"}),
            json!({"lat": 35.33, "lon": 40.00, "alt_ft": alt_ft, "time": "2016-09-17T10:15:00Z"}),
            json!({"lat": 35.33, "lon": 40.30, "alt_ft": alt_ft, "time": "2016-09-17T10:35:00Z"}),
            json!({"lat": 35.33, "lon": 40.50, "alt_ft": alt_ft, "time": "2016-09-17T10:45:00Z"}),
        ]
    };
    json!({"id": id, "callsign": callsign, "waypoints": waypoints})
}

fn assert_problem(status: StatusCode, ct: &str, body: &Value, want: StatusCode, what: &str) {
    assert_eq!(status, want, "{what}: {body}");
    assert!(
        ct.starts_with("application/problem+json"),
        "{what}: content type {ct}"
    );
    assert_eq!(body["status"], want.as_u16(), "{what}: {body}");
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:jic:problem:"),
        "{what}: {body}"
    );
    assert!(
        !body["detail"].as_str().unwrap().is_empty(),
        "{what}: {body}"
    );
}

#[tokio::test]
async fn a_party_files_an_air_operation_and_reads_it_back_with_need_to_know() {
    let s = start().await;
    let (status, _, receipt) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.file",
                1,
                plan("US-1", "VIPER11", false, 25_000.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let leaf = receipt["leaf_index"].as_u64().unwrap();
    assert_eq!(receipt["kind"], "air_operation.file");
    assert_eq!(receipt["result"]["conflicts"], json!([]));

    // The filer sees its plan in full; the duty officer too (server default), and monitors
    // (the package's `[disclosure]` section: flight_plan readers = ["monitor"]).
    let (_, mine) = s.get("/api/v1/air-operations", Some("us")).await;
    assert_eq!(mine[0]["plan"]["callsign"], "VIPER11");
    let (_, jic) = s.get("/api/v1/air-operations/US-1", Some("jic")).await;
    assert_eq!(jic["plan"]["waypoints"].as_array().unwrap().len(), 4);
    let (_, monitors) = s
        .get("/api/v1/air-operations/US-1", Some("jic_monitors"))
        .await;
    assert_eq!(monitors["plan"]["callsign"], "VIPER11");
    // Another party, a humanitarian organisation, the envoy: nothing.
    for other in ["russia", "un_ocha", "un_envoy"] {
        let (_, list) = s.get("/api/v1/air-operations", Some(other)).await;
        assert_eq!(list, json!([]), "{other}");
        let (status, _) = s.get("/api/v1/air-operations/US-1", Some(other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
    }
    // The logged submission: envelope for everyone, plaintext only for the entitled.
    let (_, as_us) = s
        .get(&format!("/api/v1/submissions/{leaf}"), Some("us"))
        .await;
    assert_eq!(as_us["payload"]["callsign"], "VIPER11");
    assert!(as_us["salt"].is_string());
    let (_, as_ru) = s
        .get(&format!("/api/v1/submissions/{leaf}"), Some("russia"))
        .await;
    assert_eq!(as_ru["payload"], Value::Null);
    assert!(as_ru["envelope"]["payload_commitment"].is_string());

    // Amend then cancel: versions advance; another party cannot touch it.
    let (status, _, amended) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.amend",
                2,
                plan("US-1", "VIPER12", false, 27_000.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{amended}");
    assert_eq!(amended["result"]["version"], 2);
    let (status, ct, body) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "russia",
                "air_operation.cancel",
                1,
                json!({"id": "US-1"}),
                true,
            ),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &body,
        StatusCode::NOT_FOUND,
        "cancel another party's operation",
    );
    let (status, _, cancelled) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.cancel",
                3,
                json!({"id": "US-1", "reason": "weather"}),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    let (_, after) = s.get("/api/v1/air-operations/US-1", Some("us")).await;
    assert_eq!(after["status"], "cancelled");
    assert_eq!(after["version"], 3);
    s.stop().await;
}

#[tokio::test]
async fn conflicting_plans_raise_alerts_and_reveal_only_the_conflicting_legs() {
    let s = start().await;
    let (status, _, _) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.file",
                1,
                plan("US-7", "HAWK", false, 25_000.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, receipt) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "russia",
                "air_operation.file",
                1,
                plan("RU-3", "SOKOL", true, 25_400.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let conflicts = receipt["result"]["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{receipt}");
    assert_eq!(conflicts[0]["with"]["operation"], "US-7");

    // Russia sees the US plan's conflicting leg only: two waypoints of four, no callsign.
    let (_, ru_view) = s.get("/api/v1/air-operations/US-7", Some("russia")).await;
    assert_eq!(ru_view["plan"], Value::Null);
    let legs = ru_view["conflicting_legs"].as_array().unwrap();
    assert_eq!(legs.len(), 1);
    assert_eq!(legs[0]["waypoints"].as_array().unwrap().len(), 2);
    assert!(!ru_view.to_string().contains("HAWK"));
    let (_, ru_list) = s.get("/api/v1/air-operations", Some("russia")).await;
    assert_eq!(
        ru_list.as_array().unwrap().len(),
        2,
        "own plan and the partial view: {ru_list}"
    );

    // Alerts: both parties with their own detail; monitors the subject only; others nothing.
    let (_, us_alerts) = s.get("/api/v1/alerts", Some("us")).await;
    assert_eq!(us_alerts[0]["kind"], "plan_conflict");
    assert_eq!(us_alerts[0]["detail"]["other"]["operation"], "RU-3");
    let (_, mon) = s.get("/api/v1/alerts", Some("jic_monitors")).await;
    assert_eq!(mon.as_array().unwrap().len(), 1);
    assert_eq!(mon[0]["detail"], Value::Null);
    let (_, ocha) = s.get("/api/v1/alerts", Some("un_ocha")).await;
    assert_eq!(ocha, json!([]));

    // Acknowledge, signed; a second time is a conflict; a non-recipient cannot.
    let id = us_alerts[0]["id"].as_i64().unwrap();
    let (status, _, ack) = s
        .post(
            &format!("/api/v1/alerts/{id}/ack"),
            s.body(
                "us",
                "alert.ack",
                2,
                json!({"alert_id": id, "note": "seen"}),
                false,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let (status, ct, body) = s
        .post(
            &format!("/api/v1/alerts/{id}/ack"),
            s.body("us", "alert.ack", 3, json!({"alert_id": id}), false),
        )
        .await;
    assert_problem(status, &ct, &body, StatusCode::CONFLICT, "double ack");
    let (status, ct, body) = s
        .post(
            &format!("/api/v1/alerts/{id}/ack"),
            s.body("un_ocha", "alert.ack", 1, json!({"alert_id": id}), false),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &body,
        StatusCode::NOT_FOUND,
        "ack by a non-recipient",
    );
    let (_, ru_alerts) = s.get("/api/v1/alerts", Some("russia")).await;
    assert_eq!(ru_alerts[0]["acks"][0]["party"], "us");
    s.stop().await;
}

#[tokio::test]
async fn every_refusal_is_problem_json_and_stores_nothing() {
    let s = start().await;
    let good = |seq| {
        s.body(
            "us",
            "air_operation.file",
            seq,
            plan(&format!("US-{seq}"), "X", false, 20_000.0),
            true,
        )
    };
    let (status, _, _) = s.post("/api/v1/submissions", good(5)).await;
    assert_eq!(status, StatusCode::OK);
    let before = s.counts().await;

    let mut bad_sig: Value = serde_json::from_slice(&good(6)).unwrap();
    bad_sig["envelope"]["seq"] = json!(7);
    let stranger = NoteSigner::from_seed("us", &[9; 32]).unwrap();
    let unknown_key = jic_server::client::submission_body(
        &stranger,
        "us",
        "air_operation.file",
        8,
        s.now(),
        plan("US-8", "X", false, 1.0),
        true,
    )
    .unwrap();
    let stale = jic_server::client::submission_body(
        &s.signer("us"),
        "us",
        "air_operation.file",
        9,
        s.now().checked_sub(SignedDuration::from_hours(1)).unwrap(),
        plan("US-9", "X", false, 1.0),
        true,
    )
    .unwrap();
    let mut unknown_field = plan("US-10", "X", false, 1.0);
    unknown_field["colour"] = json!("red");
    let mut huge = plan("US-11", "X", false, 1.0);
    huge["callsign"] = json!("A".repeat(70_000));

    let cases: Vec<(&str, Vec<u8>, &str, StatusCode)> = vec![
        (
            "bad signature",
            serde_json::to_vec(&bad_sig).unwrap(),
            "application/json",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "unknown key",
            unknown_key,
            "application/json",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "replayed sequence",
            good(5),
            "application/json",
            StatusCode::CONFLICT,
        ),
        (
            "stale time",
            stale,
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "oversized body",
            s.body("us", "air_operation.file", 11, huge, true),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "malformed JSON",
            b"{\"envelope\": ".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong content type",
            good(12),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "unknown field",
            s.body("us", "air_operation.file", 13, unknown_field, true),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "role may not",
            s.body(
                "jic_monitors",
                "air_operation.file",
                1,
                plan("M-1", "X", false, 1.0),
                true,
            ),
            "application/json",
            StatusCode::FORBIDDEN,
        ),
        (
            "restricted kind in the clear",
            s.body(
                "us",
                "air_operation.file",
                14,
                plan("US-14", "X", false, 1.0),
                false,
            ),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "unknown kind",
            s.body("us", "strike.bogus", 15, json!({}), false),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "party speaking for another",
            {
                let v: Value = serde_json::from_slice(
                    &jic_server::client::submission_body(
                        &s.signer("us"),
                        "russia",
                        "alert.ack",
                        16,
                        s.now(),
                        json!({"alert_id": 1}),
                        false,
                    )
                    .unwrap(),
                )
                .unwrap();
                serde_json::to_vec(&v).unwrap()
            },
            "application/json",
            StatusCode::FORBIDDEN,
        ),
    ];
    for (what, body, ct, want) in cases {
        let (status, got_ct, problem) = s.post_typed("/api/v1/submissions", body, ct).await;
        assert_problem(status, &got_ct, &problem, want, what);
        assert_eq!(s.counts().await, before, "{what} stored something");
    }
    s.stop().await;
}

#[tokio::test]
async fn unknown_paths_methods_and_tokens_answer_problem_json() {
    let s = start().await;
    let r = s
        .http
        .get(format!("{}/api/v1/nothing", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = s
        .http
        .delete(format!("{}/api/v1/alerts", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = s
        .http
        .get(format!("{}/api/v1/alerts", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.headers().contains_key("x-request-id"));
    let r = s
        .http
        .get(format!("{}/api/v1/alerts", s.base))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = s
        .http
        .get(format!("{}/api/v1/log/inclusion?index=x", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    s.stop().await;
}

#[tokio::test]
async fn track_batches_update_the_picture_and_raise_conflict_alerts() {
    let s = start().await;
    // Two aircraft 20 nm apart head-on at FL300 over the Syrian desert, one per sponsor.
    let dlon =
        20.0 * 1852.0 / (6_371_000.0 * 34.5_f64.to_radians().cos()) * 180.0 / std::f64::consts::PI;
    let us_csv =
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nUSAF1,34.5,38.0,30000,450,90,0\n".to_owned();
    let ru_csv = format!(
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nRUAF1,34.5,{},30000,450,270,0\n",
        38.0 + dlon
    );
    for (member, csv) in [("us", us_csv), ("russia", ru_csv)] {
        let body = jic_server::client::track_batch_body(
            &s.signer(member),
            member,
            1,
            s.now(),
            s.now(),
            &csv,
            1,
        )
        .unwrap();
        let (status, _, receipt) = s.post("/api/v1/tracks/batches", body).await;
        assert_eq!(status, StatusCode::OK, "{receipt}");
        assert_eq!(receipt["result"]["count"], 1);
    }
    // A digest that does not match is refused.
    let mut body: Value = serde_json::from_slice(
        &jic_server::client::track_batch_body(
            &s.signer("us"),
            "us",
            2,
            s.now(),
            s.now(),
            "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nA,1,1,1,1,1,1\n",
            1,
        )
        .unwrap(),
    )
    .unwrap();
    body["states_csv"] = json!("id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nA,2,2,2,2,2,2\n");
    let (status, ct, problem) = s
        .post("/api/v1/tracks/batches", serde_json::to_vec(&body).unwrap())
        .await;
    assert_problem(
        status,
        &ct,
        &problem,
        StatusCode::UNPROCESSABLE_ENTITY,
        "digest mismatch",
    );

    let (_, us_tracks) = s.get("/api/v1/tracks", Some("us")).await;
    assert_eq!(
        us_tracks.as_array().unwrap().len(),
        1,
        "a party sees its own tracks only"
    );
    let (_, all) = s.get("/api/v1/tracks", Some("jic")).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // The detector runs after the batch; wait for its alert (bounded).
    let mut alerts = json!([]);
    for _ in 0..200 {
        (_, alerts) = s.get("/api/v1/alerts", Some("russia")).await;
        if !alerts.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(alerts[0]["kind"], "track_conflict", "{alerts}");
    assert_eq!(alerts[0]["detail"]["other"]["aircraft"], "USAF1");
    s.stop().await;
}

/// The last SSE event id in a stream's text.
fn last_event_id(text: &str) -> String {
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn track_conflict_alerts_close_when_the_conflict_resolves_or_an_aircraft_goes_stale() {
    let s = start().await;
    let dlon =
        20.0 * 1852.0 / (6_371_000.0 * 34.5_f64.to_radians().cos()) * 180.0 / std::f64::consts::PI;
    let head_on = format!(
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nRUAF1,34.5,{},30000,450,270,0\n",
        38.0 + dlon
    );
    let turned_away = "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nRUAF1,36.5,38.3,30000,450,0,0\n";
    let push = |member: &'static str, seq: u64, csv: String| {
        let s = &s;
        let body = jic_server::client::track_batch_body(
            &s.signer(member),
            member,
            seq,
            s.now(),
            s.now(),
            &csv,
            1,
        )
        .unwrap();
        async move {
            let (status, _, receipt) = s.post("/api/v1/tracks/batches", body).await;
            assert_eq!(status, StatusCode::OK, "{receipt}");
        }
    };
    let decisions = |kind: &'static str| {
        s.state.read(move |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM decision WHERE kind = ?1",
                [kind],
                |r| r.get::<_, i64>(0),
            )
            .unwrap())
        })
    };

    // Head-on at FL300: an alert to both cells.
    push(
        "us",
        1,
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nUSAF1,34.5,38.0,30000,450,90,0\n".to_owned(),
    )
    .await;
    push("russia", 1, head_on.clone()).await;
    let raised = s.events_until("russia", None, "track_conflict").await;
    assert!(raised.contains("event: alert"), "{raised}");

    // Russia turns north, 220 km away: the next cycle closes the alert, logged, told live.
    push("russia", 2, turned_away.to_owned()).await;
    let closed = s
        .events_until(
            "russia",
            Some(&last_event_id(&raised)),
            "\"status\":\"closed\"",
        )
        .await;
    assert!(closed.contains("event: alert"), "{closed}");
    assert!(
        closed.contains("no longer finds the pair in conflict"),
        "{closed}"
    );
    let (_, alerts) = s.get("/api/v1/alerts", Some("russia")).await;
    assert_eq!(alerts[0]["status"], "closed", "{alerts}");
    assert_eq!(decisions("alert.closed").await.unwrap(), 1);

    // The same pair converging again is a new alert.
    push("russia", 3, head_on).await;
    let again = s
        .events_until("russia", Some(&last_event_id(&closed)), "track_conflict")
        .await;
    assert!(again.contains("\"severity\""), "{again}");
    let (_, alerts) = s.get("/api/v1/alerts", Some("russia")).await;
    let open: Vec<&Value> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "open")
        .collect();
    assert_eq!(
        (alerts.as_array().unwrap().len(), open.len()),
        (2, 1),
        "{alerts}"
    );

    // Three minutes without a report from either (the clock moves; a batch of another aircraft
    // wakes the detector): both leave the picture and the alert closes.
    s.clock
        .set(s.now().checked_add(SignedDuration::from_secs(180)).unwrap());
    push(
        "us",
        2,
        "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nUSAF2,33.0,36.0,25000,400,180,0\n".to_owned(),
    )
    .await;
    let stale = s
        .events_until(
            "russia",
            Some(&last_event_id(&again)),
            "\"status\":\"closed\"",
        )
        .await;
    assert!(stale.contains("left the picture"), "{stale}");
    let (_, tracks) = s.get("/api/v1/tracks", Some("jic")).await;
    let ids: Vec<&str> = tracks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["USAF2"], "{tracks}");
    assert_eq!(decisions("alert.closed").await.unwrap(), 2);
    s.stop().await;
}

#[tokio::test]
async fn events_are_filtered_by_role_and_resume_after_last_event_id() {
    let s = start().await;
    let (status, _, _) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.file",
                1,
                plan("US-1", "A", false, 25_000.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "russia",
                "air_operation.file",
                1,
                plan("RU-1", "B", true, 25_000.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Read the US stream until the alert arrives (the backlog is replayed from the store).
    let us = s.events_until("us", None, "event: alert").await;
    assert!(us.contains("event: air_operation"), "{us}");
    assert!(us.contains("\"id\":\"US-1\""), "{us}");
    for block in us
        .split("\n\n")
        .filter(|b| b.contains("event: air_operation"))
    {
        assert!(
            !block.contains("\"party\":\"russia\""),
            "the US sees no Russian filing event: {block}"
        );
    }
    assert!(us.contains("event: alert"), "{us}");
    // Resuming after the first event skips it.
    let first_id = us
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .to_owned();
    let resumed = s.events_until("us", Some(&first_id), "event: alert").await;
    assert!(!resumed.contains(&format!("id: {first_id}\n")), "{resumed}");
    assert!(resumed.contains("event: alert"));
    // The humanitarian organisation sees none of it.
    let r = s
        .http
        .get(format!("{}/api/v1/events", s.base))
        .bearer_auth(s.token("un_ocha"))
        .send()
        .await
        .unwrap();
    let mut r = r;
    let chunk = tokio::time::timeout(std::time::Duration::from_millis(300), r.chunk()).await;
    if let Ok(Ok(Some(c))) = chunk {
        assert!(
            !String::from_utf8_lossy(&c).contains("event:"),
            "ocha got an event"
        );
    }
    drop(r);
    s.stop().await;
}

#[tokio::test]
async fn no_tile_or_entry_bundle_holds_restricted_plaintext() {
    let s = start().await;
    let secrets = ["SECRETCALLSIGN1", "35.33", "40.15", "SECRETCALLSIGN2"];
    for (member, id, callsign, north) in [
        ("us", "US-X", secrets[0], false),
        ("russia", "RU-X", secrets[3], true),
    ] {
        let (status, _, r) = s
            .post(
                "/api/v1/air-operations",
                s.body(
                    member,
                    "air_operation.file",
                    1,
                    plan(id, callsign, north, 25_000.0),
                    true,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{r}");
    }
    let size = s.state.integrate().await.unwrap();
    assert!(size >= 4, "genesis records, two filings, one alert: {size}");
    let (status, checkpoint) = s.get_bytes("/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(checkpoint).unwrap();
    assert!(text.contains(&format!("\n{size}\n")), "{text}");

    let mut scanned = Vec::new();
    let mut paths = Vec::new();
    let mut level = 0u8;
    let mut nodes = size;
    while nodes > 0 {
        for index in 0..nodes.div_ceil(256) {
            let w = if (index + 1) * 256 > nodes {
                Some((nodes % 256) as u16)
            } else {
                None
            };
            paths.push(TilePath::Hashes {
                level,
                index,
                width: w,
            });
        }
        level += 1;
        nodes /= 256;
    }
    for index in 0..size.div_ceil(256) {
        let w = if (index + 1) * 256 > size {
            Some((size % 256) as u16)
        } else {
            None
        };
        paths.push(TilePath::Entries { index, width: w });
    }
    for p in &paths {
        let (status, bytes) = s.get_bytes(&format!("/log/{p}")).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        scanned.extend(bytes);
    }
    let haystack = String::from_utf8_lossy(&scanned);
    assert!(
        haystack.contains("air_operation.file"),
        "the bundles hold the entries"
    );
    for secret in secrets {
        assert!(!haystack.contains(secret), "{secret} leaked into the log");
    }
    s.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_stable() {
    let s = start().await;
    let (status, doc) = s.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
    s.stop().await;
}

/// Every `.route("/api/v1/…", get(…).post(…))` in the server's sources, as (method, path).
/// Read from the sources rather than listed by hand, so a route added anywhere is checked.
fn served_api_routes() -> std::collections::BTreeSet<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut sources = Vec::new();
    walk(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut sources,
    );
    let mut routes = std::collections::BTreeSet::new();
    for text in &sources {
        for (start, _) in text.match_indices(".route(") {
            // The call's arguments: up to the parenthesis that closes `.route(`.
            let rest = &text[start + ".route(".len()..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .unwrap()
                .0;
            let call = &rest[..end];
            let path = call.split('"').nth(1).unwrap();
            if !path.starts_with("/api/v1/") {
                continue;
            }
            let handlers = &call[call.find(',').unwrap()..];
            let mut found = false;
            for method in ["get", "post", "put", "delete", "patch"] {
                let call_of = |s: &str| {
                    s.match_indices(&format!("{method}(")).any(|(i, _)| {
                        i == 0
                            || !s.as_bytes()[i - 1].is_ascii_alphanumeric()
                                && s.as_bytes()[i - 1] != b'_'
                    })
                };
                if call_of(handlers) {
                    routes.insert((method.to_owned(), path.to_owned()));
                    found = true;
                }
            }
            assert!(found, "no method found in .route({call})");
        }
    }
    routes
}

#[tokio::test]
async fn every_served_api_route_is_in_the_openapi_document_and_every_documented_one_is_served() {
    let served = served_api_routes();
    // The parser must see the routes of every router (a canary per source file).
    for known in [
        ("get", "/api/v1/health"),
        ("post", "/api/v1/agreement/versions"),
        ("get", "/api/v1/agreement/versions"),
        ("put", "/api/v1/evidence/{sha256}"),
        ("get", "/api/v1/incidents"),
        ("get", "/api/v1/log/inclusion"),
        ("post", "/api/v1/log/cosignatures"),
        ("get", "/api/v1/notifications"),
    ] {
        assert!(
            served.contains(&(known.0.to_owned(), known.1.to_owned())),
            "{known:?} not found in the sources: {served:?}"
        );
    }
    let s = start().await;
    let (_, doc) = s.get("/api/v1/openapi.json", None).await;
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "served but missing from the OpenAPI document: {undocumented:?}"
    );
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "documented but not routed: {unserved:?}"
    );
    // And the live router answers each one with its handler, not the fallbacks.
    for (method, path) in &documented {
        let concrete = path
            .replace("{leaf}", "0")
            .replace("{sha256}", &"0".repeat(64))
            .replace("{date}", "2016-09-12")
            .replace(['{', '}'], "");
        let r = s
            .http
            .request(
                method.to_uppercase().parse().unwrap(),
                format!("{}{concrete}", s.base),
            )
            .bearer_auth(s.token("jic"))
            .send()
            .await
            .unwrap();
        let status = r.status();
        // Only a 404's body is read: `/api/v1/events` is an endless event stream.
        let body: Value = if status == StatusCode::NOT_FOUND {
            r.json().await.unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !(status == StatusCode::NOT_FOUND && body["detail"] == "no such resource"),
            "{method} {path} fell through to the fallback"
        );
    }
    s.stop().await;
}

/// Copies an agreement package, rewriting its `agreement.toml` with `edit`.
fn edited_package(into: &std::path::Path, edit: impl Fn(String) -> String) -> PathBuf {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let pkg = into.join("agreement");
    copy(&package(), &pkg);
    let terms = pkg.join("agreement.toml");
    let text = std::fs::read_to_string(&terms).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&terms, edited).unwrap();
    pkg
}

#[tokio::test]
async fn the_agreement_decides_who_reads_restricted_plaintext() {
    use jic_store::roster::Role;
    // Flight plans: monitors and (unlike any default) humanitarian organisations; strike
    // notices: monitors only (the package also names sponsors).
    let tmp = tempfile::tempdir().unwrap();
    let pkg = edited_package(tmp.path(), |t| {
        t.replace(
            "kind = \"flight_plan\"\nreaders = [\"monitor\"]",
            "kind = \"flight_plan\"\nreaders = [\"monitor\", \"humanitarian\"]",
        )
        .replace(
            "kind = \"strike_notice\"\nreaders = [\"sponsor\", \"monitor\"]",
            "kind = \"strike_notice\"\nreaders = [\"monitor\"]",
        )
    });
    let s = start_with_package(ServerConfig::default(), pkg).await;
    let policy = s.state.policy();
    assert_eq!(
        policy.readers("air_operation.file"),
        vec![Role::DutyOfficer, Role::Humanitarian, Role::Monitor]
    );
    assert_eq!(policy.readers("strike.notice"), vec![Role::Monitor]);
    assert!(policy.is_restricted("strike.notice"));

    // A kind the agreement restricts goes into the log as a commitment only.
    let (status, ct, body) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.file",
                1,
                plan("US-1", "VIPER11", false, 25_000.0),
                false,
            ),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "in the clear",
    );
    let (status, _, receipt) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "us",
                "air_operation.file",
                1,
                plan("US-1", "VIPER11", false, 25_000.0),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let leaf = receipt["leaf_index"].as_u64().unwrap();

    // Entitled by the agreement: plaintext and salt by leaf index.
    for reader in ["jic_monitors", "un_ocha"] {
        let (status, view) = s
            .get(&format!("/api/v1/submissions/{leaf}"), Some(reader))
            .await;
        assert_eq!(status, StatusCode::OK, "{reader}");
        assert_eq!(view["payload"]["callsign"], "VIPER11", "{reader}");
        assert!(view["salt"].is_string(), "{reader}");
        assert!(view["envelope"]["payload_commitment"].is_string());
        assert!(view["envelope"].get("payload").is_none(), "{view}");
    }
    // Another party: the signed envelope with its commitment, no plaintext, and the plan
    // itself is a 404 problem.
    let (_, view) = s
        .get(&format!("/api/v1/submissions/{leaf}"), Some("russia"))
        .await;
    assert_eq!(view["payload"], Value::Null);
    assert_eq!(view["salt"], Value::Null);
    let r = s
        .http
        .get(format!("{}/api/v1/air-operations/US-1", s.base))
        .bearer_auth(s.token("russia"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_problem(status, &ct, &body, StatusCode::NOT_FOUND, "another party");
    s.stop().await;
}

#[tokio::test]
async fn a_delineation_change_is_proposed_with_its_diff_and_enters_into_force_when_countersigned() {
    let s = start().await;
    let (_, current) = s.get("/api/v1/agreement", Some("un_envoy")).await;
    assert_eq!(current["status"], "in_force");
    let mut files: std::collections::BTreeMap<String, String> =
        serde_json::from_value(current["package"].clone()).unwrap();
    // East Aleppo becomes disputed; West Aleppo's outline moves one vertex 0.01° west.
    let toml = files["agreement.toml"].replacen(
        "feature = \"aleppo_east_opposition\"\nkind = \"control\"\nstatus = \"agreed\"",
        "feature = \"aleppo_east_opposition\"\nkind = \"control\"\nstatus = \"disputed\"",
        1,
    );
    assert_ne!(toml, files["agreement.toml"], "the fixture changed shape");
    files.insert("agreement.toml".into(), toml);
    let mut zones: Value = serde_json::from_str(&files["zones.geojson"]).unwrap();
    let feature = zones["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["properties"]["id"] == "aleppo_west_government")
        .unwrap();
    let lon = feature["geometry"]["coordinates"][0][2][0]
        .as_f64()
        .unwrap();
    feature["geometry"]["coordinates"][0][2][0] = json!(lon - 0.01);
    files.insert("zones.geojson".into(), zones.to_string());

    let sources: Vec<jic_agreement::Source<'_>> = files
        .iter()
        .map(|(n, t)| jic_agreement::Source { name: n, text: t })
        .collect();
    let hash = jic_agreement::load(&sources).unwrap().hash_hex();
    let payload = json!({"hash": hash, "files_sha256": jic_server::kinds::agreement::files_digest(&files).unwrap(),
                         "note": "east Aleppo disputed"});
    let mut body: Value =
        serde_json::from_slice(&s.body("us", "agreement.propose", 1, payload, false)).unwrap();
    body["files"] = serde_json::to_value(&files).unwrap();
    let (status, _, receipt) = s
        .post(
            "/api/v1/agreement/versions",
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let diff = &receipt["result"]["diff"];
    assert_eq!(diff["disputed_zones"], json!(["aleppo_east"]), "{diff}");
    let changed = diff["zones"]["changed"].as_array().unwrap();
    let west = changed
        .iter()
        .find(|z| z["id"] == "aleppo_west")
        .expect("aleppo_west changed");
    assert!(
        west["area_change_km2"].as_f64().unwrap().abs() > 0.01,
        "{west}"
    );
    let east = changed
        .iter()
        .find(|z| z["id"] == "aleppo_east")
        .expect("aleppo_east changed");
    assert!(
        east["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("status")),
        "{east}"
    );
    assert_eq!(receipt["result"]["status"], "proposed");
    let required: Vec<String> =
        serde_json::from_value(receipt["result"]["required"].clone()).unwrap();
    assert!(required.contains(&"russia".to_owned()));

    // Every other required party countersigns; the last one puts it into force.
    let others: Vec<&String> = required.iter().filter(|p| *p != "us").collect();
    for (i, party) in others.iter().enumerate() {
        let (status, _, r) = s
            .post(
                "/api/v1/agreement/countersignatures",
                s.body(
                    party,
                    "agreement.countersign",
                    1,
                    json!({"hash": hash}),
                    false,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{party}: {r}");
        let want = if i + 1 == others.len() {
            "in_force"
        } else {
            "proposed"
        };
        assert_eq!(r["result"]["status"], want, "{party}");
    }
    let (_, now_current) = s.get("/api/v1/agreement", Some("jic_monitors")).await;
    assert_eq!(now_current["hash"], hash);
    let (_, versions) = s.get("/api/v1/agreement/versions", Some("un_ocha")).await;
    assert_eq!(versions[0]["status"], "superseded");
    assert_eq!(
        versions[1]["countersignatures"].as_array().unwrap().len(),
        required.len()
    );
    // A monitor may not countersign.
    let (status, ct, problem) = s
        .post(
            "/api/v1/agreement/countersignatures",
            s.body(
                "jic_monitors",
                "agreement.countersign",
                1,
                json!({"hash": hash}),
                false,
            ),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &problem,
        StatusCode::FORBIDDEN,
        "monitor countersigning",
    );
    s.stop().await;
}

#[tokio::test]
async fn keys_are_rotated_by_logged_roster_changes() {
    let s = start().await;
    let new_key = NoteSigner::from_seed("us", &[7; 32]).unwrap();
    let vkey = new_key.verifier().to_vkey();
    let (status, _, r) = s
        .post(
            "/api/v1/submissions",
            s.body("us", "roster.key_add", 1, json!({"key": vkey}), false),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // A key must carry its member's name.
    let foreign = NoteSigner::from_seed("russia", &[8; 32])
        .unwrap()
        .verifier()
        .to_vkey();
    let (status, ct, problem) = s
        .post(
            "/api/v1/submissions",
            s.body("us", "roster.key_add", 2, json!({"key": foreign}), false),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &problem,
        StatusCode::UNPROCESSABLE_ENTITY,
        "foreign key name",
    );
    // The new key works at once; then it revokes the old one, which stops working.
    let old = s.signer("us").verifier().to_vkey();
    let with_new = |seq, kind: &str, payload| {
        jic_server::client::submission_body(&new_key, "us", kind, seq, s.now(), payload, false)
            .unwrap()
    };
    let (status, _, r) = s
        .post(
            "/api/v1/submissions",
            with_new(1, "roster.key_revoke", json!({"key": old})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (status, ct, problem) = s
        .post(
            "/api/v1/submissions",
            s.body("us", "roster.key_add", 3, json!({"key": foreign}), false),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &problem,
        StatusCode::UNAUTHORIZED,
        "revoked key",
    );
    let (_, roster) = s.get("/api/v1/roster", None).await;
    let us = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "us")
        .unwrap();
    assert_eq!(us["keys"], json!([vkey]));
    s.stop().await;
}

#[tokio::test]
async fn each_role_can_do_its_part_and_rates_are_limited() {
    let s = start_with(ServerConfig {
        rate_limit_per_s: 0.001,
        rate_limit_burst: 3.0,
        ..ServerConfig::default()
    })
    .await;
    s.post(
        "/api/v1/air-operations",
        s.body(
            "us",
            "air_operation.file",
            1,
            plan("US-1", "A", false, 25_000.0),
            true,
        ),
    )
    .await;
    let (_, _, r) = s
        .post(
            "/api/v1/air-operations",
            s.body(
                "russia",
                "air_operation.file",
                1,
                plan("RU-1", "B", true, 25_000.0),
                true,
            ),
        )
        .await;
    let alert_id = r["result"]["conflicts"][0]["alert_id"].as_i64().unwrap();
    // The duty officer and a monitor acknowledge the alert addressed to their roles.
    for member in ["jic", "jic_monitors"] {
        let (status, _, r) = s
            .post(
                &format!("/api/v1/alerts/{alert_id}/ack"),
                s.body(member, "alert.ack", 1, json!({"alert_id": alert_id}), false),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{member}: {r}");
    }
    // The duty officer sees both plans; a witness reads the agreement, roster and log.
    let (_, all) = s.get("/api/v1/air-operations", Some("jic")).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (status, _) = s.get("/api/v1/agreement", Some("un_envoy")).await;
    assert_eq!(status, StatusCode::OK);
    s.state.integrate().await.unwrap();
    let (status, _) = s.get_bytes("/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    // A humanitarian organisation sees no plan and no alert about them.
    let (_, ocha) = s.get("/api/v1/alerts", Some("un_ocha")).await;
    assert_eq!(ocha, json!([]));
    // The US has a burst of three: the fourth submission in a row is refused with 429.
    for seq in 2..=3 {
        let (status, _, _) = s
            .post(
                "/api/v1/air-operations",
                s.body(
                    "us",
                    "air_operation.cancel",
                    seq,
                    json!({"id": "NONE"}),
                    true,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, ct, problem) = s
        .post(
            "/api/v1/air-operations",
            s.body("us", "air_operation.cancel", 4, json!({"id": "US-1"}), true),
        )
        .await;
    assert_problem(
        status,
        &ct,
        &problem,
        StatusCode::TOO_MANY_REQUESTS,
        "rate limit",
    );
    s.stop().await;
}
