-- Attempt SLIs by a property of the attempt's event (channel, event_type);
-- attempts whose event is unknown fall under '(unknown)'.
SELECT CASE $by
           WHEN 'channel' THEN coalesce(e.channel, CASE WHEN e.id IS NULL THEN '(unknown)' ELSE '(none)' END)
           WHEN 'event_type' THEN coalesce(e.type, '(unknown)')
       END AS grp,
       count(*) AS attempts,
       count(*) FILTER (WHERE s.status_code = 2 OR s.dead_lettered) AS failed,
       count(*) FILTER (WHERE s.replay) AS replays
FROM spans AS s
LEFT JOIN events AS e ON e.ekey = s.pkey AND e.source = s.event_source AND e.id = s.event_id
WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL AND s.end_ns >= $from AND s.end_ns < $to
GROUP BY grp
