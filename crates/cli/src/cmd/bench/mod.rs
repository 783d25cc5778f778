//! `jic bench`: measurements that print ratios against a baseline measured in the same run, so
//! the numbers mean something on whatever machine runs them.

mod api;
mod cd;
mod log;
mod strike;

use std::process::ExitCode;

/// Subcommands of `jic bench`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Track conflict detection: production detector against the all-pairs reference.
    Cd(cd::Args),
    /// The transparency log: durable appends, proofs, tile serving.
    Log(log::Args),
    /// The HTTP API: signed submissions and track ingest against a local server.
    Api(api::Args),
    /// Strike notice checks against 100,000 sites and 10,000 zones, against a site scan.
    Strike(strike::Args),
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Cd(args) => cd::run(args),
        Command::Log(args) => log::run(args),
        Command::Api(args) => api::run(args),
        Command::Strike(args) => strike::run(args),
    }
}
