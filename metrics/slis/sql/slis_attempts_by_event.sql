-- Attempt SLIs by a property of the attempt's event (channel, event_type);
-- attempts whose event is unknown fall under '(unknown)'; attempts that
-- ended inside a registered maintenance occurrence of their target and/or
-- warehouse are left out, as in slis_attempts.sql.
SELECT CASE $by
           WHEN 'channel' THEN coalesce(e.channel, CASE WHEN e.id IS NULL THEN '(unknown)' ELSE '(none)' END)
           WHEN 'event_type' THEN coalesce(e.type, '(unknown)')
       END AS grp,
       count(*) AS attempts,
       count(*) FILTER (WHERE s.status_code = 2 OR s.dead_lettered) AS failed,
       count(*) FILTER (WHERE s.replay) AS replays
FROM spans AS s
LEFT JOIN events AS e ON e.ekey = s.pkey AND e.source = s.event_source AND e.id = s.event_id
-- maintenance:
LEFT JOIN location_map AS m ON m.location = s.location
ANTI JOIN maintenance AS x
    ON coalesce(x.target = s.target, true)
   AND coalesce(x.warehouse = coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)), true)
   AND s.end_ns >= x.start_ns AND s.end_ns < x.end_ns
-- :maintenance
WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL AND s.end_ns >= $from AND s.end_ns < $to
GROUP BY grp
