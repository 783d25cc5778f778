// RFC 8785 vectors for the page's JCS implementation (run: node --test test-unit/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize } from '../src/js/jcs.js';

function fromBits(hex) {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + hex));
  return view.getFloat64(0);
}

test('numbers follow ECMAScript Number.toString (RFC 8785 appendix B)', () => {
  const cases = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['c2b0000000000000', '-17592186044416'],
  ];
  for (const [bits, expected] of cases) {
    assert.equal(canonicalize(fromBits(bits)), expected, bits);
  }
});

test('NaN and infinities are refused', () => {
  for (const bad of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
    assert.throws(() => canonicalize({ x: fromBits(bad) }), /JSON cannot hold/);
  }
});

test('the RFC 8785 §3.2.2 example canonicalises byte for byte', () => {
  const input = JSON.parse(String.raw`{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  }`);
  const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
  assert.equal(canonicalize(input), expected);
});

test('keys sort by UTF-16 code units (RFC 8785 §3.2.3)', () => {
  const input = JSON.parse(String.raw`{
    "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  }`);
  // Read the order off the text: JSON.parse would move the integer-like key "1" first again.
  const text = canonicalize(input);
  const order = [...text.matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(order, [
    'Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign',
    'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh',
  ]);
  // An astral character (surrogate pair D83D…) sorts before U+FB33 by code units, though its
  // code point is larger: a code-point sort would get this wrong.
  assert.ok(canonicalize(input).indexOf('😀') < canonicalize(input).indexOf('\ufb33'));
});

test('nested envelopes, escapes and literal U+2028', () => {
  const envelope = { v: 1, time: '2016-09-19T10:52:00Z', payload: { b: [1, { z: null, a: -0 }], a: 'line\u2028sep\ttab' }, kind: 'k' };
  assert.equal(canonicalize(envelope), '{"kind":"k","payload":{"a":"line\u2028sep\\ttab","b":[1,{"a":0,"z":null}]},"time":"2016-09-19T10:52:00Z","v":1}');
});

test('undefined members are omitted; other non-JSON values are refused', () => {
  assert.equal(canonicalize({ a: undefined, b: 1 }), '{"b":1}');
  assert.throws(() => canonicalize([undefined]), /undefined/);
  assert.throws(() => canonicalize({ f: () => 1 }), /function/);
  assert.throws(() => canonicalize({ n: 1n }), /bigint/);
  assert.throws(() => canonicalize({ s: 'a\ud800b' }), /lone surrogate/);
  assert.throws(() => canonicalize({ s: '\udc00' }), /lone surrogate/);
  assert.equal(canonicalize({ s: '\ud83d\ude00' }), '{"s":"😀"}');
});
