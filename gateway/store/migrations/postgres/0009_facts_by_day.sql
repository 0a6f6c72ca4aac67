-- Facts in one partition per UTC day (`facts_YYYYMMDD`), so that the facts retention deletes a day by detaching
-- and dropping its partition: no row is read or written, and writers are not held (see `fact_days.rs`). Deleting
-- a day of 111,000 facts row by row read 171–233 MB from disk and wrote its WAL while the writers committed.
--
-- A partitioned table's primary key must hold the partition key: (id, occurred_at). Fact ids are UUIDs; the same
-- fact recorded twice (same id, same time) is still refused.
--
-- The store creates a day's partition before the first fact of that day is written (and the days ahead at
-- start); two partitions at the edges take the facts dated outside the years 1–9999 (a plugin's bad clock), which
-- have no date to name a day by.
--
-- An upgrade copies the facts into the new table in this migration's one transaction, holding the table for as
-- long as that takes.

ALTER TABLE facts RENAME TO facts_unpartitioned;
ALTER INDEX facts_pkey RENAME TO facts_unpartitioned_pkey;
ALTER INDEX facts_organisation_time RENAME TO facts_unpartitioned_organisation_time;
ALTER INDEX facts_occurred RENAME TO facts_unpartitioned_occurred;

CREATE TABLE facts (
    id            TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    organisation  TEXT    NOT NULL,
    document_type TEXT    NOT NULL,
    occurred_at   BIGINT  NOT NULL,
    attributes    TEXT    NOT NULL,
    recorded_at   BIGINT  NOT NULL,
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX facts_organisation_time ON facts (organisation, occurred_at, id);
CREATE INDEX facts_occurred ON facts (occurred_at);

-- Before 0001-01-01 and from 10000-01-01 (unix ms).
CREATE TABLE facts_early PARTITION OF facts FOR VALUES FROM (MINVALUE) TO (-62135596800000);
CREATE TABLE facts_late PARTITION OF facts FOR VALUES FROM (253402300800000) TO (MAXVALUE);

DO $$
DECLARE
    d BIGINT;
BEGIN
    FOR d IN
        SELECT DISTINCT floor(occurred_at::numeric / 86400000)::bigint FROM facts_unpartitioned
        WHERE occurred_at >= -62135596800000 AND occurred_at < 253402300800000
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF facts FOR VALUES FROM (%s) TO (%s)',
            'facts_' || to_char(to_timestamp(d * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD'),
            d * 86400000,
            (d + 1) * 86400000
        );
    END LOOP;
END
$$;

INSERT INTO facts SELECT id, kind, organisation, document_type, occurred_at, attributes, recorded_at
FROM facts_unpartitioned;
DROP TABLE facts_unpartitioned;
