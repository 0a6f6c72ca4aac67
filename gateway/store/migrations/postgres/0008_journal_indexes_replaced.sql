-- The indexes 0006 and 0007 replace. Dropping one is quick (it waits only for the statements reading the
-- journal at that moment).
DROP INDEX journal_sender_at;
DROP INDEX journal_at;
