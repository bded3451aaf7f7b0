-- Stored events among the listed identities (registered as `wanted(source,
-- id)`) of SKU $sku: the quick first look, before events_known.
-- The caller compares exactly.
SELECT source, id
FROM events
WHERE lkey = hash($sku) AND ekey IN (SELECT hash(source, id) FROM wanted)
