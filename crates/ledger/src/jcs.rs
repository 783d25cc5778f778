//! RFC 8785 JSON Canonicalization Scheme (JCS) over `serde_json::Value`.
//!
//! The canonical form is what parties sign, so two implementations must produce the same bytes:
//! - no whitespace;
//! - object members sorted by their names compared as arrays of UTF-16 code units (RFC 8785
//!   §3.2.3), which differs from UTF-8 byte order for characters above U+FFFF;
//! - strings escaped as ECMAScript's `JSON.stringify` does: `\"`, `\\`, `\b`, `\t`, `\n`, `\f`,
//!   `\r`, other characters below U+0020 as `\u00xx` (lowercase hex), everything else literal;
//! - numbers serialised as ECMAScript's `Number.prototype.toString` (shortest round-trip, via
//!   `ryu-js`).
//!
//! JCS requires I-JSON (RFC 7493) input, so integers outside ±(2⁵³ − 1) — which an IEEE double
//! cannot hold exactly — are refused rather than silently rounded.
//!
//! ```
//! let v: serde_json::Value = serde_json::from_str(r#"{"b": 1.50, "a": [true, null, "é\n"]}"#).unwrap();
//! assert_eq!(jic_ledger::jcs::to_string(&v).unwrap(), "{\"a\":[true,null,\"é\\n\"],\"b\":1.5}");
//! ```

use serde_json::Value;

use crate::LedgerError;

/// The largest integer magnitude an IEEE double represents exactly (2⁵³ − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The canonical bytes of a JSON value.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, LedgerError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value)?;
    Ok(out)
}

/// The canonical text of a JSON value.
pub fn to_string(value: &Value) -> Result<String, LedgerError> {
    let bytes = to_vec(value)?;
    // Only valid UTF-8 is ever written: the input strings are Rust strings.
    String::from_utf8(bytes)
        .map_err(|_| LedgerError::MalformedEnvelope("canonical JSON is not UTF-8".into()))
}

fn write_value(out: &mut Vec<u8>, value: &Value) -> Result<(), LedgerError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, k);
                out.push(b':');
                write_value(out, v)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &serde_json::Number) -> Result<(), LedgerError> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(LedgerError::MalformedEnvelope(format!(
                "the integer {u} is beyond ±(2^53 − 1) and cannot be canonicalised (RFC 8785 requires I-JSON)"
            )));
        }
        out.extend_from_slice(u.to_string().as_bytes());
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(LedgerError::MalformedEnvelope(format!(
                "the integer {i} is beyond ±(2^53 − 1) and cannot be canonicalised (RFC 8785 requires I-JSON)"
            )));
        }
        out.extend_from_slice(i.to_string().as_bytes());
    } else if let Some(f) = n.as_f64() {
        if !f.is_finite() {
            return Err(LedgerError::MalformedEnvelope("non-finite number".into()));
        }
        if f == 0.0 {
            // ECMAScript prints both zeros as "0".
            out.push(b'0');
        } else {
            out.extend_from_slice(ryu_js::Buffer::new().format_finite(f).as_bytes());
        }
    } else {
        return Err(LedgerError::MalformedEnvelope(
            "unrepresentable number".into(),
        ));
    }
    Ok(())
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let v: Value = serde_json::from_str(input).unwrap();
        assert_eq!(to_string(&v).unwrap(), expected, "input: {input}");
    }

    #[test]
    fn rfc8785_examples() {
        // RFC 8785 §3.2.2 (values) and §3.2.3 (sorting) examples.
        check(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#,
        );
        check(
            r#"{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
                "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
                "\u00f6": "Latin Small Letter O With Diaeresis"}"#,
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
        );
    }

    #[test]
    fn number_forms_follow_ecmascript() {
        check(
            "[0, -0.0, 1.0, -1, 100, 1e21, 1e20, 0.1, 5e-7, 9007199254740991]",
            "[0,0,1,-1,100,1e+21,100000000000000000000,0.1,5e-7,9007199254740991]",
        );
    }

    #[test]
    fn unsafe_integers_are_refused() {
        for input in [
            "9007199254740992",
            "-9007199254740992",
            "18446744073709551615",
        ] {
            let v: Value = serde_json::from_str(input).unwrap();
            assert!(to_vec(&v).is_err(), "{input}");
        }
    }
}
