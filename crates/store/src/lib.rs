//! Persistence for a jic deployment: the data directory, the SQLite log and state tables,
//! and their migrations.

pub mod datadir;
pub mod db;
pub mod log;
pub mod migrations;
pub mod protect;
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
    /// The ledger refused something (a malformed entry, key, checkpoint or proof request).
    #[error(transparent)]
    Ledger(#[from] jic_ledger::LedgerError),
    /// A log operation could not be carried out (e.g. a cosignature for an unknown checkpoint).
    #[error("log: {0}")]
    Log(String),
    /// Stored log data is inconsistent (a missing tile, a malformed hash): the database was
    /// damaged or edited.
    #[error("corrupt log storage: {0}")]
    Corrupt(String),
    /// A file in the data directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
