-- Every span of the listed traces (registered as `wanted(trace_id)`).
SELECT trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code,
       status_message, service_name, scope_name, scope_version, scope_attributes,
       event_id, event_source, sku, location, order_id, target, attempt, replay, dead_lettered, duplicate, error_type,
       http_status, attributes, resource, links, span_events
FROM spans
WHERE trace_id IN (SELECT trace_id FROM wanted)
ORDER BY start_ns, span_id
