INSERT INTO events BY NAME
SELECT *, hash(source, id) AS ekey, $seq AS seq, hash(sku) AS lkey
FROM fresh
