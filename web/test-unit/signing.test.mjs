// Key parsing, envelope building and signatures, checked against RFC 8032 and node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, sign as nodeSign, createHash } from 'node:crypto';
import {
  importSigningKey, formatSigningKey, buildEnvelope, signEnvelope, verifyWire, payloadCommitment, fromBase64, toBase64,
} from '../src/js/signing.js';

// RFC 8032 §7.1 test 1.
const SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const PUBLIC = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');

function nodeKey(seed) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

test('a C2SP private key imports and yields the RFC 8032 public key and its hash', async () => {
  const line = await formatSigningKey('us-cell', SEED);
  const key = await importSigningKey(line + '\n');
  assert.deepEqual(Buffer.from(key.publicKey), PUBLIC);
  const hash = createHash('sha256').update(Buffer.concat([Buffer.from('us-cell\n'), Buffer.from([1]), PUBLIC])).digest().subarray(0, 4).toString('hex');
  assert.equal(key.hash, hash);
  assert.equal(key.verifierKey, `us-cell+${hash}+${Buffer.concat([Buffer.from([1]), PUBLIC]).toString('base64')}`);
  assert.equal(key.privateKey.extractable, false);
});

test('key material whose base64 holds "+" (the separator) still parses', async () => {
  // 0xfb bytes encode as "+" runs in base64.
  const seed = Buffer.alloc(32, 0xfb);
  const line = await formatSigningKey('un-ocha', seed);
  assert.ok(line.split('+').length > 5, line);
  const key = await importSigningKey(line);
  assert.equal(key.name, 'un-ocha');
  const expected = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const pub = expected.export({ format: 'jwk' }).x;
  assert.equal(Buffer.from(key.publicKey).toString('base64url'), pub);
});

test('damaged or wrong key lines are refused with a reason', async () => {
  const good = await formatSigningKey('us-cell', SEED);
  const parts = good.split('+');
  const cases = [
    ['us-cell+00000000+AQ==', /not a signing key/],
    [[...parts.slice(0, 3), 'zz', parts[4]].join('+'), /8 lower-case hex/],
    [[...parts.slice(0, 3), '00000000', parts[4]].join('+'), /does not match/],
    [[...parts.slice(0, 4), '!!!!'].join('+'), /not base64/],
    [[...parts.slice(0, 4), Buffer.alloc(33, 2).toString('base64')].join('+'), /not an Ed25519 seed/],
  ];
  for (const [line, message] of cases) {
    await assert.rejects(importSigningKey(line), message, line);
  }
});

test('a signed envelope is the Ed25519 signature of its JCS bytes', async () => {
  const key = await importSigningKey(await formatSigningKey('un-ocha', SEED));
  const built = await buildEnvelope({
    kind: 'incident_report', party: 'un', key: key.verifierKey, seq: 7, time: '2016-09-19T16:30:00Z',
    payload: { category: 'airstrike', location: { type: 'Point', coordinates: [36.96775, 36.151583] } },
  });
  const wire = await signEnvelope(built, key.privateKey);
  const canonical = `{"key":"${key.verifierKey}","kind":"incident_report","party":"un","payload":{"category":"airstrike","location":{"coordinates":[36.96775,36.151583],"type":"Point"}},"seq":7,"time":"2016-09-19T16:30:00Z","v":1}`;
  const expected = nodeSign(null, Buffer.from(canonical), nodeKey(SEED)).toString('base64');
  assert.equal(wire.sig, expected);
  assert.equal(await verifyWire(wire, key.publicKey), true);
  wire.envelope.seq = 8;
  assert.equal(await verifyWire(wire, key.publicKey), false);
});

test('restricted payloads travel beside a commitment, not inside the envelope', async () => {
  const key = await importSigningKey(await formatSigningKey('un-ocha', SEED));
  const salt = new Uint8Array(32).fill(9);
  const payload = { name: 'hospital', geometry: { type: 'Point', coordinates: [37.1, 36.2] } };
  const built = await buildEnvelope({ kind: 'humanitarian_notification', party: 'un', key: key.verifierKey, seq: 1, time: '2016-09-19T07:52:00Z', payload, restricted: true, salt });
  const wire = await signEnvelope(built, key.privateKey);
  assert.equal(wire.envelope.payload, undefined);
  assert.deepEqual(wire.payload, payload);
  assert.equal(wire.salt, toBase64(salt));
  const canonicalPayload = '{"geometry":{"coordinates":[37.1,36.2],"type":"Point"},"name":"hospital"}';
  const expected = createHash('sha256').update(Buffer.concat([Buffer.from(salt), Buffer.from(canonicalPayload)])).digest('base64');
  assert.equal(wire.envelope.payload_commitment, expected);
  assert.equal(await payloadCommitment(fromBase64(wire.salt), wire.payload), expected);
  assert.ok(!JSON.stringify(wire.envelope).includes('37.1'));
});
