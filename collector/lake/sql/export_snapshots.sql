-- Stock snapshots with ids in (lo, hi].
SELECT snapshot_id, system, instance, channel, taken_ns, received_ns, row_count, format
FROM snapshots
WHERE snapshot_id > $lo AND snapshot_id <= $hi
