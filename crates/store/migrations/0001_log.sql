-- The transparency log's storage. Owned by the ledger work (issue #3); see crates/store/src/log.rs.
-- Placeholder table so the migration runner has something to apply; the log work replaces this
-- file's contents before any release (no database has been shipped with it yet).
CREATE TABLE IF NOT EXISTS schema_note (note TEXT NOT NULL);
