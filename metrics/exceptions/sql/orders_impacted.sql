-- SPEC 2 order impact: distinct order ids on events of an (sku, location)
-- with an unresolved exception (registered as impacted(sku, location)); a
-- warehouse-level exception location covers the events of every bin in it.
SELECT count(DISTINCT e.order_id)
FROM events AS e
LEFT JOIN location_map AS m ON m.location = e.location
JOIN impacted AS k
  ON k.sku = e.sku
 AND (k.location = e.location OR k.location = coalesce(m.warehouse, split_part(e.location, '/', 1)))
WHERE e.order_id IS NOT NULL AND e.sku IN (SELECT sku FROM impacted)
