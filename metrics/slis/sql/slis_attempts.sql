-- Attempt SLIs over delivery attempts that ended in [$from, $to),
-- overall ($by NULL) or by target / warehouse (of the span's location, by
-- the registered location_map, else the part before the first '/');
-- attempts that ended inside a registered maintenance occurrence of their
-- target and/or warehouse are left out.
SELECT CASE $by
           WHEN 'target' THEN s.target
           WHEN 'warehouse' THEN coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1))
       END AS grp,
       count(*) AS attempts,
       count(*) FILTER (WHERE s.status_code = 2 OR s.dead_lettered) AS failed,
       count(*) FILTER (WHERE s.replay) AS replays
FROM spans AS s
LEFT JOIN location_map AS m ON m.location = s.location
-- maintenance:
ANTI JOIN maintenance AS x
    ON coalesce(x.target = s.target, true)
   AND coalesce(x.warehouse = coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)), true)
   AND s.end_ns >= x.start_ns AND s.end_ns < x.end_ns
-- :maintenance
WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL AND s.end_ns >= $from AND s.end_ns < $to
GROUP BY grp
