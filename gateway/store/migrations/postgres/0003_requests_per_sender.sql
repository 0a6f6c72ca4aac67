-- MessageIDs are the sender's own: two senders may use the same id without meeting (issue 9, item 5).
-- A request is identified by (sender, message_id). The SQLite twin is migrations/sqlite/0003_requests_per_sender.sql.
ALTER TABLE requests DROP CONSTRAINT requests_pkey;
ALTER TABLE requests ADD PRIMARY KEY (sender, message_id);
DROP INDEX requests_pending;
CREATE INDEX requests_pending ON requests (received_at, sender, message_id) WHERE status = 'accepted';
