-- Attempts stored by group commits in ($lo, $hi], with their event as the
-- refresh's snapshot knows it (changed_events holds the events of every key
-- changed, so of every new attempt), for rollup_attempts_add.sql.
SELECT s.end_ns, s.target,
       coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)) AS warehouse,
       coalesce(e.channel, CASE WHEN e.id IS NULL THEN '(unknown)' ELSE '(none)' END) AS channel,
       coalesce(e.type, '(unknown)') AS type,
       s.status_code = 2 OR s.dead_lettered AS failed,
       s.replay
FROM spans AS s
LEFT JOIN changed_events AS e ON e.ekey = s.pkey AND e.source = s.event_source AND e.id = s.event_id
LEFT JOIN location_map AS m ON m.location = s.location
WHERE s.seq > $lo AND s.seq <= $hi AND s.event_id IS NOT NULL AND s.target IS NOT NULL
