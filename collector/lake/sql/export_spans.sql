-- Spans of group commits (lo, hi], in the lake's column order (no hash keys),
-- in the lake's sort order (sku, then time: see tables.py).
SELECT trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns,
       status_code, status_message, service_name, scope_name, event_id,
       event_source, sku, location, order_id, target, attempt, replay,
       dead_lettered, duplicate, error_type, http_status, attributes, resource,
       links, span_events, received_ns, seq, scope_version, scope_attributes
FROM spans
WHERE seq > $lo AND seq <= $hi
ORDER BY sku, start_ns
