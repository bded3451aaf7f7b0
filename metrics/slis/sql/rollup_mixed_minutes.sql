-- Minutes that the rollups cannot answer alone (they are read from raw rows
-- instead), for each instant k of the registered table instants (k, a, b,
-- now): (k, minute_ns) for each such minute of its [a, b) ($a, $b: the
-- instants' union).  Pair rows with pairs not applied whose deadline passes
-- now inside the minute (undelivered counts only some of them), and rows
-- that a registered maintenance occurrence of their target and/or warehouse
-- covers only in part (a pair is out when [time, time + deadline) overlaps
-- it, an attempt when it ended inside it).
SELECT DISTINCT i.k, p.minute_ns
FROM pair_minutes AS p
JOIN instants AS i
  ON p.minute_ns >= i.a AND p.minute_ns < i.b
 AND p.minute_ns + p.deadline_ns < i.now AND p.minute_ns + 59999999999 + p.deadline_ns >= i.now
WHERE p.minute_ns >= $a AND p.minute_ns < $b AND p.not_applied > 0
-- maintenance:
UNION
SELECT i.k, c.minute_ns
FROM (
    SELECT p.minute_ns
    FROM pair_minutes AS p
    JOIN maintenance AS x
      ON coalesce(x.target = p.target, true) AND coalesce(x.warehouse = p.warehouse, true)
    WHERE p.minute_ns >= $a AND p.minute_ns < $b
      AND NOT (p.minute_ns + 60000000000 <= x.end_ns AND p.minute_ns + p.deadline_ns > x.start_ns)
      AND NOT (p.minute_ns >= x.end_ns OR p.minute_ns + 59999999999 + p.deadline_ns <= x.start_ns)
    UNION
    SELECT a.minute_ns
    FROM attempt_minutes AS a
    JOIN maintenance AS x
      ON coalesce(x.target = a.target, true) AND coalesce(x.warehouse = a.warehouse, true)
    WHERE a.minute_ns >= $a AND a.minute_ns < $b
      AND NOT (a.minute_ns >= x.start_ns AND a.minute_ns + 60000000000 <= x.end_ns)
      AND NOT (a.minute_ns + 60000000000 <= x.start_ns OR a.minute_ns >= x.end_ns)
) AS c
JOIN instants AS i ON c.minute_ns >= i.a AND c.minute_ns < i.b
-- :maintenance
ORDER BY 1, 2
