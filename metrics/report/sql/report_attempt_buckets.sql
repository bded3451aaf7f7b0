-- Delivery attempts and failed ones (the api_failure SLI) per $step-long
-- bucket of end time in [$from, $to), overall ($by NULL) or by target /
-- warehouse (of the span's location, by the registered location_map, else
-- the part before the first '/').
SELECT CASE $by
           WHEN 'target' THEN s.target
           WHEN 'warehouse' THEN coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1))
       END AS grp,
       (s.end_ns - $from) // $step AS bucket,
       count(*) AS attempts,
       count(*) FILTER (WHERE s.status_code = 2 OR s.dead_lettered) AS failed
FROM spans AS s
LEFT JOIN location_map AS m ON m.location = s.location
-- maintenance: attempts that ended inside an occurrence of their scope
ANTI JOIN maintenance AS x
    ON coalesce(x.target = s.target, true)
   AND coalesce(x.warehouse = coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)), true)
   AND s.end_ns >= x.start_ns AND s.end_ns < x.end_ns
-- :maintenance
WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL AND s.end_ns >= $from AND s.end_ns < $to
GROUP BY ALL
