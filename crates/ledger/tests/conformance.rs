//! Conformance with published vectors: transparency-dev/merkle proofs, Go's signed-note examples,
//! the Tessera test log and a real Sigsum proof with witness cosignatures. See
//! `tests/vectors/PROVENANCE.md`.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::hash::{Hash, leaf_hash, root_from_leaf_hashes, sha256};
use jic_ledger::key::{KeyType, NoteSigner, NoteVerifier};
use jic_ledger::note::{Note, Verifiers};
use jic_ledger::proof::{
    MemoryTree, consistency_proof, inclusion_proof, verify_consistency, verify_inclusion,
};
use jic_ledger::tile::{parse_bundle, parse_hash_tile};
use serde::Deserialize;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn hash(s: &Option<String>) -> Option<Hash> {
    s.as_deref().and_then(|s| b64(s).try_into().ok())
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionProbe {
    leaf_idx: serde_json::Number,
    tree_size: serde_json::Number,
    root: Option<String>,
    leaf_hash: Option<String>,
    proof: Option<Vec<String>>,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyProbe {
    size1: serde_json::Number,
    size2: serde_json::Number,
    root1: Option<String>,
    root2: Option<String>,
    proof: Option<Vec<String>>,
    want_err: bool,
}

/// A hash field that is absent or not 32 bytes cannot verify: Go treats it as a wrong hash.
/// Distinct inputs stay distinct, so "roots differ" vectors still differ.
fn hash_or_garbage(s: &Option<String>) -> Hash {
    hash(s).unwrap_or_else(|| sha256(s.as_deref().unwrap_or("absent").as_bytes()))
}

/// A proof element that is not 32 bytes makes the whole proof invalid.
fn proof_hashes(p: &Option<Vec<String>>) -> Option<Vec<Hash>> {
    p.as_ref().map_or(Some(Vec::new()), |v| {
        v.iter().map(|s| b64(s).try_into().ok()).collect()
    })
}

#[test]
fn transparency_dev_inclusion_vectors() {
    let files = json_files(&vectors().join("transparency-dev-merkle/testdata/inclusion"));
    assert!(
        files.len() > 50,
        "found only {} inclusion vectors",
        files.len()
    );
    for file in files {
        let p: InclusionProbe = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let result = match (
            p.leaf_idx.as_u64().ok_or(()),
            p.tree_size.as_u64().ok_or(()),
            proof_hashes(&p.proof),
        ) {
            (Ok(i), Ok(n), Some(proof)) => {
                let leaf = hash_or_garbage(&p.leaf_hash);
                let root = hash_or_garbage(&p.root);
                // An absent root or leaf hash is wrong, not "anything goes".
                if hash(&p.root).is_none() || hash(&p.leaf_hash).is_none() {
                    Err(())
                } else {
                    verify_inclusion(i, n, &leaf, &proof, &root).map_err(|_| ())
                }
            }
            _ => Err(()),
        };
        assert_eq!(result.is_err(), p.want_err, "{}", file.display());
    }
}

#[test]
fn transparency_dev_consistency_vectors() {
    let files = json_files(&vectors().join("transparency-dev-merkle/testdata/consistency"));
    assert!(
        files.len() > 50,
        "found only {} consistency vectors",
        files.len()
    );
    for file in files {
        let p: ConsistencyProbe = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let result = match (
            p.size1.as_u64().ok_or(()),
            p.size2.as_u64().ok_or(()),
            proof_hashes(&p.proof),
        ) {
            (Ok(m), Ok(n), Some(proof)) => verify_consistency(
                m,
                n,
                &hash_or_garbage(&p.root1),
                &hash_or_garbage(&p.root2),
                &proof,
            )
            .map_err(|_| ()),
            _ => Err(()),
        };
        assert_eq!(result.is_err(), p.want_err, "{}", file.display());
    }
}

// golang.org/x/mod sumdb/note example_test.go and note_test.go (BSD-3-Clause).
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn go_signed_note_examples() {
    let peter = NoteSigner::from_skey(PETER_SKEY).unwrap();
    assert_eq!(peter.verifier().to_vkey(), PETER_VKEY);
    // Ed25519 is deterministic: our signature must be byte-identical to Go's.
    let signed = Note::sign(PETER_TEXT, &[&peter]).unwrap();
    assert_eq!(signed, format!("{PETER_TEXT}\n{PETER_SIG}"));

    // EnochRoot is the key Go's example generates from an all-zero seed.
    let enoch = NoteSigner::from_seed("EnochRoot", &[0; 32]).unwrap();
    assert_eq!(enoch.verifier().to_vkey(), ENOCH_VKEY);
    let both = format!("{PETER_TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert_eq!(Note::sign(PETER_TEXT, &[&peter, &enoch]).unwrap(), both);

    // One trusted key: one verified, one unknown and ignored.
    let peter_v = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
    let enoch_v = NoteVerifier::from_vkey(ENOCH_VKEY).unwrap();
    let n = Note::open(both.as_bytes(), &Verifiers::new([peter_v.clone()])).unwrap();
    assert_eq!((n.verified().len(), n.unverified().len()), (1, 1));
    let n = Note::open(both.as_bytes(), &Verifiers::new([peter_v.clone(), enoch_v])).unwrap();
    assert_eq!(n.verified().len(), 2);
    assert_eq!(n.text(), PETER_TEXT);

    // Tampered text: the known key's signature fails and rejects the note.
    let tampered = both.replacen("cryptography", "cryptographY", 1);
    assert!(Note::open(tampered.as_bytes(), &Verifiers::new([peter_v.clone()])).is_err());
    // Only unknown keys.
    let other = NoteSigner::from_seed("Other", &[1; 32]).unwrap().verifier();
    assert!(Note::open(both.as_bytes(), &Verifiers::new([other])).is_err());
    // Malformed variants from note_test.go's spirit: missing newline, no signatures, bad base64.
    for bad in [
        format!("{PETER_TEXT}\n{}", PETER_SIG.trim_end()),
        format!("{PETER_TEXT}\n"),
        format!("{PETER_TEXT}\n— PeterNeumann x08go/!!!\n"),
        format!("{}\n{PETER_SIG}", PETER_TEXT.trim_end()),
    ] {
        assert!(
            Note::open(bad.as_bytes(), &Verifiers::new([peter_v.clone()])).is_err(),
            "{bad:?}"
        );
    }
}

const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
const TESSERA_SKEY: &str =
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";

#[test]
fn tessera_test_log_verifies() {
    let dir = vectors().join("tessera-testdata-log");
    let log_key = NoteVerifier::from_vkey(TESSERA_VKEY).unwrap();
    assert_eq!(
        NoteSigner::from_skey(TESSERA_SKEY).unwrap().verifier(),
        log_key
    );
    let words =
        "one two three four five six seven eit nain ten ileven twelf threeten fourten fivten";
    let expected: Vec<&str> = words.split(' ').collect();

    let mut checkpoints = Vec::new();
    for size in 0..=15u64 {
        let note = std::fs::read(dir.join(format!("checkpoint.{size}"))).unwrap();
        let (cp, _) = Checkpoint::open(&note, &log_key, &[]).unwrap();
        assert_eq!(cp.size, size);
        checkpoints.push(cp);
    }
    let latest = std::fs::read(dir.join("checkpoint")).unwrap();
    assert_eq!(
        Checkpoint::open(&latest, &log_key, &[]).unwrap().0,
        checkpoints[15]
    );

    for size in 1..=15usize {
        let bundle = std::fs::read(dir.join(format!("tile/entries/000.p/{size}"))).unwrap();
        let entries = parse_bundle(&bundle).unwrap();
        assert_eq!(entries.len(), size);
        for (e, want) in entries.iter().zip(&expected) {
            assert_eq!(*e, want.as_bytes());
        }
        let hashes: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let tile = std::fs::read(dir.join(format!("tile/0/000.p/{size}"))).unwrap();
        assert_eq!(
            parse_hash_tile(&tile, size).unwrap(),
            hashes,
            "tile of width {size}"
        );
        assert_eq!(
            root_from_leaf_hashes(&hashes),
            checkpoints[size].root,
            "root at {size}"
        );
        // Proofs we generate verify against Tessera's checkpoints.
        let tree = MemoryTree::new(hashes.clone());
        for i in 0..size as u64 {
            let p = inclusion_proof(&tree, i, size as u64).unwrap();
            verify_inclusion(
                i,
                size as u64,
                &hashes[i as usize],
                &p,
                &checkpoints[size].root,
            )
            .unwrap();
        }
        for old in 1..=size {
            let p = consistency_proof(&tree, old as u64, size as u64).unwrap();
            verify_consistency(
                old as u64,
                size as u64,
                &checkpoints[old].root,
                &checkpoints[size].root,
                &p,
            )
            .unwrap();
        }
    }
}

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

#[test]
fn sigsum_checkpoint_cosignatures_and_inclusion() {
    let proof =
        std::fs::read_to_string(vectors().join("sigsum-rs/readme-example-proof.txt")).unwrap();
    let policy =
        std::fs::read_to_string(vectors().join("sigsum-rs/sigsum-test-2025-3.builtin-policy"))
            .unwrap();
    let field =
        |name: &str| -> Vec<&str> { proof.lines().filter_map(|l| l.strip_prefix(name)).collect() };
    let log_hash = field("log=")[0];
    let size: u64 = field("size=")[0].parse().unwrap();
    let root = hex32(field("root_hash=")[0]);

    // The log key is the policy's log whose SHA-256 is the proof's log key hash.
    let log_pub = policy
        .lines()
        .filter_map(|l| l.strip_prefix("log "))
        .map(|l| hex32(l.split_whitespace().next().unwrap()))
        .find(|k| hex::encode(sha256(k)) == log_hash)
        .unwrap();
    let origin = format!("sigsum.org/v1/tree/{log_hash}");
    let body = Checkpoint::new(&origin, size, root).to_body();
    let log = NoteVerifier::new(&origin, KeyType::Ed25519, log_pub).unwrap();
    assert!(log.verify_raw(
        body.as_bytes(),
        &hex::decode(field("signature=")[0]).unwrap()
    ));

    // Witnesses: key hash = SHA-256(public key).
    let witnesses: Vec<(String, [u8; 32])> = policy
        .lines()
        .filter_map(|l| l.strip_prefix("witness "))
        .map(|l| {
            let mut parts = l.split_whitespace();
            (
                parts.next().unwrap().to_owned(),
                hex32(parts.next().unwrap()),
            )
        })
        .collect();
    let cosigs = field("cosignature=");
    assert_eq!(cosigs.len(), 8);
    for c in cosigs {
        let parts: Vec<&str> = c.split(' ').collect();
        let (name, key) = witnesses
            .iter()
            .find(|(_, k)| hex::encode(sha256(k)) == parts[0])
            .unwrap();
        let w = NoteVerifier::new(name, KeyType::CosignatureV1, *key).unwrap();
        let ts: u64 = parts[1].parse().unwrap();
        let mut sig = ts.to_be_bytes().to_vec();
        sig.extend(hex::decode(parts[2]).unwrap());
        assert_eq!(
            jic_ledger::cosignature::verify_timestamped(&w, &body, &sig),
            Ok(ts),
            "{name}"
        );
        // The same cosignature over another body must fail.
        let other = Checkpoint::new(&origin, size + 1, root).to_body();
        assert!(jic_ledger::cosignature::verify_timestamped(&w, &other, &sig).is_err());
    }

    // Inclusion of the README's leaf: checksum = SHA-256(SHA-256(data)), leaf = checksum ‖
    // signature ‖ key hash.
    let leaf_fields: Vec<&str> = field("leaf=")[0].split(' ').collect();
    let checksum = sha256(&sha256(b"Hello, Sigsum!\n"));
    let mut leaf = checksum.to_vec();
    leaf.extend(hex::decode(leaf_fields[1]).unwrap());
    leaf.extend(hex::decode(leaf_fields[0]).unwrap());
    let index: u64 = field("leaf_index=")[0].parse().unwrap();
    let path: Vec<Hash> = field("node_hash=").into_iter().map(hex32).collect();
    verify_inclusion(index, size, &leaf_hash(&leaf), &path, &root).unwrap();
    let mut bad = path;
    bad[3][0] ^= 1;
    assert!(verify_inclusion(index, size, &leaf_hash(&leaf), &bad, &root).is_err());
}

#[test]
fn c2sp_verifier_key_example() {
    let v = NoteVerifier::from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .unwrap();
    assert_eq!(v.name(), "example.com/foo");
}
