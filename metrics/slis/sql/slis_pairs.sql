-- Pair SLIs of SPEC 4 over pairs whose event time is in [$from, $to),
-- overall ($by NULL) or by target / warehouse / channel / event_type;
-- pairs whose delivery period [time, time + deadline) overlaps a registered
-- maintenance occurrence of their target and/or warehouse are left out.
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN warehouse
           WHEN 'channel' THEN coalesce(channel, '(none)')
           WHEN 'event_type' THEN type
       END AS grp,
       count(*) FILTER (WHERE applied_ns IS NOT NULL) AS applied,
       count(*) FILTER (WHERE applied_ns - time_ns <= objective_ns) AS latency_good,
       count(*) FILTER (WHERE first_pass IS NOT NULL) AS first_pass_total,
       count(*) FILTER (WHERE first_pass) AS first_pass_good,
       count(*) FILTER (WHERE applied_ns IS NULL AND time_ns + deadline_ns < $now) AS undelivered,
       count(*) FILTER (WHERE dead_lettered) AS dead_lettered,
       count(*) FILTER (WHERE applies >= 2) AS double_applies,
       quantile_disc(applied_ns - time_ns, [0.5, 0.95, 0.99]) AS latency_q
FROM pair_facts AS p
-- maintenance: (an anti join: DuckDB plans NOT EXISTS here ~15x slower)
ANTI JOIN maintenance AS x
    ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
   AND p.time_ns < x.end_ns AND p.time_ns + p.deadline_ns > x.start_ns
-- :maintenance
WHERE p.time_ns >= $from AND p.time_ns < $to
GROUP BY grp
