//! `jic bench cd`.

use std::process::ExitCode;

/// Arguments of `jic bench cd`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Remaining arguments, accepted until this benchmark is built.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    rest: Vec<String>,
}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("bench cd")
}
