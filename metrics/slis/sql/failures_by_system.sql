-- Failed delivery attempts that ended in [$from, $to) by target, warehouse
-- (of the span's location, as slis_attempts.sql) and failure class (as
-- failures_by_target.sql): what budget by cause attributes.
SELECT s.target,
       coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)) AS warehouse,
       coalesce(s.error_type,
                CAST(s.http_status AS VARCHAR),
                CASE WHEN s.dead_lettered THEN 'dead_letter' ELSE 'error' END) AS error_class,
       count(*) AS failed
FROM spans AS s
LEFT JOIN location_map AS m ON m.location = s.location
WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL AND s.end_ns >= $from AND s.end_ns < $to
  AND (s.status_code = 2 OR s.dead_lettered)
GROUP BY ALL
ORDER BY ALL
