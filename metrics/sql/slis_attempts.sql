-- Attempt SLIs over delivery attempts that ended in [$from, $to),
-- overall ($by NULL) or by target / warehouse (from the span's location).
SELECT CASE $by
           WHEN 'target' THEN target
           WHEN 'warehouse' THEN split_part(coalesce(location, ''), '/', 1)
       END AS grp,
       count(*) AS attempts,
       count(*) FILTER (WHERE status_code = 2 OR dead_lettered) AS failed,
       count(*) FILTER (WHERE replay) AS replays
FROM spans
WHERE event_id IS NOT NULL AND target IS NOT NULL AND end_ns >= $from AND end_ns < $to
GROUP BY grp
