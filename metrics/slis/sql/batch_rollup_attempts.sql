-- rollup_attempts.sql (overall) for many instants at once: instant k's
-- counts of the minutes of its [a, b) (registered table instants) but those
-- of raw_minutes (k, minute_ns); $a, $b: the instants' union.
WITH m AS (
    SELECT a.minute_ns,
           sum(a.attempts) AS attempts,
           sum(a.failed) AS failed,
           sum(a.replays) AS replays
    FROM attempt_minutes AS a
-- maintenance:
    ANTI JOIN maintenance AS x
        ON coalesce(x.target = a.target, true) AND coalesce(x.warehouse = a.warehouse, true)
       AND a.minute_ns >= x.start_ns AND a.minute_ns + 60000000000 <= x.end_ns
-- :maintenance
    WHERE a.minute_ns >= $a AND a.minute_ns < $b
    GROUP BY a.minute_ns
)
SELECT i.k,
       sum(m.attempts) AS attempts,
       sum(m.failed) AS failed,
       sum(m.replays) AS replays
FROM m
JOIN instants AS i ON m.minute_ns >= i.a AND m.minute_ns < i.b
ANTI JOIN raw_minutes AS r ON r.k = i.k AND r.minute_ns = m.minute_ns
GROUP BY i.k
HAVING sum(m.attempts) <> 0  -- a row may hold zeros after a late change
