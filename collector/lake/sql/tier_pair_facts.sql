-- Pair facts of both tiers: every hot row, and the lake's facts of events
-- before the hot horizon ({before}) that the hot store no longer holds (by
-- (source, id, target)).
CREATE OR REPLACE TEMP VIEW pair_facts AS
SELECT * FROM {hot}
UNION ALL BY NAME
SELECT * EXCLUDE (ts), hash(l.source, l.id) AS pkey
FROM {lake} AS l
WHERE l.time_ns < {before}
  AND NOT EXISTS (
      SELECT 1 FROM {hot} AS h
      WHERE h.time_ns < {before} AND h.pkey = hash(l.source, l.id)
        AND h.source = l.source AND h.id = l.id AND h.target = l.target
  )
