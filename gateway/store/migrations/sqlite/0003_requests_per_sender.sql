-- MessageIDs are the sender's own: two senders may use the same id without meeting (issue 9, item 5).
-- A request is identified by (sender, message_id). SQLite cannot change a primary key in place: the table is
-- copied. The PostgreSQL twin is migrations/postgres/0003_requests_per_sender.sql.
CREATE TABLE requests_per_sender (
    message_id           TEXT    NOT NULL,
    sender               TEXT    NOT NULL,
    message_type         TEXT    NOT NULL,
    smev_version         TEXT    NOT NULL,
    format               TEXT    NOT NULL CHECK (format IN ('xml', 'json')),
    reference_message_id TEXT,
    transaction_code     TEXT,
    reply_to             TEXT,
    test_message         INTEGER NOT NULL DEFAULT 0 CHECK (test_message IN (0, 1)),
    received_at          INTEGER NOT NULL,
    finished_at          INTEGER,
    status               TEXT    NOT NULL CHECK (status IN ('accepted', 'done')),
    payload              BLOB,
    payload_sha256       TEXT,
    lease_owner          TEXT,
    lease_until          INTEGER,
    attempts             INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sender, message_id)
);
INSERT INTO requests_per_sender (message_id, sender, message_type, smev_version, format, reference_message_id,
    transaction_code, reply_to, test_message, received_at, finished_at, status, payload, payload_sha256,
    lease_owner, lease_until, attempts)
SELECT message_id, sender, message_type, smev_version, format, reference_message_id, transaction_code,
    reply_to, test_message, received_at, finished_at, status, payload, payload_sha256, lease_owner, lease_until,
    attempts
FROM requests;
DROP TABLE requests;
ALTER TABLE requests_per_sender RENAME TO requests;
CREATE INDEX requests_pending ON requests (received_at, sender, message_id) WHERE status = 'accepted';
CREATE INDEX requests_finished ON requests (finished_at) WHERE status = 'done';
