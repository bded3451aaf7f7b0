-- Snapshot rows per snapshot after lo, oldest first.
SELECT snapshot_id, row_count FROM snapshots WHERE snapshot_id > $lo ORDER BY snapshot_id
