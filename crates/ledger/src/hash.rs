//! RFC 6962 / RFC 9162 Merkle tree hashing.
//!
//! The Merkle Tree Hash (MTH) of an ordered list of entries `D[n]` is defined in RFC 9162
//! §2.1.1: `MTH({}) = SHA-256()`, `MTH({d}) = SHA-256(0x00 ‖ d)` and, for `n > 1` with `k` the
//! largest power of two smaller than `n`, `MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))`.
//! The distinct prefixes for leaves and interior nodes prevent second-preimage attacks.
//!
//! ```
//! use jic_ledger::hash::{leaf_hash, root_from_leaf_hashes, EMPTY_ROOT};
//! // RFC 6962 test vector: the hash of the empty leaf.
//! let h = leaf_hash(b"");
//! assert_eq!(jic_ledger::hash::to_hex(&h),
//!     "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
//! assert_eq!(root_from_leaf_hashes(&[]), EMPTY_ROOT);
//! ```

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, node hash or tree root.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of one leaf: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Plain SHA-256, for commitments and identities.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// The Merkle Tree Hash of a list of leaf hashes, computed iteratively in O(n) time.
///
/// Equivalent to the recursive definition: complete subtrees are merged as they fill up, and
/// the remaining ones are folded right to left at the end.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut stack: Vec<(u32, Hash)> = Vec::new();
    for leaf in leaves {
        let mut level = 0u32;
        let mut h = *leaf;
        while let Some(&(top_level, top)) = stack.last() {
            if top_level != level {
                break;
            }
            stack.pop();
            h = node_hash(&top, &h);
            level += 1;
        }
        stack.push((level, h));
    }
    fold_right(stack.into_iter().map(|(_, h)| h))
}

/// Folds complete-subtree hashes, given left to right in descending size, into one root:
/// `h0 ⊕ (h1 ⊕ (… ⊕ hn))` where `⊕` is [`node_hash`]. Empty input gives [`EMPTY_ROOT`].
pub fn fold_right(hashes: impl DoubleEndedIterator<Item = Hash>) -> Hash {
    let mut iter = hashes.rev();
    let Some(mut acc) = iter.next() else {
        return EMPTY_ROOT;
    };
    for left in iter {
        acc = node_hash(&left, &acc);
    }
    acc
}

/// Lowercase hex of a hash, for messages and tests.
pub fn to_hex(hash: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(hash.len() * 2);
    for b in hash {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Standard base64 (RFC 4648 §4, with padding) of bytes.
pub fn to_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64 into exactly 32 bytes.
pub fn hash_from_base64(text: &str) -> Option<Hash> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mth_recursive(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                node_hash(&mth_recursive(&leaves[..k]), &mth_recursive(&leaves[k..]))
            }
        }
    }

    #[test]
    fn iterative_root_matches_recursive_definition() {
        for n in 0..70u32 {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            assert_eq!(
                root_from_leaf_hashes(&leaves),
                mth_recursive(&leaves),
                "n = {n}"
            );
        }
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(sha256(b""), EMPTY_ROOT);
    }

    #[test]
    fn rfc6962_eight_leaf_root() {
        let data: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let leaves: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        assert_eq!(
            to_hex(&root_from_leaf_hashes(&leaves)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
    }
}
