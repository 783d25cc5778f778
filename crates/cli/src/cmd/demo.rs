//! `jic demo`: the September 2016 scenario, served and replayed end to end.
//!
//! One command, no flags needed: a fresh deployment in a temporary data directory (keys and
//! read tokens generated now, never shipped), a server on 127.0.0.1 whose clock is the
//! scenario's, and the replay driving every event of `scenarios/syria-2016-09/` through signed
//! submissions over HTTP. It prints the dashboard address and the role tokens, shows progress,
//! prints the summary, audits the log over its public API, and keeps serving until Ctrl-C.
//! `--headless` replays without announcing the dashboard and exits after the audit: 0 when the
//! log verifies, 1 when it does not.
//!
//! # The scenario clock
//! The server runs on [`DemoClock`]: the replay sets it to each event's 2016 time before
//! sending it, so the skew check passes and every receipt time, deadline and alert is in 2016.
//! When the replay ends the clock runs on from the scenario's last instant at real speed, so
//! filings made from the dashboard afterwards are accepted too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use jic_server::deployment::{self, DataDir, InitOptions, MemberSpec};
use jic_server::{AppState, OpenOptions};
use jic_sim::replay::{self, ReplayOptions, ScenarioClock, Speed, Status};
use jic_sim::scenario::{LoadOptions, Scenario};
use jic_sim::summary::{self, Reads};
use jiff::Timestamp;

use crate::exit::{self, BAD_INPUT, CHECK_FAILED, IO_FAILED, fail};

/// Arguments of `jic demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Replay without serving the dashboard: print the summary, verify the log and exit
    /// (0 when the log verifies, 1 when it does not).
    #[arg(long)]
    headless: bool,
    /// The data directory for the demo deployment (must not hold one already). A temporary
    /// directory, removed on exit, when not given.
    #[arg(long, env = "JIC_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Address to listen on; when it is taken, a free port on 127.0.0.1 is used instead.
    /// `--headless` always uses a free port.
    #[arg(long, env = "JIC_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Pace: scenario seconds per real second, or `max` (as fast as the server answers). The
    /// default plays the 25 days in about two minutes.
    #[arg(long, default_value = "20000", value_name = "FACTOR|max")]
    speed: Speed,
    /// Stop the replay after this scenario time (RFC 3339, e.g. 2016-09-20T00:00:00+03:00).
    #[arg(long, value_name = "TIME")]
    until: Option<Timestamp>,
    /// Multiply the synthetic air traffic and daily incident reports (1 = as the scenario says;
    /// tests use less).
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    synthetic_scale: f64,
    /// Replay this scenario directory instead of the embedded September 2016 one.
    #[arg(long, value_name = "DIR")]
    scenario: Option<PathBuf>,
}

/// The demo server's clock: frozen at the scenario time the replay last set, then free-running
/// from there once the replay is over.
#[derive(Debug)]
struct DemoClock {
    state: Mutex<(Timestamp, Option<Instant>)>,
}

impl DemoClock {
    fn new(start: Timestamp) -> Self {
        Self {
            state: Mutex::new((start, None)),
        }
    }

    /// From now on, time passes at real speed from the current scenario time.
    fn run_free(&self) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.1 = Some(Instant::now());
    }
}

impl jic_server::clock::Clock for DemoClock {
    fn now(&self) -> Timestamp {
        let s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match s.1 {
            None => s.0,
            Some(anchor) => {
                let elapsed = jiff::SignedDuration::try_from(anchor.elapsed()).unwrap_or_default();
                s.0.checked_add(elapsed).unwrap_or(s.0)
            }
        }
    }
}

impl ScenarioClock for DemoClock {
    fn set(&self, t: Timestamp) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *s = (t, None);
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.synthetic_scale.is_finite() && args.synthetic_scale >= 0.0) {
        return Err(fail(BAD_INPUT, "--synthetic-scale must be a number ≥ 0"));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(IO_FAILED, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(demo(args))
}

async fn demo(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // The data directory: the user's, or a temporary one kept alive until we return.
    let (_temp, root) = match &args.data {
        Some(dir) => (None, dir.clone()),
        None => {
            let t = tempfile::Builder::new()
                .prefix("jic-demo-")
                .tempdir()
                .map_err(|e| {
                    fail(
                        IO_FAILED,
                        format!("cannot create a temporary directory: {e}"),
                    )
                })?;
            let p = t.path().to_owned();
            (Some(t), p)
        }
    };
    std::fs::create_dir_all(&root)
        .map_err(|e| fail(IO_FAILED, format!("{}: {e}", root.display())))?;
    let scenario_dir = match &args.scenario {
        Some(dir) => dir.clone(),
        None => {
            let dir = root.join("scenario");
            jic_sim::embedded::write_to(&dir).map_err(|e| fail(IO_FAILED, e.to_string()))?;
            dir
        }
    };
    let scenario = Scenario::load(
        &scenario_dir,
        LoadOptions {
            synthetic_scale: args.synthetic_scale,
        },
    )
    .map_err(|e| fail(BAD_INPUT, e.to_string()))?;
    let agreement = jic_agreement::load_dir(&scenario.agreement_dir()).map_err(|e| {
        fail(
            BAD_INPUT,
            format!("{}: {e}", scenario.agreement_dir().display()),
        )
    })?;

    // The deployment: roster from the agreement's parties and the scenario's cells, keys and
    // read tokens generated now.
    let data = DataDir::new(root.join("deployment"));
    let mut extra_members = Vec::new();
    for cell in &scenario.manifest.cells {
        let role = cell
            .role
            .parse()
            .map_err(|e| fail(BAD_INPUT, format!("cell {}: {e}", cell.id)))?;
        extra_members.push(MemberSpec {
            id: cell.id.clone(),
            name: cell.name.clone(),
            role,
            key: None,
        });
    }
    // Integrate the log often, so the audit at the end need not wait.
    let config = jic_server::config::ServerConfig {
        integrate_interval_ms: 100,
        ..Default::default()
    };
    let report = deployment::init(
        &data,
        &InitOptions {
            agreement: scenario.agreement_dir(),
            extra_members,
            origin: scenario.manifest.scenario.origin.clone(),
            config,
        },
    )
    .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let mut signers = BTreeMap::new();
    for cell in &scenario.manifest.cells {
        let path = deployment::keys_dir(&data).join(format!("{}.key", cell.id));
        let signer = jic_store::datadir::read_signer(&path)
            .map_err(|e| fail(IO_FAILED, format!("{}: {e}", path.display())))?;
        signers.insert(cell.id.clone(), signer);
    }
    let tokens: BTreeMap<String, String> = report
        .tokens
        .iter()
        .map(|(_, member, token)| (member.clone(), token.clone()))
        .collect();

    let clock = Arc::new(DemoClock::new(scenario.start));
    let config = deployment::read_config(&data).map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let state = AppState::open(
        &data,
        OpenOptions {
            clock: clock.clone(),
            config,
            registry: jic_server::kinds::default_registry(),
            log: None,
        },
    )
    .await
    .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let listener = bind(&args).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let base = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The dashboard is served beside the API unless headless (the replay needs only the API).
    let extra = if args.headless {
        axum::Router::new()
    } else {
        jic_dashboard::router()
    };
    let server = tokio::spawn(jic_server::run_with(listener, state, extra, async move {
        let _ = stopped.await;
    }));

    if args.headless {
        eprintln!(
            "jic demo (headless): replaying {} against {base}",
            scenario.manifest.scenario.id
        );
    } else {
        print_welcome(&base, &root, &report.tokens, started.elapsed());
    }

    let progress = ProgressBar::new(0);
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len}  {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let restricted_by = agreement.terms().disclosure.clone();
    let log = replay::replay(
        &scenario,
        ReplayOptions {
            server: base.clone(),
            signers,
            tokens: tokens.clone(),
            speed: args.speed,
            until: args.until,
            clock: clock.clone(),
            watch: vec!["us".to_owned(), "russia".to_owned(), "un_ocha".to_owned()],
            progress: progress.clone(),
        },
        &|kind| restricted_by.is_restricted(kind),
    )
    .await
    .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    progress.finish_and_clear();
    clock.run_free();

    let reads = read_back(&base, &scenario, &tokens).await;
    let summary = summary::summarize(&scenario, &log, &reads, args.speed);
    println!("{}", summary.text);

    // The audit: everything the server said it logged must be under a signed checkpoint whose
    // root we recompute from the entries, with every signature checked.
    let min_size = log
        .outcomes
        .iter()
        .filter_map(|o| match &o.status {
            Status::Accepted(r) => r.get("leaf_index").and_then(serde_json::Value::as_u64),
            _ => None,
        })
        .max()
        .map_or(0, |m| m + 1);
    let audit =
        jic_sim::verify::verify_log(&base, &report.log_vkey, min_size, Duration::from_secs(30))
            .await;
    let verified = match &audit {
        Ok(a) => {
            println!("Log verified: {a}.");
            true
        }
        Err(e) => {
            println!("Log NOT verified: {e}");
            false
        }
    };
    println!("Total time: {:.1} s.", started.elapsed().as_secs_f64());

    if !args.headless {
        println!("\nStill serving {base}/ — press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = stop.send(());
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(fail(IO_FAILED, format!("server: {e}"))),
        Err(e) => return Err(fail(IO_FAILED, format!("server task: {e}"))),
    }
    if verified {
        Ok(exit::ok())
    } else {
        Err(fail(CHECK_FAILED, "the demo's log did not verify"))
    }
}

/// Binds the listener: the requested address, or any free port when it is taken (always a
/// free port when headless).
async fn bind(args: &Args) -> anyhow::Result<tokio::net::TcpListener> {
    if !args.headless {
        match tokio::net::TcpListener::bind(&args.listen).await {
            Ok(l) => return Ok(l),
            Err(e) => eprintln!(
                "cannot listen on {} ({e}); using a free port instead",
                args.listen
            ),
        }
    }
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| fail(IO_FAILED, format!("cannot listen on 127.0.0.1: {e}")))
}

fn print_welcome(base: &str, root: &Path, tokens: &[(String, String, String)], startup: Duration) {
    println!("jic demo — the September 2016 arrangement, replayed through a live server");
    println!(
        "\n  Dashboard:  {base}/   (ready after {:.1} s)",
        startup.as_secs_f64()
    );
    println!("  Data:       {}", root.display());
    println!("\n  Sign in with a role token (generated for this run only):");
    for (label, _, token) in tokens {
        println!("    {label:<40} {token}");
    }
    println!();
}

/// What the summary reads from the server after the replay.
async fn read_back(base: &str, scenario: &Scenario, tokens: &BTreeMap<String, String>) -> Reads {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
    else {
        return Reads::default();
    };
    let get = |path: String, member: &str| {
        let token = tokens.get(member).cloned();
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let token = token.ok_or_else(|| "no read token for that member".to_owned())?;
            let response = client
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(format!(
                    "{status}: {}",
                    body.get("detail")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("")
                ))
            }
        }
    };
    let alerts = get("/api/v1/alerts".to_owned(), deployment::DUTY_OFFICER_ID)
        .await
        .ok()
        .and_then(|v| v.as_array().cloned());
    let mut queries = Vec::new();
    for q in &scenario.manifest.summary.queries {
        queries.push((q.clone(), get(q.path.clone(), &q.member).await));
    }
    Reads { alerts, queries }
}
