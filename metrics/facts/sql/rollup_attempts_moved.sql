-- Attempts counted under '(unknown)' whose event came in this refresh (an
-- orphan's event is among changed_events only once it has arrived): from now
-- on under their event's channel and type.
SELECT o.end_ns, o.target, o.warehouse,
       coalesce(e.channel, '(none)') AS channel,
       e.type,
       o.failed,
       o.replay
FROM attempt_orphans AS o
JOIN changed_events AS e ON e.ekey = o.pkey AND e.source = o.event_source AND e.id = o.event_id
