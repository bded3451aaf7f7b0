-- Events of both tiers: every hot row, and the lake's rows before the hot
-- horizon ({before}) that the hot store no longer holds (by (source, id)).
-- {hot}: the hot table, {lake}: the lake's rows (read_parquet or Arrow).
CREATE OR REPLACE TEMP VIEW events AS
SELECT * FROM {hot}
UNION ALL BY NAME
SELECT * EXCLUDE (ts), hash(l.source, l.id) AS ekey, hash(l.sku) AS lkey
FROM {lake} AS l
WHERE l.time_ns < {before}
  AND NOT EXISTS (
      SELECT 1 FROM {hot} AS h
      WHERE h.time_ns < {before} AND h.ekey = hash(l.source, l.id)
        AND h.source = l.source AND h.id = l.id
  )
