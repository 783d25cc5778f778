//! The record: RFC 6962/9162 Merkle trees and proofs, C2SP signed notes, checkpoints,
//! cosignatures and tiles, and the signed submission envelope. Pure: keys and time are inputs.
