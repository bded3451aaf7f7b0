-- Reconciliation runs after lo, oldest first, one row each.
SELECT run_id, 1 FROM reconciliation_runs WHERE run_id > $lo ORDER BY run_id
