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

// `temp_store = MEMORY`: the submit path's writer opens a savepoint per submission, and SQLite
// keeps the savepoints' statement journal in a temporary file once it outgrows 64 KiB — a group
// commit of thousands of submissions did, and paid a `pwrite` per page touched. The journal is
// only needed until the transaction ends, so memory is the right place for it. `cache_size`
// (32 MiB per connection) keeps the indexes the writer touches resident between groups.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    // `journal_mode` answers with a row, so it goes through query_row rather than execute.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    // rusqlite keeps 16 prepared statements by default; the writer alone cycles through more
    // than that per group (log, sequence, every kind's state writes), and an evicted statement
    // is parsed and planned again on its next use.
    conn.set_prepared_statement_cache_capacity(256);
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32768;",
    )?;
    Ok(())
}
