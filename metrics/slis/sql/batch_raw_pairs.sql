-- slis_pairs.sql (overall counts, no percentiles) for many instants at once:
-- pieces (k, minute_ns, lo, hi, now) are instant k's raw parts, each inside
-- one minute; the pairs with event time in [lo, hi) count towards k.
-- $from, $to: the pieces' union.
SELECT i.k,
       count(*) FILTER (WHERE p.applied_ns IS NOT NULL) AS applied,
       count(*) FILTER (WHERE p.applied_ns - p.time_ns <= p.objective_ns) AS latency_good,
       count(*) FILTER (WHERE p.first_pass IS NOT NULL) AS first_pass_total,
       count(*) FILTER (WHERE p.first_pass) AS first_pass_good,
       count(*) FILTER (WHERE p.applied_ns IS NULL AND p.time_ns + p.deadline_ns < i.now) AS undelivered,
       count(*) FILTER (WHERE p.dead_lettered) AS dead_lettered,
       count(*) FILTER (WHERE p.applies >= 2) AS double_applies
FROM pair_facts AS p
JOIN pieces AS i
  ON i.minute_ns = p.time_ns - p.time_ns % 60000000000 AND p.time_ns >= i.lo AND p.time_ns < i.hi
-- maintenance:
ANTI JOIN maintenance AS x
    ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
   AND p.time_ns < x.end_ns AND p.time_ns + p.deadline_ns > x.start_ns
-- :maintenance
WHERE p.time_ns >= $from AND p.time_ns < $to
GROUP BY i.k
