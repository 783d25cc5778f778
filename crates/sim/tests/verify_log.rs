//! The log audit accepts a log served faithfully and refuses every kind of tampering: a changed
//! entry, a checkpoint signed by another key, a forged envelope signature, a signer missing
//! from the logged roster. A small axum server stands in for jic's log read API.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::envelope::{Envelope, LogEntry};
use jic_ledger::hash::{leaf_hash, root_from_leaf_hashes};
use jic_ledger::key::NoteSigner;
use jic_ledger::tile::{TILE_WIDTH, TilePath, encode_bundle};
use serde_json::json;

const ORIGIN: &str = "jic.example/test";

#[derive(Clone)]
struct Served {
    checkpoint: String,
    entries: Arc<Vec<Vec<u8>>>,
}

async fn checkpoint(State(s): State<Served>) -> String {
    s.checkpoint
}

async fn tile(State(s): State<Served>, Path(path): Path<String>) -> Result<Vec<u8>, StatusCode> {
    let Ok(TilePath::Entries { index, width }) = TilePath::parse(&path) else {
        return Err(StatusCode::NOT_FOUND);
    };
    let start = (index * TILE_WIDTH) as usize;
    let end = start + width.map_or(TILE_WIDTH as usize, usize::from);
    let slice = s.entries.get(start..end).ok_or(StatusCode::NOT_FOUND)?;
    encode_bundle(slice.iter().map(Vec::as_slice)).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

/// Serves `entries` under a checkpoint over `root_entries` (the same unless a test lies),
/// signed by `log_key`; returns the base URL.
async fn serve(entries: Vec<Vec<u8>>, root_entries: &[Vec<u8>], log_key: &NoteSigner) -> String {
    let hashes: Vec<_> = root_entries.iter().map(|e| leaf_hash(e)).collect();
    let cp = Checkpoint::new(ORIGIN, hashes.len() as u64, root_from_leaf_hashes(&hashes));
    let served = Served {
        checkpoint: cp.sign(log_key).expect("signs"),
        entries: Arc::new(entries),
    };
    let app = Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/{*path}", get(tile))
        .with_state(served);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::from_seed(name, &[seed; 32]).expect("key")
}

/// A log of a roster record naming `member`'s key, then `n` submissions signed by `signer`.
fn log_entries(member: &NoteSigner, signer: &NoteSigner, n: usize) -> Vec<Vec<u8>> {
    let t: jiff::Timestamp = "2016-09-12T16:00:00Z".parse().expect("time");
    let mut out = vec![
        LogEntry::record(
            "roster.genesis",
            t,
            json!({"members": [{"id": "us", "keys": [member.verifier().to_vkey()]}]}),
        )
        .to_bytes()
        .expect("record"),
    ];
    for i in 0..n {
        let env = Envelope::public(
            "alert.ack",
            "us",
            &signer.verifier().to_vkey(),
            i as u64 + 1,
            &t.to_string(),
            json!({"alert_id": i}),
        );
        let signed = env.sign(signer).expect("signs");
        out.push(LogEntry::submission(signed, t).to_bytes().expect("entry"));
    }
    out
}

fn check(result: Result<jic_sim::verify::LogAudit, jic_sim::SimError>, expect: Result<u64, &str>) {
    match (result, expect) {
        (Ok(a), Ok(size)) => {
            assert_eq!(a.size, size);
            assert_eq!(a.submissions + a.records, size);
        }
        (Err(e), Err(fragment)) => {
            let text = e.to_string();
            assert!(text.contains(fragment), "{text:?} lacks {fragment:?}");
        }
        (got, want) => panic!("got {got:?}, want {want:?}"),
    }
}

#[tokio::test]
async fn faithful_logs_verify_across_bundle_boundaries() {
    let log_key = signer(ORIGIN, 1);
    let us = signer("us", 2);
    // 300 leaves: one full bundle of 256 and a partial one of 44.
    let entries = log_entries(&us, &us, 299);
    let url = serve(entries.clone(), &entries, &log_key).await;
    let vkey = log_key.verifier().to_vkey();
    check(
        jic_sim::verify::verify_log(&url, &vkey, 300, Duration::ZERO).await,
        Ok(300),
    );
    // The log cannot satisfy a claim of more leaves than it has.
    check(
        jic_sim::verify::verify_log(&url, &vkey, 301, Duration::ZERO).await,
        Err("fewer than the 301"),
    );
}

#[tokio::test]
async fn tampering_is_refused() {
    let log_key = signer(ORIGIN, 1);
    let us = signer("us", 2);
    let vkey = log_key.verifier().to_vkey();
    let entries = log_entries(&us, &us, 5);

    // An entry changed after the checkpoint was signed: the recomputed root differs.
    let mut changed = entries.clone();
    let last = changed.len() - 1;
    changed[last] = log_entries(&us, &us, 6)[6].clone();
    let url = serve(changed, &entries, &log_key).await;
    check(
        jic_sim::verify::verify_log(&url, &vkey, 0, Duration::ZERO).await,
        Err("recomputed root"),
    );

    // A checkpoint signed by another key with the same name.
    let url = serve(entries.clone(), &entries, &signer(ORIGIN, 9)).await;
    check(
        jic_sim::verify::verify_log(&url, &vkey, 0, Duration::ZERO).await,
        Err("checkpoint does not verify"),
    );

    // A submission signed by a key the logged roster never named.
    let stranger = signer("us", 3);
    let mut foreign = log_entries(&us, &us, 2);
    foreign.extend(log_entries(&us, &stranger, 1).into_iter().skip(1));
    let url = serve(foreign.clone(), &foreign, &log_key).await;
    check(
        jic_sim::verify::verify_log(&url, &vkey, 0, Duration::ZERO).await,
        Err("not in the logged roster"),
    );

    // A forged envelope signature: one bit of the signature flipped inside the entry.
    let mut forged = entries.clone();
    let mut value: serde_json::Value = serde_json::from_slice(&forged[1]).expect("json");
    let sig = value
        .pointer("/sig")
        .and_then(|s| s.as_str())
        .map(str::to_owned);
    if let Some(sig) = sig {
        let mut chars: Vec<char> = sig.chars().collect();
        chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
        value["sig"] = serde_json::Value::String(chars.into_iter().collect());
        forged[1] = jic_ledger::jcs::to_vec(&value).expect("jcs");
        let url = serve(forged.clone(), &forged, &log_key).await;
        check(
            jic_sim::verify::verify_log(&url, &vkey, 0, Duration::ZERO).await,
            Err("leaf 1"),
        );
    } else {
        panic!("a submission entry carries \"sig\": {value}");
    }
}
