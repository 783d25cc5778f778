//! `jic witness`: witness a log and cosign its checkpoints.
//!
//! Each round fetches the log's checkpoint and a consistency proof from the size this witness
//! last cosigned, runs the c2sp.org/tlog-witness `add-checkpoint` checks on that request
//! (`jic_ledger::witness::add_checkpoint`: log signature, old size, proof), persists the new
//! state *before* answering (so a crash can never make it cosign a rolled-back tree), and hands
//! the tlog-cosignature/v1 line back to the log at `POST /api/v1/log/cosignatures`. A refusal
//! is reported with the spec's status code and exits 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::hash::{EMPTY_ROOT, hash_from_base64, to_base64};
use jic_ledger::key::KeyType;
use jic_ledger::note::Note;
use jic_ledger::witness::{AddCheckpointRequest, WitnessState, add_checkpoint};
use serde::{Deserialize, Serialize};

use crate::cmd::log::{get, parse_proof, resolve_log_key, runtime, wall_clock, write_atomic};
use crate::exit::{BAD_INPUT, CHECK_FAILED, IO_FAILED, fail};

/// Arguments of `jic witness`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The log server's base URL.
    #[arg(long)]
    url: String,
    /// The witness's private key (`jic keygen --witness`).
    #[arg(long)]
    key: PathBuf,
    /// The witness state file: the log key and the last cosigned size and root.
    #[arg(long)]
    state: PathBuf,
    /// The log's verifier key (default: pinned in the state file, or trusted on first use).
    #[arg(long)]
    log_key: Option<String>,
    /// Keep witnessing every this many seconds instead of once.
    #[arg(long)]
    interval: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct State {
    log_key: String,
    size: u64,
    root: String,
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "main.rs hands every command its Args"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let witness =
        jic_store::datadir::read_signer(&args.key).map_err(|e| fail(BAD_INPUT, e.to_string()))?;
    if witness.key_type() != KeyType::CosignatureV1 {
        return Err(fail(
            BAD_INPUT,
            "the witness key must be made with `jic keygen --witness`",
        ));
    }
    let rt = runtime()?;
    rt.block_on(async {
        loop {
            round(&args, &witness).await?;
            match args.interval {
                Some(s) => tokio::time::sleep(Duration::from_secs(s.max(1))).await,
                None => return Ok(crate::exit::ok()),
            }
        }
    })
}

async fn round(args: &Args, witness: &jic_ledger::key::NoteSigner) -> anyhow::Result<()> {
    let base = args.url.trim_end_matches('/');
    let client = reqwest::Client::new();
    let previous: Option<State> = match std::fs::read(&args.state) {
        Ok(b) => Some(serde_json::from_slice(&b).map_err(|e| {
            fail(
                BAD_INPUT,
                format!("{}: not a witness state file: {e}", args.state.display()),
            )
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail(IO_FAILED, format!("{}: {e}", args.state.display()))),
    };
    let log_key = resolve_log_key(
        &client,
        base,
        args.log_key.as_deref(),
        previous.as_ref().map(|s| s.log_key.as_str()),
    )
    .await?;
    let known = match &previous {
        Some(s) => WitnessState {
            size: s.size,
            root: hash_from_base64(&s.root)
                .ok_or_else(|| fail(BAD_INPUT, "the state file's root is not base64"))?,
        },
        None => WitnessState {
            size: 0,
            root: EMPTY_ROOT,
        },
    };
    let note = get(&client, &format!("{base}/log/checkpoint")).await?;
    let note_text =
        String::from_utf8(note).map_err(|_| fail(CHECK_FAILED, "the checkpoint is not UTF-8"))?;
    let (body, _) = Note::parse_unverified(note_text.as_bytes())
        .map_err(|e| fail(CHECK_FAILED, e.to_string()))?;
    let cp = Checkpoint::parse(&body).map_err(|e| fail(CHECK_FAILED, e.to_string()))?;
    let proof = if known.size > 0 && known.size < cp.size {
        let url = format!(
            "{base}/api/v1/log/consistency?from={}&to={}",
            known.size, cp.size
        );
        parse_proof(&get(&client, &url).await?, "consistency_path")?
    } else {
        Vec::new()
    };
    let request = AddCheckpointRequest {
        old_size: known.size.min(cp.size),
        proof,
        checkpoint: note_text.clone(),
    };
    let now = wall_clock().as_second().max(0) as u64;
    let accepted = add_checkpoint(
        request.to_body().as_bytes(),
        std::slice::from_ref(&log_key),
        |origin| (origin == log_key.name() && known.size > 0).then_some(known),
        witness,
        now,
    )
    .map_err(|r| {
        fail(
            CHECK_FAILED,
            format!("refused to cosign {} size {}: {r}", cp.origin, cp.size),
        )
    })?;
    // Persist before answering: the state must never move backwards.
    let state = State {
        log_key: log_key.to_vkey(),
        size: accepted.state.size,
        root: to_base64(&accepted.state.root),
    };
    let bytes = serde_json::to_vec_pretty(&state).map_err(|e| fail(IO_FAILED, e.to_string()))?;
    write_atomic(&args.state, &bytes)?;
    let line = accepted.cosignature.to_line();
    let submission = format!("{note_text}{line}");
    let resp = client
        .post(format!("{base}/api/v1/log/cosignatures"))
        .body(submission)
        .send()
        .await
        .map_err(|e| fail(IO_FAILED, format!("POST cosignature: {e}")))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(fail(
            IO_FAILED,
            format!(
                "the log did not take the cosignature: {status}: {}",
                text.trim()
            ),
        ));
    }
    println!(
        "cosigned {} size {} root {}{}",
        cp.origin,
        cp.size,
        to_base64(&cp.root),
        if previous.is_some() {
            format!(" (consistent with size {})", known.size)
        } else {
            " (first checkpoint seen)".to_owned()
        }
    );
    Ok(())
}
