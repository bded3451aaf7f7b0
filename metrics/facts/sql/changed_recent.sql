-- The oldest time among what arrived in ($lo, $hi]: attempts' starts and
-- events' times (both at the tables' tail, found by seq).
SELECT least(
    (SELECT min(start_ns) FROM spans WHERE seq > $lo AND seq <= $hi AND target IS NOT NULL),
    (SELECT min(time_ns) FROM events WHERE seq > $lo AND seq <= $hi)
)
