//! Opening the SQLite database with the durability settings jic relies on.
//!
//! An acknowledged write must survive `kill -9` and power loss, so the database runs in WAL mode
//! with `synchronous = FULL`: every commit is fsync'd before it returns. Throughput comes from
//! batching many submissions into one transaction (group commit), not from weaker settings.

use std::path::Path;

use rusqlite::Connection;

use crate::{StoreError, migrations};

/// Opens (creating if needed) the database at `path`, applies durability pragmas and brings the
/// schema up to date.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// Opens an in-memory database with the same schema, for tests and offline tools.
pub fn open_in_memory() -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // `journal_mode` answers with a row, so it goes through query_row rather than execute.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}
