-- The exact latency at each wanted rank, as quantile_disc over the raw rows
-- would give it: among the applied pairs whose event time is in [$from, $to)
-- (maintenance as slis_pairs.sql), overall ($by NULL) or by a dimension, the
-- k-th smallest (0-based) latency of histogram bucket `bucket` (the bucket
-- that holds the rank, found from the rollups), for each row of
-- wanted_ranks(grp, bucket, k).  $low and $high bound every wanted bucket's
-- latencies (a cheap test before the logarithm); the bucket is computed as in
-- rollup_raw_latency.sql, so it holds exactly the latencies the rollups count.
WITH inside AS (
    SELECT CASE $by
               WHEN 'target' THEN target
               WHEN 'warehouse' THEN warehouse
               WHEN 'channel' THEN coalesce(channel, '(none)')
               WHEN 'event_type' THEN type
           END AS grp,
           applied_ns - time_ns AS latency
    FROM pair_facts AS p
-- maintenance:
    ANTI JOIN maintenance AS x
        ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
       AND p.time_ns < x.end_ns AND p.time_ns + p.deadline_ns > x.start_ns
-- :maintenance
    WHERE p.time_ns >= $from AND p.time_ns < $to AND p.applied_ns IS NOT NULL
      AND p.applied_ns - p.time_ns BETWEEN $low AND $high
),
bucketed AS (
    SELECT grp, latency,
           CASE WHEN latency = 0 THEN 0
                ELSE sign(latency) * (1 + ceil(ln(abs(latency)) / $log_gamma))::INTEGER
           END AS bucket
    FROM inside
),
ranked AS (
    SELECT b.grp, b.bucket, b.latency,
           row_number() OVER (PARTITION BY b.grp, b.bucket ORDER BY b.latency) - 1 AS k
    FROM bucketed AS b
    SEMI JOIN wanted_ranks AS w ON w.grp IS NOT DISTINCT FROM b.grp AND w.bucket = b.bucket
)
SELECT w.grp, w.bucket, w.k, r.latency
FROM wanted_ranks AS w
JOIN ranked AS r ON r.grp IS NOT DISTINCT FROM w.grp AND r.bucket = w.bucket AND r.k = w.k
