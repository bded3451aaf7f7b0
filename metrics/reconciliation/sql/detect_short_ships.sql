-- Short shipments behind mismatched keys (det_short: sku, location, lot,
-- owner source): per order with a shipment.confirmed from the key's owner at
-- the key (every bin of a warehouse-level location; its lot, when the key
-- has one) since $since_ns, the quantity the order reserved of the sku and
-- the quantity all of its shipment confirmations shipped.
WITH ev AS (
    SELECT e.source, e.type, e.sku, e.location, e.order_id, e.quantity,
           coalesce(e.lot, '') AS lot,
           coalesce(lm.warehouse, split_part(e.location, '/', 1)) AS warehouse
    FROM events e
    LEFT JOIN location_map lm ON lm.location = e.location
    WHERE e.order_id IS NOT NULL AND e.time_ns > $since_ns
      AND e.sku IN (SELECT sku FROM det_short)
),
hit AS (
    SELECT DISTINCT k.sku, k.location, k.lot, ev.order_id
    FROM det_short k
    JOIN ev ON ev.sku = k.sku AND ev.source = k.owner AND ev.type = 'shipment.confirmed'
           AND (ev.location = k.location OR ev.warehouse = k.location)
           AND (k.lot = '' OR ev.lot = k.lot)
),
per_order AS (
    SELECT sku, order_id,
           sum(quantity) FILTER (WHERE type = 'inventory.reserved') AS reserved,
           -sum(quantity) FILTER (WHERE type = 'shipment.confirmed') AS shipped
    FROM ev
    WHERE type IN ('inventory.reserved', 'shipment.confirmed')
    GROUP BY ALL
)
SELECT h.sku, h.location, h.lot, h.order_id, coalesce(p.reserved, 0) AS reserved,
       coalesce(p.shipped, 0) AS shipped
FROM hit h
JOIN per_order p USING (sku, order_id)
ORDER BY h.sku, h.location, h.lot, h.order_id
