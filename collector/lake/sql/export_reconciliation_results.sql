-- Reconciliation results of runs with ids in (lo, hi], with the run's time.
SELECT r.run_id, u.now_ns AS run_ns, r.system, r.instance, r.channel, r.owner,
       r.sku, r.location, r.stock_status, r.warehouse, r.item_class, r.quantity,
       r.owner_quantity, r.raw, r.corrected, r.tolerance, r.result
FROM reconciliation_results r JOIN reconciliation_runs u USING (run_id)
WHERE r.run_id > $lo AND r.run_id <= $hi
