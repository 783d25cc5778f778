//! RFC 9162 inclusion and consistency proofs: generation from any source of complete-subtree
//! hashes, and verification.
//!
//! A *node* `(level, index)` is the root of the complete subtree of `2^level` leaves starting at
//! leaf `index · 2^level`. Storage keeps those (see [`crate::tile`]); the hash of any other range
//! that RFC 9162's recursion needs is folded from at most `log2 n` nodes
//! ([`subtree_root`]). Proofs list hashes from the leaf (or the old root) upward, as in RFC 9162
//! §2.1.3 and §2.1.4.
//!
//! ```
//! use jic_ledger::hash::{leaf_hash, root_from_leaf_hashes};
//! use jic_ledger::proof::{inclusion_proof, verify_inclusion, MemoryTree};
//! let leaves: Vec<_> = (0u8..7).map(|i| leaf_hash(&[i])).collect();
//! let tree = MemoryTree::new(leaves.clone());
//! let proof = inclusion_proof(&tree, 3, 7).unwrap();
//! verify_inclusion(3, 7, &leaves[3], &proof, &root_from_leaf_hashes(&leaves)).unwrap();
//! ```

use crate::LedgerError;
use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// A source of complete-subtree hashes.
pub trait NodeSource {
    /// The root of the complete subtree `(level, index)`.
    fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError>;
}

/// An in-memory tree over leaf hashes, for tests, clients and small logs (O(2^level) per node).
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// Builds every level of complete nodes over the leaf hashes.
    pub fn new(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while let Some(last) = levels.last().filter(|l| l.len() >= 2) {
            let next: Vec<Hash> = last
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(next);
        }
        Self { levels }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, LedgerError> {
        subtree_root(self, 0, size)
    }
}

impl NodeSource for MemoryTree {
    fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        self.levels
            .get(usize::from(level))
            .and_then(|l| l.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or(LedgerError::MissingNode { level, index })
    }
}

/// The Merkle Tree Hash of leaves `[lo, hi)`, where `lo` is a multiple of the largest power of
/// two not above `hi − lo` (true of every range in RFC 9162's recursion and of `[0, n)`).
///
/// The range splits into aligned complete subtrees of decreasing size; their hashes folded right
/// to left equal the recursive definition.
pub fn subtree_root(src: &impl NodeSource, lo: u64, hi: u64) -> Result<Hash, LedgerError> {
    if lo >= hi {
        return Ok(EMPTY_ROOT);
    }
    let mut parts: Vec<Hash> = Vec::with_capacity(64);
    let mut start = lo;
    while start < hi {
        let remaining = hi - start;
        // The largest power of two that fits and that `start` is aligned to.
        let mut level = 63 - remaining.leading_zeros();
        if start != 0 {
            level = level.min(start.trailing_zeros());
        }
        parts.push(src.node(level as u8, start >> level)?);
        start += 1u64 << level;
    }
    Ok(crate::hash::fold_right(parts.into_iter()))
}

/// The largest power of two strictly below `n` (`n ≥ 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
pub fn inclusion_proof(
    src: &impl NodeSource,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LedgerError> {
    if index >= size {
        return Err(LedgerError::InvalidProofRequest(format!(
            "leaf {index} is not in a tree of size {size}"
        )));
    }
    let mut path = Vec::with_capacity(64);
    // Walk down from the root, recording siblings, then reverse to leaf-first order.
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            path.push(subtree_root(src, lo + k, hi)?);
            hi = lo + k;
        } else {
            path.push(subtree_root(src, lo, lo + k)?);
            lo += k;
        }
    }
    path.reverse();
    Ok(path)
}

/// The consistency proof between the trees of `old` and `new` leaves (RFC 9162 §2.1.4.1).
/// Empty when `old` is 0 or equal to `new`.
pub fn consistency_proof(
    src: &impl NodeSource,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, LedgerError> {
    if old > new {
        return Err(LedgerError::InvalidProofRequest(format!(
            "old size {old} is larger than new size {new}"
        )));
    }
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[lo:hi], b), unrolled: descend, collecting siblings, reverse at the end.
    let mut path = Vec::with_capacity(64);
    let (mut lo, mut hi, mut m, mut complete) = (0u64, new, old, true);
    loop {
        let n = hi - lo;
        if m == n {
            if !complete {
                path.push(subtree_root(src, lo, hi)?);
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            path.push(subtree_root(src, lo + k, hi)?);
            hi = lo + k;
        } else {
            path.push(subtree_root(src, lo, lo + k)?);
            lo += k;
            m -= k;
            complete = false;
        }
    }
    path.reverse();
    Ok(path)
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LedgerError> {
    if root_from_inclusion(index, size, leaf, proof)? != *root {
        return Err(LedgerError::BadInclusionProof(
            "the computed root does not match".into(),
        ));
    }
    Ok(())
}

/// The root implied by an inclusion proof, or an error if the proof has the wrong length.
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, LedgerError> {
    let bad = |m: &str| Err(LedgerError::BadInclusionProof(m.to_owned()));
    if index >= size {
        return bad(&format!("leaf index {index} is not below tree size {size}"));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return bad("the proof is longer than the tree is deep");
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return bad("the proof is shorter than the tree is deep");
    }
    Ok(r)
}

/// Verifies a consistency proof between `(old, old_root)` and `(new, new_root)` (RFC 9162
/// §2.1.4.2, with the conventions of transparency-dev/merkle for the trivial cases: equal sizes
/// need an empty proof and equal roots; a proof from size 0 proves nothing and is refused,
/// as transparency-dev/merkle does — callers for whom "nothing seen yet" is a valid starting point, such as a
/// witness, handle size 0 themselves).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), LedgerError> {
    let bad = |m: &str| Err(LedgerError::BadConsistencyProof(m.to_owned()));
    if old > new {
        return bad(&format!("old size {old} is larger than new size {new}"));
    }
    if old == 0 {
        return bad("a consistency proof from the empty tree is meaningless");
    }
    if old == new {
        if !proof.is_empty() {
            return bad("the proof between equal sizes must be empty");
        }
        if old_root != new_root {
            return bad("equal sizes but different roots");
        }
        return Ok(());
    }
    if proof.is_empty() {
        return bad("the proof is empty");
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if s == 0 {
            return bad("the proof is longer than expected");
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return bad("the proof is shorter than expected");
    }
    if fr != *old_root {
        return bad("the old root does not match");
    }
    if sr != *new_root {
        return bad("the new root does not match");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, root_from_leaf_hashes};

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn every_proof_in_small_trees_verifies() {
        for n in 1..40u64 {
            let ls = leaves(n);
            let tree = MemoryTree::new(ls.clone());
            for size in 1..=n {
                let root = root_from_leaf_hashes(&ls[..size as usize]);
                assert_eq!(tree.root(size).unwrap(), root);
                for i in 0..size {
                    let p = inclusion_proof(&tree, i, size).unwrap();
                    verify_inclusion(i, size, &ls[i as usize], &p, &root).unwrap();
                }
                for old in 1..=size {
                    let old_root = root_from_leaf_hashes(&ls[..old as usize]);
                    let p = consistency_proof(&tree, old, size).unwrap();
                    verify_consistency(old, size, &old_root, &root, &p)
                        .unwrap_or_else(|e| panic!("{old}->{size}: {e}"));
                }
            }
        }
    }

    #[test]
    fn impossible_requests_are_refused() {
        let tree = MemoryTree::new(leaves(4));
        assert!(inclusion_proof(&tree, 4, 4).is_err());
        assert!(consistency_proof(&tree, 5, 4).is_err());
        assert!(matches!(
            inclusion_proof(&tree, 0, 8),
            Err(LedgerError::MissingNode { .. })
        ));
    }
}
