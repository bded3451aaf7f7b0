-- Spans of both tiers: every hot row, and the lake's spans that ended before
-- the hot horizon ({before}) and that the hot store no longer holds (by
-- (trace_id, span_id)).
CREATE OR REPLACE TEMP VIEW spans AS
SELECT * FROM {hot}
UNION ALL BY NAME
SELECT * EXCLUDE (ts), hash(l.event_source, l.event_id) AS pkey,
       CASE WHEN l.sku IS NOT NULL THEN hash(l.sku) END AS lkey
FROM {lake} AS l
WHERE l.end_ns < {before}
  AND NOT EXISTS (
      SELECT 1 FROM {hot} AS h
      WHERE h.end_ns < {before} AND h.trace_id = l.trace_id AND h.span_id = l.span_id
  )
