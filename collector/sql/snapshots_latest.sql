-- The latest snapshot (taken at or before $now_ns) of each system instance and channel.
SELECT snapshot_id, system, instance, channel, taken_ns, received_ns, row_count, format
FROM snapshots
WHERE taken_ns <= $now_ns
QUALIFY row_number() OVER (
    PARTITION BY system, instance, coalesce(channel, '')
    ORDER BY taken_ns DESC, snapshot_id DESC
) = 1
ORDER BY system, instance, channel
