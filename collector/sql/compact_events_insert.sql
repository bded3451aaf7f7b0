INSERT INTO events SELECT * FROM compact_events
