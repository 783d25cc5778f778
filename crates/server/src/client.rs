//! The client side: building signed submissions (what `jic submit`, `jic tracks push`, `jic
//! bench api` and the tests send) and a small HTTP client that submits them and fetches and
//! verifies the inclusion proof of the resulting leaf.

use jic_ledger::LedgerError;
use jic_ledger::envelope::{Envelope, LogEntry, Submission};
use jic_ledger::key::NoteSigner;
use jiff::Timestamp;
use rand::RngCore as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Signs `payload` as a submission of `kind` by `party` and returns the wire JSON. With
/// `restricted`, the envelope carries a commitment (fresh random salt) and the plaintext travels
/// beside it.
pub fn submission_body(
    signer: &NoteSigner,
    party: &str,
    kind: &str,
    seq: u64,
    time: Timestamp,
    payload: Value,
    restricted: bool,
) -> Result<Vec<u8>, LedgerError> {
    sign_submission(signer, party, kind, seq, time, payload, restricted)?.to_json()
}

/// As [`submission_body`], returning the signed submission itself (for [`leaf_bytes`]).
pub fn sign_submission(
    signer: &NoteSigner,
    party: &str,
    kind: &str,
    seq: u64,
    time: Timestamp,
    payload: Value,
    restricted: bool,
) -> Result<Submission, LedgerError> {
    let key = signer.verifier().to_vkey();
    let time = time.to_string();
    let (envelope, beside) = if restricted {
        let mut salt = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let (e, r) = Envelope::restricted(kind, party, &key, seq, &time, payload, salt)?;
        (e, Some(r))
    } else {
        (
            Envelope::public(kind, party, &key, seq, &time, payload),
            None,
        )
    };
    Ok(Submission {
        signed: envelope.sign(signer)?,
        restricted: beside,
    })
}

/// The leaf bytes the log holds for a submission received at `received`: what a client hashes
/// to check an inclusion proof.
pub fn leaf_bytes(submission: &Submission, received: Timestamp) -> Result<Vec<u8>, LedgerError> {
    LogEntry::submission(submission.signed.clone(), received).to_bytes()
}

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or answered garbage.
    #[error("cannot talk to the server: {0}")]
    Http(#[from] reqwest::Error),
    /// The server refused, with a problem document.
    #[error("the server refused ({status}): {detail}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The problem's detail.
        detail: String,
        /// The whole problem document.
        problem: Value,
    },
    /// The proof or checkpoint did not verify, or did not come in time.
    #[error("inclusion proof: {0}")]
    Proof(String),
}

/// A verified inclusion of a leaf in a signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedInclusion {
    /// The leaf.
    pub leaf_index: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The checkpoint's root (base64).
    pub root: String,
    /// The inclusion path (base64 hashes).
    pub inclusion_path: Vec<String>,
    /// The signed checkpoint note.
    pub checkpoint: String,
}

/// A minimal HTTP client of a jic server.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client of the server at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    async fn answer(r: reqwest::Response) -> Result<Value, ClientError> {
        let status = r.status();
        let text = r.text().await?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            Ok(value)
        } else {
            Err(ClientError::Refused {
                status: status.as_u16(),
                detail: value
                    .get("detail")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                problem: value,
            })
        }
    }

    /// GETs a JSON resource.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Result<Value, ClientError> {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await?).await
    }

    /// POSTs a wire body to `path` and returns the receipt.
    pub async fn post(&self, path: &str, body: Vec<u8>) -> Result<Value, ClientError> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        Self::answer(r).await
    }

    /// Whether `kind` is restricted on this server (`GET /api/v1/kinds`).
    pub async fn is_restricted(&self, kind: &str) -> Result<bool, ClientError> {
        let kinds = self.get_json("/api/v1/kinds", None).await?;
        Ok(kinds
            .as_array()
            .and_then(|a| a.iter().find(|k| k["kind"] == kind))
            .and_then(|k| k["restricted"].as_bool())
            .unwrap_or(false))
    }

    /// Waits (up to `timeout`) for a checkpoint covering `leaf_index`, then fetches and verifies
    /// the inclusion proof of `leaf` against it under the log key the server publishes.
    pub async fn inclusion(
        &self,
        leaf_index: u64,
        leaf: &[u8],
        timeout: std::time::Duration,
    ) -> Result<VerifiedInclusion, ClientError> {
        let key_text = self
            .http
            .get(format!("{}/api/v1/log/key", self.base))
            .send()
            .await?
            .text()
            .await?;
        let log_key = jic_ledger::key::NoteVerifier::from_vkey(key_text.trim())
            .map_err(|e| ClientError::Proof(format!("log key: {e}")))?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let r = self
                .http
                .get(format!("{}/log/checkpoint", self.base))
                .send()
                .await?;
            if r.status().is_success() {
                let note = r.text().await?;
                let (checkpoint, _) =
                    jic_ledger::checkpoint::Checkpoint::open(note.as_bytes(), &log_key, &[])
                        .map_err(|e| ClientError::Proof(format!("checkpoint: {e}")))?;
                if checkpoint.size > leaf_index {
                    let proof = self
                        .get_json(
                            &format!(
                                "/api/v1/log/inclusion?index={leaf_index}&size={}",
                                checkpoint.size
                            ),
                            None,
                        )
                        .await?;
                    let path: Vec<String> = proof["inclusion_path"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|h| h.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    let hashes = path
                        .iter()
                        .map(|h| jic_ledger::hash::hash_from_base64(h))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            ClientError::Proof("a path hash is not base64 of 32 bytes".into())
                        })?;
                    jic_ledger::proof::verify_inclusion(
                        leaf_index,
                        checkpoint.size,
                        &jic_ledger::hash::leaf_hash(leaf),
                        &hashes,
                        &checkpoint.root,
                    )
                    .map_err(|e| ClientError::Proof(e.to_string()))?;
                    return Ok(VerifiedInclusion {
                        leaf_index,
                        tree_size: checkpoint.size,
                        root: jic_ledger::hash::to_base64(&checkpoint.root),
                        inclusion_path: path,
                        checkpoint: note,
                    });
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Proof(format!(
                    "no checkpoint covered leaf {leaf_index} within {timeout:?}"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Signs a `tracks.batch` for `states_csv` and returns the wire JSON (the envelope commits to
/// the CSV by SHA-256; the CSV travels beside it).
pub fn track_batch_body(
    signer: &NoteSigner,
    party: &str,
    seq: u64,
    time: Timestamp,
    observed: Timestamp,
    states_csv: &str,
    count: u64,
) -> Result<Vec<u8>, LedgerError> {
    let digest = hex::encode(Sha256::digest(states_csv.as_bytes()));
    let payload = serde_json::json!({
        "states_sha256": digest, "count": count, "observed": observed.to_string(),
    });
    let body = submission_body(signer, party, "tracks.batch", seq, time, payload, false)?;
    let mut value: Value =
        serde_json::from_slice(&body).map_err(|e| LedgerError::MalformedEnvelope(e.to_string()))?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "states_csv".to_owned(),
            Value::String(states_csv.to_owned()),
        );
    }
    serde_json::to_vec(&value).map_err(|e| LedgerError::MalformedEnvelope(e.to_string()))
}
