-- The events of group commits ($lo, $hi] in lkey order.
CREATE OR REPLACE TEMP TABLE compact_events AS
SELECT * FROM events WHERE seq > $lo AND seq <= $hi
ORDER BY lkey, time_ns
