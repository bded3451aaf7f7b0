-- Events stored in ($lo, $hi] whose source system does not own their stock
-- status; det_owned(stock_status, system) lists the owners of the statuses
-- the ownership map names.
SELECT e.source, e.id, e.system, e.type, e.time_ns, e.sku, e.location, e.stock_status,
       e.order_id, e.trace_id
FROM events e
WHERE e.seq > $lo AND e.seq <= $hi
  AND e.stock_status IN (SELECT DISTINCT stock_status FROM det_owned)
  AND NOT EXISTS (
      SELECT 1 FROM det_owned o WHERE o.stock_status = e.stock_status AND o.system = e.system
  )
ORDER BY e.time_ns, e.source, e.id
