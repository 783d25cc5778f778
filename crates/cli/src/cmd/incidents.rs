//! `jic incidents`: import and export incidents.

use std::process::ExitCode;

/// Subcommands of `jic incidents`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    #[command(external_subcommand)]
    Pending(Vec<String>),
}

pub(crate) fn run(_command: Command) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("incidents")
}
