//! The transparency log in SQLite: durable appends, batched integration, tiles, bundles, proofs.
//!
//! # Write path
//! - [`append`] inserts one leaf *inside the caller's transaction* and returns its index, so the
//!   server commits its state change and the log leaf together. Durability comes from that
//!   commit (WAL, `synchronous = FULL`): group many submissions into one transaction and the
//!   fsync cost is shared (group commit).
//! - [`integrate`] (run by a background task, or after each batch) takes every appended leaf not
//!   yet in the tree, writes the tiles they complete or extend, computes the new root, signs a
//!   checkpoint with the log key and the time passed in, and commits it all in one transaction.
//!
//! # Read path
//! [`SqliteLog`] implements [`LogStore`]: checkpoints (with cosignatures), hash tiles (full or
//! `.p/W`), entry bundles, inclusion and consistency proofs. Proofs read stored tile nodes
//! through a [`TileCache`]: full tiles never change, so they are cached without invalidation;
//! partial tiles only ever gain nodes, so a cached one is reloaded only when a node is missing.
//!
//! **Invariant:** a tile row, checkpoint or leaf is derived only from leaves `< integrated_size`
//! and never contradicts an earlier one: full tiles are written once, partial tiles are
//! prefixes of their later versions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jic_ledger::LedgerError;
use jic_ledger::checkpoint::Checkpoint;
use jic_ledger::hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};
use jic_ledger::key::{NoteSigner, NoteVerifier};
use jic_ledger::proof::{self, NodeSource};
use jic_ledger::tile::{self, TILE_HEIGHT, TILE_WIDTH};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::StoreError;

/// The number of leaves appended so far, committed or in the caller's open transaction (the
/// next leaf's index).
pub fn size(conn: &Connection) -> Result<u64, StoreError> {
    // Cached: the writer asks once or twice per submission.
    let n: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaf")?
        .query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// Appends one leaf inside the caller's transaction and returns its index.
///
/// `entry` is the leaf data (see `jic_ledger::envelope::LogEntry::to_bytes`), at most 65,535
/// bytes so that it fits an entry bundle. `received` is the receipt time.
pub fn append(
    conn: &Connection,
    entry: &[u8],
    received: jiff::Timestamp,
) -> Result<u64, StoreError> {
    if entry.len() > jic_ledger::envelope::MAX_ENTRY_BYTES {
        return Err(StoreError::Ledger(LedgerError::EntryTooLarge {
            size: entry.len(),
            limit: jic_ledger::envelope::MAX_ENTRY_BYTES,
        }));
    }
    let index = size(conn)?;
    conn.prepare_cached(
        "INSERT INTO log_leaf (idx, entry, leaf_hash, received) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        index as i64,
        entry,
        &leaf_hash(entry)[..],
        received.to_string()
    ])?;
    Ok(index)
}

/// Stores a restricted payload's plaintext and salt for leaf `index` (same transaction as the
/// append). The caller has already checked them against the envelope's commitment.
pub fn put_restricted(
    conn: &Connection,
    index: u64,
    payload_json: &str,
    salt: &[u8; 32],
) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO log_restricted (idx, payload, salt) VALUES (?1, ?2, ?3)")?
        .execute(params![index as i64, payload_json, &salt[..]])?;
    Ok(())
}

/// The outcome of one integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrated {
    /// The checkpoint now current.
    pub checkpoint: Checkpoint,
    /// Its signed note.
    pub note: String,
    /// How many leaves this run added to the tree (0 if nothing was pending).
    pub added: u64,
}

/// Integrates every pending leaf and signs a checkpoint at `now`, in one immediate transaction.
///
/// When nothing is pending and a checkpoint for the current size exists, it is returned as is.
pub fn integrate(
    conn: &mut Connection,
    log_key: &NoteSigner,
    now: jiff::Timestamp,
    cache: Option<&TileCache>,
) -> Result<Integrated, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (old_size, _old_root) = tree_state(&tx)?;
    let new_hashes: Vec<Hash> = {
        let mut stmt =
            tx.prepare_cached("SELECT leaf_hash FROM log_leaf WHERE idx >= ?1 ORDER BY idx")?;
        let rows = stmt.query_map([old_size as i64], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for (i, row) in rows.enumerate() {
            let bytes = row?;
            let h: Hash = bytes.try_into().map_err(|_| {
                StoreError::Corrupt(format!("leaf {} has a malformed hash", old_size + i as u64))
            })?;
            out.push(h);
        }
        out
    };
    if new_hashes.is_empty() {
        let existing: Option<String> = tx
            .query_row(
                "SELECT note FROM log_checkpoint WHERE size = ?1",
                [old_size as i64],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(note) = existing {
            let (text, _) = jic_ledger::note::Note::parse_unverified(note.as_bytes())?;
            let checkpoint = Checkpoint::parse(&text)?;
            tx.commit()?;
            return Ok(Integrated {
                checkpoint,
                note,
                added: 0,
            });
        }
    }
    let added = new_hashes.len() as u64;
    append_level(&tx, 0, old_size, &new_hashes, cache)?;
    let new_size = old_size + added;
    let root = proof::subtree_root(&TileReader { conn: &tx, cache }, 0, new_size)?;
    let checkpoint = Checkpoint::new(log_key.name(), new_size, root);
    let note = checkpoint.sign(log_key)?;
    tx.execute(
        "UPDATE log_tree SET integrated_size = ?1, root = ?2 WHERE id = 0",
        params![new_size as i64, &root[..]],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO log_checkpoint (size, note, created) VALUES (?1, ?2, ?3)",
        params![new_size as i64, note, now.to_string()],
    )?;
    tx.commit()?;
    Ok(Integrated {
        checkpoint,
        note,
        added,
    })
}

/// Writes hashes `start…` of tile level `level` into their tiles, recursing upward for every
/// tile that becomes full.
fn append_level(
    conn: &Connection,
    level: u8,
    start: u64,
    hashes: &[Hash],
    cache: Option<&TileCache>,
) -> Result<(), StoreError> {
    let mut pos = start;
    let mut i = 0usize;
    let mut parents: Vec<Hash> = Vec::new();
    let mut first_parent: Option<u64> = None;
    while i < hashes.len() {
        let tile_index = pos / TILE_WIDTH;
        let offset = (pos % TILE_WIDTH) as usize;
        let mut level0: Vec<Hash> = Vec::with_capacity(TILE_WIDTH as usize);
        if offset > 0 {
            let (width, nodes) = load_tile(conn, level, tile_index)?.ok_or_else(|| {
                StoreError::Corrupt(format!("tile {level}/{tile_index} is missing"))
            })?;
            if width < offset {
                return Err(StoreError::Corrupt(format!(
                    "tile {level}/{tile_index} has width {width}, expected at least {offset}"
                )));
            }
            level0.extend_from_slice(&nodes[..offset]);
        }
        let take = (TILE_WIDTH as usize - offset).min(hashes.len() - i);
        level0.extend_from_slice(&hashes[i..i + take]);
        let nodes = tile::tile_nodes(&level0);
        let width = level0.len();
        conn.prepare_cached(
            "INSERT OR REPLACE INTO log_tile (level, idx, width, nodes) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            i64::from(level),
            tile_index as i64,
            width as i64,
            nodes_to_bytes(&nodes)
        ])?;
        if width == TILE_WIDTH as usize {
            let top = tile_root(&nodes);
            first_parent.get_or_insert(tile_index);
            parents.push(top);
            if let Some(c) = cache {
                c.insert(level, tile_index, width, Arc::new(nodes));
            }
        }
        pos += take as u64;
        i += take;
    }
    if let Some(first) = first_parent {
        append_level(conn, level + 1, first, &parents, cache)?;
    }
    Ok(())
}

/// The root of a full tile's 256 hashes, from its level-7 pair.
fn tile_root(nodes: &[Hash]) -> Hash {
    let w = TILE_WIDTH as usize;
    let l7 = tile::node_in_tile(nodes, w, TILE_HEIGHT - 1, 0).unwrap_or(EMPTY_ROOT);
    let r7 = tile::node_in_tile(nodes, w, TILE_HEIGHT - 1, 1).unwrap_or(EMPTY_ROOT);
    node_hash(&l7, &r7)
}

fn nodes_to_bytes(nodes: &[Hash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nodes.len() * 32);
    for n in nodes {
        out.extend_from_slice(n);
    }
    out
}

fn load_tile(
    conn: &Connection,
    level: u8,
    index: u64,
) -> Result<Option<(usize, Vec<Hash>)>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT width, nodes FROM log_tile WHERE level = ?1 AND idx = ?2")?
        .query_row(params![i64::from(level), index as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((width, bytes)) = row else {
        return Ok(None);
    };
    let width = width as usize;
    let nodes: Vec<Hash> = bytes
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap_or(EMPTY_ROOT))
        .collect();
    if bytes.len() % 32 != 0 || tile::width_of_nodes(nodes.len()) != Some(width) {
        return Err(StoreError::Corrupt(format!(
            "tile {level}/{index} has a malformed node array"
        )));
    }
    Ok(Some((width, nodes)))
}

fn tree_state(conn: &Connection) -> Result<(u64, Hash), StoreError> {
    let (size, root): (i64, Vec<u8>) = conn
        .prepare_cached("SELECT integrated_size, root FROM log_tree WHERE id = 0")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let root: Hash = root
        .try_into()
        .map_err(|_| StoreError::Corrupt("the stored root is malformed".into()))?;
    Ok((size as u64, root))
}

/// A tile's width and node array, shared between the cache and readers.
type CachedTile = (usize, Arc<Vec<Hash>>);

/// A cache of tile node arrays keyed by (tile level, tile index).
///
/// Full tiles are immutable, so they stay valid forever; partial tiles only grow, so a cached
/// partial tile is correct for every node it holds. The cache is bounded: when it exceeds its
/// capacity it is cleared (simple and adequate: the working set of proofs is the right edge).
#[derive(Debug)]
pub struct TileCache {
    tiles: Mutex<HashMap<(u8, u64), CachedTile>>,
    capacity: usize,
}

impl Default for TileCache {
    fn default() -> Self {
        Self::new(16_384)
    }
}

impl TileCache {
    /// A cache holding up to `capacity` tiles (each at most 16 KiB of nodes).
    pub fn new(capacity: usize) -> Self {
        Self {
            tiles: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn get(&self, level: u8, index: u64) -> Option<CachedTile> {
        let tiles = self
            .tiles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tiles.get(&(level, index)).cloned()
    }

    fn insert(&self, level: u8, index: u64, width: usize, nodes: Arc<Vec<Hash>>) {
        let mut tiles = self
            .tiles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if tiles.len() >= self.capacity {
            tiles.clear();
        }
        tiles.insert((level, index), (width, nodes));
    }
}

/// Reads tree nodes from stored tiles (through an optional cache).
struct TileReader<'a> {
    conn: &'a Connection,
    cache: Option<&'a TileCache>,
}

impl NodeSource for TileReader<'_> {
    fn node(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        let (tile_level, tile_index, r, pos) = tile::locate_node(level, index);
        let missing = LedgerError::MissingNode { level, index };
        if let Some((width, nodes)) = self.cache.and_then(|c| c.get(tile_level, tile_index))
            && let Some(h) = tile::node_in_tile(&nodes, width, r, pos)
        {
            return Ok(h);
        }
        let (width, nodes) = load_tile(self.conn, tile_level, tile_index)
            .map_err(|_| missing.clone())?
            .ok_or_else(|| missing.clone())?;
        let h = tile::node_in_tile(&nodes, width, r, pos).ok_or(missing)?;
        if let Some(c) = self.cache {
            c.insert(tile_level, tile_index, width, Arc::new(nodes));
        }
        Ok(h)
    }
}

/// What a log backend serves. SQLite implements it ([`SqliteLog`]); a PostgreSQL backend can
/// follow with the same contract.
pub trait LogStore: Send + Sync {
    /// The integrated tree size (what the latest checkpoint covers).
    fn integrated_size(&self) -> Result<u64, StoreError>;
    /// The latest signed checkpoint with every stored cosignature line appended.
    fn checkpoint(&self) -> Result<Option<String>, StoreError>;
    /// A stored signed checkpoint (log signature only) for a size, if one was published.
    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError>;
    /// A hash tile's bytes: `width` `None` for a full tile, `Some(W)` for the partial `.p/W`.
    /// `None` when that tile (or width) does not exist in the integrated tree.
    fn tile(
        &self,
        level: u8,
        index: u64,
        width: Option<u16>,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// An entry bundle's bytes, as for [`LogStore::tile`].
    fn entry_bundle(&self, index: u64, width: Option<u16>) -> Result<Option<Vec<u8>>, StoreError>;
    /// One integrated leaf's entry bytes.
    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// The inclusion proof of `index` in the tree of `size` (≤ integrated size).
    fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError>;
    /// The consistency proof from `old` to `new` (≤ integrated size).
    fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError>;
    /// A restricted payload's plaintext JSON and salt, by leaf.
    fn restricted(&self, index: u64) -> Result<Option<(String, [u8; 32])>, StoreError>;
    /// Stores a witness cosignature on the checkpoint of `size`, after checking it verifies
    /// under `witness` over that checkpoint.
    fn add_cosignature(
        &self,
        size: u64,
        witness: &NoteVerifier,
        line: &str,
    ) -> Result<(), StoreError>;
}

/// The SQLite [`LogStore`]: one read connection behind a mutex plus a shared [`TileCache`].
#[derive(Debug)]
pub struct SqliteLog {
    conn: Mutex<Connection>,
    cache: Arc<TileCache>,
}

impl SqliteLog {
    /// Wraps a connection (opened with [`crate::db::open`]).
    pub fn new(conn: Connection, cache: Arc<TileCache>) -> Self {
        Self {
            conn: Mutex::new(conn),
            cache,
        }
    }

    /// The shared tile cache (pass it to [`integrate`] so new full tiles are cached at once).
    pub fn cache(&self) -> Arc<TileCache> {
        Arc::clone(&self.cache)
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&conn)
    }
}

fn check_sizes(integrated: u64, wanted: u64) -> Result<(), StoreError> {
    if wanted > integrated {
        return Err(StoreError::Ledger(LedgerError::InvalidProofRequest(
            format!("size {wanted} is beyond the integrated size {integrated}"),
        )));
    }
    Ok(())
}

impl LogStore for SqliteLog {
    fn integrated_size(&self) -> Result<u64, StoreError> {
        self.with_conn(|c| Ok(tree_state(c)?.0))
    }

    fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        self.with_conn(|c| {
            let row: Option<(i64, String)> = c
                .prepare_cached("SELECT size, note FROM log_checkpoint ORDER BY size DESC LIMIT 1")?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((size, mut note)) = row else {
                return Ok(None);
            };
            let mut stmt = c.prepare_cached(
                "SELECT line FROM log_cosignature WHERE size = ?1 ORDER BY witness",
            )?;
            for line in stmt.query_map([size], |r| r.get::<_, String>(0))? {
                note.push_str(&line?);
            }
            Ok(Some(note))
        })
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError> {
        self.with_conn(|c| {
            Ok(
                c.prepare_cached("SELECT note FROM log_checkpoint WHERE size = ?1")?
                    .query_row([size as i64], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    fn tile(
        &self,
        level: u8,
        index: u64,
        width: Option<u16>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let want = width.map_or(TILE_WIDTH as usize, usize::from);
        if let Some((w, nodes)) = self.cache.get(level, index)
            && w >= want
        {
            return Ok(Some(nodes_to_bytes(&nodes[..want])));
        }
        self.with_conn(|c| {
            let Some((w, nodes)) = load_tile(c, level, index)? else {
                return Ok(None);
            };
            if w < want {
                return Ok(None);
            }
            let bytes = nodes_to_bytes(&nodes[..want]);
            if w == TILE_WIDTH as usize {
                self.cache.insert(level, index, w, Arc::new(nodes));
            }
            Ok(Some(bytes))
        })
    }

    fn entry_bundle(&self, index: u64, width: Option<u16>) -> Result<Option<Vec<u8>>, StoreError> {
        let want = width.map_or(TILE_WIDTH, u64::from);
        self.with_conn(|c| {
            let (integrated, _) = tree_state(c)?;
            let start = index.checked_mul(TILE_WIDTH).ok_or_else(|| {
                StoreError::Ledger(LedgerError::MalformedTile("index too large".into()))
            })?;
            if start.saturating_add(want) > integrated {
                return Ok(None);
            }
            let mut stmt = c.prepare_cached(
                "SELECT entry FROM log_leaf WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
            )?;
            let rows = stmt.query_map(params![start as i64, (start + want) as i64], |r| {
                r.get::<_, Vec<u8>>(0)
            })?;
            let entries: Vec<Vec<u8>> = rows.collect::<Result<_, _>>()?;
            if entries.len() as u64 != want {
                return Err(StoreError::Corrupt(format!(
                    "entries of bundle {index} are missing"
                )));
            }
            Ok(Some(tile::encode_bundle(
                entries.iter().map(Vec::as_slice),
            )?))
        })
    }

    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_conn(|c| {
            let (integrated, _) = tree_state(c)?;
            if index >= integrated {
                return Ok(None);
            }
            Ok(
                c.prepare_cached("SELECT entry FROM log_leaf WHERE idx = ?1")?
                    .query_row([index as i64], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        self.with_conn(|c| {
            check_sizes(tree_state(c)?.0, size)?;
            Ok(proof::inclusion_proof(
                &TileReader {
                    conn: c,
                    cache: Some(&self.cache),
                },
                index,
                size,
            )?)
        })
    }

    fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        self.with_conn(|c| {
            check_sizes(tree_state(c)?.0, new)?;
            Ok(proof::consistency_proof(
                &TileReader {
                    conn: c,
                    cache: Some(&self.cache),
                },
                old,
                new,
            )?)
        })
    }

    fn restricted(&self, index: u64) -> Result<Option<(String, [u8; 32])>, StoreError> {
        self.with_conn(|c| {
            let row: Option<(String, Vec<u8>)> = c
                .prepare_cached("SELECT payload, salt FROM log_restricted WHERE idx = ?1")?
                .query_row([index as i64], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            row.map(|(p, s)| {
                let salt: [u8; 32] = s.try_into().map_err(|_| {
                    StoreError::Corrupt(format!("salt of leaf {index} is malformed"))
                })?;
                Ok((p, salt))
            })
            .transpose()
        })
    }

    fn add_cosignature(
        &self,
        size: u64,
        witness: &NoteVerifier,
        line: &str,
    ) -> Result<(), StoreError> {
        self.with_conn(|c| {
            let note: String = c
                .prepare_cached("SELECT note FROM log_checkpoint WHERE size = ?1")?
                .query_row([size as i64], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::Log(format!("no checkpoint of size {size}")))?;
            let (text, _) = jic_ledger::note::Note::parse_unverified(note.as_bytes())?;
            let sig = jic_ledger::note::NoteSignature::parse_line(line.trim_end_matches('\n'))?;
            if sig.name != witness.name() || sig.key_id != witness.key_id() {
                return Err(StoreError::Log(
                    "the cosignature is not by that witness".into(),
                ));
            }
            let timestamp =
                jic_ledger::cosignature::verify_timestamped(witness, &text, &sig.signature)?;
            c.prepare_cached(
                "INSERT OR REPLACE INTO log_cosignature (size, witness, line, timestamp)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                size as i64,
                witness.to_vkey(),
                sig.to_line(),
                timestamp as i64
            ])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jic_ledger::proof::{MemoryTree, verify_consistency, verify_inclusion};

    fn key() -> NoteSigner {
        NoteSigner::from_seed("jic.test/log", &[1; 32]).unwrap()
    }

    fn t(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_474_000_000 + s).unwrap()
    }

    fn entry(i: u64) -> Vec<u8> {
        format!("entry {i}").into_bytes()
    }

    /// Appends `n` leaves in batches of `batch`, integrating after each batch.
    fn build(n: u64, batch: u64) -> (SqliteLog, Vec<Hash>) {
        let mut conn = crate::db::open_in_memory().unwrap();
        let cache = Arc::new(TileCache::default());
        let mut hashes = Vec::new();
        let mut i = 0;
        while i < n {
            let tx = conn.transaction().unwrap();
            for _ in 0..batch.min(n - i) {
                assert_eq!(append(&tx, &entry(i), t(i as i64)).unwrap(), i);
                hashes.push(leaf_hash(&entry(i)));
                i += 1;
            }
            tx.commit().unwrap();
            integrate(&mut conn, &key(), t(i as i64), Some(&cache)).unwrap();
        }
        (SqliteLog::new(conn, cache), hashes)
    }

    #[test]
    fn stored_tree_matches_an_in_memory_tree_across_batch_shapes() {
        for (n, batch) in [(1, 1), (300, 7), (257, 256), (70_000, 9_999)] {
            let (log, hashes) = build(n, batch);
            let mem = MemoryTree::new(hashes.clone());
            assert_eq!(log.integrated_size().unwrap(), n);
            let note = log.checkpoint().unwrap().unwrap();
            let (cp, _) = Checkpoint::open(note.as_bytes(), &key().verifier(), &[]).unwrap();
            assert_eq!(cp.root, mem.root(n).unwrap(), "n={n}");
            for (index, size) in [(0, n), (n - 1, n), (n / 2, n), (0, 1), (n / 3, n / 2 + 1)] {
                let p = log.inclusion_proof(index, size).unwrap();
                verify_inclusion(
                    index,
                    size,
                    &hashes[index as usize],
                    &p,
                    &mem.root(size).unwrap(),
                )
                .unwrap();
            }
            for (old, new) in [(1, n), ((n / 2).max(1), n), (n, n)] {
                let p = log.consistency_proof(old, new).unwrap();
                verify_consistency(
                    old,
                    new,
                    &mem.root(old).unwrap(),
                    &mem.root(new).unwrap(),
                    &p,
                )
                .unwrap();
            }
        }
    }

    #[test]
    fn tiles_and_bundles_are_derived_from_storage() {
        let (log, hashes) = build(600, 50);
        let full = log.tile(0, 1, None).unwrap().unwrap();
        assert_eq!(
            tile::parse_hash_tile(&full, 256).unwrap(),
            hashes[256..512].to_vec()
        );
        let partial = log.tile(0, 2, Some(88)).unwrap().unwrap();
        assert_eq!(
            tile::parse_hash_tile(&partial, 88).unwrap(),
            hashes[512..600].to_vec()
        );
        // An older partial width is a prefix; a width not yet reached does not exist.
        assert_eq!(
            log.tile(0, 2, Some(10)).unwrap().unwrap(),
            partial[..320].to_vec()
        );
        assert_eq!(log.tile(0, 2, Some(89)).unwrap(), None);
        assert_eq!(log.tile(0, 2, None).unwrap(), None);
        let level1 = log.tile(1, 0, Some(2)).unwrap().unwrap();
        let mem = MemoryTree::new(hashes);
        assert_eq!(&level1[32..], &mem.node(8, 1).unwrap()[..]);
        let bundle = log.entry_bundle(2, Some(88)).unwrap().unwrap();
        let entries = tile::parse_bundle(&bundle).unwrap();
        assert_eq!(entries[0], entry(512).as_slice());
        assert_eq!(log.entry_bundle(2, None).unwrap(), None);
        assert_eq!(log.entry(599).unwrap(), Some(entry(599)));
        assert_eq!(log.entry(600).unwrap(), None);
        // Hostile indices from URLs answer "no such tile", never overflow.
        assert_eq!(log.entry_bundle(u64::MAX / 256, None).unwrap(), None);
        assert_eq!(log.tile(0, u64::MAX, Some(3)).unwrap(), None);
        assert!(log.inclusion_proof(0, u64::MAX).is_err());
    }

    #[test]
    fn appends_roll_back_with_the_callers_transaction() {
        let mut conn = crate::db::open_in_memory().unwrap();
        {
            let tx = conn.transaction().unwrap();
            append(&tx, b"kept?", t(0)).unwrap();
            // Dropped without commit.
        }
        assert_eq!(size(&conn).unwrap(), 0);
        let tx = conn.transaction().unwrap();
        assert_eq!(append(&tx, b"a", t(0)).unwrap(), 0);
        put_restricted(&tx, 0, "{\"lat\":1}", &[7; 32]).unwrap();
        tx.commit().unwrap();
        let log = SqliteLog::new(conn, Arc::new(TileCache::default()));
        assert_eq!(
            log.restricted(0).unwrap(),
            Some(("{\"lat\":1}".to_owned(), [7; 32]))
        );
    }

    #[test]
    fn cosignatures_are_checked_and_served_with_the_checkpoint() {
        use jic_ledger::key::KeyType;
        let (log, _) = build(5, 5);
        let w = NoteSigner::from_seed_typed("w.test", KeyType::CosignatureV1, &[2; 32]).unwrap();
        let note = log.checkpoint_at(5).unwrap().unwrap();
        let (text, _) = jic_ledger::note::Note::parse_unverified(note.as_bytes()).unwrap();
        let line = jic_ledger::cosignature::cosign(&w, &text, 99)
            .unwrap()
            .to_line();
        log.add_cosignature(5, &w.verifier(), &line).unwrap();
        let served = log.checkpoint().unwrap().unwrap();
        let (_, opened) =
            Checkpoint::open(served.as_bytes(), &key().verifier(), &[w.verifier()]).unwrap();
        assert_eq!(opened.verified().len(), 2);
        let forged = jic_ledger::cosignature::cosign(&w, "other\n1\nAA==\n", 99)
            .unwrap()
            .to_line();
        assert!(log.add_cosignature(5, &w.verifier(), &forged).is_err());
    }
}
