-- Attempts that name neither SKU nor order, keyed by compaction to the SKU
-- whose lkey is $lkey (their event's), with the pkey of a listed event
-- ($pkeys); the caller keeps exact matches.  The narrow integer columns find
-- the group commits that hold them first, so the wide columns are read from
-- those blocks only.
WITH hits AS (
    SELECT DISTINCT seq FROM spans
    WHERE lkey = $lkey::UBIGINT AND pkey IN (SELECT unnest($pkeys::UBIGINT[]))
      AND sku IS NULL AND order_id IS NULL AND end_ns >= $since
)
SELECT trace_id, span_id, start_ns, end_ns, status_code, status_message,
       event_id, event_source, location, target, attempt, replay, dead_lettered,
       duplicate, attempt_failed(status_code, dead_lettered) AS failed, error_type,
       http_status, received_ns, true AS unlabelled
FROM spans
WHERE lkey = $lkey::UBIGINT AND seq IN (SELECT seq FROM hits)
  AND sku IS NULL AND order_id IS NULL
  AND event_id IS NOT NULL AND target IS NOT NULL AND end_ns >= $since
