//! The reads the dashboard needs to know its reader and replay the picture (issue #8):
//! `GET /api/v1/whoami` for every token `jic init` prints and refused without one, and the
//! receipt time (`received`) of every air operation as each reader may see it — the first
//! filing's for the filer, the revealing alert's for another party — and of every humanitarian
//! notification (its first version's). Real listener on 127.0.0.1.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is the test failing"
)]

mod support;

use jic_server::deployment;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{TestServer, start_at, t};

impl TestServer {
    /// GET with an optional raw `Authorization` header: status, content type, JSON body.
    async fn get(&self, path: &str, authorization: Option<&str>) -> (StatusCode, String, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = r.text().await.unwrap();
        (
            status,
            ct,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn every_token_reads_as_its_role_member_and_label() {
    let s = start_at("2016-09-12T19:00:00+03:00").await;
    assert!(s.report.tokens.len() >= 5, "{:?}", s.report.tokens.len());
    let mut roles = std::collections::BTreeSet::new();
    for (label, member, token) in &s.report.tokens {
        let (status, ct, body) = s
            .get("/api/v1/whoami", Some(&format!("Bearer {token}")))
            .await;
        assert_eq!(status, StatusCode::OK, "{member}: {body}");
        assert!(ct.starts_with("application/json"), "{ct}");
        assert_eq!(body["label"], json!(label), "{member}: {body}");
        let role = body["role"].as_str().unwrap().to_owned();
        assert_eq!(body["party"], json!(member), "{body}");
        assert_eq!(
            body.as_object().unwrap().len(),
            3,
            "only role, party, label: {body}"
        );
        roles.insert(role);
    }
    // The scenario's roster has every role a dashboard distinguishes.
    for role in ["party", "duty_officer", "humanitarian", "monitor"] {
        assert!(roles.contains(role), "no {role} token among {roles:?}");
    }
    assert_eq!(s.read("/api/v1/whoami", "us").await["role"], json!("party"));
    assert_eq!(
        s.read("/api/v1/whoami", "un_ocha").await["role"],
        json!("humanitarian")
    );
    s.stop().await;
}

#[tokio::test]
async fn whoami_without_a_valid_bearer_token_is_a_401_problem() {
    let s = start_at("2016-09-12T19:00:00+03:00").await;
    let us = s.token("us");
    for auth in [
        None,
        Some("Bearer not-a-token".to_owned()),
        Some("Bearer ".to_owned()),
        // The right token in the wrong scheme is refused too.
        Some(format!("Basic {us}")),
        Some(us.clone()),
    ] {
        let (status, ct, body) = s.get("/api/v1/whoami", auth.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}: {body}");
        assert_eq!(ct, "application/problem+json", "{auth:?}");
        assert_eq!(body["status"], json!(401), "{body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}"
        );
    }
    // Only GET is offered.
    let r = s
        .http
        .post(format!("{}/api/v1/whoami", s.base))
        .bearer_auth(&us)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    s.stop().await;
}

fn flight(id: &str, start: &str, alt_ft: i64) -> Value {
    let t0 = t(start);
    let waypoints: Vec<Value> = [(36.90, 36.10), (37.10, 36.20), (37.30, 36.30)]
        .iter()
        .enumerate()
        .map(|(i, (lon, lat))| {
            json!({"lat": lat, "lon": lon, "alt_ft": alt_ft,
                   "time": t0.checked_add(SignedDuration::from_mins(20 * i as i64)).unwrap()})
        })
        .collect();
    json!({"id": id, "waypoints": waypoints})
}

fn op<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == json!(id))
        .unwrap_or_else(|| panic!("no {id} in {list}"))
}

fn instant(v: &Value) -> Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn air_operations_carry_the_receipt_time_each_reader_learned_of_them() {
    let s = start_at("2016-09-17T08:00:00Z").await;
    let filed_at = s.now();
    s.ok(
        "us",
        "air_operation.file",
        flight("US-1", "2016-09-17T10:00:00Z", 20_000),
        true,
    )
    .await;
    // An amendment later keeps the first receipt.
    s.clock.set(t("2016-09-17T08:30:00Z"));
    s.ok(
        "us",
        "air_operation.amend",
        flight("US-1", "2016-09-17T10:00:00Z", 21_000),
        true,
    )
    .await;
    // A conflicting plan by another party reveals US-1's conflicting legs to it, then.
    s.clock.set(t("2016-09-17T09:00:00Z"));
    let answer = s
        .ok(
            "russia",
            "air_operation.file",
            flight("RU-1", "2016-09-17T10:00:00Z", 21_000),
            true,
        )
        .await;
    assert_eq!(
        answer["result"]["conflicts"].as_array().map(Vec::len),
        Some(1),
        "the plans were meant to conflict: {answer}"
    );

    let mine = s.read("/api/v1/air-operations", "us").await;
    let us1 = op(&mine, "US-1");
    assert_eq!(us1["version"], json!(2), "{us1}");
    assert_eq!(instant(&us1["received"]), filed_at, "{us1}");
    let one = s.read("/api/v1/air-operations/US-1", "us").await;
    assert_eq!(instant(&one["received"]), filed_at, "{one}");

    let theirs = s.read("/api/v1/air-operations", "russia").await;
    let seen = op(&theirs, "US-1");
    assert_eq!(seen["plan"], Value::Null, "need-to-know: {seen}");
    assert_eq!(
        instant(&seen["received"]),
        t("2016-09-17T09:00:00Z"),
        "russia learned of US-1 by the alert: {seen}"
    );
    assert_eq!(
        instant(&op(&theirs, "RU-1")["received"]),
        t("2016-09-17T09:00:00Z")
    );

    // The duty officer sees both in full, each with its first receipt.
    let all = s
        .read("/api/v1/air-operations", deployment::DUTY_OFFICER_ID)
        .await;
    for item in all.as_array().unwrap() {
        assert!(
            item["received"].is_string(),
            "every item has `received`: {item}"
        );
    }
    assert_eq!(instant(&op(&all, "US-1")["received"]), filed_at);
    s.stop().await;
}

#[tokio::test]
async fn notifications_carry_the_first_versions_receipt_time() {
    let s = start_at("2016-09-18T06:00:00Z").await;
    let first_at = s.now();
    let site = json!({"id": "clinic-1", "category": "clinic",
                      "geometry": {"type": "Point", "coordinates": [37.15, 36.20]},
                      "precision_m": 100, "recipients": ["us", "russia"],
                      "valid_from": "2016-09-18T00:00:00Z", "disclosure": "shared"});
    s.ok("un_ocha", "humanitarian.site", site.clone(), true)
        .await;
    s.clock.set(t("2016-09-18T07:00:00Z"));
    let mut moved = site;
    moved["geometry"] = json!({"type": "Point", "coordinates": [37.16, 36.21]});
    s.ok(
        "un_ocha",
        "humanitarian.amend",
        json!({"notification": "un_ocha/clinic-1", "site": moved}),
        true,
    )
    .await;
    for reader in ["un_ocha", "us"] {
        let list = s.read("/api/v1/notifications", reader).await;
        let item = op(&list, "un_ocha/clinic-1");
        assert_eq!(item["version"], json!(2), "{reader}: {item}");
        assert_eq!(instant(&item["received"]), first_at, "{reader}: {item}");
        assert_eq!(
            instant(&item["updated"]),
            t("2016-09-18T07:00:00Z"),
            "{reader}: {item}"
        );
    }
    s.stop().await;
}
