//! The reads the dashboard needs to know its reader and replay the picture (issue #8):
//! `GET /api/v1/whoami` for every token `jic init` prints and refused without one, and the
//! receipt time (`received`) of every air operation as each reader may see it — the first
//! filing's for the filer, the revealing alert's for another party — and of every humanitarian
//! notification (its first version's). Real listener on 127.0.0.1.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is the test failing"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jic_ledger::key::NoteSigner;
use jic_server::clock::{Clock, ManualClock};
use jic_server::config::ServerConfig;
use jic_server::deployment::{self, DataDir, InitOptions, InitReport};
use jic_server::{AppState, OpenOptions};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Server {
    base: String,
    _dir: tempfile::TempDir,
    data: DataDir,
    report: InitReport,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
    seqs: Mutex<BTreeMap<String, u64>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn start(at: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let report = deployment::init(
        &data,
        &InitOptions {
            agreement: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../scenarios/syria-2016-09/agreement"),
            extra_members: vec![],
            origin: "jic.test/whoami".to_owned(),
            config: ServerConfig::default(),
        },
    )
    .unwrap();
    let clock = Arc::new(ManualClock::new(t(at)));
    let state = AppState::open(
        &data,
        OpenOptions {
            clock: clock.clone(),
            config: deployment::read_config(&data).unwrap(),
            registry: jic_server::kinds::default_registry(),
            log: None,
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        jic_server::run(listener, state, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Server {
        base,
        _dir: dir,
        data,
        report,
        clock,
        http: reqwest::Client::new(),
        seqs: Mutex::new(BTreeMap::new()),
        stop: Some(stop),
        task: Some(task),
    }
}

impl Server {
    fn token(&self, member: &str) -> String {
        self.report
            .tokens
            .iter()
            .find(|(_, m, _)| m == member)
            .unwrap_or_else(|| panic!("no token for {member}"))
            .2
            .clone()
    }

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

    async fn read(&self, path: &str, member: &str) -> Value {
        let (status, _, body) = self
            .get(path, Some(&format!("Bearer {}", self.token(member))))
            .await;
        assert_eq!(status, StatusCode::OK, "{path} as {member}: {body}");
        body
    }

    async fn file(&self, member: &str, kind: &str, payload: Value) -> Value {
        let seq = {
            let mut seqs = self.seqs.lock().unwrap();
            let s = seqs.entry(member.to_owned()).or_insert(0);
            *s += 1;
            *s
        };
        let key = deployment::keys_dir(&self.data).join(format!("{member}.key"));
        let signer = NoteSigner::from_skey(std::fs::read_to_string(key).unwrap().trim()).unwrap();
        let body = jic_server::client::submission_body(
            &signer,
            member,
            kind,
            seq,
            self.clock.now(),
            payload,
            true,
        )
        .unwrap();
        let r = self
            .http
            .post(format!("{}/api/v1/submissions", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{member} {kind}: {body}");
        body
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

#[tokio::test]
async fn every_token_reads_as_its_role_member_and_label() {
    let s = start("2016-09-12T19:00:00+03:00").await;
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
    let s = start("2016-09-12T19:00:00+03:00").await;
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
    let s = start("2016-09-17T08:00:00Z").await;
    let filed_at = s.clock.now();
    s.file(
        "us",
        "air_operation.file",
        flight("US-1", "2016-09-17T10:00:00Z", 20_000),
    )
    .await;
    // An amendment later keeps the first receipt.
    s.clock.set(t("2016-09-17T08:30:00Z"));
    s.file(
        "us",
        "air_operation.amend",
        flight("US-1", "2016-09-17T10:00:00Z", 21_000),
    )
    .await;
    // A conflicting plan by another party reveals US-1's conflicting legs to it, then.
    s.clock.set(t("2016-09-17T09:00:00Z"));
    let answer = s
        .file(
            "russia",
            "air_operation.file",
            flight("RU-1", "2016-09-17T10:00:00Z", 21_000),
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
    let s = start("2016-09-18T06:00:00Z").await;
    let first_at = s.clock.now();
    let site = json!({"id": "clinic-1", "category": "clinic",
                      "geometry": {"type": "Point", "coordinates": [37.15, 36.20]},
                      "precision_m": 100, "recipients": ["us", "russia"],
                      "valid_from": "2016-09-18T00:00:00Z", "disclosure": "shared"});
    s.file("un_ocha", "humanitarian.site", site.clone()).await;
    s.clock.set(t("2016-09-18T07:00:00Z"));
    let mut moved = site;
    moved["geometry"] = json!({"type": "Point", "coordinates": [37.16, 36.21]});
    s.file(
        "un_ocha",
        "humanitarian.amend",
        json!({"notification": "un_ocha/clinic-1", "site": moved}),
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
