-- Delivery attempts that name the order.
SELECT trace_id, span_id, start_ns, end_ns, status_code, status_message,
       event_id, event_source, location, target, attempt, replay, dead_lettered,
       duplicate, attempt_failed(status_code, dead_lettered) AS failed, error_type,
       http_status, received_ns, false AS unlabelled
FROM spans
WHERE order_id = $order_id AND event_id IS NOT NULL AND target IS NOT NULL
  AND end_ns >= $since
