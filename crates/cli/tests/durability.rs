//! Durability: `kill -9` of `jic serve` in the middle of a load of signed submissions. After a
//! restart, every submission that was answered 2xx is in the store and the log, and `jic log
//! verify` audits the whole log successfully.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on unexpected errors"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use jic_ledger::key::NoteSigner;
use serde_json::{Value, json};

fn jic() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jic"))
}

fn package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/syria-2016-09/agreement")
}

/// Starts `jic serve` and returns the child and its base URL.
fn serve(data: &Path) -> (Child, String) {
    let mut child = jic()
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--integrate-interval-ms", "50"])
        .env("JIC_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    (child, url)
}

#[allow(
    clippy::disallowed_methods,
    reason = "the client stamps envelopes with the wall clock"
)]
fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_submission_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = jic()
        .arg("init")
        .arg(&data)
        .arg("--agreement")
        .arg(package())
        .args(["--origin", "jic.test/durability"])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let init_out = String::from_utf8(init.stdout).unwrap();
    let token = init_out
        .lines()
        .find(|l| l.trim_start().starts_with("jic (duty_officer)"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_owned();

    let (mut server, url) = serve(&data);
    let client = jic_server::client::Client::new(&url);
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u64, String)>::new()));
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    // One writer per party key, so each key's sequence numbers arrive in order.
    let base: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    for (k, party) in ["us", "russia", "syrian_government", "opposition", "pyd"]
        .into_iter()
        .enumerate()
    {
        let k = k as i64;
        let key = std::fs::read_to_string(data.join(format!("keys/{party}.key"))).unwrap();
        let signer = NoteSigner::from_skey(key.trim()).unwrap();
        let (client, acked, count) = (client.clone(), acked.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            for seq in 1..100_000u64 {
                let id = format!("{party}-{seq}");
                // Distinct windows: the load exercises the submit path, not the plan probe.
                let start = base
                    .checked_add(jiff::SignedDuration::from_hours(seq as i64 * 10 + k))
                    .unwrap();
                let end = start
                    .checked_add(jiff::SignedDuration::from_mins(10))
                    .unwrap();
                let payload = json!({"id": id, "waypoints": [
                    {"lat": 35.0, "lon": 38.0, "alt_ft": 20000, "time": start.to_string()},
                    {"lat": 35.1, "lon": 38.1, "alt_ft": 20000, "time": end.to_string()}]});
                let body = jic_server::client::submission_body(
                    &signer,
                    party,
                    "air_operation.file",
                    seq,
                    now(),
                    payload,
                    true,
                )
                .unwrap();
                match client.post("/api/v1/air-operations", body).await {
                    Ok(receipt) => {
                        let leaf = receipt["leaf_index"].as_u64().unwrap();
                        acked.lock().unwrap().push((leaf, id));
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Kill while the load is running.
    while count.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200);

    let (mut server, url) = serve(&data);
    let client = jic_server::client::Client::new(&url);
    for (leaf, id) in &acked {
        let view = client
            .get_json(&format!("/api/v1/submissions/{leaf}"), Some(&token))
            .await
            .unwrap();
        assert_eq!(
            view["payload"]["id"],
            Value::String(id.clone()),
            "leaf {leaf}"
        );
    }
    // Wait for the integrator to cover every leaf, then audit the log independently.
    let max_leaf = acked.iter().map(|(l, _)| *l).max().unwrap();
    let mut covered = false;
    for _ in 0..200 {
        let note = reqwest::get(format!("{url}/log/checkpoint"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let size: u64 = note
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        if size > max_leaf {
            covered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(covered, "no checkpoint covers leaf {max_leaf}");
    let verify = jic()
        .args(["log", "verify", "--url", &url])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "jic log verify failed: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
