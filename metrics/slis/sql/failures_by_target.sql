-- Failed delivery attempts that ended in [$from, $to), by target and failure
-- class: error.type as sent (timeout, 429, validation, ...), else the HTTP
-- status, else dead_letter or error.
SELECT target,
       coalesce(error_type,
                CAST(http_status AS VARCHAR),
                CASE WHEN dead_lettered THEN 'dead_letter' ELSE 'error' END) AS error_type,
       count(*) AS failed
FROM spans
WHERE event_id IS NOT NULL AND target IS NOT NULL AND end_ns >= $from AND end_ns < $to
  AND (status_code = 2 OR dead_lettered)
GROUP BY ALL
ORDER BY target, failed DESC, error_type
