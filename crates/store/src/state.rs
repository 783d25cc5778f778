//! The service's state: typed access to the tables of migration 2 (`0002_state.sql`).
//!
//! Writes go through [`StateWrite`], which the submit path's single writer calls inside the same
//! transaction that appends the log leaf, so state and log never disagree. Reads go through
//! [`StateRead`] on any connection (WAL lets readers run beside the writer). Both are traits so a
//! PostgreSQL backend can implement them; the SQLite implementations are on
//! [`rusqlite::Transaction`] and [`rusqlite::Connection`].
//!
//! JSON columns are passed as `String`s holding JSON text: the server produced them from typed
//! values and re-parsing them here would only cost time.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::StoreError;

/// One accepted submission, as stored beside its leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRecord {
    /// The leaf that logs it.
    pub leaf_index: u64,
    /// The submission kind, e.g. `air_operation.file`.
    pub kind: String,
    /// The submitting roster member.
    pub party: String,
    /// The signing key's name.
    pub key_name: String,
    /// The envelope's sequence number.
    pub seq: u64,
    /// The time the submitter claimed (RFC 3339).
    pub claimed_time: String,
    /// The server's receipt time (RFC 3339), the time that counts.
    pub received: String,
    /// Whether the log holds a commitment instead of the payload.
    pub restricted: bool,
    /// The plaintext payload (JSON), for restricted kinds too.
    pub payload_json: Option<String>,
    /// The commitment salt of a restricted payload.
    pub salt: Option<Vec<u8>>,
    /// The signed envelope as logged (JSON).
    pub envelope_json: String,
    /// The envelope signature (base64).
    pub sig: String,
}

/// An air operation's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AirOperationRecord {
    /// The filer's id for the operation.
    pub id: String,
    /// The filing party.
    pub party: String,
    /// `filed` or `cancelled`.
    pub status: String,
    /// 1 for the first filing, +1 per amendment or cancellation.
    pub version: u32,
    /// The plan (JSON).
    pub plan_json: String,
    /// First waypoint time (RFC 3339).
    pub window_start: Option<String>,
    /// Last waypoint time (RFC 3339).
    pub window_end: Option<String>,
    /// The leaf of the latest version.
    pub leaf_index: u64,
    /// Receipt time of the latest version.
    pub updated: String,
}

/// The latest known state of one aircraft.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRecord {
    /// Aircraft id (as in the CSV `id` column).
    pub aircraft_id: String,
    /// The party that reported it.
    pub party: String,
    /// Latitude, WGS-84 degrees.
    pub lat: f64,
    /// Longitude, WGS-84 degrees.
    pub lon: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub gs_kt: f64,
    /// True track, degrees.
    pub trk_deg: f64,
    /// Vertical speed, feet per minute.
    pub vs_fpm: f64,
    /// Observation time (RFC 3339).
    pub observed: String,
    /// The leaf of the batch that reported it.
    pub batch_leaf: u64,
}

/// An alert to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// `track_conflict`, `plan_conflict`, `ack_overdue`, …
    pub kind: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// An open alert with the same key is not raised twice.
    pub dedupe_key: Option<String>,
    /// What every recipient may see (JSON).
    pub subject_json: String,
    /// Recipients (member ids or role names) with what each alone may see (JSON).
    pub recipients: Vec<(String, Option<String>)>,
    /// The leaf of the decision that raised it.
    pub leaf_index: Option<u64>,
    /// When (RFC 3339).
    pub created: String,
}

/// An alert as a recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// Alert id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// `open`, `acknowledged` or `closed`.
    pub status: String,
    /// Shared subject (JSON).
    pub subject_json: String,
    /// The recipient-specific detail (JSON), if any.
    pub detail_json: Option<String>,
    /// Every recipient.
    pub recipients: Vec<String>,
    /// Who acknowledged, and when.
    pub acks: Vec<(String, String)>,
    /// The decision leaf.
    pub leaf_index: Option<u64>,
    /// When raised.
    pub created: String,
}

/// A stored live event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Monotonic id (the SSE event id).
    pub id: i64,
    /// Topic, e.g. `air_operation`, `alert`.
    pub topic: String,
    /// Member ids and role names allowed to see it (JSON array).
    pub audience_json: String,
    /// The event body (JSON).
    pub body_json: String,
    /// The leaf it reports, if any.
    pub leaf_index: Option<u64>,
    /// When.
    pub time: String,
}

/// An agreement version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementVersionRecord {
    /// Hex SHA-256 of the canonical form.
    pub hash: String,
    /// 1, 2, … in order of proposal.
    pub number: i64,
    /// The proposing member (`jic` for the genesis version).
    pub proposed_by: String,
    /// The proposal's leaf.
    pub proposed_leaf: Option<u64>,
    /// `proposed`, `in_force`, `superseded`.
    pub status: String,
    /// Party ids that must countersign (JSON array).
    pub required_json: String,
    /// The agreement (JSON).
    pub package_json: String,
    /// The diff against the version in force when proposed (JSON).
    pub diff_json: Option<String>,
    /// The leaf at which it entered into force.
    pub in_force_leaf: Option<u64>,
    /// When proposed.
    pub created: String,
    /// Who countersigned, and when.
    pub countersignatures: Vec<(String, String)>,
}

fn leaf(v: Option<i64>) -> Option<u64> {
    v.map(|v| v as u64)
}

/// Writes made by the submit path, inside the transaction that also appends the log leaf.
pub trait StateWrite {
    /// The last accepted sequence number of a key.
    fn last_seq(&self, key_name: &str) -> Result<Option<u64>, StoreError>;
    /// Records a newly accepted sequence number.
    fn set_seq(&self, key_name: &str, seq: u64) -> Result<(), StoreError>;
    /// Records that the leaf at `leaf_index` logs a submission of `kind` by `party`. Everything
    /// else about it is read from the leaf (and `log_restricted`) through the `submission` view
    /// (migration 7), so append the leaf first, in the same transaction.
    fn index_submission(&self, leaf_index: u64, kind: &str, party: &str) -> Result<(), StoreError>;
    /// Stores one of jic's own decisions.
    fn insert_decision(
        &self,
        leaf_index: u64,
        kind: &str,
        created: &str,
        body_json: &str,
    ) -> Result<(), StoreError>;
    /// Writes an air operation's new state and appends its history row.
    fn put_air_operation(&self, op: &AirOperationRecord, action: &str) -> Result<(), StoreError>;
    /// Stores the first version of an air operation whose id the caller has just found absent
    /// in the same transaction (`air_operation_exists`): what `put_air_operation` does, minus
    /// the `UPDATE` that would find no row. An id that exists fails the insert (unique key).
    fn insert_new_air_operation(
        &self,
        op: &AirOperationRecord,
        action: &str,
    ) -> Result<(), StoreError>;
    /// Upserts the latest state of each aircraft in a batch and records the batch.
    fn put_track_batch(
        &self,
        leaf_index: u64,
        party: &str,
        digest: &str,
        received: &str,
        states: &[TrackRecord],
    ) -> Result<(), StoreError>;
    /// Raises an alert; `None` when an open alert with the same dedupe key exists.
    fn insert_alert(&self, alert: &NewAlert) -> Result<Option<i64>, StoreError>;
    /// Records an acknowledgment by `party` (the caller checks the alert is addressed to it);
    /// `false` if the alert is unknown or `party` already acknowledged it.
    fn ack_alert(
        &self,
        alert_id: i64,
        party: &str,
        note: Option<&str>,
        leaf_index: u64,
        time: &str,
    ) -> Result<bool, StoreError>;
    /// Stores a live event and returns its id.
    fn insert_event(
        &self,
        topic: &str,
        audience_json: &str,
        body_json: &str,
        leaf_index: Option<u64>,
        time: &str,
    ) -> Result<i64, StoreError>;
    /// Stores a proposed agreement version.
    fn insert_agreement_version(&self, v: &AgreementVersionRecord) -> Result<(), StoreError>;
    /// Records a countersignature; `false` if already countersigned by that party.
    fn countersign(
        &self,
        hash: &str,
        party: &str,
        leaf_index: u64,
        time: &str,
    ) -> Result<bool, StoreError>;
    /// Puts a version into force and supersedes the previous one.
    fn set_in_force(&self, hash: &str, leaf_index: u64) -> Result<(), StoreError>;
}

/// Reads, for the API and for evaluation.
pub trait StateRead {
    /// The submission logged at a leaf.
    fn submission(&self, leaf_index: u64) -> Result<Option<SubmissionRecord>, StoreError>;
    /// Number of accepted submissions.
    fn submission_count(&self) -> Result<u64, StoreError>;
    /// One air operation.
    fn air_operation(&self, id: &str) -> Result<Option<AirOperationRecord>, StoreError>;
    /// Whether an air operation with this id exists, without reading its record.
    fn air_operation_exists(&self, id: &str) -> Result<bool, StoreError>;
    /// Air operations, of one party or all, optionally only those not cancelled.
    fn air_operations(
        &self,
        party: Option<&str>,
        active_only: bool,
    ) -> Result<Vec<AirOperationRecord>, StoreError>;
    /// Active air operations of parties other than `exclude_party` whose window overlaps
    /// `[start, end]` (RFC 3339, compared as text): the candidates of a plan conflict probe.
    /// Narrowed by the R*Tree of plan windows (migration 6), O(log n + k) whatever the number of
    /// plans filed ahead; the B-tree index it replaced (migration 5) could bound only one end of
    /// the interval and visited every plan ending after `start`.
    fn air_operations_overlapping(
        &self,
        exclude_party: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<AirOperationRecord>, StoreError>;
    /// Latest track states, of one party or all.
    fn tracks(&self, party: Option<&str>) -> Result<Vec<TrackRecord>, StoreError>;
    /// Alerts addressed to any of `audience` (member ids and role names); all when `None`.
    fn alerts(&self, audience: Option<&[String]>) -> Result<Vec<AlertRecord>, StoreError>;
    /// One alert.
    fn alert(&self, id: i64) -> Result<Option<AlertRecord>, StoreError>;
    /// Events with id above `after`, at most `limit`.
    fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError>;
    /// Every agreement version, oldest first.
    fn agreement_versions(&self) -> Result<Vec<AgreementVersionRecord>, StoreError>;
    /// One agreement version.
    fn agreement_version(&self, hash: &str) -> Result<Option<AgreementVersionRecord>, StoreError>;
}

/// The R*Tree window entry (migration 6) and the version-history row of an air operation
/// whose row `rowid` was just written; the caller has removed any older window entry.
fn put_air_operation_window_and_version(
    tx: &Transaction<'_>,
    rowid: i64,
    op: &AirOperationRecord,
    action: &str,
) -> Result<(), StoreError> {
    // A plan without a window is never a probe candidate, so it has no entry.
    if let (Some(start), Some(end)) = (&op.window_start, &op.window_end) {
        let (lo, _) = window_minutes(start);
        let (_, hi) = window_minutes(end);
        tx.prepare_cached(
            "INSERT INTO air_operation_window (op_rowid, start_min, end_min)
             VALUES (?1, ?2, ?3)",
        )?
        .execute(params![rowid, lo, hi])?;
    }
    tx.prepare_cached(
        "INSERT INTO air_operation_version (id, version, action, plan_json, leaf_index, time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        op.id,
        op.version,
        action,
        op.plan_json,
        op.leaf_index as i64,
        op.updated
    ])?;
    Ok(())
}

impl StateWrite for Transaction<'_> {
    fn last_seq(&self, key_name: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .prepare_cached("SELECT last_seq FROM key_sequence WHERE key_name = ?1")?
            .query_row(params![key_name], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|v| v as u64))
    }

    fn set_seq(&self, key_name: &str, seq: u64) -> Result<(), StoreError> {
        self.prepare_cached(
            "INSERT INTO key_sequence (key_name, last_seq) VALUES (?1, ?2)
             ON CONFLICT(key_name) DO UPDATE SET last_seq = excluded.last_seq",
        )?
        .execute(params![key_name, seq as i64])?;
        Ok(())
    }

    fn index_submission(&self, leaf_index: u64, kind: &str, party: &str) -> Result<(), StoreError> {
        self.prepare_cached(
            "INSERT INTO submission_index (leaf_index, kind, party) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![leaf_index as i64, kind, party])?;
        Ok(())
    }

    fn insert_decision(
        &self,
        leaf_index: u64,
        kind: &str,
        created: &str,
        body_json: &str,
    ) -> Result<(), StoreError> {
        self.prepare_cached(
            "INSERT INTO decision (leaf_index, kind, created, body_json) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![leaf_index as i64, kind, created, body_json])?;
        Ok(())
    }

    fn put_air_operation(&self, op: &AirOperationRecord, action: &str) -> Result<(), StoreError> {
        // An update (the party stays the filer's), else an insert: the same effect as one
        // `INSERT … ON CONFLICT DO UPDATE … RETURNING rowid`, without what that costs SQLite on every filing (a statement journal
        // for the upsert, and an ephemeral table to buffer the RETURNING row).
        let updated = self
            .prepare_cached(
                "UPDATE air_operation SET status = ?2, version = ?3, plan_json = ?4,
                     window_start = ?5, window_end = ?6, leaf_index = ?7, updated = ?8
                 WHERE id = ?1",
            )?
            .execute(params![
                op.id,
                op.status,
                op.version,
                op.plan_json,
                op.window_start,
                op.window_end,
                op.leaf_index as i64,
                op.updated
            ])?;
        if updated == 0 {
            return self.insert_new_air_operation(op, action);
        }
        let rowid: i64 = self
            .prepare_cached("SELECT rowid FROM air_operation WHERE id = ?1")?
            .query_row(params![op.id], |r| r.get(0))?;
        // Keep the window R*Tree (migration 6) in step: drop the old window.
        self.prepare_cached("DELETE FROM air_operation_window WHERE op_rowid = ?1")?
            .execute(params![rowid])?;
        put_air_operation_window_and_version(self, rowid, op, action)
    }

    fn insert_new_air_operation(
        &self,
        op: &AirOperationRecord,
        action: &str,
    ) -> Result<(), StoreError> {
        self.prepare_cached(
            "INSERT INTO air_operation (id, party, status, version, plan_json, window_start,
                 window_end, leaf_index, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            op.id,
            op.party,
            op.status,
            op.version,
            op.plan_json,
            op.window_start,
            op.window_end,
            op.leaf_index as i64,
            op.updated
        ])?;
        // A new row: air operations are never deleted, so its rowid is fresh and has no
        // window entry to replace.
        put_air_operation_window_and_version(self, self.last_insert_rowid(), op, action)
    }

    fn put_track_batch(
        &self,
        leaf_index: u64,
        party: &str,
        digest: &str,
        received: &str,
        states: &[TrackRecord],
    ) -> Result<(), StoreError> {
        self.prepare_cached(
            "INSERT INTO track_batch (leaf_index, party, digest, count, received)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            leaf_index as i64,
            party,
            digest,
            states.len() as i64,
            received
        ])?;
        let mut stmt = self.prepare_cached(
            "INSERT INTO track_state (aircraft_id, party, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm,
                 observed, batch_leaf)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(aircraft_id) DO UPDATE SET party = excluded.party, lat = excluded.lat,
                 lon = excluded.lon, alt_ft = excluded.alt_ft, gs_kt = excluded.gs_kt,
                 trk_deg = excluded.trk_deg, vs_fpm = excluded.vs_fpm,
                 observed = excluded.observed, batch_leaf = excluded.batch_leaf",
        )?;
        for s in states {
            stmt.execute(params![
                s.aircraft_id,
                s.party,
                s.lat,
                s.lon,
                s.alt_ft,
                s.gs_kt,
                s.trk_deg,
                s.vs_fpm,
                s.observed,
                s.batch_leaf as i64
            ])?;
        }
        Ok(())
    }

    fn insert_alert(&self, alert: &NewAlert) -> Result<Option<i64>, StoreError> {
        if let Some(key) = &alert.dedupe_key {
            let open: Option<i64> = self
                .prepare_cached("SELECT id FROM alert WHERE dedupe_key = ?1")?
                .query_row(params![key], |r| r.get(0))
                .optional()?;
            if open.is_some() {
                return Ok(None);
            }
        }
        self.prepare_cached(
            "INSERT INTO alert (kind, severity, status, dedupe_key, subject_json, leaf_index, created)
             VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            alert.kind,
            alert.severity,
            alert.dedupe_key,
            alert.subject_json,
            alert.leaf_index.map(|l| l as i64),
            alert.created
        ])?;
        let id = self.last_insert_rowid();
        let mut stmt = self.prepare_cached(
            "INSERT OR REPLACE INTO alert_recipient (alert_id, member, detail_json) VALUES (?1, ?2, ?3)",
        )?;
        for (member, detail) in &alert.recipients {
            stmt.execute(params![id, member, detail])?;
        }
        Ok(Some(id))
    }

    fn ack_alert(
        &self,
        alert_id: i64,
        party: &str,
        note: Option<&str>,
        leaf_index: u64,
        time: &str,
    ) -> Result<bool, StoreError> {
        let exists: Option<i64> = self
            .prepare_cached("SELECT 1 FROM alert WHERE id = ?1")?
            .query_row(params![alert_id], |r| r.get(0))
            .optional()?;
        if exists.is_none() {
            return Ok(false);
        }
        let n = self
            .prepare_cached(
                "INSERT OR IGNORE INTO alert_ack (alert_id, party, note, leaf_index, time)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![alert_id, party, note, leaf_index as i64, time])?;
        self.prepare_cached(
            "UPDATE alert SET status = 'acknowledged' WHERE id = ?1 AND status = 'open'",
        )?
        .execute(params![alert_id])?;
        Ok(n > 0)
    }

    fn insert_event(
        &self,
        topic: &str,
        audience_json: &str,
        body_json: &str,
        leaf_index: Option<u64>,
        time: &str,
    ) -> Result<i64, StoreError> {
        self.prepare_cached(
            "INSERT INTO event (topic, audience_json, body_json, leaf_index, time)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            topic,
            audience_json,
            body_json,
            leaf_index.map(|l| l as i64),
            time
        ])?;
        Ok(self.last_insert_rowid())
    }

    fn insert_agreement_version(&self, v: &AgreementVersionRecord) -> Result<(), StoreError> {
        self.prepare_cached(
            "INSERT INTO agreement_version (hash, number, proposed_by, proposed_leaf, status,
                 required_json, package_json, diff_json, in_force_leaf, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            v.hash,
            v.number,
            v.proposed_by,
            v.proposed_leaf.map(|l| l as i64),
            v.status,
            v.required_json,
            v.package_json,
            v.diff_json,
            v.in_force_leaf.map(|l| l as i64),
            v.created
        ])?;
        Ok(())
    }

    fn countersign(
        &self,
        hash: &str,
        party: &str,
        leaf_index: u64,
        time: &str,
    ) -> Result<bool, StoreError> {
        let n = self
            .prepare_cached(
                "INSERT OR IGNORE INTO agreement_countersignature (hash, party, leaf_index, time)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![hash, party, leaf_index as i64, time])?;
        Ok(n > 0)
    }

    fn set_in_force(&self, hash: &str, leaf_index: u64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE agreement_version SET status = 'superseded' WHERE status = 'in_force'",
            [],
        )?;
        self.execute(
            "UPDATE agreement_version SET status = 'in_force', in_force_leaf = ?2 WHERE hash = ?1",
            params![hash, leaf_index as i64],
        )?;
        Ok(())
    }
}

fn submission_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SubmissionRecord> {
    Ok(SubmissionRecord {
        leaf_index: r.get::<_, i64>(0)? as u64,
        kind: r.get(1)?,
        party: r.get(2)?,
        key_name: r.get(3)?,
        seq: r.get::<_, i64>(4)? as u64,
        claimed_time: r.get(5)?,
        received: r.get(6)?,
        restricted: r.get(7)?,
        payload_json: r.get(8)?,
        salt: r.get(9)?,
        envelope_json: r.get(10)?,
        sig: r.get(11)?,
    })
}

fn air_operation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AirOperationRecord> {
    Ok(AirOperationRecord {
        id: r.get(0)?,
        party: r.get(1)?,
        status: r.get(2)?,
        version: r.get(3)?,
        plan_json: r.get(4)?,
        window_start: r.get(5)?,
        window_end: r.get(6)?,
        leaf_index: r.get::<_, i64>(7)? as u64,
        updated: r.get(8)?,
    })
}

/// The R*Tree coordinates of an RFC 3339 time (migration 6): whole minutes since the Unix
/// epoch widened by one minute each way, as `(lower, upper)`, clamped to 32 bits. A time that
/// does not parse gets the whole range, so it can only add candidates, never hide one.
fn window_minutes(time: &str) -> (i64, i64) {
    let clamp = |m: i64| m.clamp(i64::from(i32::MIN), i64::from(i32::MAX));
    match time.parse::<jiff::Timestamp>() {
        Ok(t) => {
            let minute = t.as_second().div_euclid(60);
            (clamp(minute - 1), clamp(minute + 1))
        }
        Err(_) => (i64::from(i32::MIN), i64::from(i32::MAX)),
    }
}

const AIR_OPERATION_COLUMNS: &str =
    "id, party, status, version, plan_json, window_start, window_end, leaf_index, updated";

fn agreement_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AgreementVersionRecord> {
    Ok(AgreementVersionRecord {
        hash: r.get(0)?,
        number: r.get(1)?,
        proposed_by: r.get(2)?,
        proposed_leaf: leaf(r.get(3)?),
        status: r.get(4)?,
        required_json: r.get(5)?,
        package_json: r.get(6)?,
        diff_json: r.get(7)?,
        in_force_leaf: leaf(r.get(8)?),
        created: r.get(9)?,
        countersignatures: Vec::new(),
    })
}

const AGREEMENT_COLUMNS: &str = "hash, number, proposed_by, proposed_leaf, status, required_json, \
     package_json, diff_json, in_force_leaf, created";

fn fill_alert(conn: &Connection, mut a: AlertRecord) -> Result<AlertRecord, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT member FROM alert_recipient WHERE alert_id = ?1 ORDER BY member")?;
    a.recipients = stmt
        .query_map(params![a.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT party, time FROM alert_ack WHERE alert_id = ?1 ORDER BY time, party",
    )?;
    a.acks = stmt
        .query_map(params![a.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(a)
}

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRecord> {
    Ok(AlertRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        severity: r.get(2)?,
        status: r.get(3)?,
        subject_json: r.get(4)?,
        detail_json: r.get(5)?,
        recipients: Vec::new(),
        acks: Vec::new(),
        leaf_index: leaf(r.get(6)?),
        created: r.get(7)?,
    })
}

impl StateRead for Connection {
    fn submission(&self, leaf_index: u64) -> Result<Option<SubmissionRecord>, StoreError> {
        Ok(self
            .prepare_cached(
                "SELECT leaf_index, kind, party, key_name, seq, claimed_time, received, restricted,
                     payload_json, salt, envelope_json, sig
                 FROM submission WHERE leaf_index = ?1",
            )?
            .query_row(params![leaf_index as i64], submission_row)
            .optional()?)
    }

    fn submission_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.query_row("SELECT count(*) FROM submission", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn air_operation(&self, id: &str) -> Result<Option<AirOperationRecord>, StoreError> {
        Ok(self
            .prepare_cached(&format!(
                "SELECT {AIR_OPERATION_COLUMNS} FROM air_operation WHERE id = ?1"
            ))?
            .query_row(params![id], air_operation_row)
            .optional()?)
    }

    fn air_operation_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .prepare_cached("SELECT 1 FROM air_operation WHERE id = ?1")?
            .query_row(params![id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn air_operations(
        &self,
        party: Option<&str>,
        active_only: bool,
    ) -> Result<Vec<AirOperationRecord>, StoreError> {
        let mut stmt = self.prepare_cached(&format!(
            "SELECT {AIR_OPERATION_COLUMNS} FROM air_operation
             WHERE (?1 IS NULL OR party = ?1) AND (?2 = 0 OR status <> 'cancelled') ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![party, active_only], air_operation_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn air_operations_overlapping(
        &self,
        exclude_party: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<AirOperationRecord>, StoreError> {
        // The R*Tree narrows to plans whose widened window meets [start, end]; the text
        // comparison then decides exactly, as it did before the R*Tree existed. A join, not
        // `rowid IN (subquery)`: the subquery made SQLite build and drop an ephemeral table on
        // every probe, on the writer's serial path. Each plan has at most one window entry
        // (`op_rowid` is the R*Tree's key), so the join yields each plan at most once.
        let (lo, _) = window_minutes(start);
        let (_, hi) = window_minutes(end);
        let mut stmt = self.prepare_cached(&format!(
            "SELECT {AIR_OPERATION_COLUMNS} FROM air_operation_window
               JOIN air_operation ON air_operation.rowid = air_operation_window.op_rowid
             WHERE end_min >= ?4 AND start_min <= ?5
               AND status <> 'cancelled' AND party <> ?1 AND window_start <= ?3
               AND window_end >= ?2 ORDER BY id"
        ))?;
        let rows = stmt.query_map(
            params![exclude_party, start, end, lo, hi],
            air_operation_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn tracks(&self, party: Option<&str>) -> Result<Vec<TrackRecord>, StoreError> {
        let mut stmt = self.prepare_cached(
            "SELECT aircraft_id, party, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, observed, batch_leaf
             FROM track_state WHERE (?1 IS NULL OR party = ?1) ORDER BY aircraft_id",
        )?;
        let rows = stmt.query_map(params![party], |r| {
            Ok(TrackRecord {
                aircraft_id: r.get(0)?,
                party: r.get(1)?,
                lat: r.get(2)?,
                lon: r.get(3)?,
                alt_ft: r.get(4)?,
                gs_kt: r.get(5)?,
                trk_deg: r.get(6)?,
                vs_fpm: r.get(7)?,
                observed: r.get(8)?,
                batch_leaf: r.get::<_, i64>(9)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn alerts(&self, audience: Option<&[String]>) -> Result<Vec<AlertRecord>, StoreError> {
        let base = "SELECT a.id, a.kind, a.severity, a.status, a.subject_json, r.detail_json,
                        a.leaf_index, a.created FROM alert a";
        let mut out = Vec::new();
        match audience {
            None => {
                let mut stmt = self.prepare(&format!(
                    "{base} LEFT JOIN alert_recipient r ON 0 ORDER BY a.id"
                ))?;
                for row in stmt.query_map([], alert_row)? {
                    out.push(fill_alert(self, row?)?);
                }
            }
            Some(members) => {
                let json = serde_json::to_string(members)
                    .map_err(|e| StoreError::Roster(e.to_string()))?;
                // One row per alert: the detail of the first matching recipient (a member's own
                // id sorts before a role name only by accident, so pick the non-null detail).
                let mut stmt = self.prepare(&format!(
                    "{base} JOIN alert_recipient r ON r.alert_id = a.id
                     WHERE r.member IN (SELECT value FROM json_each(?1))
                     ORDER BY a.id, r.detail_json IS NULL"
                ))?;
                let mut last = None;
                for row in stmt.query_map(params![json], alert_row)? {
                    let row = row?;
                    if last == Some(row.id) {
                        continue;
                    }
                    last = Some(row.id);
                    out.push(fill_alert(self, row)?);
                }
            }
        }
        Ok(out)
    }

    fn alert(&self, id: i64) -> Result<Option<AlertRecord>, StoreError> {
        let row = self
            .prepare_cached(
                "SELECT id, kind, severity, status, subject_json, NULL, leaf_index, created
                 FROM alert WHERE id = ?1",
            )?
            .query_row(params![id], alert_row)
            .optional()?;
        row.map(|a| fill_alert(self, a)).transpose()
    }

    fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        let mut stmt = self.prepare_cached(
            "SELECT id, topic, audience_json, body_json, leaf_index, time FROM event
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit], |r| {
            Ok(EventRecord {
                id: r.get(0)?,
                topic: r.get(1)?,
                audience_json: r.get(2)?,
                body_json: r.get(3)?,
                leaf_index: leaf(r.get(4)?),
                time: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn agreement_versions(&self) -> Result<Vec<AgreementVersionRecord>, StoreError> {
        let mut stmt = self.prepare(&format!(
            "SELECT {AGREEMENT_COLUMNS} FROM agreement_version ORDER BY number"
        ))?;
        let rows: Vec<AgreementVersionRecord> = stmt
            .query_map([], agreement_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|v| fill_countersignatures(self, v))
            .collect()
    }

    fn agreement_version(&self, hash: &str) -> Result<Option<AgreementVersionRecord>, StoreError> {
        let row = self
            .prepare(&format!(
                "SELECT {AGREEMENT_COLUMNS} FROM agreement_version WHERE hash = ?1"
            ))?
            .query_row(params![hash], agreement_row)
            .optional()?;
        row.map(|v| fill_countersignatures(self, v)).transpose()
    }
}

fn fill_countersignatures(
    conn: &Connection,
    mut v: AgreementVersionRecord,
) -> Result<AgreementVersionRecord, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT party, time FROM agreement_countersignature WHERE hash = ?1 ORDER BY leaf_index",
    )?;
    v.countersignatures = stmt
        .query_map(params![v.hash], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str, party: &str, version: u32, leaf: u64) -> AirOperationRecord {
        AirOperationRecord {
            id: id.into(),
            party: party.into(),
            status: "filed".into(),
            version,
            plan_json: "{}".into(),
            window_start: None,
            window_end: None,
            leaf_index: leaf,
            updated: "2016-09-17T10:00:00Z".into(),
        }
    }

    /// The R*Tree probe (migration 6) against a plain scan with the exact text filter, over
    /// plans filed, amended (window moved) and cancelled, with windows that touch at the second
    /// and fractional-second times: the same plans, in the same order.
    #[test]
    fn overlap_probe_matches_a_full_scan() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let base: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let at = |s: i64, nanos: i32| {
            base.checked_add(jiff::SignedDuration::new(s, nanos))
                .unwrap()
                .to_string()
        };
        let parties = ["us", "ru", "p1"];
        let tx = conn.transaction().unwrap();
        let mut versions = std::collections::HashMap::new();
        for i in 0..300u64 {
            let id = format!("op{}", next(120));
            let version = versions.entry(id.clone()).or_insert(0u32);
            *version += 1;
            let start = next(200_000) as i64;
            let len = [0, 1, 59, 60, 3_600, 90_000][next(6) as usize];
            let nanos = if next(4) == 0 { 500_000_000 } else { 0 };
            let mut rec = op(&id, parties[next(3) as usize], *version, i);
            rec.window_start = Some(at(start, nanos));
            rec.window_end = Some(at(start + len, 0));
            if next(10) == 0 {
                rec.status = "cancelled".into();
            }
            if next(20) == 0 {
                (rec.window_start, rec.window_end) = (None, None);
            }
            tx.put_air_operation(&rec, "file").unwrap();
        }
        tx.commit().unwrap();
        let mut scan = conn
            .prepare(&format!(
                "SELECT {AIR_OPERATION_COLUMNS} FROM air_operation
                 WHERE status <> 'cancelled' AND party <> ?1 AND window_start <= ?3
                   AND window_end >= ?2 ORDER BY id"
            ))
            .unwrap();
        let mut nonempty = 0;
        for _ in 0..400 {
            let party = parties[next(3) as usize];
            let start = next(200_000) as i64;
            let (from, until) = (at(start, 0), at(start + next(4_000) as i64, 0));
            let want: Vec<AirOperationRecord> = scan
                .query_map(params![party, from, until], air_operation_row)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let got = conn
                .air_operations_overlapping(party, &from, &until)
                .unwrap();
            assert_eq!(got, want, "probe {party} [{from}, {until}]");
            nonempty += usize::from(!want.is_empty());
        }
        assert!(nonempty > 50, "the probes must find plans ({nonempty})");
    }

    #[test]
    fn window_minutes_widen_and_clamp() {
        assert_eq!(window_minutes("1970-01-01T00:01:30Z"), (0, 2));
        assert_eq!(window_minutes("1969-12-31T23:59:30Z"), (-2, 0));
        assert_eq!(
            window_minutes("7000-01-01T00:00:00Z"),
            (i64::from(i32::MAX), i64::from(i32::MAX))
        );
        assert_eq!(
            window_minutes("not a time"),
            (i64::from(i32::MIN), i64::from(i32::MAX))
        );
    }

    #[test]
    fn sequences_air_operations_and_history() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        assert_eq!(tx.last_seq("us").unwrap(), None);
        tx.set_seq("us", 7).unwrap();
        tx.set_seq("us", 9).unwrap();
        assert_eq!(tx.last_seq("us").unwrap(), Some(9));
        tx.put_air_operation(&op("a1", "us", 1, 3), "file").unwrap();
        let mut cancelled = op("a1", "us", 2, 4);
        cancelled.status = "cancelled".into();
        tx.put_air_operation(&cancelled, "cancel").unwrap();
        tx.put_air_operation(&op("b1", "ru", 1, 5), "file").unwrap();
        // The filing path's insert: a fresh id stores its row, window and history like
        // `put_air_operation`; an id that exists is refused rather than overwritten.
        assert!(!tx.air_operation_exists("c1").unwrap());
        let mut fresh = op("c1", "ua", 1, 6);
        fresh.window_start = Some("2016-09-17T10:00:00Z".into());
        fresh.window_end = Some("2016-09-17T11:00:00Z".into());
        tx.insert_new_air_operation(&fresh, "file").unwrap();
        assert!(tx.air_operation_exists("c1").unwrap());
        assert!(
            tx.insert_new_air_operation(&op("c1", "ua", 1, 7), "file")
                .is_err()
        );
        assert_eq!(tx.air_operation("c1").unwrap().unwrap().leaf_index, 6);
        let windows: i64 = tx
            .query_row("SELECT count(*) FROM air_operation_window", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(windows, 1);
        tx.commit().unwrap();
        assert_eq!(conn.air_operations(None, true).unwrap().len(), 2);
        assert_eq!(
            conn.air_operations(Some("us"), false).unwrap()[0].version,
            2
        );
        let versions: i64 = conn
            .query_row(
                "SELECT count(*) FROM air_operation_version WHERE id = 'a1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(versions, 2);
    }

    #[test]
    fn alerts_are_deduplicated_filtered_and_acknowledged() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        let alert = NewAlert {
            kind: "track_conflict".into(),
            severity: "critical".into(),
            dedupe_key: Some("A|B".into()),
            subject_json: "{}".into(),
            recipients: vec![
                ("us".into(), Some("{\"leg\":1}".into())),
                ("ru".into(), None),
                ("monitor".into(), None),
            ],
            leaf_index: Some(1),
            created: "2016-09-17T10:00:00Z".into(),
        };
        let id = tx.insert_alert(&alert).unwrap().unwrap();
        assert_eq!(tx.insert_alert(&alert).unwrap(), None);
        assert!(!tx.ack_alert(id + 1, "us", None, 2, "t").unwrap());
        assert!(tx.ack_alert(id, "us", Some("seen"), 2, "t").unwrap());
        assert!(!tx.ack_alert(id, "us", Some("again"), 3, "t").unwrap());
        tx.commit().unwrap();
        let us = conn.alerts(Some(&["us".to_owned()])).unwrap();
        assert_eq!(us.len(), 1);
        assert_eq!(us[0].detail_json.as_deref(), Some("{\"leg\":1}"));
        assert_eq!(us[0].status, "acknowledged");
        assert_eq!(us[0].acks, vec![("us".to_owned(), "t".to_owned())]);
        assert!(
            conn.alerts(Some(&["ocha".to_owned(), "humanitarian".to_owned()]))
                .unwrap()
                .is_empty()
        );
        assert_eq!(conn.alerts(None).unwrap().len(), 1);
    }

    #[test]
    fn events_resume_after_an_id() {
        let mut conn = crate::db::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for i in 0..5 {
            tx.insert_event("t", "[]", &format!("{{\"i\":{i}}}"), None, "now")
                .unwrap();
        }
        tx.commit().unwrap();
        let after = conn.events_after(2, 10).unwrap();
        assert_eq!(
            after.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
    }
}
