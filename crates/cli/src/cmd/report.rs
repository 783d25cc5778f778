//! `jic report`: the daily situation report, as a stand-alone HTML page or JSON.
//!
//! From a server (`--server URL --token T`) it is fetched from `/api/v1/reports/daily/DATE`;
//! from a data directory (`--data DIR`) it is computed locally with the same code, as of now
//! (or `--as-of`). HTML has no external references: it opens offline and prints on A4.

use std::path::PathBuf;
use std::process::ExitCode;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::exit::{self, BAD_INPUT, CHECK_FAILED, IO_FAILED};

/// Arguments of `jic report`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["data", "server"])))]
pub(crate) struct Args {
    /// The local date reported on (YYYY-MM-DD, in the agreement's day time zone).
    #[arg(long, value_name = "DATE")]
    day: String,
    /// A data directory to compute the report from.
    #[arg(long)]
    data: Option<PathBuf>,
    /// A server to fetch the report from.
    #[arg(long, env = "JIC_SERVER")]
    server: Option<String>,
    /// A read token for --server.
    #[arg(long, env = "JIC_TOKEN")]
    token: Option<String>,
    /// `html` or `json`.
    #[arg(long, default_value = "html")]
    format: String,
    /// With --data: compute as of this instant (RFC 3339; default: now).
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "main.rs hands every command its parsed arguments by value"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let day: Date = args.day.parse().map_err(|e| {
        exit::fail(
            BAD_INPUT,
            format!("--day {}: {e} (use YYYY-MM-DD)", args.day),
        )
    })?;
    let html = match args.format.as_str() {
        "html" => true,
        "json" => false,
        other => {
            return Err(exit::fail(
                BAD_INPUT,
                format!("--format {other}: use html or json"),
            ));
        }
    };
    let text = match (&args.data, &args.server) {
        (Some(dir), _) => {
            let as_of: Timestamp = match &args.as_of {
                Some(t) => t
                    .parse()
                    .map_err(|e| exit::fail(BAD_INPUT, format!("--as-of {t}: {e}")))?,
                None => crate::cmd::submit::now(),
            };
            let db = jic_store::datadir::DataDir::new(dir).db_path();
            if !db.exists() {
                return Err(exit::fail(
                    IO_FAILED,
                    format!("{}: no database", db.display()),
                ));
            }
            let conn = jic_store::db::open(&db)
                .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", db.display())))?;
            let report = jic_server::kinds::incidents::build_report(&conn, day, as_of, None)
                .map_err(|e| exit::fail(CHECK_FAILED, e.to_string()))?;
            if html {
                jic_compliance::render::render_html(&report)
            } else {
                serde_json::to_string_pretty(&report)?
            }
        }
        (None, Some(server)) => fetch(server, args.token.as_deref(), day, html)?,
        (None, None) => return Err(exit::fail(BAD_INPUT, "give --data DIR or --server URL")),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| exit::fail(IO_FAILED, format!("{}: {e}", path.display())))?,
        None => print!("{text}"),
    }
    Ok(exit::ok())
}

fn fetch(server: &str, token: Option<&str>, day: Date, html: bool) -> anyhow::Result<String> {
    let token =
        token.ok_or_else(|| exit::fail(BAD_INPUT, "--server needs --token (a read token)"))?;
    let url = format!(
        "{}/api/v1/reports/daily/{day}",
        server.trim_end_matches('/')
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    runtime.block_on(async {
        let r = reqwest::Client::new()
            .get(&url)
            .bearer_auth(token)
            .header(
                "accept",
                if html {
                    "text/html"
                } else {
                    "application/json"
                },
            )
            .send()
            .await
            .map_err(|e| exit::fail(IO_FAILED, format!("{url}: {e}")))?;
        let status = r.status();
        let text = r
            .text()
            .await
            .map_err(|e| exit::fail(IO_FAILED, format!("{url}: {e}")))?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(exit::fail(
                CHECK_FAILED,
                format!("{url}: HTTP {status}: {text}"),
            ))
        }
    })
}
