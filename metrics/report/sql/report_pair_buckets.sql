-- Pair counts of the latency and first-pass SLIs per $step-long bucket of
-- event time in [$from, $to) (bucket k covers [$from + k*$step, $from + (k+1)*$step)),
-- overall ($by NULL) or by target / warehouse / channel / event_type; pairs
-- left out of the SLIs for maintenance are left out here too.
SELECT CASE $by
           WHEN 'target' THEN p.target
           WHEN 'warehouse' THEN p.warehouse
           WHEN 'channel' THEN coalesce(p.channel, '(none)')
           WHEN 'event_type' THEN p.type
       END AS grp,
       (p.time_ns - $from) // $step AS bucket,
       count(*) FILTER (WHERE p.applied_ns IS NOT NULL) AS applied,
       count(*) FILTER (WHERE p.applied_ns - p.time_ns <= p.objective_ns) AS latency_good,
       count(*) FILTER (WHERE p.first_pass IS NOT NULL) AS first_pass_total,
       count(*) FILTER (WHERE p.first_pass) AS first_pass_good
FROM pair_facts AS p
-- maintenance: pairs whose delivery period overlaps an occurrence of their scope
ANTI JOIN maintenance AS x
    ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
   AND p.time_ns < x.end_ns AND p.time_ns + p.deadline_ns > x.start_ns
-- :maintenance
WHERE p.time_ns >= $from AND p.time_ns < $to
GROUP BY ALL
