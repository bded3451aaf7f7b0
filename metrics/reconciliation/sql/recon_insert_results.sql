INSERT INTO reconciliation_results
    (run_id, system, instance, channel, owner, sku, location, stock_status, warehouse,
     item_class, quantity, owner_quantity, raw, corrected, tolerance, result, lot, serial)
SELECT $run_id, system, instance, channel, owner, sku, location, stock_status, warehouse,
       item_class, quantity, owner_quantity, raw, corrected, tolerance, result, lot, serial
FROM rc_not_matching
