//! Server configuration: `jic.toml` in the data directory, overridable from the command line and
//! environment (the binary maps `JIC_*` variables onto these fields with clap's `env`).

use serde::{Deserialize, Serialize};

/// Tunables of a running server. Every field has a default, so an empty file is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The log origin (checkpoint origin line and log key name), e.g. `jic.example/syria-2016`.
    pub origin: String,
    /// Largest accepted body for a signed submission, in bytes.
    pub max_submission_bytes: usize,
    /// Largest accepted body for a track batch, in bytes.
    pub max_track_batch_bytes: usize,
    /// How far a submission's claimed time may be from the receipt time, in seconds.
    pub max_clock_skew_s: i64,
    /// Request timeout, in seconds.
    pub request_timeout_s: u64,
    /// Sustained submissions per second allowed per party.
    pub rate_limit_per_s: f64,
    /// Burst of submissions allowed per party above the sustained rate.
    pub rate_limit_burst: f64,
    /// Origins allowed by CORS; empty (the default) means CORS is off.
    pub cors_allowed_origins: Vec<String>,
    /// Most submissions committed in one transaction by the writer.
    pub max_commit_batch: usize,
    /// How often pending leaves are integrated and a checkpoint signed, in milliseconds.
    pub integrate_interval_ms: u64,
    /// Separation minima and look-ahead for conflict detection when the agreement sets none.
    pub deconfliction: DeconflictionDefaults,
}

/// Deconfliction parameters used when the agreement does not set them (DESIGN §3.2 defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeconflictionDefaults {
    /// Horizontal protected radius, nautical miles.
    pub rpz_nm: f64,
    /// Vertical protected half-height, feet.
    pub hpz_ft: f64,
    /// Look-ahead for track conflicts, seconds.
    pub lookahead_s: f64,
    /// An aircraft whose last reported position is older than this, in seconds of the server's
    /// clock, leaves the live track picture (and its track conflict alerts close).
    pub track_stale_s: f64,
}

impl Default for DeconflictionDefaults {
    fn default() -> Self {
        Self {
            rpz_nm: 5.0,
            hpz_ft: 1000.0,
            lookahead_s: 300.0,
            track_stale_s: 120.0,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            origin: "jic.example/deployment".to_owned(),
            max_submission_bytes: 60_000,
            max_track_batch_bytes: 32 << 20,
            max_clock_skew_s: 300,
            request_timeout_s: 30,
            rate_limit_per_s: 50_000.0,
            rate_limit_burst: 100_000.0,
            cors_allowed_origins: Vec::new(),
            max_commit_batch: 4096,
            integrate_interval_ms: 500,
            deconfliction: DeconflictionDefaults::default(),
        }
    }
}

impl ServerConfig {
    /// Parses `jic.toml`.
    pub fn from_toml(text: &str) -> Result<Self, crate::ServerError> {
        toml::from_str(text).map_err(|e| crate::ServerError::Config(e.to_string()))
    }

    /// Writes the configuration as TOML.
    pub fn to_toml(&self) -> Result<String, crate::ServerError> {
        toml::to_string_pretty(self).map_err(|e| crate::ServerError::Config(e.to_string()))
    }
}
