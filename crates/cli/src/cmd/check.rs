//! `jic check`: offline checks of filings, for planning cells without a server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jic_protect::index::{IndexedSite, SiteIndex};
use jic_protect::phase::PhaseInForce;
use jic_protect::strike::{StrikeContext, StrikeParams, StrikeVerdict, evaluate_in_phase};
use jic_protect::wire::{SituationJson, StrikeNoticeJson, assessment_json};
use jic_protect::{Severity, Subject};

use crate::exit::{self, fail};

/// Subcommands of `jic check`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Evaluate a strike notice against an agreement package and the sites, movements,
    /// receipts and air operations you know of, exactly as the server would. Prints every
    /// finding (rule, clause text, distances, times, acknowledgments). Exits 0 when the notice
    /// is clear, 1 when it conflicts or awaits the counterpart's concurrence.
    Strike(StrikeArgs),
}

/// Arguments of `jic check strike`.
#[derive(Debug, clap::Args)]
pub(crate) struct StrikeArgs {
    /// The notice: `{"id", "group", "area", "window", "effects_radius_m", "air_operation"}`
    /// (the `strike.notice` payload).
    file: PathBuf,
    /// The agreement package directory.
    #[arg(long)]
    agreement: PathBuf,
    /// A situation file: `{"phase"?, "sites", "movements", "acknowledgments",
    /// "air_operations"}` (see `jic_protect::wire`). Without it, only the agreement is checked
    /// (and the air operation is reported missing).
    #[arg(long)]
    sites: Option<PathBuf>,
    /// The filing party (an agreement party id).
    #[arg(long, default_value = "us")]
    party: String,
    /// The phase in force (overrides the situation file; default: by the agreement's schedule
    /// at the window start).
    #[arg(long)]
    phase: Option<String>,
    /// Print the assessment as JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        fail(
            exit::IO_FAILED,
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Strike(args) => strike(&args),
    }
}

#[allow(clippy::print_stdout, reason = "the command's output")]
fn strike(args: &StrikeArgs) -> anyhow::Result<ExitCode> {
    let agreement = jic_agreement::load_dir(&args.agreement).map_err(|e| match e {
        jic_agreement::Error::Io { .. } => fail(exit::IO_FAILED, e.to_string()),
        other => fail(
            exit::BAD_INPUT,
            format!(
                "{other}\n(run `jic agreement check {}` for file:line:col)",
                args.agreement.display()
            ),
        ),
    })?;
    let notice_json: StrikeNoticeJson = serde_json::from_str(&read(&args.file)?)
        .map_err(|e| fail(exit::BAD_INPUT, format!("{}: {e}", args.file.display())))?;
    let notice = notice_json
        .to_notice(&args.party)
        .map_err(|e| fail(exit::BAD_INPUT, format!("{}: {e}", args.file.display())))?;
    let situation = match &args.sites {
        Some(path) => serde_json::from_str::<SituationJson>(&read(path)?)
            .map_err(|e| fail(exit::BAD_INPUT, format!("{}: {e}", path.display())))?
            .to_situation()
            .map_err(|e| fail(exit::BAD_INPUT, format!("{}: {e}", path.display())))?,
        None => Default::default(),
    };
    // Offline there is no log to run the phase clock over: a phase named by the planner wins,
    // otherwise the schedule answers and the `jic.phase` finding says calm days were not judged.
    let phase = match args.phase.clone().or(situation.phase.clone()) {
        Some(p) => PhaseInForce::given(Some(p)),
        None => PhaseInForce::by_schedule(&agreement, notice.window_start),
    };
    let sites = SiteIndex::new(
        situation
            .notifications
            .iter()
            .filter_map(|n| match &n.subject {
                Subject::Site(site) if n.is_active(notice.window_start) => Some(IndexedSite {
                    notification: n.id.clone(),
                    site: site.clone(),
                    notified_at: n.notified_at,
                    acks: n.current_acks().cloned().collect(),
                }),
                _ => None,
            })
            .collect(),
    );
    let assessment = evaluate_in_phase(
        &notice,
        &StrikeContext {
            agreement: &agreement,
            phase: phase.phase.as_deref(),
            sites: &sites,
            notifications: &situation.notifications,
            air_operations: &situation.air_operations,
            params: StrikeParams::from_agreement(&agreement),
        },
        &phase,
    )
    .map_err(|e| fail(exit::BAD_INPUT, e.to_string()))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&assessment_json(&assessment))?
        );
    } else {
        println!(
            "strike notice {} by {} on {} ({} to {}), phase {}: {}",
            notice.id,
            notice.party,
            notice.group,
            notice.window_start,
            notice.window_end,
            phase.phase.as_deref().unwrap_or("none"),
            assessment.verdict.as_str().to_uppercase()
        );
        for f in &assessment.findings {
            let mark = match f.severity {
                Severity::Conflict => "CONFLICT",
                Severity::NotCleared => "AWAITS",
                Severity::Info => "ok",
            };
            println!("  [{mark}] {}: {}", f.rule, f.message);
            if f.severity != Severity::Info {
                println!("           {}: {}", f.clause, f.text);
            }
        }
    }
    Ok(match assessment.verdict {
        StrikeVerdict::Clear => exit::ok(),
        StrikeVerdict::Conflict | StrikeVerdict::NotCleared => exit::check_failed(),
    })
}
