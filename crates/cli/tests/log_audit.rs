//! The log's durability and audit, end to end through the `jic` binary:
//! - crash test: a child appends in durable batches and is SIGKILLed at random points; after
//!   each restart every acknowledged entry is present, the tree is consistent with every
//!   checkpoint published before the kill, and `jic log verify` passes;
//! - tamper test: one byte of one stored entry changed in the database makes `jic log verify`
//!   fail and name that entry;
//! - witness: `jic witness` cosigns, the log serves the cosignature, and a second round checks
//!   consistency from the pinned state.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::hash::{hash_from_base64, root_from_leaf_hashes};
use jic_ledger::key::NoteSigner;
use jic_ledger::proof::verify_consistency;
use jic_store::datadir::DataDir;
use jic_store::log::{LogStore as _, SqliteLog, TileCache};

fn jic() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jic"))
}

/// A tiny deterministic generator (no randomness source in tests beyond a seed).
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A `jic log serve` child on a free port, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = jic()
        .args(["log", "serve", "--data"])
        .arg(data)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--integrate-ms",
            "50",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "jic log serve did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server { child, url }
}

fn verify(url: &str, extra: &[&str]) -> std::process::Output {
    jic()
        .args(["log", "verify", "--url", url, "--quiet"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn crash_at_random_points_loses_no_acknowledged_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    let mut acknowledged: u64 = 0; // entries [0, acknowledged) were acknowledged
    let mut checkpoints: Vec<(u64, [u8; 32])> = Vec::new();
    for round in 0..4 {
        let mut child = jic()
            .args(["log", "append-test", "--data"])
            .arg(&data)
            .args(["--count", "100000", "--batch", "37"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Kill after a random number of output lines (acks and checkpoints interleave), so the
        // kill lands mid-batch, mid-commit or mid-integration.
        let kill_after = 5 + rng.next() % 60;
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while seen < kill_after {
            let Some(Ok(line)) = lines.next() else { break };
            seen += 1;
            let parts: Vec<&str> = line.split(' ').collect();
            match parts[0] {
                "ack" => acknowledged = parts[2].parse::<u64>().unwrap() + 1,
                "checkpoint" => checkpoints.push((
                    parts[1].parse().unwrap(),
                    hash_from_base64(parts[2]).unwrap(),
                )),
                other => panic!("unexpected output {other}"),
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(acknowledged > 0, "round {round}: nothing was acknowledged");

        // After the crash: every acknowledged entry is there, byte for byte.
        let dir = DataDir::new(&data);
        let key = dir.load_log_key().unwrap();
        let mut conn = dir.open_db().unwrap();
        let size = jic_store::log::size(&conn).unwrap();
        assert!(
            size >= acknowledged,
            "round {round}: {size} entries but {acknowledged} acked"
        );
        jic_store::log::integrate(&mut conn, &key, jiff::Timestamp::UNIX_EPOCH, None).unwrap();
        let log = SqliteLog::new(conn, std::sync::Arc::new(TileCache::default()));
        let signer = NoteSigner::from_seed("crash-party", &[0x42; 32]).unwrap();
        let mut leaves = Vec::new();
        for i in 0..size {
            let e = log.entry(i).unwrap().unwrap();
            if i < acknowledged {
                let v = jic_ledger::envelope::LogEntry::from_bytes(&e).unwrap();
                match v {
                    jic_ledger::envelope::LogEntry::Submission { signed, .. } => {
                        assert_eq!(signed.envelope.seq, i);
                        assert_eq!(signed.envelope.key, signer.verifier().to_vkey());
                    }
                    other => panic!("entry {i} is {other:?}"),
                }
            }
            leaves.push(jic_ledger::hash::leaf_hash(&e));
        }
        // The tree is consistent with every checkpoint published before any kill.
        let note = log.checkpoint().unwrap().unwrap();
        let (now, _) = Checkpoint::open(note.as_bytes(), &key.verifier(), &[]).unwrap();
        assert_eq!(now.root, root_from_leaf_hashes(&leaves));
        for (old_size, old_root) in &checkpoints {
            assert_eq!(
                root_from_leaf_hashes(&leaves[..*old_size as usize]),
                *old_root
            );
            if *old_size > 0 {
                let proof = log.consistency_proof(*old_size, now.size).unwrap();
                verify_consistency(*old_size, now.size, old_root, &now.root, &proof).unwrap();
            }
        }
    }
    // And an independent audit over HTTP passes.
    let server = serve(&data);
    let out = verify(&server.url, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK"));
}

#[test]
fn a_changed_byte_in_the_database_is_found_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let status = jic()
        .args(["log", "append-test", "--data"])
        .arg(&data)
        .args(["--count", "700", "--batch", "100"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let state = tmp.path().join("verify.json");
    {
        let server = serve(&data);
        let out = verify(&server.url, &["--state", state.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Change one byte of entry 421 in place (the digit of its "i" field: still valid JSON).
    let conn = rusqlite::Connection::open(data.join("jic.db")).unwrap();
    let mut entry: Vec<u8> = conn
        .query_row("SELECT entry FROM log_leaf WHERE idx = 421", [], |r| {
            r.get(0)
        })
        .unwrap();
    let at = entry.windows(5).position(|w| w == b"\"i\":4").unwrap() + 4;
    entry[at] = b'5';
    conn.execute("UPDATE log_leaf SET entry = ?1 WHERE idx = 421", [&entry])
        .unwrap();
    drop(conn);
    let server = serve(&data);
    let out = verify(&server.url, &["--state", state.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("entry 421"), "{stderr}");
    assert!(!stderr.contains("entry 420:"), "{stderr}");
}

#[test]
fn a_witness_cosigns_and_the_log_serves_its_cosignature() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let append = |count: &str| {
        let ok = jic()
            .args(["log", "append-test", "--data"])
            .arg(&data)
            .args(["--count", count, "--batch", "10"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    append("25");
    let wkey = tmp.path().join("w.key");
    let out = jic()
        .args(["keygen", "--witness", "--name", "witness.test/w1", "--out"])
        .arg(&wkey)
        .output()
        .unwrap();
    assert!(out.status.success());
    let vkey = String::from_utf8(out.stdout).unwrap();
    std::fs::write(data.join("witnesses.txt"), &vkey).unwrap();
    let wstate = tmp.path().join("witness.json");
    let witness = |url: &str| {
        jic()
            .args(["witness", "--url", url, "--key"])
            .arg(&wkey)
            .arg("--state")
            .arg(&wstate)
            .output()
            .unwrap()
    };
    {
        let server = serve(&data);
        let out = witness(&server.url);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let note = reqwest_get(&format!("{}/log/checkpoint", server.url));
        assert!(note.contains("— witness.test/w1 "), "{note}");
    }
    append("30");
    let server = serve(&data);
    // Wait for the integrator to publish the new size.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reqwest_get(&format!("{}/log/checkpoint", server.url)).contains("\n55\n") {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = witness(&server.url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("size 55") && stdout.contains("consistent with size 25"),
        "{stdout}"
    );
}

/// A plain HTTP/1.1 GET over a TCP socket (keeps the test free of an async runtime).
fn reqwest_get(url: &str) -> String {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    buf.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}
