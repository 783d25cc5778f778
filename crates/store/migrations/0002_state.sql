-- State tables for the jic service (issue #5), designed to hold what later issues add
-- (humanitarian notifications #6, strike notices and reviews #6, incidents #7, phase clock #7).
--
-- Every row that records something a party did or jic decided names the log leaf that carries
-- it (`leaf_index`), so state can always be traced to, and rebuilt from, the log.
-- Times are RFC 3339 UTC strings (jiff's `Timestamp` display), comparable as text.
-- JSON columns hold the domain value as the submitter signed it (plaintext stays here, never
-- in the log, for restricted kinds).

-- The roster: who may submit and read. Changes are log entries (kind `roster.*`).
CREATE TABLE roster_member (
    id          TEXT PRIMARY KEY,            -- party or organisation id, e.g. "us", "ru", "ocha"
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,               -- party | duty_officer | humanitarian | monitor | witness
    added_leaf  INTEGER
);

CREATE TABLE roster_key (
    key_name      TEXT PRIMARY KEY,          -- the C2SP key name, e.g. "us-liaison"
    verifier      TEXT NOT NULL UNIQUE,      -- the C2SP verifier key string
    member_id     TEXT NOT NULL REFERENCES roster_member(id),
    added_leaf    INTEGER,
    revoked_leaf  INTEGER                    -- NULL while the key is valid
);

-- Read tokens: only the SHA-256 of each token is kept.
CREATE TABLE read_token (
    token_sha256  BLOB PRIMARY KEY,
    member_id     TEXT,                      -- NULL for deployment-wide roles (duty officer)
    role          TEXT NOT NULL,
    label         TEXT NOT NULL
);

-- Replay protection: the last accepted sequence number per signing key.
CREATE TABLE key_sequence (
    key_name  TEXT PRIMARY KEY,
    last_seq  INTEGER NOT NULL
);

-- Every accepted submission, by the leaf that logs it.
CREATE TABLE submission (
    leaf_index     INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    party          TEXT NOT NULL,
    key_name       TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    claimed_time   TEXT NOT NULL,
    received       TEXT NOT NULL,
    restricted     INTEGER NOT NULL,         -- 1 when the log holds a commitment, not the payload
    payload_json   TEXT,                     -- the plaintext payload (also for restricted kinds)
    salt           BLOB,                     -- the commitment salt of a restricted payload
    envelope_json  TEXT NOT NULL,            -- the signed envelope as logged
    sig            TEXT NOT NULL
);
CREATE INDEX submission_by_kind ON submission(kind, leaf_index);
CREATE INDEX submission_by_party ON submission(party, leaf_index);

-- jic's own decisions (alerts, verdicts, escalations, phase transitions, roster genesis).
CREATE TABLE decision (
    leaf_index  INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    created     TEXT NOT NULL,
    body_json   TEXT NOT NULL
);

-- Agreement versions and their countersignatures.
CREATE TABLE agreement_version (
    hash            TEXT PRIMARY KEY,        -- hex SHA-256 of the canonical form
    number          INTEGER NOT NULL UNIQUE, -- 1, 2, … in order of proposal
    proposed_by     TEXT NOT NULL,
    proposed_leaf   INTEGER,
    status          TEXT NOT NULL,           -- proposed | in_force | superseded | withdrawn
    required_json   TEXT NOT NULL,           -- JSON array of party ids that must countersign
    package_json    TEXT NOT NULL,           -- the agreement as JSON
    diff_json       TEXT,                    -- diff against the version in force when proposed
    in_force_leaf   INTEGER,
    created         TEXT NOT NULL
);

CREATE TABLE agreement_countersignature (
    hash        TEXT NOT NULL REFERENCES agreement_version(hash),
    party       TEXT NOT NULL,
    leaf_index  INTEGER NOT NULL,
    time        TEXT NOT NULL,
    PRIMARY KEY (hash, party)
);

-- Air operations (4D flight plans) and their history.
CREATE TABLE air_operation (
    id            TEXT PRIMARY KEY,
    party         TEXT NOT NULL,
    status        TEXT NOT NULL,             -- filed | cancelled
    version       INTEGER NOT NULL,
    plan_json     TEXT NOT NULL,
    window_start  TEXT,
    window_end    TEXT,
    leaf_index    INTEGER NOT NULL,
    updated       TEXT NOT NULL
);
CREATE INDEX air_operation_by_party ON air_operation(party);

CREATE TABLE air_operation_version (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    action      TEXT NOT NULL,               -- file | amend | cancel
    plan_json   TEXT,
    leaf_index  INTEGER NOT NULL,
    time        TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- Tracks: the latest state per aircraft; batches are logged by digest.
CREATE TABLE track_state (
    aircraft_id  TEXT PRIMARY KEY,
    party        TEXT NOT NULL,
    lat          REAL NOT NULL,
    lon          REAL NOT NULL,
    alt_ft       REAL NOT NULL,
    gs_kt        REAL NOT NULL,
    trk_deg      REAL NOT NULL,
    vs_fpm       REAL NOT NULL,
    observed     TEXT NOT NULL,
    batch_leaf   INTEGER NOT NULL
);

CREATE TABLE track_batch (
    leaf_index  INTEGER PRIMARY KEY,
    party       TEXT NOT NULL,
    digest      TEXT NOT NULL,               -- hex SHA-256 of the batch body
    count       INTEGER NOT NULL,
    received    TEXT NOT NULL
);

-- Alerts raised by jic and who must see them.
CREATE TABLE alert (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,             -- track_conflict | plan_conflict | ack_overdue | …
    severity      TEXT NOT NULL,             -- info | warning | critical
    status        TEXT NOT NULL,             -- open | acknowledged | closed
    dedupe_key    TEXT UNIQUE,               -- an open alert for the same subject is not raised twice
    subject_json  TEXT NOT NULL,             -- what every recipient may see
    leaf_index    INTEGER,
    created       TEXT NOT NULL,
    closed        TEXT
);

CREATE TABLE alert_recipient (
    alert_id  INTEGER NOT NULL REFERENCES alert(id),
    member    TEXT NOT NULL,                 -- a roster member id, or a role name ("monitor")
    detail_json TEXT,                        -- what this recipient alone may see (its conflicting legs)
    PRIMARY KEY (alert_id, member)
);

CREATE TABLE alert_ack (
    alert_id    INTEGER NOT NULL REFERENCES alert(id),
    party       TEXT NOT NULL,
    note        TEXT,
    leaf_index  INTEGER NOT NULL,
    time        TEXT NOT NULL,
    PRIMARY KEY (alert_id, party)
);

-- Humanitarian notifications (issue #6): static sites and movements.
CREATE TABLE humanitarian_notification (
    id            TEXT PRIMARY KEY,
    org           TEXT NOT NULL,
    kind          TEXT NOT NULL,             -- site | movement
    disclosure    TEXT NOT NULL,             -- shared | sealed
    status        TEXT NOT NULL,             -- active | withdrawn | expired
    version       INTEGER NOT NULL,
    body_json     TEXT NOT NULL,
    valid_from    TEXT,
    valid_until   TEXT,
    ack_deadline  TEXT,
    leaf_index    INTEGER NOT NULL,
    updated       TEXT NOT NULL
);

CREATE TABLE notification_recipient (
    notification_id  TEXT NOT NULL REFERENCES humanitarian_notification(id),
    party            TEXT NOT NULL,
    PRIMARY KEY (notification_id, party)
);

CREATE TABLE acknowledgment (
    notification_id  TEXT NOT NULL,
    version          INTEGER NOT NULL,
    party            TEXT NOT NULL,
    leaf_index       INTEGER NOT NULL,
    time             TEXT NOT NULL,
    PRIMARY KEY (notification_id, version, party)
);

CREATE TABLE sealed_check (
    id           INTEGER PRIMARY KEY,
    asker        TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT,
    result_band  TEXT NOT NULL,              -- what the asker was told, e.g. "within 500 m"
    leaf_index   INTEGER,
    time         TEXT NOT NULL
);

-- Strike pre-notifications and joint review (issue #6).
CREATE TABLE strike_notice (
    id               TEXT PRIMARY KEY,
    party            TEXT NOT NULL,
    air_operation_id TEXT,
    status           TEXT NOT NULL,          -- pending | cleared | not_cleared | conflict | withdrawn
    verdict_json     TEXT,
    body_json        TEXT NOT NULL,
    window_start     TEXT,
    window_end       TEXT,
    review_deadline  TEXT,
    leaf_index       INTEGER NOT NULL,
    updated          TEXT NOT NULL
);

CREATE TABLE strike_review (
    notice_id   TEXT NOT NULL REFERENCES strike_notice(id),
    party       TEXT NOT NULL,
    stance      TEXT NOT NULL,               -- concur | object
    reason      TEXT,
    leaf_index  INTEGER NOT NULL,
    time        TEXT NOT NULL,
    PRIMARY KEY (notice_id, party, leaf_index)
);

CREATE TABLE stop_request (
    id            INTEGER PRIMARY KEY,
    notice_id     TEXT NOT NULL,
    party         TEXT NOT NULL,
    reason        TEXT,
    leaf_index    INTEGER NOT NULL,
    time          TEXT NOT NULL,
    answered_leaf INTEGER
);

-- Implementation-plane suspension and resumption (issue #6).
CREATE TABLE suspension (
    leaf_index  INTEGER PRIMARY KEY,
    party       TEXT NOT NULL,
    action      TEXT NOT NULL,               -- suspend | resume
    reason      TEXT,
    time        TEXT NOT NULL
);

-- Incidents, their versions, counter-claims and evidence (issue #7).
CREATE TABLE incident (
    id                  TEXT PRIMARY KEY,
    reporter            TEXT NOT NULL,
    status              TEXT NOT NULL,       -- reported | under_review | verified | unverified | disputed
    current_version     INTEGER NOT NULL,
    category            TEXT,
    occurred_start      TEXT,
    occurred_end        TEXT,
    lat                 REAL,
    lon                 REAL,
    uncertainty_m       REAL,
    classification_json TEXT,
    updated             TEXT NOT NULL
);

CREATE TABLE incident_version (
    incident_id  TEXT NOT NULL REFERENCES incident(id),
    version      INTEGER NOT NULL,
    body_json    TEXT NOT NULL,
    leaf_index   INTEGER NOT NULL,
    time         TEXT NOT NULL,
    PRIMARY KEY (incident_id, version)
);

CREATE TABLE counter_claim (
    id           INTEGER PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incident(id),
    party        TEXT NOT NULL,
    body_json    TEXT NOT NULL,
    leaf_index   INTEGER NOT NULL,
    time         TEXT NOT NULL
);

CREATE TABLE evidence (
    sha256       TEXT PRIMARY KEY,           -- hex; the file lives in the data directory by hash
    size         INTEGER NOT NULL,
    media_type   TEXT,
    description  TEXT,
    uploaded_by  TEXT NOT NULL,
    leaf_index   INTEGER,
    time         TEXT NOT NULL
);

CREATE TABLE incident_evidence (
    incident_id  TEXT NOT NULL REFERENCES incident(id),
    sha256       TEXT NOT NULL REFERENCES evidence(sha256),
    PRIMARY KEY (incident_id, sha256)
);

-- Phase transitions (issue #7), each a logged decision.
CREATE TABLE phase_transition (
    id           INTEGER PRIMARY KEY,
    phase_id     TEXT NOT NULL,
    from_phase   TEXT,
    at           TEXT NOT NULL,
    reason_json  TEXT NOT NULL,
    leaf_index   INTEGER
);

-- Live events, kept so SSE clients can resume with Last-Event-ID across restarts.
-- `audience_json` lists roster member ids and/or role names allowed to see the event.
CREATE TABLE event (
    id             INTEGER PRIMARY KEY,
    topic          TEXT NOT NULL,
    audience_json  TEXT NOT NULL,
    body_json      TEXT NOT NULL,
    leaf_index     INTEGER,
    time           TEXT NOT NULL
);
