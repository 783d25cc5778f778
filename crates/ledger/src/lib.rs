//! The record: RFC 6962/9162 Merkle trees and proofs, C2SP signed notes, checkpoints,
//! cosignatures and tiles, and the signed submission envelope. Pure: keys and time are inputs.
//!
//! # API overview
//! - [`key`]: named Ed25519 keys. [`key::NoteSigner::from_seed`] (seed in, no randomness
//!   here), [`key::NoteSigner::from_skey`] / [`key::NoteSigner::to_skey`] for the private key
//!   file (`PRIVATE+KEY+name+keyid+base64`), [`key::NoteVerifier::from_vkey`] /
//!   [`key::NoteVerifier::to_vkey`] for verifier key strings (`name+keyid+base64`).
//! - [`note`]: C2SP signed notes. [`note::Note::sign`], [`note::Note::open`] with a
//!   [`note::Verifiers`] set (strict: a known key's bad signature rejects the note).
//! - [`hash`]: RFC 6962 leaf/node hashing and roots.
//! - [`jcs`]: RFC 8785 canonical JSON.
//! - [`envelope`]: signed submissions (DESIGN §3.3). Build with [`envelope::Envelope::public`]
//!   or [`envelope::Envelope::restricted`], sign with [`envelope::Envelope::sign`], put on the
//!   wire with [`envelope::Submission::to_json`]; the server parses and checks with
//!   [`envelope::Submission::from_json`] (size, shape, signature, commitment — each failure a
//!   distinct [`LedgerError`] variant), then [`envelope::check_sequence`] and
//!   [`envelope::check_skew`] with its own state and clock, and logs
//!   [`envelope::LogEntry::submission`]`(signed, received).to_bytes()`.
//! - [`cosignature`]: witness cosignatures (tlog-cosignature v1).
//! - [`proof`]: RFC 9162 inclusion/consistency proofs from any [`proof::NodeSource`], and
//!   their verification; [`proof::MemoryTree`] for in-memory trees.
//! - [`checkpoint`]: tlog-checkpoint bodies, signed and opened as notes.
//! - [`tile`]: tlog-tiles paths, hash tiles (with the in-tile levels jic stores for fast
//!   proofs) and entry bundles.
//! - [`witness`]: tlog-witness `add-checkpoint` request parsing and the witness decision with
//!   the spec's status codes.
//!
//! Nothing here reads a clock, a random source or a file.

pub mod checkpoint;
pub mod cosignature;
pub mod envelope;
mod error;
pub mod hash;
pub mod jcs;
pub mod key;
pub mod note;
pub mod proof;
pub mod tile;
pub mod witness;

pub use error::LedgerError;
