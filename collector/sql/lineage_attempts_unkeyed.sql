-- Attempts that name neither SKU nor order and have no lkey yet (not
-- compacted, or their event came after compaction) with the pkey of a listed
-- event ($pkeys = the events' ekeys); the caller keeps exact matches.  Row
-- groups without a null lkey are skipped.
SELECT trace_id, span_id, start_ns, end_ns, status_code, status_message,
       event_id, event_source, location, target, attempt, replay, dead_lettered,
       duplicate, attempt_failed(status_code, dead_lettered) AS failed, error_type,
       http_status, received_ns, true AS unlabelled
FROM spans
WHERE lkey IS NULL AND pkey IN (SELECT unnest($pkeys::UBIGINT[]))
  AND sku IS NULL AND order_id IS NULL
  AND event_id IS NOT NULL AND target IS NOT NULL AND end_ns >= $since
