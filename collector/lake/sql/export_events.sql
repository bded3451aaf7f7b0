-- Events of group commits (lo, hi], in the lake's column order (no hash keys),
-- in the lake's sort order (sku, then time: see tables.py).
SELECT source, id, system, instance, type, time_ns, sku, location, to_location,
       quantity, stock_status, uom, order_id, channel, sequence, lot, serial,
       reason, trace_id, parent_span_id, data, extensions, received_ns, seq
FROM events
WHERE seq > $lo AND seq <= $hi
ORDER BY sku, time_ns
