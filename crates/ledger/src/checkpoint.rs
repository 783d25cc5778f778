//! C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed statement of a log's size and
//! root.
//!
//! The body is the origin line (the log's identity, e.g. `jic.example/syria-2016`), the tree
//! size in decimal without leading zeros, the root hash in standard base64, then optional
//! extension lines; every line ends in a newline. It is carried as a signed note whose log
//! signature uses the key named by the origin.
//!
//! ```
//! use jic_ledger::checkpoint::Checkpoint;
//! use jic_ledger::hash::EMPTY_ROOT;
//! let cp = Checkpoint::new("jic.example/syria-2016", 0, EMPTY_ROOT);
//! let body = cp.to_body();
//! assert_eq!(body, "jic.example/syria-2016\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
//! assert_eq!(Checkpoint::parse(&body).unwrap(), cp);
//! ```

use crate::LedgerError;
use crate::hash::{Hash, hash_from_base64, to_base64};
use crate::key::{NoteSigner, NoteVerifier};
use crate::note::{Note, Verifiers};

/// A checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
    /// Extension lines (without newlines), opaque to jic.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text.
    pub fn to_body(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            to_base64(&self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint body (the note text).
    pub fn parse(body: &str) -> Result<Self, LedgerError> {
        let bad = |m: &str| LedgerError::MalformedCheckpoint(m.to_owned());
        let body = body
            .strip_suffix('\n')
            .ok_or_else(|| bad("the body must end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("empty origin"))?;
        let size_line = lines.next().ok_or_else(|| bad("missing size line"))?;
        let size = parse_size(size_line).ok_or_else(|| {
            bad(&format!(
                "the size {size_line:?} is not a decimal without leading zeros"
            ))
        })?;
        let root_line = lines.next().ok_or_else(|| bad("missing root line"))?;
        let root = hash_from_base64(root_line)
            .filter(|r| to_base64(r) == root_line)
            .ok_or_else(|| bad("the root is not base64 of 32 bytes"))?;
        let mut extensions = Vec::new();
        for line in lines {
            if line.is_empty() {
                return Err(bad("empty extension line"));
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint as a note with the log key, whose name must equal the origin.
    pub fn sign(&self, log_key: &NoteSigner) -> Result<String, LedgerError> {
        if log_key.name() != self.origin {
            return Err(LedgerError::MalformedCheckpoint(format!(
                "the log key is named {:?} but the origin is {:?}",
                log_key.name(),
                self.origin
            )));
        }
        Note::sign(&self.to_body(), &[log_key])
    }

    /// Opens a signed checkpoint: checks the log's signature (key name = origin) and, for any
    /// `witnesses` given, their cosignatures; returns the checkpoint and the parsed note.
    pub fn open(
        note: &[u8],
        log_key: &NoteVerifier,
        witnesses: &[NoteVerifier],
    ) -> Result<(Self, Note), LedgerError> {
        let mut keys = vec![log_key.clone()];
        keys.extend(witnesses.iter().cloned());
        let opened = Note::open(note, &Verifiers::new(keys))?;
        if !opened
            .verified()
            .iter()
            .any(|s| s.name == log_key.name() && s.key_id == log_key.key_id())
        {
            return Err(LedgerError::NoTrustedSignature(vec![log_key.to_vkey()]));
        }
        let cp = Self::parse(opened.text())?;
        if cp.origin != log_key.name() {
            return Err(LedgerError::MalformedCheckpoint(format!(
                "origin {:?} does not match the log key name {:?}",
                cp.origin,
                log_key.name()
            )));
        }
        Ok((cp, opened))
    }
}

fn parse_size(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::EMPTY_ROOT;

    #[test]
    fn malformed_bodies_are_refused() {
        let root = to_base64(&EMPTY_ROOT);
        for body in [
            String::new(),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1\n{}\n", &root[..40]),
            format!("o\n1\n{root}\n\n"),
            "o\n1\n".to_owned(),
        ] {
            assert!(Checkpoint::parse(&body).is_err(), "{body:?}");
        }
        let with_ext = format!("o\n1\n{root}\nextension one\n");
        assert_eq!(
            Checkpoint::parse(&with_ext).unwrap().extensions,
            ["extension one"]
        );
    }

    #[test]
    fn sign_and_open() {
        let k = NoteSigner::from_seed("jic.example/log", &[3; 32]).unwrap();
        let cp = Checkpoint::new("jic.example/log", 5, [7; 32]);
        let note = cp.sign(&k).unwrap();
        let (back, _) = Checkpoint::open(note.as_bytes(), &k.verifier(), &[]).unwrap();
        assert_eq!(back, cp);
        let other = NoteSigner::from_seed("jic.example/other", &[3; 32]).unwrap();
        assert!(cp.sign(&other).is_err());
    }
}
