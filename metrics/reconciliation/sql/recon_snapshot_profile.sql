-- Per latest snapshot (rc_snaps): which stock statuses it holds in which
-- warehouse, how many of those rows are bin-level (location <> warehouse),
-- and how many carry a lot or a serial.
WITH r AS (
    SELECT r.snapshot_id, r.stock_status, r.location, r.lot, r.serial,
           coalesce(lm.warehouse, split_part(r.location, '/', 1)) AS warehouse
    FROM snapshot_rows r
    JOIN rc_snaps s USING (snapshot_id)
    LEFT JOIN location_map lm ON lm.location = r.location
)
SELECT snapshot_id, stock_status, warehouse, count(*) AS n,
       count(*) FILTER (WHERE location <> warehouse) AS bin_rows,
       count(*) FILTER (WHERE coalesce(lot, '') <> '') AS lot_rows,
       count(*) FILTER (WHERE coalesce(serial, '') <> '') AS serial_rows
FROM r
GROUP BY ALL
