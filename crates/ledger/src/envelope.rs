//! Signed submission envelopes (DESIGN §3.3) and the log entries that record them (§3.4).
//!
//! # Envelope
//! ```json
//! {"v":1,"kind":"strike.notice","party":"us","key":"<vkey>","seq":7,
//!  "time":"2016-09-17T10:52:00Z","payload":{…}}
//! ```
//! `key` is the signer's C2SP verifier key string (`name+keyid+base64(0x01 ‖ pubkey)`), so a
//! signature can be checked from the envelope alone; the roster decides whether that key may
//! speak for `party` at that time. `seq` is an integer in `0..=2⁵³−1` that must increase per key;
//! `time` is RFC 3339. A restricted envelope carries `"payload_commitment": base64(SHA-256(salt ‖
//! JCS(payload)))` in place of `payload`. No other members are allowed.
//!
//! The signature is Ed25519 over the RFC 8785 canonical bytes ([`crate::jcs`]) of the envelope.
//!
//! # Wire form (client → server)
//! `{"envelope":{…},"sig":"<base64 64 bytes>"}`, plus, for a restricted envelope, `"payload":{…}`
//! and `"salt":"<base64 32 bytes>"` beside it. [`Submission::from_json`] checks size, shape,
//! signature and commitment, naming what failed.
//!
//! # Log entry
//! The leaf bytes are the canonical JSON of
//! `{"type":"submission","envelope":{…},"sig":"…","received":"<RFC 3339>"}` (restricted payloads
//! never enter the log: only their commitment, inside the envelope) or, for jic's own decisions,
//! `{"type":"record","kind":"…","time":"<RFC 3339>","body":{…}}`. See [`LogEntry`].

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::LedgerError;
use crate::hash::{Hash, sha256};
use crate::jcs::{self, MAX_SAFE_INTEGER};
use crate::key::{KeyType, NoteSigner, NoteVerifier};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The envelope format version this build writes and accepts.
pub const ENVELOPE_VERSION: u64 = 1;
/// The largest log entry: entry bundles prefix each entry with a 2-byte length.
pub const MAX_ENTRY_BYTES: usize = 65_535;
/// A default limit for a submission on the wire, leaving room in the entry for the receipt time.
pub const DEFAULT_MAX_SUBMISSION_BYTES: usize = 60_000;

/// What an envelope carries: the payload itself, or a commitment to a restricted one.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A public payload, in the clear.
    Public(Value),
    /// The base64 commitment `SHA-256(salt ‖ JCS(payload))` to a restricted payload.
    Committed(String),
}

/// The envelope's fields (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The submission kind, e.g. `"strike.notice"`.
    pub kind: String,
    /// The submitting party's id.
    pub party: String,
    /// The signer's verifier key string.
    pub key: String,
    /// The per-key sequence number.
    pub seq: u64,
    /// The time the submitter claims, as written (RFC 3339).
    pub time: String,
    /// The payload or its commitment.
    pub body: Body,
}

/// A restricted payload's plaintext and salt, which travel beside the envelope, never in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct RestrictedPayload {
    /// The plaintext payload.
    pub payload: Value,
    /// The 32-byte salt.
    pub salt: [u8; 32],
}

impl RestrictedPayload {
    /// The commitment `base64(SHA-256(salt ‖ JCS(payload)))`.
    pub fn commitment(&self) -> Result<String, LedgerError> {
        let mut bytes = Vec::with_capacity(32 + 256);
        bytes.extend_from_slice(&self.salt);
        bytes.extend_from_slice(&jcs::to_vec(&self.payload)?);
        Ok(B64.encode(sha256(&bytes)))
    }

    /// Checks that this plaintext and salt match a commitment.
    pub fn verify(&self, commitment: &str) -> Result<(), LedgerError> {
        if self.commitment()? == commitment {
            Ok(())
        } else {
            Err(LedgerError::BadCommitment)
        }
    }
}

impl Envelope {
    /// An envelope with a public payload.
    pub fn public(
        kind: &str,
        party: &str,
        key: &str,
        seq: u64,
        time: &str,
        payload: Value,
    ) -> Self {
        Self {
            kind: kind.to_owned(),
            party: party.to_owned(),
            key: key.to_owned(),
            seq,
            time: time.to_owned(),
            body: Body::Public(payload),
        }
    }

    /// An envelope committing to a restricted payload; returns the envelope and what travels
    /// beside it. The salt must be 32 fresh random bytes (the caller's randomness).
    pub fn restricted(
        kind: &str,
        party: &str,
        key: &str,
        seq: u64,
        time: &str,
        payload: Value,
        salt: [u8; 32],
    ) -> Result<(Self, RestrictedPayload), LedgerError> {
        let restricted = RestrictedPayload { payload, salt };
        let envelope = Self {
            kind: kind.to_owned(),
            party: party.to_owned(),
            key: key.to_owned(),
            seq,
            time: time.to_owned(),
            body: Body::Committed(restricted.commitment()?),
        };
        Ok((envelope, restricted))
    }

    /// The envelope as a JSON object.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("v".into(), Value::from(ENVELOPE_VERSION));
        m.insert("kind".into(), Value::from(self.kind.clone()));
        m.insert("party".into(), Value::from(self.party.clone()));
        m.insert("key".into(), Value::from(self.key.clone()));
        m.insert("seq".into(), Value::from(self.seq));
        m.insert("time".into(), Value::from(self.time.clone()));
        match &self.body {
            Body::Public(p) => m.insert("payload".into(), p.clone()),
            Body::Committed(c) => m.insert("payload_commitment".into(), Value::from(c.clone())),
        };
        Value::Object(m)
    }

    /// Reads an envelope from JSON, refusing any other shape.
    pub fn from_value(value: &Value) -> Result<Self, LedgerError> {
        let bad = |m: &str| LedgerError::MalformedEnvelope(m.to_owned());
        let obj = value
            .as_object()
            .ok_or_else(|| bad("the envelope is not a JSON object"))?;
        for k in obj.keys() {
            if !matches!(
                k.as_str(),
                "v" | "kind" | "party" | "key" | "seq" | "time" | "payload" | "payload_commitment"
            ) {
                return Err(bad(&format!("unknown envelope member {k:?}")));
            }
        }
        match obj.get("v").and_then(Value::as_u64) {
            Some(ENVELOPE_VERSION) => {}
            Some(v) => return Err(bad(&format!("unsupported envelope version {v}"))),
            None => return Err(bad("\"v\" must be the integer 1")),
        }
        let string = |name: &str| -> Result<String, LedgerError> {
            match obj.get(name) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                Some(_) => Err(bad(&format!("\"{name}\" must be a non-empty string"))),
                None => Err(bad(&format!("\"{name}\" is missing"))),
            }
        };
        let kind = string("kind")?;
        let party = string("party")?;
        let key = string("key")?;
        let time = string("time")?;
        parse_time(&time)?;
        let seq = obj
            .get("seq")
            .and_then(Value::as_u64)
            .filter(|s| *s <= MAX_SAFE_INTEGER)
            .ok_or_else(|| bad("\"seq\" must be an integer between 0 and 2^53 − 1"))?;
        let body = match (obj.get("payload"), obj.get("payload_commitment")) {
            (Some(p), None) => Body::Public(p.clone()),
            (None, Some(Value::String(c))) => {
                let ok = B64.decode(c).map(|b| b.len() == 32).unwrap_or(false);
                if !ok {
                    return Err(bad("\"payload_commitment\" must be base64 of 32 bytes"));
                }
                Body::Committed(c.clone())
            }
            (None, Some(_)) => return Err(bad("\"payload_commitment\" must be a string")),
            (Some(_), Some(_)) => {
                return Err(bad(
                    "an envelope has either \"payload\" or \"payload_commitment\"",
                ));
            }
            (None, None) => return Err(bad("\"payload\" or \"payload_commitment\" is missing")),
        };
        Ok(Self {
            kind,
            party,
            key,
            seq,
            time,
            body,
        })
    }

    /// The RFC 8785 canonical bytes that are signed.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, LedgerError> {
        jcs::to_vec(&self.to_value())
    }

    /// [`Envelope::signing_bytes`] written member by member, without first copying the
    /// envelope (payload included) into a JSON value. The members are written in RFC 8785
    /// order (UTF-16 code units): `key` < `kind` < `party` < `payload` < `payload_commitment` <
    /// `seq` < `time` < `v`.
    fn canonical_bytes(&self) -> Result<Vec<u8>, LedgerError> {
        let text = |t: &str| jcs::to_vec(&Value::from(t));
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"{\"key\":");
        out.extend_from_slice(&text(&self.key)?);
        out.extend_from_slice(b",\"kind\":");
        out.extend_from_slice(&text(&self.kind)?);
        out.extend_from_slice(b",\"party\":");
        out.extend_from_slice(&text(&self.party)?);
        match &self.body {
            Body::Public(p) => {
                out.extend_from_slice(b",\"payload\":");
                out.extend_from_slice(&jcs::to_vec(p)?);
            }
            Body::Committed(c) => {
                out.extend_from_slice(b",\"payload_commitment\":");
                out.extend_from_slice(&text(c)?);
            }
        }
        out.extend_from_slice(b",\"seq\":");
        out.extend_from_slice(&jcs::to_vec(&Value::from(self.seq))?);
        out.extend_from_slice(b",\"time\":");
        out.extend_from_slice(&text(&self.time)?);
        out.extend_from_slice(b",\"v\":");
        out.extend_from_slice(&jcs::to_vec(&Value::from(ENVELOPE_VERSION))?);
        out.push(b'}');
        Ok(out)
    }

    /// The parsed claimed time.
    pub fn timestamp(&self) -> Result<jiff::Timestamp, LedgerError> {
        parse_time(&self.time)
    }

    /// The signer's key, parsed from `key` (must be an Ed25519 `0x01` key).
    pub fn verifier(&self) -> Result<NoteVerifier, LedgerError> {
        let v = NoteVerifier::from_vkey(&self.key)
            .map_err(|e| LedgerError::MalformedEnvelope(format!("\"key\": {e}")))?;
        if v.key_type() != KeyType::Ed25519 {
            return Err(LedgerError::MalformedEnvelope(
                "\"key\" must be an Ed25519 (type 0x01) verifier key".into(),
            ));
        }
        Ok(v)
    }

    /// Signs the envelope. The signer's verifier key must be the one named in `key`.
    pub fn sign(self, signer: &NoteSigner) -> Result<SignedEnvelope, LedgerError> {
        let own = signer.verifier().to_vkey();
        if own != self.key {
            return Err(LedgerError::KeyMismatch {
                found: self.key,
                expected: own,
            });
        }
        let sig = signer.sign_raw(&self.signing_bytes()?);
        Ok(SignedEnvelope {
            envelope: self,
            sig,
        })
    }
}

/// Parses an RFC 3339 instant.
pub fn parse_time(text: &str) -> Result<jiff::Timestamp, LedgerError> {
    text.parse::<jiff::Timestamp>()
        .map_err(|e| LedgerError::MalformedEnvelope(format!("time {text:?} is not RFC 3339: {e}")))
}

/// An envelope with its signature.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEnvelope {
    /// The envelope.
    pub envelope: Envelope,
    /// The Ed25519 signature over the envelope's canonical bytes.
    pub sig: [u8; 64],
}

impl SignedEnvelope {
    /// Verifies the signature under the key the envelope names, and returns that key.
    pub fn verify(&self) -> Result<NoteVerifier, LedgerError> {
        let key = self.envelope.verifier()?;
        self.verify_under(&key)?;
        Ok(key)
    }

    /// Verifies the signature under an already decoded key, which the caller vouches is the
    /// one the envelope's `key` names (e.g. a cached roster key looked up by that string).
    pub fn verify_under(&self, key: &NoteVerifier) -> Result<(), LedgerError> {
        self.verify_signing_bytes_under(&self.envelope.signing_bytes()?, key)
    }

    /// As [`SignedEnvelope::verify_under`], over signing bytes the caller already holds, which
    /// must be this envelope's [`Envelope::signing_bytes`].
    fn verify_signing_bytes_under(
        &self,
        signing_bytes: &[u8],
        key: &NoteVerifier,
    ) -> Result<(), LedgerError> {
        if !key.verify_raw(signing_bytes, &self.sig) {
            return Err(LedgerError::BadEnvelopeSignature {
                key: self.envelope.key.clone(),
            });
        }
        Ok(())
    }

    /// Verifies that the envelope names `expected_vkey` (e.g. from the roster) and that the
    /// signature verifies under it.
    pub fn verify_with_key(&self, expected_vkey: &str) -> Result<NoteVerifier, LedgerError> {
        if self.envelope.key != expected_vkey {
            return Err(LedgerError::KeyMismatch {
                found: self.envelope.key.clone(),
                expected: expected_vkey.to_owned(),
            });
        }
        self.verify()
    }

    /// The signature in base64.
    pub fn sig_base64(&self) -> String {
        B64.encode(self.sig)
    }
}

/// Checks a sequence number against the last one accepted for the same key.
pub fn check_sequence(seq: u64, last_accepted: Option<u64>) -> Result<(), LedgerError> {
    match last_accepted {
        Some(last) if seq <= last => Err(LedgerError::SequenceNotIncreasing { seq, last }),
        _ => Ok(()),
    }
}

/// Checks that the envelope's claimed time is within `max_skew_seconds` of the receipt time.
pub fn check_skew(
    envelope: &Envelope,
    received: jiff::Timestamp,
    max_skew_seconds: i64,
) -> Result<(), LedgerError> {
    let claimed = envelope.timestamp()?;
    let skew = (received.as_second() - claimed.as_second()).abs();
    if skew > max_skew_seconds {
        return Err(LedgerError::ClockSkew {
            time: envelope.time.clone(),
            skew_seconds: skew,
            max_seconds: max_skew_seconds,
        });
    }
    Ok(())
}

/// A submission as it arrives: the signed envelope and, if restricted, its plaintext and salt.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// The signed envelope (what enters the log).
    pub signed: SignedEnvelope,
    /// The restricted payload, present exactly when the envelope carries a commitment.
    pub restricted: Option<RestrictedPayload>,
}

impl Submission {
    /// The wire JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, LedgerError> {
        let mut m = Map::new();
        m.insert("envelope".into(), self.signed.envelope.to_value());
        m.insert("sig".into(), Value::from(self.signed.sig_base64()));
        if let Some(r) = &self.restricted {
            m.insert("payload".into(), r.payload.clone());
            m.insert("salt".into(), Value::from(B64.encode(r.salt)));
        }
        jcs::to_vec(&Value::Object(m))
    }

    /// Parses wire JSON and checks everything that needs no server state: size, shape,
    /// signature under the named key, and the commitment. Sequence, skew and roster checks are
    /// the caller's ([`check_sequence`], [`check_skew`]).
    pub fn from_json(bytes: &[u8], max_bytes: usize) -> Result<Self, LedgerError> {
        if bytes.len() > max_bytes {
            return Err(LedgerError::EnvelopeTooLarge {
                size: bytes.len(),
                limit: max_bytes,
            });
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| LedgerError::MalformedEnvelope(format!("not JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// As [`Submission::from_json`], from an already parsed value.
    pub fn from_value(value: &Value) -> Result<Self, LedgerError> {
        Self::from_value_with_known_key(value, None)
    }

    /// As [`Submission::from_value`], but when `known` is `(vkey, verifier)` and `vkey` is the
    /// envelope's `key` string, the signature is verified under `verifier` instead of a key
    /// decoded from the string again: a server decodes each roster key (base64, key id, Ed25519
    /// point decompression) once and caches it. `verifier` must be what
    /// [`Envelope::verifier`] returns for `vkey`; any other key string is decoded as usual.
    pub fn from_value_with_known_key(
        value: &Value,
        known: Option<(&str, &NoteVerifier)>,
    ) -> Result<Self, LedgerError> {
        Self::verified_from_value(value, known).map(|(submission, _)| submission)
    }

    /// As [`Submission::from_value_with_known_key`], also returning the envelope's signing
    /// bytes (its RFC 8785 canonical form, [`Envelope::signing_bytes`]) that were verified, so
    /// a server can build the log entry from them ([`LogEntry::submission_bytes`]) instead of
    /// canonicalising the envelope again.
    pub fn verified_from_value(
        value: &Value,
        known: Option<(&str, &NoteVerifier)>,
    ) -> Result<(Self, Vec<u8>), LedgerError> {
        Self::verified_from_parts(value, None, known)
    }

    /// As [`Submission::verified_from_value`], taking the wire value by value: the envelope's
    /// public payload is moved into the result instead of copied.
    pub fn verified_from_owned(
        mut value: Value,
        known: Option<(&str, &NoteVerifier)>,
    ) -> Result<(Self, Vec<u8>), LedgerError> {
        // The payload leaves a null in its place, which is all the envelope parser copies; the
        // parser only checks that the member is there.
        let payload = value
            .get_mut("envelope")
            .and_then(|e| e.get_mut("payload"))
            .map(Value::take);
        Self::verified_from_parts(&value, payload, known)
    }

    /// The parser behind both: `moved_payload` is the envelope's `payload`, taken out of
    /// `value` (where a null stands in for it).
    fn verified_from_parts(
        value: &Value,
        moved_payload: Option<Value>,
        known: Option<(&str, &NoteVerifier)>,
    ) -> Result<(Self, Vec<u8>), LedgerError> {
        let bad = |m: &str| LedgerError::MalformedEnvelope(m.to_owned());
        let obj = value
            .as_object()
            .ok_or_else(|| bad("the submission is not a JSON object"))?;
        for k in obj.keys() {
            if !matches!(k.as_str(), "envelope" | "sig" | "payload" | "salt") {
                return Err(bad(&format!("unknown submission member {k:?}")));
            }
        }
        let envelope_value = obj
            .get("envelope")
            .ok_or_else(|| bad("\"envelope\" is missing"))?;
        let mut envelope = Envelope::from_value(envelope_value)?;
        let moved = moved_payload.is_some();
        if let (Some(payload), Body::Public(placeholder)) = (moved_payload, &mut envelope.body) {
            *placeholder = payload;
        }
        let sig = parse_sig(obj.get("sig"))?;
        let signed = SignedEnvelope { envelope, sig };
        let restricted = match (&signed.envelope.body, obj.get("payload"), obj.get("salt")) {
            (Body::Public(_), None, None) => None,
            (Body::Public(_), _, _) => {
                return Err(bad(
                    "a public envelope carries its payload inside the envelope",
                ));
            }
            (Body::Committed(_), Some(payload), Some(Value::String(salt))) => {
                let salt: [u8; 32] = B64
                    .decode(salt)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad("\"salt\" must be base64 of 32 bytes"))?;
                Some(RestrictedPayload {
                    payload: payload.clone(),
                    salt,
                })
            }
            (Body::Committed(_), _, _) => {
                return Err(bad(
                    "a restricted envelope needs \"payload\" and \"salt\" beside it",
                ));
            }
        };
        let decoded;
        let key = match known {
            Some((vkey, verifier)) if vkey == signed.envelope.key => verifier,
            _ => {
                decoded = signed.envelope.verifier()?;
                &decoded
            }
        };
        // The canonical bytes of the envelope as it arrived equal those of
        // `envelope.to_value()`: `from_value` admits only the members `to_value` writes, with
        // `v` and `seq` integers and the strings and payload taken verbatim. Canonicalising
        // the input spares a deep copy of the payload.
        let signing_bytes = if moved {
            signed.envelope.canonical_bytes()?
        } else {
            jcs::to_vec(envelope_value)?
        };
        debug_assert_eq!(
            Some(&signing_bytes),
            signed.envelope.signing_bytes().ok().as_ref()
        );
        signed.verify_signing_bytes_under(&signing_bytes, key)?;
        if let (Some(r), Body::Committed(c)) = (&restricted, &signed.envelope.body) {
            r.verify(c)?;
        }
        Ok((Self { signed, restricted }, signing_bytes))
    }
}

fn parse_sig(value: Option<&Value>) -> Result<[u8; 64], LedgerError> {
    let text = value
        .and_then(Value::as_str)
        .ok_or_else(|| LedgerError::MalformedEnvelope("\"sig\" must be a base64 string".into()))?;
    B64.decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            LedgerError::MalformedEnvelope("\"sig\" must be base64 of a 64-byte signature".into())
        })
}

/// One leaf of the log, as bytes are parsed and written (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    /// An accepted submission with the server's receipt time.
    Submission {
        /// The signed envelope, exactly as submitted (commitment in place of restricted data).
        signed: SignedEnvelope,
        /// The receipt time (RFC 3339), vouched for by the checkpoints that follow.
        received: String,
    },
    /// One of jic's own decisions (alert, verdict, phase transition, …).
    Record {
        /// The decision kind.
        kind: String,
        /// When it was made (RFC 3339).
        time: String,
        /// Its public content (never restricted content).
        body: Value,
    },
}

impl LogEntry {
    /// A submission entry.
    pub fn submission(signed: SignedEnvelope, received: jiff::Timestamp) -> Self {
        Self::Submission {
            signed,
            received: received.to_string(),
        }
    }

    /// The leaf bytes of a submission entry, built from the envelope's signing bytes (its
    /// canonical form, [`Envelope::signing_bytes`]) without canonicalising it again: equal to
    /// `LogEntry::submission(signed, received).to_bytes()`. The canonical entry is an object
    /// whose members sort as `envelope` < `received` < `sig` < `type`, so it is the signing
    /// bytes spliced between fixed text. Fails like [`LogEntry::to_bytes`] past
    /// [`MAX_ENTRY_BYTES`].
    pub fn submission_bytes(
        signing_bytes: &[u8],
        sig: &[u8; 64],
        received: jiff::Timestamp,
    ) -> Result<Vec<u8>, LedgerError> {
        let received = jcs::to_vec(&Value::from(received.to_string()))?;
        let sig = jcs::to_vec(&Value::from(B64.encode(sig)))?;
        let mut out = Vec::with_capacity(signing_bytes.len() + received.len() + sig.len() + 64);
        out.extend_from_slice(b"{\"envelope\":");
        out.extend_from_slice(signing_bytes);
        out.extend_from_slice(b",\"received\":");
        out.extend_from_slice(&received);
        out.extend_from_slice(b",\"sig\":");
        out.extend_from_slice(&sig);
        out.extend_from_slice(b",\"type\":\"submission\"}");
        if out.len() > MAX_ENTRY_BYTES {
            return Err(LedgerError::EntryTooLarge {
                size: out.len(),
                limit: MAX_ENTRY_BYTES,
            });
        }
        Ok(out)
    }

    /// A record entry.
    pub fn record(kind: &str, time: jiff::Timestamp, body: Value) -> Self {
        Self::Record {
            kind: kind.to_owned(),
            time: time.to_string(),
            body,
        }
    }

    /// The entry as JSON.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        match self {
            LogEntry::Submission { signed, received } => {
                m.insert("type".into(), Value::from("submission"));
                m.insert("envelope".into(), signed.envelope.to_value());
                m.insert("sig".into(), Value::from(signed.sig_base64()));
                m.insert("received".into(), Value::from(received.clone()));
            }
            LogEntry::Record { kind, time, body } => {
                m.insert("type".into(), Value::from("record"));
                m.insert("kind".into(), Value::from(kind.clone()));
                m.insert("time".into(), Value::from(time.clone()));
                m.insert("body".into(), body.clone());
            }
        }
        Value::Object(m)
    }

    /// The leaf bytes: canonical JSON, at most [`MAX_ENTRY_BYTES`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, LedgerError> {
        let bytes = jcs::to_vec(&self.to_value())?;
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(LedgerError::EntryTooLarge {
                size: bytes.len(),
                limit: MAX_ENTRY_BYTES,
            });
        }
        Ok(bytes)
    }

    /// The RFC 6962 leaf hash of the entry bytes.
    pub fn leaf_hash(&self) -> Result<Hash, LedgerError> {
        Ok(crate::hash::leaf_hash(&self.to_bytes()?))
    }

    /// Parses leaf bytes. The bytes must be exactly the canonical form, so one entry has one
    /// encoding. Signatures are not checked here: see [`LogEntry::verify`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        let bad = |m: &str| LedgerError::MalformedEnvelope(m.to_owned());
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| bad(&format!("entry is not JSON: {e}")))?;
        let obj = value
            .as_object()
            .ok_or_else(|| bad("the entry is not a JSON object"))?;
        let entry = match obj.get("type").and_then(Value::as_str) {
            Some("submission") => {
                for k in obj.keys() {
                    if !matches!(k.as_str(), "type" | "envelope" | "sig" | "received") {
                        return Err(bad(&format!("unknown entry member {k:?}")));
                    }
                }
                let envelope = Envelope::from_value(
                    obj.get("envelope")
                        .ok_or_else(|| bad("\"envelope\" is missing"))?,
                )?;
                let sig = parse_sig(obj.get("sig"))?;
                let received = obj
                    .get("received")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("\"received\" must be a string"))?
                    .to_owned();
                parse_time(&received)?;
                LogEntry::Submission {
                    signed: SignedEnvelope { envelope, sig },
                    received,
                }
            }
            Some("record") => {
                for k in obj.keys() {
                    if !matches!(k.as_str(), "type" | "kind" | "time" | "body") {
                        return Err(bad(&format!("unknown entry member {k:?}")));
                    }
                }
                let kind = obj
                    .get("kind")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("\"kind\" must be a string"))?
                    .to_owned();
                let time = obj
                    .get("time")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("\"time\" must be a string"))?
                    .to_owned();
                parse_time(&time)?;
                let body = obj
                    .get("body")
                    .cloned()
                    .ok_or_else(|| bad("\"body\" is missing"))?;
                LogEntry::Record { kind, time, body }
            }
            _ => return Err(bad("\"type\" must be \"submission\" or \"record\"")),
        };
        if entry.to_bytes()? != bytes {
            return Err(bad("the entry is not in canonical (RFC 8785) form"));
        }
        Ok(entry)
    }

    /// Verifies a submission entry's envelope signature (records have none: the checkpoint
    /// signature vouches for them).
    pub fn verify(&self) -> Result<(), LedgerError> {
        match self {
            LogEntry::Submission { signed, .. } => signed.verify().map(|_| ()),
            LogEntry::Record { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signer() -> NoteSigner {
        NoteSigner::from_seed("us-cell", &[5; 32]).unwrap()
    }

    fn public_submission() -> Submission {
        let s = signer();
        let env = Envelope::public(
            "strike.notice",
            "us",
            &s.verifier().to_vkey(),
            7,
            "2016-09-17T10:52:00Z",
            json!({"group": "isil", "radius_m": 500, "lat": 35.33, "lon": 40.14}),
        );
        Submission {
            signed: env.sign(&s).unwrap(),
            restricted: None,
        }
    }

    #[test]
    fn public_submission_round_trips_through_the_wire() {
        let sub = public_submission();
        let wire = sub.to_json().unwrap();
        let back = Submission::from_json(&wire, DEFAULT_MAX_SUBMISSION_BYTES).unwrap();
        assert_eq!(back, sub);
    }

    #[test]
    fn a_known_key_is_used_only_for_its_own_key_string() {
        let sub = public_submission();
        let wire: Value = serde_json::from_slice(&sub.to_json().unwrap()).unwrap();
        let vkey = signer().verifier().to_vkey();
        let right = signer().verifier();
        let other = NoteSigner::from_seed("us-cell", &[6; 32])
            .unwrap()
            .verifier();
        // The cached key verifies the signature.
        let back = Submission::from_value_with_known_key(&wire, Some((&vkey, &right))).unwrap();
        assert_eq!(back, sub);
        // It is the cached key that is used: a wrong one under the same string fails.
        let err = Submission::from_value_with_known_key(&wire, Some((&vkey, &other))).unwrap_err();
        assert!(
            matches!(err, LedgerError::BadEnvelopeSignature { .. }),
            "{err:?}"
        );
        // A cached key for another string is ignored: the envelope's own key is decoded.
        let back = Submission::from_value_with_known_key(&wire, Some(("x+00000000+AA", &other)));
        assert_eq!(back.unwrap(), sub);
    }

    #[test]
    fn restricted_submission_checks_its_commitment() {
        let s = signer();
        let (env, restricted) = Envelope::restricted(
            "site.notify",
            "un",
            &s.verifier().to_vkey(),
            1,
            "2016-09-19T08:00:00Z",
            json!({"lat": 36.2, "lon": 37.1}),
            [42; 32],
        )
        .unwrap();
        let sub = Submission {
            signed: env.sign(&s).unwrap(),
            restricted: Some(restricted),
        };
        let wire = sub.to_json().unwrap();
        assert_eq!(Submission::from_json(&wire, 100_000).unwrap(), sub);
        // The plaintext must never appear in the log entry.
        let entry = LogEntry::submission(sub.signed, jiff::Timestamp::UNIX_EPOCH);
        let bytes = entry.to_bytes().unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("36.2"));
        // A changed payload fails the commitment.
        let mut tampered: Value = serde_json::from_slice(&wire).unwrap();
        tampered["payload"]["lat"] = json!(36.3);
        let err = Submission::from_value(&tampered).unwrap_err();
        assert_eq!(err, LedgerError::BadCommitment);
    }

    #[test]
    fn failures_are_named() {
        let sub = public_submission();
        let wire: Value = serde_json::from_slice(&sub.to_json().unwrap()).unwrap();
        let check = |pointer: &str, member: &str, value: Value, want: &str| {
            let mut w = wire.clone();
            w.pointer_mut(pointer).unwrap()[member] = value;
            let err = Submission::from_value(&w).unwrap_err();
            assert!(
                format!("{err:?}").starts_with(want),
                "{pointer}/{member}: {err:?}"
            );
            // Taking the value by value refuses it in the same words.
            let owned = Submission::verified_from_owned(w, None).unwrap_err();
            assert_eq!(owned, err, "{pointer}/{member}");
        };
        check("/envelope", "seq", json!(8), "BadEnvelopeSignature");
        check(
            "/envelope",
            "payload_commitment",
            json!("AAAA"),
            "MalformedEnvelope",
        );
        check(
            "/envelope",
            "payload",
            json!({"lat": 1}),
            "BadEnvelopeSignature",
        );
        check("/envelope", "extra", json!(1), "MalformedEnvelope");
        check("/envelope", "v", json!(2), "MalformedEnvelope");
        check("", "sig", json!("AAAA"), "MalformedEnvelope");
        check("/envelope", "time", json!("yesterday"), "MalformedEnvelope");
        check(
            "/envelope",
            "seq",
            json!(9_007_199_254_740_992_u64),
            "MalformedEnvelope",
        );
        let big = Submission::from_json(&[b' '; 10], 5).unwrap_err();
        assert!(matches!(
            big,
            LedgerError::EnvelopeTooLarge { size: 10, limit: 5 }
        ));
        let other = NoteSigner::from_seed("ru-cell", &[6; 32]).unwrap();
        let err = sub
            .signed
            .verify_with_key(&other.verifier().to_vkey())
            .unwrap_err();
        assert!(matches!(err, LedgerError::KeyMismatch { .. }));
    }

    #[test]
    fn sequence_and_skew_checks() {
        assert!(check_sequence(5, None).is_ok());
        assert!(check_sequence(5, Some(4)).is_ok());
        assert!(matches!(
            check_sequence(4, Some(4)),
            Err(LedgerError::SequenceNotIncreasing { seq: 4, last: 4 })
        ));
        let env = public_submission().signed.envelope;
        let t: jiff::Timestamp = "2016-09-17T10:53:00Z".parse().unwrap();
        assert!(check_skew(&env, t, 60).is_ok());
        assert!(matches!(
            check_skew(&env, t, 59),
            Err(LedgerError::ClockSkew { .. })
        ));
    }

    #[test]
    fn submission_bytes_are_the_canonical_entry_built_from_the_verified_signing_bytes() {
        let s = signer();
        let (restricted_env, beside) = Envelope::restricted(
            "site.notify",
            "un",
            &s.verifier().to_vkey(),
            1,
            "2016-09-19T08:00:00Z",
            json!({"lat": 36.2, "name": "clinic \"é\" \u{1}", "n": [1, 2.5, 1e-7, 1e21]}),
            [42; 32],
        )
        .unwrap();
        let subs = [
            public_submission(),
            Submission {
                signed: restricted_env.sign(&s).unwrap(),
                restricted: Some(beside),
            },
        ];
        let times = ["2016-09-17T10:52:03Z", "2016-09-17T10:52:03.123456789Z"];
        for sub in subs {
            // Wire text with members out of order and spaces: the signing bytes are canonical.
            let wire: Value = serde_json::from_slice(&sub.to_json().unwrap()).unwrap();
            let pretty = serde_json::to_string_pretty(&wire).unwrap();
            let value: Value = serde_json::from_str(&pretty).unwrap();
            let (back, signing) = Submission::verified_from_value(&value, None).unwrap();
            assert_eq!(back, sub);
            assert_eq!(signing, sub.signed.envelope.signing_bytes().unwrap());
            let (owned, owned_signing) =
                Submission::verified_from_owned(value.clone(), None).unwrap();
            assert_eq!(owned, sub);
            assert_eq!(owned_signing, signing);
            assert_eq!(sub.signed.envelope.canonical_bytes().unwrap(), signing);
            for t in times {
                let t: jiff::Timestamp = t.parse().unwrap();
                let want = LogEntry::submission(sub.signed.clone(), t)
                    .to_bytes()
                    .unwrap();
                let got = LogEntry::submission_bytes(&signing, &sub.signed.sig, t).unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want).unwrap()
                );
            }
        }
        let huge = vec![b'x'; MAX_ENTRY_BYTES];
        let err = LogEntry::submission_bytes(&huge, &[0; 64], jiff::Timestamp::UNIX_EPOCH);
        assert!(
            matches!(err, Err(LedgerError::EntryTooLarge { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn log_entries_round_trip_and_must_be_canonical() {
        let t: jiff::Timestamp = "2016-09-17T10:52:03Z".parse().unwrap();
        let entries = [
            LogEntry::submission(public_submission().signed, t),
            LogEntry::record("alert", t, json!({"pair": ["a", "b"]})),
        ];
        for entry in entries {
            let bytes = entry.to_bytes().unwrap();
            assert_eq!(LogEntry::from_bytes(&bytes).unwrap(), entry);
            entry.verify().unwrap();
            let mut spaced = b" ".to_vec();
            spaced.extend_from_slice(&bytes);
            assert!(LogEntry::from_bytes(&spaced).is_err());
        }
    }
}
