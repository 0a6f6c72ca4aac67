-- The gateway's state on PostgreSQL. Times are unix milliseconds (BIGINT), ids TEXT, bytes BYTEA.
-- The SQLite twin of this file is migrations/sqlite/0001_initial.sql: keep them in step.

-- Envelopes accepted by SendRequest or /api/v1/send, waiting for or done with their plugin chain.
CREATE TABLE requests (
    message_id           TEXT    NOT NULL PRIMARY KEY,
    sender               TEXT    NOT NULL,
    message_type         TEXT    NOT NULL,
    smev_version         TEXT    NOT NULL,
    format               TEXT    NOT NULL CHECK (format IN ('xml', 'json')),
    reference_message_id TEXT,
    transaction_code     TEXT,
    reply_to             TEXT,
    test_message         BOOLEAN NOT NULL DEFAULT FALSE,
    received_at          BIGINT  NOT NULL,
    finished_at          BIGINT,
    status               TEXT    NOT NULL CHECK (status IN ('accepted', 'done')),
    payload              BYTEA,
    payload_sha256       TEXT,
    lease_owner          TEXT,
    lease_until          BIGINT,
    attempts             BIGINT  NOT NULL DEFAULT 0
);
-- Claiming scans the unfinished requests oldest first.
CREATE INDEX requests_pending ON requests (received_at, message_id) WHERE status = 'accepted';
-- Retention deletes finished requests by age.
CREATE INDEX requests_finished ON requests (finished_at) WHERE status = 'done';

-- The per-sender queue of answers.
CREATE TABLE responses (
    id                   TEXT    NOT NULL PRIMARY KEY,
    request_message_id   TEXT    NOT NULL,
    sender               TEXT    NOT NULL,
    response_type        TEXT    NOT NULL,
    kind                 TEXT    NOT NULL CHECK (kind IN ('reply', 'rejected', 'status', 'purged')),
    body                 BYTEA,
    format               TEXT    NOT NULL CHECK (format IN ('xml', 'json')),
    smev_version         TEXT    NOT NULL,
    reference_message_id TEXT,
    transaction_code     TEXT,
    reply_to             TEXT,
    created_at           BIGINT  NOT NULL,
    purge_at             BIGINT,
    deliveries           BIGINT  NOT NULL DEFAULT 0,
    delivered_at         BIGINT,
    delivered_to         TEXT,
    acked_at             BIGINT
);
-- The queue scan: a sender's deliverable responses, oldest first, with or without a type selector.
CREATE INDEX responses_queue ON responses (sender, created_at, id)
    WHERE acked_at IS NULL AND kind <> 'purged';
CREATE INDEX responses_queue_by_type ON responses (sender, response_type, created_at, id)
    WHERE acked_at IS NULL AND kind <> 'purged';
-- Retention: bodies to purge, acknowledged responses to delete.
CREATE INDEX responses_purge ON responses (purge_at) WHERE acked_at IS NULL AND kind <> 'purged';
CREATE INDEX responses_acked ON responses (acked_at) WHERE acked_at IS NOT NULL;
CREATE INDEX responses_created ON responses (created_at);

-- Per-sender processing status messages for GetStatus, each delivered once.
CREATE TABLE status_events (
    id                  TEXT    NOT NULL PRIMARY KEY,
    sender              TEXT    NOT NULL,
    original_message_id TEXT    NOT NULL,
    category            TEXT    NOT NULL,
    details             TEXT,
    fault_code          TEXT,
    fault_description   TEXT,
    created_at          BIGINT  NOT NULL,
    delivered_at        BIGINT
);
CREATE INDEX status_events_queue ON status_events (sender, created_at, id) WHERE delivered_at IS NULL;
CREATE INDEX status_events_created ON status_events (created_at);

-- The audit trail. It never holds personal data: no payloads, no bodies, no token data.
CREATE TABLE journal (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             BIGINT  NOT NULL,
    node           TEXT    NOT NULL,
    sender         TEXT    NOT NULL,
    message_id     TEXT    NOT NULL,
    direction      TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    message_type   TEXT,
    outcome        TEXT    NOT NULL,
    detail         TEXT,
    payload_sha256 TEXT,
    duration_us    BIGINT
);
CREATE INDEX journal_sender_at ON journal (sender, at);
CREATE INDEX journal_message ON journal (message_id);
CREATE INDEX journal_at ON journal (at);

-- Short-lived tokens shared across nodes; expired ones stay as tombstones (no data, no subject).
CREATE TABLE tokens (
    scope           TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    subject_hash    TEXT,
    data            BYTEA,
    issued_at       BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    tombstone_until BIGINT  NOT NULL,
    PRIMARY KEY (scope, id)
);
-- One live token per subject and scope; tombstones have no subject.
CREATE UNIQUE INDEX tokens_subject ON tokens (scope, subject_hash) WHERE subject_hash IS NOT NULL;
CREATE INDEX tokens_expiry ON tokens (expires_at) WHERE subject_hash IS NOT NULL OR data IS NOT NULL;
CREATE INDEX tokens_tombstone ON tokens (tombstone_until);

-- Things the host records when a plugin chain passes (e.g. a scan made with a power of attorney).
CREATE TABLE facts (
    id            TEXT    NOT NULL PRIMARY KEY,
    kind          TEXT    NOT NULL,
    organisation  TEXT    NOT NULL,
    document_type TEXT    NOT NULL,
    occurred_at   BIGINT  NOT NULL,
    attributes    TEXT    NOT NULL,
    recorded_at   BIGINT  NOT NULL
);
CREATE INDEX facts_organisation ON facts (organisation, occurred_at);
CREATE INDEX facts_occurred ON facts (occurred_at);
