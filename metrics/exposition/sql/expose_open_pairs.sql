-- Undelivered (deadline passed, no success) and dead-lettered pairs by target.
SELECT target,
       count(*) FILTER (WHERE NOT applied AND time_ns + deadline_ns < $now) AS undelivered,
       count(*) FILTER (WHERE dead_lettered) AS dead_lettered
FROM open_pairs GROUP BY target ORDER BY target
