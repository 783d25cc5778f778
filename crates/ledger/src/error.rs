//! The ledger's one error type: every refusal names what failed, so a caller can report it.

/// Why a key, note, proof, checkpoint, tile or envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A key string (verifier key or private key) could not be parsed.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// A key name is empty or contains a space or `+`.
    #[error("invalid key name {0:?}: it must be non-empty and contain no spaces or '+'")]
    InvalidKeyName(String),
    /// A signed note could not be parsed.
    #[error("malformed note: {0}")]
    MalformedNote(String),
    /// A known key's signature on a note does not verify.
    #[error("the signature by {name} (key id {key_id:08x}) does not verify")]
    BadNoteSignature {
        /// The key name on the signature line.
        name: String,
        /// The key id on the signature line.
        key_id: u32,
    },
    /// No signature on a note is by a key the verifier trusts.
    #[error("no signature by a trusted key{}", if .0.is_empty() { String::new() } else { format!(" (signed by: {})", .0.join(", ")) })]
    NoTrustedSignature(Vec<String>),
    /// A checkpoint body could not be parsed.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    /// A cosignature could not be parsed or does not verify.
    #[error("bad cosignature: {0}")]
    BadCosignature(String),
    /// An inclusion proof does not verify.
    #[error("inclusion proof does not verify: {0}")]
    BadInclusionProof(String),
    /// A consistency proof does not verify.
    #[error("consistency proof does not verify: {0}")]
    BadConsistencyProof(String),
    /// Proof generation was asked for impossible indices or sizes.
    #[error("invalid proof request: {0}")]
    InvalidProofRequest(String),
    /// A hash source could not provide a node (storage missing data).
    #[error("missing tree node at level {level}, index {index}")]
    MissingNode {
        /// The level of the node (0 = leaves).
        level: u8,
        /// The node's index within its level.
        index: u64,
    },
    /// A tile, tile path or entry bundle could not be parsed.
    #[error("malformed tile: {0}")]
    MalformedTile(String),
    /// A log entry is larger than an entry bundle can carry.
    #[error("entry of {size} bytes exceeds the {limit}-byte limit")]
    EntryTooLarge {
        /// The entry's size.
        size: usize,
        /// The largest allowed size.
        limit: usize,
    },
    /// An envelope or log entry is not well-formed JSON of the expected shape.
    #[error("malformed envelope: {0}")]
    MalformedEnvelope(String),
    /// A submission is larger than allowed.
    #[error("submission of {size} bytes exceeds the {limit}-byte limit")]
    EnvelopeTooLarge {
        /// The submission's size.
        size: usize,
        /// The largest allowed size.
        limit: usize,
    },
    /// The key named in an envelope is not the key expected for it (roster or caller).
    #[error("key mismatch: the envelope names {found}, expected {expected}")]
    KeyMismatch {
        /// The key named in the envelope.
        found: String,
        /// The key the verifier expected.
        expected: String,
    },
    /// The envelope signature does not verify under the named key.
    #[error("bad signature: the envelope signature does not verify under {key}")]
    BadEnvelopeSignature {
        /// The verifier key the signature was checked against.
        key: String,
    },
    /// A restricted payload does not match the envelope's commitment.
    #[error("bad commitment: the payload and salt do not match the envelope's payload_commitment")]
    BadCommitment,
    /// A sequence number is not above the last accepted one for the key (a replay).
    #[error("sequence {seq} is not above the last accepted {last} for this key (replay?)")]
    SequenceNotIncreasing {
        /// The envelope's sequence number.
        seq: u64,
        /// The last accepted one.
        last: u64,
    },
    /// The envelope's time is too far from the receipt time.
    #[error(
        "envelope time {time} is {skew_seconds} s from the receipt time, beyond the allowed {max_seconds} s"
    )]
    ClockSkew {
        /// The time claimed by the envelope.
        time: String,
        /// The absolute difference, in seconds.
        skew_seconds: i64,
        /// The allowed skew, in seconds.
        max_seconds: i64,
    },
    /// A tlog-witness request or response could not be parsed.
    #[error("malformed witness message: {0}")]
    MalformedWitnessMessage(String),
}
