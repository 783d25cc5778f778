//! `jic keygen`: generate an Ed25519 key.

use std::process::ExitCode;

/// Arguments of `jic keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Remaining arguments, accepted until this subcommand is built.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    rest: Vec<String>,
}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("keygen")
}
