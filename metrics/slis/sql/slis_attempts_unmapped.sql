-- Attempt SLIs over delivery attempts that ended in [$from, $to), overall
-- ($by NULL) or by target, with no maintenance to leave out: slis_attempts
-- without the location map, whose join on every span of a 28 d window costs
-- more than the rest of the query (slis_attempts serves by=warehouse and
-- maintenance, which need each attempt's warehouse).
SELECT CASE $by WHEN 'target' THEN target END AS grp,
       count(*) AS attempts,
       count(*) FILTER (WHERE status_code = 2 OR dead_lettered) AS failed,
       count(*) FILTER (WHERE replay) AS replays
FROM spans
WHERE event_id IS NOT NULL AND target IS NOT NULL AND end_ns >= $from AND end_ns < $to
GROUP BY grp
