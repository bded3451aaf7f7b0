-- One sku's quantities in every snapshot taken in [$since, $until) by any
-- system (optionally at one location or in its warehouse), oldest first.
SELECT s.system, s.instance, s.channel, s.taken_ns, r.location, r.stock_status, r.quantity,
       nullif(r.lot, '') AS lot, nullif(r.serial, '') AS serial
FROM snapshots AS s
JOIN snapshot_rows AS r USING (snapshot_id)
WHERE r.sku = $sku
  AND s.taken_ns >= $since AND s.taken_ns < $until
  AND ($location IS NULL OR r.location = $location
       OR r.location = $warehouse)
ORDER BY s.taken_ns, s.system, s.instance, r.location, r.stock_status, r.lot, r.serial
