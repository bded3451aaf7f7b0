-- The latency histogram of the applied pairs of the minutes in [$a, $b) from
-- the rollups, by bucket, overall ($by NULL) or by a dimension; as
-- rollup_pairs.sql for raw_minutes and maintenance.
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN warehouse
           WHEN 'channel' THEN channel
           WHEN 'event_type' THEN type
       END AS grp,
       bucket,
       sum(n) AS n
FROM latency_minutes AS p
-- maintenance:
ANTI JOIN maintenance AS x
    ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
   AND p.minute_ns + 60000000000 <= x.end_ns AND p.minute_ns + p.deadline_ns > x.start_ns
-- :maintenance
WHERE p.minute_ns >= $a AND p.minute_ns < $b
  AND p.minute_ns NOT IN (SELECT minute_ns FROM raw_minutes)
GROUP BY grp, bucket
