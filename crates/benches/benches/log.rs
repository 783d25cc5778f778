//! Transparency log benchmarks: durable group-commit appends against one fsync per entry,
//! proof generation from stored tiles, proof and signature verification.

#![allow(
    clippy::unwrap_used,
    reason = "benchmarks: a failure is a broken setup"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jic_ledger::envelope::{Envelope, LogEntry};
use jic_ledger::hash::leaf_hash;
use jic_ledger::key::NoteSigner;
use jic_ledger::proof::{MemoryTree, inclusion_proof, verify_inclusion};
use jic_store::log::{LogStore as _, SqliteLog, TileCache};

fn t(i: u64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_474_000_000 + i as i64).unwrap()
}

fn entries(n: u64) -> Vec<Vec<u8>> {
    let key = NoteSigner::from_seed("bench-party", &[5; 32]).unwrap();
    (0..n)
        .map(|i| {
            let env = Envelope::public(
                "bench",
                "us",
                &key.verifier().to_vkey(),
                i,
                &t(i).to_string(),
                serde_json::json!({"i": i, "pad": "x".repeat(200)}),
            );
            LogEntry::submission(env.sign(&key).unwrap(), t(i))
                .to_bytes()
                .unwrap()
        })
        .collect()
}

fn durable_appends(c: &mut Criterion) {
    let key = NoteSigner::from_seed("jic.bench/log", &[9; 32]).unwrap();
    let data = entries(256);
    let mut g = c.benchmark_group("log_durable_append");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for batch in [1usize, 256] {
        g.throughput(criterion::Throughput::Elements(256));
        g.bench_function(format!("256_entries_batch_{batch}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().unwrap();
                    let mut conn = jic_store::db::open(&dir.path().join("jic.db")).unwrap();
                    let start = Instant::now();
                    for chunk in data.chunks(batch) {
                        let tx = conn.transaction().unwrap();
                        for e in chunk {
                            jic_store::log::append(&tx, e, t(0)).unwrap();
                        }
                        tx.commit().unwrap();
                    }
                    jic_store::log::integrate(&mut conn, &key, t(1), None).unwrap();
                    total += start.elapsed();
                }
                total
            });
        });
    }
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let key = NoteSigner::from_seed("jic.bench/log", &[9; 32]).unwrap();
    let n = 65_536u64;
    let mut conn = jic_store::db::open_in_memory().unwrap();
    let tx = conn.transaction().unwrap();
    let mut hashes = Vec::new();
    for i in 0..n {
        let e = format!("entry {i}");
        hashes.push(leaf_hash(e.as_bytes()));
        jic_store::log::append(&tx, e.as_bytes(), t(i)).unwrap();
    }
    tx.commit().unwrap();
    let cache = Arc::new(TileCache::default());
    let done = jic_store::log::integrate(&mut conn, &key, t(n), Some(&cache)).unwrap();
    let log = SqliteLog::new(conn, cache);
    let mut i = 0u64;
    c.bench_function("inclusion_proof_from_storage_65536", |b| {
        b.iter(|| {
            i = (i + 7_919) % n;
            black_box(log.inclusion_proof(i, n).unwrap())
        });
    });
    c.bench_function("consistency_proof_from_storage_65536", |b| {
        b.iter(|| {
            i = (i + 7_919) % (n - 1);
            black_box(log.consistency_proof(i + 1, n).unwrap())
        });
    });
    let tree = MemoryTree::new(hashes.clone());
    let proof = inclusion_proof(&tree, 12_345, n).unwrap();
    c.bench_function("verify_inclusion_65536", |b| {
        b.iter(|| {
            verify_inclusion(
                12_345,
                n,
                &hashes[12_345],
                black_box(&proof),
                &done.checkpoint.root,
            )
            .unwrap();
        });
    });
    c.bench_function("rebuild_tree_then_prove_65536 (baseline)", |b| {
        b.iter(|| {
            let tree = MemoryTree::new(hashes.clone());
            black_box(inclusion_proof(&tree, 12_345, n).unwrap())
        });
    });
}

fn signatures(c: &mut Criterion) {
    let bytes = entries(1).remove(0);
    c.bench_function("log_entry_parse_and_verify_envelope", |b| {
        b.iter(|| {
            LogEntry::from_bytes(black_box(&bytes))
                .unwrap()
                .verify()
                .unwrap()
        });
    });
}

criterion_group!(benches, durable_appends, proofs, signatures);
criterion_main!(benches);
