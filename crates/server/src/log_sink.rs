//! The log as the submit path's writer sees it: append a leaf inside the writer's transaction.
//!
//! Appends happen inside the writer's transaction and under a per-submission savepoint, so an
//! implementation must not cache the size across a rollback: [`LogSink::size`] reads it from
//! the transaction.

use rusqlite::{Connection, Transaction};

/// Appending to the transparency log inside a caller's transaction.
pub trait LogSink: Send + 'static {
    /// The number of leaves in the log including any appended in the current, uncommitted
    /// transaction (the next leaf's index).
    fn size(&mut self, conn: &Connection) -> Result<u64, String>;
    /// Appends a leaf inside `tx` and returns its index.
    fn append(
        &mut self,
        tx: &Transaction<'_>,
        entry: &[u8],
        received: jiff::Timestamp,
    ) -> Result<u64, String>;
    /// The transaction with the appended leaves committed.
    fn committed(&mut self) {}
    /// The transaction was rolled back: forget any cached size.
    fn rolled_back(&mut self) {}
}

/// The store's transparency log ([`jic_store::log`]): leaves appended in the writer's
/// transaction, integrated into the tree and checkpointed by a background task.
#[derive(Debug, Default)]
pub struct StoreLog;

impl LogSink for StoreLog {
    fn size(&mut self, conn: &Connection) -> Result<u64, String> {
        jic_store::log::size(conn).map_err(|e| e.to_string())
    }

    fn append(
        &mut self,
        tx: &Transaction<'_>,
        entry: &[u8],
        received: jiff::Timestamp,
    ) -> Result<u64, String> {
        jic_store::log::append(tx, entry, received).map_err(|e| e.to_string())
    }
}
