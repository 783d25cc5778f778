//! `jic agreement`: check, show and hash an agreement package (a directory with
//! `agreement.toml` and the GeoJSON zone files it lists).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jic_agreement::{Agreement, Error, Keyword, PhaseStart, Selector, Terms, load_dir};

use crate::exit::{self, fail};

/// Subcommands of `jic agreement`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Validate a package. Prints every problem as FILE:LINE:COL with a hint and exits 1;
    /// prints one OK line with the agreement's hash and exits 0 when the package is valid.
    Check {
        /// The package directory.
        dir: PathBuf,
    },
    /// Print a readable summary: parties, groups, zones (with areas in km²), phases, rules and
    /// parameters.
    Show {
        /// The package directory.
        dir: PathBuf,
    },
    /// Print the agreement's identity: SHA-256 of its canonical form, in hex. Formatting,
    /// comments and key order do not change it; any change to a term does.
    Hash {
        /// The package directory.
        dir: PathBuf,
    },
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check { dir } => {
            let Some(agreement) = load_or_report(&dir)? else {
                return Ok(exit::check_failed());
            };
            let t = agreement.terms();
            println!(
                "OK {} (version {}): {} parties, {} groups, {} zones, {} phases, {} rules; sha256 {}",
                t.meta.id,
                t.meta.version,
                t.parties.len(),
                t.groups.len(),
                t.zones.len(),
                t.phases.len(),
                t.rules.len(),
                agreement.hash_hex()
            );
            Ok(exit::ok())
        }
        Command::Show { dir } => {
            let Some(agreement) = load_or_report(&dir)? else {
                return Ok(exit::check_failed());
            };
            print!("{}", summary(&agreement));
            Ok(exit::ok())
        }
        Command::Hash { dir } => {
            let Some(agreement) = load_or_report(&dir)? else {
                return Ok(exit::check_failed());
            };
            println!("{}", agreement.hash_hex());
            Ok(exit::ok())
        }
    }
}

/// Loads the package; prints every problem to stderr and returns `None` when it is invalid.
fn load_or_report(dir: &Path) -> anyhow::Result<Option<Agreement>> {
    match load_dir(dir) {
        Ok(agreement) => Ok(Some(agreement)),
        Err(Error::Invalid(diagnostics)) => {
            for d in diagnostics.iter() {
                eprintln!("{}", prefixed(dir, d));
            }
            eprintln!("{} problem(s) in {}", diagnostics.len(), dir.display());
            Ok(None)
        }
        Err(e @ Error::Io { .. }) => Err(fail(exit::IO_FAILED, format!("{e}: {}", io_cause(&e)))),
        Err(e) => Err(fail(exit::INTERNAL, e.to_string())),
    }
}

fn io_cause(e: &Error) -> String {
    std::error::Error::source(e).map_or_else(String::new, ToString::to_string)
}

/// A diagnostic with its file shown relative to where the user is (DIR/file).
fn prefixed(dir: &Path, d: &jic_agreement::Diagnostic) -> String {
    let mut d = d.clone();
    d.file = dir.join(&d.file).display().to_string();
    d.to_string()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

fn selector(s: &Selector) -> String {
    if s.is_any() {
        return "any".to_owned();
    }
    let mut parts = Vec::new();
    if !s.parties.is_empty() {
        parts.push(format!("parties {}", s.parties.join("|")));
    }
    if !s.groups.is_empty() {
        parts.push(format!("groups {}", s.groups.join("|")));
    }
    if let Some(d) = s.designation {
        parts.push(format!("{d}"));
    }
    parts.join(" and ")
}

fn local(t: &Terms, ts: jiff::Timestamp) -> String {
    jiff::tz::Offset::from_seconds(t.calm_day.utc_offset_seconds)
        .map(|o| {
            ts.to_zoned(jiff::tz::TimeZone::fixed(o))
                .strftime("%Y-%m-%d %H:%M %:z")
                .to_string()
        })
        .unwrap_or_else(|_| ts.to_string())
}

/// The readable summary printed by `jic agreement show`.
fn summary(a: &Agreement) -> String {
    let t = a.terms();
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(out, "{} — {}", t.meta.id, t.meta.title);
    let _ = writeln!(
        out,
        "  version {}   sha256 {}",
        t.meta.version,
        a.hash_hex()
    );
    let _ = writeln!(
        out,
        "  in force when countersigned by: {}",
        list(&t.meta.signatories)
    );
    let _ = writeln!(out, "  when no rule matches: {}", t.meta.default_verdict);

    let _ = writeln!(out, "\nParties ({})", t.parties.len());
    for p in &t.parties {
        let _ = writeln!(out, "  {:<20} {:<13} {}", p.id, p.role.as_str(), p.name);
    }

    let _ = writeln!(out, "\nGroups ({})", t.groups.len());
    for g in &t.groups {
        let answerable = g
            .answerable
            .as_deref()
            .map(|p| format!(" (answerable: {p})"))
            .unwrap_or_default();
        let aliases = if g.aliases.is_empty() {
            String::new()
        } else {
            format!(" — also {}", g.aliases.join(", "))
        };
        let _ = writeln!(
            out,
            "  {:<20} {:<11} {}{answerable}{aliases}",
            g.id,
            g.designation.as_str(),
            g.name
        );
    }

    let _ = writeln!(out, "\nZones ({})", t.zones.len());
    for z in &t.zones {
        let size = if z.radius_m > 0.0 {
            format!("radius {:.0} m", z.radius_m)
        } else {
            format!("{:.2} km²", z.area_km2())
        };
        let _ = writeln!(
            out,
            "  {:<28} {:<18} {:<8} {:>14}  {}",
            z.id,
            z.kind.as_str(),
            z.status.as_str(),
            size,
            z.name
        );
        let mut details = Vec::new();
        if let Some(c) = &z.controller {
            details.push(format!("controller {c}"));
        }
        if !z.present_groups.is_empty() {
            details.push(format!("present {}", z.present_groups.join(", ")));
        }
        if let (Some(f), Some(c)) = (z.floor_ft, z.ceiling_ft) {
            details.push(format!("{f:.0}–{c:.0} ft"));
        }
        if let Some(from) = z.valid_from {
            details.push(format!("from {}", local(t, from)));
        }
        if let Some(until) = z.valid_until {
            details.push(format!("until {}", local(t, until)));
        }
        if z.approximate {
            details.push(format!(
                "APPROXIMATE (confidence {})",
                z.confidence.as_deref().unwrap_or("unstated")
            ));
        }
        if !details.is_empty() {
            let _ = writeln!(out, "  {:<28} {}", "", details.join("; "));
        }
    }

    let _ = writeln!(out, "\nPhases ({})", t.phases.len());
    for p in &t.phases {
        let start = match &p.start {
            PhaseStart::At(ts) => format!("starts {}", local(t, *ts)),
            PhaseStart::After {
                phase,
                calm_days: 0,
            } => format!("starts when {phase} ends"),
            PhaseStart::After { phase, calm_days } => {
                format!("starts after {calm_days} consecutive calm days since {phase} began")
            }
        };
        let duration = p
            .duration_hours
            .map(|h| format!(", lasts {h} h"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {:<20} {start}{duration} — {}", p.id, p.name);
    }
    let offset = t.calm_day.utc_offset_seconds;
    let _ = writeln!(
        out,
        "  a calm day: at most {} verified violation(s), days at UTC{}{:02}:{:02}",
        t.calm_day.max_verified_violations,
        if offset < 0 { '-' } else { '+' },
        offset.abs() / 3600,
        offset.abs() % 3600 / 60
    );

    let _ = writeln!(out, "\nRules ({})", t.rules.len());
    for r in &t.rules {
        let actions: Vec<&str> = r.actions.iter().map(|a| a.as_str()).collect();
        let _ = writeln!(
            out,
            "  {:<32} {:<21} {}",
            r.id,
            r.verdict.as_str(),
            actions.join(", ")
        );
        let _ = writeln!(out, "      [{}] {}", r.clause, r.text);
        let mut scope = vec![
            format!("actor {}", selector(&r.actor)),
            format!("target {}", selector(&r.target)),
        ];
        if r.is_zonal() {
            let kinds: Vec<&str> = r.zone_kinds.iter().map(|k| k.as_str()).collect();
            let mut zone = Vec::new();
            if !kinds.is_empty() {
                zone.push(kinds.join("|"));
            }
            if !r.zones.is_empty() {
                zone.push(r.zones.join("|"));
            }
            if !r.zone_controller.is_any() {
                zone.push(format!("held by {}", selector(&r.zone_controller)));
            }
            if r.buffer_m > 0.0 {
                zone.push(format!("+{:.0} m", r.buffer_m));
            }
            scope.push(format!("in {}", zone.join(" ")));
        }
        scope.push(format!("phases {}", list(&r.phases)));
        let _ = writeln!(out, "      {}", scope.join("; "));
    }

    let d = &t.deconfliction;
    let _ = writeln!(
        out,
        "\nDeconfliction: {} nm / {} ft, look-ahead {} s",
        d.horizontal_nm, d.vertical_ft, d.lookahead_s
    );
    for c in &d.categories {
        let _ = writeln!(
            out,
            "  category {}: {} nm / {} ft",
            c.id, c.horizontal_nm, c.vertical_ft
        );
    }
    let h = &t.humanitarian;
    let _ = writeln!(
        out,
        "Humanitarian: acknowledge within {} min, second escalation {} min later; buffers {} m (sites), {} m (movements)",
        h.ack_deadline_min, h.second_escalation_min, h.site_buffer_m, h.movement_buffer_m
    );
    let _ = writeln!(
        out,
        "Disclosure (restricted kinds; the submitter always reads its own):"
    );
    for r in &t.disclosure.restricted {
        let readers: Vec<&str> = r.readers.iter().map(|x| x.as_str()).collect();
        let _ = writeln!(
            out,
            "  {:<22} readable by {}",
            r.kind.as_str(),
            if readers.is_empty() {
                "nobody else".to_owned()
            } else {
                readers.join(", ")
            }
        );
    }
    out
}
