SELECT snapshot_id, system, instance, channel, taken_ns, received_ns, row_count, format
FROM snapshots
WHERE ($system IS NULL OR system = $system)
ORDER BY taken_ns DESC, snapshot_id DESC
LIMIT $limit
