-- Attempts stored by group commits in ($lo, $hi], by target, outcome and kind.
INSERT INTO attempt_totals
SELECT target,
       CASE WHEN status_code = 2 OR dead_lettered THEN 'failure' ELSE 'success' END,
       CASE WHEN replay THEN 'replay' WHEN attempt = 1 THEN 'first' ELSE 'retry' END,
       count(*)
FROM spans
WHERE seq > $lo AND seq <= $hi AND event_id IS NOT NULL AND target IS NOT NULL
GROUP BY ALL
