-- Reconciliation runs with ids in (lo, hi]: their time and totals.
SELECT run_id, now_ns, trigger, duration_s, snapshots, compared, matched, transient, mismatched
FROM reconciliation_runs
WHERE run_id > $lo AND run_id <= $hi
