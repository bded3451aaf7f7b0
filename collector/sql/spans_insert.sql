INSERT INTO spans SELECT *, hash(event_source, event_id), $seq FROM fresh
