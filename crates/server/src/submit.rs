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
//!    them in groups: one SQLite transaction (one fsync) for up to `max_commit_batch`
//!    submissions. Inside it, per submission under a savepoint: the sequence check against the
//!    last accepted for the key, the log leaf, then [`KindHandler::apply`] (state writes,
//!    evaluation, decision leaves, alerts, events). A submission that fails rolls back to its
//!    savepoint and leaves nothing behind, not even its leaf; the others in the group still
//!    commit.
//!
//! The receipt time is taken when the request is verified, and the log entry (canonical JSON)
//! is built there too, so the writer only writes; concurrent submissions may therefore reach
//! the log a few milliseconds out of receipt-time order.
//! 3. After the commit, each submitter gets its receipt and the events go to SSE subscribers.
//!    Nothing is acknowledged before the commit returns, so every 2xx is durable.
//!
//! # Extension point
//! A new kind of submission is a [`KindHandler`] registered in a [`KindRegistry`]; the core
//! never needs to change. Decisions jic takes on its own (alerts from track conflict detection,
//! escalations when a deadline passes) enter through [`Writer::decide`], the same transaction
//! discipline without a submitter.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

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
    /// The signed envelope as it will be logged.
    pub signed: jic_ledger::envelope::SignedEnvelope,
    /// The receipt time: when the server accepted the request (before queueing). It is the time
    /// in the log entry and the time handlers see as [`ApplyCtx::now`].
    pub received: Timestamp,
    /// The log entry's bytes, computed on the request task so the single writer does not
    /// spend its time on canonical JSON.
    pub entry: Vec<u8>,
    /// The envelope as logged, as JSON text (for the `submission` table).
    pub envelope_json: String,
    /// The plaintext payload as JSON text (for the `submission` table).
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

/// Starts the writer thread. It stops when every [`Writer`] handle is dropped, after
/// committing what was queued.
pub(crate) fn spawn_writer(
    parts: WriterParts,
) -> Result<(Writer, std::thread::JoinHandle<()>), ApiError> {
    let (queue, rx) = mpsc::channel(parts.max_batch.max(1) * 4);
    let handle = std::thread::Builder::new()
        .name("jic-writer".to_owned())
        .spawn(move || writer_loop(parts, rx))
        .map_err(|e| ApiError::Internal(format!("cannot start the writer: {e}")))?;
    Ok((Writer { queue }, handle))
}

fn writer_loop(mut parts: WriterParts, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < parts.max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut parts, batch);
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

fn commit_batch(parts: &mut WriterParts, batch: Vec<Job>) {
    let roster_guard = parts
        .roster
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let roster: &RosterCache = &roster_guard;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut events = Vec::new();
    let committed = (|| -> Result<(), ApiError> {
        // IMMEDIATE: take the write lock up front. A deferred transaction that read first would
        // fail with SQLITE_BUSY_SNAPSHOT (no retry) whenever the log integrator committed in
        // between; an immediate one waits for it under the busy timeout instead.
        let tx = parts
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(jic_store::StoreError::from)?;
        for job in batch {
            tx.execute_batch("SAVEPOINT job")
                .map_err(jic_store::StoreError::from)?;
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
                tx.execute_batch("RELEASE job")
                    .map_err(jic_store::StoreError::from)?;
                events.extend(job_events);
            } else {
                // Undo everything the job wrote, its leaves included: a refused submission
                // leaves no trace but the refusal.
                tx.execute_batch("ROLLBACK TO job; RELEASE job")
                    .map_err(jic_store::StoreError::from)?;
            }
            outcomes.push(outcome);
        }
        tx.commit().map_err(jic_store::StoreError::from)?;
        parts.log.committed();
        Ok(())
    })();
    drop(roster_guard);
    if let Err(e) = &committed {
        tracing::error!(error = %e, "group commit failed; every submission in it is refused");
        parts.log.rolled_back();
        events.clear();
    }
    for outcome in outcomes {
        match outcome {
            Outcome::Submit(reply, r) => {
                let r = match (&committed, r) {
                    (Ok(()), r) => r,
                    (Err(_), _) => Err(ApiError::Internal("the commit failed".to_owned())),
                };
                let _ = reply.send(r);
            }
            Outcome::Decide(reply, r) => {
                let r = match (&committed, r) {
                    (Ok(()), r) => r,
                    (Err(_), _) => Err(ApiError::Internal("the commit failed".to_owned())),
                };
                let _ = reply.send(r);
            }
        }
    }
    for event in events {
        // No subscribers is fine: events are stored for later readers.
        let _ = parts.events.send(Arc::new(event));
    }
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
        .insert_submission(&jic_store::state::SubmissionRecord {
            leaf_index,
            kind: submission.kind.clone(),
            party: submission.party.clone(),
            key_name: jic_store::roster::key_name(&submission.key).to_owned(),
            seq: submission.seq,
            claimed_time: submission.claimed_time.clone(),
            received: ctx.now.to_string(),
            restricted: submission.restricted,
            payload_json: Some(submission.payload_json.clone()),
            salt: submission.salt.map(|s| s.to_vec()),
            envelope_json: submission.envelope_json.clone(),
            sig: submission.signed.sig_base64(),
        })?;
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
