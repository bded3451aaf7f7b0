SELECT run_id, now_ns, trigger, duration_s, snapshots, compared, matched, transient, mismatched
FROM reconciliation_runs
ORDER BY run_id DESC
LIMIT $limit
