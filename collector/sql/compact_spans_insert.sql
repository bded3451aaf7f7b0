INSERT INTO spans SELECT * FROM compact_spans
