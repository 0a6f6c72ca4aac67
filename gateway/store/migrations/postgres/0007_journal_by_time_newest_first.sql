-- no-transaction
-- The operator's search over every sender, newest first by (at, id), and the journal's retention (oldest
-- first by `at`): as 0006, for the index of 0001 on (at) alone. Built CONCURRENTLY for the same reason; an
-- interrupted build is mended the same way (drop `journal_at_id`, start again).
CREATE INDEX CONCURRENTLY journal_at_id ON journal (at, id);
