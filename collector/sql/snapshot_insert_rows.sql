-- Append a validated, staged snapshot (a Parquet file of ROW_SCHEMA) whole.
INSERT INTO snapshot_rows (snapshot_id, sku, location, stock_status, quantity)
SELECT $snapshot_id, sku, location, stock_status, quantity FROM read_parquet($staged)
