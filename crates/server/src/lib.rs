//! The jic service: the one submit path, the HTTP API, need-to-know filtering, live events
//! and the embedded dashboard.
