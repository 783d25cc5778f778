//! `jic log`: serve, inspect and independently verify the transparency log.
//!
//! `jic log verify` is a complete, independent audit over HTTP: it trusts nothing but the log
//! key (pinned in its state file after first use, or given with `--log-key`), fetches every
//! entry bundle and hash tile, recomputes every leaf hash and the root, checks the checkpoint
//! signature, every envelope signature (and, where the log carries a roster, that the key is on
//! it), every restricted payload it was given, and consistency with the checkpoint it saw last.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::envelope::{Body, Envelope, LogEntry, RestrictedPayload};
use jic_ledger::hash::{Hash, hash_from_base64, leaf_hash, root_from_leaf_hashes, to_base64};
use jic_ledger::key::{NoteSigner, NoteVerifier};
use jic_ledger::proof::verify_consistency;
use jic_ledger::tile::{TILE_WIDTH, TilePath, parse_bundle, parse_hash_tile};
use jic_store::datadir::DataDir;
use jic_store::log::{SqliteLog, TileCache};
use serde::{Deserialize, Serialize};

use crate::exit::{BAD_INPUT, CHECK_FAILED, IO_FAILED, fail};

/// Subcommands of `jic log`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Serve the log of a data directory: tiles, checkpoints, proofs, key, cosignatures.
    Serve(ServeArgs),
    /// Print the log's verifier key.
    Key(KeyArgs),
    /// Audit a log over HTTP: every entry, signature, the root, and consistency with the last
    /// checkpoint seen. Exit 1 names the first bad entry.
    Verify(VerifyArgs),
    /// (testing) Append signed entries in durable batches, printing `ack <index>` after each
    /// commit and `checkpoint <size> <root>` after each integration.
    #[command(hide = true)]
    AppendTest(AppendTestArgs),
}

/// Arguments of `jic log serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The data directory (holds jic.db and log.key).
    #[arg(long, env = "JIC_DATA")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// How often pending entries are integrated and a checkpoint signed, in milliseconds.
    #[arg(long, default_value_t = 500)]
    integrate_ms: u64,
}

/// Arguments of `jic log key`.
#[derive(Debug, clap::Args)]
pub(crate) struct KeyArgs {
    /// The data directory.
    #[arg(long, env = "JIC_DATA")]
    data: PathBuf,
}

/// Arguments of `jic log verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// State file: the log key and the last verified checkpoint (created on first use).
    #[arg(long)]
    state: Option<PathBuf>,
    /// The log's verifier key; without it the key pinned in the state file, or else the one the
    /// server announces (trust on first use), is used.
    #[arg(long)]
    log_key: Option<String>,
    /// Signer keys to accept where the log carries no roster (repeatable).
    #[arg(long = "trusted-key")]
    trusted_keys: Vec<String>,
    /// Directory of restricted payloads `<leaf index>.json` = `{"payload":…,"salt":"<base64>"}`
    /// to check against their commitments.
    #[arg(long)]
    payloads: Option<PathBuf>,
    /// A read token: restricted payloads this reader is entitled to are fetched from
    /// `/api/v1/submissions/{leaf}` and checked against their commitments.
    #[arg(long, env = "JIC_TOKEN")]
    token: Option<String>,
    /// Print nothing but the verdict.
    #[arg(long)]
    quiet: bool,
}

/// Arguments of the hidden `jic log append-test`.
#[derive(Debug, clap::Args)]
pub(crate) struct AppendTestArgs {
    /// The data directory (a log key is created if missing, named `jic.test/crash`).
    #[arg(long)]
    data: PathBuf,
    /// How many entries to append.
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// Entries per durable commit.
    #[arg(long, default_value_t = 64)]
    batch: u64,
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(&args),
        Command::Key(args) => {
            let key = DataDir::new(&args.data)
                .load_log_key()
                .map_err(|e| fail(IO_FAILED, e.to_string()))?;
            println!("{}", key.verifier().to_vkey());
            Ok(crate::exit::ok())
        }
        Command::Verify(args) => verify(&args),
        Command::AppendTest(args) => append_test(&args),
    }
}

/// The wall clock: the CLI is where real time enters jic.
#[allow(
    clippy::disallowed_methods,
    reason = "the one place the log commands read the clock"
)]
pub(crate) fn wall_clock() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Opens a data directory's log for serving: key, database, one integration, the router state.
pub(crate) fn open_log(
    data: &Path,
) -> anyhow::Result<(
    DataDir,
    NoteSigner,
    Arc<SqliteLog>,
    jic_server::log_routes::LogRoutesState,
)> {
    let dir = DataDir::new(data);
    let key = dir.load_log_key().map_err(|e| {
        fail(
            IO_FAILED,
            format!("{e} (create a deployment with `jic init`)"),
        )
    })?;
    let mut conn = dir.open_db().map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let cache = Arc::new(TileCache::default());
    jic_store::log::integrate(&mut conn, &key, wall_clock(), Some(&cache))
        .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let witnesses = dir
        .witnesses()
        .map_err(|e| fail(BAD_INPUT, e.to_string()))?;
    let store = Arc::new(SqliteLog::new(conn, cache));
    let state = jic_server::log_routes::LogRoutesState {
        store: store.clone(),
        log_key: key.verifier(),
        witnesses: Arc::new(witnesses),
    };
    Ok((dir, key, store, state))
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let (dir, key, store, state) = open_log(&args.data)?;
    let rt = runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| fail(IO_FAILED, format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| fail(IO_FAILED, e.to_string()))?;
        eprintln!("serving the log {} on http://{addr}", key.name());
        let integrator = tokio::spawn(jic_server::log_routes::run_integrator(
            dir.db_path(),
            key,
            wall_clock,
            store.cache(),
            Duration::from_millis(args.integrate_ms.max(10)),
        ));
        let app = jic_server::log_routes::router(state);
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
        integrator.abort();
        served.map_err(|e| fail(IO_FAILED, format!("serve: {e}")))
    })?;
    Ok(crate::exit::ok())
}

/// What `jic log verify` remembers between runs.
#[derive(Debug, Serialize, Deserialize)]
struct VerifyState {
    log_key: String,
    size: u64,
    root: String,
    checkpoint: String,
}

fn read_state(path: &Path) -> anyhow::Result<Option<VerifyState>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
            fail(
                BAD_INPUT,
                format!("{}: not a jic log state file: {e}", path.display()),
            )
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fail(IO_FAILED, format!("{}: {e}", path.display()))),
    }
}

/// Writes a file atomically (temporary file, fsync, rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)
        .map_err(|e| fail(IO_FAILED, format!("{}: {e}", tmp.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| fail(IO_FAILED, e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(IO_FAILED, format!("{}: {e}", path.display())))?;
    Ok(())
}

/// An HTTP GET returning the body, mapping failures to exit code 3.
pub(crate) async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| fail(IO_FAILED, format!("GET {url}: {e}")))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| fail(IO_FAILED, format!("GET {url}: {e}")))?;
    if !status.is_success() {
        return Err(fail(
            IO_FAILED,
            format!(
                "GET {url}: {status}: {}",
                String::from_utf8_lossy(&body).trim()
            ),
        ));
    }
    Ok(body.to_vec())
}

/// Fetches the log key: pinned, given, or announced (in that order of trust).
pub(crate) async fn resolve_log_key(
    client: &reqwest::Client,
    base: &str,
    given: Option<&str>,
    pinned: Option<&str>,
) -> anyhow::Result<NoteVerifier> {
    let announced_bytes = get(client, &format!("{base}/api/v1/log/key")).await?;
    let announced = String::from_utf8_lossy(&announced_bytes).trim().to_owned();
    let trusted = given.or(pinned).unwrap_or(&announced);
    if trusted != announced {
        return Err(fail(
            CHECK_FAILED,
            format!("the server announces log key {announced}, but the trusted key is {trusted}"),
        ));
    }
    NoteVerifier::from_vkey(trusted).map_err(|e| fail(BAD_INPUT, format!("log key: {e}")))
}

/// One problem found by the audit.
struct Finding {
    index: Option<u64>,
    what: String,
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(verify_async(args))
}

async fn verify_async(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let base = args.url.trim_end_matches('/').to_owned();
    let client = reqwest::Client::new();
    let previous = match &args.state {
        Some(p) => read_state(p)?,
        None => None,
    };
    let log_key = resolve_log_key(
        &client,
        &base,
        args.log_key.as_deref(),
        previous.as_ref().map(|s| s.log_key.as_str()),
    )
    .await?;
    let note = get(&client, &format!("{base}/log/checkpoint")).await?;
    let (cp, _) = Checkpoint::open(&note, &log_key, &[])
        .map_err(|e| fail(CHECK_FAILED, format!("the checkpoint does not verify: {e}")))?;
    if !args.quiet {
        eprintln!(
            "checkpoint: {} size {} root {}",
            cp.origin,
            cp.size,
            to_base64(&cp.root)
        );
    }

    let trusted: HashSet<String> = args.trusted_keys.iter().cloned().collect();
    let restricted = load_payloads(args.payloads.as_deref())?;
    let mut findings: Vec<Finding> = Vec::new();
    let mut leaves: Vec<Hash> = Vec::with_capacity(usize::try_from(cp.size).unwrap_or(0));
    let mut roster = RosterReplay::default();
    let mut submissions = 0u64;
    let mut restricted_checked = 0u64;
    let mut committed: Vec<(u64, String)> = Vec::new();

    let bundles = cp.size.div_ceil(TILE_WIDTH);
    let bar = if args.quiet || bundles < 4 {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(cp.size)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} entries ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for n in 0..bundles {
        let start = n * TILE_WIDTH;
        let width = (cp.size - start).min(TILE_WIDTH);
        let w = (width < TILE_WIDTH).then_some(width as u16);
        let bundle_path = TilePath::Entries { index: n, width: w };
        let tile_path = TilePath::Hashes {
            level: 0,
            index: n,
            width: w,
        };
        let bundle = get(&client, &format!("{base}/log/{bundle_path}")).await?;
        let tile = get(&client, &format!("{base}/log/{tile_path}")).await?;
        let entries = match parse_bundle(&bundle) {
            Ok(e) if e.len() as u64 == width => e,
            Ok(e) => {
                return Err(fail(
                    CHECK_FAILED,
                    format!(
                        "FAIL: bundle {n} holds {} entries, expected {width}",
                        e.len()
                    ),
                ));
            }
            Err(e) => return Err(fail(CHECK_FAILED, format!("FAIL: bundle {n}: {e}"))),
        };
        let tile_hashes = parse_hash_tile(&tile, width as usize)
            .map_err(|e| fail(CHECK_FAILED, format!("FAIL: hash tile {n}: {e}")))?;
        for (i, bytes) in entries.iter().enumerate() {
            let index = start + i as u64;
            let h = leaf_hash(bytes);
            if tile_hashes[i] != h {
                findings.push(Finding {
                    index: Some(index),
                    what: "its bytes do not hash to the leaf hash in the log's tile".into(),
                });
            }
            leaves.push(h);
            check_entry(
                index,
                bytes,
                &trusted,
                &restricted,
                &mut roster,
                &mut submissions,
                &mut restricted_checked,
                &mut committed,
                &mut findings,
            );
        }
        bar.inc(width);
    }
    bar.finish_and_clear();

    if let Some(token) = &args.token {
        for (index, commitment) in &committed {
            let resp = client
                .get(format!("{base}/api/v1/submissions/{index}"))
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| fail(IO_FAILED, format!("GET submission {index}: {e}")))?;
            if !resp.status().is_success() {
                continue; // Not entitled (or not a stored submission): nothing to check.
            }
            let view: serde_json::Value = resp
                .json()
                .await
                .map_err(|e| fail(IO_FAILED, format!("submission {index}: {e}")))?;
            let (Some(payload), Some(salt)) = (
                view.get("payload"),
                view.get("salt").and_then(|s| s.as_str()),
            ) else {
                continue;
            };
            restricted_checked += 1;
            let Some(salt) = hash_from_base64(salt) else {
                findings.push(Finding {
                    index: Some(*index),
                    what: "the server's salt is not base64 of 32 bytes".into(),
                });
                continue;
            };
            let r = RestrictedPayload {
                payload: payload.clone(),
                salt,
            };
            if let Err(e) = r.verify(commitment) {
                findings.push(Finding {
                    index: Some(*index),
                    what: format!("the restricted payload the server serves: {e}"),
                });
            }
        }
    }

    let root = root_from_leaf_hashes(&leaves);
    if root != cp.root {
        findings.push(Finding {
            index: None,
            what: format!(
                "the entries hash to root {}, but the checkpoint says {}",
                to_base64(&root),
                to_base64(&cp.root)
            ),
        });
    }

    // Consistency with what we saw last: recompute the old root from the entries themselves, and
    // check the server's consistency proof too.
    if let Some(prev) = &previous {
        let old_root = hash_from_base64(&prev.root)
            .ok_or_else(|| fail(BAD_INPUT, "the state file's root is not base64"))?;
        if prev.size > cp.size {
            findings.push(Finding {
                index: None,
                what: format!(
                    "the log shrank: it had {} entries, now {}",
                    prev.size, cp.size
                ),
            });
        } else {
            let recomputed = root_from_leaf_hashes(&leaves[..prev.size as usize]);
            if recomputed != old_root {
                findings.push(Finding {
                    index: None,
                    what: format!(
                        "the first {} entries no longer hash to the root of the checkpoint seen \
                         before: history was rewritten",
                        prev.size
                    ),
                });
            }
            if prev.size > 0 && prev.size < cp.size {
                let body = get(
                    &client,
                    &format!(
                        "{base}/api/v1/log/consistency?from={}&to={}",
                        prev.size, cp.size
                    ),
                )
                .await?;
                let proof = parse_proof(&body, "consistency_path")?;
                if let Err(e) = verify_consistency(prev.size, cp.size, &old_root, &cp.root, &proof)
                {
                    findings.push(Finding {
                        index: None,
                        what: format!("server's {e}"),
                    });
                }
            }
        }
    }

    if !findings.is_empty() {
        for f in &findings {
            match f.index {
                Some(i) => eprintln!("FAIL: entry {i}: {}", f.what),
                None => eprintln!("FAIL: {}", f.what),
            }
        }
        let first = &findings[0];
        let what = match first.index {
            Some(i) => format!("entry {i}: {}", first.what),
            None => first.what.clone(),
        };
        return Err(fail(
            CHECK_FAILED,
            format!(
                "log verification FAILED ({} problem(s)); first: {what}",
                findings.len()
            ),
        ));
    }
    if let Some(path) = &args.state {
        let state = VerifyState {
            log_key: log_key.to_vkey(),
            size: cp.size,
            root: to_base64(&cp.root),
            checkpoint: String::from_utf8_lossy(&note).into_owned(),
        };
        let bytes =
            serde_json::to_vec_pretty(&state).map_err(|e| fail(IO_FAILED, e.to_string()))?;
        write_atomic(path, &bytes)?;
    }
    println!(
        "OK: log {} verified: {} entries ({submissions} signed submissions{}), root {}{}{}",
        cp.origin,
        cp.size,
        if restricted_checked > 0 {
            format!(", {restricted_checked} restricted payloads checked")
        } else {
            String::new()
        },
        to_base64(&cp.root),
        match &previous {
            Some(p) => format!(
                ", consistent with the checkpoint of size {} seen before",
                p.size
            ),
            None => String::new(),
        },
        if roster.seen {
            ""
        } else {
            " (no roster in the log: signer keys were not checked against one)"
        },
    );
    Ok(crate::exit::ok())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one audit step with its accumulators"
)]
fn check_entry(
    index: u64,
    bytes: &[u8],
    trusted: &HashSet<String>,
    restricted: &BTreeMap<u64, RestrictedPayload>,
    roster: &mut RosterReplay,
    submissions: &mut u64,
    restricted_checked: &mut u64,
    committed: &mut Vec<(u64, String)>,
    findings: &mut Vec<Finding>,
) {
    let entry = match LogEntry::from_bytes(bytes) {
        Ok(e) => e,
        Err(e) => {
            findings.push(Finding {
                index: Some(index),
                what: e.to_string(),
            });
            return;
        }
    };
    match &entry {
        LogEntry::Record { kind, body, .. } => {
            if kind.starts_with("roster") {
                roster.genesis(body);
            }
        }
        LogEntry::Submission { signed, .. } => {
            *submissions += 1;
            if let Err(e) = signed.verify() {
                findings.push(Finding {
                    index: Some(index),
                    what: e.to_string(),
                });
                return;
            }
            let env: &Envelope = &signed.envelope;
            let known = roster.allows(&env.party, &env.key) || trusted.contains(&env.key);
            if (roster.seen || !trusted.is_empty()) && !known {
                findings.push(Finding {
                    index: Some(index),
                    what: format!(
                        "signed by {}, which is not a roster key of {} at this point",
                        env.key, env.party
                    ),
                });
                return;
            }
            roster.apply(env);
            if let Body::Committed(c) = &env.body {
                match restricted.get(&index) {
                    Some(r) => {
                        *restricted_checked += 1;
                        if let Err(e) = r.verify(c) {
                            findings.push(Finding {
                                index: Some(index),
                                what: e.to_string(),
                            });
                        }
                    }
                    None => committed.push((index, c.clone())),
                }
            }
        }
    }
}

/// The roster replayed from the log: which keys may speak for which party at each point.
///
/// The genesis record (`roster.genesis`, body `{"members":[{"id","keys":[vkey…]}…]}`) seeds it;
/// `roster.key_add` / `roster.key_revoke` submissions (payload `{"key": vkey}`, signed by a
/// current key of the member) change it. A roster record of another shape contributes every
/// verifier key it contains, for any party.
#[derive(Debug, Default)]
struct RosterReplay {
    seen: bool,
    keys: std::collections::HashMap<String, HashSet<String>>,
    any_party: HashSet<String>,
}

impl RosterReplay {
    fn genesis(&mut self, body: &serde_json::Value) {
        self.seen = true;
        let members = body.get("members").and_then(|m| m.as_array());
        let mut understood = false;
        for m in members.into_iter().flatten() {
            let (Some(id), Some(keys)) = (
                m.get("id").and_then(|i| i.as_str()),
                m.get("keys").and_then(|k| k.as_array()),
            ) else {
                continue;
            };
            understood = true;
            let set = self.keys.entry(id.to_owned()).or_default();
            set.extend(keys.iter().filter_map(|k| k.as_str()).map(str::to_owned));
        }
        if !understood {
            collect_keys(body, &mut self.any_party);
        }
    }

    fn allows(&self, party: &str, key: &str) -> bool {
        self.keys.get(party).is_some_and(|k| k.contains(key)) || self.any_party.contains(key)
    }

    fn apply(&mut self, env: &Envelope) {
        let Body::Public(payload) = &env.body else {
            return;
        };
        let Some(key) = payload.get("key").and_then(|k| k.as_str()) else {
            return;
        };
        match env.kind.as_str() {
            "roster.key_add" => {
                self.keys
                    .entry(env.party.clone())
                    .or_default()
                    .insert(key.to_owned());
            }
            "roster.key_revoke" => {
                if let Some(k) = self.keys.get_mut(&env.party) {
                    k.remove(key);
                }
                self.any_party.remove(key);
            }
            _ => {}
        }
    }
}

/// Every string in a roster body that is a verifier key.
fn collect_keys(value: &serde_json::Value, out: &mut HashSet<String>) {
    match value {
        serde_json::Value::String(s) if NoteVerifier::from_vkey(s).is_ok() => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        serde_json::Value::Object(m) => m.values().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

fn load_payloads(dir: Option<&Path>) -> anyhow::Result<BTreeMap<u64, RestrictedPayload>> {
    let mut out = BTreeMap::new();
    let Some(dir) = dir else { return Ok(out) };
    let entries =
        std::fs::read_dir(dir).map_err(|e| fail(IO_FAILED, format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|e| fail(IO_FAILED, e.to_string()))?.path();
        let Some(index) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        #[derive(Deserialize)]
        struct File {
            payload: serde_json::Value,
            salt: String,
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| fail(IO_FAILED, format!("{}: {e}", path.display())))?;
        let f: File = serde_json::from_slice(&bytes)
            .map_err(|e| fail(BAD_INPUT, format!("{}: {e}", path.display())))?;
        let salt = hash_from_base64(&f.salt).ok_or_else(|| {
            fail(
                BAD_INPUT,
                format!("{}: salt is not base64 of 32 bytes", path.display()),
            )
        })?;
        out.insert(
            index,
            RestrictedPayload {
                payload: f.payload,
                salt,
            },
        );
    }
    Ok(out)
}

/// Parses a proof JSON's base64 path.
pub(crate) fn parse_proof(body: &[u8], field: &str) -> anyhow::Result<Vec<Hash>> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| fail(CHECK_FAILED, format!("the proof is not JSON: {e}")))?;
    let items = v
        .get(field)
        .and_then(|p| p.as_array())
        .ok_or_else(|| fail(CHECK_FAILED, format!("the proof has no {field}")))?;
    items
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(hash_from_base64)
                .ok_or_else(|| fail(CHECK_FAILED, "a proof hash is not base64 of 32 bytes"))
        })
        .collect()
}

/// The entries the hidden `append-test` command writes: signed, deterministic by index, so a
/// test can check every acknowledged one after a crash.
pub(crate) fn test_entry(signer: &NoteSigner, index: u64) -> anyhow::Result<Vec<u8>> {
    let t = jiff::Timestamp::from_second(1_474_000_000 + index as i64)?;
    let env = Envelope::public(
        "test.append",
        "crash",
        &signer.verifier().to_vkey(),
        index,
        &t.to_string(),
        serde_json::json!({ "i": index, "pad": "x".repeat(200) }),
    );
    Ok(LogEntry::submission(env.sign(signer)?, t).to_bytes()?)
}

/// The party key the test entries are signed with.
pub(crate) fn test_signer() -> anyhow::Result<NoteSigner> {
    Ok(NoteSigner::from_seed("crash-party", &[0x42; 32])?)
}

fn append_test(args: &AppendTestArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write as _;
    let dir = DataDir::new(&args.data);
    let key = match dir.load_log_key() {
        Ok(k) => k,
        Err(_) => {
            let k = NoteSigner::from_seed("jic.test/crash", &[0x17; 32])?;
            dir.create_log_key(&k)
                .map_err(|e| fail(IO_FAILED, e.to_string()))?;
            k
        }
    };
    let signer = test_signer()?;
    let mut conn = dir.open_db().map_err(|e| fail(IO_FAILED, e.to_string()))?;
    let cache = TileCache::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut next = jic_store::log::size(&conn)?;
    let end = next + args.count;
    while next < end {
        let tx = conn.transaction()?;
        let first = next;
        for _ in 0..args.batch.min(end - next) {
            let t = jiff::Timestamp::from_second(1_474_000_000 + next as i64)?;
            let got = jic_store::log::append(&tx, &test_entry(&signer, next)?, t)?;
            anyhow::ensure!(got == next, "append returned index {got}, expected {next}");
            next += 1;
        }
        tx.commit()?;
        // Only now is the batch durable, so only now is it acknowledged.
        writeln!(out, "ack {first} {}", next - 1)?;
        out.flush()?;
        let t = jiff::Timestamp::from_second(1_474_000_000 + next as i64)?;
        let done = jic_store::log::integrate(&mut conn, &key, t, Some(&cache))?;
        writeln!(
            out,
            "checkpoint {} {}",
            done.checkpoint.size,
            to_base64(&done.checkpoint.root)
        )?;
        out.flush()?;
    }
    Ok(crate::exit::ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roster_replays_genesis_additions_and_revocations() {
        let k1 = test_signer().unwrap().verifier().to_vkey();
        let k2 = NoteSigner::from_seed("us", &[2; 32])
            .unwrap()
            .verifier()
            .to_vkey();
        let mut r = RosterReplay::default();
        r.genesis(&serde_json::json!({"members": [{"id": "us", "keys": [&k1], "name": "US"}]}));
        assert!(r.allows("us", &k1) && !r.allows("ru", &k1) && !r.allows("us", &k2));
        let change = |kind: &str, key: &str| {
            Envelope::public(
                kind,
                "us",
                &k1,
                1,
                "2016-09-17T00:00:00Z",
                serde_json::json!({"key": key}),
            )
        };
        r.apply(&change("roster.key_add", &k2));
        assert!(r.allows("us", &k2));
        r.apply(&change("roster.key_revoke", &k1));
        assert!(!r.allows("us", &k1) && r.allows("us", &k2));
    }

    #[test]
    fn roster_keys_are_found_anywhere_in_a_body() {
        let k = test_signer().unwrap().verifier().to_vkey();
        let body = serde_json::json!({"members": [{"id": "us", "keys": [&k], "name": "US"}]});
        let mut keys = HashSet::new();
        collect_keys(&body, &mut keys);
        assert_eq!(keys, HashSet::from([k]));
    }

    #[test]
    fn test_entries_are_valid_signed_log_entries() {
        let s = test_signer().unwrap();
        let bytes = test_entry(&s, 7).unwrap();
        LogEntry::from_bytes(&bytes).unwrap().verify().unwrap();
    }
}
