//! Property tests: for random trees every proof verifies and any flipped bit is rejected; the
//! parsers round-trip what the formatters write; signatures fail on any flipped bit.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::envelope::{Envelope, LogEntry};
use jic_ledger::hash::{Hash, leaf_hash, root_from_leaf_hashes};
use jic_ledger::key::NoteSigner;
use jic_ledger::note::{Note, Verifiers};
use jic_ledger::proof::{
    MemoryTree, consistency_proof, inclusion_proof, verify_consistency, verify_inclusion,
};
use jic_ledger::tile::TilePath;
use jic_ledger::witness::AddCheckpointRequest;
use proptest::prelude::*;

fn tree(n: u64) -> (MemoryTree, Vec<Hash>) {
    let leaves: Vec<Hash> = (0..n)
        .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
        .collect();
    (MemoryTree::new(leaves.clone()), leaves)
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out[(bit / 8) % 32] ^= 1 << (bit % 8);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn inclusion_verifies_and_any_flip_is_rejected(
        n in 1u64..600, index_seed: u64, size_seed: u64, bit in 0usize..256, which: usize
    ) {
        let (tree, leaves) = tree(n);
        let size = 1 + size_seed % n;
        let index = index_seed % size;
        let root = root_from_leaf_hashes(&leaves[..size as usize]);
        let proof = inclusion_proof(&tree, index, size).unwrap();
        prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &root).is_ok());
        // Flip one bit of the leaf, the root or one proof element.
        let leaf = leaves[index as usize];
        prop_assert!(verify_inclusion(index, size, &flip(&leaf, bit), &proof, &root).is_err());
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = which % bad.len();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
            // A truncated or extended proof is rejected too.
            prop_assert!(verify_inclusion(index, size, &leaf, &proof[..proof.len() - 1], &root).is_err());
        }
        let mut longer = proof;
        longer.push(root);
        prop_assert!(verify_inclusion(index, size, &leaf, &longer, &root).is_err());
    }

    #[test]
    fn consistency_verifies_and_any_flip_is_rejected(
        n in 2u64..600, old_seed: u64, bit in 0usize..256, which: usize
    ) {
        let (tree, leaves) = tree(n);
        let old = 1 + old_seed % (n - 1);
        let old_root = root_from_leaf_hashes(&leaves[..old as usize]);
        let new_root = root_from_leaf_hashes(&leaves);
        let proof = consistency_proof(&tree, old, n).unwrap();
        prop_assert!(verify_consistency(old, n, &old_root, &new_root, &proof).is_ok());
        prop_assert!(verify_consistency(old, n, &flip(&old_root, bit), &new_root, &proof).is_err());
        prop_assert!(verify_consistency(old, n, &old_root, &flip(&new_root, bit), &proof).is_err());
        let mut bad = proof;
        let k = which % bad.len();
        bad[k] = flip(&bad[k], bit);
        prop_assert!(verify_consistency(old, n, &old_root, &new_root, &bad).is_err());
    }

    #[test]
    fn note_signature_rejects_any_flipped_bit(text in "[a-z0-9 ]{1,40}", bit in 0usize..512) {
        let key = NoteSigner::from_seed("p.example/log", &[7; 32]).unwrap();
        let body = format!("{text}\n");
        let signed = Note::sign(&body, &[&key]).unwrap();
        let v = Verifiers::new([key.verifier()]);
        prop_assert!(Note::open(signed.as_bytes(), &v).is_ok());
        // Flip a bit inside the 64 signature bytes (after the 4-byte key id).
        let (head, line) = signed.split_once("\n\n").unwrap();
        let mut sig = jic_ledger::note::NoteSignature::parse_line(line.trim_end()).unwrap();
        sig.signature[(bit / 8) % 64] ^= 1 << (bit % 8);
        let tampered = format!("{head}\n\n{}", sig.to_line());
        prop_assert!(Note::open(tampered.as_bytes(), &v).is_err());
    }

    #[test]
    fn envelope_signature_rejects_any_flipped_bit(seq in 0u64..1_000_000, bit in 0usize..512, n in 0i64..1000) {
        let key = NoteSigner::from_seed("us-cell", &[3; 32]).unwrap();
        let env = Envelope::public("track.batch", "us", &key.verifier().to_vkey(), seq,
            "2016-09-17T10:52:00Z", serde_json::json!({"n": n, "x": 1.5}));
        let mut signed = env.sign(&key).unwrap();
        prop_assert!(signed.verify().is_ok());
        let entry = LogEntry::submission(signed.clone(), jiff::Timestamp::UNIX_EPOCH);
        prop_assert_eq!(LogEntry::from_bytes(&entry.to_bytes().unwrap()).unwrap(), entry);
        signed.sig[(bit / 8) % 64] ^= 1 << (bit % 8);
        prop_assert!(signed.verify().is_err());
    }

    #[test]
    fn checkpoints_round_trip(origin in "[a-z.]{1,20}/[a-z0-9-]{1,10}", size: u64, root: [u8; 32],
                              ext in proptest::collection::vec("[ -~]{1,30}", 0..3)) {
        let cp = Checkpoint { origin, size, root, extensions: ext };
        prop_assert_eq!(Checkpoint::parse(&cp.to_body()).unwrap(), cp);
    }

    #[test]
    fn tile_paths_round_trip(level in 0u8..64, index: u64, width in proptest::option::of(1u16..256), entries: bool) {
        let p = if entries { TilePath::Entries { index, width } } else { TilePath::Hashes { level, index, width } };
        prop_assert_eq!(TilePath::parse(&p.to_string()).unwrap(), p);
    }

    #[test]
    fn witness_requests_round_trip(old: u64, proof in proptest::collection::vec(any::<[u8; 32]>(), 0..63)) {
        let req = AddCheckpointRequest { old_size: old, proof, checkpoint: "o\n1\nAA==\n\n— o AAAA\n".into() };
        prop_assert_eq!(AddCheckpointRequest::parse(req.to_body().as_bytes()).unwrap(), req);
    }
}
