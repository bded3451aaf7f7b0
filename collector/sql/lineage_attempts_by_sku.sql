-- Delivery attempts (spans with an event id and a target) that name the SKU,
-- and those that name neither SKU nor order but were keyed to the SKU by
-- compaction (their event's SKU): `unlabelled`, kept only for listed events.
SELECT trace_id, span_id, start_ns, end_ns, status_code, status_message,
       event_id, event_source, location, target, attempt, replay, dead_lettered,
       duplicate, error_type, http_status, received_ns, sku IS NULL AS unlabelled
FROM spans
WHERE lkey = hash($sku) AND event_id IS NOT NULL AND target IS NOT NULL
  AND end_ns >= $since
  AND (sku = $sku OR (sku IS NULL AND order_id IS NULL))
