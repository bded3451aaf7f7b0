-- Pairs that are undelivered or dead-lettered now (open_pairs is small and
-- current), and pairs changed in ($lo, $hi] that were applied twice or more.
-- error_class: how the pair's latest failed attempt failed, as
-- failures_by_target.sql names it (error.type, else the HTTP status, else
-- dead_letter or error); NULL when no attempt failed.
WITH changed AS (
    SELECT ekey AS pkey FROM events WHERE seq > $lo AND seq <= $hi
    UNION
    SELECT pkey FROM spans
    WHERE seq > $lo AND seq <= $hi AND event_id IS NOT NULL AND target IS NOT NULL
),
cand AS (
    SELECT pkey, target, 'undelivered' AS kind FROM open_pairs
    WHERE NOT applied AND time_ns + deadline_ns < $now_ns
    UNION ALL
    SELECT pkey, target, 'dead_lettered' FROM open_pairs WHERE dead_lettered
    UNION ALL
    SELECT pkey, target, 'double_apply' FROM pair_facts
    WHERE applies >= 2 AND pkey IN (SELECT pkey FROM changed)
)
SELECT c.kind, f.source, f.id, f.target, f.type, f.time_ns, f.sku, f.location, f.warehouse,
       f.order_id, f.deadline_ns, f.attempts, f.failed, f.applies, f.applied_ns,
       list_sort(list_distinct(list(s.trace_id))) AS trace_ids,
       any_value(e.trace_id) AS event_trace_id,
       arg_max(coalesce(s.error_type, CAST(s.http_status AS VARCHAR),
                        CASE WHEN s.dead_lettered THEN 'dead_letter' ELSE 'error' END),
               s.end_ns) FILTER (WHERE s.status_code = 2 OR s.dead_lettered) AS error_class
FROM cand c
JOIN pair_facts f ON f.pkey = c.pkey AND f.target = c.target
LEFT JOIN spans s
  ON s.pkey = f.pkey AND s.event_source = f.source AND s.event_id = f.id AND s.target = f.target
LEFT JOIN events e ON e.ekey = f.pkey AND e.source = f.source AND e.id = f.id
GROUP BY ALL
ORDER BY c.kind, f.time_ns, f.source, f.id, f.target
