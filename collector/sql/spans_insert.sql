INSERT INTO spans BY NAME
SELECT *, hash(event_source, event_id) AS pkey, $seq AS seq,
       CASE WHEN sku IS NOT NULL THEN hash(sku) END AS lkey
FROM fresh
