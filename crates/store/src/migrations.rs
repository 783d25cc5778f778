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
