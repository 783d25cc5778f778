//! One module per subcommand. Each exposes its clap arguments and a `run` function.

pub(crate) mod agreement;
pub(crate) mod bench;
pub(crate) mod check;
pub(crate) mod deconflict;
pub(crate) mod demo;
pub(crate) mod incidents;
pub(crate) mod init;
pub(crate) mod keygen;
pub(crate) mod log;
pub(crate) mod phase;
pub(crate) mod report;
pub(crate) mod serve;
pub(crate) mod submit;
pub(crate) mod tracks;
pub(crate) mod witness;
