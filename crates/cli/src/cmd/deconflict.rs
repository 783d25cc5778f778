//! `jic deconflict`: offline conflict detection.

use std::process::ExitCode;

/// Subcommands of `jic deconflict`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    #[command(external_subcommand)]
    Pending(Vec<String>),
}

pub(crate) fn run(_command: Command) -> anyhow::Result<ExitCode> {
    crate::exit::not_available("deconflict")
}
