-- Key rotation (issue #5): a member's new key usually has the same name as its old one, so
-- keys are identified by their verifier string, not by their name.
CREATE TABLE roster_key_new (
    verifier      TEXT PRIMARY KEY,          -- the C2SP verifier key string
    key_name      TEXT NOT NULL,             -- its name, e.g. "us"
    member_id     TEXT NOT NULL REFERENCES roster_member(id),
    added_leaf    INTEGER,
    revoked_leaf  INTEGER                    -- NULL while the key is valid
);
INSERT INTO roster_key_new (verifier, key_name, member_id, added_leaf, revoked_leaf)
    SELECT verifier, key_name, member_id, added_leaf, revoked_leaf FROM roster_key;
DROP TABLE roster_key;
ALTER TABLE roster_key_new RENAME TO roster_key;
CREATE INDEX roster_key_by_member ON roster_key(member_id);
