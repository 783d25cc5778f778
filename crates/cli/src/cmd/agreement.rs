//! `jic agreement`: check, show and hash an agreement package.

use std::process::ExitCode;

/// Subcommands of `jic agreement`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    #[command(external_subcommand)]
    Pending(Vec<String>),
}

pub(crate) fn run(_command: Command) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("agreement")
}
