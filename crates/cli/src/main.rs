//! The `jic` command line: a thin shell over the library crates. Each subcommand lives in its own
//! module under `cmd/`, parses its flags with clap and returns an [`ExitCode`] from [`exit`].
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is where jic talks to its user"
)]

mod cmd;
mod exit;

use clap::{Parser, Subcommand};

/// jic — a Joint Implementation Center in software.
///
/// The parties to a ceasefire file what they do, jic checks it against what was agreed, and every
/// submission lands in a tamper-evident log that each party can verify on its own.
#[derive(Debug, Parser)]
#[command(name = "jic", version, about, long_about = None, after_long_help = exit::HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay the embedded September 2016 scenario through a live server and its dashboard.
    Demo(cmd::demo::Args),
    /// Create a data directory for a deployment (roster, keys, tokens).
    Init(cmd::init::Args),
    /// Run the jic server on a data directory.
    Serve(cmd::serve::Args),
    /// Generate an Ed25519 signing key and print its C2SP verifier key.
    Keygen(cmd::keygen::Args),
    /// Check, summarise and hash an agreement package.
    #[command(subcommand)]
    Agreement(cmd::agreement::Command),
    /// Sign a submission and send it to a server.
    Submit(cmd::submit::Args),
    /// Push live track states to a server in batches.
    #[command(subcommand)]
    Tracks(cmd::tracks::Command),
    /// Detect conflicts between tracks or between 4D flight plans, offline.
    #[command(subcommand)]
    Deconflict(cmd::deconflict::Command),
    /// Serve, inspect and independently verify the transparency log.
    #[command(subcommand)]
    Log(cmd::log::Command),
    /// Witness a log: check consistency and cosign its checkpoints.
    Witness(cmd::witness::Args),
    /// Check a filing offline against an agreement (planning cells).
    #[command(subcommand)]
    Check(cmd::check::Command),
    /// Import and export incident reports.
    #[command(subcommand)]
    Incidents(cmd::incidents::Command),
    /// Compute calm days and phase transitions from a log.
    Phase(cmd::phase::Args),
    /// Produce the daily situation report.
    Report(cmd::report::Args),
    /// Measure jic against a baseline in the same run.
    #[command(subcommand)]
    Bench(cmd::bench::Command),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Agreement(command) => cmd::agreement::run(command),
        Command::Submit(args) => cmd::submit::run(args),
        Command::Tracks(command) => cmd::tracks::run(command),
        Command::Deconflict(command) => cmd::deconflict::run(command),
        Command::Log(command) => cmd::log::run(command),
        Command::Witness(args) => cmd::witness::run(args),
        Command::Check(command) => cmd::check::run(command),
        Command::Incidents(command) => cmd::incidents::run(command),
        Command::Phase(args) => cmd::phase::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Bench(command) => cmd::bench::run(command),
    };
    exit::report(result)
}
