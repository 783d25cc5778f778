//! Named Ed25519 keys in the C2SP signed-note encodings.
//!
//! A *verifier key* (vkey) is `<name>+<key id as 8 lowercase hex digits>+<base64(type ‖ public
//! key)>`; a private key (skey) is `PRIVATE+KEY+<name>+<key id>+<base64(type ‖ 32-byte seed)>`.
//! The key id is the first four bytes, big-endian, of `SHA-256(name ‖ "\n" ‖ type ‖ public key)`
//! (c2sp.org/signed-note). The type byte is `0x01` for Ed25519 note signatures and `0x04` for
//! tlog-cosignature/v1 witness cosignatures (c2sp.org/tlog-cosignature).
//!
//! Keys are derived from a 32-byte seed the caller supplies, so this crate needs no randomness.
//!
//! ```
//! use jic_ledger::key::{NoteSigner, NoteVerifier};
//! let signer = NoteSigner::from_seed("jic.example/syria-2016", &[7; 32]).unwrap();
//! let vkey = signer.verifier().to_vkey();
//! let parsed = NoteVerifier::from_vkey(&vkey).unwrap();
//! assert_eq!(parsed, signer.verifier());
//! assert!(vkey.starts_with("jic.example/syria-2016+"));
//! ```

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::LedgerError;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The signature algorithm byte of a key, which also separates key ids of different uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `0x01`: Ed25519 signatures over note text (logs, parties).
    Ed25519,
    /// `0x04`: tlog-cosignature/v1 timestamped Ed25519 cosignatures (witnesses).
    CosignatureV1,
}

impl KeyType {
    /// The type byte.
    pub fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::CosignatureV1 => 0x04,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::CosignatureV1),
            _ => None,
        }
    }
}

/// Checks a key name: non-empty, no Unicode whitespace, no `+` (c2sp.org/signed-note).
pub fn check_key_name(name: &str) -> Result<(), LedgerError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(LedgerError::InvalidKeyName(name.to_owned()));
    }
    Ok(())
}

/// The 32-bit key id: `SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4]`, big-endian.
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([key_type.byte()]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A named public key that verifies note signatures or cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_type: KeyType,
    key_id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Builds a verifier from its parts; the key id is computed.
    pub fn new(name: &str, key_type: KeyType, public_key: [u8; 32]) -> Result<Self, LedgerError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(&public_key)
            .map_err(|_| LedgerError::MalformedKey("not a valid Ed25519 public key".into()))?;
        Ok(Self {
            name: name.to_owned(),
            key_type,
            key_id: key_id(name, key_type, &public_key),
            key,
        })
    }

    /// Parses a verifier key string `name+hex8+base64(type ‖ pubkey)`, checking that the key id
    /// matches the key.
    pub fn from_vkey(vkey: &str) -> Result<Self, LedgerError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LedgerError::MalformedKey(
                "a verifier key has the form name+keyid+base64key".into(),
            ));
        };
        let claimed_id = parse_key_id_hex(id_hex)?;
        let bytes = B64
            .decode(key_b64)
            .map_err(|_| LedgerError::MalformedKey("the key is not valid base64".into()))?;
        let (&type_byte, public) = bytes
            .split_first()
            .ok_or_else(|| LedgerError::MalformedKey("the key is empty".into()))?;
        let key_type = KeyType::from_byte(type_byte).ok_or_else(|| {
            LedgerError::MalformedKey(format!("unsupported key type 0x{type_byte:02x}"))
        })?;
        let public: [u8; 32] = public.try_into().map_err(|_| {
            LedgerError::MalformedKey(format!(
                "an Ed25519 public key is 32 bytes, found {}",
                public.len()
            ))
        })?;
        let verifier = Self::new(name, key_type, public)?;
        if verifier.key_id != claimed_id {
            return Err(LedgerError::MalformedKey(format!(
                "the key id {claimed_id:08x} does not match the key (expected {:08x})",
                verifier.key_id
            )));
        }
        Ok(verifier)
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut bytes = Vec::with_capacity(33);
        bytes.push(self.key_type.byte());
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(bytes))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Verifies a raw Ed25519 signature over `message` (strict verification: no malleable
    /// signatures, no small-order keys).
    pub fn verify_raw(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(message, &sig).is_ok()
    }
}

fn parse_key_id_hex(text: &str) -> Result<u32, LedgerError> {
    if text.len() != 8
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(LedgerError::MalformedKey(format!(
            "the key id must be 8 lowercase hex digits, found {text:?}"
        )));
    }
    u32::from_str_radix(text, 16).map_err(|_| LedgerError::MalformedKey("bad key id".into()))
}

/// A named Ed25519 private key that signs notes (type `0x01`) or cosignatures (type `0x04`).
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key_type: KeyType,
    key_id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the seed.
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_type", &self.key_type)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// An Ed25519 note signer (type `0x01`) from a 32-byte seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, LedgerError> {
        Self::from_seed_typed(name, KeyType::Ed25519, seed)
    }

    /// A signer of the given type from a 32-byte seed.
    pub fn from_seed_typed(
        name: &str,
        key_type: KeyType,
        seed: &[u8; 32],
    ) -> Result<Self, LedgerError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id(name, key_type, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key_type,
            key_id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+name+hex8+base64(type ‖ seed)`, checking the key id.
    pub fn from_skey(skey: &str) -> Result<Self, LedgerError> {
        let rest = skey
            .trim_end_matches(['\n', '\r'])
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| {
                LedgerError::MalformedKey("a private key starts with PRIVATE+KEY+".into())
            })?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LedgerError::MalformedKey(
                "a private key has the form PRIVATE+KEY+name+keyid+base64key".into(),
            ));
        };
        let claimed_id = parse_key_id_hex(id_hex)?;
        let bytes = B64
            .decode(key_b64)
            .map_err(|_| LedgerError::MalformedKey("the private key is not valid base64".into()))?;
        let (&type_byte, seed) = bytes
            .split_first()
            .ok_or_else(|| LedgerError::MalformedKey("the private key is empty".into()))?;
        let key_type = KeyType::from_byte(type_byte).ok_or_else(|| {
            LedgerError::MalformedKey(format!("unsupported key type 0x{type_byte:02x}"))
        })?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| {
            LedgerError::MalformedKey("an Ed25519 private key seed is 32 bytes".into())
        })?;
        let signer = Self::from_seed_typed(name, key_type, &seed)?;
        if signer.key_id != claimed_id {
            return Err(LedgerError::MalformedKey(format!(
                "the key id {claimed_id:08x} does not match the key (expected {:08x})",
                signer.key_id
            )));
        }
        Ok(signer)
    }

    /// The private key string (keep it secret: it contains the seed).
    pub fn to_skey(&self) -> String {
        let mut bytes = Vec::with_capacity(33);
        bytes.push(self.key_type.byte());
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            B64.encode(bytes)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_type: self.key_type,
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// A raw 64-byte Ed25519 signature over `message`.
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c2sp_example_vkey_parses_and_round_trips() {
        let vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        let v = NoteVerifier::from_vkey(vkey).unwrap();
        assert_eq!(v.name(), "example.com/foo");
        assert_eq!(v.key_id(), 0x530d903a);
        assert_eq!(v.to_vkey(), vkey);
    }

    #[test]
    fn tessera_test_skey_matches_its_vkey() {
        let skey = "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
        let vkey = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
        let s = NoteSigner::from_skey(skey).unwrap();
        assert_eq!(s.verifier().to_vkey(), vkey);
        assert_eq!(s.to_skey(), skey);
    }

    #[test]
    fn a_wrong_key_id_is_refused() {
        let vkey = "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        assert!(matches!(
            NoteVerifier::from_vkey(vkey),
            Err(LedgerError::MalformedKey(_))
        ));
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", "a b", "a+b", "a\tb"] {
            assert!(NoteSigner::from_seed(name, &[1; 32]).is_err(), "{name:?}");
        }
    }

    #[test]
    fn cosignature_keys_have_their_own_key_id() {
        let a = NoteSigner::from_seed_typed("w", KeyType::Ed25519, &[3; 32]).unwrap();
        let b = NoteSigner::from_seed_typed("w", KeyType::CosignatureV1, &[3; 32]).unwrap();
        assert_ne!(a.key_id(), b.key_id());
        let v = NoteVerifier::from_vkey(&b.verifier().to_vkey()).unwrap();
        assert_eq!(v.key_type(), KeyType::CosignatureV1);
    }
}
