-- The newest $limit events of one order in [$since, $until).
SELECT source, id, system, type, time_ns, sku, location, to_location, quantity,
       stock_status, uom, order_id, channel, sequence, lot, serial, reason,
       trace_id, extensions, received_ns, lkey, ekey
FROM events
WHERE order_id = $order_id
  AND time_ns >= $since AND time_ns < $until
ORDER BY time_ns DESC, source, id
LIMIT $limit
