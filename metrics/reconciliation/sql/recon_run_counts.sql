SELECT system, instance, warehouse, channel, result, keys
FROM reconciliation_counts
WHERE run_id = $run_id
ORDER BY ALL
