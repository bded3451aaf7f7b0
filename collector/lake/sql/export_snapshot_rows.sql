-- The rows of snapshots with ids in (lo, hi], with their snapshot's keys.
SELECT r.snapshot_id, s.system, s.instance, s.channel, s.taken_ns,
       r.sku, r.location, r.stock_status, r.quantity
FROM snapshot_rows r JOIN snapshots s USING (snapshot_id)
WHERE r.snapshot_id > $lo AND r.snapshot_id <= $hi
