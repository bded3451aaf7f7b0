DELETE FROM reconciliation_results WHERE run_id <= $before;
DELETE FROM reconciliation_counts WHERE run_id <= $before;
DELETE FROM reconciliation_runs WHERE run_id <= $before
