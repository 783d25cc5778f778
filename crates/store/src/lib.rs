//! Persistence for a jic deployment: the data directory, the SQLite log and state tables,
//! and their migrations.

pub mod db;
pub mod migrations;
pub mod roster;
pub mod state;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer jic than this one.
    #[error(
        "the database is at schema version {found}, newer than this jic understands ({known}); \
         upgrade jic or use a data directory made by this version"
    )]
    SchemaTooNew {
        /// The version recorded in the database.
        found: i64,
        /// The highest version this build knows.
        known: i64,
    },
    /// The roster file or tables are inconsistent.
    #[error("roster: {0}")]
    Roster(String),
}
