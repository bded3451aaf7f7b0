-- The events of the changed keys, read once: their routes, their time span,
-- and the columns the facts need.  Most are recent: this reads the events
-- from $recent on; changed_events_older finds the rest, if any.
CREATE OR REPLACE TEMP TABLE changed_events AS
SELECT ekey, source, id, type, system, time_ns, sku, location, channel, order_id
FROM events
WHERE time_ns >= $recent AND ekey IN (SELECT pkey FROM changed)
