// Keys, envelopes and signatures for browser filings (DESIGN.md §3.3), with WebCrypto Ed25519.
//
// Key files are C2SP signed-note keys:
//   private  PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ 32-byte seed)>
//   verifier <name>+<hash>+<base64(0x01 ‖ 32-byte public key)>
// where <hash> is the first 4 bytes, in hex, of SHA-256(<name> ‖ "\n" ‖ 0x01 ‖ public key).
// The seed is imported as a non-extractable CryptoKey and the text is dropped: the key lives in
// this page's memory only and is gone on reload.
//
// An envelope {"v":1,"kind","party","key","seq","time","payload"} is signed over its RFC 8785
// canonical bytes. A restricted kind carries "payload_commitment" = base64(SHA-256(salt ‖
// JCS(payload))) instead of "payload", and the plaintext travels beside it with the salt.

import { canonicalBytes } from './jcs.js';

const ED25519 = { name: 'Ed25519' };
const ALG_ED25519 = 0x01;
// PKCS#8 wrapper for a raw Ed25519 seed (RFC 8410): SEQUENCE { INTEGER 0, SEQUENCE { OID
// 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }. WebCrypto imports private keys only in
// PKCS#8 or JWK form.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** Base64 (standard alphabet, padded) of bytes. */
export function toBase64(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Bytes of a base64 string; throws on anything that is not base64. */
export function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('not base64');
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64Url(text) {
  return text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The 4-byte key hash of a signed-note key, as 8 hex digits. */
export async function keyHash(name, publicKey) {
  const data = new Uint8Array([...new TextEncoder().encode(name + '\n'), ALG_ED25519, ...publicKey]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return toHex(digest.subarray(0, 4));
}

/**
 * Parses a C2SP private key line and imports it. Returns
 * `{ name, hash, verifierKey, publicKey, privateKey }` where `privateKey` is a non-extractable
 * CryptoKey. Throws an Error whose message tells the user what is wrong.
 */
export async function importSigningKey(text) {
  const line = text.trim();
  // Base64 uses '+' too: the key material is everything after the fourth separator.
  const parts = line.split('+');
  if (parts.length < 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new Error('not a signing key: expected PRIVATE+KEY+name+hash+key (a verifier key cannot sign)');
  }
  const [, , name, hash] = parts;
  const encoded = parts.slice(4).join('+');
  if (!name || /[\s+]/.test(name)) throw new Error('the key name is empty or holds spaces');
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new Error('the key hash must be 8 lower-case hex digits');
  let raw;
  try { raw = fromBase64(encoded); } catch { throw new Error('the key material is not base64'); }
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) throw new Error('the key material is not an Ed25519 seed (0x01 followed by 32 bytes)');
  const seed = raw.subarray(1);
  const pkcs8 = new Uint8Array([...PKCS8_PREFIX, ...seed]);
  // Import once extractable to learn the public key (JWK "x"), then again non-extractable for
  // signing; the extractable handle goes out of scope here.
  const exportable = await crypto.subtle.importKey('pkcs8', pkcs8, ED25519, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', exportable);
  const publicKey = fromBase64(jwk.x.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(jwk.x.length / 4) * 4, '='));
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, ED25519, false, ['sign']);
  pkcs8.fill(0);
  const expected = await keyHash(name, publicKey);
  if (expected !== hash) throw new Error(`the key hash ${hash} does not match the key (expected ${expected}); the file is damaged`);
  const verifierKey = `${name}+${hash}+${toBase64(new Uint8Array([ALG_ED25519, ...publicKey]))}`;
  return { name, hash, verifierKey, publicKey, privateKey };
}

/** Writes a private key line for a seed (used by tests and by nothing that stores keys). */
export async function formatSigningKey(name, seed) {
  const pkcs8 = new Uint8Array([...PKCS8_PREFIX, ...seed]);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, ED25519, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const publicKey = fromBase64(jwk.x.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(jwk.x.length / 4) * 4, '='));
  const hash = await keyHash(name, publicKey);
  return `PRIVATE+KEY+${name}+${hash}+${toBase64(new Uint8Array([ALG_ED25519, ...seed]))}`;
}

/** SHA-256(salt ‖ JCS(payload)), base64: the commitment a restricted envelope carries. */
export async function payloadCommitment(salt, payload) {
  const data = new Uint8Array([...salt, ...canonicalBytes(payload)]);
  return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));
}

/**
 * Builds the envelope for a filing. `restricted` puts a commitment in place of the payload and
 * returns the plaintext and salt to send beside it. `salt` may be given (tests); otherwise 32
 * random bytes.
 */
export async function buildEnvelope({ kind, party, key, seq, time, payload, restricted = false, salt }) {
  const envelope = { v: 1, kind, party, key, seq, time };
  if (!restricted) {
    envelope.payload = payload;
    return { envelope };
  }
  const saltBytes = salt ?? crypto.getRandomValues(new Uint8Array(32));
  envelope.payload_commitment = await payloadCommitment(saltBytes, payload);
  return { envelope, payload, salt: toBase64(saltBytes) };
}

/** Signs an envelope; returns the wire object `{envelope, sig[, payload, salt]}`. */
export async function signEnvelope(built, privateKey) {
  const bytes = canonicalBytes(built.envelope);
  const signature = new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, bytes));
  const wire = { envelope: built.envelope, sig: toBase64(signature) };
  if (built.salt !== undefined) {
    wire.payload = built.payload;
    wire.salt = built.salt;
  }
  return wire;
}

/** Verifies a wire object's signature against a raw 32-byte public key (tests, self-checks). */
export async function verifyWire(wire, publicKey) {
  const key = await crypto.subtle.importKey('raw', publicKey, ED25519, false, ['verify']);
  return crypto.subtle.verify(ED25519, key, fromBase64(wire.sig), canonicalBytes(wire.envelope));
}

export { base64Url };
