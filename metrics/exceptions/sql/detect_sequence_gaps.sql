-- Missing sequence numbers per (source, sku, location) whose successors are
-- past their deadline (SPEC 2 sequence gap), for the keys that changed in
-- ($lo, $hi], whose events came due in ($since_due, $now_ns], or that have
-- an open gap (det_gap_keys). det_deadlines(type, system, deadline_ns).
WITH keys AS (
    SELECT source, sku, location FROM events
    WHERE seq > $lo AND seq <= $hi AND sequence IS NOT NULL
    UNION
    SELECT e.source, e.sku, e.location FROM events e
    LEFT JOIN det_deadlines d ON d.type = e.type AND d.system = e.system
    WHERE e.sequence IS NOT NULL
      AND e.time_ns + coalesce(d.deadline_ns, $default_deadline_ns) > $since_due
      AND e.time_ns + coalesce(d.deadline_ns, $default_deadline_ns) <= $now_ns
    UNION
    SELECT source, sku, location FROM det_gap_keys
),
seqs AS (
    SELECT e.source, e.sku, e.location, e.sequence,
           min(e.time_ns + coalesce(d.deadline_ns, $default_deadline_ns)) AS due_ns,
           any_value(e.id) AS id
    FROM events e
    JOIN keys k USING (source, sku, location)
    LEFT JOIN det_deadlines d ON d.type = e.type AND d.system = e.system
    WHERE e.sequence IS NOT NULL
    GROUP BY ALL
),
w AS (
    SELECT *,
           lag(sequence) OVER (PARTITION BY source, sku, location ORDER BY sequence) AS prev,
           lag(id) OVER (PARTITION BY source, sku, location ORDER BY sequence) AS prev_id,
           min(due_ns) OVER (
               PARTITION BY source, sku, location ORDER BY sequence DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS succ_due
    FROM seqs
)
SELECT 'gap' AS what, source, sku, location, prev + 1 AS first_missing,
       sequence - 1 AS last_missing, prev_id, id AS next_id
FROM w
WHERE sequence - prev > 1 AND succ_due < $now_ns
UNION ALL
SELECT 'key', source, sku, location, NULL, NULL, NULL, NULL FROM keys
ORDER BY ALL
