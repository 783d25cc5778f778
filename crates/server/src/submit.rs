//! The one path that changes state (DESIGN §2): verify → validate → evaluate → persist state and
//! log leaf in one transaction → publish events.
//!
//! # Stages
//! 1. [`crate::routes`] parses the wire form and checks what needs no shared state, in parallel
//!    on the request tasks: size, shape, the Ed25519 signature, the restricted-payload
//!    commitment ([`jic_ledger::envelope::Submission::from_json`]), that the key is in the roster
//!    and speaks for the named party, that the party's role may submit this kind, the claimed
//!    time against the clock, and the kind's own payload validation ([`KindHandler::validate`]).
//! 2. A single writer thread ([`Writer`]) takes accepted submissions from a queue and commits
//!    them in groups: one SQLite transaction for up to `max_commit_batch` submissions. Inside
//!    it, per submission: the sequence check against the last accepted for the key, the log
//!    leaf, then [`KindHandler::apply`] (state writes, evaluation, decision leaves, alerts,
//!    events). A group is first applied without savepoints; if a submission fails, the
//!    transaction is rolled back and the group applied again with a savepoint per submission,
//!    so the one that failed leaves nothing behind, not even its leaf, and the others still
//!    commit.
//!
//! The receipt time is taken when the request is verified, and the log entry (canonical JSON)
//! is built there too, spliced from the signing bytes the verification canonicalised
//! ([`jic_ledger::envelope::LogEntry::submission_bytes`]), so the writer only writes; concurrent submissions may therefore reach
//! the log a few milliseconds out of receipt-time order.
//! 3. The commit writes the group's WAL frames; a syncer thread fsyncs the WAL (once for every
//!    group committed meanwhile), and only then does each submitter get its receipt and the
//!    events go to SSE subscribers. Nothing is acknowledged before an fsync that covers its
//!    commit, so every 2xx is durable; the writer does not wait for the disk, it applies the
//!    next group meanwhile.
//!
//! # Where the time goes (`jic bench api`, 2 cores, server and load generator together)
//! About 180 µs of CPU per signed submission sent alone: the Ed25519 verification on the
//! request task is the largest single item (the roster key is decoded once, at roster load),
//! then HTTP on both sides, then the writer (about 40–50 µs to apply an `air_operation.file`
//! and 20 µs to commit it, per submission, in groups). The fsync (1–5 ms per group) is off the
//! serial path. Sent in batches (`POST /api/v1/submissions/batch`, [`Writer::submit_many`]) the
//! HTTP share mostly goes: about 90 µs of CPU per submission, groups of several hundred (commit
//! 2–5 µs each), and the single writer's apply becomes the ceiling (about 20,000–24,000/s of its
//! own time): in the writer's profile, the plan's rows (state, version history, window R*Tree),
//! the plan probe, the log leaf and tiles, the event row, the sequence row.
//!
//! Per submission, the request path parses the JSON once, canonicalises the envelope once (the
//! bytes that are verified become the log entry), and copies no payload; the writer hands its
//! spent submissions to the syncer to free. Paired runs of that change against the build
//! before it: sent alone, 8,600–9,200 → 9,300–10,500/s (CPU ~200 → ~183 µs each); batched,
//! ~18,100 → ~18,900/s on average (CPU ~97 → ~94 µs each, within the noise of a shared
//! machine): what remains per batched submission is mostly the Ed25519 verification and the
//! writer's apply, which is now the ceiling.
//!
//! # Extension point
//! A new kind of submission is a [`KindHandler`] registered in a [`KindRegistry`]; the core
//! never needs to change. Decisions jic takes on its own (alerts from track conflict detection,
//! escalations when a deadline passes) enter through [`Writer::decide`], the same transaction
//! discipline without a submitter.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use jic_ledger::envelope::LogEntry;
use jic_store::roster::Role;
use jic_store::state::{EventRecord, NewAlert, StateWrite};
use jiff::Timestamp;
use rusqlite::{Connection, Transaction};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::auth::RosterCache;
use crate::clock::Clock;
use crate::log_sink::LogSink;
use crate::problem::ApiError;

/// A submission that passed every check that needs no shared state.
#[derive(Debug)]
pub struct Accepted {
    /// The kind.
    pub kind: String,
    /// The submitting member (the envelope's `party`).
    pub party: String,
    /// The member's role.
    pub role: Role,
    /// The signing key (C2SP verifier key string); sequence numbers are per key.
    pub key: String,
    /// The sequence number.
    pub seq: u64,
    /// The time the submitter claims.
    pub claimed_time: String,
    /// The payload in the clear (for a restricted kind: the plaintext that travelled beside).
    pub payload: Value,
    /// Whether the log holds a commitment instead of the payload.
    pub restricted: bool,
    /// The commitment salt, for a restricted payload.
    pub salt: Option<[u8; 32]>,
    /// The receipt time: when the server accepted the request (before queueing). It is the time
    /// in the log entry and the time handlers see as [`ApplyCtx::now`].
    pub received: Timestamp,
    /// The log entry's bytes (the signed envelope with its receipt time), computed on the
    /// request task so the single writer does not spend its time on canonical JSON. The
    /// envelope is kept in no other form: the fields above are what handlers read.
    pub entry: Vec<u8>,
    /// The plaintext payload as JSON text, stored beside the leaf for a restricted kind; empty
    /// for a public one (its payload is in the leaf).
    pub payload_json: String,
    /// Work a handler did in [`KindHandler::validate`] for [`KindHandler::apply`] to use (e.g.
    /// parsed track states), so the writer thread does as little as possible.
    pub prepared: Option<Box<dyn Any + Send + Sync>>,
}

/// One kind of submission: who may send it, how its payload is checked, what it changes.
pub trait KindHandler: Send + Sync + 'static {
    /// The kind string in envelopes, e.g. `air_operation.file`.
    fn kind(&self) -> &'static str;
    /// The roles allowed to submit it.
    fn roles(&self) -> &'static [Role];
    /// Whether the payload is need-to-know by default (logged as a commitment). The agreement's
    /// disclosure policy may add kinds; it cannot make a kind listed here public.
    fn restricted_by_default(&self) -> bool {
        false
    }
    /// Checks the payload's shape and values; runs on the request task, in parallel.
    fn validate(&self, submission: &mut Accepted) -> Result<(), ApiError>;
    /// Applies the submission inside the writer's transaction: state writes, evaluation,
    /// alerts, events. Returns what the submitter is told (kind-specific JSON).
    fn apply(&self, ctx: &mut ApplyCtx<'_>, submission: &Accepted) -> Result<Value, ApiError>;
}

/// The kinds a server accepts.
#[derive(Default, Clone)]
pub struct KindRegistry {
    handlers: BTreeMap<&'static str, Arc<dyn KindHandler>>,
}

impl std::fmt::Debug for KindRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.handlers.keys()).finish()
    }
}

impl KindRegistry {
    /// Adds a handler (replacing one of the same kind).
    pub fn register(&mut self, handler: impl KindHandler) -> &mut Self {
        self.handlers.insert(handler.kind(), Arc::new(handler));
        self
    }

    /// The handler of a kind.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn KindHandler>> {
        self.handlers.get(kind)
    }

    /// Every registered kind.
    pub fn kinds(&self) -> impl Iterator<Item = &Arc<dyn KindHandler>> {
        self.handlers.values()
    }
}

/// What a handler may do inside the writer's transaction.
pub struct ApplyCtx<'a> {
    tx: &'a Transaction<'a>,
    log: &'a mut dyn LogSink,
    roster: &'a RosterCache,
    now: Timestamp,
    first_leaf: u64,
    events: Vec<EventRecord>,
}

impl std::fmt::Debug for ApplyCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyCtx")
            .field("now", &self.now)
            .field("first_leaf", &self.first_leaf)
            .finish()
    }
}

/// Who may see an event or alert: member ids and role names (`"*"` for everyone).
pub type Audience = Vec<String>;

impl<'a> ApplyCtx<'a> {
    /// State writes.
    pub fn state(&self) -> &dyn StateWrite {
        self.tx
    }

    /// State reads, seeing this transaction's own writes.
    pub fn read(&self) -> &Connection {
        self.tx
    }

    /// Direct access to the SQLite transaction, for store functions outside [`StateWrite`]
    /// (keep SQL in `jic-store`; this is the seam a PostgreSQL backend will replace).
    pub fn with_sqlite<R>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<R, jic_store::StoreError>,
    ) -> Result<R, ApiError> {
        Ok(f(self.tx)?)
    }

    /// The receipt time: the time that counts for this submission.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The roster.
    pub fn roster(&self) -> &RosterCache {
        self.roster
    }

    /// The leaf index of the submission being applied (its leaf is the first of this context).
    pub fn leaf_index(&self) -> u64 {
        self.first_leaf
    }

    /// Appends a leaf now, inside the transaction (rolled back with the job if it fails).
    fn append(&mut self, bytes: &[u8]) -> Result<u64, ApiError> {
        self.log
            .append(self.tx, bytes, self.now)
            .map_err(ApiError::Internal)
    }

    /// Logs one of jic's own decisions (after the submission's leaf) and stores it in the
    /// `decision` table. Returns its leaf index. The body is public: never put restricted
    /// content in it.
    pub fn record(&mut self, kind: &str, body: Value) -> Result<u64, ApiError> {
        let body_json = body.to_string();
        let entry = LogEntry::record(kind, self.now, body);
        let bytes = entry
            .to_bytes()
            .map_err(|e| ApiError::Internal(format!("decision {kind} cannot be logged: {e}")))?;
        let index = self.append(&bytes)?;
        self.tx
            .insert_decision(index, kind, &self.now.to_string(), &body_json)?;
        Ok(index)
    }

    /// Publishes an event to an audience once the transaction commits (stored now, so SSE
    /// clients can resume after a restart).
    pub fn emit(
        &mut self,
        topic: &str,
        audience: &[String],
        body: &Value,
        leaf_index: Option<u64>,
    ) -> Result<i64, ApiError> {
        let audience_json = serde_json::to_string(audience).unwrap_or_else(|_| "[]".to_owned());
        let body_json = body.to_string();
        let time = self.now.to_string();
        let id = self
            .tx
            .insert_event(topic, &audience_json, &body_json, leaf_index, &time)?;
        self.events.push(EventRecord {
            id,
            topic: topic.to_owned(),
            audience_json,
            body_json,
            leaf_index,
            time,
        });
        Ok(id)
    }

    /// Raises an alert: logs it as a decision (public subject only), stores it with each
    /// recipient's private detail, and emits an `alert` event to each recipient with its own
    /// detail. Returns `None` when an open alert with the same dedupe key already exists.
    pub fn raise_alert(&mut self, alert: AlertSpec) -> Result<Option<i64>, ApiError> {
        let mut alert = alert;
        // Monitors see every alert's public subject (DESIGN §1), never a party's detail.
        if !alert
            .recipients
            .iter()
            .any(|(r, _)| r == Role::Monitor.as_str())
        {
            alert
                .recipients
                .push((Role::Monitor.as_str().to_owned(), None));
        }
        if let Some(key) = &alert.dedupe_key {
            let exists: bool = self
                .tx
                .query_row(
                    "SELECT count(*) > 0 FROM alert WHERE dedupe_key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .map_err(jic_store::StoreError::from)?;
            if exists {
                return Ok(None);
            }
        }
        let recipients: Vec<String> = alert.recipients.iter().map(|(r, _)| r.clone()).collect();
        let leaf = self.record(
            "alert",
            serde_json::json!({"kind": alert.kind, "severity": alert.severity,
                               "subject": alert.subject, "recipients": recipients}),
        )?;
        let id = self.tx.insert_alert(&NewAlert {
            kind: alert.kind.clone(),
            severity: alert.severity.clone(),
            dedupe_key: alert.dedupe_key.clone(),
            subject_json: alert.subject.to_string(),
            recipients: alert
                .recipients
                .iter()
                .map(|(r, d)| (r.clone(), d.as_ref().map(Value::to_string)))
                .collect(),
            leaf_index: Some(leaf),
            created: self.now.to_string(),
        })?;
        if let Some(id) = id {
            for (recipient, detail) in &alert.recipients {
                let body = serde_json::json!({
                    "id": id, "kind": alert.kind, "severity": alert.severity,
                    "subject": alert.subject, "detail": detail, "leaf_index": leaf,
                });
                self.emit("alert", std::slice::from_ref(recipient), &body, Some(leaf))?;
            }
        }
        Ok(id)
    }
}

/// An alert to raise through [`ApplyCtx::raise_alert`].
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSpec {
    /// `track_conflict`, `plan_conflict`, `ack_overdue`, …
    pub kind: String,
    /// `info`, `warning`, `critical`.
    pub severity: String,
    /// An open alert with the same key is not raised twice.
    pub dedupe_key: Option<String>,
    /// What every recipient (and the log) may see. Never restricted content.
    pub subject: Value,
    /// Recipients (member ids or role names) with what each alone may see.
    pub recipients: Vec<(String, Option<Value>)>,
}

/// What a submitter gets back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The leaf that logs the submission.
    pub leaf_index: u64,
    /// The receipt time (RFC 3339).
    pub received: String,
    /// The kind.
    pub kind: String,
    /// Kind-specific outcome (e.g. the conflicts found on filing).
    #[schema(value_type = Object)]
    pub result: Value,
}

/// A jic-initiated change (no submitter): runs inside the writer like a submission.
pub type DecisionFn = Box<dyn FnOnce(&mut ApplyCtx<'_>) -> Result<Value, ApiError> + Send>;

enum Job {
    Submit {
        submission: Box<Accepted>,
        handler: Arc<dyn KindHandler>,
        reply: oneshot::Sender<Result<Receipt, ApiError>>,
    },
    Decide {
        run: DecisionFn,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
}

/// The handle to the single writer thread.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Submit { submission, .. } => write!(f, "Submit({})", submission.kind),
            Job::Decide { .. } => f.write_str("Decide"),
        }
    }
}

impl Writer {
    /// Queues an accepted submission and waits for its durable commit.
    pub async fn submit(
        &self,
        submission: Accepted,
        handler: Arc<dyn KindHandler>,
    ) -> Result<Receipt, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job::Submit {
                submission: Box::new(submission),
                handler,
                reply,
            })
            .await
            .map_err(|_| ApiError::Unavailable("the server is shutting down".to_owned()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the writer stopped".to_owned()))?
    }

    /// Queues several submissions in the given order, then waits for each one's own answer:
    /// each is sequence-checked, applied and committed exactly as [`Writer::submit`] would, so
    /// one refusal leaves the others alone, and each answer comes only after the fsync that
    /// covers its commit. Queued back to back, they tend to share commit groups.
    pub async fn submit_many(
        &self,
        items: Vec<(Accepted, Arc<dyn KindHandler>)>,
    ) -> Vec<Result<Receipt, ApiError>> {
        let mut answers = Vec::with_capacity(items.len());
        for (submission, handler) in items {
            let (reply, answer) = oneshot::channel();
            let queued = self
                .queue
                .send(Job::Submit {
                    submission: Box::new(submission),
                    handler,
                    reply,
                })
                .await;
            answers.push(queued.map(|()| answer));
        }
        let mut out = Vec::with_capacity(answers.len());
        for answer in answers {
            out.push(match answer {
                Ok(answer) => answer
                    .await
                    .unwrap_or_else(|_| Err(ApiError::Internal("the writer stopped".to_owned()))),
                Err(_) => Err(ApiError::Unavailable(
                    "the server is shutting down".to_owned(),
                )),
            });
        }
        out
    }

    /// Runs a decision of jic's own inside the writer and waits for its commit.
    pub async fn decide(&self, run: DecisionFn) -> Result<Value, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job::Decide { run, reply })
            .await
            .map_err(|_| ApiError::Unavailable("the server is shutting down".to_owned()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the writer stopped".to_owned()))?
    }
}

/// Everything the writer thread owns.
pub(crate) struct WriterParts {
    pub(crate) conn: Connection,
    pub(crate) log: Box<dyn LogSink>,
    pub(crate) roster: Arc<RwLock<RosterCache>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) events: broadcast::Sender<Arc<EventRecord>>,
    pub(crate) max_batch: usize,
}

/// What the writer threads of this process have done so far: a server-side measure of the
/// submit path's serial part, free of HTTP and of the load generator (`jic bench api` prints it).
/// Process-wide, so two servers in one process add up; take differences with
/// [`WriterStats::since`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Jobs (submissions and decisions) taken from the queue, committed or refused.
    pub jobs: u64,
    /// Group commits (transactions).
    pub groups: u64,
    /// Time spent applying jobs inside the transactions (SQL, handlers), nanoseconds.
    pub apply_ns: u64,
    /// Time spent in `COMMIT` (writing the WAL frames; with a WAL file the fsync is the
    /// syncer's), nanoseconds.
    pub commit_ns: u64,
    /// WAL fsyncs done by the syncer thread (one may cover several groups).
    pub syncs: u64,
    /// Time the syncer spent in those fsyncs, nanoseconds (off the writer's serial path).
    pub sync_ns: u64,
    /// Time the syncer spent answering submitters and publishing events, nanoseconds.
    pub reply_ns: u64,
}

impl WriterStats {
    /// The counters now.
    pub fn now() -> Self {
        Self {
            jobs: STATS_JOBS.load(Ordering::Relaxed),
            groups: STATS_GROUPS.load(Ordering::Relaxed),
            apply_ns: STATS_APPLY_NS.load(Ordering::Relaxed),
            commit_ns: STATS_COMMIT_NS.load(Ordering::Relaxed),
            syncs: STATS_SYNCS.load(Ordering::Relaxed),
            sync_ns: STATS_SYNC_NS.load(Ordering::Relaxed),
            reply_ns: STATS_REPLY_NS.load(Ordering::Relaxed),
        }
    }

    /// What happened between `earlier` and `self`.
    #[must_use]
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            jobs: self.jobs.saturating_sub(earlier.jobs),
            groups: self.groups.saturating_sub(earlier.groups),
            apply_ns: self.apply_ns.saturating_sub(earlier.apply_ns),
            commit_ns: self.commit_ns.saturating_sub(earlier.commit_ns),
            syncs: self.syncs.saturating_sub(earlier.syncs),
            sync_ns: self.sync_ns.saturating_sub(earlier.sync_ns),
            reply_ns: self.reply_ns.saturating_sub(earlier.reply_ns),
        }
    }

    /// Time the writer thread was busy (not waiting for work), nanoseconds: the serial part of
    /// the submit path. The syncer's fsyncs and replies overlap it and are not included.
    pub fn busy_ns(&self) -> u64 {
        self.apply_ns + self.commit_ns
    }
}

static STATS_JOBS: AtomicU64 = AtomicU64::new(0);
static STATS_GROUPS: AtomicU64 = AtomicU64::new(0);
static STATS_APPLY_NS: AtomicU64 = AtomicU64::new(0);
static STATS_COMMIT_NS: AtomicU64 = AtomicU64::new(0);
static STATS_REPLY_NS: AtomicU64 = AtomicU64::new(0);
static STATS_SYNCS: AtomicU64 = AtomicU64::new(0);
static STATS_SYNC_NS: AtomicU64 = AtomicU64::new(0);

fn elapsed_ns(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Starts the writer thread (and its syncer, see [`Syncer`]). It stops when every [`Writer`]
/// handle is dropped, after committing, syncing and answering what was queued.
pub(crate) fn spawn_writer(
    mut parts: WriterParts,
) -> Result<(Writer, std::thread::JoinHandle<()>), ApiError> {
    let db = prepare_pipelined_sync(&parts.conn)?;
    let (queue, rx) = mpsc::channel(parts.max_batch.max(1) * 4);
    let (to_syncer, from_writer) = std::sync::mpsc::channel::<Committed>();
    let events = parts.events.clone();
    let syncer = std::thread::Builder::new()
        .name("jic-syncer".to_owned())
        .spawn(move || syncer_loop(db.as_deref(), &from_writer, &events))
        .map_err(|e| ApiError::Internal(format!("cannot start the syncer: {e}")))?;
    let handle = std::thread::Builder::new()
        .name("jic-writer".to_owned())
        .spawn(move || {
            writer_loop(&mut parts, rx, &to_syncer);
            // Closing the channel lets the syncer answer the last groups and stop; the writer
            // thread ends only after it, so shutdown still finishes every in-flight commit.
            drop(to_syncer);
            if syncer.join().is_err() {
                tracing::error!("the syncer thread panicked");
            }
        })
        .map_err(|e| ApiError::Internal(format!("cannot start the writer: {e}")))?;
    Ok((Writer { queue }, handle))
}

/// Switches the writer's connection to pipelined durability when the database is a WAL file:
/// `synchronous = NORMAL` (a commit writes its WAL frames but does not fsync them) with the
/// fsync done by the syncer thread before anyone is answered. Returns the path of the
/// database file whose WAL to sync, or `None` (in-memory and non-WAL databases keep
/// `synchronous = FULL` and need no extra sync).
fn prepare_pipelined_sync(conn: &Connection) -> Result<Option<std::path::PathBuf>, ApiError> {
    let path = conn.path().unwrap_or("").to_owned();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(jic_store::StoreError::from)?;
    if path.is_empty() || !mode.eq_ignore_ascii_case("wal") {
        return Ok(None);
    }
    // The syncer checkpoints too (see `Checkpointer`): a checkpoint run by the commit itself
    // (SQLite's default every 1,000 WAL pages) writes the database file and fsyncs it twice,
    // on the writer's serial path.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;")
        .map_err(jic_store::StoreError::from)?;
    Ok(Some(std::path::PathBuf::from(path)))
}

/// Copies the WAL back into the database file from the syncer thread, on its own connection,
/// so the writer never waits for a checkpoint. PASSIVE: it never blocks the writer or readers,
/// and copies what it can; SQLite restarts the WAL from its start once everything is copied.
struct Checkpointer {
    conn: Option<Connection>,
    last: Instant,
}

impl Checkpointer {
    /// How often to checkpoint: at a few thousand group commits per second the WAL grows by
    /// tens of MB per second, and a checkpoint's cost grows with what it copies.
    const EVERY: std::time::Duration = std::time::Duration::from_millis(100);

    fn new(db: Option<&std::path::Path>) -> Self {
        let conn = db.and_then(|path| {
            Connection::open(path)
                .and_then(|c| {
                    c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0;")?;
                    Ok(c)
                })
                .map_err(|e| tracing::error!(error = %e, "cannot open the checkpoint connection"))
                .ok()
        });
        Self {
            conn,
            last: Instant::now(),
        }
    }

    fn maybe_run(&mut self) {
        let Some(conn) = &self.conn else { return };
        if self.last.elapsed() < Self::EVERY {
            return;
        }
        self.last = Instant::now();
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed; retrying later");
        }
    }
}

fn writer_loop(
    parts: &mut WriterParts,
    mut rx: mpsc::Receiver<Job>,
    syncer: &std::sync::mpsc::Sender<Committed>,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < parts.max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = commit_batch(parts, batch);
        if let Err(std::sync::mpsc::SendError(lost)) = syncer.send(committed) {
            // The syncer is gone (it panicked): nobody will sync, so nobody may be told yes.
            tracing::error!("the syncer stopped; refusing a committed group");
            answer(lost.outcomes, Some("the commit could not be made durable"));
        }
    }
    tracing::info!("writer drained its queue and stopped");
}

enum Outcome {
    Submit(
        oneshot::Sender<Result<Receipt, ApiError>>,
        Result<Receipt, ApiError>,
    ),
    Decide(
        oneshot::Sender<Result<Value, ApiError>>,
        Result<Value, ApiError>,
    ),
}

/// A group the writer has committed (or failed to commit), on its way to the syncer.
struct Committed {
    /// Whether the transaction committed; on `false` every outcome is already a refusal.
    ok: bool,
    outcomes: Vec<Outcome>,
    events: Vec<EventRecord>,
    /// The group's applied submissions, handed over only to be freed by the syncer: freeing
    /// each one's parsed payload and envelope is a few per cent of the writer's time, which is
    /// the serial path.
    #[allow(
        clippy::vec_box,
        reason = "the boxes the jobs arrived in, moved as they are: unboxing would copy each"
    )]
    spent: Vec<Box<Accepted>>,
}

/// Sends each outcome to its waiter; with `failure`, every success becomes that failure.
fn answer(outcomes: Vec<Outcome>, failure: Option<&str>) {
    let fail = |m: &str| ApiError::Internal(m.to_owned());
    for outcome in outcomes {
        match outcome {
            Outcome::Submit(reply, r) => {
                let _ = reply.send(match failure {
                    Some(m) if r.is_ok() => Err(fail(m)),
                    _ => r,
                });
            }
            Outcome::Decide(reply, r) => {
                let _ = reply.send(match failure {
                    Some(m) if r.is_ok() => Err(fail(m)),
                    _ => r,
                });
            }
        }
    }
}

/// The syncer: makes committed groups durable, then answers their submitters and publishes
/// their events.
///
/// With the writer's connection at `synchronous = NORMAL`, a commit has written the group's
/// WAL frames (so other connections see it, and it survives `kill -9`) but not fsync'd them.
/// This thread fsyncs the WAL file once for every group that arrived meanwhile — one fsync
/// covers every frame written before it started — and only then replies. The writer does not
/// wait: it applies the next group while the disk syncs the last one, so the fsync's latency
/// is taken off the serial path (it used to be more than half of it).
///
/// Readers on other connections may see a group a few milliseconds before it is durable; no
/// submitter, SSE subscriber or checkpoint does: the log integrator commits with
/// `synchronous = FULL`, and its fsync of the same WAL covers every leaf it integrated.
fn syncer_loop(
    db: Option<&std::path::Path>,
    from_writer: &std::sync::mpsc::Receiver<Committed>,
    events: &broadcast::Sender<Arc<EventRecord>>,
) {
    let wal = db.map(|p| {
        let mut name = p.as_os_str().to_owned();
        name.push("-wal");
        std::path::PathBuf::from(name)
    });
    let mut checkpointer = Checkpointer::new(db);
    while let Ok(first) = from_writer.recv() {
        let mut groups = vec![first];
        while let Ok(more) = from_writer.try_recv() {
            groups.push(more);
        }
        let started = Instant::now();
        let synced = match (&wal, groups.iter().any(|g| g.ok)) {
            (Some(path), true) => std::fs::File::open(path).and_then(|f| f.sync_data()),
            _ => Ok(()),
        };
        STATS_SYNC_NS.fetch_add(elapsed_ns(started), Ordering::Relaxed);
        STATS_SYNCS.fetch_add(1, Ordering::Relaxed);
        let replies_started = Instant::now();
        if let Err(e) = &synced {
            tracing::error!(error = %e, "fsync of the WAL failed; refusing every submission in the groups");
        }
        for group in groups {
            let failure = synced
                .as_ref()
                .err()
                .map(|_| "the commit could not be made durable (fsync failed)");
            answer(group.outcomes, failure);
            if group.ok && failure.is_none() {
                for event in group.events {
                    // No subscribers is fine: events are stored for later readers.
                    let _ = events.send(Arc::new(event));
                }
            }
            // Freed here, after the replies, rather than on the writer's serial path.
            drop(group.spent);
        }
        STATS_REPLY_NS.fetch_add(elapsed_ns(replies_started), Ordering::Relaxed);
        checkpointer.maybe_run();
    }
    // A last checkpoint at shutdown, whatever the time since the previous one.
    checkpointer.last = Instant::now() - Checkpointer::EVERY;
    checkpointer.maybe_run();
}

/// Adds a group's apply and commit times to [`WriterStats`].
fn record_times(started: Instant, commit_started: Option<Instant>, finished: Instant) {
    let commit_started = commit_started.unwrap_or(finished);
    STATS_APPLY_NS.fetch_add(
        u64::try_from((commit_started - started).as_nanos()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    STATS_COMMIT_NS.fetch_add(
        u64::try_from((finished - commit_started).as_nanos()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

fn commit_batch(parts: &mut WriterParts, batch: Vec<Job>) -> Committed {
    STATS_JOBS.fetch_add(batch.len() as u64, Ordering::Relaxed);
    STATS_GROUPS.fetch_add(1, Ordering::Relaxed);
    let batch = if batch.len() > 1 && batch.iter().all(|j| matches!(j, Job::Submit { .. })) {
        match commit_optimistic(parts, batch) {
            Ok(committed) => return committed,
            Err(batch) => batch,
        }
    } else {
        batch
    };
    commit_with_savepoints(parts, batch)
}

/// The fast path of a group of submissions: no savepoints. A savepoint per submission costs
/// a copy of every page the submission touches into the statement journal (about a sixth of
/// the writer's time); refusals after verification are rare (replays, conflicts with state), so
/// the group is first applied without them. If every submission applies, the group commits as
/// is. If one fails, the whole transaction is rolled back and the group is handed back, intact,
/// for [`commit_with_savepoints`], which isolates each submission — so a refusal costs its
/// group one extra pass, and the outcome is the same as if savepoints had been used throughout.
/// Decisions ([`Job::Decide`]) run once only, so groups holding one always take the savepoint
/// path.
fn commit_optimistic(parts: &mut WriterParts, batch: Vec<Job>) -> Result<Committed, Vec<Job>> {
    let started = Instant::now();
    let roster_guard = parts
        .roster
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let roster: &RosterCache = &roster_guard;
    let Ok(tx) = parts
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
    else {
        // The savepoint path retries and reports the error to each submitter.
        return Err(batch);
    };
    let mut receipts = Vec::with_capacity(batch.len());
    let mut events = Vec::new();
    let mut all_applied = true;
    for job in &batch {
        let Job::Submit {
            submission,
            handler,
            ..
        } = job
        else {
            all_applied = false;
            break;
        };
        let Ok(first_leaf) = parts.log.size(&tx) else {
            all_applied = false;
            break;
        };
        let mut ctx = ApplyCtx {
            tx: &tx,
            log: parts.log.as_mut(),
            roster,
            now: submission.received,
            first_leaf,
            events: Vec::new(),
        };
        match apply_submission(&mut ctx, submission, handler.as_ref()) {
            Ok(receipt) => {
                receipts.push(receipt);
                events.extend(ctx.events);
            }
            Err(_) => {
                all_applied = false;
                break;
            }
        }
    }
    if !all_applied {
        // Dropping the transaction rolls it back.
        drop(tx);
        parts.log.rolled_back();
        drop(roster_guard);
        record_times(started, None, Instant::now());
        return Err(batch);
    }
    let commit_started = Instant::now();
    let committed = tx.commit();
    drop(roster_guard);
    record_times(started, Some(commit_started), Instant::now());
    let mut spent = Vec::with_capacity(batch.len());
    let outcomes = batch
        .into_iter()
        .zip(receipts)
        .filter_map(|(job, receipt)| match job {
            Job::Submit {
                submission, reply, ..
            } => {
                spent.push(submission);
                Some(Outcome::Submit(reply, Ok(receipt)))
            }
            Job::Decide { .. } => None,
        })
        .collect();
    match committed {
        Ok(()) => {
            parts.log.committed();
            Ok(Committed {
                ok: true,
                outcomes,
                events,
                spent,
            })
        }
        Err(e) => {
            tracing::error!(error = %e, "group commit failed; every submission in it is refused");
            parts.log.rolled_back();
            answer(outcomes, Some("the commit failed"));
            Ok(Committed {
                ok: false,
                outcomes: Vec::new(),
                events: Vec::new(),
                spent,
            })
        }
    }
}

/// The general path: each job under its own savepoint, so a refused one leaves nothing behind
/// while the others in the group still commit.
fn commit_with_savepoints(parts: &mut WriterParts, batch: Vec<Job>) -> Committed {
    let started = Instant::now();
    let mut commit_started = None;
    let roster_guard = parts
        .roster
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let roster: &RosterCache = &roster_guard;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut events = Vec::new();
    let mut spent = Vec::with_capacity(batch.len());
    let committed = (|| -> Result<(), ApiError> {
        // IMMEDIATE: take the write lock up front. A deferred transaction that read first would
        // fail with SQLITE_BUSY_SNAPSHOT (no retry) whenever the log integrator committed in
        // between; an immediate one waits for it under the busy timeout instead.
        let tx = parts
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(jic_store::StoreError::from)?;
        for job in batch {
            savepoint(&tx, "SAVEPOINT job")?;
            // A submission's time is its receipt time; a decision's is the moment it is taken.
            let now = match &job {
                Job::Submit { submission, .. } => submission.received,
                Job::Decide { .. } => parts.clock.now(),
            };
            let first_leaf = parts.log.size(&tx).map_err(ApiError::Internal)?;
            let mut ctx = ApplyCtx {
                tx: &tx,
                log: parts.log.as_mut(),
                roster,
                now,
                first_leaf,
                events: Vec::new(),
            };
            let (outcome, ok) = match job {
                Job::Submit {
                    submission,
                    handler,
                    reply,
                } => {
                    let r = apply_submission(&mut ctx, &submission, handler.as_ref());
                    let ok = r.is_ok();
                    spent.push(submission);
                    (Outcome::Submit(reply, r), ok)
                }
                Job::Decide { run, reply } => {
                    let r = run(&mut ctx);
                    let ok = r.is_ok();
                    (Outcome::Decide(reply, r), ok)
                }
            };
            let job_events = ctx.events;
            if ok {
                savepoint(&tx, "RELEASE job")?;
                events.extend(job_events);
            } else {
                // Undo everything the job wrote, its leaves included: a refused submission
                // leaves no trace but the refusal.
                savepoint(&tx, "ROLLBACK TO job")?;
                savepoint(&tx, "RELEASE job")?;
            }
            outcomes.push(outcome);
        }
        commit_started = Some(Instant::now());
        tx.commit().map_err(jic_store::StoreError::from)?;
        parts.log.committed();
        Ok(())
    })();
    drop(roster_guard);
    record_times(started, commit_started, Instant::now());
    if let Err(e) = &committed {
        tracing::error!(error = %e, "group commit failed; every submission in it is refused");
        parts.log.rolled_back();
        events.clear();
        // A failed commit answers at once: nothing was written that a sync could make durable.
        answer(outcomes, Some("the commit failed"));
        return Committed {
            ok: false,
            outcomes: Vec::new(),
            events,
            spent,
        };
    }
    Committed {
        ok: true,
        outcomes,
        events,
        spent,
    }
}

/// Runs a savepoint statement through the statement cache: `execute_batch` would parse it again
/// for every submission.
fn savepoint(tx: &Transaction<'_>, sql: &str) -> Result<(), ApiError> {
    tx.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map_err(jic_store::StoreError::from)?;
    Ok(())
}

fn apply_submission(
    ctx: &mut ApplyCtx<'_>,
    submission: &Accepted,
    handler: &dyn KindHandler,
) -> Result<Receipt, ApiError> {
    let last = ctx.tx.last_seq(&submission.key)?;
    jic_ledger::envelope::check_sequence(submission.seq, last).map_err(|e| {
        ApiError::Conflict(format!(
            "{e}: sequence numbers must increase for each key (replay?)"
        ))
    })?;
    ctx.tx.set_seq(&submission.key, submission.seq)?;
    let leaf_index = ctx.append(&submission.entry)?;
    ctx.first_leaf = leaf_index;
    ctx.tx
        .index_submission(leaf_index, &submission.kind, &submission.party)?;
    if let (true, Some(salt)) = (submission.restricted, submission.salt) {
        jic_store::log::put_restricted(ctx.tx, leaf_index, &submission.payload_json, &salt)?;
    }
    let result = handler.apply(ctx, submission)?;
    Ok(Receipt {
        leaf_index,
        received: ctx.now.to_string(),
        kind: submission.kind.clone(),
        result,
    })
}

#[cfg(test)]
mod tests {
    //! The writer's group commit, driven directly (no HTTP): the optimistic group falls back to
    //! savepoints when one submission fails, and the outcome is the same as with savepoints.
    use super::*;
    use crate::clock::SystemClock;
    use crate::log_sink::StoreLog;
    use jic_ledger::key::NoteSigner;
    use jic_store::state::StateRead;
    use serde_json::json;

    /// Emits an event, then fails if the payload asks it to: a failure after a write, which
    /// must leave nothing behind.
    struct Note;

    impl KindHandler for Note {
        fn kind(&self) -> &'static str {
            "test.note"
        }
        fn roles(&self) -> &'static [Role] {
            &[Role::Party]
        }
        fn validate(&self, _: &mut Accepted) -> Result<(), ApiError> {
            Ok(())
        }
        fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
            let leaf = ctx.leaf_index();
            ctx.emit("note", &["us".to_owned()], &s.payload, Some(leaf))?;
            if s.payload.get("fail") == Some(&Value::Bool(true)) {
                return Err(ApiError::Conflict("asked to fail".to_owned()));
            }
            Ok(json!({"seq": s.seq}))
        }
    }

    fn parts() -> WriterParts {
        WriterParts {
            conn: jic_store::db::open_in_memory().unwrap(),
            log: Box::new(StoreLog),
            roster: Arc::new(RwLock::new(RosterCache::default())),
            clock: Arc::new(SystemClock),
            events: broadcast::channel(64).0,
            max_batch: 64,
        }
    }

    fn job(
        signer: &NoteSigner,
        seq: u64,
        fail: bool,
    ) -> (Job, oneshot::Receiver<Result<Receipt, ApiError>>) {
        let time: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let payload = json!({"n": seq, "fail": fail});
        let submission = crate::client::sign_submission(
            signer,
            "us",
            "test.note",
            seq,
            time,
            payload.clone(),
            false,
        )
        .unwrap();
        let entry = crate::client::leaf_bytes(&submission, time).unwrap();
        let accepted = Accepted {
            kind: "test.note".to_owned(),
            party: "us".to_owned(),
            role: Role::Party,
            key: signer.verifier().to_vkey(),
            seq,
            claimed_time: time.to_string(),
            payload_json: payload.to_string(),
            payload,
            restricted: false,
            salt: None,
            received: time,
            entry,
            prepared: None,
        };
        let (reply, answer) = oneshot::channel();
        (
            Job::Submit {
                submission: Box::new(accepted),
                handler: Arc::new(Note),
                reply,
            },
            answer,
        )
    }

    /// Commits one group and returns each submitter's answer (`Ok(leaf)` or the error status).
    fn run(parts: &mut WriterParts, specs: &[(u64, bool)]) -> Vec<Result<u64, u16>> {
        let signer = NoteSigner::from_seed("us", &[7; 32]).unwrap();
        let (jobs, answers): (Vec<_>, Vec<_>) = specs
            .iter()
            .map(|&(seq, fail)| job(&signer, seq, fail))
            .unzip();
        let committed = commit_batch(parts, jobs);
        assert!(committed.ok);
        answer(committed.outcomes, None);
        answers
            .into_iter()
            .map(|a| {
                a.blocking_recv()
                    .unwrap()
                    .map(|r| r.leaf_index)
                    .map_err(|e| e.status().as_u16())
            })
            .collect()
    }

    fn check(groups: &[&[(u64, bool)]], want: &[&[Result<u64, u16>]], stored: u64) {
        let mut parts = parts();
        for (group, want) in groups.iter().zip(want) {
            assert_eq!(&run(&mut parts, group), want, "group {group:?}");
        }
        let conn = &parts.conn;
        assert_eq!(jic_store::log::size(conn).unwrap(), stored, "leaves");
        assert_eq!(conn.submission_count().unwrap(), stored, "submissions");
        let events: i64 = conn
            .query_row("SELECT count(*) FROM event", [], |r| r.get(0))
            .unwrap();
        assert_eq!(events as u64, stored, "events");
        for leaf in 0..stored {
            let s = conn.submission(leaf).unwrap().unwrap();
            assert_eq!(s.kind, "test.note");
            assert_eq!(s.key_name, "us");
            assert!(!s.restricted);
            let payload: Value = serde_json::from_str(s.payload_json.as_deref().unwrap()).unwrap();
            assert_eq!(payload["n"], json!(s.seq));
        }
    }

    #[test]
    fn a_group_that_all_applies_commits_without_savepoints() {
        check(
            &[&[(1, false), (2, false), (3, false)]],
            &[&[Ok(0), Ok(1), Ok(2)]],
            3,
        );
    }

    #[test]
    fn a_failure_in_a_group_refuses_only_that_submission() {
        check(
            &[&[(1, false), (2, true), (3, false), (3, false), (4, false)]],
            // 409 for the handler's refusal and for the replay of sequence 3.
            &[&[Ok(0), Err(409), Ok(1), Err(409), Ok(2)]],
            3,
        );
    }

    #[test]
    fn replays_across_groups_are_refused() {
        check(
            &[
                &[(1, false), (2, false)],
                &[(2, false), (1, false), (5, false)],
            ],
            &[&[Ok(0), Ok(1)], &[Err(409), Err(409), Ok(2)]],
            3,
        );
    }
}
