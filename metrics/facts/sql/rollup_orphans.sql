-- The orphans whose event came leave attempt_orphans; the attempts new in
-- ($lo, $hi] whose event the refresh does not know join it.
DELETE FROM attempt_orphans AS o
WHERE EXISTS (
    SELECT 1 FROM changed_events AS e
    WHERE e.ekey = o.pkey AND e.source = o.event_source AND e.id = o.event_id
);
INSERT INTO attempt_orphans
SELECT s.pkey, s.event_source, s.event_id, s.end_ns, s.target,
       coalesce(m.warehouse, split_part(coalesce(s.location, ''), '/', 1)),
       s.status_code = 2 OR s.dead_lettered,
       s.replay
FROM spans AS s
LEFT JOIN location_map AS m ON m.location = s.location
WHERE s.seq > $lo AND s.seq <= $hi AND s.event_id IS NOT NULL AND s.target IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM changed_events AS e
      WHERE e.ekey = s.pkey AND e.source = s.event_source AND e.id = s.event_id
  )
