//! C2SP tlog-tiles layout (c2sp.org/tlog-tiles): hash tiles, entry bundles and their paths.
//!
//! A tile at level `L` and index `N` holds up to 256 consecutive hashes of tree level `8·L`:
//! the roots of complete subtrees of `256^L` leaves. A *full* tile has 256 hashes and never
//! changes; a *partial* tile of width `W < 256` is served at `.p/<W>`. Entry bundles
//! (`tile/entries/N`) hold leaves `256·N …` each prefixed by its length as a 2-byte big-endian
//! integer. In paths, `N` is written in groups of three decimal digits, every group but the last
//! prefixed by `x`: 1234067 → `x001/x234/067`.
//!
//! For proofs jic also keeps, per tile, the seven levels *inside* it (128, 64, …, 1 hashes of
//! levels `8L+1 … 8L+7`): [`tile_nodes`] computes them so that any node is one lookup away.
//!
//! ```
//! use jic_ledger::tile::{TilePath, encode_index};
//! assert_eq!(encode_index(1_234_067), "x001/x234/067");
//! let p = TilePath::parse("tile/1/x001/234.p/17").unwrap();
//! assert_eq!(p, TilePath::Hashes { level: 1, index: 1234, width: Some(17) });
//! assert_eq!(p.to_string(), "tile/1/x001/234.p/17");
//! ```

use std::fmt;

use crate::LedgerError;
use crate::hash::{Hash, node_hash};

/// Tile height: each tile level spans 8 tree levels.
pub const TILE_HEIGHT: u8 = 8;
/// Full tile width: 2⁸ hashes or entries.
pub const TILE_WIDTH: u64 = 256;
/// The content type of tiles and entry bundles.
pub const TILE_CONTENT_TYPE: &str = "application/octet-stream";
/// The content type of the checkpoint.
pub const CHECKPOINT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// Encodes a tile index as `x`-grouped three-digit path elements.
pub fn encode_index(index: u64) -> String {
    let digits = index.to_string();
    // Left-pad to a multiple of three digits.
    let pad = (3 - digits.len() % 3) % 3;
    let padded = format!("{}{digits}", "0".repeat(pad));
    let groups: Vec<&str> = padded
        .as_bytes()
        .chunks(3)
        .map(|c| std::str::from_utf8(c).unwrap_or("000"))
        .collect();
    let mut out = String::with_capacity(padded.len() + groups.len() * 2);
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        if i + 1 < groups.len() {
            out.push('x');
        }
        out.push_str(g);
    }
    out
}

/// A parsed tile or entry-bundle path (relative to the log prefix, starting with `tile/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// A hash tile.
    Hashes {
        /// The tile level.
        level: u8,
        /// The tile index.
        index: u64,
        /// `Some(W)` for a partial tile of width `W` (1..=255).
        width: Option<u16>,
    },
    /// An entry bundle.
    Entries {
        /// The bundle index.
        index: u64,
        /// `Some(W)` for a partial bundle.
        width: Option<u16>,
    },
}

impl TilePath {
    /// Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, accepting only the
    /// canonical encoding (so every tile has exactly one URL and caches cannot be split).
    pub fn parse(path: &str) -> Result<Self, LedgerError> {
        let bad = |m: &str| LedgerError::MalformedTile(format!("{m}: {path:?}"));
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("a tile path starts with tile/"))?;
        let (kind, rest) = rest
            .split_once('/')
            .ok_or_else(|| bad("missing tile index"))?;
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let width: u16 = parse_decimal(w)
                    .filter(|w| (1..TILE_WIDTH).contains(w))
                    .map(|w| w as u16)
                    .ok_or_else(|| bad("the partial width must be 1 to 255"))?;
                (i, Some(width))
            }
            None => (rest, None),
        };
        let index = parse_index(index_part).ok_or_else(|| bad("bad tile index"))?;
        if kind == "entries" {
            return Ok(TilePath::Entries { index, width });
        }
        let level = parse_decimal(kind)
            .filter(|l| *l < 64)
            .map(|l| l as u8)
            .ok_or_else(|| bad("the level must be a decimal 0 to 63"))?;
        Ok(TilePath::Hashes {
            level,
            index,
            width,
        })
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, index, width) = match self {
            TilePath::Hashes {
                level,
                index,
                width,
            } => (level.to_string(), index, width),
            TilePath::Entries { index, width } => ("entries".to_owned(), index, width),
        };
        write!(f, "tile/{kind}/{}", encode_index(*index))?;
        if let Some(w) = width {
            write!(f, ".p/{w}")?;
        }
        Ok(())
    }
}

/// A decimal without leading zeros (except `0` itself).
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

fn parse_index(text: &str) -> Option<u64> {
    let groups: Vec<&str> = text.split('/').collect();
    if groups.len() > 7 {
        return None;
    }
    let mut value: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            g.strip_prefix('x')?
        } else {
            g
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value = value
            .checked_mul(1000)?
            .checked_add(digits.parse::<u64>().ok()?)?;
    }
    // Canonical form only: no superfluous leading groups.
    (encode_index(value) == text).then_some(value)
}

/// Offset, in hashes, of tree level `r` (0..8) inside a tile's node array of width `width`.
fn section_offset(width: usize, r: u8) -> usize {
    (0..r).map(|j| width >> j).sum()
}

/// All nodes inside a tile: its `width` level-0 hashes followed by the complete nodes of the
/// seven levels above them (`width/2`, `width/4`, … hashes).
pub fn tile_nodes(hashes: &[Hash]) -> Vec<Hash> {
    let mut out = Vec::with_capacity(hashes.len() * 2);
    out.extend_from_slice(hashes);
    let mut start = 0;
    let mut len = hashes.len();
    for _ in 1..TILE_HEIGHT {
        let next_start = out.len();
        for i in 0..len / 2 {
            let h = node_hash(&out[start + 2 * i], &out[start + 2 * i + 1]);
            out.push(h);
        }
        start = next_start;
        len /= 2;
    }
    out
}

/// The width (level-0 hash count) of a node array built by [`tile_nodes`].
pub fn width_of_nodes(node_count: usize) -> Option<usize> {
    (0..=TILE_WIDTH as usize).find(|w| section_offset(*w, TILE_HEIGHT) == node_count)
}

/// Looks up level `r` (0..8) position `pos` in a node array of width `width`, if complete.
pub fn node_in_tile(nodes: &[Hash], width: usize, r: u8, pos: usize) -> Option<Hash> {
    if r >= TILE_HEIGHT || pos >= (width >> r) {
        return None;
    }
    nodes.get(section_offset(width, r) + pos).copied()
}

/// Where tree node `(level, index)` lives: `(tile level, tile index, level inside, position)`.
pub fn locate_node(level: u8, index: u64) -> (u8, u64, u8, usize) {
    let tile_level = level / TILE_HEIGHT;
    let r = level % TILE_HEIGHT;
    let per_tile = TILE_WIDTH >> r;
    (tile_level, index / per_tile, r, (index % per_tile) as usize)
}

/// Splits a hash tile's bytes into hashes, checking the expected width.
pub fn parse_hash_tile(bytes: &[u8], width: usize) -> Result<Vec<Hash>, LedgerError> {
    if bytes.len() != width * 32 {
        return Err(LedgerError::MalformedTile(format!(
            "expected {width} hashes ({} bytes), found {} bytes",
            width * 32,
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap_or([0; 32]))
        .collect())
}

/// Encodes an entry bundle: each entry prefixed with its 2-byte big-endian length.
pub fn encode_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, LedgerError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| LedgerError::EntryTooLarge {
            size: e.len(),
            limit: usize::from(u16::MAX),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries.
pub fn parse_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, LedgerError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(LedgerError::MalformedTile("truncated entry length".into()));
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = 2 + len;
        let entry = rest.get(2..end).ok_or_else(|| {
            LedgerError::MalformedTile(format!(
                "entry {} claims {len} bytes past the end",
                out.len()
            ))
        })?;
        out.push(entry);
        rest = &rest[end..];
        if out.len() > TILE_WIDTH as usize {
            return Err(LedgerError::MalformedTile(
                "more than 256 entries in a bundle".into(),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::{MemoryTree, NodeSource};

    #[test]
    fn index_encoding_examples() {
        for (n, s) in [
            (0, "000"),
            (7, "007"),
            (999, "999"),
            (1000, "x001/000"),
            (1_234_067, "x001/x234/067"),
        ] {
            assert_eq!(encode_index(n), s);
            assert_eq!(parse_index(s), Some(n));
        }
    }

    #[test]
    fn non_canonical_paths_are_refused() {
        for p in [
            "tile/0/x000/001",
            "tile/0/01",
            "tile/00/001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/entries/1",
            "tile/64/000",
            "tiles/0/000",
            "tile/0/y001/000",
        ] {
            assert!(TilePath::parse(p).is_err(), "{p}");
        }
        assert_eq!(
            TilePath::parse("tile/entries/000.p/3").unwrap(),
            TilePath::Entries {
                index: 0,
                width: Some(3)
            }
        );
    }

    #[test]
    fn tile_nodes_hold_every_complete_node() {
        let leaves: Vec<Hash> = (0u32..256).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = MemoryTree::new(leaves.clone());
        for width in [1usize, 2, 3, 17, 128, 255, 256] {
            let nodes = tile_nodes(&leaves[..width]);
            assert_eq!(width_of_nodes(nodes.len()), Some(width));
            for r in 0..TILE_HEIGHT {
                for pos in 0..(width >> r) {
                    assert_eq!(
                        node_in_tile(&nodes, width, r, pos),
                        Some(tree.node(r, pos as u64).unwrap())
                    );
                }
                assert_eq!(node_in_tile(&nodes, width, r, width >> r), None);
            }
        }
    }

    #[test]
    fn bundles_round_trip_and_refuse_truncation() {
        let entries: Vec<&[u8]> = vec![b"one", b"", b"three"];
        let b = encode_bundle(entries.iter().copied()).unwrap();
        assert_eq!(parse_bundle(&b).unwrap(), entries);
        assert!(parse_bundle(&b[..b.len() - 1]).is_err());
        assert!(encode_bundle([&[0u8; 65_536][..]]).is_err());
    }
}
