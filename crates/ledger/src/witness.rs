//! C2SP tlog-witness (c2sp.org/tlog-witness) `add-checkpoint`: the request format and the
//! witness's decision, with the spec's status codes.
//!
//! Request body: `old <size>\n`, zero to 63 base64 consistency-proof lines, an empty line, then
//! the signed checkpoint note. The witness answers 200 with cosignature lines, or refuses:
//! 400 (malformed, or old size above the checkpoint size), 403 (no signature by a trusted log
//! key), 404 (unknown origin), 409 (old size is not the size it last cosigned — body: that size,
//! content type `text/x.tlog.size` — or same size with another root), 422 (the consistency proof
//! does not verify).
//!
//! The witness's state (last cosigned size and root per origin) is the caller's to keep; the
//! check and the state update must be atomic (see the spec), which is why [`add_checkpoint`]
//! returns the new state for the caller to persist before answering.

use crate::LedgerError;
use crate::checkpoint::Checkpoint;
use crate::cosignature::cosign;
use crate::hash::{EMPTY_ROOT, Hash, hash_from_base64, to_base64};
use crate::key::{NoteSigner, NoteVerifier};
use crate::note::{Note, NoteSignature, Verifiers};
use crate::proof::verify_consistency;

/// The most proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;
/// The content type of a 409 response body.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the previous checkpoint the client believes the witness holds.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: String,
}

impl AddCheckpointRequest {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&to_base64(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses a request body strictly.
    pub fn parse(body: &[u8]) -> Result<Self, LedgerError> {
        let bad = |m: &str| LedgerError::MalformedWitnessMessage(m.to_owned());
        if body.len() > crate::note::MAX_NOTE_BYTES {
            return Err(bad("request too large"));
        }
        let text = std::str::from_utf8(body).map_err(|_| bad("the request is not UTF-8"))?;
        let (header, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("missing the empty line"))?;
        let mut lines = header.split('\n');
        let old_line = lines.next().unwrap_or_default();
        let old = old_line
            .strip_prefix("old ")
            .ok_or_else(|| bad("the first line is 'old <size>'"))?;
        if old.is_empty()
            || !old.bytes().all(|b| b.is_ascii_digit())
            || (old.len() > 1 && old.starts_with('0'))
        {
            return Err(bad("the old size is a decimal without leading zeros"));
        }
        let old_size: u64 = old.parse().map_err(|_| bad("the old size is too large"))?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 proof lines"));
            }
            let h = hash_from_base64(line)
                .filter(|h| to_base64(h) == line)
                .ok_or_else(|| bad("a proof line is not base64 of 32 bytes"))?;
            proof.push(h);
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// Why a witness refused a checkpoint, mapped to the spec's HTTP status codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: malformed request, or old size above the checkpoint size.
    BadRequest(String),
    /// 403: no signature verifies under a trusted key for the origin.
    NotSigned(String),
    /// 404: the origin is not a log this witness knows.
    UnknownLog(String),
    /// 409: the old size is not the last cosigned size (`latest_size`), or the same size with a
    /// different root.
    Conflict {
        /// The size of the latest checkpoint this witness cosigned.
        latest_size: u64,
    },
    /// 422: the consistency proof does not verify.
    BadProof(String),
}

impl Refusal {
    /// The HTTP status code the spec assigns.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::NotSigned(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict { .. } => 409,
            Refusal::BadProof(_) => 422,
        }
    }

    /// The response body (for 409, the latest size and a newline).
    pub fn body(&self) -> String {
        match self {
            Refusal::Conflict { latest_size } => format!("{latest_size}\n"),
            Refusal::BadRequest(m)
            | Refusal::NotSigned(m)
            | Refusal::UnknownLog(m)
            | Refusal::BadProof(m) => format!("{m}\n"),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Conflict { latest_size } => {
                write!(
                    f,
                    "409 conflict: the witness last cosigned size {latest_size}"
                )
            }
            other => write!(f, "{} {}", other.status(), other.body().trim_end()),
        }
    }
}

/// What a witness remembers about one log: the last checkpoint it cosigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WitnessState {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
}

/// An accepted checkpoint: the state to persist, then the cosignature to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The checkpoint that was cosigned.
    pub checkpoint: Checkpoint,
    /// The new state for its origin.
    pub state: WitnessState,
    /// The cosignature line.
    pub cosignature: NoteSignature,
}

/// Runs the witness's checks on a request body.
///
/// `log_keys` are the trusted log keys (a log's origin is its key name); `latest` gives the
/// stored state for an origin (`None` if never cosigned). `timestamp` is the witness's clock.
pub fn add_checkpoint(
    body: &[u8],
    log_keys: &[NoteVerifier],
    latest: impl Fn(&str) -> Option<WitnessState>,
    witness: &NoteSigner,
    timestamp: u64,
) -> Result<Accepted, Refusal> {
    let req = AddCheckpointRequest::parse(body).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    let (text, _) = Note::parse_unverified(req.checkpoint.as_bytes())
        .map_err(|e| Refusal::BadRequest(e.to_string()))?;
    let unverified = Checkpoint::parse(&text).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    let keys: Vec<NoteVerifier> = log_keys
        .iter()
        .filter(|k| k.name() == unverified.origin)
        .cloned()
        .collect();
    if keys.is_empty() {
        return Err(Refusal::UnknownLog(format!(
            "unknown log {:?}",
            unverified.origin
        )));
    }
    let note = Note::open(req.checkpoint.as_bytes(), &Verifiers::new(keys))
        .map_err(|e| Refusal::NotSigned(e.to_string()))?;
    let cp = Checkpoint::parse(note.text()).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    if req.old_size > cp.size {
        return Err(Refusal::BadRequest(format!(
            "old size {} is above the checkpoint size {}",
            req.old_size, cp.size
        )));
    }
    let known = latest(&cp.origin).unwrap_or(WitnessState {
        size: 0,
        root: EMPTY_ROOT,
    });
    if req.old_size != known.size {
        return Err(Refusal::Conflict {
            latest_size: known.size,
        });
    }
    if cp.size == 0 && cp.root != EMPTY_ROOT {
        return Err(Refusal::BadProof(
            "a size-0 checkpoint must have the empty root".into(),
        ));
    }
    if req.old_size == cp.size && cp.root != known.root {
        return Err(Refusal::Conflict {
            latest_size: known.size,
        });
    }
    if known.size == 0 {
        // Nothing cosigned yet: any tree extends the empty one, and the proof must be empty.
        if !req.proof.is_empty() {
            return Err(Refusal::BadProof(
                "the proof from size 0 must be empty".into(),
            ));
        }
    } else {
        verify_consistency(known.size, cp.size, &known.root, &cp.root, &req.proof)
            .map_err(|e| Refusal::BadProof(e.to_string()))?;
    }
    let cosignature =
        cosign(witness, note.text(), timestamp).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    Ok(Accepted {
        state: WitnessState {
            size: cp.size,
            root: cp.root,
        },
        checkpoint: cp,
        cosignature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::key::KeyType;
    use crate::proof::{MemoryTree, consistency_proof};

    struct Fixture {
        log: NoteSigner,
        witness: NoteSigner,
        tree: MemoryTree,
    }

    fn fixture() -> Fixture {
        let leaves = (0u8..20).map(|i| leaf_hash(&[i])).collect();
        Fixture {
            log: NoteSigner::from_seed("jic.example/log", &[1; 32]).unwrap(),
            witness: NoteSigner::from_seed_typed("w.example", KeyType::CosignatureV1, &[2; 32])
                .unwrap(),
            tree: MemoryTree::new(leaves),
        }
    }

    fn request(f: &Fixture, old: u64, size: u64) -> String {
        let cp = Checkpoint::new("jic.example/log", size, f.tree.root(size).unwrap());
        AddCheckpointRequest {
            old_size: old,
            proof: consistency_proof(&f.tree, old, size).unwrap(),
            checkpoint: cp.sign(&f.log).unwrap(),
        }
        .to_body()
    }

    fn run(f: &Fixture, body: &str, state: Option<WitnessState>) -> Result<Accepted, Refusal> {
        add_checkpoint(
            body.as_bytes(),
            &[f.log.verifier()],
            |_| state,
            &f.witness,
            1_700_000_000,
        )
    }

    #[test]
    fn accepts_a_consistent_checkpoint_and_the_cosignature_verifies() {
        let f = fixture();
        let first = run(&f, &request(&f, 0, 7), None).unwrap();
        let next = run(&f, &request(&f, 7, 20), Some(first.state)).unwrap();
        assert_eq!(next.state.size, 20);
        let body = Checkpoint::new("jic.example/log", 20, f.tree.root(20).unwrap()).to_body();
        crate::cosignature::verify_timestamped(
            &f.witness.verifier(),
            &body,
            &next.cosignature.signature,
        )
        .unwrap();
    }

    #[test]
    fn refusals_carry_the_spec_status_codes() {
        let f = fixture();
        let at7 = Some(WitnessState {
            size: 7,
            root: f.tree.root(7).unwrap(),
        });
        // Stale old size.
        let r = run(&f, &request(&f, 5, 20), at7).unwrap_err();
        assert_eq!((r.status(), r.body()), (409, "7\n".to_owned()));
        // Wrong proof (a proof for another old size, relabelled).
        let mut req = AddCheckpointRequest::parse(request(&f, 6, 20).as_bytes()).unwrap();
        req.old_size = 7;
        assert_eq!(run(&f, &req.to_body(), at7).unwrap_err().status(), 422);
        // Old above size.
        let mut req = AddCheckpointRequest::parse(request(&f, 7, 7).as_bytes()).unwrap();
        req.old_size = 8;
        assert_eq!(run(&f, &req.to_body(), at7).unwrap_err().status(), 400);
        // Same size, other root.
        let other = NoteSigner::from_seed("jic.example/log", &[1; 32]).unwrap();
        let cp = Checkpoint::new("jic.example/log", 7, [9; 32])
            .sign(&other)
            .unwrap();
        let body = AddCheckpointRequest {
            old_size: 7,
            proof: vec![],
            checkpoint: cp,
        }
        .to_body();
        assert_eq!(run(&f, &body, at7).unwrap_err().status(), 409);
        // Unknown log, untrusted key.
        let stranger = NoteSigner::from_seed("jic.example/other", &[1; 32]).unwrap();
        let cp = Checkpoint::new("jic.example/other", 0, EMPTY_ROOT)
            .sign(&stranger)
            .unwrap();
        let body = AddCheckpointRequest {
            old_size: 0,
            proof: vec![],
            checkpoint: cp,
        }
        .to_body();
        assert_eq!(run(&f, &body, None).unwrap_err().status(), 404);
        let impostor = NoteSigner::from_seed("jic.example/log", &[4; 32]).unwrap();
        let cp = Checkpoint::new("jic.example/log", 0, EMPTY_ROOT)
            .sign(&impostor)
            .unwrap();
        let body = AddCheckpointRequest {
            old_size: 0,
            proof: vec![],
            checkpoint: cp,
        }
        .to_body();
        assert_eq!(run(&f, &body, None).unwrap_err().status(), 403);
        // Malformed.
        assert_eq!(run(&f, "old 01\n\nx", None).unwrap_err().status(), 400);
    }

    #[test]
    fn request_round_trips() {
        let f = fixture();
        let body = request(&f, 3, 9);
        assert_eq!(
            AddCheckpointRequest::parse(body.as_bytes())
                .unwrap()
                .to_body(),
            body
        );
    }
}
