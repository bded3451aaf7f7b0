-- Snapshots after lo, oldest first, one row each.
SELECT snapshot_id, 1 FROM snapshots WHERE snapshot_id > $lo ORDER BY snapshot_id
