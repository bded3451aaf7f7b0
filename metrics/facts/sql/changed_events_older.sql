-- Changed keys with no event found from $recent on: their event is older (a
-- late replay, a late event) or has not arrived; look through the rest.
INSERT INTO changed_events
SELECT ekey, source, id, type, system, time_ns, sku, location, channel, order_id
FROM events
WHERE time_ns < $recent
  AND ekey IN (SELECT pkey FROM changed WHERE pkey NOT IN (SELECT ekey FROM changed_events))
