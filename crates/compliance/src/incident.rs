//! The incident report: who reports what happened, when, where (with how sure they are), who is
//! alleged to have done it, the toll, sources and evidence by hash.
//!
//! A report is immutable once submitted: an amendment is a complete new report with the same
//! `id`, stored as the next version (see `workflow::Dossier::amend`). This is also the signed
//! payload of the `incident.report` and `incident.amend` submission kinds, so its JSON form is a
//! wire contract: field names are snake_case, times RFC 3339, the actor is
//! `{"kind":"party","id":…}`, `{"kind":"group","id":…}` or `{"kind":"unknown"}`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Error;

/// Largest location uncertainty accepted, in metres. Beyond this a report says nothing about
/// where zones are concerned (and 100 km covers "somewhere in the governorate").
pub const MAX_UNCERTAINTY_M: f64 = 100_000.0;
/// Longest time window accepted for one incident.
pub const MAX_WINDOW_HOURS: i64 = 24 * 31;
/// Longest free text (description, evidence description, source), in bytes.
pub const MAX_TEXT_BYTES: usize = 8_192;
/// Most sources or evidence items per report.
pub const MAX_ITEMS: usize = 64;
/// Longest identifier, in bytes.
pub const MAX_ID_BYTES: usize = 128;

/// What kind of incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A strike from the air.
    Airstrike,
    /// Artillery, rocket or mortar fire.
    Shelling,
    /// An attack by ground forces.
    GroundAttack,
    /// An attack on a humanitarian site or movement.
    AttackOnHumanitarian,
    /// An aircraft where it should not be.
    AirspaceIncursion,
    /// Anything else (recorded, counted, never classified by a rule).
    Other,
}

impl Category {
    /// Every category, in documentation order.
    pub const ALL: [Category; 6] = [
        Category::Airstrike,
        Category::Shelling,
        Category::GroundAttack,
        Category::AttackOnHumanitarian,
        Category::AirspaceIncursion,
        Category::Other,
    ];

    /// The keyword as written in JSON, CSV and TOML.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Airstrike => "airstrike",
            Category::Shelling => "shelling",
            Category::GroundAttack => "ground_attack",
            Category::AttackOnHumanitarian => "attack_on_humanitarian",
            Category::AirspaceIncursion => "airspace_incursion",
            Category::Other => "other",
        }
    }

    /// Parses a keyword (exact, as written by [`Category::as_str`]).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == word)
    }

    /// The action the agreement's rules govern for this category (`None` for `other`).
    pub fn action(self) -> Option<jic_agreement::ActionKind> {
        use jic_agreement::ActionKind as A;
        match self {
            Category::Airstrike => Some(A::Airstrike),
            Category::Shelling => Some(A::Shelling),
            Category::GroundAttack => Some(A::GroundAttack),
            Category::AttackOnHumanitarian => Some(A::AttackOnHumanitarian),
            Category::AirspaceIncursion => Some(A::Flight),
            Category::Other => None,
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is alleged to have acted (or, for a target, to have been hit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AllegedActor {
    /// A party to the agreement, by id.
    Party {
        /// Party id.
        id: String,
    },
    /// A group named in the agreement, by id.
    Group {
        /// Group id.
        id: String,
    },
    /// Not known; `reported_as` keeps a name the source used that the agreement does not know.
    Unknown {
        /// The name as the source gave it, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported_as: Option<String>,
    },
}

impl AllegedActor {
    /// An unknown actor with no name.
    pub fn unknown() -> Self {
        AllegedActor::Unknown { reported_as: None }
    }

    /// The party or group id, if known.
    pub fn id(&self) -> Option<&str> {
        match self {
            AllegedActor::Party { id } | AllegedActor::Group { id } => Some(id),
            AllegedActor::Unknown { .. } => None,
        }
    }

    /// A short label for tables: the id, or `unknown`.
    pub fn label(&self) -> String {
        match self {
            AllegedActor::Party { id } | AllegedActor::Group { id } => id.clone(),
            AllegedActor::Unknown { .. } => "unknown".to_owned(),
        }
    }

    /// The party answerable for this actor in `agreement` (the party itself, or a group's
    /// answerable party).
    pub fn answerable_party(&self, agreement: &jic_agreement::Agreement) -> Option<String> {
        match self {
            AllegedActor::Party { id } => Some(id.clone()),
            AllegedActor::Group { id } => agreement.group(id).and_then(|g| g.answerable.clone()),
            AllegedActor::Unknown { .. } => None,
        }
    }

    /// As an actor reference for rule evaluation (`None` when unknown).
    pub fn to_actor_ref(&self) -> Option<jic_agreement::ActorRef> {
        match self {
            AllegedActor::Party { id } => Some(jic_agreement::ActorRef::party(id.clone())),
            AllegedActor::Group { id } => Some(jic_agreement::ActorRef::group(id.clone())),
            AllegedActor::Unknown { .. } => None,
        }
    }
}

/// When it happened: an instant, or a window when the time is only known to lie within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    /// The instant, or the window's start (inclusive).
    pub from: Timestamp,
    /// The window's end (inclusive); absent for an instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

impl Occurrence {
    /// An instant.
    pub fn at(t: Timestamp) -> Self {
        Self {
            from: t,
            until: None,
        }
    }

    /// The latest instant it may have happened.
    pub fn end(&self) -> Timestamp {
        self.until.unwrap_or(self.from)
    }
}

/// Where it happened: a position and a radius within which it certainly happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude, WGS-84 degrees.
    pub lat: f64,
    /// Longitude, WGS-84 degrees.
    pub lon: f64,
    /// Radius in metres around the position within which the incident happened (0 = exact).
    #[serde(default)]
    pub uncertainty_m: f64,
    /// A place name (free text, may be non-ASCII).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Location {
    /// The position as a geo coordinate (`x` = longitude).
    pub fn coord(&self) -> geo_types::Coord<f64> {
        geo_types::coord! { x: self.lon, y: self.lat }
    }
}

/// The human toll, as ranges (sources rarely agree; both ends are kept).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casualties {
    /// Fewest killed reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub killed_min: Option<u32>,
    /// Most killed reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub killed_max: Option<u32>,
    /// Fewest injured reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injured_min: Option<u32>,
    /// Most injured reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injured_max: Option<u32>,
}

/// A piece of evidence, by content hash: the file itself lives in the data directory, the log
/// holds only this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// What it shows.
    pub description: String,
    /// Media type, e.g. `image/jpeg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// One version of an incident report (the signed payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentReport {
    /// Stable identifier chosen by the reporter; amendments keep it.
    pub id: String,
    /// The reporting party (roster id).
    pub reporter: String,
    /// When.
    pub occurred: Occurrence,
    /// Where.
    pub location: Location,
    /// What.
    pub category: Category,
    /// Who is alleged to have acted.
    pub actor: AllegedActor,
    /// Who was hit, when the reporter knows (otherwise classification considers whoever the
    /// agreement places there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<AllegedActor>,
    /// Killed and injured.
    #[serde(default)]
    pub casualties: Casualties,
    /// What happened, in the reporter's words.
    #[serde(default)]
    pub description: String,
    /// Where it was reported (URLs or citations).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Evidence files by hash.
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
    /// For imported rows: a stable key (file hash and row) so a re-run does not duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

fn check_id(problems: &mut Vec<String>, field: &str, id: &str) {
    if id.trim().is_empty() {
        problems.push(format!("`{field}` is empty"));
    } else if id.len() > MAX_ID_BYTES {
        problems.push(format!("`{field}` is longer than {MAX_ID_BYTES} bytes"));
    } else if id.chars().any(char::is_control) {
        problems.push(format!("`{field}` contains control characters"));
    }
}

fn check_text(problems: &mut Vec<String>, field: &str, text: &str) {
    if text.len() > MAX_TEXT_BYTES {
        problems.push(format!(
            "`{field}` is {} bytes; at most {MAX_TEXT_BYTES} are accepted (put long material in evidence)",
            text.len()
        ));
    }
}

/// True for 64 lower-case hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl IncidentReport {
    /// Checks the report on its own and, when given, against the agreement (actor and target
    /// ids must be parties or groups it defines).
    ///
    /// # Errors
    /// [`Error::Invalid`] listing every problem.
    pub fn validate(&self, agreement: Option<&jic_agreement::Agreement>) -> Result<(), Error> {
        let mut p = Vec::new();
        check_id(&mut p, "id", &self.id);
        check_id(&mut p, "reporter", &self.reporter);
        let loc = &self.location;
        if !(loc.lat.is_finite() && (-90.0..=90.0).contains(&loc.lat)) {
            p.push(format!(
                "latitude {} is not between -90 and 90 degrees",
                loc.lat
            ));
        }
        if !(loc.lon.is_finite() && (-180.0..=180.0).contains(&loc.lon)) {
            p.push(format!(
                "longitude {} is not between -180 and 180 degrees",
                loc.lon
            ));
        }
        if !(loc.uncertainty_m.is_finite()
            && (0.0..=MAX_UNCERTAINTY_M).contains(&loc.uncertainty_m))
        {
            p.push(format!(
                "uncertainty {} m is not between 0 and {MAX_UNCERTAINTY_M} m",
                loc.uncertainty_m
            ));
        }
        if let Some(name) = &loc.name {
            check_text(&mut p, "location.name", name);
        }
        if let Some(until) = self.occurred.until {
            if until < self.occurred.from {
                p.push("the time window ends before it starts".to_owned());
            } else if until.duration_since(self.occurred.from).as_hours() > MAX_WINDOW_HOURS {
                p.push(format!(
                    "the time window is longer than {MAX_WINDOW_HOURS} hours; split the report"
                ));
            }
        }
        let c = &self.casualties;
        for (what, lo, hi) in [
            ("killed", c.killed_min, c.killed_max),
            ("injured", c.injured_min, c.injured_max),
        ] {
            if let (Some(lo), Some(hi)) = (lo, hi)
                && lo > hi
            {
                p.push(format!("{what}: minimum {lo} is above maximum {hi}"));
            }
        }
        check_text(&mut p, "description", &self.description);
        if self.sources.len() > MAX_ITEMS {
            p.push(format!("more than {MAX_ITEMS} sources"));
        }
        for s in &self.sources {
            check_text(&mut p, "sources[]", s);
        }
        if self.evidence.len() > MAX_ITEMS {
            p.push(format!("more than {MAX_ITEMS} evidence items"));
        }
        for e in &self.evidence {
            if !is_sha256_hex(&e.sha256) {
                p.push(format!(
                    "evidence hash `{}` is not 64 lower-case hex digits (SHA-256)",
                    e.sha256.chars().take(80).collect::<String>()
                ));
            }
            check_text(&mut p, "evidence[].description", &e.description);
        }
        if let Some(x) = &self.external_id {
            check_id(&mut p, "external_id", x);
        }
        if let Some(a) = agreement {
            for (field, who) in std::iter::once(("actor", &self.actor))
                .chain(self.target.as_ref().map(|t| ("target", t)))
            {
                match who {
                    AllegedActor::Party { id } if a.party(id).is_none() => {
                        p.push(format!("{field}: `{id}` is not a party of the agreement"))
                    }
                    AllegedActor::Group { id } if a.group(id).is_none() => {
                        p.push(format!("{field}: `{id}` is not a group of the agreement"))
                    }
                    _ => {}
                }
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid {
                what: "incident report",
                problems: p,
            })
        }
    }
}
