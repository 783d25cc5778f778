//! `jic keygen`: generate an Ed25519 key.
//!
//! The private key is written in the C2SP skey format (`PRIVATE+KEY+name+keyid+base64`) to a new
//! file with mode 0600; the verifier key (`name+keyid+base64`) is printed on stdout, for the
//! roster or a witness's configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use jic_ledger::key::{KeyType, NoteSigner};
use rand_core::{OsRng, RngCore as _};

use crate::exit::{BAD_INPUT, IO_FAILED, fail};

/// Arguments of `jic keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The key name, e.g. `us-liaison` or `witness.example.org/w1` (no spaces or '+').
    #[arg(long)]
    name: String,
    /// Where to write the private key (never overwritten). Default: `<name>.key` with '/' and
    /// ':' replaced by '_'.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Make a witness key (tlog-cosignature/v1, type 0x04) instead of a signing key.
    #[arg(long)]
    witness: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let key_type = if args.witness {
        KeyType::CosignatureV1
    } else {
        KeyType::Ed25519
    };
    let signer = NoteSigner::from_seed_typed(&args.name, key_type, &seed)
        .map_err(|e| fail(BAD_INPUT, e.to_string()))?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.key", args.name.replace(['/', ':'], "_"))));
    jic_store::datadir::write_secret(&out, &signer.to_skey())
        .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    eprintln!("wrote the private key to {} (mode 0600)", out.display());
    println!("{}", signer.verifier().to_vkey());
    Ok(crate::exit::ok())
}
