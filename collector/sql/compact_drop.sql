DROP TABLE IF EXISTS compact_spans; DROP TABLE IF EXISTS compact_events
