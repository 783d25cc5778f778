//! The track-state CSV read by `jic deconflict tracks` and the conflict CSV it prints.
//!
//! # Input
//!
//! UTF-8 text, one header line and one aircraft per line:
//!
//! ```text
//! id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm
//! RJA101,33.51,36.29,31000,450,45,0
//! ```
//!
//! - The header must name the seven columns `id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm`, each once,
//!   in any order; other columns are ignored. A UTF-8 byte-order mark and CRLF line ends are
//!   accepted; blank lines are skipped.
//! - Fields follow RFC 4180 on a single line: a field may be double-quoted (`""` is a quote);
//!   unquoted fields are trimmed of spaces. A quoted field cannot span lines.
//! - `lat` in [−90, 90], `lon` in [−180, 180] (degrees), `gs_kt` ≥ 0; generous physical limits
//!   (|`alt_ft`| ≤ 1e6, `gs_kt` ≤ 1e5, |`vs_fpm`| ≤ 1e6, |`trk_deg`| ≤ 1e6) keep the arithmetic
//!   far from overflow. `nan`, `inf` and empty numbers are errors.
//! - `id` is a non-empty string. A repeated id is an error for the later row (the first one is
//!   kept): two states for one aircraft would make a conflict with itself.
//!
//! A bad row does not stop the parse: it is reported with its 1-based line number and reason
//! in [`ParsedStates::errors`] and the good rows are kept. A bad header is an error for the
//! whole file.
//!
//! # Output
//!
//! ```text
//! id1,id2,tcpa_s,dcpa_nm,tin_s,tout_s
//! RJA101,SYR202,79.999999,0.000000,59.999999,99.999999
//! ```
//!
//! One row per conflicting unordered pair, `id1 < id2` in byte order, rows sorted by
//! `(id1, id2)`, six decimals. `tin_s` may be `-inf` and `tout_s` `inf` (see
//! [`crate::track`]). Ids containing `,`, `"`, CR or LF are quoted.

use crate::Error;
use crate::track::{TrackConflict, TrackState, validate_state};
use crate::units::m_to_nm;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The header `jic deconflict tracks` expects.
pub const STATES_HEADER: &str = "id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm";
/// The header `jic deconflict tracks` prints.
pub const CONFLICTS_HEADER: &str = "id1,id2,tcpa_s,dcpa_nm,tin_s,tout_s";

/// One accepted row.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// 1-based line number in the input.
    pub line: usize,
    /// Aircraft identifier.
    pub id: String,
    /// Its state.
    pub state: TrackState,
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the input.
    pub line: usize,
    /// Why it was rejected.
    pub reason: String,
}

/// The result of reading a states file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedStates {
    /// Accepted rows, in input order.
    pub rows: Vec<StateRow>,
    /// Rejected rows, in input order.
    pub errors: Vec<RowError>,
}

const COLUMNS: [&str; 7] = ["id", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm"];

/// Parses a states CSV (see the module docs for the format).
///
/// ```
/// use jic_deconflict::states_csv::parse_states;
/// let parsed = parse_states("id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\nA,35.0,38.0,30000,420,90,0\nB,95,38,0,0,0,0\n")?;
/// assert_eq!(parsed.rows.len(), 1);
/// assert_eq!(parsed.errors[0].line, 3);
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
///
/// # Errors
/// [`Error::Parse`] when the header is missing or does not name the seven columns.
pub fn parse_states(text: &str) -> Result<ParsedStates, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
    let (header_line, header) = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .ok_or_else(|| {
            Error::Parse(format!("empty file: expected the header `{STATES_HEADER}`"))
        })?;
    let names = split_fields(header)
        .map_err(|e| Error::Parse(format!("line {header_line}: header: {e}")))?;
    let mut position = [usize::MAX; 7];
    for (col, name) in names.iter().enumerate() {
        if let Some(k) = COLUMNS.iter().position(|c| c == name) {
            if position[k] != usize::MAX {
                return Err(Error::Parse(format!(
                    "line {header_line}: header names `{name}` twice"
                )));
            }
            position[k] = col;
        }
    }
    if let Some(k) = position.iter().position(|&p| p == usize::MAX) {
        return Err(Error::Parse(format!(
            "line {header_line}: header lacks the column `{}`; expected `{STATES_HEADER}`",
            COLUMNS[k]
        )));
    }

    let mut parsed = ParsedStates::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        match parse_row(text, &position, names.len()) {
            Ok((id, state)) => {
                if let Some(first) = seen.get(&id) {
                    parsed.errors.push(RowError {
                        line,
                        reason: format!("duplicate id `{id}` (first on line {first})"),
                    });
                } else {
                    seen.insert(id.clone(), line);
                    parsed.rows.push(StateRow { line, id, state });
                }
            }
            Err(reason) => parsed.errors.push(RowError { line, reason }),
        }
    }
    Ok(parsed)
}

fn parse_row(
    text: &str,
    position: &[usize; 7],
    expected: usize,
) -> Result<(String, TrackState), String> {
    let fields = split_fields(text)?;
    if fields.len() != expected {
        return Err(format!(
            "{} fields, the header has {expected}",
            fields.len()
        ));
    }
    let id = fields[position[0]].clone();
    if id.is_empty() {
        return Err("empty id".to_owned());
    }
    let number = |k: usize| -> Result<f64, String> {
        let raw = fields[position[k]].as_str();
        let value: f64 = raw
            .parse()
            .map_err(|_| format!("{}: `{raw}` is not a number", COLUMNS[k]))?;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(format!("{}: `{raw}` is not a finite number", COLUMNS[k]))
        }
    };
    let state = TrackState {
        lat_deg: number(1)?,
        lon_deg: number(2)?,
        alt_ft: number(3)?,
        gs_kt: number(4)?,
        trk_deg: number(5)?,
        vs_fpm: number(6)?,
    };
    validate_state(&state)?;
    Ok((id, state))
}

/// Splits one CSV line into fields (RFC 4180 quoting, unquoted fields trimmed).
fn split_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        // Skip leading spaces before a possible opening quote.
        while chars.peek() == Some(&' ') || chars.peek() == Some(&'\t') {
            chars.next();
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("unterminated quoted field".to_owned()),
                }
            }
            while chars.peek() == Some(&' ') || chars.peek() == Some(&'\t') {
                chars.next();
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(c) => return Err(format!("unexpected `{c}` after a quoted field")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field.trim().to_owned());
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => return Err("a quote inside an unquoted field".to_owned()),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field.trim().to_owned());
        }
    }
}

/// One output row: ids in byte order plus the conflict values in CSV units.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRow<'a> {
    /// The smaller id (byte order).
    pub id1: &'a str,
    /// The larger id.
    pub id2: &'a str,
    /// Time to closest approach, seconds.
    pub tcpa_s: f64,
    /// Distance at closest approach, nautical miles.
    pub dcpa_nm: f64,
    /// Start of the loss of separation, seconds.
    pub tin_s: f64,
    /// End of the loss of separation, seconds.
    pub tout_s: f64,
}

/// Orders conflicts for output: `id1 < id2` in byte order, rows sorted by `(id1, id2)`.
///
/// `ids[k]` is the id of the state at index `k` of the detector's input.
#[must_use]
pub fn conflict_rows<'a>(ids: &[&'a str], conflicts: &[TrackConflict]) -> Vec<ConflictRow<'a>> {
    let mut rows: Vec<ConflictRow<'a>> = conflicts
        .iter()
        .map(|c| {
            let (a, b) = (ids[c.first], ids[c.second]);
            let (id1, id2) = if a.as_bytes() <= b.as_bytes() {
                (a, b)
            } else {
                (b, a)
            };
            ConflictRow {
                id1,
                id2,
                tcpa_s: c.tcpa_s,
                dcpa_nm: m_to_nm(c.dcpa_m),
                tin_s: c.tin_s,
                tout_s: c.tout_s,
            }
        })
        .collect();
    rows.sort_unstable_by(|x, y| {
        (x.id1.as_bytes(), x.id2.as_bytes()).cmp(&(y.id1.as_bytes(), y.id2.as_bytes()))
    });
    rows
}

/// Writes the conflict CSV (header included).
#[must_use]
pub fn format_conflicts(rows: &[ConflictRow<'_>]) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(CONFLICTS_HEADER);
    out.push('\n');
    for r in rows {
        push_field(&mut out, r.id1);
        out.push(',');
        push_field(&mut out, r.id2);
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            ",{:.6},{:.6},{:.6},{:.6}",
            r.tcpa_s, r.dcpa_nm, r.tin_s, r.tout_s
        );
    }
    out
}

/// Appends a CSV field, quoted when it must be.
pub fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) || field.trim() != field {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}
