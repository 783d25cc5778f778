//! The loader: sources in, a validated [`Agreement`] or every problem out.
//!
//! # Package layout
//! `agreement.toml` holds the terms; the GeoJSON files it lists in `[agreement] zone_files`
//! hold the geometry, one feature per zone, joined by `[[zones]] feature = "<feature id>"`.
//! The TOML schema (every key, with the September 2016 package as a worked example) is
//! documented in `scenarios/syria-2016-09/agreement/agreement.toml` and ARCHITECTURE.md.
//!
//! # Validation
//! The loader never stops at the first problem: TOML syntax errors are recovered from, every
//! table reports all unknown keys, every reference is checked after everything was read, and
//! every feature's geometry is validated. Each problem carries file, line, column, what is
//! wrong and a hint.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::de::DeTable;

use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::geojson::{Feature, read_features};
use crate::model::{
    ActionKind, CalmDay, Deconfliction, Designation, Disclosure, Group, Humanitarian, Keyword,
    Meta, Party, Phase, PhaseStart, RestrictedKind, Role, Rule, Selector, SeparationCategory,
    Strike, SubmissionKind, Terms, Verdict, Zone, ZoneKind, ZoneStatus,
};
use crate::toml_read::{Reader, Table, suggestion};
use crate::{Agreement, Error};

/// The name of the terms file in a package.
pub const TERMS_FILE: &str = "agreement.toml";

/// One file of a package, in memory.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// File name relative to the package directory (e.g. `zones.geojson`).
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// What a reference must resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Party,
    Group,
    PartyOrGroup,
    Phase,
    Zone,
}

struct Reference {
    kind: RefKind,
    id: String,
    span: Range<usize>,
    context: String,
}

/// Loads a package from its files. `sources` must contain [`TERMS_FILE`] and every zone file
/// it lists; other entries are ignored.
///
/// # Errors
/// [`Error::Invalid`] with every problem found, sorted by file and position.
pub fn load(sources: &[Source<'_>]) -> Result<Agreement, Error> {
    let Some(terms_source) = sources.iter().find(|s| s.name == TERMS_FILE) else {
        return Err(Error::Invalid(Diagnostics(vec![Diagnostic {
            file: TERMS_FILE.to_owned(),
            line: 1,
            column: 1,
            message: "the package has no agreement.toml".to_owned(),
            hint:
                "a package is a directory with agreement.toml and the GeoJSON zone files it lists"
                    .to_owned(),
        }])));
    };
    let mut l = Loader {
        r: Reader::new(SourceMap::new(TERMS_FILE, terms_source.text)),
        declared_parties: BTreeSet::new(),
        declared_groups: BTreeSet::new(),
        refs: Vec::new(),
        geo_diags: Vec::new(),
    };
    let (root, syntax) = DeTable::parse_recoverable(terms_source.text);
    for e in syntax {
        let span = e.span().unwrap_or(0..0);
        l.r.error(
            &span,
            format!("TOML syntax: {}", e.message().trim()),
            "fix the syntax here (see https://toml.io/en/v1.0.0)",
        );
    }
    let span = root.span();
    let mut t = Table::new("agreement.toml", span, root.get_ref());
    let terms = l.terms(&mut t, sources);
    l.r.finish(t);

    let mut diags = l.r.diags;
    diags.append(&mut l.geo_diags);
    // agreement.toml first, then zone files in the order listed; by position within a file.
    let order: Vec<&str> = std::iter::once(TERMS_FILE)
        .chain(sources.iter().map(|s| s.name))
        .collect();
    diags.sort_by_key(|d| (order.iter().position(|n| *n == d.file), d.line, d.column));
    diags.dedup();
    match terms {
        Some(terms) if diags.is_empty() => Ok(Agreement::from_terms(terms)),
        _ => Err(Error::Invalid(Diagnostics(diags))),
    }
}

struct Loader<'s> {
    r: Reader<'s>,
    /// Every party and group id declared, even in an entry that has other problems, so one
    /// mistake does not cascade into "unknown party" everywhere the id is used.
    declared_parties: BTreeSet<String>,
    declared_groups: BTreeSet<String>,
    refs: Vec<Reference>,
    geo_diags: Vec<Diagnostic>,
}

/// A rule with the spans of its zone kinds, for the "no zone has that kind" check.
type RuleWithKindSpans = (Rule, Vec<(ZoneKind, Range<usize>)>);

/// Zone entries keep the span of their `feature` key until geometry is joined.
struct PendingZone {
    zone: Zone,
    feature_span: Range<usize>,
    radius_span: Range<usize>,
}

impl Loader<'_> {
    fn reference(&mut self, kind: RefKind, id: &str, span: &Range<usize>, context: &str) {
        self.refs.push(Reference {
            kind,
            id: id.to_owned(),
            span: span.clone(),
            context: context.to_owned(),
        });
    }

    fn terms(&mut self, root: &mut Table<'_, '_>, sources: &[Source<'_>]) -> Option<Terms> {
        // Without a usable [agreement] section the rest is still checked, so every problem is
        // reported in one run; only the final assembly needs it.
        let (meta, zone_files) = self.meta(root);
        let mut ids: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let parties: Vec<Party> = self
            .r
            .tables(root, "parties")
            .into_iter()
            .filter_map(|t| self.party(t, &mut ids))
            .collect();
        let groups: Vec<Group> = self
            .r
            .tables(root, "groups")
            .into_iter()
            .filter_map(|t| self.group(t, &mut ids))
            .collect();
        let mut zone_ids = BTreeMap::new();
        let pending: Vec<PendingZone> = self
            .r
            .tables(root, "zones")
            .into_iter()
            .filter_map(|t| self.zone(t, &mut zone_ids))
            .collect();
        let mut phase_ids = BTreeMap::new();
        let phases: Vec<Phase> = self
            .r
            .tables(root, "phases")
            .into_iter()
            .filter_map(|t| self.phase(t, &mut phase_ids))
            .collect();
        let calm_day = self.calm_day(root);
        let mut rule_ids = BTreeMap::new();
        let rules: Vec<RuleWithKindSpans> = self
            .r
            .tables(root, "rules")
            .into_iter()
            .filter_map(|t| self.rule(t, &mut rule_ids))
            .collect();
        let deconfliction = self.deconfliction(root);
        let humanitarian = self.humanitarian(root);
        let strike = self.strike(root);
        let disclosure = self.disclosure(root);

        // Kinds are taken from the declared zones, so a zone whose geometry is broken does not
        // also make every rule using its kind fail.
        let kinds_present: BTreeSet<ZoneKind> = pending.iter().map(|p| p.zone.kind).collect();
        let zones = self.join_geometry(pending, &zone_files, sources);
        self.check_references(&phase_ids, &zone_ids);
        self.check_phase_cycles(&phases, &phase_ids);
        for (rule, kind_spans) in &rules {
            for (kind, span) in kind_spans {
                if !kinds_present.contains(kind) {
                    self.r.error(
                        span,
                        format!("rule `{}` applies in zones of kind `{kind}`, but no zone has that kind", rule.id),
                        format!("add a [[zones]] entry with kind = \"{kind}\", or remove `{kind}` from this rule's zone_kinds"),
                    );
                }
            }
        }

        let mut terms = Terms {
            meta: meta?,
            parties,
            groups,
            zones,
            phases,
            calm_day,
            rules: rules.into_iter().map(|(r, _)| r).collect(),
            deconfliction,
            humanitarian,
            strike,
            disclosure,
        };
        terms.parties.sort_by(|a, b| a.id.cmp(&b.id));
        terms.groups.sort_by(|a, b| a.id.cmp(&b.id));
        terms.zones.sort_by(|a, b| a.id.cmp(&b.id));
        terms.phases.sort_by(|a, b| a.id.cmp(&b.id));
        terms.rules.sort_by(|a, b| a.id.cmp(&b.id));
        Some(terms)
    }

    /// Records an id, reporting a duplicate.
    fn unique(
        &mut self,
        ids: &mut BTreeMap<String, Range<usize>>,
        id: &str,
        span: &Range<usize>,
        what: &str,
    ) -> bool {
        if let Some(first) = ids.get(id) {
            let (line, column) = self.r.map.line_col(first.start);
            self.r.error(
                span,
                format!("duplicate {what} id `{id}` (first used at line {line}, column {column})"),
                "give each one a unique id",
            );
            return false;
        }
        ids.insert(id.to_owned(), span.clone());
        true
    }

    fn id(&mut self, t: &mut Table<'_, '_>, section: &str) -> Option<(String, Range<usize>)> {
        let (id, span) = self.r.string(t, "id", true)?;
        let valid = id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !valid {
            self.r.error(
                &span,
                format!("id `{id}` may only contain letters, digits, '_', '-' and '.'"),
                "rename it, e.g. `jabhat_fateh_al_sham`",
            );
        }
        t.rename(format!("[[{section}]] `{id}`"));
        Some((id, span))
    }

    /// The `[agreement]` section and its zone file list (returned even when the rest of the
    /// section is unusable, so geometry is still checked).
    fn meta(&mut self, root: &mut Table<'_, '_>) -> (Option<Meta>, Vec<(String, Range<usize>)>) {
        let Some(mut t) = self.r.table(root, "agreement") else {
            self.r.error(
                &root.span,
                "agreement.toml has no [agreement] section",
                "add [agreement] with id, title, version, signatories and zone_files",
            );
            return (None, Vec::new());
        };
        t.rename("[agreement]".into());
        let id = self.r.string(&mut t, "id", true);
        let title = self.r.string(&mut t, "title", true);
        let version = self.r.string(&mut t, "version", true);
        let signatories = self.r.strings(&mut t, "signatories", true);
        for (s, span) in &signatories {
            self.reference(RefKind::Party, s, span, "signatory");
        }
        let default_verdict = self
            .r
            .keyword::<Verdict>(&mut t, "default_verdict", "verdict", false)
            .unwrap_or(Verdict::Permitted);
        let zone_files = self.r.strings(&mut t, "zone_files", true);
        self.r.finish(t);
        let meta = match (id, title, version) {
            (Some(id), Some(title), Some(version)) => Some(Meta {
                id: id.0,
                title: title.0,
                version: version.0,
                signatories: sorted(signatories.into_iter().map(|s| s.0)),
                default_verdict,
            }),
            _ => None,
        };
        (meta, zone_files)
    }

    fn party(
        &mut self,
        mut t: Table<'_, '_>,
        ids: &mut BTreeMap<String, Range<usize>>,
    ) -> Option<Party> {
        let id = self.id(&mut t, "parties");
        if let Some((id, _)) = &id {
            self.declared_parties.insert(id.clone());
        }
        let name = self.r.string(&mut t, "name", true);
        let role = self.r.keyword::<Role>(&mut t, "role", "role", true);
        self.r.finish(t);
        let (id, span) = id?;
        self.unique(ids, &id, &span, "party or group")
            .then_some(())?;
        Some(Party {
            id,
            name: name?.0,
            role: role?,
        })
    }

    fn group(
        &mut self,
        mut t: Table<'_, '_>,
        ids: &mut BTreeMap<String, Range<usize>>,
    ) -> Option<Group> {
        let id = self.id(&mut t, "groups");
        if let Some((id, _)) = &id {
            self.declared_groups.insert(id.clone());
        }
        let name = self.r.string(&mut t, "name", true);
        let aliases = self.r.strings(&mut t, "aliases", false);
        let designation = self
            .r
            .keyword::<Designation>(&mut t, "designation", "designation", true);
        let answerable = self.r.string(&mut t, "answerable", false);
        if let Some((party, span)) = &answerable {
            self.reference(RefKind::Party, party, span, "answerable party");
        }
        if designation == Some(Designation::Covered) && answerable.is_none() {
            self.r.error(&t.span, format!("covered group in {} has no answerable party", t.name), "add `answerable = \"<party id>\"`: a covered group needs a party that answers for it");
        }
        self.r.finish(t);
        let (id, span) = id?;
        self.unique(ids, &id, &span, "party or group")
            .then_some(())?;
        Some(Group {
            id,
            name: name?.0,
            aliases: sorted(aliases.into_iter().map(|a| a.0)),
            designation: designation?,
            answerable: answerable.map(|a| a.0),
        })
    }

    fn zone(
        &mut self,
        mut t: Table<'_, '_>,
        ids: &mut BTreeMap<String, Range<usize>>,
    ) -> Option<PendingZone> {
        let span = t.span.clone();
        let id = self.id(&mut t, "zones");
        let name = self.r.string(&mut t, "name", true);
        let kind = self
            .r
            .keyword::<ZoneKind>(&mut t, "kind", "zone kind", true);
        let status = self
            .r
            .keyword::<ZoneStatus>(&mut t, "status", "zone status", true);
        let feature = self.r.string(&mut t, "feature", true);
        let controller = self.r.string(&mut t, "controller", false);
        if let Some((c, s)) = &controller {
            self.reference(RefKind::PartyOrGroup, c, s, "zone controller");
        }
        let present = self.r.strings(&mut t, "present_groups", false);
        for (g, s) in &present {
            self.reference(RefKind::Group, g, s, "present group");
        }
        let valid_from = self.r.timestamp(&mut t, "valid_from", false);
        let valid_until = self.r.timestamp(&mut t, "valid_until", false);
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && from >= until
        {
            self.r.error(
                &span,
                format!("{} ends before it starts", t.name),
                "make valid_until later than valid_from",
            );
        }
        let floor_ft = self.r.number(&mut t, "floor_ft", -2_000.0, 100_000.0);
        let ceiling_ft = self.r.number(&mut t, "ceiling_ft", -2_000.0, 100_000.0);
        if kind == Some(ZoneKind::RestrictedAirspace) {
            match (floor_ft, ceiling_ft) {
                (Some(f), Some(c)) if f < c => {}
                (Some(_), Some(_)) => self.r.error(
                    &span,
                    format!("{} has a floor not below its ceiling", t.name),
                    "set floor_ft below ceiling_ft",
                ),
                _ => self.r.error(
                    &span,
                    format!(
                        "restricted airspace {} needs floor_ft and ceiling_ft",
                        t.name
                    ),
                    "add e.g. `floor_ft = 0` and `ceiling_ft = 25000`",
                ),
            }
        } else if floor_ft.is_some() || ceiling_ft.is_some() {
            self.r.error(
                &span,
                format!(
                    "{} has floor_ft/ceiling_ft but is not restricted_airspace",
                    t.name
                ),
                "remove them, or set kind = \"restricted_airspace\"",
            );
        }
        let radius_m = self
            .r
            .number(&mut t, "radius_m", 0.0, 100_000.0)
            .unwrap_or(0.0);
        let approximate_key = self.r.boolean(&mut t, "approximate");
        let confidence_key = self.r.string(&mut t, "confidence", false);
        self.r.finish(t);
        let (id, id_span) = id?;
        self.unique(ids, &id, &id_span, "zone").then_some(())?;
        let (feature, feature_span) = feature?;
        Some(PendingZone {
            zone: Zone {
                id,
                name: name?.0,
                kind: kind?,
                status: status?,
                controller: controller.map(|c| c.0),
                present_groups: sorted(present.into_iter().map(|p| p.0)),
                valid_from,
                valid_until,
                floor_ft,
                ceiling_ft,
                radius_m,
                approximate: approximate_key.unwrap_or(false),
                confidence: confidence_key.map(|c| c.0),
                geometry: jic_geo::Shape::Point(geo_types::Coord { x: 0.0, y: 0.0 }),
                feature,
            },
            feature_span,
            radius_span: span,
        })
    }

    fn phase(
        &mut self,
        mut t: Table<'_, '_>,
        ids: &mut BTreeMap<String, Range<usize>>,
    ) -> Option<Phase> {
        let id = self.id(&mut t, "phases");
        let name = self.r.string(&mut t, "name", true);
        let duration_hours = self
            .r
            .integer(&mut t, "duration_hours", 1, 24 * 3660, false);
        let start = match self.r.table(&mut t, "start") {
            None => {
                self.r.error(&t.span, format!("{} has no `start`", t.name), "add `start = { at = 2016-09-12T19:00:00+03:00 }` or `start = { after = \"<phase>\", calm_days = 7 }`");
                None
            }
            Some(mut s) => {
                s.rename(format!("`start` of {}", t.name));
                let at = self.r.timestamp(&mut s, "at", false);
                let after = self.r.string(&mut s, "after", false);
                let calm_days = self.r.integer(&mut s, "calm_days", 0, 3660, false);
                let start = match (at, after) {
                    (Some(at), None) if calm_days.is_none() => Some(PhaseStart::At(at)),
                    (None, Some((phase, span))) => {
                        self.reference(RefKind::Phase, &phase, &span, "preceding phase");
                        Some(PhaseStart::After {
                            phase,
                            calm_days: calm_days.unwrap_or(0),
                        })
                    }
                    _ => {
                        self.r.error(&s.span, format!("{} must have either `at` or `after` (with optional `calm_days`)", s.name), "write `{ at = 2016-09-12T19:00:00+03:00 }` or `{ after = \"recommitment\", calm_days = 7 }`");
                        None
                    }
                };
                self.r.finish(s);
                start
            }
        };
        self.r.finish(t);
        let (id, span) = id?;
        self.unique(ids, &id, &span, "phase").then_some(())?;
        Some(Phase {
            id,
            name: name?.0,
            start: start?,
            duration_hours,
        })
    }

    fn calm_day(&mut self, root: &mut Table<'_, '_>) -> CalmDay {
        let mut calm = CalmDay {
            max_verified_violations: 0,
            utc_offset_seconds: 0,
        };
        if let Some(mut t) = self.r.table(root, "calm_day") {
            t.rename("[calm_day]".into());
            calm.max_verified_violations = self
                .r
                .integer(&mut t, "max_verified_violations", 0, 1_000_000, true)
                .unwrap_or(0);
            calm.utc_offset_seconds = self.r.utc_offset(&mut t, "utc_offset").unwrap_or(0);
            self.r.finish(t);
        }
        calm
    }

    fn selector(&mut self, t: &mut Table<'_, '_>, key: &'static str) -> Selector {
        let Some(mut s) = self.r.table(t, key) else {
            return Selector::default();
        };
        s.rename(format!("`{key}` of {}", t.name));
        let parties = self.r.strings(&mut s, "parties", false);
        let groups = self.r.strings(&mut s, "groups", false);
        let designation =
            self.r
                .keyword::<Designation>(&mut s, "designation", "designation", false);
        self.r.finish(s);
        for (p, span) in &parties {
            self.reference(RefKind::Party, p, span, &format!("`{key}` party"));
        }
        for (g, span) in &groups {
            self.reference(RefKind::Group, g, span, &format!("`{key}` group"));
        }
        Selector {
            parties: sorted(parties.into_iter().map(|p| p.0)),
            groups: sorted(groups.into_iter().map(|g| g.0)),
            designation,
        }
    }

    #[allow(
        clippy::type_complexity,
        reason = "the rule travels with the spans of its zone kinds for one check"
    )]
    fn rule(
        &mut self,
        mut t: Table<'_, '_>,
        ids: &mut BTreeMap<String, Range<usize>>,
    ) -> Option<(Rule, Vec<(ZoneKind, Range<usize>)>)> {
        let id = self.id(&mut t, "rules");
        let clause = self.r.string(&mut t, "clause", true);
        let text = self.r.string(&mut t, "text", true);
        let source = self.r.string(&mut t, "source", false);
        let actions = self
            .r
            .keywords::<ActionKind>(&mut t, "actions", "action", true);
        let actor = self.selector(&mut t, "actor");
        let target = self.selector(&mut t, "target");
        let kind_words = self.r.strings(&mut t, "zone_kinds", false);
        let mut zone_kinds = Vec::new();
        for (word, span) in &kind_words {
            match ZoneKind::parse(word) {
                Some(k) => zone_kinds.push((k, span.clone())),
                None => {
                    let words: Vec<&str> = ZoneKind::ALL.iter().map(|(w, _)| *w).collect();
                    self.r.error(
                        span,
                        format!("unknown zone kind `{word}`"),
                        format!(
                            "{}use one of: {}",
                            suggestion(word, words.iter().copied()),
                            words.join(", ")
                        ),
                    );
                }
            }
        }
        let zone_names = self.r.strings(&mut t, "zones", false);
        for (z, span) in &zone_names {
            self.reference(RefKind::Zone, z, span, "rule zone");
        }
        let zone_controller = self.selector(&mut t, "zone_controller");
        let phases = self.r.strings(&mut t, "phases", false);
        for (p, span) in &phases {
            self.reference(RefKind::Phase, p, span, "rule phase");
        }
        let verdict = self
            .r
            .keyword::<Verdict>(&mut t, "verdict", "verdict", true);
        let buffer_m = self
            .r
            .number(&mut t, "buffer_m", 0.0, 1_000_000.0)
            .unwrap_or(0.0);
        self.r.finish(t);
        let (id, span) = id?;
        self.unique(ids, &id, &span, "rule").then_some(())?;
        if actions.is_empty() {
            return None;
        }
        let rule = Rule {
            id,
            clause: clause?.0,
            text: text?.0,
            source: source.map(|s| s.0),
            actions: sorted(actions),
            actor,
            target,
            zone_kinds: sorted(zone_kinds.iter().map(|(k, _)| *k)),
            zones: sorted(zone_names.into_iter().map(|z| z.0)),
            zone_controller,
            phases: sorted(phases.into_iter().map(|p| p.0)),
            verdict: verdict?,
            buffer_m,
        };
        Some((rule, zone_kinds))
    }

    fn deconfliction(&mut self, root: &mut Table<'_, '_>) -> Deconfliction {
        let mut d = Deconfliction::default();
        let Some(mut t) = self.r.table(root, "deconfliction") else {
            return d;
        };
        t.rename("[deconfliction]".into());
        d.horizontal_nm = self
            .r
            .number(&mut t, "horizontal_nm", 0.0, 100.0)
            .unwrap_or(d.horizontal_nm);
        d.vertical_ft = self
            .r
            .number(&mut t, "vertical_ft", 0.0, 10_000.0)
            .unwrap_or(d.vertical_ft);
        d.lookahead_s = self
            .r
            .number(&mut t, "lookahead_s", 0.0, 3_600.0)
            .unwrap_or(d.lookahead_s);
        let mut ids = BTreeMap::new();
        for mut c in self.r.tables(&mut t, "categories") {
            let id = self.id(&mut c, "deconfliction.categories");
            let horizontal_nm = self.r.number(&mut c, "horizontal_nm", 0.0, 100.0);
            let vertical_ft = self.r.number(&mut c, "vertical_ft", 0.0, 10_000.0);
            if horizontal_nm.is_none() && vertical_ft.is_none() {
                self.r.error(
                    &c.span,
                    format!("{} sets no minimum", c.name),
                    "add horizontal_nm and/or vertical_ft",
                );
            }
            self.r.finish(c);
            if let Some((id, span)) = id
                && self.unique(&mut ids, &id, &span, "separation category")
            {
                d.categories.push(SeparationCategory {
                    id,
                    horizontal_nm: horizontal_nm.unwrap_or(d.horizontal_nm),
                    vertical_ft: vertical_ft.unwrap_or(d.vertical_ft),
                });
            }
        }
        d.categories.sort_by(|a, b| a.id.cmp(&b.id));
        self.r.finish(t);
        d
    }

    fn humanitarian(&mut self, root: &mut Table<'_, '_>) -> Humanitarian {
        let mut h = Humanitarian::default();
        let Some(mut t) = self.r.table(root, "humanitarian") else {
            return h;
        };
        t.rename("[humanitarian]".into());
        h.ack_deadline_min = self
            .r
            .integer(&mut t, "ack_deadline_min", 1, 10_080, false)
            .unwrap_or(h.ack_deadline_min);
        h.second_escalation_min = self
            .r
            .integer(&mut t, "second_escalation_min", 1, 10_080, false)
            .unwrap_or(h.second_escalation_min);
        h.site_buffer_m = self
            .r
            .number(&mut t, "site_buffer_m", 0.0, 100_000.0)
            .unwrap_or(h.site_buffer_m);
        h.movement_buffer_m = self
            .r
            .number(&mut t, "movement_buffer_m", 0.0, 100_000.0)
            .unwrap_or(h.movement_buffer_m);
        h.probe_window_min = self.r.integer(&mut t, "probe_window_min", 1, 10_080, false);
        h.probe_report_after = self
            .r
            .integer(&mut t, "probe_report_after", 1, 1_000, false);
        h.probe_refuse_after = self
            .r
            .integer(&mut t, "probe_refuse_after", 1, 1_000, false);
        if h.probe_report_after() > h.probe_refuse_after() {
            self.r.error(
                &t.span,
                format!(
                    "probe_report_after ({}) is above probe_refuse_after ({}): askers would be refused before anyone is told",
                    h.probe_report_after(),
                    h.probe_refuse_after()
                ),
                "report at or below the refusal threshold",
            );
        }
        self.r.finish(t);
        h
    }

    fn strike(&mut self, root: &mut Table<'_, '_>) -> Strike {
        let mut s = Strike::default();
        let Some(mut t) = self.r.table(root, "strike") else {
            return s;
        };
        t.rename("[strike]".into());
        s.review_window_min = self
            .r
            .integer(&mut t, "review_window_min", 1, 10_080, false);
        s.location_tolerance_m = self
            .r
            .number(&mut t, "location_tolerance_m", 0.0, 100_000.0);
        s.schedule_slack_min = self
            .r
            .integer(&mut t, "schedule_slack_min", 0, 1_440, false);
        self.r.finish(t);
        s
    }

    fn disclosure(&mut self, root: &mut Table<'_, '_>) -> Disclosure {
        let Some(mut t) = self.r.table(root, "disclosure") else {
            return Disclosure::defaults();
        };
        t.rename("[disclosure]".into());
        let mut restricted: Vec<RestrictedKind> = Vec::new();
        for mut r in self.r.tables(&mut t, "restricted") {
            let kind = self
                .r
                .keyword::<SubmissionKind>(&mut r, "kind", "submission kind", true);
            let readers = self.r.keywords::<Role>(&mut r, "readers", "role", false);
            if let Some(kind) = kind {
                if restricted.iter().any(|x| x.kind == kind) {
                    self.r.error(
                        &r.span,
                        format!("submission kind `{kind}` is restricted twice"),
                        "merge the two entries",
                    );
                } else {
                    restricted.push(RestrictedKind {
                        kind,
                        readers: sorted(readers),
                    });
                }
            }
            self.r.finish(r);
        }
        self.r.finish(t);
        restricted.sort_by_key(|r| r.kind);
        Disclosure { restricted }
    }

    fn join_geometry(
        &mut self,
        pending: Vec<PendingZone>,
        zone_files: &[(String, Range<usize>)],
        sources: &[Source<'_>],
    ) -> Vec<Zone> {
        let mut features: BTreeMap<String, (Feature, String)> = BTreeMap::new();
        let mut used_files = BTreeSet::new();
        // When a listed file is missing or unreadable, its features cannot be looked up: do not
        // report every zone using them as a second, misleading problem.
        let mut all_files_read = true;
        for (file, span) in zone_files {
            if !used_files.insert(file.clone()) {
                self.r.error(
                    span,
                    format!("zone file `{file}` is listed twice"),
                    "list each file once",
                );
                continue;
            }
            let Some(source) = sources.iter().find(|s| s.name == file) else {
                self.r.error(
                    span,
                    format!("zone file `{file}` is not in the package"),
                    "put the file next to agreement.toml, or fix the name",
                );
                all_files_read = false;
                continue;
            };
            let map = SourceMap::new(source.name, source.text);
            let Some(read) = read_features(&map, source.text, &mut self.geo_diags) else {
                all_files_read = false;
                continue;
            };
            for f in read {
                if let Some((first, first_file)) = features.get(&f.id) {
                    let first_pos = SourceMap::new(
                        first_file,
                        sources
                            .iter()
                            .find(|s| s.name == first_file)
                            .map_or("", |s| s.text),
                    )
                    .line_col(first.offset);
                    self.geo_diags.push(map.diagnostic(
                        f.offset,
                        format!("duplicate feature id `{}` (also in {first_file} at line {}, column {})", f.id, first_pos.0, first_pos.1),
                        "give each feature a unique id",
                    ));
                } else {
                    features.insert(f.id.clone(), (f, file.clone()));
                }
            }
        }
        let mut used = BTreeSet::new();
        let mut zones = Vec::new();
        for p in pending {
            let mut zone = p.zone;
            let Some((feature, _)) = features.get(&zone.feature) else {
                if all_files_read && !zone_files.is_empty() {
                    let known: Vec<&str> = features.keys().map(String::as_str).collect();
                    self.r.error(
                        &p.feature_span,
                        format!("zone `{}` names feature `{}`, which no zone file has", zone.id, zone.feature),
                        format!("{}check the feature's `id` property in the GeoJSON, or the spelling here", suggestion(&zone.feature, known)),
                    );
                }
                continue;
            };
            used.insert(zone.feature.clone());
            let Some(shape) = feature.shape.clone() else {
                continue;
            };
            if !matches!(shape, jic_geo::Shape::Area(_)) && zone.radius_m <= 0.0 {
                self.r.error(
                    &p.radius_span,
                    format!("zone `{}` is a point or line but has no `radius_m`", zone.id),
                    "add `radius_m = <metres>`: the half-width of the route or the radius around the point",
                );
            }
            zone.geometry = shape;
            zone.approximate |= feature.approximate;
            if zone.confidence.is_none() {
                zone.confidence.clone_from(&feature.confidence);
            }
            zones.push(zone);
        }
        for (id, (feature, file)) in &features {
            if !used.contains(id)
                && let Some(source) = sources.iter().find(|s| s.name == file)
            {
                let map = SourceMap::new(source.name, source.text);
                self.geo_diags.push(map.diagnostic(
                        feature.offset,
                        format!("feature `{id}` is not used by any zone"),
                        format!("add a [[zones]] entry with feature = \"{id}\" to agreement.toml, or remove the feature"),
                    ));
            }
        }
        zones
    }

    fn check_references(
        &mut self,
        phases: &BTreeMap<String, Range<usize>>,
        zones: &BTreeMap<String, Range<usize>>,
    ) {
        let zone_ids: BTreeSet<&str> = zones.keys().map(String::as_str).collect();
        let phase_ids: BTreeSet<&str> = phases.keys().map(String::as_str).collect();
        let declared_parties = std::mem::take(&mut self.declared_parties);
        let declared_groups = std::mem::take(&mut self.declared_groups);
        let party_ids: BTreeSet<&str> = declared_parties.iter().map(String::as_str).collect();
        let group_ids: BTreeSet<&str> = declared_groups.iter().map(String::as_str).collect();
        let refs = std::mem::take(&mut self.refs);
        for r in refs {
            let (ok, pool, what, section): (bool, Vec<&str>, &str, &str) = match r.kind {
                RefKind::Party => (
                    party_ids.contains(r.id.as_str()),
                    party_ids.iter().copied().collect(),
                    "party",
                    "[[parties]]",
                ),
                RefKind::Group => (
                    group_ids.contains(r.id.as_str()),
                    group_ids.iter().copied().collect(),
                    "group",
                    "[[groups]]",
                ),
                RefKind::PartyOrGroup => (
                    party_ids.contains(r.id.as_str()) || group_ids.contains(r.id.as_str()),
                    party_ids.iter().chain(group_ids.iter()).copied().collect(),
                    "party or group",
                    "[[parties]] or [[groups]]",
                ),
                RefKind::Phase => (
                    phase_ids.contains(r.id.as_str()),
                    phase_ids.iter().copied().collect(),
                    "phase",
                    "[[phases]]",
                ),
                RefKind::Zone => (
                    zone_ids.contains(r.id.as_str()),
                    zone_ids.iter().copied().collect(),
                    "zone",
                    "[[zones]]",
                ),
            };
            if !ok {
                self.r.error(
                    &r.span,
                    format!("{} `{}` is not a known {what}", r.context, r.id),
                    format!(
                        "{}define it in a {section} entry, or fix the spelling",
                        suggestion(&r.id, pool)
                    ),
                );
            }
        }
    }

    fn check_phase_cycles(&mut self, phases: &[Phase], spans: &BTreeMap<String, Range<usize>>) {
        let after: BTreeMap<&str, &str> = phases
            .iter()
            .filter_map(|p| match &p.start {
                PhaseStart::After { phase, .. } => Some((p.id.as_str(), phase.as_str())),
                PhaseStart::At(_) => None,
            })
            .collect();
        for p in phases {
            let mut current = p.id.as_str();
            for _ in 0..=phases.len() {
                match after.get(current) {
                    Some(&next) if next == p.id => {
                        if let Some(span) = spans.get(&p.id) {
                            self.r.error(span, format!("phase `{}` waits on itself through `after`", p.id), "break the cycle: one phase of the chain needs `start = { at = ... }`");
                        }
                        break;
                    }
                    Some(&next) => current = next,
                    None => break,
                }
            }
        }
    }
}

fn sorted<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let set: BTreeSet<T> = items.into_iter().collect();
    set.into_iter().collect()
}
