-- Keys of the latest run by system, warehouse, channel and result (the
-- overview's heat map: a system axis beside the warehouse).
SELECT system, warehouse, channel, result, sum(keys)::BIGINT AS keys
FROM reconciliation_counts
WHERE run_id = (SELECT max(run_id) FROM reconciliation_runs)
GROUP BY ALL
ORDER BY ALL
