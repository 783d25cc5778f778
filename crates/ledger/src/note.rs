//! C2SP signed notes (c2sp.org/signed-note): text plus Ed25519 signature lines.
//!
//! A note is UTF-8 text ending in a newline, then a blank line, then one or more signature lines
//! `— <key name> <base64(4-byte key id ‖ signature)>\n` (the dash is U+2014 EM DASH). The signed
//! message is the text including its final newline.
//!
//! Parsing is strict: the text must be non-empty valid UTF-8 without control characters other
//! than newline; the signature block must be well formed; every signature by a key the verifier
//! knows must verify (one bad signature by a known key rejects the note); signatures by unknown
//! keys are kept but ignored; at least one signature must be by a known key.
//!
//! ```
//! use jic_ledger::key::NoteSigner;
//! use jic_ledger::note::{Note, Verifiers};
//! let signer = NoteSigner::from_seed("jic.example/log", &[9; 32]).unwrap();
//! let signed = Note::sign("hello\n", &[&signer]).unwrap();
//! let verifiers = Verifiers::new([signer.verifier()]);
//! let note = Note::open(signed.as_bytes(), &verifiers).unwrap();
//! assert_eq!(note.text(), "hello\n");
//! ```

use base64::Engine as _;

use crate::LedgerError;
use crate::key::{KeyType, NoteSigner, NoteVerifier, check_key_name};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The largest note jic will parse; checkpoints and cosigned checkpoints are far smaller.
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// The most signature lines a note may carry (as in Go's `golang.org/x/mod/sumdb/note`).
pub const MAX_SIGNATURES: usize = 100;

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 32-bit key id.
    pub key_id: u32,
    /// The signature bytes after the key id (64 bytes for Ed25519, 72 for cosignature/v1).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, with its trailing newline.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, B64.encode(bytes))
    }

    /// Parses one signature line (without its trailing newline).
    pub fn parse_line(line: &str) -> Result<Self, LedgerError> {
        let rest = line.strip_prefix("\u{2014} ").ok_or_else(|| {
            LedgerError::MalformedNote("a signature line starts with an em dash and a space".into())
        })?;
        let (name, b64) = rest.split_once(' ').ok_or_else(|| {
            LedgerError::MalformedNote("a signature line is '— name base64'".into())
        })?;
        check_key_name(name).map_err(|_| {
            LedgerError::MalformedNote(format!("invalid key name {name:?} on a signature line"))
        })?;
        let bytes = B64.decode(b64).map_err(|_| {
            LedgerError::MalformedNote(format!("signature by {name} is not base64"))
        })?;
        if bytes.len() < 5 {
            return Err(LedgerError::MalformedNote(format!(
                "signature by {name} is too short"
            )));
        }
        let key_id = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Ok(Self {
            name: name.to_owned(),
            key_id,
            signature: bytes[4..].to_vec(),
        })
    }
}

/// The set of keys a reader trusts, looked up by (name, key id).
#[derive(Debug, Clone, Default)]
pub struct Verifiers {
    keys: Vec<NoteVerifier>,
}

impl Verifiers {
    /// A set of trusted keys.
    pub fn new(keys: impl IntoIterator<Item = NoteVerifier>) -> Self {
        Self {
            keys: keys.into_iter().collect(),
        }
    }

    /// The key with this name and id, if trusted.
    pub fn find(&self, name: &str, key_id: u32) -> Option<&NoteVerifier> {
        self.keys
            .iter()
            .find(|k| k.name() == name && k.key_id() == key_id)
    }

    /// Every trusted key.
    pub fn keys(&self) -> &[NoteVerifier] {
        &self.keys
    }
}

/// A parsed note: its text and all its signatures, split into those verified by a trusted key
/// and those by unknown keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    verified: Vec<NoteSignature>,
    unverified: Vec<NoteSignature>,
}

impl Note {
    /// The note text (with its final newline), which is what was signed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Signatures that verified under a trusted key.
    pub fn verified(&self) -> &[NoteSignature] {
        &self.verified
    }

    /// Signatures by keys the reader does not know (ignored, kept to be passed on).
    pub fn unverified(&self) -> &[NoteSignature] {
        &self.unverified
    }

    /// Signs `text` with each signer (type `0x01` keys) and returns the full note.
    pub fn sign(text: &str, signers: &[&NoteSigner]) -> Result<String, LedgerError> {
        check_text(text)?;
        let mut out = String::with_capacity(text.len() + 1 + 120 * signers.len());
        out.push_str(text);
        out.push('\n');
        for signer in signers {
            if signer.key_type() != KeyType::Ed25519 {
                return Err(LedgerError::MalformedKey(format!(
                    "{} is a cosignature key; sign notes with an Ed25519 note key",
                    signer.name()
                )));
            }
            let sig = NoteSignature {
                name: signer.name().to_owned(),
                key_id: signer.key_id(),
                signature: signer.sign_raw(text.as_bytes()).to_vec(),
            };
            out.push_str(&sig.to_line());
        }
        Ok(out)
    }

    /// Splits a note into text and signature lines without verifying anything.
    pub fn parse_unverified(msg: &[u8]) -> Result<(String, Vec<NoteSignature>), LedgerError> {
        if msg.len() > MAX_NOTE_BYTES {
            return Err(LedgerError::MalformedNote(format!(
                "note of {} bytes exceeds {MAX_NOTE_BYTES}",
                msg.len()
            )));
        }
        let msg = std::str::from_utf8(msg)
            .map_err(|_| LedgerError::MalformedNote("the note is not valid UTF-8".into()))?;
        // The text ends at the last blank line: signature lines never contain "\n\n".
        let split = msg.rfind("\n\n").ok_or_else(|| {
            LedgerError::MalformedNote("no blank line between text and signatures".into())
        })?;
        let text = &msg[..=split];
        let sigs = &msg[split + 2..];
        check_text(text)?;
        if sigs.is_empty() {
            return Err(LedgerError::MalformedNote(
                "the note has no signatures".into(),
            ));
        }
        let body = sigs.strip_suffix('\n').ok_or_else(|| {
            LedgerError::MalformedNote("the last signature line does not end in a newline".into())
        })?;
        let mut signatures = Vec::new();
        for line in body.split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(LedgerError::MalformedNote(format!(
                    "more than {MAX_SIGNATURES} signatures"
                )));
            }
            signatures.push(NoteSignature::parse_line(line)?);
        }
        Ok((text.to_owned(), signatures))
    }

    /// Parses and verifies a note against the trusted keys (see the module docs for the rules).
    ///
    /// Type `0x04` (cosignature) keys in `verifiers` check their lines as tlog-cosignature/v1
    /// over the note text.
    pub fn open(msg: &[u8], verifiers: &Verifiers) -> Result<Self, LedgerError> {
        let (text, signatures) = Self::parse_unverified(msg)?;
        let mut verified = Vec::new();
        let mut unverified = Vec::new();
        for sig in signatures {
            let Some(key) = verifiers.find(&sig.name, sig.key_id) else {
                unverified.push(sig);
                continue;
            };
            let ok = match key.key_type() {
                KeyType::Ed25519 => key.verify_raw(text.as_bytes(), &sig.signature),
                KeyType::CosignatureV1 => {
                    crate::cosignature::verify_timestamped(key, &text, &sig.signature).is_ok()
                }
            };
            if !ok {
                return Err(LedgerError::BadNoteSignature {
                    name: sig.name,
                    key_id: sig.key_id,
                });
            }
            verified.push(sig);
        }
        if verified.is_empty() {
            let mut names: Vec<String> = unverified
                .iter()
                .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                .collect();
            names.dedup();
            return Err(LedgerError::NoTrustedSignature(names));
        }
        Ok(Self {
            text,
            verified,
            unverified,
        })
    }
}

/// Checks note text: non-empty, ends in a newline, no control characters but newline.
fn check_text(text: &str) -> Result<(), LedgerError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(LedgerError::MalformedNote(
            "the note text must end in a newline".into(),
        ));
    }
    if let Some(c) = text.chars().find(|&c| c != '\n' && (c.is_ascii_control())) {
        return Err(LedgerError::MalformedNote(format!(
            "the note text contains the control character U+{:04X}",
            u32::from(c)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(name: &str, seed: u8) -> NoteSigner {
        NoteSigner::from_seed(name, &[seed; 32]).unwrap()
    }

    #[test]
    fn sign_then_open_round_trips_and_ignores_unknown_keys() {
        let a = signer("a.example", 1);
        let b = signer("b.example", 2);
        let msg = Note::sign("text\nmore\n", &[&a, &b]).unwrap();
        let note = Note::open(msg.as_bytes(), &Verifiers::new([a.verifier()])).unwrap();
        assert_eq!(note.text(), "text\nmore\n");
        assert_eq!(note.verified().len(), 1);
        assert_eq!(note.unverified().len(), 1);
    }

    #[test]
    fn a_bad_signature_by_a_known_key_rejects_even_with_a_good_one() {
        let a = signer("a.example", 1);
        let b = signer("b.example", 2);
        let good = Note::sign("t\n", &[&a]).unwrap();
        // b's line, but computed over different text.
        let other = Note::sign("u\n", &[&b]).unwrap();
        let bad_line = other.split_once("\n\n").unwrap().1;
        let msg = format!("{good}{bad_line}");
        let err = Note::open(
            msg.as_bytes(),
            &Verifiers::new([a.verifier(), b.verifier()]),
        )
        .unwrap_err();
        assert!(matches!(err, LedgerError::BadNoteSignature { .. }), "{err}");
    }

    #[test]
    fn malformed_notes_are_refused() {
        let a = signer("a.example", 1);
        let v = Verifiers::new([a.verifier()]);
        let good = Note::sign("t\n", &[&a]).unwrap();
        let cases: Vec<(String, &str)> = vec![
            (good.trim_end().to_owned(), "no final newline"),
            (good.replace("\u{2014}", "-"), "hyphen instead of em dash"),
            (good.replace("\n\n", "\n"), "no blank line"),
            ("t\n\n".to_owned(), "no signatures"),
            (good.replace("t\n", "t\u{7}\n"), "control character"),
            (format!("{good}\n"), "trailing blank line"),
            (good.replace("a.example ", "a.example  "), "double space"),
        ];
        for (msg, why) in cases {
            assert!(Note::open(msg.as_bytes(), &v).is_err(), "{why}: {msg:?}");
        }
    }

    #[test]
    fn no_trusted_signature_is_an_error() {
        let a = signer("a.example", 1);
        let b = signer("b.example", 2);
        let msg = Note::sign("t\n", &[&a]).unwrap();
        let err = Note::open(msg.as_bytes(), &Verifiers::new([b.verifier()])).unwrap_err();
        assert!(matches!(err, LedgerError::NoTrustedSignature(_)), "{err}");
    }
}
