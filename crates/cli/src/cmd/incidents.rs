//! `jic incidents import|export`: bulk import of conflict-event CSV files as a monitor's signed
//! `incident.report` submissions, and export of the server's incidents as GeoJSON or CSV.
//!
//! # Import, all or nothing
//! The whole file is parsed and checked first (`jic_compliance::import`). If any row is
//! rejected, nothing is submitted unless `--skip-rejected` is given; `--dry-run` stops after
//! the check. Each incident's id is derived from the file's hash and the row (or the row's id
//! column), so a re-run after an interruption skips what the server already has (409) and
//! submits the rest: an import is either complete or resumable, never silently partial.

use std::path::PathBuf;
use std::process::ExitCode;

use jic_agreement::Agreement;
use jic_compliance::import::{Mapping, import_csv};
use jic_compliance::replay::KIND_REPORT;
use jic_server::client::{self, Client, ClientError};

use crate::exit::{self, BAD_INPUT, CHECK_FAILED, IO_FAILED};

/// Subcommands of `jic incidents`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Import a CSV file of incidents through a column mapping.
    Import(ImportArgs),
    /// Export the server's incidents as GeoJSON or CSV.
    Export(ExportArgs),
}

/// Arguments of `jic incidents import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// The column mapping (TOML; see the `jic_compliance::import` documentation).
    #[arg(long)]
    mapping: PathBuf,
    /// The server (not needed with --dry-run and --agreement).
    #[arg(long, env = "JIC_SERVER")]
    server: Option<String>,
    /// The monitor's signing key.
    #[arg(long, env = "JIC_KEY")]
    key: Option<PathBuf>,
    /// The reporting party (default: the key's name).
    #[arg(long)]
    party: Option<String>,
    /// The agreement package used to resolve actor names (default: the server's, with --token).
    #[arg(long, value_name = "DIR")]
    agreement: Option<PathBuf>,
    /// A read token, to fetch the agreement in force from the server.
    #[arg(long, env = "JIC_TOKEN")]
    token: Option<String>,
    /// Check the file and report, submit nothing.
    #[arg(long)]
    dry_run: bool,
    /// Submit the accepted rows even if some rows were rejected.
    #[arg(long)]
    skip_rejected: bool,
    /// Where the last sequence number per key is kept (default: KEYFILE.seq.json).
    #[arg(long)]
    state: Option<PathBuf>,
}

/// Arguments of `jic incidents export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The server.
    #[arg(long, env = "JIC_SERVER")]
    server: String,
    /// A read token.
    #[arg(long, env = "JIC_TOKEN")]
    token: String,
    /// `geojson` or `csv`.
    #[arg(long, default_value = "geojson")]
    format: String,
    /// Write here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    match command {
        Command::Import(args) => runtime.block_on(import(args)),
        Command::Export(args) => runtime.block_on(export(args)),
    }
}

async fn agreement_of(args: &ImportArgs) -> anyhow::Result<Agreement> {
    if let Some(dir) = &args.agreement {
        return jic_agreement::load_dir(dir)
            .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", dir.display())));
    }
    let (Some(server), Some(token)) = (&args.server, &args.token) else {
        return Err(exit::fail(
            BAD_INPUT,
            "give --agreement DIR, or --server URL with --token to use the agreement in force",
        ));
    };
    let view = Client::new(server)
        .get_json("/api/v1/agreement", Some(token))
        .await
        .map_err(crate::cmd::submit::refused)?;
    let files: std::collections::BTreeMap<String, String> =
        serde_json::from_value(view["package"].clone())
            .map_err(|e| exit::fail(CHECK_FAILED, format!("the server's agreement: {e}")))?;
    jic_server::kinds::agreement::load_files(&files)
        .map_err(|e| exit::fail(CHECK_FAILED, format!("the server's agreement: {e}")))
}

async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", args.file.display())))?;
    let mapping_text = std::fs::read_to_string(&args.mapping)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", args.mapping.display())))?;
    let agreement = agreement_of(&args).await?;
    let mapping = Mapping::from_toml(&mapping_text, &agreement)
        .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", args.mapping.display())))?;
    let signer = match &args.key {
        Some(k) => Some(crate::cmd::submit::read_signer(k)?),
        None => None,
    };
    let party = args
        .party
        .clone()
        .or_else(|| signer.as_ref().map(|s| s.name().to_owned()))
        .unwrap_or_else(|| "monitor".to_owned());
    let outcome = import_csv(&bytes, &mapping, &agreement, &party)
        .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", args.file.display())))?;
    for r in &outcome.rejected {
        eprintln!(
            "{}:{}: rejected: {}",
            args.file.display(),
            r.line,
            r.reasons.join("; ")
        );
    }
    eprintln!(
        "{}: {} rows, {} accepted, {} rejected (file sha256 {})",
        args.file.display(),
        outcome.rows,
        outcome.accepted.len(),
        outcome.rejected.len(),
        outcome.file_sha256
    );
    if !outcome.rejected.is_empty() && !args.skip_rejected {
        eprintln!("nothing imported: fix the rejected rows or pass --skip-rejected");
        return Ok(exit::check_failed());
    }
    if args.dry_run {
        eprintln!("dry run: nothing submitted");
        return Ok(exit::ok());
    }
    let (Some(server), Some(signer), Some(key)) = (&args.server, &signer, &args.key) else {
        return Err(exit::fail(
            BAD_INPUT,
            "importing needs --server URL and --key FILE",
        ));
    };
    let state = args.state.clone().unwrap_or_else(|| {
        let mut p = key.clone().into_os_string();
        p.push(".seq.json");
        PathBuf::from(p)
    });
    let client = Client::new(server);
    let restricted = client
        .is_restricted(KIND_REPORT)
        .await
        .map_err(crate::cmd::submit::refused)?;
    let bar = indicatif::ProgressBar::new(outcome.accepted.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} incidents ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut submitted, mut already) = (0_u64, 0_u64);
    for row in &outcome.accepted {
        let payload = serde_json::to_value(&row.report)?;
        let time = crate::cmd::submit::now();
        let seq = crate::cmd::submit::next_seq(
            &state,
            &signer.verifier().to_vkey(),
            time.as_millisecond().max(0) as u64,
        )?;
        let body =
            client::sign_submission(signer, &party, KIND_REPORT, seq, time, payload, restricted)
                .and_then(|s| s.to_json())
                .map_err(|e| exit::fail(BAD_INPUT, e.to_string()))?;
        match client.post("/api/v1/submissions", body).await {
            Ok(_) => submitted += 1,
            Err(ClientError::Refused { status: 409, .. }) => already += 1,
            Err(e) => {
                bar.abandon();
                eprintln!(
                    "stopped at line {} after {submitted} new incident(s): {e}\nre-run the same command to resume: incidents already on the server are skipped",
                    row.line
                );
                return Err(crate::cmd::submit::refused(e));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!("imported {submitted} incident(s); {already} were already on the server");
    Ok(exit::ok())
}

async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    if !matches!(args.format.as_str(), "geojson" | "csv") {
        return Err(exit::fail(
            BAD_INPUT,
            format!("--format {}: use geojson or csv", args.format),
        ));
    }
    let url = format!(
        "{}/api/v1/incidents/export?format={}",
        args.server.trim_end_matches('/'),
        args.format
    );
    let r = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&args.token)
        .send()
        .await
        .map_err(|e| exit::fail(IO_FAILED, format!("{url}: {e}")))?;
    let status = r.status();
    let bytes = r
        .bytes()
        .await
        .map_err(|e| exit::fail(IO_FAILED, format!("{url}: {e}")))?;
    if !status.is_success() {
        return Err(exit::fail(
            CHECK_FAILED,
            format!("{url}: HTTP {status}: {}", String::from_utf8_lossy(&bytes)),
        ));
    }
    match &args.output {
        Some(path) => std::fs::write(path, &bytes)
            .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", path.display())))?,
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
        }
    }
    Ok(exit::ok())
}
