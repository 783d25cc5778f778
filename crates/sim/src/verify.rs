//! An independent audit of a jic log over HTTP, as any party could run it: fetch the signed
//! checkpoint (c2sp.org/tlog-checkpoint) and every entry bundle (c2sp.org/tlog-tiles), recompute
//! the RFC 6962 root, and check the checkpoint's signature, every envelope's Ed25519 signature,
//! and that every signing key was in the logged roster.
//!
//! It uses only the log's public read API and the log's verifier key: nothing the server says
//! about itself is trusted beyond what the signatures and hashes prove.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::envelope::{Body, LogEntry};
use jic_ledger::hash::{leaf_hash, root_from_leaf_hashes, to_hex};
use jic_ledger::key::NoteVerifier;
use jic_ledger::tile::{TILE_WIDTH, TilePath, parse_bundle};
use serde_json::Value;

use crate::SimError;

/// What the audit established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogAudit {
    /// The checkpoint's origin.
    pub origin: String,
    /// Leaves covered by the checkpoint.
    pub size: u64,
    /// The recomputed root, hex.
    pub root_hex: String,
    /// Submission entries (envelope signature verified).
    pub submissions: u64,
    /// Of which restricted (the log holds only a commitment).
    pub commitments: u64,
    /// jic's own decision records.
    pub records: u64,
}

impl std::fmt::Display for LogAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} leaves under a checkpoint signed by {} (root {}…): {} signed submissions \
             ({} as commitments only), {} decisions; every signature verified",
            self.size,
            self.origin,
            &self.root_hex[..16.min(self.root_hex.len())],
            self.submissions,
            self.commitments,
            self.records
        )
    }
}

fn fail(message: String) -> SimError {
    SimError::Verification(message)
}

async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, Vec<u8>), SimError> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| SimError::Http(format!("{url}: {e}")))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SimError::Http(format!("{url}: {e}")))?;
    Ok((status, bytes.to_vec()))
}

/// Audits the log at `base` (the server's base URL) under `log_vkey`, waiting up to `wait`
/// for the checkpoint to cover at least `min_size` leaves (integration may be batched).
pub async fn verify_log(
    base: &str,
    log_vkey: &str,
    min_size: u64,
    wait: Duration,
) -> Result<LogAudit, SimError> {
    let base = base.trim_end_matches('/');
    let key =
        NoteVerifier::from_vkey(log_vkey.trim()).map_err(|e| fail(format!("log key: {e}")))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| SimError::Http(e.to_string()))?;
    let started = Instant::now();
    let checkpoint = loop {
        let (status, body) = get(&client, &format!("{base}/log/checkpoint")).await?;
        if status != 200 {
            return Err(fail(format!("GET /log/checkpoint answered {status}")));
        }
        let (cp, _) = Checkpoint::open(&body, &key, &[])
            .map_err(|e| fail(format!("the checkpoint does not verify: {e}")))?;
        if cp.size >= min_size || started.elapsed() > wait {
            break cp;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if checkpoint.size < min_size {
        return Err(fail(format!(
            "the checkpoint covers {} leaves after {:?}, fewer than the {min_size} the replay was told of",
            checkpoint.size, wait
        )));
    }

    let mut hashes = Vec::with_capacity(checkpoint.size as usize);
    let mut audit = LogAudit {
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root_hex: String::new(),
        submissions: 0,
        commitments: 0,
        records: 0,
    };
    let mut roster_keys: BTreeSet<String> = BTreeSet::new();
    let bundles = checkpoint.size.div_ceil(TILE_WIDTH);
    for index in 0..bundles {
        let remaining = checkpoint.size - index * TILE_WIDTH;
        let width = (remaining < TILE_WIDTH).then_some(remaining as u16);
        let path = TilePath::Entries { index, width };
        let (status, body) = get(&client, &format!("{base}/log/{path}")).await?;
        if status != 200 {
            return Err(fail(format!("GET /log/{path} answered {status}")));
        }
        let entries = parse_bundle(&body).map_err(|e| fail(format!("{path}: {e}")))?;
        let expected = width.map_or(TILE_WIDTH as usize, usize::from);
        if entries.len() != expected {
            return Err(fail(format!(
                "{path} holds {} entries, not {expected}",
                entries.len()
            )));
        }
        for (i, bytes) in entries.into_iter().enumerate() {
            let leaf = index * TILE_WIDTH + i as u64;
            hashes.push(leaf_hash(bytes));
            let entry =
                LogEntry::from_bytes(bytes).map_err(|e| fail(format!("leaf {leaf}: {e}")))?;
            entry
                .verify()
                .map_err(|e| fail(format!("leaf {leaf}: {e}")))?;
            match &entry {
                LogEntry::Submission { signed, .. } => {
                    audit.submissions += 1;
                    if matches!(signed.envelope.body, Body::Committed(_)) {
                        audit.commitments += 1;
                    }
                    if !roster_keys.is_empty() && !roster_keys.contains(&signed.envelope.key) {
                        return Err(fail(format!(
                            "leaf {leaf}: signed by a key that is not in the logged roster"
                        )));
                    }
                }
                LogEntry::Record { kind, body, .. } => {
                    audit.records += 1;
                    if kind.starts_with("roster") {
                        collect_keys(body, &mut roster_keys);
                    }
                }
            }
        }
    }
    let root = root_from_leaf_hashes(&hashes);
    if root != checkpoint.root {
        return Err(fail(format!(
            "the recomputed root {} differs from the checkpoint's {}",
            to_hex(&root),
            to_hex(&checkpoint.root)
        )));
    }
    audit.root_hex = to_hex(&root);
    Ok(audit)
}

/// Collects every `keys` string in a roster record.
fn collect_keys(body: &Value, out: &mut BTreeSet<String>) {
    if let Some(members) = body.get("members").and_then(Value::as_array) {
        for m in members {
            for k in m
                .get("keys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(k) = k.as_str() {
                    out.insert(k.to_owned());
                }
            }
        }
    }
}
