-- Snapshots beyond the newest $keep of each system instance and channel.
SELECT snapshot_id FROM snapshots
QUALIFY row_number() OVER (
    PARTITION BY system, instance, coalesce(channel, '')
    ORDER BY taken_ns DESC, snapshot_id DESC
) > $keep
