//! Embedded, versioned schema migrations.
//!
//! Each migration is an SQL file under `crates/store/migrations/`, applied once, in order, inside
//! one transaction with the bump of `PRAGMA user_version`. Migrations are never edited after they
//! ship: a change to the schema is a new file with the next version number.

use rusqlite::Connection;

use crate::StoreError;

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The schema version this migration brings the database to (1, 2, 3, … without gaps).
    pub version: i64,
    /// A short name, for logs.
    pub name: &'static str,
    /// The SQL to run.
    pub sql: &'static str,
}

/// Every migration this build knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "log",
        sql: include_str!("../migrations/0001_log.sql"),
    },
    Migration {
        version: 2,
        name: "state",
        sql: include_str!("../migrations/0002_state.sql"),
    },
    Migration {
        version: 3,
        name: "roster_keys_by_verifier",
        sql: include_str!("../migrations/0003_roster_keys_by_verifier.sql"),
    },
    Migration {
        version: 4,
        name: "air_operation_window",
        sql: include_str!("../migrations/0004_air_operation_window.sql"),
    },
    Migration {
        version: 5,
        name: "air_operation_overlap_index",
        sql: include_str!("../migrations/0005_air_operation_overlap_index.sql"),
    },
    Migration {
        version: 6,
        name: "air_operation_window_rtree",
        sql: include_str!("../migrations/0006_air_operation_window_rtree.sql"),
    },
    Migration {
        version: 7,
        name: "submission_from_the_log",
        sql: include_str!("../migrations/0007_submission_from_the_log.sql"),
    },
    Migration {
        version: 8,
        name: "strike_review_version",
        sql: include_str!("../migrations/0008_strike_review_version.sql"),
    },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies every migration newer than the database's `user_version`.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = latest_version();
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        // `user_version` cannot take a bound parameter; the value is our own constant.
        tx.execute_batch(&format!("PRAGMA user_version = {}", migration.version))?;
        tx.commit()?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_contiguous_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version,
                i as i64 + 1,
                "migration {} is out of sequence",
                m.name
            );
        }
    }

    #[test]
    fn migrating_twice_is_a_no_op_and_records_the_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
    }

    /// Migration 7 keeps what the old `submission` table answered, now read from the log.
    #[test]
    fn submissions_stored_before_migration_7_read_the_same_after_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version < 7) {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 6").unwrap();
        let entry = r#"{"envelope":{"key":"us+0a1b2c3d+AAAA","kind":"note","party":"us","payload":{"a":[1,2.5,"x"]},"seq":4,"time":"2016-09-17T10:00:00Z","v":1},"received":"2016-09-17T10:00:01Z","sig":"c2ln","type":"submission"}"#;
        conn.execute(
            "INSERT INTO log_leaf (idx, entry, leaf_hash, received)
             VALUES (0, CAST(?1 AS BLOB), x'00', '2016-09-17T10:00:01Z')",
            [entry],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO submission VALUES (0, 'note', 'us', 'us', 4, '2016-09-17T10:00:00Z',
                 '2016-09-17T10:00:01Z', 0, '{\"a\":[1,2.5,\"x\"]}', NULL, '{}', 'c2ln')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (
            i64,
            String,
            String,
            String,
            i64,
            String,
            String,
            bool,
            String,
            String,
        ) = conn
            .query_row(
                "SELECT leaf_index, kind, party, key_name, seq, claimed_time, received, restricted,
                        payload_json, sig FROM submission WHERE kind = 'note'",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(
            row,
            (
                0,
                "note".into(),
                "us".into(),
                "us".into(),
                4,
                "2016-09-17T10:00:00Z".into(),
                "2016-09-17T10:00:01Z".into(),
                false,
                r#"{"a":[1,2.5,"x"]}"#.into(),
                "c2ln".into()
            )
        );
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 999").unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 999, .. }),
            "{err}"
        );
    }
}
