-- One sku's quantities (optionally at one location or in its warehouse) in
-- the latest snapshot of every system instance and channel (lineage view).
WITH latest AS (
    SELECT snapshot_id, system, instance, channel, taken_ns FROM snapshots
    QUALIFY row_number() OVER (
        PARTITION BY system, instance, coalesce(channel, '')
        ORDER BY taken_ns DESC, snapshot_id DESC
    ) = 1
)
SELECT l.system, l.instance, l.channel, l.taken_ns, r.location, r.stock_status, r.quantity
FROM latest l
JOIN snapshot_rows r USING (snapshot_id)
WHERE r.sku = $sku
  AND ($location IS NULL OR r.location = $location
       OR r.location = split_part($location, '/', 1))
ORDER BY l.system, l.instance, l.channel, r.location, r.stock_status
