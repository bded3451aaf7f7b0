-- (target, source, sku, location) groups touched in ($lo, $hi], and in each the
-- deliveries applied after one with a higher sequence (SPEC 2 out of sequence).
WITH changed AS (
    SELECT ekey AS pkey FROM events WHERE seq > $lo AND seq <= $hi
    UNION
    SELECT pkey FROM spans
    WHERE seq > $lo AND seq <= $hi AND event_id IS NOT NULL AND target IS NOT NULL
),
touched AS (
    SELECT DISTINCT target, source, sku, location FROM pair_facts
    WHERE applied_ns IS NOT NULL AND pkey IN (SELECT pkey FROM changed)
),
applied AS (
    SELECT f.target, f.source, f.sku, f.location, f.warehouse, f.id, f.order_id, e.sequence,
           f.applied_ns, e.trace_id
    FROM pair_facts f
    JOIN touched t USING (target, source, sku, location)
    JOIN events e ON e.ekey = f.pkey AND e.source = f.source AND e.id = f.id
    WHERE f.applied_ns IS NOT NULL AND e.sequence IS NOT NULL
),
ordered AS (
    SELECT *, max(sequence) OVER (
        PARTITION BY target, source, sku, location
        ORDER BY applied_ns, sequence, id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS best
    FROM applied
)
SELECT t.target, t.source, t.sku, t.location,
       any_value(o.warehouse) AS warehouse,
       list(o.id ORDER BY o.applied_ns) FILTER (WHERE o.id IS NOT NULL) AS event_ids,
       list_distinct(list(o.order_id)) AS order_ids,
       list_distinct(list(o.trace_id)) AS trace_ids,
       list(o.sequence ORDER BY o.applied_ns) FILTER (WHERE o.id IS NOT NULL) AS sequences
FROM touched t
LEFT JOIN ordered o
  ON o.target = t.target AND o.source = t.source AND o.sku = t.sku AND o.location = t.location
 AND o.sequence < o.best
GROUP BY t.target, t.source, t.sku, t.location
ORDER BY ALL
