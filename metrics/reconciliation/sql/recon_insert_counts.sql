INSERT INTO reconciliation_counts
SELECT $run_id, system, instance, warehouse, channel, result, keys FROM rc_counts
