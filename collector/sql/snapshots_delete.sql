DELETE FROM snapshots WHERE snapshot_id IN (SELECT unnest($ids))
