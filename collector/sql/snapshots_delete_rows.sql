DELETE FROM snapshot_rows WHERE snapshot_id IN (SELECT unnest($ids))
