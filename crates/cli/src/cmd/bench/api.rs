//! `jic bench api`: the HTTP API under load on 127.0.0.1, in-process server, real sockets.
//!
//! Measures, in one run:
//! - signed submissions per second through the full submit path (signature, roster, policy,
//!   validation, plan probe, group-committed durable transaction with the log leaf), with p50
//!   and p99 latency; the baseline is the same path with one transaction per submission
//!   (`max_commit_batch = 1`; the syncer may still cover several with one fsync), so the ratio
//!   is what grouping buys. Also the process's CPU time per submission (server and load
//!   generator share the cores) and the writer's own account ([`WriterStats`]): its rate if
//!   HTTP and verification cost nothing, and its apply, commit and fsync times;
//! - the same signed submissions sent in batches (`POST /api/v1/submissions/batch`,
//!   `--submit-batch` per request from `--batch-concurrency` clients, on a fresh server): every
//!   item still verified, sequence-checked, logged and committed on its own, only the HTTP
//!   round trip shared; latency is per batch;
//! - track positions per second through batch ingest (signed batches of CSV states, logged by
//!   digest, latest state per aircraft upserted), against the baseline of one position per
//!   signed submission (the baseline rate above).
//!
//! Bounded in count (`--count`, `--positions`) and time (`--max-seconds` per phase).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jic_ledger::key::NoteSigner;
use jic_server::client::{self, Client};
use jic_server::config::ServerConfig;
use jic_server::deployment::{self, DataDir, InitOptions, MemberSpec};
use jic_server::submit::WriterStats;
use jic_server::{AppState, OpenOptions};
use jic_store::roster::Role;
use serde_json::json;

use crate::cmd::submit::now;
use crate::exit::{self, IO_FAILED};

/// Arguments of `jic bench api`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Signed submissions to send in the production run.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Signed submissions to send in the baseline run (no group commit).
    #[arg(long, default_value_t = 1_000)]
    baseline_count: usize,
    /// Concurrent clients (one party key each, so sequence numbers stay ordered per key).
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Signed submissions per request in the batched run (`/api/v1/submissions/batch`).
    #[arg(long, default_value_t = 64)]
    submit_batch: usize,
    /// Concurrent clients in the batched run (one party key each).
    #[arg(long, default_value_t = 32)]
    batch_concurrency: usize,
    /// Track positions to ingest.
    #[arg(long, default_value_t = 1_000_000)]
    positions: usize,
    /// Positions per track batch.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Concurrent track batch senders.
    #[arg(long, default_value_t = 4)]
    track_senders: usize,
    /// Upper bound on each phase, seconds.
    #[arg(long, default_value_t = 60)]
    max_seconds: u64,
}

struct Server {
    url: String,
    keys: Vec<(String, NoteSigner)>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

async fn start(parties: usize, max_commit_batch: usize) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    // The embedded September 2016 package, plus one bench party per concurrent client.
    jic_sim::embedded::write_to(&dir.path().join("scenario"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let package = dir.path().join("scenario").join("agreement");
    let extra_members = (0..parties)
        .map(|i| MemberSpec {
            id: format!("p{i}"),
            name: format!("Bench party {i}"),
            role: Role::Party,
            key: None,
        })
        .collect();
    let data = DataDir::new(dir.path().join("data"));
    let config = ServerConfig {
        max_commit_batch,
        integrate_interval_ms: std::env::var("JIC_BENCH_INTEGRATE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500),
        rate_limit_per_s: 1e9,
        rate_limit_burst: 1e9,
        max_clock_skew_s: 3600,
        ..ServerConfig::default()
    };
    deployment::init(
        &data,
        &InitOptions {
            agreement: package,
            extra_members,
            origin: "jic.bench/api".into(),
            config: config.clone(),
        },
    )
    .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    let mut keys = Vec::new();
    for i in 0..parties {
        let id = format!("p{i}");
        let text = std::fs::read_to_string(deployment::keys_dir(&data).join(format!("{id}.key")))?;
        keys.push((
            id,
            NoteSigner::from_skey(text.trim()).map_err(|e| anyhow::anyhow!("{e}"))?,
        ));
    }
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        if let Err(e) = jic_server::run(listener, state, async move {
            let _ = stopped.await;
        })
        .await
        {
            eprintln!("server: {e}");
        }
    });
    Ok(Server {
        url,
        keys,
        stop,
        task,
        _dir: dir,
    })
}

/// Signed air-operation filings, one list per party, each with its own time window so the plan
/// probe has candidates to look up but no conflicts to raise.
fn presign(keys: &[(String, NoteSigner)], count: usize) -> anyhow::Result<Vec<Vec<Vec<u8>>>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let per = count.div_ceil(keys.len().max(1));
    let base: jiff::Timestamp = "2030-01-01T00:00:00Z".parse()?;
    let mut out = Vec::with_capacity(keys.len());
    let mut n = 0usize;
    for (k, (party, signer)) in keys.iter().enumerate() {
        let mut list = Vec::with_capacity(per);
        for seq in 1..=per as u64 {
            if n >= count {
                break;
            }
            n += 1;
            // Windows advance with the submission order across parties, as real plans cluster
            // around the present: earlier plans have ended when later ones are filed.
            let n_global = (seq as i64) * keys.len() as i64 + k as i64;
            let start = base.checked_add(jiff::SignedDuration::from_hours(n_global))?;
            let end = start.checked_add(jiff::SignedDuration::from_mins(30))?;
            let payload = json!({"id": format!("{party}-{seq}"), "waypoints": [
                {"lat": 35.0, "lon": 38.0, "alt_ft": 20000, "time": start.to_string()},
                {"lat": 35.2, "lon": 38.3, "alt_ft": 20000, "time": end.to_string()}]});
            list.push(
                client::submission_body(
                    signer,
                    party,
                    "air_operation.file",
                    seq,
                    now(),
                    payload,
                    true,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            );
        }
        out.push(list);
    }
    Ok(out)
}

/// Joins each client's pre-signed bodies into batch bodies (JSON arrays) of up to `per`.
fn into_batches(lists: Vec<Vec<Vec<u8>>>, per: usize) -> Vec<Vec<Vec<u8>>> {
    lists
        .into_iter()
        .map(|list| {
            list.chunks(per.max(1))
                .map(|chunk| {
                    let mut body = Vec::with_capacity(chunk.iter().map(|b| b.len() + 1).sum());
                    body.push(b'[');
                    for (i, item) in chunk.iter().enumerate() {
                        if i > 0 {
                            body.push(b',');
                        }
                        body.extend_from_slice(item);
                    }
                    body.push(b']');
                    body
                })
                .collect()
        })
        .collect()
}

struct Measured {
    /// Items accepted (a batch counts each committed item).
    done: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn send_all(
    url: &str,
    path: &'static str,
    lists: Vec<Vec<Vec<u8>>>,
    bound: Duration,
) -> Measured {
    let started = Instant::now();
    let deadline = started + bound;
    let mut tasks = Vec::new();
    for list in lists {
        let client = Client::new(url);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(list.len());
            let mut failed = 0;
            let mut done = 0;
            for body in list {
                if Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                match client.post(path, body).await {
                    // A batch answers per item; anything else is one item.
                    Ok(answer) => {
                        lat.push(t.elapsed());
                        match answer.get("results").and_then(serde_json::Value::as_array) {
                            Some(results) => {
                                let ok = results.iter().filter(|r| r["status"] == 200).count();
                                if ok < results.len() && failed == 0 {
                                    eprintln!("first refused batch item on {path}: {answer}");
                                }
                                done += ok;
                                failed += results.len() - ok;
                            }
                            None => done += 1,
                        }
                    }
                    Err(e) => {
                        if failed == 0 {
                            eprintln!("first refusal on {path}: {e}");
                        }
                        failed += 1;
                    }
                }
            }
            (lat, failed, done)
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    let mut done = 0;
    for t in tasks {
        if let Ok((lat, f, d)) = t.await {
            latencies.extend(lat);
            failed += f;
            done += d;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Measured {
        done,
        failed,
        elapsed,
        latencies,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn track_batches(
    keys: &[(String, NoteSigner)],
    positions: usize,
    batch: usize,
    senders: usize,
) -> anyhow::Result<Vec<Vec<Vec<u8>>>> {
    let aircraft = 10_000usize;
    let mut lists: Vec<Vec<Vec<u8>>> = vec![Vec::new(); senders];
    let mut made = 0usize;
    // Above any sequence number the submission phase used with the same keys.
    let mut seqs = vec![1_000_000u64; senders];
    let mut b = 0usize;
    while made < positions {
        let n = batch.min(positions - made);
        let sender = b % senders;
        let (party, signer) = &keys[sender];
        let mut csv = String::with_capacity(n * 64 + 64);
        csv.push_str("id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\n");
        for j in 0..n {
            let a = (made + j) % aircraft;
            // A deterministic spread over the theatre: no two aircraft share a level and cell.
            let lat = 30.0 + (a % 100) as f64 * 0.1;
            let lon = 30.0 + (a / 100) as f64 * 0.2;
            let alt = 10_000.0 + ((a * 7) % 30) as f64 * 1_000.0;
            csv.push_str(&format!(
                "{party}-{a},{lat:.4},{lon:.4},{alt},300,{},0\n",
                (a * 37) % 360
            ));
        }
        seqs[sender] += 1;
        let body =
            client::track_batch_body(signer, party, seqs[sender], now(), now(), &csv, n as u64)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        lists[sender].push(body);
        made += n;
        b += 1;
    }
    Ok(lists)
}

/// CPU time (user + system) of this whole process so far, in seconds, from `/proc/self/stat`
/// (Linux; `None` elsewhere). Ticks are USER_HZ, 100 on Linux.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are
    // plain numbers: state is field 3, utime 14, stime 15.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The single writer's own account of a phase: how fast it would go if HTTP, verification and
/// the load generator cost nothing (its busy time only; waiting for work is excluded).
fn print_writer(label: &str, w: &WriterStats) {
    let per_job = |ns: u64| ns as f64 / 1e3 / (w.jobs.max(1) as f64);
    println!(
        "  writer ({label}): {:>10.0} /s of writer time  ({} jobs in {} groups, avg {:.0} per \
         group; per job: apply {:.1} µs, commit {:.1} µs; off the serial path: {} WAL fsyncs \
         of {:.2} ms avg, replies {:.1} µs per job)",
        w.jobs as f64 / (w.busy_ns().max(1) as f64 / 1e9),
        w.jobs,
        w.groups,
        w.jobs as f64 / w.groups.max(1) as f64,
        per_job(w.apply_ns),
        per_job(w.commit_ns),
        w.syncs,
        w.sync_ns as f64 / 1e6 / w.syncs.max(1) as f64,
        per_job(w.reply_ns),
    );
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "every subcommand's run owns its parsed arguments (see main.rs)"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::fail(IO_FAILED, e.to_string()))?;
    runtime.block_on(async move {
        let bound = Duration::from_secs(args.max_seconds.max(1));
        let parties = args.concurrency.max(args.track_senders).max(1);

        eprintln!("signing {} submissions for {} parties …", args.count + args.baseline_count, parties);
        let server = start(parties, ServerConfig::default().max_commit_batch).await?;
        let lists = presign(&server.keys, args.count)?;
        let writer_before = WriterStats::now();
        let cpu_before = process_cpu_seconds();
        let prod = send_all(&server.url, "/api/v1/air-operations", lists, bound).await;
        let prod_cpu = process_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
        let writer = WriterStats::now().since(&writer_before);
        let tracks = track_batches(&server.keys[..args.track_senders.max(1)], args.positions, args.batch, args.track_senders.max(1))?;
        let ingest = send_all(&server.url, "/api/v1/tracks/batches", tracks, bound).await;
        let positions_done = (ingest.done * args.batch).min(args.positions);
        let _ = server.stop.send(());
        let _ = server.task.await;

        let server = start(args.batch_concurrency.max(1), ServerConfig::default().max_commit_batch).await?;
        let lists = into_batches(presign(&server.keys, args.count)?, args.submit_batch);
        let batched_writer_before = WriterStats::now();
        let batched_cpu_before = process_cpu_seconds();
        let batched = send_all(&server.url, "/api/v1/submissions/batch", lists, bound).await;
        let batched_cpu = process_cpu_seconds().zip(batched_cpu_before).map(|(a, b)| a - b);
        let batched_writer = WriterStats::now().since(&batched_writer_before);
        let _ = server.stop.send(());
        let _ = server.task.await;

        let server = start(parties, 1).await?;
        let lists = presign(&server.keys, args.baseline_count)?;
        let base_writer_before = WriterStats::now();
        let base = send_all(&server.url, "/api/v1/air-operations", lists, bound).await;
        let base_writer = WriterStats::now().since(&base_writer_before);
        let _ = server.stop.send(());
        let _ = server.task.await;

        let prod_rate = rate(prod.done, prod.elapsed);
        let batched_rate = rate(batched.done, batched.elapsed);
        let base_rate = rate(base.done, base.elapsed);
        let pos_rate = rate(positions_done, ingest.elapsed);
        println!(
            "jic bench api (127.0.0.1, in-process server, {parties} concurrent keep-alive HTTP/1.1 \
             clients, pre-signed bodies; the load generator shares the machine's {} cores with \
             the server)",
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        );
        println!(
            "signed submissions (durable, group commit): {:>10.0} /s  ({} ok, {} failed in {:.2} s)  p50 {:.2} ms  p99 {:.2} ms",
            prod_rate,
            prod.done,
            prod.failed,
            prod.elapsed.as_secs_f64(),
            percentile(&prod.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&prod.latencies, 0.99).as_secs_f64() * 1e3,
        );
        println!(
            "baseline: one transaction per submission:   {:>10.0} /s  ({} ok, {} failed)  p50 {:.2} ms  p99 {:.2} ms",
            base_rate,
            base.done,
            base.failed,
            percentile(&base.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&base.latencies, 0.99).as_secs_f64() * 1e3,
        );
        println!("ratio: {:.1}x  (target ≥ 20,000 /s)", prod_rate / base_rate.max(1e-9));
        println!(
            "signed submissions, batched ({} per request, {} clients): {:>10.0} /s  ({} ok, {} failed in {:.2} s)  p50 {:.2} ms  p99 {:.2} ms per batch",
            args.submit_batch,
            args.batch_concurrency,
            batched_rate,
            batched.done,
            batched.failed,
            batched.elapsed.as_secs_f64(),
            percentile(&batched.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&batched.latencies, 0.99).as_secs_f64() * 1e3,
        );
        println!(
            "ratio batched vs baseline: {:.1}x, vs single requests: {:.1}x  (target ≥ 20,000 /s)",
            batched_rate / base_rate.max(1e-9),
            batched_rate / prod_rate.max(1e-9)
        );
        for (label, cpu, done) in [("single requests", prod_cpu, prod.done), ("batched", batched_cpu, batched.done)] {
            let Some(cpu) = cpu else { continue };
            let per = cpu / done.max(1) as f64;
            println!(
                "  CPU per submission, {label} (server + load generator, all threads): {:.0} µs, so at most \
                 {:.0} /s on {} idle cores; the machine's load average at the end: {}",
                per * 1e6,
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64
                    / per.max(1e-9),
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
                std::fs::read_to_string("/proc/loadavg")
                    .ok()
                    .and_then(|l| l.split_whitespace().next().map(str::to_owned))
                    .unwrap_or_else(|| "unknown".to_owned()),
            );
        }
        print_writer("server side only, group commit", &writer);
        print_writer("server side only, batched", &batched_writer);
        print_writer("server side only, baseline", &base_writer);
        println!(
            "track positions (batches of {}):           {:>10.0} /s  ({} positions, {} failed batches, p50 {:.1} ms per batch)",
            args.batch,
            pos_rate,
            positions_done,
            ingest.failed,
            percentile(&ingest.latencies, 0.5).as_secs_f64() * 1e3,
        );
        println!(
            "ratio vs one position per signed submission (baseline): {:.1}x  (target ≥ 500,000 /s)",
            pos_rate / base_rate.max(1e-9)
        );
        Ok(exit::ok())
    })
}
