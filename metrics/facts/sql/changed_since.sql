-- The oldest changed event: derived rows of the changed pairs are no older,
-- so every scan below can skip the row groups before it.
SELECT min(time_ns) FROM changed_events
