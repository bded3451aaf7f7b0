-- slis_attempts.sql (overall) for many instants at once: pieces (k,
-- minute_ns, lo, hi, now) are instant k's raw parts, each inside one
-- minute; the attempts that ended in [lo, hi) count towards k.  The location
-- map is joined only with maintenance (as slis_attempts_unmapped.sql).
-- $from, $to: the pieces' union.
SELECT i.k,
       count(*) AS attempts,
       count(*) FILTER (WHERE s.status_code = 2 OR s.dead_lettered) AS failed,
       count(*) FILTER (WHERE s.replay) AS replays
FROM spans AS s
JOIN pieces AS i
  ON i.minute_ns = s.end_ns - s.end_ns % 60000000000 AND s.end_ns >= i.lo AND s.end_ns < i.hi
-- maintenance:
LEFT JOIN location_map AS m ON m.location = s.location
ANTI JOIN maintenance AS x
    ON coalesce(x.target = s.target, true)
   AND coalesce(x.warehouse = coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)), true)
   AND s.end_ns >= x.start_ns AND s.end_ns < x.end_ns
-- :maintenance
WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL AND s.end_ns >= $from AND s.end_ns < $to
GROUP BY i.k
