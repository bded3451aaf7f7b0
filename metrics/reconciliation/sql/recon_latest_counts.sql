-- Keys of the latest run by warehouse, channel and result (the metric).
SELECT warehouse, channel, result, sum(keys)::BIGINT AS keys
FROM reconciliation_counts
WHERE run_id = (SELECT max(run_id) FROM reconciliation_runs)
GROUP BY ALL
ORDER BY ALL
