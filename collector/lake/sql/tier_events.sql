-- Events of both tiers: every hot row, and the lake's rows before the hot
-- horizon ({before}) that the hot store no longer holds (by (source, id)).
-- {hot}: the hot table, {lake}: the lake's rows (read_parquet or Arrow).
-- The hash keys are computed once, in the subquery: a query's filters on
-- the lake's columns (sku, lkey) then reach the Parquet scan, whose row
-- group statistics skip the other SKUs (written twice, DuckDB shares the
-- expression in a CTE the filters do not cross).
CREATE OR REPLACE TEMP VIEW events AS
SELECT * FROM {hot}
UNION ALL BY NAME
SELECT * EXCLUDE (ts)
FROM (SELECT *, hash(source, id) AS ekey, hash(sku) AS lkey FROM {lake}) AS l
WHERE l.time_ns < {before}
  AND NOT EXISTS (
      SELECT 1 FROM {hot} AS h
      WHERE h.time_ns < {before} AND h.ekey = l.ekey
        AND h.source = l.source AND h.id = l.id
  )
