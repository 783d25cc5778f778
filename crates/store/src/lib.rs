//! Persistence for a jic deployment: the data directory, the SQLite log and state tables,
//! and their migrations.
