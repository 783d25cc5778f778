//! `jic deconflict`: offline conflict detection between tracks, 4D flight plans and restricted
//! airspace volumes. The formats are documented in `jic_deconflict::states_csv` and
//! `jic_deconflict::plans_geojson`; this module only reads files and prints.

use crate::exit::{BAD_INPUT, IO_FAILED, check_failed, fail, ok};
use jic_deconflict::grid::detect;
use jic_deconflict::plan::{PlanConflict, PlanMinima, plan_conflicts};
use jic_deconflict::plans_geojson::{FeatureError, parse_plans, parse_volumes};
use jic_deconflict::states_csv::{conflict_rows, format_conflicts, parse_states, push_field};
use jic_deconflict::track::{Minima, MinimaSet, TrackState};
use jic_deconflict::units::{M_PER_FT, ft_to_m, m_to_nm, nm_to_m};
use jic_deconflict::volume::{VolumeCrossing, plan_volume_crossings};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const TRACKS_HELP: &str = "\
Input (CSV, UTF-8): a header naming the columns id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm (any
order, extra columns ignored), then one aircraft per line: id (non-empty, unique), lat and lon in
WGS-84 degrees, alt_ft in feet, gs_kt ground speed in knots (>= 0), trk_deg true track in
degrees, vs_fpm vertical speed in feet per minute. RFC 4180 quoting; CRLF and a BOM accepted.

Output (CSV on stdout): id1,id2,tcpa_s,dcpa_nm,tin_s,tout_s, one row per conflicting unordered
pair with id1 < id2 (byte order), sorted, six decimals; tin_s may be -inf and tout_s inf for
pairs that never separate (formation flight).

Semantics (DESIGN.md 3.2): straight-line extrapolation; per-pair flat frame at the mean latitude
on a 6,371 km sphere; conflict iff dcpa < R and max(tin_h, tin_v) <= min(tout_h, tout_v),
tout > 0, tin < look-ahead; strict inequalities (two level aircraft exactly 1000 ft apart are
not in conflict). Units: 1 kt = 0.514444 m/s, 1 ft = 0.3048 m, 1 nm = 1852 m.

Bad rows are reported on stderr as `line N: reason` and skipped (a repeated id is a bad row,
the first occurrence is kept); with --strict the first bad row ends the run with exit code 2.";

const PLANS_HELP: &str = "\
Plans (GeoJSON FeatureCollection of LineString features): each position is [lon, lat, alt_ft]
(degrees, FEET); properties.times is an array of RFC 3339 instants, one per position, strictly
increasing; the plan id is the feature id or properties.id; optional properties.rpz_nm and
properties.hpz_ft override the minima for that plan. Legs are linear in lat, lon and altitude.

Volumes (--volumes, GeoJSON FeatureCollection of Polygon/MultiPolygon features):
properties.floor_ft and properties.ceiling_ft (required), optional properties.start and
properties.end (RFC 3339); features whose properties.kind is present and not
`restricted_airspace` are skipped, so an agreement zone file can be used as it is. The boundary,
floor, ceiling and window ends count as inside.

Output, CSV: kind,id1,id2,start,end,leg1,leg2,min_horizontal_nm,vertical_ft,min_time,min_lat,min_lon
  kind=plan:   id1 < id2, start = first loss of separation, end = end of the last loss,
               leg1/leg2 = legs (0-based) at the first loss, then the minimum horizontal
               separation while separation is lost, the vertical separation, time and midpoint
               position at that minimum;
  kind=volume: id1 = plan, id2 = volume, start/end = entry/exit, leg1/leg2 = legs at entry/exit.
Times are RFC 3339 UTC. --format json prints the same as {\"plan_conflicts\": [...],
\"volume_crossings\": [...]}. Geometry is exact per leg pair (closed form, no time sampling).

Bad features are reported on stderr and skipped; with --strict the first one ends the run with
exit code 2.";

/// Subcommands of `jic deconflict`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Predict conflicts between aircraft from their current states (CSV in, CSV out).
    #[command(after_long_help = TRACKS_HELP)]
    Tracks(TracksArgs),
    /// Find conflicts between 4D flight plans, and their entries into restricted volumes.
    #[command(after_long_help = PLANS_HELP)]
    Plans(PlansArgs),
}

/// Arguments of `jic deconflict tracks`.
#[derive(Debug, clap::Args)]
pub(crate) struct TracksArgs {
    /// The states file (`-` reads standard input).
    states: PathBuf,
    /// Horizontal separation minimum (protected-zone radius), nautical miles.
    #[arg(long, default_value_t = 5.0)]
    rpz_nm: f64,
    /// Vertical separation minimum (protected-zone half-height), feet.
    #[arg(long, default_value_t = 1000.0)]
    hpz_ft: f64,
    /// Look-ahead, seconds.
    #[arg(long, default_value_t = 300.0)]
    lookahead_s: f64,
    /// Stop at the first bad row (exit code 2) instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// Exit with code 1 when any conflict is found.
    #[arg(long)]
    fail_on_conflict: bool,
}

/// Output format of `jic deconflict plans`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Csv,
    Json,
}

/// Arguments of `jic deconflict plans`.
#[derive(Debug, clap::Args)]
pub(crate) struct PlansArgs {
    /// The plans file (GeoJSON; `-` reads standard input).
    plans: PathBuf,
    /// Restricted airspace volumes to check the plans against (GeoJSON).
    #[arg(long)]
    volumes: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Default horizontal separation minimum, nautical miles.
    #[arg(long, default_value_t = 5.0)]
    rpz_nm: f64,
    /// Default vertical separation minimum, feet.
    #[arg(long, default_value_t = 1000.0)]
    hpz_ft: f64,
    /// Stop at the first bad feature (exit code 2) instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// Exit with code 1 when any conflict or volume entry is found.
    #[arg(long)]
    fail_on_conflict: bool,
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Tracks(args) => tracks(&args),
        Command::Plans(args) => plans(&args),
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(|_| ())
    };
    result.map_err(|e| fail(IO_FAILED, format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        fail(
            BAD_INPUT,
            format!(
                "{}: not UTF-8 (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| fail(IO_FAILED, format!("cannot write the output: {e}")))
}

fn tracks(args: &TracksArgs) -> anyhow::Result<ExitCode> {
    let minima = Minima {
        rpz_m: nm_to_m(args.rpz_nm),
        hpz_m: ft_to_m(args.hpz_ft),
        lookahead_s: args.lookahead_s,
    };
    let text = read(&args.states)?;
    let name = args.states.display();
    let parsed = parse_states(&text).map_err(|e| fail(BAD_INPUT, format!("{name}: {e}")))?;
    if let Some(first) = parsed.errors.first().filter(|_| args.strict) {
        return Err(fail(
            BAD_INPUT,
            format!("{name}: line {}: {}", first.line, first.reason),
        ));
    }
    for e in &parsed.errors {
        eprintln!("{name}: line {}: {} (row skipped)", e.line, e.reason);
    }
    if !parsed.errors.is_empty() {
        eprintln!(
            "{name}: {} bad row(s) skipped, {} aircraft read",
            parsed.errors.len(),
            parsed.rows.len()
        );
    }
    let states: Vec<TrackState> = parsed.rows.iter().map(|r| r.state).collect();
    let ids: Vec<&str> = parsed.rows.iter().map(|r| r.id.as_str()).collect();
    let conflicts =
        detect(&states, &MinimaSet::Uniform(minima)).map_err(|e| fail(BAD_INPUT, e.to_string()))?;
    write_stdout(&format_conflicts(&conflict_rows(&ids, &conflicts)))?;
    Ok(if args.fail_on_conflict && !conflicts.is_empty() {
        check_failed()
    } else {
        ok()
    })
}

fn report_features(name: &str, errors: &[FeatureError], strict: bool) -> anyhow::Result<()> {
    let describe = |e: &FeatureError| {
        format!(
            "{name}: feature {}{}: {}",
            e.index,
            e.id.as_ref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default(),
            e.reason
        )
    };
    if let Some(first) = errors.first().filter(|_| strict) {
        return Err(fail(BAD_INPUT, describe(first)));
    }
    for e in errors {
        eprintln!("{} (skipped)", describe(e));
    }
    Ok(())
}

fn rfc3339(seconds: f64) -> String {
    // Nanosecond resolution is more than the f64 seconds carry; round to microseconds.
    let micros = (seconds * 1e6).round() as i64;
    jiff::Timestamp::from_microsecond(micros)
        .map_or_else(|_| format!("{seconds}"), |t| t.to_string())
}

fn plans(args: &PlansArgs) -> anyhow::Result<ExitCode> {
    let name = args.plans.display().to_string();
    let parsed =
        parse_plans(&read(&args.plans)?).map_err(|e| fail(BAD_INPUT, format!("{name}: {e}")))?;
    report_features(&name, &parsed.errors, args.strict)?;
    let volumes = match &args.volumes {
        Some(path) => {
            let vname = path.display().to_string();
            let v = parse_volumes(&read(path)?)
                .map_err(|e| fail(BAD_INPUT, format!("{vname}: {e}")))?;
            report_features(&vname, &v.errors, args.strict)?;
            v.volumes
        }
        None => Vec::new(),
    };
    let minima = PlanMinima {
        rpz_m: nm_to_m(args.rpz_nm),
        hpz_m: ft_to_m(args.hpz_ft),
    };
    let plans = &parsed.plans;
    let conflicts = plan_conflicts(plans, &minima).map_err(|e| fail(BAD_INPUT, e.to_string()))?;
    let crossings =
        plan_volume_crossings(plans, &volumes).map_err(|e| fail(BAD_INPUT, e.to_string()))?;

    // Order by ids (byte order) so the output does not depend on the order of the features.
    let mut rows: Vec<(&str, &str, &PlanConflict)> = conflicts
        .iter()
        .map(|c| {
            let (a, b) = (plans[c.first].id.as_str(), plans[c.second].id.as_str());
            if a <= b { (a, b, c) } else { (b, a, c) }
        })
        .collect();
    rows.sort_by(|x, y| {
        (x.0, x.1, x.2.first_loss_s)
            .partial_cmp(&(y.0, y.1, y.2.first_loss_s))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let legs_for = |id1: &str, c: &PlanConflict, legs: (usize, usize)| {
        if plans[c.first].id == id1 {
            legs
        } else {
            (legs.1, legs.0)
        }
    };
    let mut vrows: Vec<(&str, &str, &VolumeCrossing)> = crossings
        .iter()
        .map(|x| {
            (
                plans[x.subject].id.as_str(),
                volumes[x.volume].id.as_str(),
                x,
            )
        })
        .collect();
    vrows.sort_by(|x, y| {
        (x.0, x.1, x.2.entry_s)
            .partial_cmp(&(y.0, y.1, y.2.entry_s))
            .unwrap_or(std::cmp::Ordering::Equal)
    });

    let text = match args.format {
        Format::Csv => {
            let mut out = String::from(
                "kind,id1,id2,start,end,leg1,leg2,min_horizontal_nm,vertical_ft,min_time,min_lat,min_lon\n",
            );
            for (id1, id2, c) in &rows {
                let (l1, l2) = legs_for(id1, c, c.first_loss_legs);
                out.push_str("plan,");
                push_field(&mut out, id1);
                out.push(',');
                push_field(&mut out, id2);
                out.push_str(&format!(
                    ",{},{},{l1},{l2},{:.6},{:.3},{},{:.6},{:.6}\n",
                    rfc3339(c.first_loss_s),
                    rfc3339(c.last_loss_end_s),
                    m_to_nm(c.min_horizontal_m),
                    c.vertical_at_min_m / M_PER_FT,
                    rfc3339(c.min_time_s),
                    c.min_position.0,
                    c.min_position.1
                ));
            }
            for (plan, volume, x) in &vrows {
                out.push_str("volume,");
                push_field(&mut out, plan);
                out.push(',');
                push_field(&mut out, volume);
                out.push_str(&format!(
                    ",{},{},{},{},,,,,\n",
                    rfc3339(x.entry_s),
                    rfc3339(x.exit_s),
                    x.entry_leg,
                    x.exit_leg
                ));
            }
            out
        }
        Format::Json => {
            let plan_conflicts: Vec<serde_json::Value> = rows
                .iter()
                .map(|(id1, id2, c)| {
                    let first = legs_for(id1, c, c.first_loss_legs);
                    let min = legs_for(id1, c, c.min_legs);
                    serde_json::json!({
                        "id1": id1, "id2": id2,
                        "first_loss": rfc3339(c.first_loss_s), "last_loss_end": rfc3339(c.last_loss_end_s),
                        "legs_at_first_loss": [first.0, first.1],
                        "min_horizontal_nm": m_to_nm(c.min_horizontal_m), "vertical_ft_at_min": c.vertical_at_min_m / M_PER_FT,
                        "min_time": rfc3339(c.min_time_s), "min_position": {"lat": c.min_position.0, "lon": c.min_position.1},
                        "legs_at_min": [min.0, min.1],
                    })
                })
                .collect();
            let volume_crossings: Vec<serde_json::Value> = vrows
                .iter()
                .map(|(plan, volume, x)| {
                    serde_json::json!({"plan": plan, "volume": volume, "entry": rfc3339(x.entry_s), "exit": rfc3339(x.exit_s),
                                       "entry_leg": x.entry_leg, "exit_leg": x.exit_leg})
                })
                .collect();
            let doc = serde_json::json!({"plan_conflicts": plan_conflicts, "volume_crossings": volume_crossings});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc)
                    .map_err(|e| fail(crate::exit::INTERNAL, e.to_string()))?
            )
        }
    };
    write_stdout(&text)?;
    Ok(
        if args.fail_on_conflict && !(conflicts.is_empty() && crossings.is_empty()) {
            check_failed()
        } else {
            ok()
        },
    )
}
