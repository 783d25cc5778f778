-- The transparency log (issue #3; see crates/store/src/log.rs).
--
-- Leaves are appended inside the submit path's transaction (durable on commit); integration into
-- the tree is batched: it computes the tiles for the new leaves and signs one checkpoint.

-- One row per leaf. `entry` is exactly the leaf data (RFC 8785 JSON, at most 65,535 bytes);
-- `leaf_hash` is SHA-256(0x00 ‖ entry), kept so integration need not rehash.
CREATE TABLE log_leaf (
    idx        INTEGER PRIMARY KEY,          -- leaf index, from 0, without gaps
    entry      BLOB NOT NULL,
    leaf_hash  BLOB NOT NULL,
    received   TEXT NOT NULL                 -- receipt time, RFC 3339 UTC
);

-- Hash tiles (c2sp.org/tlog-tiles, height 8). `nodes` holds the tile's `width` hashes of tree
-- level 8·level followed by the complete nodes of the seven levels above them inside the tile,
-- so any tree node is one lookup away when building proofs. A row is rewritten while the tile is
-- partial and never again once width = 256.
CREATE TABLE log_tile (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    width  INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
    nodes  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The integrated tree: how many leaves the tiles cover and their root.
CREATE TABLE log_tree (
    id               INTEGER PRIMARY KEY CHECK (id = 0),
    integrated_size  INTEGER NOT NULL,
    root             BLOB NOT NULL
);
INSERT INTO log_tree (id, integrated_size, root)
VALUES (0, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- Signed checkpoints (c2sp.org/tlog-checkpoint notes), one per integrated size.
CREATE TABLE log_checkpoint (
    size     INTEGER PRIMARY KEY,
    note     TEXT NOT NULL,                  -- the signed note, log signature only
    created  TEXT NOT NULL
);

-- Witness cosignatures (tlog-cosignature/v1 note signature lines) on stored checkpoints.
CREATE TABLE log_cosignature (
    size       INTEGER NOT NULL REFERENCES log_checkpoint(size),
    witness    TEXT NOT NULL,                -- the witness's verifier key string
    line       TEXT NOT NULL,                -- the signature line, with its newline
    timestamp  INTEGER NOT NULL,
    PRIMARY KEY (size, witness)
);

-- Plaintext and salt of restricted payloads, by leaf. Never part of the log itself: served
-- only to entitled readers, who check them against the leaf's commitment.
CREATE TABLE log_restricted (
    idx      INTEGER PRIMARY KEY REFERENCES log_leaf(idx),
    payload  TEXT NOT NULL,                  -- the payload JSON as submitted
    salt     BLOB NOT NULL
);
