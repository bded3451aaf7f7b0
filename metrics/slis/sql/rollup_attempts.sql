-- Attempt SLIs of the minutes in [$a, $b) from the rollups, overall ($by
-- NULL) or by a dimension, as slis_attempts.sql and slis_attempts_by_event.sql;
-- minutes of raw_minutes are left to raw rows, rows wholly inside a
-- maintenance occurrence are left out.
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN warehouse
           WHEN 'channel' THEN channel
           WHEN 'event_type' THEN type
       END AS grp,
       sum(attempts) AS attempts,
       sum(failed) AS failed,
       sum(replays) AS replays
FROM attempt_minutes AS a
-- maintenance:
ANTI JOIN maintenance AS x
    ON coalesce(x.target = a.target, true) AND coalesce(x.warehouse = a.warehouse, true)
   AND a.minute_ns >= x.start_ns AND a.minute_ns + 60000000000 <= x.end_ns
-- :maintenance
WHERE a.minute_ns >= $a AND a.minute_ns < $b
  AND a.minute_ns NOT IN (SELECT minute_ns FROM raw_minutes)
GROUP BY grp
HAVING sum(attempts) <> 0  -- a row may hold zeros after a late change
