//! `jic tracks`: push track batches to a server.

use std::process::ExitCode;

/// Subcommands of `jic tracks`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    #[command(external_subcommand)]
    Pending(Vec<String>),
}

pub(crate) fn run(_command: Command) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("tracks")
}
