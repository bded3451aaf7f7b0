-- The newest $limit events of one SKU (optionally one location) in [$since, $until).
-- lkey = hash(sku) lets compacted blocks skip every row group without the SKU.
SELECT source, id, system, type, time_ns, sku, location, to_location, quantity,
       stock_status, uom, order_id, channel, sequence, lot, serial, reason,
       trace_id, extensions, received_ns, lkey, ekey
FROM events
WHERE lkey = hash($sku) AND sku = $sku
  AND time_ns >= $since AND time_ns < $until
  AND ($location IS NULL OR location = $location OR to_location = $location)
ORDER BY time_ns DESC, source, id
LIMIT $limit
