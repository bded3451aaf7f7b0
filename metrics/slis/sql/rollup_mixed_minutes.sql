-- Minutes of [$a, $b) that the rollups cannot answer alone (they are read
-- from raw rows instead): pair rows with pairs not applied whose deadline
-- passes $now inside the minute (undelivered counts only some of them), and
-- rows that a registered maintenance occurrence of their target and/or
-- warehouse covers only in part (a pair is out when [time, time + deadline)
-- overlaps it, an attempt when it ended inside it).
SELECT DISTINCT minute_ns FROM pair_minutes
WHERE minute_ns >= $a AND minute_ns < $b AND not_applied > 0
  AND minute_ns + deadline_ns < $now AND minute_ns + 59999999999 + deadline_ns >= $now
-- maintenance:
UNION
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
-- :maintenance
ORDER BY minute_ns
