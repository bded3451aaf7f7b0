SELECT system, instance, channel, owner, sku, location, stock_status, warehouse, item_class,
       quantity, owner_quantity, raw, corrected, tolerance, result,
       nullif(lot, '') AS lot, nullif(serial, '') AS serial
FROM reconciliation_results
WHERE run_id = $run_id AND ($result IS NULL OR result = $result)
  AND ($sku IS NULL OR sku = $sku)
ORDER BY system, instance, sku, location, stock_status, lot, serial
LIMIT $limit OFFSET $offset
