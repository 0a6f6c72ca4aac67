-- Contract 1.3.0: the plugins' own durable records (`store`) and e-mail queued by plugins (`mail`).
-- The SQLite twin of this file is migrations/sqlite/0005_plugin_records_and_mail.sql: keep them in step.

-- A plugin's records, each under (plugin, collection, key). `expires_at` NULL: kept until deleted.
CREATE TABLE plugin_records (
    plugin     TEXT    NOT NULL,
    collection TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      BYTEA    NOT NULL,
    version    BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (plugin, collection, key)
);
-- Retention deletes expired records.
CREATE INDEX plugin_records_expiry ON plugin_records (expires_at) WHERE expires_at IS NOT NULL;

-- The terms a record is found under: keyed hashes only (the host never stores a tag's text), with the record's
-- `at` so that a query is one range scan.
CREATE TABLE plugin_record_tags (
    plugin     TEXT    NOT NULL,
    collection TEXT    NOT NULL,
    tag        TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    key        TEXT    NOT NULL,
    PRIMARY KEY (plugin, collection, tag, at, key)
);
CREATE INDEX plugin_record_tags_by_key ON plugin_record_tags (plugin, collection, key);

-- E-mail queued by plugins, delivered by every node's mail job. Once sent (or given up) the message's content
-- is erased; the row stays until `forget_at` so that its key is not queued again.
CREATE TABLE mail_outbox (
    plugin      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    recipient   TEXT,
    subject     TEXT,
    body        TEXT,
    files       BYTEA,
    created_at  BIGINT NOT NULL,
    next_at     BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    sent_at     BIGINT,
    failed_at   BIGINT,
    last_error  TEXT,
    forget_at   BIGINT NOT NULL,
    PRIMARY KEY (plugin, key)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_forget ON mail_outbox (forget_at);

-- Keys the gateway makes for itself once and every node shares, e.g. the key of the keyed hashes of personal
-- identifiers (token subjects, plugins' tags and fingerprints) when the operator set none.
CREATE TABLE gateway_keys (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      BYTEA   NOT NULL,
    created_at BIGINT NOT NULL
);
