//! Benchmarks live in `benches/`; this library is intentionally empty so the crate can host them.
