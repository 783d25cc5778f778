//! `jic submit`: sign a submission, send it, print the receipt and the verified inclusion proof.
//!
//! The sequence number is kept per key in a small JSON state file (`--state`, default
//! `KEYFILE.seq.json`); the next number is the larger of last + 1 and the current Unix time in
//! milliseconds, so a lost state file never makes a key unusable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use jic_ledger::key::NoteSigner;
use jic_server::client::{self, Client, ClientError};
use serde_json::Value;

use crate::exit::{self, BAD_INPUT, CHECK_FAILED, IO_FAILED};

/// Arguments of `jic submit`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "JIC_SERVER")]
    server: String,
    /// The signing key file (C2SP private key, as written by `jic init` or `jic keygen`).
    #[arg(long, env = "JIC_KEY")]
    key: PathBuf,
    /// The party the key speaks for (default: the key's name).
    #[arg(long)]
    party: Option<String>,
    /// Where the last sequence number per key is kept (default: KEYFILE.seq.json).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Do not wait for the inclusion proof.
    #[arg(long)]
    no_proof: bool,
    /// How long to wait for a checkpoint covering the submission, seconds.
    #[arg(long, default_value_t = 10)]
    proof_timeout_s: u64,
    /// The submission kind, e.g. air_operation.file.
    kind: String,
    /// The payload, a JSON file.
    file: PathBuf,
}

pub(crate) fn read_signer(path: &Path) -> anyhow::Result<NoteSigner> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", path.display())))?;
    NoteSigner::from_skey(text.trim())
        .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", path.display())))
}

/// The next sequence number for `vkey`, recorded in `state` before it is used.
pub(crate) fn next_seq(state: &Path, vkey: &str, now_ms: u64) -> anyhow::Result<u64> {
    let mut seqs: BTreeMap<String, u64> = match std::fs::read_to_string(state) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", state.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(exit::fail(IO_FAILED, format!("{}: {e}", state.display()))),
    };
    let next = seqs.get(vkey).map_or(0, |s| s + 1).max(now_ms);
    seqs.insert(vkey.to_owned(), next);
    let text = serde_json::to_string_pretty(&seqs)?;
    std::fs::write(state, text)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", state.display())))?;
    Ok(next)
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "shaped for `map_err(refused)`"
)]
pub(crate) fn refused(e: ClientError) -> anyhow::Error {
    match e {
        ClientError::Refused { .. } => exit::fail(CHECK_FAILED, e.to_string()),
        ClientError::Proof(_) => exit::fail(CHECK_FAILED, e.to_string()),
        ClientError::Http(_) => exit::fail(IO_FAILED, e.to_string()),
    }
}

#[allow(
    clippy::disallowed_methods,
    reason = "the CLI client stamps envelopes with the wall clock"
)]
pub(crate) fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "every subcommand's run owns its parsed arguments (see main.rs)"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let signer = read_signer(&args.key)?;
    let party = args
        .party
        .clone()
        .unwrap_or_else(|| signer.name().to_owned());
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", args.file.display())))?;
    let payload: Value = serde_json::from_str(&text)
        .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", args.file.display())))?;
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
        let restricted = client.is_restricted(&args.kind).await.map_err(refused)?;
        let time = now();
        let seq = next_seq(
            &state,
            &signer.verifier().to_vkey(),
            time.as_millisecond().max(0) as u64,
        )?;
        let submission =
            client::sign_submission(&signer, &party, &args.kind, seq, time, payload, restricted)
                .map_err(|e| exit::fail(BAD_INPUT, e.to_string()))?;
        let body = submission
            .to_json()
            .map_err(|e| exit::fail(BAD_INPUT, e.to_string()))?;
        let receipt = client
            .post("/api/v1/submissions", body)
            .await
            .map_err(refused)?;
        println!("{}", serde_json::to_string_pretty(&receipt)?);
        if args.no_proof {
            return Ok(exit::ok());
        }
        let leaf_index = receipt["leaf_index"].as_u64().unwrap_or(u64::MAX);
        let received: jiff::Timestamp =
            receipt["received"]
                .as_str()
                .and_then(|r| r.parse().ok())
                .ok_or_else(|| exit::fail(CHECK_FAILED, "the receipt has no receipt time"))?;
        let leaf = client::leaf_bytes(&submission, received)
            .map_err(|e| exit::fail(BAD_INPUT, e.to_string()))?;
        let proof = client
            .inclusion(leaf_index, &leaf, Duration::from_secs(args.proof_timeout_s))
            .await
            .map_err(refused)?;
        println!("{}", serde_json::to_string_pretty(&proof)?);
        eprintln!(
            "leaf {leaf_index} is included in the signed checkpoint of size {} (proof verified)",
            proof.tree_size
        );
        Ok(exit::ok())
    })
}
