//! tlog-cosignature/v1 (c2sp.org/tlog-cosignature): a witness's timestamped Ed25519 signature
//! over a checkpoint.
//!
//! The signed message is `"cosignature/v1\n" ‖ "time <POSIX seconds>\n" ‖ checkpoint note text`.
//! The note signature line carries `key id ‖ u64 big-endian timestamp ‖ 64-byte signature`, and
//! the key id uses type byte `0x04`, so a witness key cannot be confused with a note key.
//!
//! ```
//! use jic_ledger::cosignature::{cosign, verify_timestamped};
//! use jic_ledger::key::{KeyType, NoteSigner};
//! let witness = NoteSigner::from_seed_typed("witness.example/w1", KeyType::CosignatureV1, &[1; 32]).unwrap();
//! let body = "jic.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
//! let line = cosign(&witness, body, 1_679_315_147).unwrap();
//! assert_eq!(verify_timestamped(&witness.verifier(), body, &line.signature), Ok(1_679_315_147));
//! ```

use crate::LedgerError;
use crate::key::{KeyType, NoteSigner, NoteVerifier};
use crate::note::NoteSignature;

/// The signed message for a cosignature at `timestamp` over checkpoint `body`.
pub fn signed_message(body: &str, timestamp: u64) -> Vec<u8> {
    let mut msg = Vec::with_capacity(body.len() + 40);
    msg.extend_from_slice(b"cosignature/v1\ntime ");
    msg.extend_from_slice(timestamp.to_string().as_bytes());
    msg.push(b'\n');
    msg.extend_from_slice(body.as_bytes());
    msg
}

/// Cosigns a checkpoint body at `timestamp` (POSIX seconds, at most 2⁶³ − 1), returning the
/// note signature to append.
pub fn cosign(
    witness: &NoteSigner,
    body: &str,
    timestamp: u64,
) -> Result<NoteSignature, LedgerError> {
    if witness.key_type() != KeyType::CosignatureV1 {
        return Err(LedgerError::BadCosignature(format!(
            "{} is not a cosignature (type 0x04) key",
            witness.name()
        )));
    }
    if timestamp > i64::MAX as u64 {
        return Err(LedgerError::BadCosignature(
            "timestamp beyond 2^63 − 1".into(),
        ));
    }
    let sig = witness.sign_raw(&signed_message(body, timestamp));
    let mut signature = Vec::with_capacity(72);
    signature.extend_from_slice(&timestamp.to_be_bytes());
    signature.extend_from_slice(&sig);
    Ok(NoteSignature {
        name: witness.name().to_owned(),
        key_id: witness.key_id(),
        signature,
    })
}

/// Verifies a cosignature's bytes (after the key id) over a checkpoint body; returns its
/// timestamp.
pub fn verify_timestamped(
    witness: &NoteVerifier,
    body: &str,
    signature: &[u8],
) -> Result<u64, LedgerError> {
    if witness.key_type() != KeyType::CosignatureV1 {
        return Err(LedgerError::BadCosignature(format!(
            "{} is not a cosignature (type 0x04) key",
            witness.name()
        )));
    }
    if signature.len() != 72 {
        return Err(LedgerError::BadCosignature(format!(
            "a cosignature is 72 bytes after the key id, found {}",
            signature.len()
        )));
    }
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&signature[..8]);
    let timestamp = u64::from_be_bytes(ts);
    if timestamp > i64::MAX as u64 {
        return Err(LedgerError::BadCosignature(
            "timestamp beyond 2^63 − 1".into(),
        ));
    }
    if !witness.verify_raw(&signed_message(body, timestamp), &signature[8..]) {
        return Err(LedgerError::BadCosignature(format!(
            "the cosignature by {} does not verify",
            witness.name()
        )));
    }
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_key_cannot_cosign() {
        let k = NoteSigner::from_seed("w", &[1; 32]).unwrap();
        assert!(cosign(&k, "o\n1\nAA==\n", 1).is_err());
    }

    #[test]
    fn a_changed_timestamp_or_body_fails() {
        let w = NoteSigner::from_seed_typed("w", KeyType::CosignatureV1, &[1; 32]).unwrap();
        let body = "o\n1\nAA==\n";
        let line = cosign(&w, body, 100).unwrap();
        let mut sig = line.signature.clone();
        sig[7] ^= 1;
        assert!(verify_timestamped(&w.verifier(), body, &sig).is_err());
        assert!(verify_timestamped(&w.verifier(), "o\n2\nAA==\n", &line.signature).is_err());
    }
}
