//! `?as_of=` on the list routes, against a real listener on 127.0.0.1 with a manual clock: the
//! answer is what the log had recorded at that instant (an earlier version, receipts and
//! reviews not yet given, an alert not yet acknowledged), shaped by the same need-to-know
//! rules as the live answer; an instant after the last entry answers exactly like now.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is the test failing"
)]

mod support;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{DEZ_AIM, TestServer, dez_a_notice, flight, start_at, t, urum_warehouse};

impl TestServer {
    /// `GET path` as `member`: status, content type, body.
    async fn get_as(&self, path: &str, member: &str) -> (StatusCode, String, Value) {
        let (status, ctype, text) = self.get_typed(path, member).await;
        (
            status,
            ctype,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// A list route as `member` at `as_of` (`None`: now); asserts 200.
    async fn list(&self, route: &str, member: &str, as_of: Option<&str>) -> Vec<Value> {
        let path = match as_of {
            Some(at) => format!("{route}?as_of={}", at.replace('+', "%2B")),
            None => route.to_owned(),
        };
        let (status, _, body) = self.get_as(&path, member).await;
        assert_eq!(status, StatusCode::OK, "{path} as {member}: {body}");
        body.as_array().unwrap().clone()
    }

    /// The list at the instant just before now (every entry so far in the past) equals the
    /// live list, field by field, for each of `readers`.
    async fn assert_last_instant_answers_like_now(&self, route: &str, readers: &[&str]) {
        for reader in readers {
            assert_eq!(
                self.list(route, reader, Some(&just_before(self.now())))
                    .await,
                self.list(route, reader, None).await,
                "{reader}"
            );
        }
    }
}

fn item<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|o| o["id"] == json!(id))
        .unwrap_or_else(|| panic!("no {id} in {list:#?}"))
}

fn coords(v: &Value) -> (f64, f64) {
    let c = &v["geometry"]["coordinates"];
    (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
}

/// The instant one nanosecond before `now`: every entry so far is in the past.
fn just_before(now: Timestamp) -> String {
    (now - SignedDuration::from_nanos(1)).to_string()
}

fn clinic(lon: f64, lat: f64) -> Value {
    json!({"id": "clinic-1", "category": "clinic",
           "geometry": {"type": "Point", "coordinates": [lon, lat]},
           "precision_m": 100, "recipients": ["us", "russia"],
           "valid_from": "2016-09-18T00:00:00Z", "disclosure": "shared"})
}

#[tokio::test]
async fn an_amended_notification_shows_its_first_version_and_no_later_receipt_at_an_earlier_instant()
 {
    let s = start_at("2016-09-18T06:00:00Z").await;
    s.ok("un_ocha", "humanitarian.site", clinic(37.15, 36.20), true)
        .await;
    s.clock.set(t("2016-09-18T07:00:00Z"));
    s.ok(
        "un_ocha",
        "humanitarian.amend",
        json!({"notification": "un_ocha/clinic-1", "site": clinic(37.16, 36.21)}),
        true,
    )
    .await;
    s.clock.set(t("2016-09-18T07:30:00Z"));
    s.acknowledge("russia", "un_ocha/clinic-1", 2).await;
    s.clock.set(t("2016-09-18T08:00:00Z"));
    let route = "/api/v1/notifications";

    // Between the filing and the amendment: version 1, where it was first notified.
    let before = "2016-09-18T06:30:00Z";
    let own = s.list(route, "un_ocha", Some(before)).await;
    let first = item(&own, "un_ocha/clinic-1");
    assert_eq!(first["version"], 1, "{first}");
    assert_eq!(
        coords(first),
        (37.15, 36.20),
        "the notifier sees its own exactly"
    );
    assert_eq!(first["acknowledgments"], json!([]), "{first}");
    assert_eq!(first["status"], "active");
    let seen = s.list(route, "russia", Some(before)).await;
    let first = item(&seen, "un_ocha/clinic-1");
    assert_eq!(first["version"], 1, "{first}");
    let (lon, lat) = coords(first);
    assert!(
        (lon - 37.15).abs() < 0.002 && (lat - 36.20).abs() < 0.002,
        "version 1, near its first place: {first}"
    );

    // Amended but not yet acknowledged.
    let between = s.list(route, "russia", Some("2016-09-18T07:15:00Z")).await;
    let second = item(&between, "un_ocha/clinic-1");
    assert_eq!(second["version"], 2, "{second}");
    assert_eq!(second["acknowledgments"], json!([]), "{second}");
    let (lon, _) = coords(second);
    assert!((lon - 37.16).abs() < 0.002, "{second}");

    // Now: the receipt is there.
    let now = s.list(route, "russia", None).await;
    let acks = &item(&now, "un_ocha/clinic-1")["acknowledgments"];
    assert_eq!(acks[0]["party"], "russia", "{acks}");
    assert_eq!(acks[0]["version"], 2, "{acks}");

    // Before the filing: nothing was known.
    assert!(
        s.list(route, "un_ocha", Some("2016-09-18T05:59:59Z"))
            .await
            .is_empty()
    );
    // The replay at the last instant and the live rows agree field by field, for every reader.
    s.assert_last_instant_answers_like_now(
        route,
        &["un_ocha", "russia", "us", "jic", "jic_monitors"],
    )
    .await;
    s.stop().await;
}

#[tokio::test]
async fn a_malformed_as_of_is_a_problem_and_a_future_one_answers_like_now() {
    let s = start_at("2016-09-18T06:00:00Z").await;
    s.ok("un_ocha", "humanitarian.site", clinic(37.15, 36.20), true)
        .await;
    for route in [
        "/api/v1/notifications",
        "/api/v1/strike-notices",
        "/api/v1/alerts",
        "/api/v1/air-operations",
    ] {
        let (status, ctype, body) = s
            .get_as(&format!("{route}?as_of=yesterday"), "russia")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{route}: {body}");
        assert_eq!(ctype, "application/problem+json", "{route}");
        assert!(
            body["detail"].as_str().unwrap().contains("as_of"),
            "{route}: {body}"
        );
        assert_eq!(
            s.list(route, "russia", Some("2030-01-01T00:00:00Z")).await,
            s.list(route, "russia", None).await,
            "{route}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn an_amended_strike_notice_shows_version_one_and_its_verdict_then() {
    let (_package, s) = support::start_with_agreed_ring("2016-09-16T10:00:00+03:00").await;
    let aim = DEZ_AIM;
    let filed = s.file_dez_a().await;
    assert_eq!(filed["result"]["verdict"], "clear", "{filed:#}");
    s.clock.set(t("2016-09-16T10:05:00+03:00"));
    s.russia_objects_to_dez_a().await;
    s.clock.set(t("2016-09-16T10:10:00+03:00"));
    let amended = s
        .ok("us", "strike.amend", dez_a_notice(40.01, 35.23), true)
        .await;
    assert_eq!(amended["result"]["verdict"], "conflict", "{amended:#}");
    s.clock.set(t("2016-09-16T10:20:00+03:00"));
    let route = "/api/v1/strike-notices";

    // Filed, not yet reviewed: version 1, clear.
    let early = s
        .list(route, "russia", Some("2016-09-16T10:02:00+03:00"))
        .await;
    let v1 = item(&early, "dez-a");
    assert_eq!(v1["version"], 1, "{v1:#}");
    assert_eq!(v1["area"]["coordinates"], json!(aim), "{v1:#}");
    assert_eq!(v1["verdict"], "clear");
    assert_eq!(v1["status"], "clear");
    // Objected to, not yet amended: still version 1, its verdict clear, its status not cleared.
    let objected = s
        .list(route, "russia", Some("2016-09-16T10:07:00+03:00"))
        .await;
    let v1 = item(&objected, "dez-a");
    assert_eq!(v1["version"], 1, "{v1:#}");
    assert_eq!(v1["area"]["coordinates"], json!(aim), "{v1:#}");
    assert_eq!(v1["verdict"], "clear");
    assert_eq!(v1["status"], "not_cleared");
    assert!(
        v1["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule_id"] != "jic.location_consistency" || f["severity"] != "conflict"),
        "version 1's findings, not version 2's: {v1:#}"
    );
    // Now: version 2 and its conflict.
    let now = s.list(route, "russia", None).await;
    let v2 = item(&now, "dez-a");
    assert_eq!(v2["version"], 2, "{v2:#}");
    assert_eq!(v2["area"]["coordinates"], json!([40.01, 35.23]));
    assert_eq!(v2["verdict"], "conflict");
    // Before the filing: no notice.
    assert!(
        s.list(route, "us", Some("2016-09-16T09:59:00+03:00"))
            .await
            .is_empty()
    );
    // The replay at the last instant and the live rows agree, for every reader (the humanitarian
    // organisation sees no strike notice at either).
    s.assert_last_instant_answers_like_now(
        route,
        &["us", "russia", "jic", "jic_monitors", "un_ocha"],
    )
    .await;
    s.stop().await;
}

#[tokio::test]
async fn an_alert_acknowledged_later_is_open_at_an_earlier_instant() {
    let s = start_at("2016-09-19T08:00:00+03:00").await;
    s.ok("sarc", "humanitarian.site", urum_warehouse(), true)
        .await;
    // At the deadline nobody has acknowledged: the joint cell is alerted.
    s.clock.set(t("2016-09-19T09:00:00+03:00"));
    jic_server::kinds::protect::tick(&s.state).await.unwrap();
    let route = "/api/v1/alerts";
    let overdue = |list: &[Value]| -> Vec<Value> {
        list.iter()
            .filter(|a| a["kind"] == "ack_overdue")
            .cloned()
            .collect()
    };
    let raised = overdue(&s.list(route, "jic", None).await);
    assert!(!raised.is_empty());
    let id = raised[0]["id"].as_i64().unwrap();
    s.clock.set(t("2016-09-19T09:30:00+03:00"));
    s.ok(
        "jic",
        "alert.ack",
        json!({"alert_id": id, "note": "calling both parties"}),
        false,
    )
    .await;
    s.clock.set(t("2016-09-19T10:00:00+03:00"));

    let now = overdue(&s.list(route, "jic", None).await);
    let acked = now.iter().find(|a| a["id"] == id).unwrap();
    assert_eq!(acked["status"], "acknowledged", "{acked:#}");
    assert_eq!(acked["acks"][0]["party"], "jic", "{acked:#}");

    let then = overdue(
        &s.list(route, "jic", Some("2016-09-19T09:15:00+03:00"))
            .await,
    );
    let open = then.iter().find(|a| a["id"] == id).unwrap();
    assert_eq!(open["status"], "open", "{open:#}");
    assert_eq!(open["acks"], json!([]), "{open:#}");
    // Before the deadline it had not been raised.
    assert!(
        overdue(
            &s.list(route, "jic", Some("2016-09-19T08:59:00+03:00"))
                .await
        )
        .is_empty()
    );
    s.assert_last_instant_answers_like_now(route, &["jic"])
        .await;
    s.stop().await;
}

const HOSPITAL: [f64; 2] = [36.63217, 35.93071];

#[tokio::test]
async fn a_party_asking_as_of_never_gets_a_sealed_site_or_another_partys_plan() {
    let s = start_at("2016-09-18T08:00:00+03:00").await;
    let hospital = |lon: f64, lat: f64| {
        json!({"id": "h-17", "category": "hospital",
               "geometry": {"type": "Point", "coordinates": [lon, lat]},
               "precision_m": 10, "recipients": ["us", "russia"],
               "valid_from": "2016-09-18T00:00:00+03:00", "disclosure": "sealed"})
    };
    s.ok(
        "un_ocha",
        "humanitarian.site",
        hospital(HOSPITAL[0], HOSPITAL[1]),
        true,
    )
    .await;
    s.ok(
        "us",
        "air_operation.file",
        flight(
            "us-op-1",
            &[(40.6, 35.6), (40.06, 35.30), (40.6, 35.6)],
            "2016-09-18T12:00:00+03:00",
        ),
        true,
    )
    .await;
    s.clock.set(t("2016-09-18T09:00:00+03:00"));
    s.ok(
        "un_ocha",
        "humanitarian.amend",
        json!({"notification": "un_ocha/h-17", "site": hospital(36.6401, 35.9377)}),
        true,
    )
    .await;
    s.ok(
        "us",
        "air_operation.amend",
        flight(
            "us-op-1",
            &[(40.7, 35.6), (40.07, 35.31), (40.7, 35.6)],
            "2016-09-18T12:00:00+03:00",
        ),
        true,
    )
    .await;
    s.clock.set(t("2016-09-18T10:00:00+03:00"));

    for at in [
        "2016-09-18T08:30:00+03:00",
        "2016-09-18T09:30:00+03:00",
        "2030-01-01T00:00:00Z",
    ] {
        let seen = s.list("/api/v1/notifications", "russia", Some(at)).await;
        let h = item(&seen, "un_ocha/h-17");
        assert_eq!(h["disclosure"], "sealed");
        assert_eq!(h["geometry"], Value::Null, "{at}: {h}");
        let (_, _, raw) = s
            .get_as(
                &format!("/api/v1/notifications?as_of={}", at.replace('+', "%2B")),
                "russia",
            )
            .await;
        let text = raw.to_string();
        for digits in ["36.632", "35.930", "36.640", "35.937"] {
            assert!(!text.contains(digits), "{at}: {digits} in {text}");
        }
        let ops = s.list("/api/v1/air-operations", "russia", Some(at)).await;
        assert!(
            ops.iter().all(|o| o["plan"].is_null()),
            "{at}: another party's plan: {ops:#?}"
        );
    }
    // The notifier and the filer see their own earlier versions in full.
    let own = s
        .list(
            "/api/v1/notifications",
            "un_ocha",
            Some("2016-09-18T08:30:00+03:00"),
        )
        .await;
    assert_eq!(
        coords(item(&own, "un_ocha/h-17")),
        (HOSPITAL[0], HOSPITAL[1])
    );
    let plans = s
        .list(
            "/api/v1/air-operations",
            "us",
            Some("2016-09-18T08:30:00+03:00"),
        )
        .await;
    let op = item(&plans, "us-op-1");
    assert_eq!(op["version"], 1, "{op:#}");
    assert_eq!(op["plan"]["waypoints"][0]["lon"], 40.6, "{op:#}");
    let plans = s.list("/api/v1/air-operations", "us", None).await;
    assert_eq!(item(&plans, "us-op-1")["version"], 2);
    s.stop().await;
}
