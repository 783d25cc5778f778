//! Exit codes, documented once here and printed at the end of `jic --help`.
//!
//! Scripts rely on these, so they only ever gain new values; existing ones keep their meaning.

use std::process::ExitCode;

/// Everything asked for was done and every check passed.
pub(crate) const OK: u8 = 0;
/// The command ran but what it checked failed: an invalid agreement, a failed log verification,
/// a rejected submission, conflicts found where `--fail-on-conflict` was given.
pub(crate) const CHECK_FAILED: u8 = 1;
/// The command line or an input file could not be understood (clap also uses 2 for usage errors).
pub(crate) const BAD_INPUT: u8 = 2;
/// A file, directory, database or server could not be reached, read or written.
pub(crate) const IO_FAILED: u8 = 3;
/// A bug in jic: please report it with the message printed above.
pub(crate) const INTERNAL: u8 = 70;

pub(crate) const HELP: &str = "\
Exit codes:
  0   success: everything asked for was done and every check passed
  1   a check failed (invalid agreement, failed verification, rejected submission, ...)
  2   the command line or an input file could not be understood
  3   a file, directory, database or server could not be reached, read or written
  70  internal error (a bug in jic; please report it)";

/// A failure that carries the exit code it should end the process with.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Ends a command with a specific exit code and message.
pub(crate) fn fail(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        code,
        message: message.into(),
    })
}

/// Prints an error chain to stderr and picks the exit code.
pub(crate) fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) => {
            let code = error.downcast_ref::<Failure>().map_or(INTERNAL, |f| f.code);
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(code)
        }
    }
}

/// The exit code for a check that found problems.
pub(crate) fn check_failed() -> ExitCode {
    ExitCode::from(CHECK_FAILED)
}

/// The exit code for success.
pub(crate) fn ok() -> ExitCode {
    ExitCode::from(OK)
}
