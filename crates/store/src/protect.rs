//! The humanitarian and strike tables (issue #6): notifications and their recipients,
//! acknowledgments, sealed-site checks, strike notices, reviews, stop requests, suspensions —
//! and the reads the server's protect engine replays from.
//!
//! Two traits, like `state`: [`ProtectWrite`] inside the writer's transaction and
//! [`ProtectRead`] on any connection. Both are implemented on [`rusqlite::Connection`] (a
//! `Transaction` dereferences to one), so a PostgreSQL backend implements the same two traits.
//! The tables are created by `migrations/0002_state.sql`.
//!
//! Instants are RFC 3339 strings as the server writes them; JSON bodies are stored as text and
//! interpreted by the caller (the store does not know the wire format).

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// A notification version to store (insert, or replace the current one on amendment).
#[derive(Debug, Clone, Copy)]
pub struct NotificationUpsert<'a> {
    /// `notifier/id`.
    pub id: &'a str,
    /// The notifying organisation.
    pub org: &'a str,
    /// `site` or `movement`.
    pub kind: &'a str,
    /// `shared` or `sealed`.
    pub disclosure: &'a str,
    /// The version.
    pub version: u32,
    /// The payload as filed (JSON).
    pub body_json: &'a str,
    /// Start of validity (a site's `valid_from`, a movement's window start).
    pub valid_from: Option<&'a str>,
    /// End of validity.
    pub valid_until: Option<&'a str>,
    /// Acknowledgment deadline of this version.
    pub ack_deadline: &'a str,
    /// Recipients who must acknowledge.
    pub recipients: &'a [String],
    /// The submission's leaf.
    pub leaf_index: u64,
    /// Receipt time.
    pub updated: &'a str,
}

/// A strike notice version to store (insert on filing, update on amendment).
#[derive(Debug, Clone, Copy)]
pub struct StrikeNoticeRow<'a> {
    /// The filer's id.
    pub id: &'a str,
    /// The filing party.
    pub party: &'a str,
    /// The air operation it names.
    pub air_operation: Option<&'a str>,
    /// The verdict now (`clear`, `not_cleared`, `conflict`).
    pub status: &'a str,
    /// The full assessment (JSON).
    pub verdict_json: &'a str,
    /// `{"notice", "prelude", "preludes"?, "version"?}` (JSON).
    pub body_json: &'a str,
    /// Window start.
    pub window_start: Option<&'a str>,
    /// Window end.
    pub window_end: Option<&'a str>,
    /// Review deadline.
    pub review_deadline: &'a str,
    /// The leaf of the filing (kept on amendment: the notice's identity in the log).
    pub leaf_index: u64,
    /// Receipt time.
    pub updated: &'a str,
}

/// One stored submission or tick the protect engine replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectLogRow {
    /// Its leaf.
    pub leaf_index: i64,
    /// Submission kind, or the tick's decision kind.
    pub kind: String,
    /// Submitting party (empty for a tick).
    pub party: String,
    /// Receipt time.
    pub received: String,
    /// The payload (restricted plaintext included), `None` for a tick.
    pub payload_json: Option<String>,
}

/// A stored notification (current version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// `notifier/id`.
    pub id: String,
    /// The notifying organisation.
    pub org: String,
    /// `site` or `movement`.
    pub kind: String,
    /// `shared` or `sealed`.
    pub disclosure: String,
    /// `active` or `withdrawn` (expiry is judged by the reader's clock).
    pub status: String,
    /// Current version.
    pub version: i64,
    /// The payload as filed (JSON).
    pub body_json: String,
    /// Acknowledgment deadline of the current version.
    pub ack_deadline: Option<String>,
    /// Last change.
    pub updated: String,
}

/// A stored receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgmentRecord {
    /// Who.
    pub party: String,
    /// Which version.
    pub version: i64,
    /// Receipt time.
    pub time: String,
}

/// A stored strike notice (current version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrikeNoticeRecord {
    /// The filer's id.
    pub id: String,
    /// The filing party.
    pub party: String,
    /// Status now.
    pub status: String,
    /// The full assessment (JSON).
    pub verdict_json: Option<String>,
    /// `{"notice", "prelude", …}` (JSON).
    pub body_json: String,
    /// Review deadline.
    pub review_deadline: Option<String>,
    /// Receipt time of the filing.
    pub received: Option<String>,
}

/// A stored concurrence or objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrikeReviewRecord {
    /// Who.
    pub party: String,
    /// `concur` or `object`.
    pub stance: String,
    /// Why (objections).
    pub reason: Option<String>,
    /// Receipt time.
    pub time: String,
    /// The notice version this answer was given to (1 when filed, +1 per amendment).
    pub notice_version: i64,
    /// Whether it answers the notice's current version; an amendment reopens the review, so
    /// answers to earlier versions are history, not concurrence.
    pub current: bool,
}

/// A stored stop request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequestRecord {
    /// Who asked.
    pub party: String,
    /// Why.
    pub reason: Option<String>,
    /// Receipt time.
    pub time: String,
    /// Its leaf.
    pub leaf_index: i64,
    /// The leaf of the filer's acknowledgment, once given.
    pub acknowledged_leaf: Option<i64>,
}

/// A stored suspension or resumption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspensionRecord {
    /// The sponsor.
    pub party: String,
    /// `suspend` or `resume`.
    pub action: String,
    /// Why.
    pub reason: Option<String>,
    /// Receipt time.
    pub time: String,
}

fn leaf(i: u64) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

fn in_list(kinds: &[&str]) -> String {
    // Kinds are the server's own constants; placeholders would need a dynamic arity.
    kinds
        .iter()
        .map(|k| format!("'{}'", k.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes of the protect engine, inside the writer's transaction.
pub trait ProtectWrite {
    /// Inserts a notification or replaces its current version, with its recipients.
    fn upsert_notification(&self, n: &NotificationUpsert<'_>) -> Result<(), StoreError>;
    /// Marks a notification withdrawn.
    fn withdraw_notification(
        &self,
        id: &str,
        leaf_index: u64,
        updated: &str,
    ) -> Result<(), StoreError>;
    /// Records a signed receipt.
    fn insert_acknowledgment(
        &self,
        notification: &str,
        version: u32,
        party: &str,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError>;
    /// Records a check against sealed sites (who asked, about what, the band answered).
    fn insert_sealed_check(
        &self,
        asker: &str,
        subject_kind: &str,
        subject_id: Option<&str>,
        band: &str,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError>;
    /// Records a new strike notice.
    fn insert_strike_notice(&self, n: &StrikeNoticeRow<'_>) -> Result<(), StoreError>;
    /// Replaces a strike notice's current version (its filing leaf stays).
    fn amend_strike_notice(&self, n: &StrikeNoticeRow<'_>) -> Result<(), StoreError>;
    /// Sets a strike notice's status (after review, lapse or withdrawal).
    fn set_strike_notice_status(
        &self,
        id: &str,
        status: &str,
        updated: &str,
    ) -> Result<(), StoreError>;
    /// Records a concurrence or objection.
    fn insert_strike_review(
        &self,
        notice: &str,
        party: &str,
        stance: &str,
        reason: Option<&str>,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError>;
    /// Records a stop request.
    fn insert_stop_request(
        &self,
        notice: &str,
        party: &str,
        reason: Option<&str>,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError>;
    /// Records the filer's acknowledgment of stop request `number` (1-based) of a notice.
    fn acknowledge_stop_request(
        &self,
        notice: &str,
        number: u32,
        leaf_index: u64,
    ) -> Result<(), StoreError>;
    /// Records a suspension or resumption (`action`: `suspend` | `resume`).
    fn insert_suspension(
        &self,
        leaf_index: u64,
        party: &str,
        action: &str,
        reason: Option<&str>,
        time: &str,
    ) -> Result<(), StoreError>;
}

impl ProtectWrite for Connection {
    fn upsert_notification(&self, n: &NotificationUpsert<'_>) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO humanitarian_notification (id, org, kind, disclosure, status,
                 version, body_json, valid_from, valid_until, ack_deadline, leaf_index, updated)
             VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(id) DO UPDATE SET disclosure = excluded.disclosure,
                 version = excluded.version, body_json = excluded.body_json,
                 valid_from = excluded.valid_from, valid_until = excluded.valid_until,
                 ack_deadline = excluded.ack_deadline, leaf_index = excluded.leaf_index,
                 updated = excluded.updated",
            params![
                n.id,
                n.org,
                n.kind,
                n.disclosure,
                n.version,
                n.body_json,
                n.valid_from,
                n.valid_until,
                n.ack_deadline,
                leaf(n.leaf_index),
                n.updated
            ],
        )?;
        self.execute(
            "DELETE FROM notification_recipient WHERE notification_id = ?1",
            [n.id],
        )?;
        for r in n.recipients {
            self.execute(
                "INSERT INTO notification_recipient (notification_id, party) VALUES (?1, ?2)",
                params![n.id, r],
            )?;
        }
        Ok(())
    }

    fn withdraw_notification(
        &self,
        id: &str,
        leaf_index: u64,
        updated: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE humanitarian_notification SET status = 'withdrawn', leaf_index = ?2,
                 updated = ?3 WHERE id = ?1",
            params![id, leaf(leaf_index), updated],
        )?;
        Ok(())
    }

    fn insert_acknowledgment(
        &self,
        notification: &str,
        version: u32,
        party: &str,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO acknowledgment (notification_id, version, party, leaf_index, time)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![notification, version, party, leaf(leaf_index), time],
        )?;
        Ok(())
    }

    fn insert_sealed_check(
        &self,
        asker: &str,
        subject_kind: &str,
        subject_id: Option<&str>,
        band: &str,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO sealed_check (asker, subject_kind, subject_id, result_band, leaf_index, time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![asker, subject_kind, subject_id, band, leaf(leaf_index), time],
        )?;
        Ok(())
    }

    fn insert_strike_notice(&self, n: &StrikeNoticeRow<'_>) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO strike_notice (id, party, air_operation_id, status, verdict_json,
                 body_json, window_start, window_end, review_deadline, leaf_index, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                n.id,
                n.party,
                n.air_operation,
                n.status,
                n.verdict_json,
                n.body_json,
                n.window_start,
                n.window_end,
                n.review_deadline,
                leaf(n.leaf_index),
                n.updated
            ],
        )?;
        Ok(())
    }

    fn amend_strike_notice(&self, n: &StrikeNoticeRow<'_>) -> Result<(), StoreError> {
        self.execute(
            "UPDATE strike_notice SET air_operation_id = ?2, status = ?3, verdict_json = ?4,
                 body_json = ?5, window_start = ?6, window_end = ?7, review_deadline = ?8,
                 updated = ?9 WHERE id = ?1",
            params![
                n.id,
                n.air_operation,
                n.status,
                n.verdict_json,
                n.body_json,
                n.window_start,
                n.window_end,
                n.review_deadline,
                n.updated
            ],
        )?;
        Ok(())
    }

    fn set_strike_notice_status(
        &self,
        id: &str,
        status: &str,
        updated: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE strike_notice SET status = ?2, updated = ?3 WHERE id = ?1",
            params![id, status, updated],
        )?;
        Ok(())
    }

    fn insert_strike_review(
        &self,
        notice: &str,
        party: &str,
        stance: &str,
        reason: Option<&str>,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO strike_review
                 (notice_id, party, stance, reason, leaf_index, time, notice_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                 (SELECT COALESCE(json_extract(body_json, '$.version'), 1)
                  FROM strike_notice WHERE id = ?1))",
            params![notice, party, stance, reason, leaf(leaf_index), time],
        )?;
        Ok(())
    }

    fn insert_stop_request(
        &self,
        notice: &str,
        party: &str,
        reason: Option<&str>,
        leaf_index: u64,
        time: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO stop_request (notice_id, party, reason, leaf_index, time)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![notice, party, reason, leaf(leaf_index), time],
        )?;
        Ok(())
    }

    fn acknowledge_stop_request(
        &self,
        notice: &str,
        number: u32,
        leaf_index: u64,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE stop_request SET answered_leaf = ?3 WHERE id = (
                 SELECT id FROM stop_request WHERE notice_id = ?1 ORDER BY id
                 LIMIT 1 OFFSET ?2)",
            params![notice, i64::from(number.max(1)) - 1, leaf(leaf_index)],
        )?;
        Ok(())
    }

    fn insert_suspension(
        &self,
        leaf_index: u64,
        party: &str,
        action: &str,
        reason: Option<&str>,
        time: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO suspension (leaf_index, party, action, reason, time)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![leaf(leaf_index), party, action, reason, time],
        )?;
        Ok(())
    }
}

/// Reads of the protect engine.
pub trait ProtectRead {
    /// Count and highest leaf of the submissions of `kinds` and the decisions of kind `tick`
    /// below leaf `below`: what a cached fold is checked against.
    fn protect_fingerprint(
        &self,
        kinds: &[&str],
        tick: &str,
        below: u64,
    ) -> Result<(u64, i64), StoreError>;
    /// The submissions of `kinds` and the decisions of kind `tick` below leaf `below`, in leaf
    /// order: what the engine replays.
    fn protect_log(
        &self,
        kinds: &[&str],
        tick: &str,
        below: u64,
    ) -> Result<Vec<ProtectLogRow>, StoreError>;
    /// The stored body of the strike notice filed at `leaf_index`.
    fn strike_notice_body_at(&self, leaf_index: u64) -> Result<Option<String>, StoreError>;
    /// The stored body of strike notice `id`.
    fn strike_notice_body(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// The party that filed strike notice `id`.
    fn strike_notice_party(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// The hash of the agreement version in force.
    fn agreement_hash_in_force(&self) -> Result<Option<String>, StoreError>;
    /// Every notification, by id.
    fn notifications(&self) -> Result<Vec<NotificationRecord>, StoreError>;
    /// A notification's recipients, sorted.
    fn notification_recipients(&self, id: &str) -> Result<Vec<String>, StoreError>;
    /// A notification's receipts, in log order.
    fn acknowledgments(&self, id: &str) -> Result<Vec<AcknowledgmentRecord>, StoreError>;
    /// Every strike notice, in filing order.
    fn strike_notices(&self) -> Result<Vec<StrikeNoticeRecord>, StoreError>;
    /// One strike notice.
    fn strike_notice(&self, id: &str) -> Result<Option<StrikeNoticeRecord>, StoreError>;
    /// A notice's reviews, in log order.
    fn strike_reviews(&self, id: &str) -> Result<Vec<StrikeReviewRecord>, StoreError>;
    /// A notice's stop requests, in order.
    fn stop_requests(&self, id: &str) -> Result<Vec<StopRequestRecord>, StoreError>;
    /// Every suspension and resumption, in log order.
    fn suspensions(&self) -> Result<Vec<SuspensionRecord>, StoreError>;
}

const NOTICE_COLUMNS: &str = "SELECT n.id, n.party, n.status, n.verdict_json, n.body_json,
    n.review_deadline, s.received
    FROM strike_notice n LEFT JOIN submission s ON s.leaf_index = n.leaf_index";

fn notice_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<StrikeNoticeRecord> {
    Ok(StrikeNoticeRecord {
        id: r.get(0)?,
        party: r.get(1)?,
        status: r.get(2)?,
        verdict_json: r.get(3)?,
        body_json: r.get(4)?,
        review_deadline: r.get(5)?,
        received: r.get(6)?,
    })
}

/// Every row `sql` answers for `params`, each read by `record`, in the query's order.
fn all_rows<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    record: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, record)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The text in the first column of the row `sql` answers for `params`, if there is one.
fn one_text<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row(sql, params, |r| r.get(0)).optional()?)
}

fn log_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProtectLogRow> {
    Ok(ProtectLogRow {
        leaf_index: r.get(0)?,
        kind: r.get(1)?,
        party: r.get(2)?,
        received: r.get(3)?,
        payload_json: r.get(4)?,
    })
}

fn notification_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<NotificationRecord> {
    Ok(NotificationRecord {
        id: r.get(0)?,
        org: r.get(1)?,
        kind: r.get(2)?,
        disclosure: r.get(3)?,
        status: r.get(4)?,
        version: r.get(5)?,
        body_json: r.get(6)?,
        ack_deadline: r.get(7)?,
        updated: r.get(8)?,
    })
}

fn acknowledgment_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<AcknowledgmentRecord> {
    Ok(AcknowledgmentRecord {
        party: r.get(0)?,
        version: r.get(1)?,
        time: r.get(2)?,
    })
}

fn review_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<StrikeReviewRecord> {
    Ok(StrikeReviewRecord {
        party: r.get(0)?,
        stance: r.get(1)?,
        reason: r.get(2)?,
        time: r.get(3)?,
        notice_version: r.get(4)?,
        current: r.get::<_, Option<bool>>(5)?.unwrap_or(false),
    })
}

fn stop_request_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<StopRequestRecord> {
    Ok(StopRequestRecord {
        party: r.get(0)?,
        reason: r.get(1)?,
        time: r.get(2)?,
        leaf_index: r.get(3)?,
        acknowledged_leaf: r.get(4)?,
    })
}

fn suspension_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<SuspensionRecord> {
    Ok(SuspensionRecord {
        party: r.get(0)?,
        action: r.get(1)?,
        reason: r.get(2)?,
        time: r.get(3)?,
    })
}

impl ProtectRead for Connection {
    fn protect_fingerprint(
        &self,
        kinds: &[&str],
        tick: &str,
        below: u64,
    ) -> Result<(u64, i64), StoreError> {
        let q = format!(
            "SELECT count(*), coalesce(max(leaf_index), -1) FROM (
                SELECT leaf_index FROM submission WHERE kind IN ({}) AND leaf_index < ?1
                UNION ALL SELECT leaf_index FROM decision WHERE kind = ?2 AND leaf_index < ?1)",
            in_list(kinds)
        );
        Ok(self.query_row(&q, params![leaf(below), tick], |r| {
            Ok((
                u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                r.get::<_, i64>(1)?,
            ))
        })?)
    }

    fn protect_log(
        &self,
        kinds: &[&str],
        tick: &str,
        below: u64,
    ) -> Result<Vec<ProtectLogRow>, StoreError> {
        let q = format!(
            "SELECT leaf_index, kind, party, received, payload_json FROM submission
               WHERE kind IN ({}) AND leaf_index < ?1
             UNION ALL
             SELECT leaf_index, kind, '', created, NULL FROM decision
               WHERE kind = ?2 AND leaf_index < ?1
             ORDER BY leaf_index",
            in_list(kinds)
        );
        all_rows(self, &q, params![leaf(below), tick], log_row)
    }

    fn strike_notice_body_at(&self, leaf_index: u64) -> Result<Option<String>, StoreError> {
        one_text(
            self,
            "SELECT body_json FROM strike_notice WHERE leaf_index = ?1",
            [leaf(leaf_index)],
        )
    }

    fn strike_notice_body(&self, id: &str) -> Result<Option<String>, StoreError> {
        one_text(
            self,
            "SELECT body_json FROM strike_notice WHERE id = ?1",
            [id],
        )
    }

    fn strike_notice_party(&self, id: &str) -> Result<Option<String>, StoreError> {
        one_text(self, "SELECT party FROM strike_notice WHERE id = ?1", [id])
    }

    fn agreement_hash_in_force(&self) -> Result<Option<String>, StoreError> {
        one_text(
            self,
            "SELECT hash FROM agreement_version WHERE status = 'in_force'
             ORDER BY number DESC LIMIT 1",
            [],
        )
    }

    fn notifications(&self) -> Result<Vec<NotificationRecord>, StoreError> {
        all_rows(
            self,
            "SELECT id, org, kind, disclosure, status, version, body_json, ack_deadline, updated
             FROM humanitarian_notification ORDER BY id",
            [],
            notification_record,
        )
    }

    fn notification_recipients(&self, id: &str) -> Result<Vec<String>, StoreError> {
        all_rows(
            self,
            "SELECT party FROM notification_recipient WHERE notification_id = ?1 ORDER BY party",
            [id],
            |r| r.get(0),
        )
    }

    fn acknowledgments(&self, id: &str) -> Result<Vec<AcknowledgmentRecord>, StoreError> {
        all_rows(
            self,
            "SELECT party, version, time FROM acknowledgment WHERE notification_id = ?1
             ORDER BY leaf_index",
            [id],
            acknowledgment_record,
        )
    }

    fn strike_notices(&self) -> Result<Vec<StrikeNoticeRecord>, StoreError> {
        all_rows(
            self,
            &format!("{NOTICE_COLUMNS} ORDER BY n.leaf_index"),
            [],
            notice_record,
        )
    }

    fn strike_notice(&self, id: &str) -> Result<Option<StrikeNoticeRecord>, StoreError> {
        Ok(self
            .query_row(
                &format!("{NOTICE_COLUMNS} WHERE n.id = ?1"),
                [id],
                notice_record,
            )
            .optional()?)
    }

    fn strike_reviews(&self, id: &str) -> Result<Vec<StrikeReviewRecord>, StoreError> {
        all_rows(
            self,
            "SELECT r.party, r.stance, r.reason, r.time, r.notice_version,
                 r.notice_version = COALESCE(json_extract(n.body_json, '$.version'), 1)
             FROM strike_review r LEFT JOIN strike_notice n ON n.id = r.notice_id
             WHERE r.notice_id = ?1 ORDER BY r.leaf_index",
            [id],
            review_record,
        )
    }

    fn stop_requests(&self, id: &str) -> Result<Vec<StopRequestRecord>, StoreError> {
        all_rows(
            self,
            "SELECT party, reason, time, leaf_index, answered_leaf FROM stop_request
             WHERE notice_id = ?1 ORDER BY id",
            [id],
            stop_request_record,
        )
    }

    fn suspensions(&self) -> Result<Vec<SuspensionRecord>, StoreError> {
        all_rows(
            self,
            "SELECT party, action, reason, time FROM suspension ORDER BY leaf_index",
            [],
            suspension_record,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        crate::migrations::migrate(&mut conn).unwrap_or_else(|e| panic!("{e}"));
        conn
    }

    #[test]
    fn a_strike_notice_round_trips_and_amendment_keeps_its_filing_leaf() {
        let conn = db();
        let row = StrikeNoticeRow {
            id: "n1",
            party: "us",
            air_operation: Some("op"),
            status: "clear",
            verdict_json: "{}",
            body_json: "{\"v\":1}",
            window_start: Some("2016-09-16T08:00:00Z"),
            window_end: Some("2016-09-16T08:30:00Z"),
            review_deadline: "2016-09-16T07:30:00Z",
            leaf_index: 7,
            updated: "2016-09-16T07:00:00Z",
        };
        conn.insert_strike_notice(&row)
            .unwrap_or_else(|e| panic!("{e}"));
        conn.amend_strike_notice(&StrikeNoticeRow {
            body_json: "{\"v\":2}",
            status: "conflict",
            leaf_index: 9,
            ..row
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            conn.strike_notice_body_at(7)
                .unwrap_or_else(|e| panic!("{e}")),
            Some("{\"v\":2}".to_owned())
        );
        assert_eq!(
            conn.strike_notice_body_at(9)
                .unwrap_or_else(|e| panic!("{e}")),
            None
        );
        conn.set_strike_notice_status("n1", "withdrawn", "2016-09-16T07:10:00Z")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            conn.strike_notice_party("n1")
                .unwrap_or_else(|e| panic!("{e}")),
            Some("us".to_owned())
        );
        assert_eq!(
            conn.protect_fingerprint(&["strike.notice"], "protect.tick", 100)
                .unwrap_or_else(|e| panic!("{e}")),
            (0, -1)
        );
    }
}
