-- Results per reconciliation run after lo, oldest first (runs without any count 0).
SELECT u.run_id, count(r.run_id)
FROM reconciliation_runs u LEFT JOIN reconciliation_results r USING (run_id)
WHERE u.run_id > $lo
GROUP BY u.run_id
ORDER BY u.run_id
