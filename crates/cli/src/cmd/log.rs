//! `jic log`: serve, inspect and verify the log.

use std::process::ExitCode;

/// Subcommands of `jic log`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    #[command(external_subcommand)]
    Pending(Vec<String>),
}

pub(crate) fn run(_command: Command) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("log")
}
