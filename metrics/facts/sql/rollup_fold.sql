-- Fold {table}_delta into {table}: the minutes it touches are rewritten as
-- their rows plus the deltas, summed by key ({keys}); a changed row carries
-- the newest derived_seq.  Rows summing to zero stay (a lake restatement
-- sees the minute changed); they add nothing.
CREATE OR REPLACE TEMP TABLE rollup_folded AS
SELECT {keys}, {sums}, max(derived_seq) AS derived_seq
FROM (
    SELECT * FROM {table}
    WHERE minute_ns >= (SELECT min(minute_ns) FROM {table}_delta)
      AND minute_ns IN (SELECT minute_ns FROM {table}_delta)
    UNION ALL
    SELECT * FROM {table}_delta
)
GROUP BY {keys};
DELETE FROM {table}
WHERE minute_ns >= (SELECT min(minute_ns) FROM {table}_delta)
  AND minute_ns IN (SELECT minute_ns FROM {table}_delta);
INSERT INTO {table} SELECT * FROM rollup_folded ORDER BY minute_ns;
DROP TABLE rollup_folded;
DROP TABLE {table}_delta;
