//! The jic service: the one submit path, the HTTP API, need-to-know filtering, live events
//! and the embedded dashboard.
//!
//! # Entry points
//! - [`AppState::open`] opens a data directory ([`deployment::DataDir`]) with a [`clock::Clock`]
//!   and starts the single writer; [`app`] builds the router; [`run`] serves it on a listener
//!   until a shutdown future resolves, then finishes in-flight commits (mini-redis style: tests
//!   bind `127.0.0.1:0` and pass a controllable clock).
//! - [`deployment::init`] creates a data directory (`jic init`).
//! - [`submit`]: the submit path and its extension point, [`submit::KindHandler`].
//! - [`routes`]: `/api/v1` and the wire DTOs; [`events`]: SSE.

pub mod auth;
pub mod client;
pub mod clock;
pub mod config;
pub mod conflicts;
pub mod deployment;
pub mod events;
pub mod kinds;
pub mod log_routes;
pub mod log_sink;
pub mod policy;
pub mod problem;
pub mod protect_routes;
mod ratelimit;
pub mod routes;
pub mod submit;
pub mod tracking;
pub mod whoami;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;

use axum::Router;
use jic_store::roster;
use jic_store::state::EventRecord;
use rusqlite::Connection;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

use crate::auth::RosterCache;
use crate::clock::Clock;
use crate::config::ServerConfig;
pub use crate::deployment::DataDir;
use crate::log_sink::LogSink;
use crate::policy::DisclosurePolicy;
use crate::problem::ApiError;
use crate::submit::{KindRegistry, Writer};

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration file is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A file in the data directory could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// The store refused.
    #[error(transparent)]
    Store(#[from] jic_store::StoreError),
    /// Startup failed for another reason.
    #[error("{0}")]
    Startup(String),
}

/// Everything the handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("db", &self.inner.db_path)
            .finish_non_exhaustive()
    }
}

struct Inner {
    config: ServerConfig,
    clock: Arc<dyn Clock>,
    roster: Arc<RwLock<RosterCache>>,
    registry: KindRegistry,
    policy: RwLock<Arc<DisclosurePolicy>>,
    writer: RwLock<Option<Writer>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    events: broadcast::Sender<Arc<EventRecord>>,
    db_path: PathBuf,
    reads: Mutex<Vec<Connection>>,
    limiter: ratelimit::RateLimiter,
    tracker: tracking::Tracker,
    log: log_routes::LogRoutesState,
    log_key: jic_ledger::key::NoteSigner,
    tile_cache: Arc<jic_store::log::TileCache>,
    closing: tokio::sync::watch::Sender<bool>,
}

/// How to open a server, beyond the data directory.
pub struct OpenOptions {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Configuration (usually [`DataDir::read_config`] with overrides applied).
    pub config: ServerConfig,
    /// The kinds to accept ([`kinds::default_registry`] unless a test wants fewer).
    pub registry: KindRegistry,
    /// The log the writer appends to; `None` uses the built-in leaf table.
    pub log: Option<Box<dyn LogSink>>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens a data directory: the database (migrated), the roster (logging the genesis roster
    /// on first start), and the writer thread.
    pub async fn open(dir: &DataDir, options: OpenOptions) -> Result<AppState, ServerError> {
        let db_path = dir.db_path();
        let conn = jic_store::db::open(&db_path)?;
        let log: Box<dyn LogSink> = options.log.unwrap_or_else(|| Box::new(log_sink::StoreLog));
        let log_key = dir.load_log_key()?;
        let witnesses = dir.witnesses()?;
        let tile_cache = Arc::new(jic_store::log::TileCache::default());
        let log_store: Arc<dyn jic_store::log::LogStore> = Arc::new(
            jic_store::log::SqliteLog::new(jic_store::db::open(&db_path)?, tile_cache.clone()),
        );
        let (roster_now, keys) = roster::load(&conn)?;
        let roster_cache = Arc::new(RwLock::new(RosterCache::new(&roster_now, &keys)));
        let (events, _) = broadcast::channel(4096);
        let (writer, thread) = submit::spawn_writer(submit::WriterParts {
            conn,
            log,
            roster: roster_cache.clone(),
            clock: options.clock.clone(),
            events: events.clone(),
            max_batch: options.config.max_commit_batch.max(1),
        })
        .map_err(|e| ServerError::Startup(e.to_string()))?;
        let policy = DisclosurePolicy::defaults(&options.registry);
        let state = AppState {
            inner: Arc::new(Inner {
                limiter: ratelimit::RateLimiter::new(
                    options.config.rate_limit_per_s,
                    options.config.rate_limit_burst,
                ),
                config: options.config,
                clock: options.clock,
                roster: roster_cache,
                registry: options.registry,
                policy: RwLock::new(Arc::new(policy)),
                writer: RwLock::new(Some(writer)),
                writer_thread: Mutex::new(Some(thread)),
                events,
                db_path,
                reads: Mutex::new(Vec::new()),
                tracker: tracking::Tracker::default(),
                log: log_routes::LogRoutesState {
                    store: log_store,
                    log_key: log_key.verifier(),
                    witnesses: Arc::new(witnesses),
                },
                log_key,
                tile_cache,
                closing: tokio::sync::watch::channel(false).0,
            }),
        };
        if roster_now.members.is_empty() {
            state.genesis(dir).await?;
        }
        state
            .reload_policy()
            .await
            .map_err(|e| ServerError::Startup(format!("cannot load the disclosure policy: {e}")))?;
        let loader = state.clone();
        state
            .read(move |conn| Ok(loader.inner.tracker.load(conn)?))
            .await
            .map_err(|e| ServerError::Startup(format!("cannot load track states: {e}")))?;
        Ok(state)
    }

    /// Logs the genesis roster and agreement as jic's first decisions and loads them.
    async fn genesis(&self, dir: &DataDir) -> Result<(), ServerError> {
        let genesis = deployment::read_roster(dir)?;
        let files = deployment::package_files(&deployment::agreement_dir(dir))?;
        let files_json =
            serde_json::to_value(&files).map_err(|e| ServerError::Startup(e.to_string()))?;
        let agreement = kinds::agreement::load_files(&files)
            .map_err(|e| ServerError::Startup(format!("the agreement package is invalid: {e}")))?;
        let agreement_hash = agreement.hash_hex();
        let parties: Vec<String> = kinds::agreement::required_parties(&agreement)
            .into_iter()
            .filter(|p| genesis.members.iter().any(|m| &m.id == p))
            .collect();
        let public_roster = json!({
            "members": genesis.members.iter().map(|m| json!({
                "id": m.id, "name": m.name, "role": m.role, "keys": m.keys})).collect::<Vec<_>>(),
        });
        let roster_for_tx = genesis.clone();
        self.writer()
            .map_err(|e| ServerError::Startup(e.to_string()))?
            .decide(Box::new(move |ctx| {
                let leaf = ctx.record("roster.genesis", public_roster)?;
                let tx_roster = roster_for_tx;
                ctx.with_sqlite(|tx| roster::insert_genesis(tx, &tx_roster, leaf))?;
                let agreement_leaf = ctx.record(
                    "agreement.genesis",
                    json!({"hash": agreement_hash, "parties": parties}),
                )?;
                ctx.state().insert_agreement_version(
                    &jic_store::state::AgreementVersionRecord {
                        hash: agreement_hash.clone(),
                        number: 1,
                        proposed_by: deployment::DUTY_OFFICER_ID.to_owned(),
                        proposed_leaf: Some(agreement_leaf),
                        status: "in_force".to_owned(),
                        required_json: serde_json::to_string(&parties).unwrap_or_default(),
                        package_json: files_json.to_string(),
                        diff_json: None,
                        in_force_leaf: Some(agreement_leaf),
                        created: ctx.now().to_string(),
                        countersignatures: Vec::new(),
                    },
                )?;
                Ok(json!({"roster_leaf": leaf, "agreement_leaf": agreement_leaf}))
            }))
            .await
            .map_err(|e| ServerError::Startup(format!("genesis: {e}")))?;
        self.reload_roster()
            .await
            .map_err(|e| ServerError::Startup(e.to_string()))?;
        tracing::info!(
            members = genesis.members.len(),
            "logged the genesis roster and agreement"
        );
        Ok(())
    }

    /// Reloads the roster cache from the database (after a roster change).
    pub async fn reload_roster(&self) -> Result<(), ApiError> {
        let (r, keys) = self.read(|conn| Ok(roster::load(conn)?)).await?;
        *self
            .inner
            .roster
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = RosterCache::new(&r, &keys);
        Ok(())
    }

    /// The roster cache.
    pub fn roster(&self) -> RwLockReadGuard<'_, RosterCache> {
        self.inner
            .roster
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The accepted kinds.
    pub fn registry(&self) -> &KindRegistry {
        &self.inner.registry
    }

    /// The disclosure policy in force (a snapshot: an agreement entering into force swaps it).
    pub fn policy(&self) -> Arc<DisclosurePolicy> {
        self.inner
            .policy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Rebuilds the disclosure policy from the agreement in force (after an agreement
    /// submission); with no agreement in force the defaults apply.
    pub async fn reload_policy(&self) -> Result<(), ApiError> {
        let state = self.clone();
        let policy = self
            .read(move |conn| {
                let in_force = kinds::incidents::agreement_in_force(conn).ok();
                Ok(match in_force {
                    Some((_, agreement)) => DisclosurePolicy::from_agreement(
                        state.registry(),
                        &agreement.terms().disclosure,
                    ),
                    None => DisclosurePolicy::defaults(state.registry()),
                })
            })
            .await?;
        *self
            .inner
            .policy
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(policy);
        Ok(())
    }

    /// The log's read side (tiles, proofs, checkpoints).
    pub fn log(&self) -> &log_routes::LogRoutesState {
        &self.inner.log
    }

    /// Integrates pending leaves and signs a checkpoint now (the background integrator does
    /// this every `integrate_interval_ms`; tests call it to get a checkpoint at once).
    pub async fn integrate(&self) -> Result<u64, ApiError> {
        let key = self.inner.log_key.clone();
        let now = self.clock().now();
        let cache = self.inner.tile_cache.clone();
        let path = self.inner.db_path.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = jic_store::db::open(&path)?;
            let done = jic_store::log::integrate(&mut conn, &key, now, Some(&cache))?;
            Ok(done.checkpoint.size)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("integration task failed: {e}")))?
    }

    /// The data directory (where the database lives): evidence files go under it (issue #7).
    pub fn data_root(&self) -> PathBuf {
        self.inner
            .db_path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The live track picture and its conflict detector.
    pub fn tracker(&self) -> &tracking::Tracker {
        &self.inner.tracker
    }

    /// The writer, unless the server is shutting down.
    pub fn writer(&self) -> Result<Writer, ApiError> {
        self.inner
            .writer
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| ApiError::Unavailable("the server is shutting down".to_owned()))
    }

    /// A receiver of every committed event (callers filter by audience).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<EventRecord>> {
        self.inner.events.subscribe()
    }

    /// Resolves when the server starts shutting down.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// Runs a read on a pooled connection, off the async runtime.
    pub async fn read<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = state
                .inner
                .reads
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            let conn = match conn {
                Some(c) => c,
                None => jic_store::db::open(&state.inner.db_path)?,
            };
            let result = f(&conn);
            let mut pool = state
                .inner
                .reads
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if pool.len() < 8 {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))?
    }

    fn rate_limit(&self, party: &str, cost: f64) -> Result<(), ApiError> {
        if self.inner.limiter.allow(party, cost) {
            Ok(())
        } else {
            Err(ApiError::TooManyRequests(format!(
                "{party} exceeded its submission rate; retry later"
            )))
        }
    }

    /// Stops accepting submissions and waits until the writer has committed what it holds.
    pub async fn shutdown(&self) {
        self.inner
            .writer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let thread = self
            .inner
            .writer_thread
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// The router with its middleware: trace → request id → timeout → body limit, problem+json
/// for every error, CORS only when configured.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// and the writer commit what it holds.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    run_with(listener, state, Router::new(), shutdown).await
}

/// As [`run`], with `extra` routes merged into [`app`] — e.g. the embedded dashboard
/// (`jic_dashboard::router()`, which claims only `/` and `/assets/`). `extra` must not set a
/// fallback: the API's problem+json fallback stays in force.
pub async fn run_with(
    listener: TcpListener,
    state: AppState,
    extra: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let detector = tokio::spawn(tracking::run_detector(state.clone()));
    // Acknowledgment and review deadlines (issue #6): the decision logic is pure, in jic-protect.
    let protect_ticker = tokio::spawn(kinds::protect::run_ticker(
        state.clone(),
        std::time::Duration::from_millis(500),
    ));
    // Calm-day phase transitions at midnight, with no submission to trigger them (#7).
    let phase_ticker = tokio::spawn(kinds::incidents::run_phase_ticker(
        state.clone(),
        Duration::from_secs(1),
    ));
    let clock = state.inner.clock.clone();
    let integrator = tokio::spawn(log_routes::run_integrator(
        state.inner.db_path.clone(),
        state.inner.log_key.clone(),
        move || clock.now(),
        state.inner.tile_cache.clone(),
        Duration::from_millis(state.config().integrate_interval_ms.max(1)),
    ));
    let addr = listener.local_addr().ok();
    tracing::info!(?addr, "jic server listening");
    let closing = state.inner.closing.clone();
    let shutdown = async move {
        shutdown.await;
        // Live event streams never end on their own; tell them to, so the graceful shutdown
        // only waits for requests that can finish.
        let _ = closing.send(true);
    };
    let served = axum::serve(listener, app(state.clone()).merge(extra))
        .with_graceful_shutdown(shutdown)
        .await;
    detector.abort();
    phase_ticker.abort();
    protect_ticker.abort();
    state.shutdown().await;
    integrator.abort();
    // One last integration so every committed leaf is in a signed checkpoint.
    if let Err(e) = state.integrate().await {
        tracing::warn!(error = %e, "final integration failed");
    }
    tracing::info!("jic server stopped");
    served.map_err(|e| ServerError::Startup(format!("serve: {e}")))
}
