//! `jic bench log`: the transparency log's production paths against baselines measured in the
//! same run.
//!
//! - durable appends/s: group commit (many leaves per fsync'd transaction, then one integration
//!   and checkpoint) against one fsync'd transaction per leaf;
//! - inclusion and consistency proof time from stored tile nodes, against rebuilding the tree
//!   from the leaf hashes for each proof (what storage without nodes would have to do);
//! - tile serving requests/s over HTTP on 127.0.0.1, against the cheapest route of the same
//!   router (`/api/v1/log/key`), which bounds what any route can do on this machine.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jic_ledger::key::NoteSigner;
use jic_ledger::proof::{MemoryTree, inclusion_proof};
use jic_store::datadir::DataDir;
use jic_store::log::{LogStore as _, SqliteLog, TileCache};

use crate::cmd::log::{runtime, test_entry, test_signer};
use crate::exit::{IO_FAILED, fail};

/// Arguments of `jic bench log`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Entries appended with group commit.
    #[arg(long, default_value_t = 50_000)]
    entries: u64,
    /// Entries per durable transaction (group commit).
    #[arg(long, default_value_t = 512)]
    batch: u64,
    /// Entries appended one transaction each (the baseline).
    #[arg(long, default_value_t = 300)]
    baseline_entries: u64,
    /// Size of the tree proofs and tiles are measured on.
    #[arg(long, default_value_t = 262_144)]
    proof_leaves: u64,
    /// Seconds per HTTP measurement.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

fn t(i: u64) -> anyhow::Result<jiff::Timestamp> {
    Ok(jiff::Timestamp::from_second(1_474_000_000 + i as i64)?)
}

/// Appends `count` entries in transactions of `batch`, integrating after each; returns entries/s.
fn append_run(
    conn: &mut rusqlite::Connection,
    key: &NoteSigner,
    count: u64,
    batch: u64,
    integrate_each: bool,
) -> anyhow::Result<f64> {
    let signer = test_signer()?;
    let entries: Vec<Vec<u8>> = (0..count)
        .map(|i| test_entry(&signer, i))
        .collect::<Result<_, _>>()?;
    let cache = TileCache::default();
    let start = Instant::now();
    let mut i = 0;
    while i < count {
        let tx = conn.transaction()?;
        let end = (i + batch).min(count);
        for e in &entries[i as usize..end as usize] {
            jic_store::log::append(&tx, e, t(i)?)?;
        }
        tx.commit()?;
        i = end;
        if integrate_each {
            jic_store::log::integrate(conn, key, t(i)?, Some(&cache))?;
        }
    }
    if !integrate_each {
        jic_store::log::integrate(conn, key, t(i)?, Some(&cache))?;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

fn fresh_db(root: &std::path::Path, name: &str) -> anyhow::Result<rusqlite::Connection> {
    let dir = DataDir::new(root.join(name));
    dir.open_db().map_err(|e| fail(IO_FAILED, e.to_string()))
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "cmd/bench/mod.rs hands every bench its Args"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let tmp = tempfile::tempdir().map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let key = NoteSigner::from_seed("jic.bench/log", &[9; 32])?;
    println!("jic bench log (2 results per line: production | baseline | ratio)");

    // 1. Durable appends.
    let mut c1 = fresh_db(tmp.path(), "baseline")?;
    let base_rate = append_run(&mut c1, &key, args.baseline_entries, 1, true)?;
    drop(c1);
    let mut c2 = fresh_db(tmp.path(), "batched")?;
    let rate = append_run(&mut c2, &key, args.entries, args.batch.max(1), true)?;
    drop(c2);
    println!(
        "durable appends/s     {:>12.0} (batch {}, integrated + checkpoint per batch) | {:>10.0} (1 fsync per entry) | x{:.1}",
        rate,
        args.batch,
        base_rate,
        rate / base_rate
    );

    // 2. Proofs on a larger tree.
    let mut c3 = fresh_db(tmp.path(), "proofs")?;
    let build_rate = append_run(&mut c3, &key, args.proof_leaves, 8_192, false)?;
    let cache = Arc::new(TileCache::default());
    let log = Arc::new(SqliteLog::new(c3, cache));
    let n = log.integrated_size()?;
    println!("  (built a {n}-leaf log at {build_rate:.0} entries/s, one integration)");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        // xorshift: a deterministic spread of indices, no randomness source needed.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Warm the cache as a running server would be.
    for _ in 0..2_000 {
        log.inclusion_proof(next() % n, n)?;
    }
    let iters = 20_000;
    let start = Instant::now();
    let mut lat = Vec::with_capacity(iters);
    for _ in 0..iters {
        let s = Instant::now();
        let p = log.inclusion_proof(next() % n, n)?;
        lat.push(s.elapsed());
        std::hint::black_box(p);
    }
    let per = start.elapsed() / iters as u32;
    lat.sort();
    let p99 = lat[lat.len() * 99 / 100];
    let start = Instant::now();
    for _ in 0..iters {
        let old = 1 + next() % (n - 1);
        std::hint::black_box(log.consistency_proof(old, n)?);
    }
    let per_cons = start.elapsed() / iters as u32;
    // Baseline: rebuild the tree from the leaf hashes, then prove.
    let hashes: Vec<_> = (0..n)
        .map(|i| {
            log.entry(i)
                .map(|e| jic_ledger::hash::leaf_hash(&e.unwrap_or_default()))
        })
        .collect::<Result<_, _>>()?;
    let base_iters = 5;
    let start = Instant::now();
    for _ in 0..base_iters {
        let tree = MemoryTree::new(hashes.clone());
        std::hint::black_box(inclusion_proof(&tree, next() % n, n)?);
    }
    let base_per = start.elapsed() / base_iters;
    println!(
        "inclusion proof       {:>10.2} µs (p99 {:.2} µs, n = {n}) | {:>10.0} µs (rebuild from leaves) | x{:.0}",
        per.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        base_per.as_secs_f64() * 1e6,
        base_per.as_secs_f64() / per.as_secs_f64()
    );
    println!(
        "consistency proof     {:>10.2} µs",
        per_cons.as_secs_f64() * 1e6
    );

    // 3. Tile serving over HTTP.
    let state = jic_server::log_routes::LogRoutesState {
        store: log,
        log_key: key.verifier(),
        witnesses: Arc::new(Vec::new()),
    };
    let rt = runtime()?;
    let (tiles_rps, key_rps) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, jic_server::log_routes::router(state)).await;
        });
        let full_tiles = n / 256;
        let tiles = hammer(addr, args.concurrency, args.seconds, move |i| {
            let path = jic_ledger::tile::TilePath::Hashes {
                level: 0,
                index: (i.wrapping_mul(2_654_435_761)) % full_tiles.max(1),
                width: None,
            };
            format!("/log/{path}")
        })
        .await?;
        let keys = hammer(addr, args.concurrency, args.seconds, |_| {
            "/api/v1/log/key".to_owned()
        })
        .await?;
        server.abort();
        Ok::<_, anyhow::Error>((tiles, keys))
    })?;
    println!(
        "tile serving req/s    {:>12.0} (full level-0 tiles, {} clients) | {:>10.0} (/api/v1/log/key) | x{:.2}",
        tiles_rps,
        args.concurrency,
        key_rps,
        tiles_rps / key_rps
    );
    Ok(crate::exit::ok())
}

/// Requests `path(i)` from `concurrency` clients for `seconds`; returns successful requests/s.
async fn hammer(
    addr: std::net::SocketAddr,
    concurrency: usize,
    seconds: f64,
    path: impl Fn(u64) -> String + Send + Sync + Clone + 'static,
) -> anyhow::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let done = Arc::clone(&done);
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = c as u64;
            while Instant::now() < deadline {
                let url = format!("http://{addr}{}", path(i));
                if let Ok(r) = client.get(&url).send().await
                    && r.status().is_success()
                    && r.bytes().await.is_ok()
                {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                i += concurrency as u64;
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await?;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}
