-- The latency histogram of applied pairs whose event time is in [$from, $to)
-- from raw pair facts, by bucket (as metrics/facts/sql/rollup_latency_add.sql),
-- overall ($by NULL) or by a dimension; maintenance as slis_pairs.sql.
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN warehouse
           WHEN 'channel' THEN coalesce(channel, '(none)')
           WHEN 'event_type' THEN type
       END AS grp,
       CASE WHEN applied_ns = time_ns THEN 0
            ELSE sign(applied_ns - time_ns)
                 * (1 + ceil(ln(abs(applied_ns - time_ns)) / $log_gamma))::INTEGER
       END AS bucket,
       count(*) AS n
FROM pair_facts AS p
-- maintenance:
ANTI JOIN maintenance AS x
    ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
   AND p.time_ns < x.end_ns AND p.time_ns + p.deadline_ns > x.start_ns
-- :maintenance
WHERE p.time_ns >= $from AND p.time_ns < $to AND p.applied_ns IS NOT NULL
GROUP BY grp, bucket
