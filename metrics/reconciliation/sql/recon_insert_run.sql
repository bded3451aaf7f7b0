INSERT INTO reconciliation_runs
    (run_id, now_ns, trigger, duration_s, snapshots, compared, matched, transient, mismatched)
VALUES ($run_id, $now_ns, $trigger, $duration_s, $snapshots, $compared, $matched, $transient,
        $mismatched)
