-- Pair SLIs (counts) of the minutes in [$a, $b) from the rollups, overall
-- ($by NULL) or by a dimension, as slis_pairs.sql; minutes of raw_minutes
-- are left to raw rows.  Every other row is either wholly past its deadline
-- at $now or not at all, and wholly inside a maintenance occurrence (left
-- out here) or wholly outside.
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN warehouse
           WHEN 'channel' THEN channel
           WHEN 'event_type' THEN type
       END AS grp,
       sum(applied) AS applied,
       sum(latency_good) AS latency_good,
       sum(first_pass_total) AS first_pass_total,
       sum(first_pass_good) AS first_pass_good,
       coalesce(sum(not_applied) FILTER (WHERE minute_ns + 59999999999 + deadline_ns < $now), 0)
           AS undelivered,
       sum(dead_lettered) AS dead_lettered,
       sum(double_applies) AS double_applies
FROM pair_minutes AS p
-- maintenance:
ANTI JOIN maintenance AS x
    ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
   AND p.minute_ns + 60000000000 <= x.end_ns AND p.minute_ns + p.deadline_ns > x.start_ns
-- :maintenance
WHERE p.minute_ns >= $a AND p.minute_ns < $b
  AND p.minute_ns NOT IN (SELECT minute_ns FROM raw_minutes)
GROUP BY grp
HAVING sum(pairs) <> 0  -- a row may hold zeros after a late change
