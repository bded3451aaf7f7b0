-- Append a validated snapshot (its rows registered as `staged`) whole.
INSERT INTO snapshot_rows (snapshot_id, sku, location, stock_status, quantity, lot, serial)
SELECT $snapshot_id, sku, location, stock_status, quantity, lot, serial FROM staged
