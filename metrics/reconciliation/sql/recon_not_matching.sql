SELECT system, instance, channel, owner, sku, location, stock_status, warehouse, item_class,
       quantity, owner_quantity, raw, corrected, tolerance, result, lot, serial
FROM rc_result
WHERE result <> 'match'
ORDER BY system, instance, sku, location, stock_status, lot, serial
