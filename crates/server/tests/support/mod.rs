//! What the server's integration tests share: a deployment initialised in a temporary
//! directory, a server on a real listener at 127.0.0.1 driven by a [`ManualClock`], signed
//! submissions with a sequence per member, bearer reads and the SSE stream.

#![allow(
    dead_code,
    reason = "each test file uses the part it needs; the others would warn"
)]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jic_ledger::key::NoteSigner;
use jic_server::clock::{Clock, ManualClock};
use jic_server::config::ServerConfig;
use jic_server::deployment::{self, DataDir, InitOptions, InitReport};
use jic_server::{AppState, OpenOptions};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A running test server.
pub(crate) struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    /// The temporary directory holding the data directory (removed on drop).
    pub(crate) dir: tempfile::TempDir,
    /// The data directory.
    pub(crate) data: DataDir,
    /// What `jic init` generated (tokens, keys).
    pub(crate) report: InitReport,
    /// The server's state (for direct reads and integration).
    pub(crate) state: AppState,
    /// The server's clock.
    pub(crate) clock: Arc<ManualClock>,
    /// A client.
    pub(crate) http: reqwest::Client,
    seq: Mutex<HashMap<String, u64>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The Syria 2016 agreement package of the scenario.
pub(crate) fn package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/syria-2016-09/agreement")
}

/// An instant written in RFC 3339.
pub(crate) fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A copy of the 2016 package in `dir` with the ISIL-held ring around Deir ez-Zor agreed (so a
/// strike there is decided by the phase's rules) and a calm day allowing no verified violation.
pub(crate) fn package_with_agreed_ring(dir: &Path) -> PathBuf {
    let out = dir.join("agreement");
    std::fs::create_dir_all(&out).unwrap();
    for file in ["agreement.toml", "zones.geojson"] {
        let mut text = std::fs::read_to_string(package().join(file)).unwrap();
        if file == "agreement.toml" {
            let ring = text.find("id = \"deir_ez_zor_isil_ring\"").unwrap();
            let status = ring + text[ring..].find("status = \"proposed\"").unwrap();
            text.replace_range(
                status..status + "status = \"proposed\"".len(),
                "status = \"agreed\"",
            );
            text = text.replace("max_verified_violations = 3", "max_verified_violations = 0");
        }
        std::fs::write(out.join(file), text).unwrap();
    }
    out
}

/// A flight plan at 20,000 ft through `path` (lon, lat), a waypoint every 20 minutes from
/// `start`.
pub(crate) fn flight(id: &str, path: &[(f64, f64)], start: &str) -> Value {
    let t0 = t(start);
    let waypoints: Vec<Value> = path
        .iter()
        .enumerate()
        .map(|(i, (lon, lat))| {
            json!({"lat": lat, "lon": lon, "alt_ft": 20_000,
                   "time": t0.checked_add(SignedDuration::from_mins(20 * i as i64)).unwrap()})
        })
        .collect();
    json!({"id": id, "waypoints": waypoints})
}

/// Where the Deir ez-Zor strike notices of the tests aim (lon, lat): west of the enclave, in the
/// ISIL-held ring, kilometres from any ground held by a party to the cessation.
pub(crate) const DEZ_AIM: [f64; 2] = [40.06, 35.30];

/// A server on the scenario's package with the default configuration, the clock at `now`.
pub(crate) async fn start_at(now: &str) -> TestServer {
    start(ServerConfig::default(), package(), now).await
}

/// A server on a copy of the package with the ring around Deir ez-Zor agreed
/// ([`package_with_agreed_ring`]), the clock at `now`; the directory holds the copy.
pub(crate) async fn start_with_agreed_ring(now: &str) -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        ServerConfig::default(),
        package_with_agreed_ring(dir.path()),
        now,
    )
    .await;
    (dir, server)
}

/// The strike notice `dez-a` for air operation `op-a`: a 500 m circle at (`lon`, `lat`), struck
/// 11:00–11:30 (+03:00) on 16 September 2016.
pub(crate) fn dez_a_notice(lon: f64, lat: f64) -> Value {
    json!({"id": "dez-a", "group": "isil",
           "area": {"type": "Point", "coordinates": [lon, lat], "radius_m": 500},
           "window": {"start": "2016-09-16T11:00:00+03:00", "end": "2016-09-16T11:30:00+03:00"},
           "effects_radius_m": 500, "air_operation": "op-a"})
}

/// The SARC warehouse at Urum al-Kubra as a shared humanitarian site, notified to the US and
/// Russia from 19 September 2016.
pub(crate) fn urum_warehouse() -> Value {
    json!({"id": "urum-warehouse", "category": "warehouse",
           "geometry": {"type": "Point", "coordinates": [36.9678, 36.1516]},
           "precision_m": 100, "recipients": ["us", "russia"],
           "valid_from": "2016-09-19T00:00:00+03:00", "disclosure": "shared"})
}

/// Initialises a deployment of `agreement` with `config` and serves it, the clock at `now`.
pub(crate) async fn start(config: ServerConfig, agreement: PathBuf, now: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let report = deployment::init(
        &data,
        &InitOptions {
            agreement,
            extra_members: vec![],
            origin: "jic.test/syria-2016".to_owned(),
            config,
        },
    )
    .unwrap();
    let clock = Arc::new(ManualClock::new(now.parse().unwrap()));
    let config = deployment::read_config(&data).unwrap();
    let state = AppState::open(
        &data,
        OpenOptions {
            clock: clock.clone(),
            config,
            registry: jic_server::kinds::default_registry(),
            log: None,
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    let task = tokio::spawn(async move {
        jic_server::run(listener, served, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    TestServer {
        base,
        dir,
        data,
        report,
        state,
        clock,
        http: reqwest::Client::new(),
        seq: Mutex::default(),
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestServer {
    /// A member's signing key, as `jic init` generated it.
    pub(crate) fn signer(&self, member: &str) -> NoteSigner {
        let path = deployment::keys_dir(&self.data).join(format!("{member}.key"));
        NoteSigner::from_skey(std::fs::read_to_string(path).unwrap().trim()).unwrap()
    }

    /// A member's bearer token.
    pub(crate) fn token(&self, member: &str) -> String {
        self.report
            .tokens
            .iter()
            .find(|(_, m, _)| m == member)
            .unwrap_or_else(|| panic!("no token for {member}"))
            .2
            .clone()
    }

    /// The server's clock now.
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A signed submission body with an explicit sequence number, claimed now.
    pub(crate) fn body(
        &self,
        member: &str,
        kind: &str,
        seq: u64,
        payload: Value,
        restricted: bool,
    ) -> Vec<u8> {
        jic_server::client::submission_body(
            &self.signer(member),
            member,
            kind,
            seq,
            self.now(),
            payload,
            restricted,
        )
        .unwrap()
    }

    /// Signs and posts a public submission to `/api/v1/submissions` with the member's next
    /// sequence number; the status and the JSON answer.
    pub(crate) async fn submit(
        &self,
        member: &str,
        kind: &str,
        payload: Value,
    ) -> (StatusCode, Value) {
        self.post_submission(member, kind, payload, false).await
    }

    /// [`TestServer::submit`] for a restricted kind: logged as a commitment, the plaintext
    /// beside the envelope.
    pub(crate) async fn submit_restricted(
        &self,
        member: &str,
        kind: &str,
        payload: Value,
    ) -> (StatusCode, Value) {
        self.post_submission(member, kind, payload, true).await
    }

    /// A submission (restricted or not) that must be accepted: the JSON answer.
    pub(crate) async fn ok(
        &self,
        member: &str,
        kind: &str,
        payload: Value,
        restricted: bool,
    ) -> Value {
        let (status, body) = self
            .post_submission(member, kind, payload, restricted)
            .await;
        assert_eq!(status, StatusCode::OK, "{kind} by {member}: {body}");
        body
    }

    /// Files the US air operation `id` for `day` (YYYY-MM-DD): out from (40.6, 35.6) over
    /// `aim` and back, from 10:40 (+03:00); the accepted answer.
    pub(crate) async fn file_strike_run(&self, id: &str, aim: [f64; 2], day: &str) -> Value {
        self.ok(
            "us",
            "air_operation.file",
            flight(
                id,
                &[(40.6, 35.6), (aim[0], aim[1]), (40.6, 35.6)],
                &format!("{day}T10:40:00+03:00"),
            ),
            true,
        )
        .await
    }

    /// The US files `op-a` and then the strike notice `dez-a` on [`DEZ_AIM`] (16 September
    /// 2016); the notice's accepted answer.
    pub(crate) async fn file_dez_a(&self) -> Value {
        self.file_strike_run("op-a", DEZ_AIM, "2016-09-16").await;
        self.ok(
            "us",
            "strike.notice",
            dez_a_notice(DEZ_AIM[0], DEZ_AIM[1]),
            true,
        )
        .await
    }

    /// Russia objects to the strike notice `dez-a` ("our advisers are there").
    pub(crate) async fn russia_objects_to_dez_a(&self) -> Value {
        self.ok(
            "russia",
            "strike.review",
            json!({"notice": "dez-a", "decision": "object", "reason": "our advisers are there"}),
            false,
        )
        .await
    }

    /// `party` acknowledges `version` of the humanitarian notification `notification`
    /// (`org/id`); the accepted answer.
    pub(crate) async fn acknowledge(&self, party: &str, notification: &str, version: u32) -> Value {
        self.ok(
            party,
            "humanitarian.ack",
            json!({"notification": notification, "version": version}),
            false,
        )
        .await
    }

    /// `GET path` with the member's bearer token: the status, the content type (empty when
    /// none) and the text.
    pub(crate) async fn get_typed(&self, path: &str, member: &str) -> (StatusCode, String, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token(member))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let ctype = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, ctype, r.text().await.unwrap())
    }

    /// `POST path` with raw bytes and a content type, no token: the status, the content type
    /// (empty when none) and the body as JSON (a JSON string holding the text when it is not).
    pub(crate) async fn post_typed(
        &self,
        path: &str,
        body: Vec<u8>,
        ct: &str,
    ) -> (StatusCode, String, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let ctype = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = r.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, ctype, json)
    }

    /// `GET path` with the member's bearer token: the status and the text.
    pub(crate) async fn get_text(&self, path: &str, member: &str) -> (StatusCode, String) {
        let (status, _, text) = self.get_typed(path, member).await;
        (status, text)
    }

    /// `GET path` as `member`, which must answer 200: the JSON body.
    pub(crate) async fn read(&self, path: &str, member: &str) -> Value {
        let (status, text) = self.get_text(path, member).await;
        assert_eq!(status, StatusCode::OK, "{path} as {member}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn post_submission(
        &self,
        member: &str,
        kind: &str,
        payload: Value,
        restricted: bool,
    ) -> (StatusCode, Value) {
        let seq = {
            let mut m = self.seq.lock().unwrap();
            let s = m.entry(member.to_owned()).or_insert(0);
            *s += 1;
            *s
        };
        let body = self.body(member, kind, seq, payload, restricted);
        let r = self
            .http
            .post(format!("{}/api/v1/submissions", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Reads the member's SSE stream (after `last`, when given) until `until` appears in it or
    /// five seconds pass; the text read.
    pub(crate) async fn events_until(
        &self,
        member: &str,
        last: Option<&str>,
        until: &str,
    ) -> String {
        let mut req = self
            .http
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(self.token(member));
        if let Some(last) = last {
            req = req.header("last-event-id", last);
        }
        let mut r = req.send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        let mut text = String::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while !text.contains(until) {
            match tokio::time::timeout_at(deadline, r.chunk()).await {
                Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
                _ => break,
            }
        }
        text
    }

    /// Stops the server and waits for it.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}
