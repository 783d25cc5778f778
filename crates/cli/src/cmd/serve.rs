//! `jic serve`: run the server on a data directory until Ctrl-C or SIGTERM, then finish the
//! commits in flight and stop. The embedded dashboard is served beside the API, at `/` and
//! `/assets/`; every other path keeps the API's problem+json 404.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use jic_server::deployment::{self, DataDir};
use jic_server::{AppState, OpenOptions};

use crate::exit::{self, BAD_INPUT, IO_FAILED};

/// Arguments of `jic serve`. Flags override `jic.toml`; each also reads a `JIC_*` variable.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The data directory (made by `jic init`).
    #[arg(long, env = "JIC_DATA", value_name = "DIR")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "JIC_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Allowed clock skew of submissions, seconds.
    #[arg(long, env = "JIC_MAX_CLOCK_SKEW_S")]
    max_clock_skew_s: Option<i64>,
    /// Sustained submissions per second per party.
    #[arg(long, env = "JIC_RATE_LIMIT_PER_S")]
    rate_limit_per_s: Option<f64>,
    /// An origin allowed by CORS (repeatable; CORS is off unless given).
    #[arg(long = "cors-origin", env = "JIC_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Log integration interval, milliseconds.
    #[arg(long, env = "JIC_INTEGRATE_INTERVAL_MS")]
    integrate_interval_ms: Option<u64>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "JIC_LOG_FORMAT", default_value = "text")]
    log_format: String,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_tracing(&args.log_format);
    let data = DataDir::new(&args.data);
    let mut config =
        deployment::read_config(&data).map_err(|e| exit::fail(BAD_INPUT, e.to_string()))?;
    if let Some(v) = args.max_clock_skew_s {
        config.max_clock_skew_s = v;
    }
    if let Some(v) = args.rate_limit_per_s {
        config.rate_limit_per_s = v;
    }
    if !args.cors_origins.is_empty() {
        config.cors_allowed_origins = args.cors_origins.clone();
    }
    if let Some(v) = args.integrate_interval_ms {
        config.integrate_interval_ms = v;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::fail(IO_FAILED, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let state = AppState::open(
            &data,
            OpenOptions {
                clock: Arc::new(jic_server::clock::SystemClock),
                config,
                registry: jic_server::kinds::default_registry(),
                log: None,
            },
        )
        .await
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| exit::fail(IO_FAILED, format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
        // Scripts (and the durability test) read this line to learn the port.
        println!("listening on http://{addr}");
        jic_server::run_with(listener, state, jic_dashboard::router(), shutdown_signal())
            .await
            .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
        Ok(exit::ok())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutdown requested: finishing requests in flight");
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JIC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
