//! `jic phase`: calm days and phase transitions, recomputed offline from a copy of the log.
//!
//! The log's incident submissions are replayed in leaf order (`jic_compliance::replay`, the
//! same fold the server runs) and the phase clock is computed with the agreement's definitions.
//! From a data directory (`--data DIR`) the entries are read from the database's log table;
//! from a server (`--log URL`) they are fetched as tlog-tiles entry bundles, which anyone may
//! read. Run `jic log verify` first if the copy itself is in question.
//!
//! `--json` prints exactly what `GET /api/v1/phase?as_of=…` returns, so the two can be
//! compared byte for byte.

use std::path::PathBuf;
use std::process::ExitCode;

use jic_agreement::Agreement;
use jic_compliance::replay::Replay;
use jic_compliance::{ClockResult, PhaseClock};
use jic_ledger::tile::{TILE_WIDTH, TilePath, parse_bundle};
use jiff::Timestamp;

use crate::exit::{self, BAD_INPUT, CHECK_FAILED, IO_FAILED};

/// Arguments of `jic phase`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["data", "log"])))]
pub(crate) struct Args {
    /// A data directory: read the log from its database.
    #[arg(long)]
    data: Option<PathBuf>,
    /// A server: fetch the log's entry bundles from URL/log/.
    #[arg(long, value_name = "URL")]
    log: Option<String>,
    /// The agreement package (required with --log; with --data the version in force is used).
    #[arg(long, value_name = "DIR")]
    agreement: Option<PathBuf>,
    /// Compute as of this instant (RFC 3339; default: now).
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// Print the full result as JSON (the API's form) instead of a summary.
    #[arg(long)]
    json: bool,
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "main.rs hands every command its parsed arguments by value"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let as_of: Timestamp = match &args.as_of {
        Some(t) => t
            .parse()
            .map_err(|e| exit::fail(BAD_INPUT, format!("--as-of {t}: {e}")))?,
        None => crate::cmd::submit::now(),
    };
    let given = args
        .agreement
        .as_ref()
        .map(|dir| {
            jic_agreement::load_dir(dir)
                .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", dir.display())))
        })
        .transpose()?;
    let (replay, agreement) = match (&args.data, &args.log) {
        (Some(dir), _) => from_data(dir, given)?,
        (None, Some(url)) => {
            let agreement = given.ok_or_else(|| {
                exit::fail(
                    BAD_INPUT,
                    "--log needs --agreement DIR (the package in force)",
                )
            })?;
            (from_url(url)?, agreement)
        }
        (None, None) => return Err(exit::fail(BAD_INPUT, "give --data DIR or --log URL")),
    };
    for (leaf, why) in &replay.skipped {
        eprintln!("warning: leaf {leaf} did not apply: {why}");
    }
    let clock = PhaseClock::compute(
        &agreement,
        &replay.clock_incidents(as_of),
        &Default::default(),
        as_of,
    )
    .map_err(|e| exit::fail(CHECK_FAILED, e.to_string()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&clock)?);
    } else {
        print_summary(&clock);
    }
    Ok(exit::ok())
}

fn from_data(
    dir: &std::path::Path,
    given: Option<Agreement>,
) -> anyhow::Result<(Replay, Agreement)> {
    let db = jic_store::datadir::DataDir::new(dir).db_path();
    if !db.exists() {
        return Err(exit::fail(
            IO_FAILED,
            format!(
                "{}: no database (is this a jic data directory?)",
                db.display()
            ),
        ));
    }
    let conn = jic_store::db::open(&db)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", db.display())))?;
    let replay = jic_server::kinds::incidents::replay_log_table(&conn)
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    let agreement = match given {
        Some(a) => a,
        None => {
            jic_server::kinds::incidents::agreement_in_force(&conn)
                .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?
                .1
        }
    };
    Ok((replay, agreement))
}

fn from_url(url: &str) -> anyhow::Result<Replay> {
    let base = url.trim_end_matches('/').to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    runtime.block_on(async move {
        let client = reqwest::Client::new();
        let get = |path: String| {
            let client = client.clone();
            async move {
                let r = client
                    .get(&path)
                    .send()
                    .await
                    .map_err(|e| exit::fail(IO_FAILED, format!("{path}: {e}")))?;
                if !r.status().is_success() {
                    return Err(exit::fail(
                        IO_FAILED,
                        format!("{path}: HTTP {}", r.status()),
                    ));
                }
                r.bytes()
                    .await
                    .map(|b| b.to_vec())
                    .map_err(|e| exit::fail(IO_FAILED, format!("{path}: {e}")))
            }
        };
        let note = get(format!("{base}/log/checkpoint")).await?;
        let size: u64 = String::from_utf8_lossy(&note)
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| exit::fail(CHECK_FAILED, "the checkpoint has no tree size"))?;
        let bar = indicatif::ProgressBar::new(size);
        let mut entries: Vec<(u64, Vec<u8>)> = Vec::new();
        for n in 0..size.div_ceil(TILE_WIDTH) {
            let start = n * TILE_WIDTH;
            let width = (size - start).min(TILE_WIDTH);
            let w = (width < TILE_WIDTH).then_some(width as u16);
            let path = TilePath::Entries { index: n, width: w };
            let bundle = get(format!("{base}/log/{path}")).await?;
            let parsed = parse_bundle(&bundle)
                .map_err(|e| exit::fail(CHECK_FAILED, format!("entry bundle {n}: {e}")))?;
            for (i, e) in parsed.into_iter().enumerate() {
                entries.push((start + i as u64, e.to_vec()));
            }
            bar.set_position(start + width);
        }
        bar.finish_and_clear();
        Ok(jic_server::kinds::incidents::replay_log_entries(
            entries.iter().map(|(i, b)| (*i, b.as_slice())),
        ))
    })
}

fn print_summary(clock: &ClockResult) {
    println!(
        "agreement {}  as of {}  phase in force: {}",
        clock.agreement,
        clock.as_of,
        clock.phase_now.as_deref().unwrap_or("none")
    );
    println!("\ntransitions:");
    if clock.transitions.is_empty() {
        println!("  none");
    }
    for t in &clock.transitions {
        println!("  {}  {}", t.at, t.explanation);
    }
    println!("\ndays:");
    for d in &clock.days {
        println!(
            "  {}  {:9}  {}",
            d.date,
            if d.calm { "calm" } else { "not calm" },
            d.explanation
        );
    }
}
