-- Failed delivery attempts that ended in [$from, $to), newest first, with
-- what the on-call drill-down shows: target, failure class (error.type as
-- sent, else the HTTP status, else dead_letter or error, as
-- failures_by_target.sql), HTTP status, time, trace; filtered by target,
-- failure class, HTTP status and SKU (NULL: any); a page of $limit from
-- $offset and the total matching (every row carries it).
WITH failed AS (
    SELECT s.trace_id,
           s.span_id,
           s.end_ns,
           s.target,
           coalesce(s.error_type,
                    CAST(s.http_status AS VARCHAR),
                    CASE WHEN s.dead_lettered THEN 'dead_letter' ELSE 'error' END) AS error_class,
           s.http_status,
           s.status_message,
           s.dead_lettered,
           s.attempt,
           s.event_id,
           s.sku,
           s.location,
           s.order_id,
           coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)) AS warehouse
    FROM spans AS s
    LEFT JOIN location_map AS m ON m.location = s.location
    WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL
      AND s.end_ns >= $from AND s.end_ns < $to
      AND (s.status_code = 2 OR s.dead_lettered)
      AND ($target IS NULL OR s.target = $target)
      AND ($http_status IS NULL OR s.http_status = $http_status)
      AND ($sku IS NULL OR s.sku = $sku)
)
SELECT *, count(*) OVER () AS total
FROM failed
WHERE $error_class IS NULL OR error_class = $error_class
ORDER BY end_ns DESC, trace_id, span_id
LIMIT $limit OFFSET $offset
