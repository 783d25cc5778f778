//! `jic tracks push`: send live track states to a server in signed batches.

use std::path::PathBuf;
use std::process::ExitCode;

use jic_server::client::{self, Client};

use crate::cmd::submit::{next_seq, now, read_signer, refused};
use crate::exit::{self, BAD_INPUT, IO_FAILED};

/// Subcommands of `jic tracks`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Push a states CSV (`id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm`, DESIGN §3.2) in batches.
    Push(PushArgs),
}

/// Arguments of `jic tracks push`.
#[derive(Debug, clap::Args)]
pub(crate) struct PushArgs {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "JIC_SERVER")]
    server: String,
    /// The signing key file.
    #[arg(long, env = "JIC_KEY")]
    key: PathBuf,
    /// The party the key speaks for (default: the key's name).
    #[arg(long)]
    party: Option<String>,
    /// Where the last sequence number per key is kept (default: KEYFILE.seq.json).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Most states per batch.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// The states CSV.
    states: PathBuf,
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    let Command::Push(args) = command;
    let signer = read_signer(&args.key)?;
    let party = args
        .party
        .clone()
        .unwrap_or_else(|| signer.name().to_owned());
    let text = std::fs::read_to_string(&args.states)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", args.states.display())))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines
        .next()
        .ok_or_else(|| exit::fail(BAD_INPUT, format!("{}: empty file", args.states.display())))?;
    let rows: Vec<&str> = lines.collect();
    let state = args.state.clone().unwrap_or_else(|| {
        let mut p = args.key.clone().into_os_string();
        p.push(".seq.json");
        PathBuf::from(p)
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    runtime.block_on(async move {
        let client = Client::new(&args.server);
        let mut sent = 0usize;
        for chunk in rows.chunks(args.batch.max(1)) {
            let mut csv = String::with_capacity(
                header.len() + chunk.iter().map(|l| l.len() + 1).sum::<usize>(),
            );
            csv.push_str(header);
            csv.push('\n');
            for line in chunk {
                csv.push_str(line);
                csv.push('\n');
            }
            let time = now();
            let seq = next_seq(
                &state,
                &signer.verifier().to_vkey(),
                time.as_millisecond().max(0) as u64,
            )?;
            let body = client::track_batch_body(
                &signer,
                &party,
                seq,
                time,
                time,
                &csv,
                chunk.len() as u64,
            )
            .map_err(|e| exit::fail(BAD_INPUT, e.to_string()))?;
            let receipt = client
                .post("/api/v1/tracks/batches", body)
                .await
                .map_err(refused)?;
            sent += chunk.len();
            println!(
                "batch of {} states logged at leaf {}",
                chunk.len(),
                receipt["leaf_index"].as_u64().unwrap_or_default()
            );
        }
        eprintln!("pushed {sent} states");
        Ok(exit::ok())
    })
}
