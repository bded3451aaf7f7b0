-- The spans of group commits ($lo, $hi] in lkey order.  An attempt without
-- inventory.sku takes the lkey of its stored event (exact match on source and
-- id), so a SKU's lookup finds it beside the SKU's other attempts.
CREATE OR REPLACE TEMP TABLE compact_spans AS
WITH block AS (
    SELECT * FROM spans WHERE seq > $lo AND seq <= $hi
),
owners AS (
    SELECT source, id, lkey FROM events
    WHERE ekey IN (SELECT pkey FROM block WHERE lkey IS NULL AND event_id IS NOT NULL)
)
SELECT b.* REPLACE (coalesce(b.lkey, o.lkey) AS lkey)
FROM block AS b
LEFT JOIN owners AS o
       ON b.lkey IS NULL AND o.source = b.event_source AND o.id = b.event_id
ORDER BY lkey NULLS LAST, b.start_ns
