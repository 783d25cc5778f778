-- The `submission` table stored every accepted submission a second time: the envelope, its
-- signature and the payload were already in the log leaf (`log_leaf.entry`, the canonical JSON
-- of the signed envelope) and, for restricted kinds, in `log_restricted`. Writing that copy and
-- its two indexes was a fifth of the single writer's SQL per submission.
--
-- What the log does not answer quickly is "which leaves are submissions of kind K": that stays
-- a narrow table, `submission_index`. `submission` becomes a view with the same columns as the
-- table it replaces, so every reader keeps working:
-- - `payload_json`: the plaintext of a restricted payload from `log_restricted`, otherwise the
--   envelope's payload from the leaf (as canonical JSON text, which parses to the same value);
-- - `envelope_json`, `sig`, `key_name`, `seq`, `claimed_time`: from the leaf;
-- - `received`: the leaf's receipt time (the same value the table held).
-- `log_leaf.entry` is a BLOB, which SQLite's JSON functions would read as JSONB: hence the CAST.
CREATE TABLE submission_index (
    leaf_index  INTEGER PRIMARY KEY,         -- the leaf that logs the submission
    kind        TEXT NOT NULL,
    party       TEXT NOT NULL
);
CREATE INDEX submission_index_by_kind ON submission_index(kind, leaf_index);

INSERT INTO submission_index (leaf_index, kind, party)
    SELECT leaf_index, kind, party FROM submission;

DROP TABLE submission;

CREATE VIEW submission AS
    SELECT s.leaf_index AS leaf_index,
           s.kind AS kind,
           s.party AS party,
           substr(CAST(l.entry AS TEXT) ->> '$.envelope.key', 1,
                  instr((CAST(l.entry AS TEXT) ->> '$.envelope.key') || '+', '+') - 1)
               AS key_name,
           CAST(l.entry AS TEXT) ->> '$.envelope.seq' AS seq,
           CAST(l.entry AS TEXT) ->> '$.envelope.time' AS claimed_time,
           l.received AS received,
           r.idx IS NOT NULL AS restricted,
           COALESCE(r.payload, CAST(l.entry AS TEXT) -> '$.envelope.payload') AS payload_json,
           r.salt AS salt,
           CAST(l.entry AS TEXT) -> '$.envelope' AS envelope_json,
           CAST(l.entry AS TEXT) ->> '$.sig' AS sig
    FROM submission_index s
    JOIN log_leaf l ON l.idx = s.leaf_index
    LEFT JOIN log_restricted r ON r.idx = s.leaf_index;
