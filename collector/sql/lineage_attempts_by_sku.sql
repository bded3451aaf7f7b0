-- Delivery attempts (spans with an event id and a target) of one SKU: those
-- that name it, and those that name neither SKU nor order (`unlabelled`;
-- the caller keeps those of listed events) that compaction keyed to it by
-- their event's SKU.
SELECT trace_id, span_id, start_ns, end_ns, status_code, status_message,
       event_id, event_source, location, target, attempt, replay, dead_lettered,
       duplicate, attempt_failed(status_code, dead_lettered) AS failed, error_type,
       http_status, received_ns, sku IS NULL AS unlabelled
FROM spans
WHERE lkey = hash($sku) AND event_id IS NOT NULL AND target IS NOT NULL
  AND end_ns >= $since
  AND (sku = $sku OR (sku IS NULL AND order_id IS NULL))
