//! A small JSON parser that remembers where every value starts, so GeoJSON problems can be
//! reported at the line and column of the offending feature or coordinate.
//!
//! Why not serde_json: it reports positions for syntax errors only, and a negotiator fixing a
//! self-intersecting polygon needs the position of the vertex. The grammar is RFC 8259; nesting
//! is capped at [`MAX_DEPTH`] so hostile input cannot exhaust the stack.

/// Deepest nesting accepted (GeoJSON MultiPolygons need 6).
pub(crate) const MAX_DEPTH: usize = 64;

/// A JSON value and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JValue {
    pub(crate) start: usize,
    pub(crate) kind: JKind,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JKind {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<JValue>),
    /// Members in document order: key, key offset, value.
    Obj(Vec<(String, usize, JValue)>),
}

impl JValue {
    /// The member `key` of an object (the first one if repeated).
    pub(crate) fn get(&self, key: &str) -> Option<&JValue> {
        match &self.kind {
            JKind::Obj(members) => members.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self.kind {
            JKind::Null => "null",
            JKind::Bool(_) => "a boolean",
            JKind::Num(_) => "a number",
            JKind::Str(_) => "a string",
            JKind::Arr(_) => "an array",
            JKind::Obj(_) => "an object",
        }
    }
}

/// A syntax error: byte offset and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

/// Parses a complete JSON text.
pub(crate) fn parse(text: &str) -> Result<JValue, SyntaxError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    // A UTF-8 byte order mark is tolerated: some GIS exports write one.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.to_owned(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<JValue, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.skip_ws();
        let start = self.pos;
        let kind = match self.bytes.get(self.pos) {
            None => return Err(self.error("unexpected end of file, expected a value")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JKind::Str(self.string()?),
            Some(b't') => self.literal("true", JKind::Bool(true))?,
            Some(b'f') => self.literal("false", JKind::Bool(false))?,
            Some(b'n') => self.literal("null", JKind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
        };
        Ok(JValue { start, kind })
    }

    fn literal(&mut self, word: &str, kind: JKind) -> Result<JKind, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<JKind, SyntaxError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while let Some(b'0'..=b'9') = p.bytes.get(p.pos) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if self.bytes.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.error("malformed number"));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("malformed number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("malformed number: digits expected in the exponent"));
            }
        }
        let slice = self.text.get(start..self.pos).unwrap_or("");
        match slice.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(JKind::Num(v)),
            Ok(_) => Err(SyntaxError {
                offset: start,
                message: "number out of range".into(),
            }),
            Err(_) => Err(SyntaxError {
                offset: start,
                message: "malformed number".into(),
            }),
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or(""));
            match self.bytes.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(&esc) = self.bytes.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(self.error("unknown escape in string")),
                    }
                }
                Some(_) => return Err(self.error("control character in string; escape it")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let slice = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("bad \\u escape"))?;
        let v = u32::from_str_radix(slice, 16).map_err(|_| self.error("bad \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.bytes[self.pos..].starts_with(b"\\u") {
                return Err(self.error("unpaired surrogate in \\u escape"));
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("unpaired surrogate in \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid code point in \\u escape"))
    }

    fn array(&mut self, depth: usize) -> Result<JKind, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(JKind::Arr(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JKind::Arr(items));
                }
                _ => return Err(self.error("expected ',' or ']' in array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JKind, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(JKind::Obj(members));
        }
        loop {
            self.skip_ws();
            let key_start = self.pos;
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a quoted member name"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error("expected ':' after the member name"));
            }
            self.pos += 1;
            let value = self.value(depth + 1)?;
            members.push((key, key_start, value));
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JKind::Obj(members));
                }
                _ => return Err(self.error("expected ',' or '}' in object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positions_are_recorded() {
        let v = parse(r#"{"a": [1, -2.5e1, "x\u00e9\ud83d\ude00"], "b": null}"#).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(a.start, 6);
        let JKind::Arr(items) = &a.kind else {
            panic!("array expected")
        };
        assert_eq!(
            items[1],
            JValue {
                start: 10,
                kind: JKind::Num(-25.0)
            }
        );
        assert_eq!(items[2].as_str(), Some("xé😀"));
        assert_eq!(v.get("b").unwrap().kind, JKind::Null);
    }

    #[test]
    fn errors_have_offsets() {
        for (text, offset) in [
            ("[1, 2", 5),
            ("{\"a\" 1}", 5),
            ("[01]", 2),
            ("\"abc", 4),
            ("[1] x", 4),
            ("", 0),
        ] {
            assert_eq!(parse(text).map_err(|e| e.offset), Err(offset), "{text}");
        }
        let deep = "[".repeat(MAX_DEPTH + 2);
        assert!(parse(&deep).is_err());
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json(text in "[\\[\\]{}\",:0-9a-z .eE+\\-\\\\]{0,40}") {
            let ours = parse(&text).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            prop_assert_eq!(ours, theirs);
        }
    }
}
