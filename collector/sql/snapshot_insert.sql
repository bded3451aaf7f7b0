INSERT INTO snapshots (snapshot_id, system, instance, channel, taken_ns, received_ns, row_count, format)
VALUES ($snapshot_id, $system, $instance, $channel, $taken_ns, $received_ns, $row_count, $format)
