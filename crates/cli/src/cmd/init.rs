//! `jic init`: create a deployment's data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use jic_server::config::ServerConfig;
use jic_server::deployment::{self, DataDir, InitOptions, PartiesFile};

use crate::exit::{self, BAD_INPUT, IO_FAILED};

/// Arguments of `jic init`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The data directory to create (must not hold a deployment yet).
    dir: PathBuf,
    /// The agreement package (a directory with agreement.toml and GeoJSON zones); its parties
    /// become the roster, and a copy is kept in the data directory.
    #[arg(long, value_name = "PKG")]
    agreement: PathBuf,
    /// A TOML file of `[[member]]` entries (id, name, role, optional `key` = a C2SP verifier key)
    /// adding to or overriding the agreement's parties. Members with a key are imported (a real
    /// deployment); members without one get a generated key under DIR/keys/ (a test deployment).
    #[arg(long, value_name = "FILE")]
    parties_from: Option<PathBuf>,
    /// The log origin: checkpoint origin line and log key name.
    #[arg(long, default_value = "jic.example/deployment", env = "JIC_ORIGIN")]
    origin: String,
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "every subcommand's run owns its parsed arguments (see main.rs)"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let extra_members = match &args.parties_from {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", path.display())))?;
            let parsed = PartiesFile::from_toml(&text)
                .map_err(|e| exit::fail(BAD_INPUT, format!("{}: {e}", path.display())))?;
            parsed.members
        }
        None => Vec::new(),
    };
    let data = DataDir::new(&args.dir);
    let report = deployment::init(
        &data,
        &InitOptions {
            agreement: args.agreement.clone(),
            extra_members,
            origin: args.origin.clone(),
            config: ServerConfig::default(),
        },
    )
    .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    println!("created {}", args.dir.display());
    println!("log key: {}", report.log_vkey);
    for (member, path, vkey) in &report.generated_keys {
        println!("generated key for {member}: {} ({vkey})", path.display());
    }
    println!();
    println!("read tokens (shown once; only their SHA-256 is stored):");
    for (label, _, token) in &report.tokens {
        println!("  {label:<40} {token}");
    }
    println!();
    println!(
        "start the server with: jic serve --data {}",
        args.dir.display()
    );
    Ok(exit::ok())
}
