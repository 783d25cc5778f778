//! CSV import of conflict-event datasets through a column mapping (TOML).
//!
//! # The mapping
//! ```toml
//! [columns]                 # header names in the CSV; date, latitude, longitude are required
//! date = "event_date"
//! time = "event_time"       # optional, HH:MM or HH:MM:SS
//! latitude = "latitude"
//! longitude = "longitude"
//! actor = "actor1"          # resolved to a party or group, else kept as an unknown actor's name
//! target = "actor2"
//! fatalities = "fatalities" # one column: "4", "3-5", "3–5", "3 to 5", "at least 5", "12+"
//! fatalities_low = "deaths_a"   # or two columns
//! fatalities_high = "deaths_b"
//! injured = "injured"
//! description = "notes"
//! source_url = "source"     # several separated by ';'
//! place = "location"
//! category = "event_type"
//! uncertainty_m = "precision_m"
//! precision = "geo_precision"   # a code looked up in [precision_m]
//! id = "event_id"           # a stable row id, used to build the incident id
//!
//! [options]
//! date_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y"]   # strftime, tried in order
//! utc_offset = "+03:00"     # for dates and times without an offset
//! default_category = "other"
//! default_uncertainty_m = 1000
//! delimiter = ","
//! id_prefix = "import-"
//!
//! [categories]              # values of the category column → jic categories
//! "Air/drone strike" = "airstrike"
//!
//! [actors]                  # names → party or group ids (the agreement's names and aliases
//! "Military Forces of Syria" = "syrian_government"   # are tried after these)
//!
//! [precision_m]
//! "1" = 500
//! ```
//!
//! # Rows and files
//! A bad **row** (unparseable date, coordinates out of range or `0,0`, a fatalities range
//! upside down…) is rejected with its line number and every reason; the others are accepted.
//! A bad **file** is refused as a whole with a clear [`ImportError`]: not UTF-8 (with the line
//! and a conversion hint), UTF-16, a line over [`MAX_LINE_BYTES`], more than [`MAX_ROWS`] rows,
//! over [`MAX_FILE_BYTES`], or mapped columns missing from the header (with the header's
//! columns listed). A date-only row becomes a whole-day window at the mapping's UTC offset.
//!
//! Each accepted row carries an `external_id` (the file's SHA-256 prefix and the row id or line)
//! so that submitting the same file twice does not duplicate incidents.

use std::collections::BTreeMap;

use jic_agreement::Agreement;
use jiff::civil::{Date, Time};
use jiff::fmt::strtime;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::incident::{AllegedActor, Casualties, Category, IncidentReport, Location, Occurrence};

/// Largest file accepted, bytes.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Longest line accepted, bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most data rows accepted.
pub const MAX_ROWS: usize = 500_000;

/// Why a file (or its mapping) cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The mapping TOML is malformed or names unknown categories, parties or groups.
    #[error("mapping: {0}")]
    Mapping(String),
    /// The file is not UTF-8.
    #[error(
        "the file is not UTF-8: invalid byte 0x{byte:02x} on line {line} (offset {offset}); {hint}"
    )]
    Encoding {
        /// 1-based line.
        line: u64,
        /// Byte offset in the file.
        offset: usize,
        /// The offending byte.
        byte: u8,
        /// How to fix it.
        hint: &'static str,
    },
    /// The file is UTF-16.
    #[error(
        "the file is UTF-16 ({0}); convert it to UTF-8 first, e.g. `iconv -f UTF-16 -t UTF-8 in.csv > out.csv`"
    )]
    Utf16(&'static str),
    /// A line is too long.
    #[error(
        "line {line} is {bytes} bytes long; lines over {MAX_LINE_BYTES} bytes are refused (is this really a CSV file?)"
    )]
    LineTooLong {
        /// 1-based line.
        line: u64,
        /// Its length.
        bytes: usize,
    },
    /// The file is too large.
    #[error("the file is {0} bytes; at most {MAX_FILE_BYTES} are accepted: split it")]
    TooLarge(usize),
    /// Too many rows.
    #[error("the file has more than {MAX_ROWS} rows: split it")]
    TooManyRows,
    /// The file has no header row.
    #[error("the file is empty (no header row)")]
    Empty,
    /// Mapped columns are missing from the header.
    #[error(
        "the header lacks the mapped column(s) {}; the file's columns are: {}",
        quote_list(.missing),
        quote_list(.available)
    )]
    MissingColumns {
        /// Mapped but absent.
        missing: Vec<String>,
        /// Present in the header.
        available: Vec<String>,
    },
    /// The CSV structure could not be read.
    #[error("CSV: {0}")]
    Csv(String),
}

fn quote_list(v: &[String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    date: String,
    #[serde(default)]
    time: Option<String>,
    latitude: String,
    longitude: String,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    fatalities: Option<String>,
    #[serde(default)]
    fatalities_low: Option<String>,
    #[serde(default)]
    fatalities_high: Option<String>,
    #[serde(default)]
    injured: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    uncertainty_m: Option<String>,
    #[serde(default)]
    precision: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    #[serde(default = "default_formats")]
    date_formats: Vec<String>,
    #[serde(default = "default_offset")]
    utc_offset: String,
    #[serde(default = "default_category")]
    default_category: String,
    #[serde(default = "default_uncertainty")]
    default_uncertainty_m: f64,
    #[serde(default = "default_delimiter")]
    delimiter: String,
    #[serde(default = "default_prefix")]
    id_prefix: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            date_formats: default_formats(),
            utc_offset: default_offset(),
            default_category: default_category(),
            default_uncertainty_m: default_uncertainty(),
            delimiter: default_delimiter(),
            id_prefix: default_prefix(),
        }
    }
}

fn default_formats() -> Vec<String> {
    [
        "%Y-%m-%dT%H:%M:%S%:z",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
        "%d/%m/%Y",
        "%d %B %Y",
        "%B %d, %Y",
        "%d-%b-%Y",
    ]
    .map(str::to_owned)
    .to_vec()
}
fn default_offset() -> String {
    "+00:00".to_owned()
}
fn default_category() -> String {
    "other".to_owned()
}
fn default_uncertainty() -> f64 {
    1000.0
}
fn default_delimiter() -> String {
    ",".to_owned()
}
fn default_prefix() -> String {
    "import-".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: Columns,
    #[serde(default)]
    options: Options,
    #[serde(default)]
    categories: BTreeMap<String, String>,
    #[serde(default)]
    actors: BTreeMap<String, String>,
    #[serde(default)]
    precision_m: BTreeMap<String, f64>,
}

/// A validated column mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    file: MappingFile,
    offset: Offset,
    default_category: Category,
    delimiter: u8,
    categories: BTreeMap<String, Category>,
    /// Normalised name → actor, from the mapping, then the agreement.
    actors: BTreeMap<String, AllegedActor>,
}

/// Case- and space-insensitive key for names (Unicode lower case, inner whitespace collapsed).
fn name_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Mapping {
    /// Parses and checks a mapping against the agreement.
    ///
    /// # Errors
    /// [`ImportError::Mapping`] with the TOML position or the unknown name.
    pub fn from_toml(text: &str, agreement: &Agreement) -> Result<Self, ImportError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| ImportError::Mapping(e.to_string()))?;
        let mut problems = Vec::new();
        let offset = parse_offset(&file.options.utc_offset).unwrap_or_else(|| {
            problems.push(format!(
                "options.utc_offset `{}` is not like +03:00",
                file.options.utc_offset
            ));
            Offset::UTC
        });
        let default_category =
            Category::parse(&file.options.default_category).unwrap_or_else(|| {
                problems.push(format!(
                    "options.default_category `{}` is not a category ({})",
                    file.options.default_category,
                    Category::ALL.map(Category::as_str).join(", ")
                ));
                Category::Other
            });
        let delimiter = match file.options.delimiter.as_bytes() {
            [b] if b.is_ascii() && *b != b'"' && *b != b'\n' => *b,
            _ => {
                problems.push("options.delimiter must be one ASCII character".to_owned());
                b','
            }
        };
        if !(file.options.default_uncertainty_m.is_finite()
            && (0.0..=crate::incident::MAX_UNCERTAINTY_M)
                .contains(&file.options.default_uncertainty_m))
        {
            problems.push("options.default_uncertainty_m is out of range".to_owned());
        }
        if file.options.date_formats.is_empty() {
            problems.push("options.date_formats is empty".to_owned());
        }
        let mut categories = BTreeMap::new();
        for (k, v) in &file.categories {
            match Category::parse(v) {
                Some(c) => {
                    categories.insert(name_key(k), c);
                }
                None => problems.push(format!("categories.\"{k}\" = `{v}` is not a category")),
            }
        }
        let mut actors = BTreeMap::new();
        // Agreement names first, so the mapping's explicit entries override them.
        for p in &agreement.terms().parties {
            for n in [&p.id, &p.name] {
                actors.insert(name_key(n), AllegedActor::Party { id: p.id.clone() });
            }
        }
        for g in &agreement.terms().groups {
            for n in std::iter::once(&g.id)
                .chain(std::iter::once(&g.name))
                .chain(&g.aliases)
            {
                actors.insert(name_key(n), AllegedActor::Group { id: g.id.clone() });
            }
        }
        for (k, v) in &file.actors {
            if agreement.party(v).is_some() {
                actors.insert(name_key(k), AllegedActor::Party { id: v.clone() });
            } else if agreement.group(v).is_some() {
                actors.insert(name_key(k), AllegedActor::Group { id: v.clone() });
            } else {
                problems.push(format!(
                    "actors.\"{k}\" = `{v}` is neither a party nor a group of the agreement"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ImportError::Mapping(problems.join("; ")));
        }
        Ok(Self {
            file,
            offset,
            default_category,
            delimiter,
            categories,
            actors,
        })
    }

    fn mapped_columns(&self) -> Vec<&str> {
        let c = &self.file.columns;
        [
            Some(&c.date),
            c.time.as_ref(),
            Some(&c.latitude),
            Some(&c.longitude),
            c.actor.as_ref(),
            c.target.as_ref(),
            c.fatalities.as_ref(),
            c.fatalities_low.as_ref(),
            c.fatalities_high.as_ref(),
            c.injured.as_ref(),
            c.description.as_ref(),
            c.source_url.as_ref(),
            c.place.as_ref(),
            c.category.as_ref(),
            c.uncertainty_m.as_ref(),
            c.precision.as_ref(),
            c.id.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect()
    }

    /// Resolves an actor name (mapping first, then the agreement's ids, names and aliases).
    pub fn resolve_actor(&self, name: &str) -> AllegedActor {
        let key = name_key(name);
        if key.is_empty() || key == "unknown" {
            return AllegedActor::unknown();
        }
        self.actors
            .get(&key)
            .cloned()
            .unwrap_or_else(|| AllegedActor::Unknown {
                reported_as: Some(name.trim().to_owned()),
            })
    }
}

fn parse_offset(s: &str) -> Option<Offset> {
    let s = s.trim();
    if s == "Z" {
        return Some(Offset::UTC);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if !(0..=23).contains(&h) || !(0..=59).contains(&m) {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

/// A row accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedRow {
    /// 1-based line of the row in the file.
    pub line: u64,
    /// The report it becomes.
    pub report: IncidentReport,
}

/// A row rejected, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line.
    pub line: u64,
    /// Why.
    pub reasons: Vec<String>,
}

/// The result of parsing a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    /// SHA-256 of the file, hex.
    pub file_sha256: String,
    /// Data rows read.
    pub rows: usize,
    /// Accepted rows.
    pub accepted: Vec<AcceptedRow>,
    /// Rejected rows.
    pub rejected: Vec<RejectedRow>,
}

fn check_file(bytes: &[u8]) -> Result<&str, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(ImportError::Utf16("little-endian byte-order mark"));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::Utf16("big-endian byte-order mark"));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    // Many NULs in the first kilobyte: UTF-16 without a byte-order mark.
    let head = &body[..body.len().min(1024)];
    if head.len() >= 8 && head.iter().filter(|b| **b == 0).count() * 4 >= head.len() {
        return Err(ImportError::Utf16(
            "no byte-order mark, but NUL bytes between characters",
        ));
    }
    let mut line = 1_u64;
    let mut start = 0_usize;
    for (i, b) in body.iter().enumerate() {
        if *b == b'\n' {
            if i - start > MAX_LINE_BYTES {
                return Err(ImportError::LineTooLong {
                    line,
                    bytes: i - start,
                });
            }
            line += 1;
            start = i + 1;
        }
    }
    if body.len() - start > MAX_LINE_BYTES {
        return Err(ImportError::LineTooLong {
            line,
            bytes: body.len() - start,
        });
    }
    std::str::from_utf8(body).map_err(|e| {
        let offset = e.valid_up_to();
        let line = 1 + body[..offset].iter().filter(|b| **b == b'\n').count() as u64;
        let byte = body.get(offset).copied().unwrap_or(0);
        ImportError::Encoding {
            line,
            offset: offset + (bytes.len() - body.len()),
            byte,
            hint: "it looks like Latin-1 or Windows-1252; convert it, e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`",
        }
    })
}

/// Parses a count or range: `""`, `4`, `3-5`, `3–5`, `3 to 5`, `at least 5`, `12+`, `>12`,
/// `1,200`, `unknown`. Returns (min, max).
///
/// ```
/// use jic_compliance::import::parse_count_range;
/// assert_eq!(parse_count_range("3-5"), Ok((Some(3), Some(5))));
/// assert_eq!(parse_count_range("at least 12"), Ok((Some(12), None)));
/// assert_eq!(parse_count_range(""), Ok((None, None)));
/// assert!(parse_count_range("5-3").is_err());
/// ```
///
/// # Errors
/// A sentence saying what was expected.
pub fn parse_count_range(raw: &str) -> Result<(Option<u32>, Option<u32>), String> {
    let s = raw.trim().to_lowercase();
    if s.is_empty()
        || matches!(
            s.as_str(),
            "unknown" | "n/a" | "na" | "-" | "?" | "none reported"
        )
    {
        return Ok((None, None));
    }
    let num = |t: &str| -> Result<u32, String> {
        let t = t
            .trim()
            .trim_start_matches('~')
            .replace([',', '\u{a0}', ' '], "");
        t.parse::<u32>()
            .map_err(|_| format!("`{}` is not a whole number", raw.trim()))
    };
    if let Some(rest) = s
        .strip_prefix("at least")
        .or_else(|| s.strip_prefix(">="))
        .or_else(|| s.strip_prefix('>'))
        .or_else(|| s.strip_suffix('+'))
    {
        return Ok((Some(num(rest)?), None));
    }
    for sep in [" to ", "–", "—", "-"] {
        if let Some((a, b)) = s.split_once(sep) {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(format!("range `{}` runs backwards", raw.trim()));
            }
            return Ok((Some(a), Some(b)));
        }
    }
    let n = num(&s)?;
    Ok((Some(n), Some(n)))
}

fn parse_coordinate(raw: &str, what: &str, limit: f64) -> Result<f64, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(format!("{what} is blank"));
    }
    // A decimal comma ("36,15") when there is no dot.
    let t = if t.contains(',') && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t.to_owned()
    };
    let v: f64 = t
        .parse()
        .map_err(|_| format!("{what} `{raw}` is not a number"))?;
    if !v.is_finite() || v.abs() > limit {
        return Err(format!("{what} {v} is outside ±{limit}"));
    }
    Ok(v)
}

impl Mapping {
    /// Parses a date cell (and an optional time cell) into an occurrence.
    fn parse_when(&self, date: &str, time: Option<&str>) -> Result<Occurrence, String> {
        let d = date.trim();
        if d.is_empty() {
            return Err("date is blank".to_owned());
        }
        let tz = TimeZone::fixed(self.offset);
        let time = time.map(str::trim).filter(|t| !t.is_empty());
        let parsed_time = match time {
            Some(t) => Some(
                Time::strptime("%H:%M:%S", t)
                    .or_else(|_| Time::strptime("%H:%M", t))
                    .map_err(|_| format!("time `{t}` is not HH:MM or HH:MM:SS"))?,
            ),
            None => None,
        };
        for fmt in &self.file.options.date_formats {
            let Ok(bdt) = strtime::parse(fmt, d) else {
                continue;
            };
            // A format without an hour gives a date, even though jiff would default the time
            // to midnight: a date-only row means "some time that day".
            if bdt.hour().is_none() {
                if let Ok(day) = bdt.to_date() {
                    return whole_day_or_time(day, parsed_time, &tz);
                }
                continue;
            }
            if let Ok(ts) = bdt.to_timestamp() {
                return Ok(Occurrence::at(ts));
            }
            if let Ok(dt) = bdt.to_datetime() {
                let ts = dt.to_zoned(tz).map_err(|e| e.to_string())?.timestamp();
                return Ok(Occurrence::at(ts));
            }
        }
        Err(format!(
            "date `{d}` matches none of the formats {}",
            self.file.options.date_formats.join(", ")
        ))
    }
}

fn whole_day_or_time(day: Date, time: Option<Time>, tz: &TimeZone) -> Result<Occurrence, String> {
    if let Some(t) = time {
        let ts = day
            .to_datetime(t)
            .to_zoned(tz.clone())
            .map_err(|e| e.to_string())?
            .timestamp();
        return Ok(Occurrence::at(ts));
    }
    let start = day
        .to_zoned(tz.clone())
        .map_err(|e| e.to_string())?
        .timestamp();
    let until = start
        .checked_add(SignedDuration::from_secs(86_399))
        .map_err(|e| e.to_string())?;
    Ok(Occurrence {
        from: start,
        until: Some(until),
    })
}

/// Keeps ASCII letters, digits, `-`, `_` and `.`; everything else becomes `_`.
fn sanitise_id(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(96)
        .collect()
}

/// Parses a CSV file with a mapping into incident reports filed by `reporter`.
///
/// # Errors
/// [`ImportError`] when the file as a whole cannot be used; row problems are in
/// [`ImportOutcome::rejected`].
pub fn import_csv(
    bytes: &[u8],
    mapping: &Mapping,
    agreement: &Agreement,
    reporter: &str,
) -> Result<ImportOutcome, ImportError> {
    let text = check_file(bytes)?;
    let file_sha256 = hex::encode(Sha256::digest(bytes));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Csv(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(ImportError::Empty);
    }
    let index: BTreeMap<&str, usize> = header
        .iter()
        .enumerate()
        .rev()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let missing: Vec<String> = mapping
        .mapped_columns()
        .into_iter()
        .filter(|c| !index.contains_key(c))
        .map(str::to_owned)
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            missing,
            available: header.clone(),
        });
    }
    let col = |name: &Option<String>| name.as_deref().and_then(|n| index.get(n).copied());
    let c = &mapping.file.columns;
    let i_date = index.get(c.date.as_str()).copied();
    let i_lat = index.get(c.latitude.as_str()).copied();
    let i_lon = index.get(c.longitude.as_str()).copied();

    let mut outcome = ImportOutcome {
        file_sha256: file_sha256.clone(),
        rows: 0,
        accepted: Vec::new(),
        rejected: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                outcome.rows += 1;
                outcome.rejected.push(RejectedRow {
                    line,
                    reasons: vec![format!("unreadable CSV row: {e}")],
                });
                continue;
            }
        }
        outcome.rows += 1;
        if outcome.rows > MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(|f| f.trim().is_empty()) {
            outcome.rows -= 1;
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        let mut reasons = Vec::new();
        if record.len() != header.len() {
            reasons.push(format!(
                "the row has {} fields, the header {}",
                record.len(),
                header.len()
            ));
        }
        let when = mapping
            .parse_when(get(i_date), col(&c.time).map(|i| get(Some(i))))
            .map_err(|e| reasons.push(e))
            .ok();
        let lat = parse_coordinate(get(i_lat), "latitude", 90.0)
            .map_err(|e| reasons.push(e))
            .ok();
        let lon = parse_coordinate(get(i_lon), "longitude", 180.0)
            .map_err(|e| reasons.push(e))
            .ok();
        if lat == Some(0.0) && lon == Some(0.0) {
            reasons.push("coordinates 0,0 are a placeholder, not a location".to_owned());
        }
        let mut casualties = Casualties::default();
        if let Some(i) = col(&c.fatalities) {
            match parse_count_range(get(Some(i))) {
                Ok((lo, hi)) => (casualties.killed_min, casualties.killed_max) = (lo, hi),
                Err(e) => reasons.push(format!("fatalities: {e}")),
            }
        }
        for (i, low) in [
            (col(&c.fatalities_low), true),
            (col(&c.fatalities_high), false),
        ] {
            let Some(i) = i else { continue };
            match parse_count_range(get(Some(i))) {
                Ok((lo, hi)) => {
                    if low {
                        casualties.killed_min = lo.or(casualties.killed_min);
                    } else {
                        casualties.killed_max = hi.or(casualties.killed_max);
                    }
                }
                Err(e) => reasons.push(format!("fatalities: {e}")),
            }
        }
        if let Some(i) = col(&c.injured) {
            match parse_count_range(get(Some(i))) {
                Ok((lo, hi)) => (casualties.injured_min, casualties.injured_max) = (lo, hi),
                Err(e) => reasons.push(format!("injured: {e}")),
            }
        }
        let category = match col(&c.category).map(|i| get(Some(i)).trim()) {
            Some(v) if !v.is_empty() => mapping
                .categories
                .get(&name_key(v))
                .copied()
                .or_else(|| Category::parse(&name_key(v).replace(' ', "_")))
                .unwrap_or(mapping.default_category),
            _ => mapping.default_category,
        };
        let mut uncertainty_m = mapping.file.options.default_uncertainty_m;
        if let Some(i) = col(&c.precision) {
            let v = get(Some(i)).trim();
            if !v.is_empty() {
                match mapping.file.precision_m.get(v) {
                    Some(m) => uncertainty_m = *m,
                    None => reasons.push(format!("precision code `{v}` is not in [precision_m]")),
                }
            }
        }
        if let Some(i) = col(&c.uncertainty_m) {
            let v = get(Some(i)).trim();
            if !v.is_empty() {
                match v.parse::<f64>() {
                    Ok(m) if m.is_finite() && m >= 0.0 => uncertainty_m = m,
                    _ => reasons.push(format!("uncertainty `{v}` is not a distance in metres")),
                }
            }
        }
        let actor = col(&c.actor).map_or_else(AllegedActor::unknown, |i| {
            mapping.resolve_actor(get(Some(i)))
        });
        let target = col(&c.target)
            .map(|i| get(Some(i)).trim())
            .filter(|v| !v.is_empty())
            .map(|v| mapping.resolve_actor(v));
        let sources: Vec<String> = col(&c.source_url)
            .map(|i| {
                get(Some(i))
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let row_key = col(&c.id)
            .map(|i| get(Some(i)).trim())
            .filter(|v| !v.is_empty())
            .map_or_else(|| format!("line{line}"), sanitise_id);
        let sha_prefix = file_sha256.get(..12).unwrap_or(&file_sha256);
        let (Some(when), Some(lat), Some(lon), true) = (when, lat, lon, reasons.is_empty()) else {
            outcome.rejected.push(RejectedRow { line, reasons });
            continue;
        };
        let place = col(&c.place)
            .map(|i| get(Some(i)).trim().to_owned())
            .filter(|p| !p.is_empty());
        let report = IncidentReport {
            id: format!("{}{row_key}", mapping.file.options.id_prefix),
            reporter: reporter.to_owned(),
            occurred: when,
            location: Location {
                lat,
                lon,
                uncertainty_m,
                name: place,
            },
            category,
            actor,
            target,
            casualties,
            description: col(&c.description)
                .map(|i| get(Some(i)).trim().to_owned())
                .unwrap_or_default(),
            sources,
            evidence: Vec::new(),
            external_id: Some(format!("csv:{sha_prefix}:{row_key}")),
        };
        if let Some(first) = seen.get(&report.id) {
            outcome.rejected.push(RejectedRow {
                line,
                reasons: vec![format!(
                    "id `{}` repeats the row on line {first}",
                    report.id
                )],
            });
            continue;
        }
        match report.validate(Some(agreement)) {
            Ok(()) => {
                seen.insert(report.id.clone(), line);
                outcome.accepted.push(AcceptedRow { line, report });
            }
            Err(crate::Error::Invalid { problems, .. }) => outcome.rejected.push(RejectedRow {
                line,
                reasons: problems,
            }),
            Err(e) => outcome.rejected.push(RejectedRow {
                line,
                reasons: vec![e.to_string()],
            }),
        }
    }
    Ok(outcome)
}

/// Convenience: the local midnight of a date at an offset (used by tests and the CLI).
pub fn local_midnight(date: Date, offset: Offset) -> Option<Timestamp> {
    date.to_zoned(TimeZone::fixed(offset))
        .ok()
        .map(|z| z.timestamp())
}
