-- Attempts that carry neither SKU nor order but belong to the listed events
-- (registered as `wanted(source, id)`): the integer pkey narrows, the exact
-- comparison decides.
SELECT s.trace_id, s.span_id, s.name, s.start_ns, s.end_ns, s.status_code, s.status_message,
       s.event_id, s.event_source, s.location, s.target, s.attempt, s.replay, s.dead_lettered,
       s.duplicate, s.error_type, s.http_status, s.received_ns
FROM (SELECT * FROM spans
      WHERE pkey IN (SELECT hash(source, id) FROM wanted)
        AND sku IS NULL AND order_id IS NULL AND target IS NOT NULL
        AND end_ns >= $since) AS s
SEMI JOIN wanted AS w ON s.event_source = w.source AND s.event_id = w.id
