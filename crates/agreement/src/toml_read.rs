//! Typed, span-keeping reads from a parsed TOML document, collecting every problem instead of
//! stopping at the first (serde's `deny_unknown_fields` stops at the first unknown key).

use std::ops::Range;
use std::str::FromStr;

use jiff::Timestamp;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, SourceMap};
use crate::model::Keyword;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Where diagnostics for one TOML file go.
pub(crate) struct Reader<'s> {
    pub(crate) map: SourceMap<'s>,
    pub(crate) diags: Vec<Diagnostic>,
}

/// A table being read: remembers which keys were asked for, so the rest are unknown.
pub(crate) struct Table<'t, 'i> {
    /// How the table is named in messages (e.g. "[[rules]] `no_air_ops`").
    pub(crate) name: String,
    pub(crate) span: Range<usize>,
    entries: &'t DeTable<'i>,
    known: Vec<&'static str>,
}

impl<'t, 'i> Table<'t, 'i> {
    pub(crate) fn new(
        name: impl Into<String>,
        span: Range<usize>,
        entries: &'t DeTable<'i>,
    ) -> Self {
        Self {
            name: name.into(),
            span,
            entries,
            known: Vec::new(),
        }
    }

    pub(crate) fn rename(&mut self, name: String) {
        self.name = name;
    }

    fn take(&mut self, key: &'static str) -> Option<&'t Value<'i>> {
        self.known.push(key);
        self.entries.get(key)
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys and keywords.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// "did you mean `x`? " when a candidate is close, else "".
pub(crate) fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min()
        .map_or_else(String::new, |(_, c)| format!("did you mean `{c}`? "))
}

impl<'s> Reader<'s> {
    pub(crate) fn new(map: SourceMap<'s>) -> Self {
        Self {
            map,
            diags: Vec::new(),
        }
    }

    pub(crate) fn error(
        &mut self,
        span: &Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(self.map.diagnostic(span.start, message, hint));
    }

    /// Reports every key of `table` that was never asked for.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "taking the table by value ends its reading: nothing can be read after the unknown-key check"
    )]
    pub(crate) fn finish(&mut self, table: Table<'_, '_>) {
        for (key, _) in table.entries.iter() {
            let name: &str = key.get_ref();
            if !table.known.contains(&name) {
                let mut known = table.known.clone();
                known.sort_unstable();
                known.dedup();
                let hint = format!(
                    "{}remove it; keys allowed here: {}",
                    suggestion(name, known.iter().copied()),
                    known.join(", ")
                );
                self.error(
                    &key.span(),
                    format!("unknown key `{name}` in {}", table.name),
                    hint,
                );
            }
        }
    }

    fn missing(&mut self, table: &Table<'_, '_>, key: &str, example: &str) {
        self.error(
            &table.span,
            format!("missing key `{key}` in {}", table.name),
            format!("add `{key} = {example}`"),
        );
    }

    fn wrong_type(
        &mut self,
        table: &Table<'_, '_>,
        key: &str,
        value: &Value<'_>,
        expected: &str,
        example: &str,
    ) {
        self.error(
            &value.span(),
            format!(
                "`{key}` in {} must be {expected}, not {}",
                table.name,
                value.get_ref().type_str()
            ),
            format!("write it like `{key} = {example}`"),
        );
    }

    /// A sub-table (standard or inline).
    pub(crate) fn table<'t, 'i>(
        &mut self,
        t: &mut Table<'t, 'i>,
        key: &'static str,
    ) -> Option<Table<'t, 'i>> {
        let value = t.take(key)?;
        match value.get_ref() {
            DeValue::Table(entries) => Some(Table::new(format!("`{key}`"), value.span(), entries)),
            _ => {
                self.wrong_type(t, key, value, "a table", "{ ... }");
                None
            }
        }
    }

    /// An array of tables (`[[key]]`); each item named `[[key]] #n` until it is renamed by id.
    pub(crate) fn tables<'t, 'i>(
        &mut self,
        t: &mut Table<'t, 'i>,
        key: &'static str,
    ) -> Vec<Table<'t, 'i>> {
        let Some(value) = t.take(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(t, key, value, "an array of tables", "[{ ... }]");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (n, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(entries) => out.push(Table::new(
                    format!("[[{key}]] #{}", n + 1),
                    item.span(),
                    entries,
                )),
                other => self.error(
                    &item.span(),
                    format!(
                        "entries of `{key}` must be tables, not {}",
                        other.type_str()
                    ),
                    format!("write each entry as a `[[{key}]]` section"),
                ),
            }
        }
        out
    }

    pub(crate) fn string(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        required: bool,
    ) -> Option<(String, Range<usize>)> {
        let Some(value) = t.take(key) else {
            if required {
                self.missing(t, key, "\"...\"");
            }
            return None;
        };
        match value.get_ref() {
            DeValue::String(s) if s.trim().is_empty() && required => {
                self.error(
                    &value.span(),
                    format!("`{key}` in {} is empty", t.name),
                    "give it a value",
                );
                None
            }
            DeValue::String(s) => Some((s.to_string(), value.span())),
            _ => {
                self.wrong_type(t, key, value, "a string", "\"...\"");
                None
            }
        }
    }

    /// An array of strings (a single string is accepted as a one-element array).
    pub(crate) fn strings(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        required: bool,
    ) -> Vec<(String, Range<usize>)> {
        let Some(value) = t.take(key) else {
            if required {
                self.missing(t, key, "[\"...\"]");
            }
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::String(s) => vec![(s.to_string(), value.span())],
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(s) => out.push((s.to_string(), item.span())),
                        other => self.error(
                            &item.span(),
                            format!(
                                "`{key}` in {} must list strings, not {}",
                                t.name,
                                other.type_str()
                            ),
                            "quote the value",
                        ),
                    }
                }
                out
            }
            _ => {
                self.wrong_type(t, key, value, "an array of strings", "[\"...\"]");
                Vec::new()
            }
        }
    }

    fn keyword_at<K: Keyword>(&mut self, what: &str, word: &str, span: &Range<usize>) -> Option<K> {
        let parsed = K::parse(word);
        if parsed.is_none() {
            let words: Vec<&str> = K::ALL.iter().map(|(w, _)| *w).collect();
            self.error(
                span,
                format!("unknown {what} `{word}`"),
                format!(
                    "{}use one of: {}",
                    suggestion(word, words.iter().copied()),
                    words.join(", ")
                ),
            );
        }
        parsed
    }

    pub(crate) fn keyword<K: Keyword>(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        what: &str,
        required: bool,
    ) -> Option<K> {
        let (word, span) = self.string(t, key, required)?;
        self.keyword_at(what, &word, &span)
    }

    pub(crate) fn keywords<K: Keyword>(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        what: &str,
        required: bool,
    ) -> Vec<K> {
        let words = self.strings(t, key, required);
        words
            .iter()
            .filter_map(|(w, span)| self.keyword_at(what, w, span))
            .collect()
    }

    /// A finite number within `[min, max]` (integers are accepted where floats are expected).
    pub(crate) fn number(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        min: f64,
        max: f64,
    ) -> Option<f64> {
        let value = t.take(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|v| v as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => {
                self.wrong_type(t, key, value, "a number", &format!("{min}"));
                return None;
            }
        };
        match parsed {
            Some(v) if v.is_finite() && v >= min && v <= max => Some(v + 0.0),
            _ => {
                self.error(
                    &value.span(),
                    format!("`{key}` in {} must be between {min} and {max}", t.name),
                    "change the value",
                );
                None
            }
        }
    }

    /// A whole number within `[min, max]`.
    pub(crate) fn integer(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        min: u32,
        max: u32,
        required: bool,
    ) -> Option<u32> {
        let Some(value) = t.take(key) else {
            if required {
                self.missing(t, key, &min.to_string());
            }
            return None;
        };
        let DeValue::Integer(i) = value.get_ref() else {
            self.wrong_type(t, key, value, "a whole number", &min.to_string());
            return None;
        };
        match i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .and_then(|v| u32::try_from(v).ok())
        {
            Some(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                self.error(
                    &value.span(),
                    format!("`{key}` in {} must be between {min} and {max}", t.name),
                    "change the value",
                );
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, t: &mut Table<'_, '_>, key: &'static str) -> Option<bool> {
        let value = t.take(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(t, key, value, "true or false", "true");
                None
            }
        }
    }

    /// An instant with an explicit UTC offset (a TOML offset date-time, or an RFC 3339 string).
    pub(crate) fn timestamp(
        &mut self,
        t: &mut Table<'_, '_>,
        key: &'static str,
        required: bool,
    ) -> Option<Timestamp> {
        let Some(value) = t.take(key) else {
            if required {
                self.missing(t, key, "2016-09-12T19:00:00+03:00");
            }
            return None;
        };
        let text = match value.get_ref() {
            DeValue::Datetime(dt) => dt.to_string(),
            DeValue::String(s) => s.to_string(),
            _ => {
                self.wrong_type(
                    t,
                    key,
                    value,
                    "a date-time with offset",
                    "2016-09-12T19:00:00+03:00",
                );
                return None;
            }
        };
        match Timestamp::from_str(&text) {
            Ok(ts) => Some(ts),
            Err(_) => {
                self.error(
                    &value.span(),
                    format!("`{key}` in {} is not an instant with a UTC offset: `{text}`", t.name),
                    "write a full date-time with its offset, e.g. 2016-09-12T19:00:00+03:00 (local Syria time in 2016 was +03:00)",
                );
                None
            }
        }
    }

    /// A fixed UTC offset `±HH:MM`, in seconds.
    pub(crate) fn utc_offset(&mut self, t: &mut Table<'_, '_>, key: &'static str) -> Option<i32> {
        let (text, span) = self.string(t, key, false)?;
        let parsed = parse_offset(&text);
        if parsed.is_none() {
            self.error(
                &span,
                format!("`{key}` in {} is not a UTC offset: `{text}`", t.name),
                "write it as ±HH:MM, e.g. \"+03:00\"",
            );
        }
        parsed
    }
}

/// Parses `±HH:MM` (hours ≤ 18) into seconds east of UTC.
pub(crate) fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+03:00"), Some(10_800));
        assert_eq!(parse_offset("-05:30"), Some(-19_800));
        for bad in ["03:00", "+3:00", "+19:00", "+03:60", "", "+", "+ab:cd"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggestion("verdcit", ["verdict", "phases"]),
            "did you mean `verdict`? "
        );
        assert_eq!(suggestion("colour", ["verdict", "phases"]), "");
    }
}
