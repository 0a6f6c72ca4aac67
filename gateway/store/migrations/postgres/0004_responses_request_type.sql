-- A MessageTypeSelector may name the вид сведений by its request root as well as by its response root (as the
-- SMEV vendor's samples do): each queued answer remembers the type of the request it answers.
ALTER TABLE responses ADD COLUMN request_type TEXT;
CREATE INDEX responses_queue_by_request_type ON responses (sender, request_type, created_at, id)
    WHERE acked_at IS NULL AND kind <> 'purged';
