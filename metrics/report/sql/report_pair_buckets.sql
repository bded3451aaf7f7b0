-- Pair counts of the latency and first-pass SLIs per $step-long bucket of
-- event time in [$from, $to) (bucket k covers [$from + k*$step, $from + (k+1)*$step)),
-- overall ($by NULL) or by target / warehouse / channel / event_type.
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN warehouse
           WHEN 'channel' THEN coalesce(channel, '(none)')
           WHEN 'event_type' THEN type
       END AS grp,
       (time_ns - $from) // $step AS bucket,
       count(*) FILTER (WHERE applied_ns IS NOT NULL) AS applied,
       count(*) FILTER (WHERE applied_ns - time_ns <= objective_ns) AS latency_good,
       count(*) FILTER (WHERE first_pass IS NOT NULL) AS first_pass_total,
       count(*) FILTER (WHERE first_pass) AS first_pass_good
FROM pair_facts
WHERE time_ns >= $from AND time_ns < $to
GROUP BY ALL
