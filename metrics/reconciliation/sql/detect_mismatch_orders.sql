-- Order ids on events of each mismatched (sku, location, lot) since $since_ns;
-- a warehouse-level location matches the events of every bin in it, and a
-- key without a lot ('') the events of every lot.
WITH ev AS (
    SELECT e.sku, e.location, coalesce(lm.warehouse, split_part(e.location, '/', 1)) AS warehouse,
           coalesce(e.lot, '') AS lot, e.order_id
    FROM events e
    LEFT JOIN location_map lm ON lm.location = e.location
    WHERE e.order_id IS NOT NULL AND e.time_ns > $since_ns
      AND e.sku IN (SELECT sku FROM det_keys)
)
SELECT k.sku, k.location, k.lot, list_sort(list_distinct(list(ev.order_id))) AS order_ids
FROM det_keys k
JOIN ev ON ev.sku = k.sku AND (ev.location = k.location OR ev.warehouse = k.location)
       AND (k.lot = '' OR ev.lot = k.lot)
GROUP BY ALL
