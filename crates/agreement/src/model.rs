//! The agreement's terms as data: parties, groups, zones, phases, rules and parameters
//! (DESIGN.md §3.1). Built only by the loader, which guarantees the invariants documented on
//! each type (ids unique, references resolved, geometry valid).
//!
//! Every list is kept sorted by id and every set sorted and deduplicated, so the serialized
//! form of [`Terms`] is canonical (see `canonical`).

use jic_geo::Shape;
use jiff::Timestamp;
use serde::Serialize;

/// Keywords that appear in the TOML as lower-case strings.
pub trait Keyword: Sized + Copy + 'static {
    /// Every keyword with its value, in documentation order.
    const ALL: &'static [(&'static str, Self)];

    /// The keyword as written in the package.
    fn as_str(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("?", |(k, _)| k)
    }

    /// Parses a keyword.
    fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(k, _)| *k == word).map(|(_, v)| *v)
    }
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
        impl Keyword for $name {
            const ALL: &'static [(&'static str, Self)] = &[$(($word, $name::$variant)),+];
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(Keyword::as_str(*self))
            }
        }
    };
}

keyword_enum! {
    /// What a party is to the agreement.
    Role {
        /// Guarantor of the arrangement (the US and Russia in 2016).
        Sponsor = "sponsor",
        /// A side whose forces are bound by the truce.
        Belligerent = "belligerent",
        /// Records and reviews incidents.
        Monitor = "monitor",
        /// Runs or notifies humanitarian operations.
        Humanitarian = "humanitarian",
        /// Cosigns the log; reads only what is public.
        Witness = "witness",
    }
}

keyword_enum! {
    /// Whether a group is under the truce.
    Designation {
        /// Covered by the truce; a party answers for it.
        Covered = "covered",
        /// Excluded from the truce (e.g. ISIL, Jabhat Fateh al-Sham).
        Designated = "designated",
    }
}

keyword_enum! {
    /// What a zone is.
    ZoneKind {
        /// Who holds the ground (the delineation map).
        Control = "control",
        /// Where designated groups are present and may be struck under the rules.
        DesignatedArea = "designated_area",
        /// Where forces must withdraw (e.g. Castello Road buffers).
        Demilitarized = "demilitarized",
        /// Protected ground (sites, civilian infrastructure).
        Protected = "protected",
        /// An airspace volume with floor and ceiling.
        RestrictedAirspace = "restricted_airspace",
        /// A humanitarian access route (an area, or a line with a corridor width).
        HumanitarianRoute = "humanitarian_route",
    }
}

keyword_enum! {
    /// Whether the parties accept a zone's line.
    ZoneStatus {
        /// Agreed by the parties named in the agreement: rules apply.
        Agreed = "agreed",
        /// Put forward, not yet agreed: rules do not apply, evaluations report it.
        Proposed = "proposed",
        /// Contested: rules do not apply, evaluations report it.
        Disputed = "disputed",
    }
}

keyword_enum! {
    /// Kinds of action a rule can govern.
    ActionKind {
        /// A strike from the air.
        Airstrike = "airstrike",
        /// Artillery, rocket or mortar fire.
        Shelling = "shelling",
        /// An attack by ground forces.
        GroundAttack = "ground_attack",
        /// Any flight.
        Flight = "flight",
        /// A flight on a combat mission.
        CombatFlight = "combat_flight",
        /// An attack on a humanitarian site, movement or worker.
        AttackOnHumanitarian = "attack_on_humanitarian",
        /// Keeping heavy weapons (tanks, artillery, mortars, APCs) in a place.
        HeavyWeaponsPresence = "heavy_weapons_presence",
        /// Keeping armed personnel in a place.
        ArmedPersonnelPresence = "armed_personnel_presence",
        /// Taking ground.
        SeizeTerritory = "seize_territory",
        /// Hindering humanitarian access.
        ObstructAccess = "obstruct_access",
    }
}

keyword_enum! {
    /// A rule's answer. Ordered by severity: `Permitted < RequiresNotice < RequiresConcurrence <
    /// Prohibited` (the tie-break in `eval`).
    Verdict {
        /// Allowed without conditions.
        Permitted = "permitted",
        /// Allowed after notifying the counterpart.
        RequiresNotice = "requires_notice",
        /// Allowed only with the counterpart's concurrence.
        RequiresConcurrence = "requires_concurrence",
        /// Not allowed.
        Prohibited = "prohibited",
    }
}

keyword_enum! {
    /// Submission kinds whose payload the disclosure policy can restrict (DESIGN.md §3.3).
    SubmissionKind {
        /// A 4D flight plan.
        FlightPlan = "flight_plan",
        /// A strike pre-notification (its strike area).
        StrikeNotice = "strike_notice",
        /// A humanitarian static site (its coordinates).
        HumanitarianSite = "humanitarian_site",
        /// A humanitarian movement (its route).
        HumanitarianMovement = "humanitarian_movement",
        /// A check of a filing against sealed sites.
        SealedSiteCheck = "sealed_site_check",
        /// A live track batch.
        Track = "track",
        /// An incident report.
        Incident = "incident",
    }
}

/// The whole agreement's terms, canonical and serializable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Terms {
    /// Identity and defaults.
    pub meta: Meta,
    /// Parties, sorted by id.
    pub parties: Vec<Party>,
    /// Groups, sorted by id.
    pub groups: Vec<Group>,
    /// Zones, sorted by id.
    pub zones: Vec<Zone>,
    /// Phases, sorted by id.
    pub phases: Vec<Phase>,
    /// What a calm day is (for phase conditions).
    pub calm_day: CalmDay,
    /// Rules, sorted by id.
    pub rules: Vec<Rule>,
    /// Air-safety parameters.
    pub deconfliction: Deconfliction,
    /// Humanitarian notification parameters.
    pub humanitarian: Humanitarian,
    /// Strike pre-notification and joint review parameters (`[strike]`, optional). Left out
    /// of the canonical form when no key is set, so packages without it keep their hash.
    #[serde(skip_serializing_if = "Strike::is_unset")]
    pub strike: Strike,
    /// Who may read restricted payloads.
    pub disclosure: Disclosure,
}

/// Identity of the agreement and package-wide defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    /// Short stable identifier (e.g. `syria-2016-09`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Version label chosen by the negotiators (the hash is the real identity).
    pub version: String,
    /// Parties whose countersignatures put this version in force (sorted).
    pub signatories: Vec<String>,
    /// The verdict when no rule matches an action.
    pub default_verdict: Verdict,
}

/// A party to the agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Party {
    /// Identifier, unique across parties and groups.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// An armed group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Identifier, unique across parties and groups.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Other names it is reported under (sorted).
    pub aliases: Vec<String>,
    /// Covered by the truce or designated.
    pub designation: Designation,
    /// The party answerable for it; always set for covered groups.
    pub answerable: Option<String>,
}

/// A zone of the delineation map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: ZoneKind,
    /// Agreed, proposed or disputed.
    pub status: ZoneStatus,
    /// The party or group holding it (control zones).
    pub controller: Option<String>,
    /// Groups present in it (sorted).
    pub present_groups: Vec<String>,
    /// Start of validity (inclusive); `None` = since ever.
    pub valid_from: Option<Timestamp>,
    /// End of validity (exclusive); `None` = until replaced.
    pub valid_until: Option<Timestamp>,
    /// Airspace floor in feet (restricted airspace).
    pub floor_ft: Option<f64>,
    /// Airspace ceiling in feet (restricted airspace).
    pub ceiling_ft: Option<f64>,
    /// For point and line zones: the radius around the point or the half-width of the route, in
    /// metres (0 for areas, whose own outline counts).
    pub radius_m: f64,
    /// True when the geometry is an estimate.
    pub approximate: bool,
    /// Confidence in the geometry as stated by its source (e.g. `low`).
    pub confidence: Option<String>,
    /// The geometry, WGS-84.
    #[serde(serialize_with = "crate::canonical::serialize_shape")]
    pub geometry: Shape,
    /// GeoJSON feature id the geometry came from.
    pub feature: String,
}

impl Zone {
    /// True when the zone is valid at `at` (`valid_from ≤ at < valid_until`).
    pub fn valid_at(&self, at: Timestamp) -> bool {
        self.valid_from.is_none_or(|from| from <= at)
            && self.valid_until.is_none_or(|until| at < until)
    }

    /// Area in km² (0 for points and lines).
    pub fn area_km2(&self) -> f64 {
        match &self.geometry {
            Shape::Area(a) => jic_geo::area_km2(a),
            Shape::Point(_) | Shape::Line(_) => 0.0,
        }
    }
}

/// A phase of implementation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// When it starts.
    pub start: PhaseStart,
    /// How long it lasts in hours once started (`None` = until a later phase replaces it).
    pub duration_hours: Option<u32>,
}

/// When a phase starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStart {
    /// At a fixed instant.
    At(Timestamp),
    /// After another phase: when it ends if `calm_days` is 0, otherwise once `calm_days`
    /// consecutive calm days (see [`CalmDay`]) have been counted since it started.
    After {
        /// The phase it follows.
        phase: String,
        /// Consecutive calm days required (0 = none).
        calm_days: u32,
    },
}

/// What counts as a calm day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalmDay {
    /// A day is calm with at most this many verified violations.
    pub max_verified_violations: u32,
    /// Days run midnight to midnight at this fixed UTC offset, in seconds (e.g. 10800 = +03:00).
    pub utc_offset_seconds: i32,
}

/// Which actors (or targets, or zone controllers) a rule applies to. Empty lists mean "any";
/// set fields must all match (AND), values within a list are alternatives (OR).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selector {
    /// Parties (a group matches through its answerable party).
    pub parties: Vec<String>,
    /// Groups.
    pub groups: Vec<String>,
    /// Designation (a party's own forces count as covered).
    pub designation: Option<Designation>,
}

impl Selector {
    /// True when the selector constrains nothing.
    pub fn is_any(&self) -> bool {
        self.parties.is_empty() && self.groups.is_empty() && self.designation.is_none()
    }
}

/// A term of the agreement applied to actions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Identifier.
    pub id: String,
    /// Where in the agreement text it comes from (e.g. "9 Sept 2016 arrangement, point 1").
    pub clause: String,
    /// The clause text (as reported, when the original is unpublished).
    pub text: String,
    /// Where the text was read.
    pub source: Option<String>,
    /// Actions it governs (sorted, non-empty).
    pub actions: Vec<ActionKind>,
    /// Who it binds.
    pub actor: Selector,
    /// Whom it protects or permits to be targeted.
    pub target: Selector,
    /// Zone kinds where it applies (sorted; empty = any kind).
    pub zone_kinds: Vec<ZoneKind>,
    /// Named zones where it applies (sorted; empty = any zone), for terms tied to one place
    /// such as the Castello Road withdrawal areas.
    pub zones: Vec<String>,
    /// Controllers of the zones where it applies (any = no constraint).
    pub zone_controller: Selector,
    /// Phases in which it applies (sorted; empty = always).
    pub phases: Vec<String>,
    /// Its answer.
    pub verdict: Verdict,
    /// The rule also applies within this many metres of a matching zone.
    pub buffer_m: f64,
}

impl Rule {
    /// True when the rule is restricted to some zones.
    pub fn is_zonal(&self) -> bool {
        !self.zone_kinds.is_empty() || !self.zones.is_empty() || !self.zone_controller.is_any()
    }

    /// How many of the four dimensions (actor, target, zone, phase) the rule constrains: the
    /// first precedence key in `eval`.
    pub fn specificity(&self) -> u8 {
        u8::from(!self.actor.is_any())
            + u8::from(!self.target.is_any())
            + u8::from(self.is_zonal())
            + u8::from(!self.phases.is_empty())
    }
}

/// Air-safety parameters (DESIGN.md §3.2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deconfliction {
    /// Horizontal separation minimum in nautical miles.
    pub horizontal_nm: f64,
    /// Vertical separation minimum in feet.
    pub vertical_ft: f64,
    /// Look-ahead in seconds.
    pub lookahead_s: f64,
    /// Per-category minima (sorted by id).
    pub categories: Vec<SeparationCategory>,
}

/// Separation minima for one category of aircraft (e.g. unmanned).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeparationCategory {
    /// Category id, as filed with flight plans.
    pub id: String,
    /// Horizontal minimum in nautical miles.
    pub horizontal_nm: f64,
    /// Vertical minimum in feet.
    pub vertical_ft: f64,
}

/// Humanitarian notification parameters (DESIGN.md §3.6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Humanitarian {
    /// Minutes a recipient party has to acknowledge a notification.
    pub ack_deadline_min: u32,
    /// Minutes after the deadline when an unanswered notification escalates a second time.
    pub second_escalation_min: u32,
    /// Protection buffer around static sites, metres.
    pub site_buffer_m: f64,
    /// Protection buffer around movements, metres.
    pub movement_buffer_m: f64,
    /// Sealed-site probing: the sliding window, minutes (default
    /// [`Humanitarian::PROBE_WINDOW_MIN`]; optional, left out of the canonical form when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_window_min: Option<u32>,
    /// Sealed-site probing: report an asker to the monitors after more than this many near
    /// misses in the window (default [`Humanitarian::PROBE_REPORT_AFTER`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_report_after: Option<u32>,
    /// Sealed-site probing: refuse an asker's checks after more than this many near misses in
    /// the window (default [`Humanitarian::PROBE_REFUSE_AFTER`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_refuse_after: Option<u32>,
}

impl Humanitarian {
    /// Default probing window, minutes.
    pub const PROBE_WINDOW_MIN: u32 = 60;
    /// Default near misses before a report.
    pub const PROBE_REPORT_AFTER: u32 = 3;
    /// Default near misses before a refusal.
    pub const PROBE_REFUSE_AFTER: u32 = 6;

    /// The probing window in force, minutes.
    pub fn probe_window_min(&self) -> u32 {
        self.probe_window_min.unwrap_or(Self::PROBE_WINDOW_MIN)
    }

    /// Near misses in the window after which an asker is reported.
    pub fn probe_report_after(&self) -> u32 {
        self.probe_report_after.unwrap_or(Self::PROBE_REPORT_AFTER)
    }

    /// Near misses in the window after which an asker's checks are refused.
    pub fn probe_refuse_after(&self) -> u32 {
        self.probe_refuse_after.unwrap_or(Self::PROBE_REFUSE_AFTER)
    }
}

/// Strike pre-notification and joint review parameters (DESIGN.md §3.7). Every key is
/// optional; the accessors give the documented defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Strike {
    /// Minutes the counterpart has to concur or object (default [`Strike::REVIEW_WINDOW_MIN`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_window_min: Option<u32>,
    /// A strike area farther than this from the filer's own air operation is flagged as a
    /// location error, metres (default [`Strike::LOCATION_TOLERANCE_M`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_tolerance_m: Option<f64>,
    /// How early or late a notified movement may run against its schedule, minutes (default
    /// [`Strike::SCHEDULE_SLACK_MIN`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_slack_min: Option<u32>,
}

impl Strike {
    /// Default review window, minutes.
    pub const REVIEW_WINDOW_MIN: u32 = 30;
    /// Default location-consistency tolerance, metres (the Deir ez-Zor error was ~9 km).
    pub const LOCATION_TOLERANCE_M: f64 = 5_000.0;
    /// Default movement schedule slack, minutes.
    pub const SCHEDULE_SLACK_MIN: u32 = 30;

    /// Whether no key is set (the section is then left out of the canonical form).
    pub fn is_unset(&self) -> bool {
        *self == Self::default()
    }

    /// The review window in force, minutes.
    pub fn review_window_min(&self) -> u32 {
        self.review_window_min.unwrap_or(Self::REVIEW_WINDOW_MIN)
    }

    /// The location tolerance in force, metres.
    pub fn location_tolerance_m(&self) -> f64 {
        self.location_tolerance_m
            .unwrap_or(Self::LOCATION_TOLERANCE_M)
    }

    /// The movement schedule slack in force, minutes.
    pub fn schedule_slack_min(&self) -> u32 {
        self.schedule_slack_min.unwrap_or(Self::SCHEDULE_SLACK_MIN)
    }
}

/// Who may read restricted payloads (DESIGN.md §3.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disclosure {
    /// Restricted kinds with the roles entitled to their plaintext (sorted by kind). The
    /// submitter may always read its own.
    pub restricted: Vec<RestrictedKind>,
}

/// One restricted submission kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestrictedKind {
    /// The kind.
    pub kind: SubmissionKind,
    /// Roles entitled to the plaintext (sorted).
    pub readers: Vec<Role>,
}

impl Disclosure {
    /// The defaults of DESIGN.md §3.1: flight plans, strike areas and the coordinates of
    /// humanitarian sites and movements are restricted; monitors may read them.
    pub fn defaults() -> Self {
        let restricted = [
            SubmissionKind::FlightPlan,
            SubmissionKind::StrikeNotice,
            SubmissionKind::HumanitarianSite,
            SubmissionKind::HumanitarianMovement,
            SubmissionKind::SealedSiteCheck,
        ]
        .into_iter()
        .map(|kind| RestrictedKind {
            kind,
            readers: vec![Role::Monitor],
        })
        .collect();
        Self { restricted }
    }

    /// True when submissions of this kind go into the log as commitments only.
    pub fn is_restricted(&self, kind: SubmissionKind) -> bool {
        self.restricted.iter().any(|r| r.kind == kind)
    }

    /// True when a reader with `role` may see the plaintext of `kind` (unrestricted kinds are
    /// public; the submitter's own access is the caller's business).
    pub fn may_read(&self, kind: SubmissionKind, role: Role) -> bool {
        self.restricted
            .iter()
            .find(|r| r.kind == kind)
            .is_none_or(|r| r.readers.contains(&role))
    }
}

impl Default for Deconfliction {
    /// DESIGN.md §3.2 defaults: 5 nm, 1000 ft, 300 s.
    fn default() -> Self {
        Self {
            horizontal_nm: 5.0,
            vertical_ft: 1000.0,
            lookahead_s: 300.0,
            categories: Vec::new(),
        }
    }
}

impl Default for Humanitarian {
    /// One hour to acknowledge, a second escalation an hour later, 500 m around sites, 1 km
    /// around movements.
    fn default() -> Self {
        Self {
            ack_deadline_min: 60,
            second_escalation_min: 60,
            site_buffer_m: 500.0,
            movement_buffer_m: 1000.0,
            probe_window_min: None,
            probe_report_after: None,
            probe_refuse_after: None,
        }
    }
}
