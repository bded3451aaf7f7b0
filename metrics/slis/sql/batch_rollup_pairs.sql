-- rollup_pairs.sql (overall) for many instants at once: instant k's counts
-- of the minutes of its [a, b) (registered table instants) but those of
-- raw_minutes (k, minute_ns); $a, $b: the instants' union.  The minutes are
-- summed over the dimensions first (one row per minute and deadline).
WITH m AS (
    SELECT p.minute_ns, p.deadline_ns,
           sum(p.pairs) AS pairs,
           sum(p.applied) AS applied,
           sum(p.latency_good) AS latency_good,
           sum(p.first_pass_total) AS first_pass_total,
           sum(p.first_pass_good) AS first_pass_good,
           sum(p.not_applied) AS not_applied,
           sum(p.dead_lettered) AS dead_lettered,
           sum(p.double_applies) AS double_applies
    FROM pair_minutes AS p
-- maintenance:
    ANTI JOIN maintenance AS x
        ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
       AND p.minute_ns + 60000000000 <= x.end_ns AND p.minute_ns + p.deadline_ns > x.start_ns
-- :maintenance
    WHERE p.minute_ns >= $a AND p.minute_ns < $b
    GROUP BY p.minute_ns, p.deadline_ns
)
SELECT i.k,
       sum(m.applied) AS applied,
       sum(m.latency_good) AS latency_good,
       sum(m.first_pass_total) AS first_pass_total,
       sum(m.first_pass_good) AS first_pass_good,
       coalesce(sum(m.not_applied) FILTER (WHERE m.minute_ns + 59999999999 + m.deadline_ns < i.now), 0)
           AS undelivered,
       sum(m.dead_lettered) AS dead_lettered,
       sum(m.double_applies) AS double_applies
FROM m
JOIN instants AS i ON m.minute_ns >= i.a AND m.minute_ns < i.b
ANTI JOIN raw_minutes AS r ON r.k = i.k AND r.minute_ns = m.minute_ns
GROUP BY i.k
HAVING sum(m.pairs) <> 0  -- a row may hold zeros after a late change
