-- Reports e-mailed to organisations (seeds 000, 001): the periods the scheduler has enqueued and one run per
-- organisation, period and kind. The SQLite twin is migrations/sqlite/0002_reports.sql: keep them in step.

-- Scheduled periods, recorded once by whichever node enqueues them first. Periods never overlap: a period is
-- only recorded when no recorded period ends on or after its first day, so a repeated tick, a restart or a
-- second node enqueues nothing new. Days are `YYYY-MM-DD` in the report time zone, both inclusive.
CREATE TABLE report_periods (
    period_first  TEXT    NOT NULL,
    period_last   TEXT    NOT NULL,
    from_ms       BIGINT  NOT NULL,
    to_ms         BIGINT  NOT NULL,
    fact_kind     TEXT    NOT NULL,
    reports       BIGINT  NOT NULL,
    enqueued_at   BIGINT  NOT NULL,
    enqueued_by   TEXT    NOT NULL,
    PRIMARY KEY (period_first, period_last)
);
CREATE INDEX report_periods_last ON report_periods (period_last);

-- One report per organisation, period and kind; sent at most once. A run is leased to one node while it is
-- built and sent; a failed delivery stays `failed` with its error and is tried again at `next_attempt_at`.
CREATE TABLE reports (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('scheduled', 'adhoc')),
    organisation    TEXT    NOT NULL,
    period_first    TEXT    NOT NULL,
    period_last     TEXT    NOT NULL,
    from_ms         BIGINT  NOT NULL,
    to_ms           BIGINT  NOT NULL,
    fact_kind       TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'failed', 'sent')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    created_at      BIGINT  NOT NULL,
    message_id      TEXT,
    recipient       TEXT,
    facts           BIGINT,
    smtp_response   TEXT,
    sent_at         BIGINT,
    UNIQUE (kind, organisation, period_first, period_last)
);
-- The scheduler's claim: unsent reports that are due, oldest first.
CREATE INDEX reports_due ON reports (next_attempt_at, id) WHERE status <> 'sent';
-- The history endpoint: by period.
CREATE INDEX reports_period ON reports (period_first, period_last);
-- A report reads one organisation's facts of a period ordered by (occurred_at, id): with `id` in the index the
-- rows stream in order, with no sort of the whole period first. It replaces the narrower index.
DROP INDEX facts_organisation;
CREATE INDEX facts_organisation_time ON facts (organisation, occurred_at, id);
