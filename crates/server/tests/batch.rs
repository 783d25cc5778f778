//! `POST /api/v1/submissions/batch` against a real listener on 127.0.0.1: every item is
//! verified, sequence-checked, logged and committed on its own and answered in order; a bad
//! item is refused alone, with the problem it would have had as a single submission, and leaves
//! nothing stored; a batch that is too large or not a JSON array is refused whole.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is the test failing"
)]

mod support;

use jic_server::config::ServerConfig;
use jic_server::routes::BATCH_MAX_ITEMS;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{TestServer, package};

const START: &str = "2016-09-17T10:00:00Z";

async fn start() -> TestServer {
    support::start(ServerConfig::default(), package(), START).await
}

/// A plan of its own level, so the items of a batch do not conflict with each other.
fn plan(id: &str, level: u32) -> Value {
    let alt = f64::from(10_000 + 1_000 * level);
    json!({"id": id, "callsign": id, "waypoints": [
        {"lat": 35.33, "lon": 39.80, "alt_ft": alt, "time": "2016-09-17T10:05:00Z"},
        {"lat": 35.33, "lon": 40.50, "alt_ft": alt, "time": "2016-09-17T10:45:00Z"}]})
}

impl TestServer {
    /// A signed `air_operation.file` by `us` as a JSON value.
    fn filing(&self, id: &str, seq: u64, level: u32) -> Value {
        let body = self.body("us", "air_operation.file", seq, plan(id, level), true);
        serde_json::from_slice(&body).unwrap()
    }

    /// Posts raw bytes to the batch endpoint: status, content type, JSON answer.
    async fn post_batch(&self, body: Vec<u8>, ct: &str) -> (StatusCode, String, Value) {
        self.post_typed("/api/v1/submissions/batch", body, ct).await
    }

    /// Posts a batch that must be answered 200; the per-item results.
    async fn batch(&self, items: &[Value]) -> Vec<Value> {
        let (status, _, body) = self
            .post_batch(serde_json::to_vec(items).unwrap(), "application/json")
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"].as_array().unwrap().clone()
    }

    /// Whether `us` can read the plan `id`.
    async fn has_plan(&self, id: &str) -> bool {
        let r = self
            .http
            .get(format!("{}/api/v1/air-operations/{id}", self.base))
            .bearer_auth(self.token("us"))
            .send()
            .await
            .unwrap();
        match r.status() {
            StatusCode::OK => true,
            StatusCode::NOT_FOUND => false,
            other => panic!("reading {id}: {other}"),
        }
    }

    async fn log_size(&self) -> u64 {
        self.state
            .read(|conn| Ok(jic_store::log::size(conn)?))
            .await
            .unwrap()
    }
}

fn statuses(results: &[Value]) -> Vec<u64> {
    results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_item_is_committed_with_its_own_leaf_in_order() {
    let s = start().await;
    let items: Vec<Value> = (1..=3)
        .map(|i| s.filing(&format!("US-{i}"), i, u32::try_from(i).unwrap()))
        .collect();
    let results = s.batch(&items).await;
    assert_eq!(statuses(&results), [200, 200, 200], "{results:?}");
    let leaves: Vec<u64> = results
        .iter()
        .map(|r| r["receipt"]["leaf_index"].as_u64().unwrap())
        .collect();
    assert!(leaves.windows(2).all(|w| w[0] < w[1]), "{leaves:?}");
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["receipt"]["kind"], "air_operation.file", "{r}");
        assert!(r.get("problem").is_none(), "{r}");
        assert!(s.has_plan(&format!("US-{}", i + 1)).await);
        // Each leaf is the submission's own, readable as a single submission's would be.
        let got = s
            .http
            .get(format!("{}/api/v1/submissions/{}", s.base, leaves[i]))
            .bearer_auth(s.token("us"))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), StatusCode::OK);
        let view: Value = got.json().await.unwrap();
        assert_eq!(view["envelope"]["seq"], json!(i + 1), "{view}");
    }
    // A later single submission continues the sequence after the batch.
    let (status, body) = s
        .submit_restricted("us", "air_operation.file", plan("US-9", 9))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "seq 1 again after the batch: {body}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_bad_signature_in_the_middle_is_refused_alone() {
    let s = start().await;
    let first = s.filing("US-1", 1, 1);
    let mut bad = s.filing("US-2", 2, 2);
    // Another envelope's valid signature: well-formed, but not over this envelope.
    bad["sig"] = first["sig"].clone();
    let third = s.filing("US-3", 3, 3);
    let before = s.log_size().await;
    let results = s.batch(&[first, bad, third]).await;
    assert_eq!(statuses(&results), [200, 401, 200], "{results:?}");
    let problem = &results[1]["problem"];
    assert_eq!(problem["status"], 401, "{problem}");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:jic:problem:"),
        "{problem}"
    );
    assert!(results[1].get("receipt").is_none());
    assert!(s.has_plan("US-1").await);
    assert!(!s.has_plan("US-2").await, "the refused item left its plan");
    assert!(s.has_plan("US-3").await);
    // Two leaves for the two committed items (a filing may add decision leaves, none here).
    assert_eq!(s.log_size().await, before + 2);
    s.stop().await;
}

#[tokio::test]
async fn a_replay_within_a_batch_is_refused_and_stores_nothing() {
    let s = start().await;
    let first = s.filing("US-1", 1, 1);
    let replay = s.filing("US-2", 1, 2);
    let again = first.clone();
    let results = s.batch(&[first, replay, again]).await;
    assert_eq!(statuses(&results), [200, 409, 409], "{results:?}");
    assert!(s.has_plan("US-1").await);
    assert!(
        !s.has_plan("US-2").await,
        "the replayed sequence number stored a plan"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_batch_too_large_or_malformed_is_refused_whole_as_problem_json() {
    let s = start().await;
    let before = s.log_size().await;
    let one = s.filing("US-1", 1, 1);
    let too_many: Vec<Value> = vec![one.clone(); BATCH_MAX_ITEMS + 1];
    let (status, ct, body) = s
        .post_batch(serde_json::to_vec(&too_many).unwrap(), "application/json")
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    assert_eq!(body["status"], 413);
    // Over the byte limit: refused before it is parsed.
    let huge = vec![b' '; ServerConfig::default().max_submission_bytes * BATCH_MAX_ITEMS + 1];
    let (status, ct, _) = s.post_batch(huge, "application/json").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    for (what, bytes) in [
        ("not JSON", b"[{\"envelope\":".to_vec()),
        ("an object, not an array", serde_json::to_vec(&one).unwrap()),
    ] {
        let (status, ct, body) = s.post_batch(bytes, "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert!(ct.starts_with("application/problem+json"), "{what}: {ct}");
        assert_eq!(body["status"], 400, "{what}");
    }
    let (status, ct, _) = s
        .post_batch(serde_json::to_vec(&[&one]).unwrap(), "text/plain")
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    assert_eq!(
        s.log_size().await,
        before,
        "a refused batch stored something"
    );
    assert!(!s.has_plan("US-1").await);
    // A roster change travels alone; the item is refused, the batch answered.
    let roster = s.body("us", "roster.key_add", 1, json!({}), false);
    let results = s.batch(&[serde_json::from_slice(&roster).unwrap()]).await;
    assert_eq!(statuses(&results), [422], "{results:?}");
    s.stop().await;
}
