// RFC 8785 JSON Canonicalization Scheme (JCS), the byte form every envelope is signed in.
//
// - Objects: members sorted by key, comparing keys as arrays of UTF-16 code units (which is
//   what JavaScript's default string comparison does); no whitespace.
// - Numbers: the ECMAScript Number-to-String algorithm (JSON.stringify of a finite number is
//   exactly that), with -0 written as 0; NaN and Infinity are not JSON and are refused.
// - Strings: JSON.stringify's escaping (\b \t \n \f \r \" \\ and \u00XX, lower-case hex, for
//   other control characters; everything else, U+2028 included, literal). Lone surrogates are
//   not Unicode text, so RFC 8785 §3.2.2.2 asks for an error: they are refused.
// - Object members whose value is `undefined` are left out (as JSON.stringify does), so optional
//   form fields can be left unset; `undefined` inside an array, functions, symbols and BigInts
//   are refused rather than silently changed.

/** Returns the canonical JSON text of `value` (a string; encode it as UTF-8 to sign it). */
export function canonicalize(value) {
  return write(value, '$');
}

/** The canonical form as UTF-8 bytes. */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}

function write(value, path) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`JCS: ${path} is ${value}, which JSON cannot hold`);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'string':
      return writeString(value, path);
    case 'object':
      if (Array.isArray(value)) {
        return '[' + value.map((item, i) => {
          if (item === undefined) throw new TypeError(`JCS: ${path}[${i}] is undefined`);
          return write(item, `${path}[${i}]`);
        }).join(',') + ']';
      }
      if (typeof value.toJSON === 'function') {
        return write(value.toJSON(), path);
      }
      return writeObject(value, path);
    default:
      throw new TypeError(`JCS: ${path} is a ${typeof value}, which JSON cannot hold`);
  }
}

function writeObject(object, path) {
  const keys = Object.keys(object).filter((k) => object[k] !== undefined);
  keys.sort(); // default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires
  const members = keys.map((key) => writeString(key, `${path} key`) + ':' + write(object[key], `${path}.${key}`));
  return '{' + members.join(',') + '}';
}

function writeString(text, path) {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
      throw new TypeError(`JCS: ${path} holds a lone surrogate at ${i}`);
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) throw new TypeError(`JCS: ${path} holds a lone surrogate at ${i}`);
  }
  return JSON.stringify(text);
}
